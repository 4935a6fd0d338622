/* sshd_files.c - the test's temporary tree: keys (ssh-keygen), the
 * nss_wrapper user database, the PAM service files, pam_kvp.conf and
 * sshd_config; and where the system's modules and wrappers are. */
#include <criterion/criterion.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <link.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sshd_harness.h"
#include "sshd_internal.h"
#include "sshd_proc.h"
#include "test_util.h"

#define KEYGEN_PATH "/usr/bin/ssh-keygen"

char *sh_svc_text;

void sh_write(const char *path, mode_t mode, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0);
	tu_write_file(path, text, (size_t)n);
	cr_assert_eq(chmod(path, mode), 0, "chmod %s: %s", path,
		     strerror(errno));
	free(text);
}

/* ---- where things are ---- */

struct lib_search {
	const char *prefix; /* "libc.so." */
	char *found;
};

static int find_lib(struct dl_phdr_info *info, size_t size, void *data)
{
	struct lib_search *s = data;
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (base && !s->found &&
	    strncmp(base + 1, s->prefix, strlen(s->prefix)) == 0)
		s->found = strdup(info->dlpi_name);
	return 0;
}

/* Path of a library loaded in this process whose name starts with
 * `prefix`, or NULL. */
char *sh_loaded_lib(const char *prefix)
{
	struct lib_search s = {.prefix = prefix};

	dl_iterate_phdr(find_lib, &s);
	return s.found;
}

/* `name` in libc's directory (the multiarch one: /lib/x86_64-linux-gnu),
 * with or without /usr (merged-usr or not). */
char *sh_system_file(const char *name)
{
	static const char *const prefixes[] = {"", "/usr"};
	char *libc = sh_loaded_lib("libc.so."), *dir, *path = NULL;

	cr_assert_not_null(libc, "libc is not among the loaded libraries");
	dir = dirname(libc);
	if (strncmp(dir, "/usr/", 5) == 0)
		dir += 4;
	for (size_t i = 0; i < 2; i++) {
		free(path);
		cr_assert(asprintf(&path, "%s%s/%s", prefixes[i], dir, name) >
			  0);
		if (access(path, R_OK) == 0)
			break;
	}
	cr_assert_eq(access(path, R_OK), 0,
		     "no %s (%s): install the sshd group of .ci/install-deps",
		     name, path);
	free(libc);
	return path;
}

static char *module_path(void)
{
	const char *env = getenv("KVP_PAM_MODULE");
	char *path = env && *env ? strdup(env) : tu_helper("../pam_kvp.so");
	char *real = realpath(path, NULL);

	cr_assert_not_null(real, "%s: %s (build it first)", path,
			   strerror(errno));
	free(path);
	return real;
}

/* ---- the tree ---- */

static void make_keys(void)
{
	static const char *const env[] = {"PATH=/usr/bin:/bin", NULL};
	char *host = tu_path(sh.root, "ssh_host_ed25519_key");
	const char *const *argvs[2];
	const char *host_argv[] = {KEYGEN_PATH, "-q", "-t", "ed25519", "-N", "",
				   "-C",	"",   "-f", host,      NULL};
	const char *user_argv[] = {KEYGEN_PATH, "-q",	"-t", "ed25519",
				   "-N",	"",	"-C", SH_USER,
				   "-f",	sh.key, NULL};
	char *pub, *err = NULL;
	unsigned char *text;
	size_t len;

	argvs[0] = host_argv;
	argvs[1] = user_argv;
	for (size_t i = 0; i < 2; i++) {
		int st = sp_run(argvs[i], env, 30000, NULL, &err);
		cr_assert_eq(st, 0, "ssh-keygen: %d: %s", st, err);
		free(err);
	}
	pub = tu_path(sh.root, "user_ed25519_key.pub");
	text = tu_read_file(pub, &len);
	cr_assert_not_null(text, "%s is missing", pub);
	sh_write(sh.authorized_keys, 0644, "%.*s", (int)len, (char *)text);
	free(text);
	free(pub);
	free(host);
}

/* passwd and group for nss_wrapper: root, sshd's privsep user as the
 * real system has it (sshd looks it up before it chroots), the test
 * user with a home directory of its own (0711, as sshd wants it). */
static void make_users(void)
{
	struct passwd *pw = getpwnam("sshd");
	struct group *gr;
	char *home = tu_path(sh.root, "home");
	char *passwd = tu_path(sh.root, "passwd");
	char *group = tu_path(sh.root, "group");

	cr_assert_not_null(pw, "no sshd user in the system's passwd: "
			       "install openssh-server");
	gr = getgrgid(pw->pw_gid);
	sh_write(passwd, 0644,
		 "root:x:0:0:root:/root:/bin/sh\n"
		 "sshd:x:%u:%u::%s:/usr/sbin/nologin\n"
		 "%s:x:%d:%d:pam_kvp sshd test:%s:/bin/sh\n",
		 (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, pw->pw_dir,
		 SH_USER, SH_UID, SH_UID, home);
	sh_write(group, 0644, "root:x:0:\n%s:x:%u:\n%s:x:%d:\n",
		 gr && gr->gr_gid != 0 ? gr->gr_name : "sshd",
		 (unsigned)pw->pw_gid, SH_USER, SH_UID);
	cr_assert_eq(mkdir(home, 0711), 0, "%s: %s", home, strerror(errno));
	cr_assert_eq(chmod(home, 0711), 0);
	cr_assert_eq(chown(home, SH_UID, SH_UID), 0);
	free(home);
	free(passwd);
	free(group);
}

/* The stack of conf/pam.d/sshd, with pam_matrix in pam_unix's place and
 * pam_permit for Debian's includes. */
static void make_pam(void)
{
	char *svc = tu_path(sh.root, "pam.d");
	char *sshd_file = tu_path(svc, "sshd"), *other = tu_path(svc, "other");
	char *kvp = module_path();
	char *permit = sh_system_file("security/pam_permit.so");
	char *deny = sh_system_file("security/pam_deny.so");
	char *matrix = sh_system_file("pam_wrapper/pam_matrix.so");
	char *passdb = tu_path(sh.root, "passdb");
	char *conf = tu_path(sh.root, "pam_kvp.conf");
	char *kvp_line = NULL;
	size_t len;

	cr_assert_eq(mkdir(svc, 0755), 0);
	cr_assert(asprintf(&kvp_line, "%s config=%s", kvp, conf) > 0);
	sh_write(passdb, 0600, "%s:%s:sshd\n", SH_USER, SH_PASSWORD);
	sh_write(sshd_file, 0644,
		 "# tests/sshd: conf/pam.d/sshd's pam_kvp lines\n"
		 "auth\t[success=1 default=ignore]\t%s passdb=%s\n"
		 "auth\t[default=die]\t%s event=auth_fail\n"
		 "auth\trequired\t%s\n"
		 "auth\toptional\t%s\n"
		 "account\trequired\t%s\n"
		 "account\toptional\t%s\n"
		 "session\trequired\t%s\n"
		 "session\toptional\t%s\n"
		 "password\trequired\t%s\n",
		 matrix, passdb, kvp_line, permit, kvp_line, permit, kvp_line,
		 permit, kvp_line, deny);
	sh_write(other, 0644,
		 "auth\trequired\t%s\naccount\trequired\t%s\n"
		 "session\trequired\t%s\npassword\trequired\t%s\n",
		 deny, deny, deny, deny);
	sh_svc_text = (char *)tu_read_file(sshd_file, &len);
	sh_svc_text = realloc(sh_svc_text, len + 1);
	cr_assert_not_null(sh_svc_text);
	sh_svc_text[len] = '\0';
	sh.svc_dir = svc;
	sh.module = kvp;
	free(sshd_file);
	free(other);
	free(permit);
	free(deny);
	free(matrix);
	free(passdb);
	free(conf);
	free(kvp_line);
}

static void make_config(const char *events)
{
	char *conf = tu_path(sh.root, "pam_kvp.conf");
	char *events_line = NULL;

	if (events)
		cr_assert(asprintf(&events_line, "events = [%s];\n", events) >
			  0);
	sh_write(conf, 0644,
		 "# pam_kvp.conf of one sshd test\n"
		 "pool_dir = \"%s\";\n"
		 "hash_key_file = \"%s/pam_kvp.key\";\n"
		 "%s",
		 sh.pool_dir, sh.root, events_line ? events_line : "");
	free(events_line);
	free(conf);
}

void sh_write_sshd_config(void)
{
	sh_write(sh.config, 0644,
		 "# sshd_config of one test (tests/sshd): loopback, PAM on\n"
		 "ListenAddress 127.0.0.1\n"
		 "Port %d\n"
		 "UsePAM yes\n"
		 "StrictModes no\n"
		 "HostKey %s/ssh_host_ed25519_key\n"
		 "PidFile %s/sshd.pid\n"
		 "AuthorizedKeysFile %s\n"
		 "PubkeyAuthentication yes\n"
		 "PasswordAuthentication yes\n"
		 "KbdInteractiveAuthentication no\n"
		 "PermitRootLogin no\n"
		 "AllowUsers %s\n"
		 "UseDNS no\n"
		 "PrintMotd no\n"
		 "PrintLastLog no\n"
		 "X11Forwarding no\n"
		 "AllowTcpForwarding no\n"
		 "LogLevel DEBUG\n",
		 sh.port, sh.root, sh.root, sh.authorized_keys, SH_USER);
}

/* The VM id's file of a Gen1 VM (no /sys/firmware/efi). */
static void make_sysroot(void)
{
	static const char *const dirs[] = {
	    "sysroot", "sysroot/sys", "sysroot/sys/class",
	    "sysroot/sys/class/dmi", "sysroot/sys/class/dmi/id"};
	char *path;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		path = tu_path(sh.root, dirs[i]);
		cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
		free(path);
	}
	path = tu_path(sh.root, "sysroot/sys/class/dmi/id/product_uuid");
	sh_write(path, 0444, "%s\n", SH_SMBIOS);
	free(path);
}

void sh_make_tree(const char *events)
{
	make_sysroot();
	make_keys();
	make_users();
	make_pam();
	make_config(events);
}
