/* test_trust.c - a pool the module must not trust, through a real PAM
 * stack: a hard link to a root file at the pool path, a pool owned by
 * another user, a pool directory another user owns or can write, a
 * symbolic link above it. Each is refused with one syslog line naming the
 * path and what is wrong; the login succeeds with on_error = "ignore" and
 * is denied with on_error=fail; nothing is written. And the pool
 * hv_kvp_daemon leaves 0644 is 0600 after one login, after which another
 * user can no longer open it, so can no longer hold a lock that would
 * block every login's record. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

static const char *const planted[] = {"CI|1", "cloud-init's", NULL};

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (chown, and a user to drop to)");
	ph_init();
	ph_service("open", "session required {KVP}\n"
			   "session required {PERMIT}\n");
	ph_service("closed", "session required {KVP} on_error=fail\n"
			     "session required {PERMIT}\n");
}

TestSuite(trust, .init = setup, .fini = ph_fini);

static uid_t nobody(void)
{
	struct passwd *pw = getpwnam("nobody");

	cr_assert_not_null(pw, "no user nobody");
	return pw->pw_uid;
}

static int open_session(void *service)
{
	return ph_call(service, PAMTEST_OPEN_SESSION);
}

/* Both policies, each in a bounded child; one syslog line each, naming
 * `path` followed by `why`. */
static void refused(const char *path, const char *why)
{
	char *line = NULL;
	int rv;

	cr_assert(asprintf(&line, "session_open event not recorded: %s: %s",
			   path, why) > 0);
	rv = ph_child(open_session, "open", false, 10000);
	cr_assert_eq(rv, PAM_SUCCESS, "on_error=ignore: %d", rv);
	ph_log_expect(line, NULL);
	ph_log_clear();
	rv = ph_child(open_session, "closed", false, 10000);
	cr_assert_eq(rv, PAM_SESSION_ERR, "on_error=fail: %d", rv);
	ph_log_expect(line, NULL);
	free(line);
}

Test(trust, hard_link_to_a_root_file_is_refused)
{
	static const char secret[] = "root:$y$j9T$hash:19000:0:99999:7:::\n";
	char *victim = tu_path(ph.root, "shadow");

	tu_write_file(victim, secret, sizeof(secret) - 1);
	cr_assert_eq(chmod(victim, 0640), 0);
	cr_assert_eq(link(victim, ph.pool), 0);
	refused(ph.pool, "has 2 hard links");
	tu_assert_file_is(victim, secret, sizeof(secret) - 1);
	free(victim);
}

Test(trust, pool_owned_by_another_user_is_refused)
{
	char why[64];
	struct stat st;

	tu_plant(ph.pool, planted);
	cr_assert_eq(chown(ph.pool, nobody(), nobody()), 0);
	cr_assert_eq(chmod(ph.pool, 0666), 0);
	snprintf(why, sizeof(why), "owned by uid %ld, not root",
		 (long)nobody());
	refused(ph.pool, why);
	tu_assert_records(ph.pool, planted);
	cr_assert_eq(stat(ph.pool, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0666);
	cr_expect_eq(st.st_uid, nobody());
}

Test(trust, pool_dir_owned_by_another_user_is_refused)
{
	char why[64];

	tu_plant(ph.pool, planted);
	cr_assert_eq(chown(ph.pool_dir, nobody(), nobody()), 0);
	snprintf(why, sizeof(why), "owned by uid %ld, not root",
		 (long)nobody());
	refused(ph.pool_dir, why);
	tu_assert_records(ph.pool, planted);
}

Test(trust, pool_dir_writable_by_others_is_refused)
{
	cr_assert_eq(chmod(ph.pool_dir, 0777), 0);
	refused(ph.pool_dir, "writable by others (mode 0777)");
	cr_expect_eq(tu_file_size(ph.pool), -1);
}

Test(trust, symlink_above_the_pool_is_refused)
{
	char *real = tu_path(ph.root, "real");
	char *link = tu_path(ph.root, "link");
	char *dir = tu_path(link, "hyperv");
	char *pool = tu_path(real, "hyperv/.kvp_pool_1");
	char *real_dir = tu_path(real, "hyperv");

	cr_assert_eq(mkdir(real, 0755), 0);
	cr_assert_eq(mkdir(real_dir, 0755), 0);
	tu_plant(pool, planted);
	cr_assert_eq(symlink(real, link), 0);
	ph_config_in(dir, "%s", "");
	refused(link, "refusing to follow a symbolic link");
	tu_assert_records(pool, planted);
	free(real_dir);
	free(pool);
	free(dir);
	free(link);
	free(real);
}

/* As nobody: open the pool read-only (what any user needed to take a
 * lock that blocked every write). 0 opened, 1 EACCES, 2 otherwise. */
static int open_pool(void *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EACCES ? 1 : 2;
}

Test(trust, pool_0644_is_0600_after_one_login)
{
	struct stat st;

	tu_plant(ph.pool, planted);
	cr_assert_eq(chmod(ph.pool, 0644), 0); /* as hv_kvp_daemon makes it */
	cr_assert_eq(ph_child(open_pool, ph.pool, true, 10000), 0,
		     "a user could not open the 0644 pool: proves nothing");

	cr_assert_eq(ph_call("closed", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_expect_eq(ph_log_count(), 0);
	cr_assert_eq(stat(ph.pool, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	cr_expect_eq(st.st_uid, 0);
	cr_expect_eq(ph_count(), 1);

	cr_assert_eq(ph_child(open_pool, ph.pool, true, 10000), 1,
		     "a user can still open the pool");
}
