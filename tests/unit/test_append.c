/* test_append.c - kvp_store_append(): one record at the end of the file,
 * duplicates kept, no unique-key cap, and read() returning the last
 * record of a key. */
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

Test(append, writes_records_in_order, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_append(p.store, "a", "1"), 0);
	cr_assert_eq(kvp_store_append(p.store, "b", "2"), 0);
	cr_assert_eq(kvp_store_append(p.store, "c", "3"), 0);
	tu_assert_records(
	    p.path, (const char *const[]){"a", "1", "b", "2", "c", "3", NULL});
}

Test(append, keeps_duplicates_and_read_returns_last, .init = setup,
     .fini = teardown)
{
	char *got = NULL;
	size_t n = 0;

	cr_assert_eq(kvp_store_append(p.store, "k", "first"), 0);
	cr_assert_eq(kvp_store_append(p.store, "x", "y"), 0);
	cr_assert_eq(kvp_store_append(p.store, "k", "second"), 0);
	cr_assert_eq(kvp_store_append(p.store, "k", "third"), 0);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(kvp_store_read(p.store, "k", &got, NULL), 1);
	cr_assert_str_eq(got, "third");
	free(got);
	tu_assert_records(p.path,
			  (const char *const[]){"k", "first", "x", "y", "k",
						"second", "k", "third", NULL});
}

Test(append, identical_records_kept, .init = setup, .fini = teardown)
{
	for (int i = 0; i < 3; i++)
		cr_assert_eq(kvp_store_append(p.store, "same", "same"), 0);
	tu_assert_records(p.path,
			  (const char *const[]){"same", "same", "same", "same",
						"same", "same", NULL});
}

Test(append, no_unique_key_cap, .init = setup, .fini = teardown)
{
	enum { N = 1100 };
	kvp_pair *pairs = calloc(N, sizeof(*pairs));
	char(*keys)[16] = calloc(N, sizeof(*keys));
	char *got = NULL;
	size_t n = 0;

	for (size_t i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key%04zu", i);
		pairs[i] = (kvp_pair){keys[i], strlen(keys[i]), "v", 1};
	}
	cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 1000), 0);
	/* Single appends past 1024 unique keys. */
	for (size_t i = 1000; i < N; i++)
		cr_assert_eq(kvp_store_append(p.store, keys[i], "w"), 0,
			     "append %zu: %s", i, kvp_error_last()->message);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, N);
	cr_assert_eq(kvp_store_read(p.store, "key1099", &got, NULL), 1);
	cr_assert_str_eq(got, "w");
	free(got);
	cr_assert_eq(kvp_store_append(p.store, "key0000", "again"), 0);
	cr_assert_eq(kvp_store_read(p.store, "key0000", &got, NULL), 1);
	cr_assert_str_eq(got, "again");
	free(got);
	free(pairs);
	free(keys);
}

Test(append, after_insert_then_insert_collapses, .init = setup,
     .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "k", "1"), 0);
	cr_assert_eq(kvp_store_append(p.store, "k", "2"), 0);
	tu_assert_records(p.path,
			  (const char *const[]){"k", "1", "k", "2", NULL});
	cr_assert_eq(kvp_store_insert(p.store, "k", "3"), 0);
	tu_assert_records(p.path, (const char *const[]){"k", "3", NULL});
}

Test(append, existing_file_is_extended_not_rewritten, .init = setup,
     .fini = teardown)
{
	unsigned char raw[KVP_RECORD_SIZE];
	size_t len;
	unsigned char *file;

	/* A record whose padding holds junk after the NUL: append must
	 * leave it byte for byte. */
	tu_record(raw, "k", "v");
	memset(raw + 100, 'J', 10);
	memset(raw + KVP_KEY_FIELD_SIZE + 500, 'J', 10);
	tu_write_file(p.path, raw, sizeof(raw));
	cr_assert_eq(kvp_store_append(p.store, "n", "m"), 0);
	file = tu_read_file(p.path, &len);
	cr_assert_eq(len, 2 * KVP_RECORD_SIZE);
	cr_assert_eq(memcmp(file, raw, sizeof(raw)), 0);
	free(file);
}
