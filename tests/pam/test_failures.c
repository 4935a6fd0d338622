/* test_failures.c - each failure of ours, fail-open and fail-closed: with
 * on_error = "ignore" the stack's result is the other modules' and one
 * log line says what failed (the errno's text proves which failure it
 * was); with on_error=fail the call gets PAM_SESSION_ERR. The pool is
 * left as it was. Read-only and full filesystems are tmpfs mounts in a
 * private mount namespace of the test's worker; permission is tested as
 * nobody, since root ignores it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

static const char *const planted[] = {"CI|1", "cloud-init's", "HV|2",
				      "the daemon's", NULL};

static void setup(void)
{
	ph_init();
	ph_service("open", "session required {KVP}\n"
			   "session required {PERMIT}\n");
	ph_service("closed", "session required {KVP} on_error=fail\n"
			     "session required {PERMIT}\n");
}

TestSuite(failures, .init = setup, .fini = ph_fini);

static int open_session(void *service)
{
	return ph_call(service, PAMTEST_OPEN_SESSION);
}

/* Both policies, each call in a child (bounded: a hang fails the test),
 * as nobody if asked. Each logs exactly one line holding `why`. */
static void both_policies(const char *why, bool as_nobody)
{
	int rv = ph_child(open_session, "open", as_nobody, 10000);

	cr_assert_eq(rv, PAM_SUCCESS, "on_error=ignore: %d", rv);
	ph_log_expect("session_open event not recorded: ", why, NULL);
	ph_log_clear();
	rv = ph_child(open_session, "closed", as_nobody, 10000);
	cr_assert_eq(rv, PAM_SESSION_ERR, "on_error=fail: %d", rv);
	ph_log_expect("session_open event not recorded: ", why, NULL);
}

/* The pool's bytes before, to compare after. */
static unsigned char *snapshot(size_t *len)
{
	unsigned char *data = tu_read_file(ph.pool, len);

	cr_assert_not_null(data);
	return data;
}

Test(failures, read_only_directory_without_a_pool)
{
	ph_tmpfs(ph.pool_dir, 64);
	ph_remount_ro(ph.pool_dir);
	both_policies("Read-only file system", false);
	cr_expect_eq(tu_file_size(ph.pool), -1);
}

Test(failures, read_only_directory_with_a_pool)
{
	size_t len;
	unsigned char *before;

	ph_tmpfs(ph.pool_dir, 64);
	tu_plant(ph.pool, planted);
	before = snapshot(&len);
	ph_remount_ro(ph.pool_dir);
	both_policies("Read-only file system", false);
	tu_assert_file_is(ph.pool, before, len);
	free(before);
}

Test(failures, missing_directory_that_cannot_be_made)
{
	char *file = tu_path(ph.root, "file");
	char *dir = tu_path(file, "pool");

	tu_write_file(file, "x", 1);
	ph_config_in(dir, "%s", "");
	both_policies("Not a directory", false);
	free(dir);
	free(file);
}

Test(failures, missing_directory_is_made_0755_and_the_pool_0600)
{
	char *dir = tu_path(ph.root, "var/lib/hyperv");
	char *pool = tu_path(dir, ".kvp_pool_1");
	struct stat st;

	umask(077);
	ph_config_in(dir, "%s", "");
	cr_assert_eq(ph_call("closed", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_assert_eq(stat(dir, &st), 0, "pool directory not made");
	cr_expect_eq(st.st_mode & 07777, 0755, "directory mode %o",
		     st.st_mode & 07777);
	cr_assert_eq(stat(pool, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600, "pool mode %o",
		     st.st_mode & 07777);
	cr_expect_eq(st.st_size, KVP_RECORD_SIZE);
	cr_expect_eq(ph_log_count(), 0);
	free(pool);
	free(dir);
}

/* Fill the tmpfs at the pool directory to its last page. */
static void fill_up(void)
{
	char *filler = tu_path(ph.pool_dir, "filler");
	char page[4096];
	int fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	cr_assert(fd >= 0);
	memset(page, 'f', sizeof(page));
	for (int i = 0; i < 1024; i++) {
		ssize_t n = write(fd, page, sizeof(page));

		if (n < 0) {
			cr_assert_eq(errno, ENOSPC, "%s", strerror(errno));
			break;
		}
		cr_assert_lt(i, 1023, "the tmpfs never filled up");
	}
	close(fd);
	free(filler);
}

Test(failures, no_space_left_with_a_pool)
{
	size_t len;
	unsigned char *before;

	const char *const one[] = {"CI|1", "cloud-init's", NULL};

	ph_tmpfs(ph.pool_dir, 16);
	tu_plant(ph.pool, one); /* 2560 bytes of its one 4096-byte page */
	fill_up();
	before = snapshot(&len);
	/* The new record's first 1536 bytes fit that page: the write stops
	 * part-way, and the torn record must not stay. */
	both_policies("No space left on device", false);
	tu_assert_file_is(ph.pool, before, len);
	free(before);
}

Test(failures, no_space_left_without_a_pool)
{
	ph_tmpfs(ph.pool_dir, 16);
	fill_up();
	both_policies("No space left on device", false);
	cr_expect_leq(tu_file_size(ph.pool), 0, "a torn record was left");
}

Test(failures, permission_denied_to_create_the_pool)
{
	both_policies("Permission denied", true);
	cr_expect_eq(tu_file_size(ph.pool), -1);
}

Test(failures, permission_denied_to_open_the_pool)
{
	size_t len;
	unsigned char *before;

	tu_plant(ph.pool, planted); /* root's, 0600 */
	before = snapshot(&len);
	both_policies("Permission denied", true);
	tu_assert_file_is(ph.pool, before, len);
	free(before);
}

Test(failures, directory_at_the_pool_path)
{
	cr_assert_eq(mkdir(ph.pool, 0755), 0);
	both_policies("Is a directory", false);
}

Test(failures, fifo_at_the_pool_path_does_not_hang)
{
	cr_assert_eq(mkfifo(ph.pool, 0600), 0);
	both_policies("not a regular file", false);
}

Test(failures, symlink_at_the_pool_path_is_refused)
{
	char *target = tu_path(ph.root, "elsewhere");
	size_t len;
	unsigned char *before;

	tu_plant(target, planted);
	before = tu_read_file(target, &len);
	cr_assert_eq(symlink(target, ph.pool), 0);
	both_policies("symbolic link", false);
	tu_assert_file_is(target, before, len);
	free(before);
	free(target);
}

Test(failures, torn_tail_is_repaired_not_an_error)
{
	unsigned char rec[KVP_RECORD_SIZE];
	size_t len;
	unsigned char *after;

	tu_record(rec, "CI|1", "whole");
	tu_write_file(ph.pool, rec, sizeof(rec));
	tu_append_file(ph.pool, "CI|2 torn mid-rec", 17);
	cr_assert_eq(ph_call("closed", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_expect_eq(ph_log_count(), 0, "a torn tail is no error");
	after = tu_read_file(ph.pool, &len);
	cr_assert_eq(len, 2 * KVP_RECORD_SIZE, "%zu bytes", len);
	cr_expect_eq(memcmp(after, rec, sizeof(rec)), 0);
	free(after);
	cr_expect_eq(ph_count(), 1);
}

Test(failures, undecodable_records_of_others_are_kept)
{
	unsigned char junk[2 * KVP_RECORD_SIZE];
	size_t len;
	unsigned char *after;

	/* Any bytes: invalid UTF-8, no NUL at all in the key field. */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(0x80 + i % 0x7f);
	tu_write_file(ph.pool, junk, sizeof(junk));
	cr_assert_eq(ph_call("closed", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	after = tu_read_file(ph.pool, &len);
	cr_assert_eq(len, 3 * KVP_RECORD_SIZE);
	cr_expect_eq(memcmp(after, junk, sizeof(junk)), 0);
	free(after);
	cr_expect_eq(ph_count(), 1);
}
