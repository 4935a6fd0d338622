/* test_stale.c - record counts (len, is_empty) and staleness: a pool file
 * whose mtime is at or before boot time (btime of /proc/stat) is stale;
 * clear_if_stale() truncates only such a file; a missing file is neither
 * stale nor created. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_internal.h" /* store_is_stale_at, store_boot_time */
#include "test_util.h"

static struct tu_pool p;

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
}

static void teardown(void)
{
	tu_pool_teardown(&p);
}

static long long mtime_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return (long long)st.st_mtim.tv_sec;
}

Test(stale, boot_time_matches_proc_stat)
{
	long long bt = 0;

	cr_assert_eq(store_boot_time(&bt), 0);
	cr_assert_eq(bt, tu_boot_time());
}

Test(len, counts_records_not_unique_keys, .init = setup, .fini = teardown)
{
	size_t n = 99;

	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 0, "missing file has no records");
	cr_assert_eq(tu_file_size(p.path), -1);
	tu_plant(p.path,
		 (const char *const[]){"a", "1", "a", "2", "b", "3", NULL});
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(kvp_store_len(p.store, NULL), KVP_ERR_INVALID_ARG);
}

Test(len, is_empty, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_is_empty(p.store), 1);
	cr_assert_eq(tu_file_size(p.path), -1);
	tu_write_file(p.path, "", 0);
	cr_assert_eq(kvp_store_is_empty(p.store), 1);
	cr_assert_eq(kvp_store_append(p.store, "k", "v"), 0);
	cr_assert_eq(kvp_store_is_empty(p.store), 0);
	cr_assert_eq(kvp_store_delete(p.store, "k"), 1);
	cr_assert_eq(kvp_store_is_empty(p.store), 1);
}

Test(stale, missing_file_not_stale_not_created, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_is_stale(p.store), 0);
	cr_assert_eq(store_is_stale_at(p.store, 1LL << 40), 0);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 0);
	cr_assert_eq(tu_file_size(p.path), -1);
}

Test(stale, fresh_file_not_stale, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	cr_assert_eq(kvp_store_is_stale(p.store), 0);
}

Test(stale, file_from_before_boot_is_stale, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	tu_set_mtime(p.path, tu_boot_time() - 60);
	cr_assert_eq(kvp_store_is_stale(p.store), 1);
	tu_set_mtime(p.path, 0);
	cr_assert_eq(kvp_store_is_stale(p.store), 1);
}

Test(stale, mtime_equal_to_boot_is_stale, .init = setup, .fini = teardown)
{
	const long long t = 1700000000LL;

	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	tu_set_mtime(p.path, t);
	cr_assert_eq(mtime_of(p.path), t);
	cr_assert_eq(store_is_stale_at(p.store, t), 1);
	cr_assert_eq(store_is_stale_at(p.store, t + 1), 1);
	/* Boot one second before the write: the file is from this boot. */
	cr_assert_eq(store_is_stale_at(p.store, t - 1), 0);
	cr_assert_eq(store_is_stale_at(p.store, 0), 0);
}

Test(stale, boot_time_exactly_at_mtime_via_proc, .init = setup,
     .fini = teardown)
{
	long long bt = tu_boot_time();

	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	tu_set_mtime(p.path, bt);
	cr_assert_eq(kvp_store_is_stale(p.store), 1);
	tu_set_mtime(p.path, bt + 1);
	cr_assert_eq(kvp_store_is_stale(p.store), 0);
}

Test(stale, clear_if_stale_clears_old_file, .init = setup, .fini = teardown)
{
	size_t n = 9;

	tu_plant(p.path, (const char *const[]){"a", "1", "b", "2", NULL});
	tu_set_mtime(p.path, 0);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 1);
	cr_assert_eq(tu_file_size(p.path), 0, "stale file truncated, kept");
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 0);
	/* The truncation made it fresh: a second call clears nothing. */
	cr_assert_eq(kvp_store_is_stale(p.store), 0);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 0);
}

Test(stale, clear_if_stale_at_exact_boot_time, .init = setup, .fini = teardown)
{
	long long bt = tu_boot_time();

	tu_plant(p.path, (const char *const[]){"a", "1", NULL});
	tu_set_mtime(p.path, bt + 1);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 0);
	cr_assert_eq(tu_file_size(p.path), KVP_RECORD_SIZE);
	tu_set_mtime(p.path, bt);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 1);
	cr_assert_eq(tu_file_size(p.path), 0);
}

Test(stale, clear_if_stale_leaves_fresh_file, .init = setup, .fini = teardown)
{
	const char *const kv[] = {"a", "1", "b", "2", NULL};

	tu_plant(p.path, kv);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 0);
	tu_assert_records(p.path, kv);
	/* mtime one second after boot: not stale either. */
	tu_set_mtime(p.path, tu_boot_time() + 1);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 0);
	tu_assert_records(p.path, kv);
}

Test(stale, nothing_cleared_implicitly, .init = setup, .fini = teardown)
{
	char *got = NULL;
	kvp_store *again;

	tu_plant(p.path, (const char *const[]){"a", "1", NULL});
	tu_set_mtime(p.path, 0);
	/* A new store and reads of a stale pool change nothing. */
	again = tu_store(p.dir, KVP_MODE_SAFE);
	cr_assert_eq(kvp_store_read(again, "a", &got, NULL), 1);
	cr_assert_str_eq(got, "1");
	free(got);
	cr_assert_eq(kvp_store_is_stale(again), 1);
	cr_assert_eq(mtime_of(p.path), 0);
	tu_assert_records(p.path, (const char *const[]){"a", "1", NULL});
	kvp_store_free(again);
}
