/* test_kvpctl_store.c - kvpctl end to end: get, set, append, delete, len,
 * clear, and what --pool, --dir and --mode change, each checked through
 * the command's output, its exit status and the pool file's bytes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "kvpctl_run.h"
#include "test_util.h"

TestSuite(kvpctl_store, .init = kr_setup, .fini = kr_teardown);

Test(kvpctl_store, set_then_get_prints_value_and_newline)
{
	KR_OK("set", "greeting", "hello world");
	kr_assert_output(KR_OUT("get", "greeting"), "hello world\n");
	cr_assert_eq(tu_file_size(kr_pool), KVP_RECORD_SIZE);
}

Test(kvpctl_store, set_replaces_value_in_place)
{
	KR_OK("set", "a", "1");
	KR_OK("set", "b", "2");
	KR_OK("set", "a", "3");
	kr_assert_output(KR_OUT("get", "a"), "3\n");
	kr_assert_output(KR_OUT("len"), "2\n");
	kr_assert_output(KR_OUT("dump"), "INDEX  KEY  VALUE\n"
					 "    0  a    3\n"
					 "    1  b    2\n");
}

Test(kvpctl_store, set_swap_removes_duplicates_like_the_reference)
{
	kr_plant("a", "1");
	kr_plant("a", "2");
	kr_plant("b", "3");
	kr_plant("a", "4");
	KR_OK("set", "a", "9");
	kr_assert_output(KR_OUT("dump"), "INDEX  KEY  VALUE\n"
					 "    0  a    9\n"
					 "    1  b    3\n");
}

Test(kvpctl_store, append_keeps_duplicates_and_get_reads_the_last)
{
	KR_OK("append", "k", "first");
	KR_OK("append", "k", "second");
	kr_assert_output(KR_OUT("len"), "2\n");
	kr_assert_output(KR_OUT("get", "k"), "second\n");
}

Test(kvpctl_store, get_missing_key_exits_1_with_one_line)
{
	struct kr_result r;

	KR_OK("set", "present", "x");
	KR_RUN(&r, "get", "absent");
	kr_assert_status(&r, 1);
	cr_assert_str_empty(r.out);
	kr_assert_error(&r, "'absent'", "not found", kr_pool);
	kr_free(&r);
}

Test(kvpctl_store, delete_removes_every_record_of_the_key)
{
	struct kr_result r;

	kr_plant("a", "1");
	kr_plant("b", "2");
	kr_plant("a", "3");
	KR_OK("delete", "a");
	kr_assert_output(KR_OUT("len"), "1\n");
	KR_RUN(&r, "get", "a");
	kr_assert_status(&r, 1);
	kr_free(&r);
	kr_assert_output(KR_OUT("get", "b"), "2\n");
}

Test(kvpctl_store, delete_missing_key_exits_1)
{
	struct kr_result r;

	kr_plant("a", "1");
	KR_RUN(&r, "delete", "zz");
	kr_assert_status(&r, 1);
	kr_assert_error(&r, "'zz'", "not found", kr_pool);
	kr_free(&r);
	cr_assert_eq(tu_file_size(kr_pool), KVP_RECORD_SIZE);
}

Test(kvpctl_store, len_counts_records_not_keys)
{
	kr_assert_output(KR_OUT("len"), "0\n");
	kr_plant("a", "1");
	kr_plant("a", "2");
	kr_plant("b", "3");
	kr_assert_output(KR_OUT("len"), "3\n");
}

Test(kvpctl_store, clear_truncates_and_prints_nothing)
{
	kr_plant("a", "1");
	kr_plant("b", "2");
	kr_assert_output(KR_OUT("clear"), "");
	cr_assert_eq(tu_file_size(kr_pool), 0);
}

Test(kvpctl_store, clear_if_stale_clears_a_file_from_before_boot)
{
	struct timeval epoch[2] = {{0, 0}, {0, 0}};
	char *expected = kr_fmt(
	    "%s: cleared (stale: last written before this boot)\n", kr_pool);

	kr_plant("a", "1");
	cr_assert_eq(utimes(kr_pool, epoch), 0);
	kr_assert_output(KR_OUT("clear", "--if-stale"), expected);
	free(expected);
	cr_assert_eq(tu_file_size(kr_pool), 0);
}

Test(kvpctl_store, clear_if_stale_leaves_a_fresh_file)
{
	char *expected = kr_fmt("%s: not stale, not cleared\n", kr_pool);

	kr_plant("a", "1");
	kr_assert_output(KR_OUT("clear", "--if-stale"), expected);
	free(expected);
	cr_assert_eq(tu_file_size(kr_pool), KVP_RECORD_SIZE);
}

Test(kvpctl_store, missing_pool_file_reads_as_empty_and_is_not_created)
{
	struct kr_result r;
	char *expected;

	kr_assert_output(KR_OUT("list"), "KEY  VALUE\n");
	kr_assert_output(KR_OUT("dump"), "INDEX  KEY  VALUE\n");
	kr_assert_output(KR_OUT("list", "--json"), "{}\n");
	kr_assert_output(KR_OUT("dump", "--json"), "[]\n");
	kr_assert_output(KR_OUT("len"), "0\n");
	KR_RUN(&r, "get", "a");
	kr_assert_status(&r, 1);
	kr_free(&r);
	KR_RUN(&r, "delete", "a");
	kr_assert_status(&r, 1);
	kr_free(&r);
	KR_OK("clear");
	expected = kr_fmt("%s: not stale, not cleared\n", kr_pool);
	kr_assert_output(KR_OUT("clear", "--if-stale"), expected);
	free(expected);
	cr_assert_eq(tu_file_size(kr_pool), -1, "the pool file was created");
}

Test(kvpctl_store, pool_option_selects_the_file_by_name_or_number)
{
	static const char *const names[] = {"external", "guest", "auto",
					    "auto_external", "auto_internal"};

	for (int i = 0; i < KVP_POOL_COUNT; i++) {
		char num[2] = {(char)('0' + i), '\0'};
		char *file = kr_fmt("%s/.kvp_pool_%d", kr_dir, i);
		char *expected = kr_fmt("%s\n", names[i]);

		KR_OK("--pool", names[i], "set", "k", names[i]);
		cr_assert_eq(tu_file_size(file), KVP_RECORD_SIZE, "%s",
			     names[i]);
		kr_assert_output(KR_OUT("--pool", num, "get", "k"), expected);
		free(expected);
		free(file);
	}
}

Test(kvpctl_store, default_pool_is_guest)
{
	KR_OK("set", "k", "v");
	cr_assert_eq(tu_file_size(kr_pool), KVP_RECORD_SIZE);
	kr_assert_output(KR_OUT("--pool", "guest", "get", "k"), "v\n");
}

Test(kvpctl_store, dir_option_creates_missing_directories_on_write)
{
	char *sub = tu_path(kr_dir, "a/b");
	char *file = tu_path(sub, ".kvp_pool_1");
	struct kr_result r;
	struct stat st;

	kr_run(&r, "--dir", sub, "set", "k", "v");
	kr_assert_status(&r, 0);
	kr_free(&r);
	cr_assert_eq(stat(file, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	free(sub);
	free(file);
}

Test(kvpctl_store, unsafe_mode_allows_a_300_byte_key)
{
	char *key = tu_repeat('k', 300);

	KR_OK("--mode", "unsafe", "set", key, "v");
	kr_assert_output(KR_OUT("get", key), "v\n"); /* reads apply no limit */
	free(key);
}

Test(kvpctl_store, unsafe_mode_allows_a_2048_byte_value)
{
	char *value = tu_repeat('v', 2048);
	char *out;

	KR_OK("--mode", "unsafe", "append", "k", value);
	out = KR_OUT("get", "--raw", "k");
	cr_assert_str_eq(out, value);
	free(out);
	free(value);
}

Test(kvpctl_store, values_starting_with_a_dash_after_double_dash)
{
	KR_OK("set", "k", "--", "-5");
	kr_assert_output(KR_OUT("get", "k"), "-5\n");
	KR_OK("append", "--", "-key", "--value");
	kr_assert_output(KR_OUT("get", "--", "-key"), "--value\n");
	KR_OK("delete", "--", "-key");
	kr_assert_output(KR_OUT("len"), "1\n");
}

Test(kvpctl_store, timeout_option_is_accepted_when_no_one_holds_the_lock)
{
	KR_OK("--timeout", "0", "set", "k", "v");
	kr_assert_output(KR_OUT("--timeout", "50", "get", "k"), "v\n");
}
