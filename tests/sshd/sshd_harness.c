/* sshd_harness.c - see sshd_harness.h: sshd's start and stop, setup and
 * teardown. The tree is made in sshd_files.c, the clients are in
 * sshd_client.c, the records in sshd_records.c. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sshd_harness.h"
#include "sshd_internal.h"
#include "sshd_proc.h"
#include "test_util.h"

#define SSHD_PATH	 "/usr/sbin/sshd"
#define START_TIMEOUT_MS 10000
#define STOP_GRACE_MS	 5000
#define PORT_ATTEMPTS	 8

struct sh sh;

static struct sp_child sshd = {.pidfd = -1, .out = -1, .err = -1};

/* ---- sshd ---- */

/* A port nobody listens on right now (sshd may still lose it to a race:
 * start_at() then reports it and the next one is tried). */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind: %s",
		     strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool log_has(const char *needle)
{
	size_t len;
	char *text = (char *)tu_read_file(sh.log, &len);
	bool found = text && memmem(text, len, needle, strlen(needle));

	free(text);
	return found;
}

/* sshd's environment: the wrappers preloaded (and libasan before them
 * under check-asan), the private service dir and user database, and the
 * module's directory for libkvpcore. */
static char **sshd_env(void)
{
	char **env = calloc(16, sizeof(*env));
	char *pam_wrapper = sh_system_file("libpam_wrapper.so");
	char *nss_wrapper = sh_system_file("libnss_wrapper.so");
	char *asan = sh_loaded_lib("libasan.so");
	char *mod_dir = strdup(sh.module);
	const char *ld_path = getenv("LD_LIBRARY_PATH");
	size_t n = 0;

	cr_assert(env && mod_dir);
	sh.asan = asan != NULL;
	env[n++] = strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	cr_assert(asprintf(&env[n++], "LD_PRELOAD=%s%s%s %s", asan ? asan : "",
			   asan ? " " : "", pam_wrapper, nss_wrapper) > 0);
	cr_assert(asprintf(&env[n++], "LD_LIBRARY_PATH=%s%s%s",
			   dirname(mod_dir), ld_path ? ":" : "",
			   ld_path ? ld_path : "") > 0);
	env[n++] = strdup("PAM_WRAPPER=1");
	cr_assert(
	    asprintf(&env[n++], "PAM_WRAPPER_SERVICE_DIR=%s", sh.svc_dir) > 0);
	cr_assert(asprintf(&env[n++], "NSS_WRAPPER_PASSWD=%s/passwd", sh.root) >
		  0);
	cr_assert(asprintf(&env[n++], "NSS_WRAPPER_GROUP=%s/group", sh.root) >
		  0);
	/* pam_wrapper would dlopen libpam with RTLD_DEEPBIND, binding it
	 * past ASan's malloc (the name this pam_wrapper reads). */
	env[n++] = strdup("UID_WRAPPER_DISABLE_DEEPBIND=1");
	cr_assert(asprintf(&env[n++], "KVP_TEST_SYSROOT=%s/sysroot", sh.root) >
		  0);
	if (asan) {
		cr_assert(asprintf(&env[n++],
				   "ASAN_OPTIONS=detect_leaks=0:"
				   "verify_asan_link_order=0:log_path=%s/"
				   "asan",
				   sh.root) > 0);
		cr_assert(asprintf(&env[n++],
				   "UBSAN_OPTIONS=print_stacktrace=1:"
				   "halt_on_error=1:log_path=%s/ubsan",
				   sh.root) > 0);
	}
	env[n] = NULL;
	free(pam_wrapper);
	free(nss_wrapper);
	free(asan);
	free(mod_dir);
	return env;
}

/* The preloads took effect: without pam_wrapper sshd would read the
 * system's /etc/pam.d/sshd. */
static void assert_mapped(const char *lib)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)sshd.pid);
	f = fopen(path, "re");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, lib) != NULL;
	fclose(f);
	cr_assert(found, "%s is not loaded in sshd", lib);
}

/* Start sshd on sh.port: 0 once it listens, 1 when the port was taken. */
static int start_at(char **env)
{
	const char *argv[] = {SSHD_PATH, "-D", "-e", "-f", sh.config, NULL};
	long long deadline = sp_now_ms() + START_TIMEOUT_MS;
	char ready[96];
	int log_fd, ino, status;

	sh_write_sshd_config();
	snprintf(ready, sizeof(ready), "Server listening on 127.0.0.1 port %d.",
		 sh.port);
	log_fd = open(
	    sh.log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	cr_assert(log_fd >= 0, "%s: %s", sh.log, strerror(errno));
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	cr_assert(ino >= 0, "inotify_init1: %s", strerror(errno));
	cr_assert(inotify_add_watch(ino, sh.log, IN_MODIFY) >= 0);
	sp_start(&sshd, argv, (const char *const *)env, log_fd);
	close(log_fd);
	for (;;) {
		struct pollfd pfd[2] = {
		    {.fd = ino, .events = POLLIN},
		    {.fd = sp_pollfd(&sshd), .events = POLLIN}};
		char buf[4096];

		if (log_has(ready))
			break;
		if (!sp_running(&sshd, &status)) {
			char *tail = sh_log_tail();
			bool taken = log_has("Address already in use");

			sp_stop(&sshd, 0);
			close(ino);
			if (taken) {
				free(tail);
				return 1;
			}
			cr_assert_fail("sshd exited (%d) before listening:\n%s",
				       status, tail);
		}
		if (sp_left_ms(deadline) == 0) {
			char *tail = sh_log_tail();

			sp_stop(&sshd, 0);
			cr_assert_fail("sshd not listening after %d ms:\n%s",
				       START_TIMEOUT_MS, tail);
		}
		/* The log grows or sshd exits; 100 ms caps a missed wake. */
		poll(pfd, pfd[1].fd >= 0 ? 2 : 1,
		     sp_left_ms(deadline) < 100 ? sp_left_ms(deadline) : 100);
		while (read(ino, buf, sizeof(buf)) > 0)
			;
	}
	close(ino);
	assert_mapped("/libpam_wrapper.so");
	assert_mapped("/libnss_wrapper.so");
	if (sh.asan)
		assert_mapped("/libasan.so");
	return 0;
}

/* One sshd test at a time, whatever Criterion's --jobs: pam_wrapper
 * copies the service dir into /tmp/pam.X (one letter of 36) in every
 * sshd process and deletes the copy by name when one exits. With two
 * tests' sshd processes at once, one deleted a name the other had just
 * taken, the name was taken again with the first test's files, and the
 * second test's login wrote into the first test's pool (seen once in
 * CI). Held from set-up to teardown; close-on-exec, so sshd never holds
 * it. */
static int suite_lock = -1;

static void lock_suite(void)
{
	suite_lock = open("/tmp/.pam_kvp_sshd_tests.lock",
			  O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	cr_assert(suite_lock >= 0, "sshd suite lock: %s", strerror(errno));
	while (flock(suite_lock, LOCK_EX) == -1)
		cr_assert_eq(errno, EINTR, "flock: %s", strerror(errno));
}

static void unlock_suite(void)
{
	if (suite_lock >= 0)
		close(suite_lock);
	suite_lock = -1;
}

void sh_setup(const char *events)
{
	char **env;
	int r = 1;

	lock_suite();
	memset(&sh, 0, sizeof(sh));
	memset(&sshd, 0, sizeof(sshd));
	sshd.pidfd = sshd.out = sshd.err = -1;
	cr_assert_eq(geteuid(), 0, "the sshd suite needs root (sshd does)");
	cr_assert_eq(access(SSHD_PATH, X_OK), 0,
		     "%s: install the sshd group of .ci/install-deps",
		     SSHD_PATH);
	/* sshd's privsep chroot, the one system path it insists on. */
	if (mkdir("/run/sshd", 0755) < 0)
		cr_assert_eq(errno, EEXIST, "/run/sshd: %s", strerror(errno));

	sh.root = tu_mkdtemp();
	sh.pool_dir = tu_path(sh.root, "pool");
	sh.log = tu_path(sh.root, "sshd.log");
	sh.key = tu_path(sh.root, "user_ed25519_key");
	sh.config = tu_path(sh.root, "sshd_config");
	sh.authorized_keys = tu_path(sh.root, "authorized_keys");
	cr_assert_eq(mkdir(sh.pool_dir, 0755), 0);
	sh_make_tree(events);

	env = sshd_env();
	for (int i = 0; r == 1 && i < PORT_ATTEMPTS; i++) {
		sh.port = free_port();
		r = start_at(env);
	}
	cr_assert_eq(r, 0, "sshd found no free port in %d attempts",
		     PORT_ATTEMPTS);
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

/* ---- teardown ---- */

/* pam_wrapper copies the service dir into /tmp/pam.X in every process
 * that loads it (the listener and each connection's sshd) and removes it
 * only on a normal exit, which sshd's processes do not make. Once sshd
 * and all it forked are dead, remove the copies of ours: those whose
 * `sshd` file is ours byte for byte (it names this test's directory). */
static void remove_wrapper_copies(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *e;

	while (d && sh_svc_text && (e = readdir(d))) {
		char *dir, *file, *text;
		size_t len;

		if (strncmp(e->d_name, "pam.", 4) != 0 ||
		    strlen(e->d_name) != 5)
			continue;
		cr_assert(asprintf(&dir, "/tmp/%s", e->d_name) > 0);
		file = tu_path(dir, "sshd");
		text = (char *)tu_read_file(file, &len);
		if (text && len == strlen(sh_svc_text) &&
		    memcmp(text, sh_svc_text, len) == 0)
			tu_rmtree(dir);
		free(text);
		free(file);
		free(dir);
	}
	if (d)
		closedir(d);
}

/* Every ASan/UBSan report sshd's processes wrote, or NULL. */
static char *sanitizer_reports(void)
{
	DIR *d = opendir(sh.root);
	struct dirent *e;
	char *all = NULL;

	while (d && (e = readdir(d))) {
		char *path, *text, *more = NULL;
		size_t len;

		if (strncmp(e->d_name, "asan.", 5) != 0 &&
		    strncmp(e->d_name, "ubsan.", 6) != 0)
			continue;
		path = tu_path(sh.root, e->d_name);
		text = (char *)tu_read_file(path, &len);
		cr_assert(asprintf(&more, "%s== %s\n%.*s", all ? all : "",
				   e->d_name, (int)len, text ? text : "") > 0);
		free(all);
		all = more;
		free(text);
		free(path);
	}
	if (d)
		closedir(d);
	return all;
}

/* pam_kvp's own error lines ("<event> event not recorded: ..."), which
 * pam_wrapper's pam_syslog() put on sshd's stderr, or NULL. */
static char *module_errors(void)
{
	size_t len;
	char *text = sh.log ? (char *)tu_read_file(sh.log, &len) : NULL;
	char *all = NULL, *line, *save = NULL;

	if (text)
		text[len] = '\0'; /* tu_read_file() leaves room for it */
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *more;

		if (!strstr(line, "SYSLOG(3)") || !strstr(line, "not recorded"))
			continue;
		cr_assert(asprintf(&more, "%s%s\n", all ? all : "", line) > 0);
		free(all);
		all = more;
	}
	free(text);
	return all;
}

void sh_teardown(void)
{
	char *reports = NULL, *errors;

	sp_stop(&sshd, STOP_GRACE_MS);
	if (sh.root)
		reports = sanitizer_reports();
	errors = module_errors();
	remove_wrapper_copies();
	free(sh_svc_text);
	sh_svc_text = NULL;
	tu_rmtree(sh.root);
	free(sh.root);
	free(sh.pool_dir);
	free(sh.log);
	free(sh.key);
	free(sh.config);
	free(sh.authorized_keys);
	free(sh.svc_dir);
	free(sh.module);
	memset(&sh, 0, sizeof(sh));
	unlock_suite(); /* sshd and all it forked are gone */
	if (reports)
		cr_assert_fail("sanitizer reports from sshd's processes:\n%s",
			       reports);
	if (errors)
		cr_assert_fail("pam_kvp logged errors inside sshd:\n%s",
			       errors);
}

char *sh_log_tail(void)
{
	size_t len;
	char *text = (char *)tu_read_file(sh.log, &len), *tail;
	size_t keep = len > 6000 ? 6000 : len;

	if (!text)
		return strdup("(no sshd log)");
	tail = strndup(text + len - keep, keep);
	free(text);
	return tail;
}
