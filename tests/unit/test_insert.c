/* test_insert.c - kvp_store_insert(): upsert in place, collapse of
 * duplicates to one record, and the 1024 unique-key cap (which counts
 * unique keys, not records, and only applies to a key not yet present). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void expect_value(const char *key, const char *want)
{
	char *got = NULL;
	int r = kvp_store_read(p.store, key, &got, NULL);

	cr_assert_eq(r, 1, "%s: read gave %d", key, r);
	cr_assert_str_eq(got, want);
	free(got);
}

static size_t len_of(void)
{
	size_t n = 99;

	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	return n;
}

/* A pool of `records` records cycling over `unique` keys "key%04zu". */
static void plant_keys(size_t records, size_t unique)
{
	unsigned char *buf = malloc(records * KVP_RECORD_SIZE);
	char key[32];

	cr_assert_not_null(buf);
	for (size_t i = 0; i < records; i++) {
		snprintf(key, sizeof(key), "key%04zu", i % unique);
		tu_record(buf + i * KVP_RECORD_SIZE, key, "v");
	}
	tu_write_file(p.path, buf, records * KVP_RECORD_SIZE);
	free(buf);
}

Test(insert, creates_file_with_one_record, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	tu_assert_records(p.path, (const char *const[]){"k", "v", NULL});
}

Test(insert, upsert_overwrites_value, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "a", "1"), 0);
	cr_assert_eq(kvp_store_insert(p.store, "b", "2"), 0);
	cr_assert_eq(kvp_store_insert(p.store, "a", "one"), 0);
	expect_value("a", "one");
	expect_value("b", "2");
	cr_assert_eq(len_of(), 2);
	tu_assert_records(p.path,
			  (const char *const[]){"a", "one", "b", "2", NULL});
}

Test(insert, shorter_value_clears_old_bytes, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "k", "a long old value"), 0);
	cr_assert_eq(kvp_store_insert(p.store, "k", "x"), 0);
	/* The whole value field is rewritten: no tail of the old value. */
	tu_assert_records(p.path, (const char *const[]){"k", "x", NULL});
	cr_assert_eq(kvp_store_insert(p.store, "k", ""), 0);
	tu_assert_records(p.path, (const char *const[]){"k", "", NULL});
}

Test(insert, collapses_appended_duplicates, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_append(p.store, "dup", "1"), 0);
	cr_assert_eq(kvp_store_append(p.store, "other", "x"), 0);
	cr_assert_eq(kvp_store_append(p.store, "dup", "2"), 0);
	cr_assert_eq(kvp_store_append(p.store, "dup", "3"), 0);
	cr_assert_eq(len_of(), 4);
	cr_assert_eq(kvp_store_insert(p.store, "dup", "new"), 0);
	cr_assert_eq(len_of(), 2);
	expect_value("dup", "new");
	expect_value("other", "x");
	/* First match overwritten in place; slot 2 got the last record
	 * (dup=3, itself a duplicate, so removed on re-examination). */
	tu_assert_records(
	    p.path, (const char *const[]){"dup", "new", "other", "x", NULL});
}

Test(insert, duplicate_removal_swaps_last_record_in, .init = setup,
     .fini = teardown)
{
	tu_plant(p.path, (const char *const[]){"k", "1", "a", "A", "k", "2",
					       "b", "B", "c", "C", NULL});
	cr_assert_eq(kvp_store_insert(p.store, "k", "9"), 0);
	/* k@0 overwritten; k@2 removed: the last record (c) fills slot 2. */
	tu_assert_records(p.path, (const char *const[]){"k", "9", "a", "A", "c",
							"C", "b", "B", NULL});
}

Test(insert, prefix_keys_are_distinct, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "ab", "1"), 0);
	cr_assert_eq(kvp_store_insert(p.store, "a", "2"), 0);
	cr_assert_eq(kvp_store_insert(p.store, "abc", "3"), 0);
	cr_assert_eq(kvp_store_insert(p.store, "a", "4"), 0);
	expect_value("ab", "1");
	expect_value("a", "4");
	expect_value("abc", "3");
	cr_assert_eq(len_of(), 3);
}

Test(insert, cap_allows_1024_then_rejects_1025th, .init = setup,
     .fini = teardown)
{
	size_t len;
	unsigned char *before;

	plant_keys(1023, 1023);
	cr_assert_eq(kvp_store_insert(p.store, "key1023", "v"), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(len_of(), 1024);
	before = tu_read_file(p.path, &len);
	cr_assert_eq(kvp_store_insert(p.store, "one-too-many", "v"),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(kvp_error_last()->code, KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(kvp_error_last()->max, 1024);
	cr_assert_str_eq(kvp_error_last()->path, p.path);
	cr_assert_neq(strstr(kvp_error_last()->message, "1024"), NULL, "%s",
		      kvp_error_last()->message);
	tu_assert_file_is(p.path, before, len);
	free(before);
}

Test(insert, overwrite_at_cap_allowed, .init = setup, .fini = teardown)
{
	char *got = NULL;

	plant_keys(1024, 1024);
	cr_assert_eq(kvp_store_insert(p.store, "key0500", "changed"), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(len_of(), 1024);
	cr_assert_eq(kvp_store_read(p.store, "key0500", &got, NULL), 1);
	cr_assert_str_eq(got, "changed");
	free(got);
}

Test(insert, new_key_after_delete_at_cap, .init = setup, .fini = teardown)
{
	plant_keys(1024, 1024);
	cr_assert_eq(kvp_store_insert(p.store, "fresh", "v"),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(kvp_store_delete(p.store, "key0007"), 1);
	cr_assert_eq(kvp_store_insert(p.store, "fresh", "v"), 0, "%s",
		     kvp_error_last()->message);
	expect_value("fresh", "v");
	cr_assert_eq(len_of(), 1024);
	cr_assert_eq(kvp_store_insert(p.store, "fresher", "v"),
		     KVP_ERR_MAX_UNIQUE_KEYS);
}

Test(insert, cap_counts_unique_keys_not_records, .init = setup,
     .fini = teardown)
{
	char key[32];

	/* 1100 records but only 1000 unique keys: 24 more fit. */
	plant_keys(1100, 1000);
	for (int i = 0; i < 24; i++) {
		snprintf(key, sizeof(key), "new%02d", i);
		cr_assert_eq(kvp_store_insert(p.store, key, "v"), 0,
			     "new key %d: %s", i, kvp_error_last()->message);
	}
	cr_assert_eq(len_of(), 1124);
	cr_assert_eq(kvp_store_insert(p.store, "new24", "v"),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(len_of(), 1124);
}

Test(insert, at_cap_insert_of_duplicated_key_collapses, .init = setup,
     .fini = teardown)
{
	/* 1030 records over 1024 keys: keys 0..5 appear twice. */
	plant_keys(1030, 1024);
	cr_assert_eq(kvp_store_insert(p.store, "key0003", "x"), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(len_of(), 1029);
	expect_value("key0003", "x");
}

Test(insert, insert_beyond_cap_after_appends, .init = setup, .fini = teardown)
{
	plant_keys(1024, 1024);
	/* Appends are not capped, so the pool can exceed 1024 keys ... */
	cr_assert_eq(kvp_store_append(p.store, "extra", "e"), 0);
	/* ... after which insert still refuses new keys but updates old. */
	cr_assert_eq(kvp_store_insert(p.store, "other", "v"),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(kvp_store_insert(p.store, "extra", "E"), 0);
	expect_value("extra", "E");
	cr_assert_eq(len_of(), 1025);
}
