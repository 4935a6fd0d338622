/* test_delete_clear.c - kvp_store_delete() (every record of the key
 * swap-removed, no key validation, a missing file stays missing) and
 * kvp_store_clear() (truncate to zero, a missing file stays missing). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_internal.h" /* store_*_n */
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

Test(delete, single_record, .init = setup, .fini = teardown)
{
	char *got = NULL;

	tu_plant(p.path, (const char *const[]){"a", "1", "b", "2", NULL});
	cr_assert_eq(kvp_store_delete(p.store, "a"), 1);
	cr_assert_eq(kvp_store_read(p.store, "a", &got, NULL), 0);
	tu_assert_records(p.path, (const char *const[]){"b", "2", NULL});
}

Test(delete, all_duplicates_removed_returns_one, .init = setup,
     .fini = teardown)
{
	char *got = NULL;

	tu_plant(p.path, (const char *const[]){"k", "1", "x", "X", "k", "2",
					       "y", "Y", "k", "3", NULL});
	cr_assert_eq(kvp_store_delete(p.store, "k"), 1);
	cr_assert_eq(kvp_store_read(p.store, "k", &got, NULL), 0);
	/* k@0 <- k@4 (re-examined, removed: truncate) <- y@3; then k@2 is
	 * the last record and goes without a move. */
	tu_assert_records(p.path,
			  (const char *const[]){"y", "Y", "x", "X", NULL});
	cr_assert_eq(kvp_store_delete(p.store, "k"), 0);
}

Test(delete, only_records_leave_empty_file, .init = setup, .fini = teardown)
{
	size_t n = 9;

	tu_plant(p.path, (const char *const[]){"k", "1", "k", "2", NULL});
	cr_assert_eq(kvp_store_delete(p.store, "k"), 1);
	cr_assert_eq(tu_file_size(p.path), 0);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(kvp_store_is_empty(p.store), 1);
}

Test(delete, missing_file_returns_zero_not_created, .init = setup,
     .fini = teardown)
{
	cr_assert_eq(kvp_store_delete(p.store, "k"), 0);
	cr_assert_eq(tu_file_size(p.path), -1);
}

Test(delete, missing_key_returns_zero_file_unchanged, .init = setup,
     .fini = teardown)
{
	const char *const kv[] = {"a", "1", "ab", "2", NULL};

	tu_plant(p.path, kv);
	cr_assert_eq(kvp_store_delete(p.store, "b"), 0);
	cr_assert_eq(kvp_store_delete(p.store, "abc"), 0);
	cr_assert_eq(kvp_store_delete(p.store, "A"), 0);
	tu_assert_records(p.path, kv);
}

/* The reference store compares decoded keys, so delete("") removes
 * records whose key field is empty (all-zero junk, say) - and only those;
 * delete_multiple agrees. */
Test(delete, empty_key_removes_empty_key_records, .init = setup,
     .fini = teardown)
{
	const char *const kv[] = {"a", "1", "", "junk", "b", "2", "", "", NULL};
	const char *const after[] = {"a", "1", "b", "2", NULL};
	const char *const keys[] = {""};
	size_t removed = 0;

	tu_plant(p.path, kv);
	cr_assert_eq(kvp_store_delete(p.store, ""), 1, "%s",
		     kvp_error_last()->message);
	tu_assert_records(p.path, after);
	cr_assert_eq(kvp_store_delete(p.store, ""), 0);
	tu_plant(p.path, kv);
	cr_assert_eq(kvp_store_delete_multiple(p.store, keys, 1, &removed), 0);
	cr_assert_eq(removed, 2);
	tu_assert_records(p.path, after);
}

Test(delete, no_key_validation, .init = setup, .fini = teardown)
{
	const char *const kv[] = {"a", "1", NULL};
	char *long_key = tu_repeat('a', 600);
	char *unsafe_key = tu_repeat('a', 300);

	tu_plant(p.path, kv);
	kvp_error_clear();
	cr_assert_eq(kvp_store_delete(p.store, ""), 0);
	cr_assert_eq(kvp_store_delete(p.store, long_key), 0);
	cr_assert_eq(store_delete_n(p.store, "a\0b", 3), 0);
	cr_assert_eq(kvp_error_last()->code, KVP_OK, "%s",
		     kvp_error_last()->message);
	tu_assert_records(p.path, kv);
	/* A key over the store's own limit is still deleted. */
	tu_plant(p.path,
		 (const char *const[]){unsafe_key, "v", "a", "1", NULL});
	cr_assert_eq(kvp_store_delete(p.store, unsafe_key), 1);
	tu_assert_records(p.path, kv);
	free(long_key);
	free(unsafe_key);
}

Test(delete, full_width_key, .init = setup, .fini = teardown)
{
	unsigned char rec[2][KVP_RECORD_SIZE];
	char *key = tu_repeat('k', 512);

	tu_record_n(rec[0], key, 512, "full", 4);
	tu_record_n(rec[1], key, 511, "short", 5);
	tu_write_file(p.path, rec, sizeof(rec));
	cr_assert_eq(kvp_store_delete(p.store, key), 1);
	tu_assert_file_is(p.path, rec[1], KVP_RECORD_SIZE);
	free(key);
}

Test(delete, delete_n_explicit_length, .init = setup, .fini = teardown)
{
	tu_plant(p.path, (const char *const[]){"ab", "1", "abc", "2", NULL});
	cr_assert_eq(store_delete_n(p.store, "abcd", 2), 1);
	tu_assert_records(p.path, (const char *const[]){"abc", "2", NULL});
}

Test(clear, truncates_to_zero, .init = setup, .fini = teardown)
{
	size_t n = 9;
	char *got = NULL;

	tu_plant(p.path, (const char *const[]){"a", "1", "b", "2", NULL});
	cr_assert_eq(kvp_store_clear(p.store), 0);
	cr_assert_eq(tu_file_size(p.path), 0);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(kvp_store_read(p.store, "a", &got, NULL), 0);
	/* The file stays usable. */
	cr_assert_eq(kvp_store_insert(p.store, "c", "3"), 0);
	tu_assert_records(p.path, (const char *const[]){"c", "3", NULL});
}

Test(clear, missing_file_stays_missing, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_clear(p.store), 0);
	cr_assert_eq(tu_file_size(p.path), -1);
}

Test(clear, empty_file_stays_empty, .init = setup, .fini = teardown)
{
	tu_write_file(p.path, "", 0);
	cr_assert_eq(kvp_store_clear(p.store), 0);
	cr_assert_eq(tu_file_size(p.path), 0);
}

Test(clear, makes_file_0600, .init = setup, .fini = teardown)
{
	struct stat st;

	tu_plant(p.path, (const char *const[]){"a", "1", NULL});
	cr_assert_eq(chmod(p.path, 0644), 0);
	cr_assert_eq(kvp_store_clear(p.store), 0);
	cr_assert_eq(stat(p.path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600); /* as every writer does */
}
