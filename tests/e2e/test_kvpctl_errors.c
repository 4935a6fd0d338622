/* test_kvpctl_errors.c - kvpctl end to end: --help and --version, every
 * kind of usage error (exit 2), library errors (exit 3: limits, invalid
 * UTF-8, lock timeouts against held flock and fcntl locks, files that are
 * not pool files) and output errors (exit 4). Each failure must be ONE
 * line on stderr, "kvpctl: ...", naming the file where there is one. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvpctl_run.h"
#include "test_util.h"

TestSuite(kvpctl_errors, .init = kr_setup, .fini = kr_teardown);

/* Run with --dir kr_dir; expect exit `status`, empty stdout, one stderr
 * line holding `fragment`. */
static void expect_failure(int status, const char *fragment,
			   const char *const *args)
{
	struct kr_result r;

	kr_runv(&r, NULL, args);
	kr_assert_status(&r, status);
	cr_assert_str_empty(r.out, "stdout: %s", r.out);
	kr_assert_error(&r, fragment);
	kr_free(&r);
}
#define USAGE(fragment, ...)                                                   \
	expect_failure(                                                        \
	    2, (fragment),                                                     \
	    (const char *const[]){"--dir", kr_dir, __VA_ARGS__, NULL})
#define FAILS(fragment, ...)                                                   \
	expect_failure(                                                        \
	    3, (fragment),                                                     \
	    (const char *const[]){"--dir", kr_dir, __VA_ARGS__, NULL})

Test(kvpctl_errors, help_lists_every_command_option_and_exit_code)
{
	static const char *const words[] = {
	    "get",
	    "set",
	    "append",
	    "delete",
	    "list",
	    "dump",
	    "len",
	    "clear",
	    "--if-stale",
	    "--json",
	    "--raw",
	    "--pool",
	    "--dir",
	    "--mode",
	    "--timeout",
	    "--help",
	    "--version",
	    "Exit status",
	    "  2  usage error",
	    "  3  ",
	};
	struct kr_result r;

	for (int h = 0; h < 2; h++) {
		kr_run(&r, h ? "-h" : "--help");
		kr_assert_status(&r, 0);
		cr_assert_str_empty(r.err);
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			cr_assert_not_null(strstr(r.out, words[i]),
					   "help lacks '%s'", words[i]);
		kr_free(&r);
	}
}

Test(kvpctl_errors, command_help_describes_its_flags)
{
	struct kr_result r;

	kr_run(&r, "clear", "--help");
	kr_assert_status(&r, 0);
	cr_assert_not_null(strstr(r.out, "kvpctl [OPTION...] clear"));
	cr_assert_not_null(strstr(r.out, "--if-stale"));
	kr_free(&r);
}

Test(kvpctl_errors, version_prints_the_name_and_version)
{
	struct kr_result r;

	kr_run(&r, "--version");
	kr_assert_status(&r, 0);
	cr_assert_eq(strncmp(r.out, "kvpctl ", 7), 0, "%s", r.out);
	kr_free(&r);
}

Test(kvpctl_errors, usage_unknown_or_missing_command)
{
	USAGE("unknown command 'frobnicate'", "frobnicate");
	USAGE("no command given", "--pool", "guest");
}

Test(kvpctl_errors, usage_unknown_global_option)
{
	USAGE("unknown option '--bogus'", "--bogus", "list");
	USAGE("unknown option '-x'", "-x", "list");
	USAGE("'--help=1' takes no argument", "--help=1");
}

Test(kvpctl_errors, usage_global_option_without_its_argument)
{
	struct kr_result r;

	kr_run(&r, "--pool");
	kr_assert_status(&r, 2);
	kr_assert_error(&r, "'--pool' needs an argument");
	kr_free(&r);
	kr_run(&r, "list", "--dir"); /* global options go first */
	kr_assert_status(&r, 2);
	kr_assert_error(&r, "list: unknown option '--dir'");
	kr_free(&r);
}

Test(kvpctl_errors, usage_bad_pool_mode_or_timeout)
{
	USAGE("unknown pool 'five'", "--pool", "five", "list");
	USAGE("unknown pool '5'", "--pool", "5", "list");
	USAGE("unknown mode 'fast'", "--mode", "fast", "list");
	USAGE("--timeout: 'soon'", "--timeout", "soon", "list");
	USAGE("--timeout: '-1'", "--timeout", "-1", "list");
	USAGE("--timeout: '99999999999'", "--timeout", "99999999999", "list");
	expect_failure(2, "--dir: the pool directory is empty",
		       (const char *const[]){"--dir", "", "list", NULL});
}

Test(kvpctl_errors, usage_unknown_command_option)
{
	USAGE("list: unknown option '--raw'", "list", "--raw");
	USAGE("get: unknown option '--json'", "get", "--json", "k");
	USAGE("set: unknown option '-v'", "set", "k", "-v");
	USAGE("list: option '--json=yes' takes no argument", "list",
	      "--json=yes");
}

Test(kvpctl_errors, usage_missing_arguments)
{
	USAGE("get: missing argument", "get");
	USAGE("set: missing argument", "set", "k");
	USAGE("append: missing argument", "append");
	USAGE("delete: missing argument", "delete");
}

Test(kvpctl_errors, usage_extra_arguments)
{
	USAGE("get: too many arguments", "get", "a", "b");
	USAGE("set: too many arguments", "set", "a", "b", "c");
	USAGE("len: too many arguments", "len", "x");
	USAGE("list: too many arguments", "list", "x");
	USAGE("clear: too many arguments", "clear", "now");
}

Test(kvpctl_errors, usage_errors_touch_no_file)
{
	USAGE("too many arguments", "set", "a", "b", "c");
	cr_assert_eq(tu_file_size(kr_pool), -1);
}

Test(kvpctl_errors, key_too_large_in_safe_mode_names_file_limit_and_size)
{
	char *key = tu_repeat('k', 300);

	FAILS("key too large: 300 bytes, limit 254", "set", key, "v");
	FAILS(kr_pool, "append", key, "v");
	cr_assert_eq(tu_file_size(kr_pool), -1);
	free(key);
}

Test(kvpctl_errors, value_too_large_names_limit_and_size)
{
	char *v1023 = tu_repeat('v', 1023), *v2049 = tu_repeat('v', 2049);

	FAILS("1023 bytes, limit 1022", "set", "k", v1023);
	expect_failure(3, "2049 bytes, limit 2048",
		       (const char *const[]){"--dir", kr_dir, "--mode",
					     "unsafe", "set", "k", v2049,
					     NULL});
	cr_assert_eq(tu_file_size(kr_pool), -1);
	free(v1023);
	free(v2049);
}

Test(kvpctl_errors, key_over_512_bytes_fails_even_in_unsafe_mode)
{
	char *key = tu_repeat('k', 513);

	expect_failure(3, "513 bytes, limit 512",
		       (const char *const[]){"--dir", kr_dir, "--mode",
					     "unsafe", "set", key, "v", NULL});
	free(key);
}

Test(kvpctl_errors, invalid_utf8_arguments_are_rejected)
{
	FAILS("key is not valid UTF-8", "set", "bad\xff", "v");
	FAILS("value is not valid UTF-8", "append", "k", "bad\xc3");
	FAILS(kr_pool, "set", "k", "\xed\xa0\x80"); /* a surrogate */
	cr_assert_eq(tu_file_size(kr_pool), -1);
}

Test(kvpctl_errors, error_lines_escape_what_the_user_typed)
{
	struct kr_result r;

	KR_RUN(&r, "get", "x\x1b[2J");
	kr_assert_status(&r, 1);
	cr_assert_not(kr_has_byte(r.err, r.err_len, 0x1b));
	kr_assert_error(&r, "'x\\x1b[2J' not found");
	kr_free(&r);
}

/* Open the pool file (created) and take `how` on it: 'f' flock LOCK_EX,
 * 'w' a classic POSIX write lock as hv_kvp_daemon takes. */
static int hold_lock(char how)
{
	int fd = open(kr_pool, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	cr_assert(fd >= 0);
	if (how == 'f')
		cr_assert_eq(flock(fd, LOCK_EX), 0);
	else
		cr_assert_eq(fcntl(fd, F_SETLK, &fl), 0);
	return fd;
}

Test(kvpctl_errors, lock_timeout_against_a_held_flock)
{
	int fd = hold_lock('f');
	struct kr_result r;

	KR_RUN(&r, "--timeout", "100", "set", "k", "v");
	kr_assert_status(&r, 3);
	kr_assert_error(&r, kr_pool, "lock timeout", "within 100 ms");
	cr_assert_geq(r.elapsed_ms, 100);
	kr_free(&r);
	/* Readers wait for writers too. */
	KR_RUN(&r, "--timeout", "50", "list");
	kr_assert_status(&r, 3);
	kr_assert_error(&r, kr_pool, "shared flock not granted within 50 ms");
	kr_free(&r);
	close(fd);
	KR_OK("--timeout", "100", "set", "k", "v");
}

Test(kvpctl_errors, lock_timeout_against_a_posix_lock_names_the_holder)
{
	int fd = hold_lock('w');
	char *holder = kr_fmt("held by pid %ld", (long)getpid());
	struct kr_result r;

	KR_RUN(&r, "--timeout", "100", "delete", "k");
	kr_assert_status(&r, 3);
	kr_assert_error(&r, kr_pool, "fcntl lock not granted", holder);
	kr_free(&r);
	free(holder);
	close(fd);
}

Test(kvpctl_errors, pool_below_a_regular_file_is_an_io_error)
{
	char *file = tu_path(kr_dir, "plain");
	char *line = NULL;

	/* The message names the component that is not a directory (the
	 * directory walk of util/trust.c), not the pool file below it. */
	cr_assert(asprintf(&line, "%s: open: Not a directory", file) > 0);
	tu_write_file(file, "x", 1);
	expect_failure(
	    3, line,
	    (const char *const[]){"--dir", file, "set", "k", "v", NULL});
	expect_failure(3, line,
		       (const char *const[]){"--dir", file, "list", NULL});
	free(line);
	free(file);
}

Test(kvpctl_errors, pool_that_is_a_directory_is_refused)
{
	cr_assert_eq(mkdir(kr_pool, 0755), 0);
	FAILS("not a regular file", "list");
	FAILS(kr_pool, "set", "k", "v");
}

Test(kvpctl_errors, pool_that_is_a_symlink_is_refused)
{
	char *target = tu_path(kr_dir, "elsewhere");

	kr_plant("a", "1");
	cr_assert_eq(rename(kr_pool, target), 0);
	cr_assert_eq(symlink(target, kr_pool), 0);
	FAILS("symbolic link", "set", "k", "v");
	FAILS(kr_pool, "list");
	cr_assert_eq(tu_file_size(target), KVP_RECORD_SIZE);
	free(target);
}

Test(kvpctl_errors, insert_beyond_1024_unique_keys_fails_append_does_not)
{
	unsigned char *recs = calloc(KVP_MAX_UNIQUE_KEYS, KVP_RECORD_SIZE);

	cr_assert_not_null(recs);
	for (int i = 0; i < KVP_MAX_UNIQUE_KEYS; i++)
		snprintf((char *)recs + (size_t)i * KVP_RECORD_SIZE,
			 KVP_KEY_FIELD_SIZE, "key%d", i);
	tu_write_file(kr_pool, recs,
		      (size_t)KVP_MAX_UNIQUE_KEYS * KVP_RECORD_SIZE);
	free(recs);
	FAILS("1024", "set", "one-more", "v");
	KR_OK("set", "key7", "updated"); /* an existing key is fine */
	KR_OK("append", "one-more", "v");
	kr_assert_output(KR_OUT("len"), "1025\n");
}

Test(kvpctl_errors, output_write_error_exits_4)
{
	struct kr_result r;

	KR_OK("set", "k", "v");
	kr_runv(&r, "/dev/full",
		(const char *const[]){"--dir", kr_dir, "list", NULL});
	kr_assert_status(&r, 4);
	kr_assert_error(&r, "standard output", "No space left on device");
	kr_free(&r);
}
