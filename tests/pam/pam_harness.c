/* pam_harness.c - see pam_harness.h: the test's directory, service and
 * config files, and PAM transactions through libpamtest. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pam_harness.h"
#include "pam_internal.h"
#include "test_util.h"

struct ph ph;

static const char *const default_answers[] = {PH_PASSWORD, NULL};
static const char *const *answers = default_answers;
static size_t answered;
static bool pam_started;  /* a PAM transaction began in this worker */
static pid_t wrapper_pid; /* the process pam_wrapper was set up in */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert(fputs(text, f) >= 0);
	cr_assert_eq(fclose(f), 0);
	/* Readable by nobody too (the permission tests). */
	cr_assert_eq(chmod(path, 0644), 0);
}

/* ---- where the system's modules are ---- */

static int find_libpam(struct dl_phdr_info *info, size_t size, void *data)
{
	char **out = data;
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (base && strcmp(base + 1, "libpam.so.0") == 0 && !*out)
		*out = strdup(info->dlpi_name);
	return 0;
}

/* `name` in `sub` of libpam's directory, with or without /usr (merged-usr
 * or not): /lib/x86_64-linux-gnu/security/pam_permit.so. */
static char *system_module(const char *sub, const char *name)
{
	static const char *const prefixes[] = {"", "/usr"};
	char *libpam = NULL, *dir, *path = NULL;

	dl_iterate_phdr(find_libpam, &libpam);
	cr_assert_not_null(libpam, "libpam.so.0 is not loaded");
	dir = dirname(libpam);
	if (strncmp(dir, "/usr/", 5) == 0)
		dir += 4;
	for (size_t i = 0; i < 2; i++) {
		free(path);
		cr_assert(asprintf(&path, "%s%s/%s/%s", prefixes[i], dir, sub,
				   name) > 0);
		if (access(path, R_OK) == 0)
			break;
	}
	cr_assert_eq(access(path, R_OK), 0, "no %s (%s)", name, path);
	free(libpam);
	return path;
}

char *ph_module_path(void)
{
	const char *env = getenv("KVP_PAM_MODULE");
	char *path;

	if (env && *env)
		return strdup(env);
	path = tu_helper("../pam_kvp.so");
	cr_assert_eq(access(path, R_OK), 0, "%s: %s (build it first)", path,
		     strerror(errno));
	return path;
}

/* ---- setup ---- */

static bool preloaded(void)
{
	const char *pre = getenv("LD_PRELOAD");
	const char *on = getenv("PAM_WRAPPER");

	return pre && strstr(pre, "libpam_wrapper") && on && on[0] == '1';
}

void ph_init(void)
{
	char *passdb = NULL;

	memset(&ph, 0, sizeof(ph));
	answers = default_answers;
	answered = 0;
	pam_started = false;
	ph.root = tu_mkdtemp();
	ph.svc_dir = tu_path(ph.root, "pam.d");
	ph.pool_dir = tu_path(ph.root, "pool");
	ph.pool = tu_path(ph.pool_dir, ".kvp_pool_1");
	ph.conf = tu_path(ph.root, "pam_kvp.conf");
	ph.key_file = tu_path(ph.root, "pam_kvp.key");
	ph.passdb = tu_path(ph.root, "passdb");
	ph.log = tu_path(ph.root, "syslog.txt");
	ph.sysroot = tu_path(ph.root, "sysroot");
	cr_assert_eq(mkdir(ph.svc_dir, 0755), 0);
	cr_assert_eq(mkdir(ph.pool_dir, 0755), 0);
	ph.wrapper = preloaded();
	ph_log_start();

	if (ph.wrapper) {
		cr_assert_eq(setenv("PAM_WRAPPER_SERVICE_DIR", ph.svc_dir, 1),
			     0);
		/* pam_wrapper's destructor would remove its directory at
		 * exit, by name, after ph_pam_done() removed it and maybe
		 * after another process took the name: ph_pam_done() alone
		 * removes it, while the name is still ours. */
		cr_assert_eq(setenv("PAM_WRAPPER_KEEP_DIR", "1", 1), 0);
	}
	ph_service("other", "auth required {DENY}\n"
			    "account required {DENY}\n"
			    "session required {DENY}\n"
			    "password required {DENY}\n");
	/* pam_matrix allows one service per user: the services the suites
	 * authenticate through use this user. */
	cr_assert(asprintf(&passdb, "%s:%s:login\n", PH_USER, PH_PASSWORD) > 0);
	write_text(ph.passdb, passdb);
	free(passdb);
	ph_config("%s", "");
	ph_sysroot(PH_SMBIOS, true);
}

void ph_sysroot(const char *smbios, bool efi)
{
	static const char *const dirs[] = {
	    "", "/sys", "/sys/class", "/sys/class/dmi", "/sys/class/dmi/id"};
	char *path = NULL;

	ph_rmtree(ph.sysroot);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		cr_assert(asprintf(&path, "%s%s", ph.sysroot, dirs[i]) > 0);
		cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
		free(path);
	}
	if (smbios) {
		cr_assert(asprintf(&path, "%s/sys/class/dmi/id/product_uuid",
				   ph.sysroot) > 0);
		write_text(path, smbios);
		free(path);
	}
	if (efi) {
		cr_assert(asprintf(&path, "%s/sys/firmware", ph.sysroot) > 0);
		cr_assert_eq(mkdir(path, 0755), 0);
		free(path);
		cr_assert(asprintf(&path, "%s/sys/firmware/efi", ph.sysroot) >
			  0);
		cr_assert_eq(mkdir(path, 0755), 0);
		free(path);
	}
	cr_assert_eq(setenv("KVP_TEST_SYSROOT", ph.sysroot, 1), 0);
}

void ph_fini(void)
{
	ph_setuid_fini();
	ph_unmount_all();
	ph_log_stop();
	ph_pam_done();
	ph_rmtree(ph.root);
	free(ph.root);
	free(ph.svc_dir);
	free(ph.pool_dir);
	free(ph.pool);
	free(ph.conf);
	free(ph.key_file);
	free(ph.passdb);
	free(ph.log);
	free(ph.sysroot);
	unsetenv("KVP_TEST_SYSROOT");
	memset(&ph, 0, sizeof(ph));
}

/* ---- files ---- */

/* `text` with every {NAME} in `names` replaced by its value. */
static char *expand(const char *text)
{
	char *module = ph_module_path();
	char *permit = system_module("security", "pam_permit.so");
	char *deny = system_module("security", "pam_deny.so");
	char *matrix = system_module("pam_wrapper", "pam_matrix.so");
	char *kvp = NULL, *mat = NULL, *out = NULL;
	size_t len = 0;
	FILE *f;

	cr_assert(asprintf(&kvp, "%s config=%s", module, ph.conf) > 0);
	cr_assert(asprintf(&mat, "%s passdb=%s", matrix, ph.passdb) > 0);
	const char *names[][2] = {
	    {"{KVP}", kvp},	     {"{KVP_BARE}", module},
	    {"{PERMIT}", permit},    {"{DENY}", deny},
	    {"{MATRIX}", mat},	     {"{CONF}", ph.conf},
	    {"{POOL}", ph.pool_dir}, {"{ROOT}", ph.root},
	};
	f = open_memstream(&out, &len);
	cr_assert_not_null(f);
	for (const char *p = text; *p;) {
		size_t i, n = sizeof(names) / sizeof(names[0]);

		for (i = 0; i < n; i++)
			if (strncmp(p, names[i][0], strlen(names[i][0])) == 0)
				break;
		if (i < n) {
			fputs(names[i][1], f);
			p += strlen(names[i][0]);
		} else {
			fputc(*p++, f);
		}
	}
	fclose(f);
	free(module);
	free(permit);
	free(deny);
	free(matrix);
	free(kvp);
	free(mat);
	return out;
}

void ph_service(const char *name, const char *text)
{
	char *path = tu_path(ph.svc_dir, name);
	char *body = expand(text);

	cr_assert(!(ph.wrapper && pam_started),
		  "service %s written after the first PAM call: pam_wrapper "
		  "copied the service files already",
		  name);
	write_text(path, body);
	free(body);
	free(path);
}

void ph_service_all(const char *name, const char *control, const char *args)
{
	static const char *const facilities[] = {"auth", "account", "session",
						 "password"};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	for (size_t i = 0; i < 4; i++)
		fprintf(f, "%s %s {KVP} %s\n%s required {PERMIT}\n",
			facilities[i], control, args, facilities[i]);
	fclose(f);
	ph_service(name, text);
	free(text);
}

static void config_v(const char *pool_dir, const char *fmt, va_list ap)
{
	char *extra = NULL, *text = NULL;

	cr_assert(vasprintf(&extra, fmt, ap) >= 0);
	/* PH_USER is no account here: its name is recorded plain unless the
	 * test sets invalid_user itself (test_privacy.c, with the real
	 * default through ph_config_raw). */
	cr_assert(
	    asprintf(&text,
		     "pool_dir = \"%s\";\nhash_key_file = \"%s\";\n%s\n%s",
		     pool_dir, ph.key_file, extra,
		     strstr(extra, "invalid_user")
			 ? ""
			 : "invalid_user = \"plain\";\n") > 0);
	write_text(ph.conf, text);
	free(extra);
	free(text);
}

void ph_config(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_v(ph.pool_dir, fmt, ap);
	va_end(ap);
}

void ph_config_in(const char *pool_dir, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_v(pool_dir, fmt, ap);
	va_end(ap);
}

void ph_config_raw(const char *path, const char *text)
{
	write_text(path, text);
}

/* ---- transactions ---- */

void ph_answers(const char *const *list)
{
	answers = list ? list : default_answers;
	answered = 0;
}

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		if (!answers[answered]) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			return PAM_CONV_ERR;
		}
		r[i].resp = strdup(answers[answered++]);
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const struct pam_conv the_conv = {conv, NULL};

/* pam_wrapper sets itself up in each process at its first pam_start()
 * (a forked child again: its atfork handler forgets the parent's copy),
 * in a /tmp/pam.X directory picked by check-then-mkdir, and its destructor
 * removes that directory by name at exit, even if another process has
 * taken the name since. Seen here: a worker exiting removed the copy of
 * the next worker. So the set-up is serialized with a lock file,
 * PAM_WRAPPER_KEEP_DIR (ph_init) keeps the destructor out, and
 * ph_pam_done() removes the directory while the name is still ours. */
static pam_handle_t *start(const char *service, const char *user)
{
	pam_handle_t *pamh = NULL;
	int rc, lock = -1;

	pam_started = true;
	if (!ph.wrapper) {
		rc = pam_start_confdir(service, user, &the_conv, ph.svc_dir,
				       &pamh);
		cr_assert_eq(rc, PAM_SUCCESS, "pam_start_confdir: %d", rc);
		return pamh;
	}
	if (wrapper_pid != getpid()) {
		const char *tmp = getenv("TMPDIR");
		char *path = NULL;

		cr_assert(asprintf(&path, "%s/.pam_kvp_tests.lock",
				   tmp && *tmp ? tmp : "/tmp") > 0);
		lock = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
		free(path);
		if (lock >= 0)
			flock(lock, LOCK_EX);
		wrapper_pid = getpid();
	}
	rc = pam_start(service, user, &the_conv, &pamh);
	if (lock >= 0)
		close(lock);
	cr_assert_eq(rc, PAM_SUCCESS, "pam_start: %d", rc);
	return pamh;
}

void ph_pam_done(void)
{
	const char *rt = getenv("PAM_WRAPPER_RUNTIME_DIR");

	if (ph.wrapper && wrapper_pid == getpid() && rt &&
	    strncmp(rt, "/tmp/pam.", 9) == 0)
		ph_rmtree(rt);
	wrapper_pid = 0;
}

enum pamtest_err ph_run_on(pam_handle_t *pamh, struct pam_testcase *cases,
			   size_t n)
{
	/* With a handle, libpamtest skips pam_start and uses the handle's
	 * conversation; service and user are not used. */
	return _pamtest(NULL, NULL, NULL, cases, n, pamh);
}

enum pamtest_err ph_run(const char *service, const char *user,
			const struct ph_items *items,
			struct pam_testcase *cases, size_t n)
{
	pam_handle_t *pamh = start(service, user);

	answered = 0;
	if (items) {
		if (items->set_user)
			cr_assert_eq(pam_set_item(pamh, PAM_USER, items->user),
				     PAM_SUCCESS);
		if (items->rhost)
			cr_assert_eq(
			    pam_set_item(pamh, PAM_RHOST, items->rhost),
			    PAM_SUCCESS);
		if (items->tty)
			cr_assert_eq(pam_set_item(pamh, PAM_TTY, items->tty),
				     PAM_SUCCESS);
		if (items->ruser)
			cr_assert_eq(
			    pam_set_item(pamh, PAM_RUSER, items->ruser),
			    PAM_SUCCESS);
	}
	return ph_run_on(pamh, cases, n);
}

int ph_call(const char *service, enum pamtest_ops op)
{
	struct pam_testcase cases[] = {pam_test(op, PAM_SUCCESS)};

	PH_RUN(service, PH_USER, NULL, cases);
	return cases[0].op_rv;
}

void ph_session(const char *service, const struct ph_items *items, int ms,
		int *open_rv, int *close_rv)
{
	struct pam_testcase opening[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};
	struct pam_testcase closing[] = {
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	PH_RUN(service, PH_USER, items, opening);
	cr_assert_not_null(opening[1].case_out.ph, "open_session returned %d",
			   opening[0].op_rv);
	nanosleep(&ts, NULL);
	ph_run_on(opening[1].case_out.ph, closing, 1);
	*open_rv = opening[0].op_rv;
	*close_rv = closing[0].op_rv;
}
