/* test_batch.c - the batch writes: append_multiple() (records adjacent
 * and in order, all-or-nothing validation), delete_multiple() (every
 * record of any listed key, how many went, a missing file stays missing)
 * and load() (replaces the contents, duplicates kept, every pair and the
 * unique-key cap checked before the file is touched). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#define PAIR(k, v)                                                             \
	{                                                                      \
		k, sizeof(k) - 1, v, sizeof(v) - 1                             \
	}

static const char *const before[] = {"old", "1", "b", "2", NULL};

/* `n` pairs "key%04zu" = "v", cycling over `unique` keys; free both. */
static kvp_pair *make_pairs(size_t n, size_t unique, char (**keys)[32])
{
	kvp_pair *pairs = calloc(n, sizeof(*pairs));
	char(*k)[32] = calloc(n, sizeof(*k));

	cr_assert(pairs && k);
	for (size_t i = 0; i < n; i++) {
		snprintf(k[i], sizeof(k[i]), "key%04zu", i % unique);
		pairs[i] = (kvp_pair){k[i], strlen(k[i]), "v", 1};
	}
	*keys = k;
	return pairs;
}

Test(append_multiple, adjacent_and_in_order, .init = setup, .fini = teardown)
{
	const kvp_pair pairs[] = {PAIR("x", "1"), PAIR("y", "2"),
				  PAIR("x", "3")};

	tu_plant(p.path, before);
	cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 3), 0);
	tu_assert_records(p.path,
			  (const char *const[]){"old", "1", "b", "2", "x", "1",
						"y", "2", "x", "3", NULL});
}

Test(append_multiple, creates_missing_file, .init = setup, .fini = teardown)
{
	const kvp_pair pairs[] = {PAIR("x", "1"), PAIR("y", "")};

	cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 2), 0);
	tu_assert_records(p.path,
			  (const char *const[]){"x", "1", "y", "", NULL});
}

Test(append_multiple, one_invalid_pair_writes_nothing, .init = setup,
     .fini = teardown)
{
	char *big = tu_repeat('v', 1023);
	kvp_pair pairs[] = {PAIR("x", "1"), PAIR("y", "2"), PAIR("z", "3")};
	const struct {
		kvp_pair bad;
		int code;
	} cases[] = {
	    {{"", 0, "v", 1}, KVP_ERR_EMPTY_KEY},
	    {{"a\0b", 3, "v", 1}, KVP_ERR_KEY_CONTAINS_NULL},
	    {{"k", 1, big, 1023}, KVP_ERR_VALUE_TOO_LARGE},
	    {{"k", 1, "a\0", 2}, KVP_ERR_VALUE_CONTAINS_NULL},
	    {{"\xC0\xAF", 2, "v", 1}, KVP_ERR_INVALID_UTF8},
	    {{"k", 1, "\xFF", 1}, KVP_ERR_INVALID_UTF8},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		tu_plant(p.path, before);
		pairs[2] = cases[c].bad; /* the last one: the others are fine */
		cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 3),
			     cases[c].code, "case %zu", c);
		tu_assert_records(p.path, before);
	}
	cr_assert_eq(unlink(p.path), 0);
	cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 3),
		     KVP_ERR_INVALID_UTF8);
	cr_assert_eq(tu_file_size(p.path), -1, "file created by a failure");
	free(big);
}

Test(append_multiple, empty_batch_and_null, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_append_multiple(p.store, NULL, 0), 0);
	cr_assert_eq(tu_file_size(p.path), -1);
	cr_assert_eq(kvp_store_append_multiple(p.store, NULL, 2),
		     KVP_ERR_INVALID_ARG);
}

Test(append_multiple, no_unique_key_cap, .init = setup, .fini = teardown)
{
	char(*keys)[32];
	kvp_pair *pairs = make_pairs(1500, 1500, &keys);
	size_t n = 0;

	cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 1500), 0);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 1500);
	free(pairs);
	free(keys);
}

Test(delete_multiple, counts_and_removes_every_listed_key, .init = setup,
     .fini = teardown)
{
	const char *const keys[] = {"a", "c", "nope", "a"};
	char *got = NULL;
	size_t removed = 99;

	tu_plant(p.path, (const char *const[]){"a", "1", "b", "2", "a", "3",
					       "c", "4", "d", "5", NULL});
	cr_assert_eq(kvp_store_delete_multiple(p.store, keys, 4, &removed), 0);
	cr_assert_eq(removed, 3);
	cr_assert_eq(kvp_store_read(p.store, "a", &got, NULL), 0);
	cr_assert_eq(kvp_store_read(p.store, "c", &got, NULL), 0);
	/* One pass of swap-removes: a@0 <- d, then a@2 <- c (removed again,
	 * then it is the last record). */
	tu_assert_records(p.path,
			  (const char *const[]){"d", "5", "b", "2", NULL});
}

Test(delete_multiple, nothing_listed_present, .init = setup, .fini = teardown)
{
	const char *const keys[] = {"x", "y"};
	size_t removed = 99;

	tu_plant(p.path, before);
	cr_assert_eq(kvp_store_delete_multiple(p.store, keys, 2, &removed), 0);
	cr_assert_eq(removed, 0);
	tu_assert_records(p.path, before);
	/* removed may be NULL. */
	cr_assert_eq(kvp_store_delete_multiple(p.store, keys, 2, NULL), 0);
}

Test(delete_multiple, missing_file_not_created, .init = setup, .fini = teardown)
{
	const char *const keys[] = {"a"};
	size_t removed = 99;

	cr_assert_eq(kvp_store_delete_multiple(p.store, keys, 1, &removed), 0);
	cr_assert_eq(removed, 0);
	cr_assert_eq(tu_file_size(p.path), -1);
}

Test(delete_multiple, bad_arguments, .init = setup, .fini = teardown)
{
	const char *const keys[] = {"old", NULL};
	size_t removed = 99;

	tu_plant(p.path, before);
	cr_assert_eq(kvp_store_delete_multiple(p.store, keys, 2, &removed),
		     KVP_ERR_INVALID_ARG);
	cr_assert_eq(removed, 0);
	cr_assert_eq(kvp_store_delete_multiple(p.store, NULL, 1, &removed),
		     KVP_ERR_INVALID_ARG);
	tu_assert_records(p.path, before);
	cr_assert_eq(kvp_store_delete_multiple(p.store, NULL, 0, &removed), 0);
	cr_assert_eq(removed, 0);
}

Test(delete_multiple, whole_pool, .init = setup, .fini = teardown)
{
	const char *const keys[] = {"b", "old"};
	size_t removed = 0;

	tu_plant(p.path, before);
	cr_assert_eq(kvp_store_delete_multiple(p.store, keys, 2, &removed), 0);
	cr_assert_eq(removed, 2);
	cr_assert_eq(tu_file_size(p.path), 0);
}

Test(load, replaces_contents_keeping_duplicates, .init = setup,
     .fini = teardown)
{
	const kvp_pair pairs[] = {PAIR("n", "1"), PAIR("m", "2"),
				  PAIR("n", "3")};
	char *got = NULL;

	tu_plant(p.path, (const char *const[]){"old", "1", "b", "2", "c", "3",
					       "d", "4", NULL});
	cr_assert_eq(kvp_store_load(p.store, pairs, 3), 0);
	tu_assert_records(
	    p.path, (const char *const[]){"n", "1", "m", "2", "n", "3", NULL});
	cr_assert_eq(kvp_store_read(p.store, "n", &got, NULL), 1);
	cr_assert_str_eq(got, "3");
	free(got);
}

Test(load, creates_missing_file_and_empty_load_clears, .init = setup,
     .fini = teardown)
{
	const kvp_pair pairs[] = {PAIR("n", "1")};

	cr_assert_eq(kvp_store_load(p.store, pairs, 1), 0);
	tu_assert_records(p.path, (const char *const[]){"n", "1", NULL});
	cr_assert_eq(kvp_store_load(p.store, NULL, 0), 0);
	cr_assert_eq(tu_file_size(p.path), 0);
}

Test(load, invalid_pair_rejected_before_touching, .init = setup,
     .fini = teardown)
{
	char *big_key = tu_repeat('k', 255);
	kvp_pair pairs[] = {PAIR("a", "1"), PAIR("b", "2")};

	tu_plant(p.path, before);
	pairs[1] = (kvp_pair){big_key, 255, "v", 1};
	cr_assert_eq(kvp_store_load(p.store, pairs, 2), KVP_ERR_KEY_TOO_LARGE);
	tu_assert_records(p.path, before);
	pairs[1] = (kvp_pair){"k", 1, "\xED\xA0\x80", 3};
	cr_assert_eq(kvp_store_load(p.store, pairs, 2), KVP_ERR_INVALID_UTF8);
	tu_assert_records(p.path, before);
	cr_assert_eq(kvp_store_load(p.store, NULL, 1), KVP_ERR_INVALID_ARG);
	tu_assert_records(p.path, before);
	free(big_key);
}

Test(load, over_1024_unique_keys_rejected_before_touching, .init = setup,
     .fini = teardown)
{
	char(*keys)[32];
	kvp_pair *pairs = make_pairs(1025, 1025, &keys);

	tu_plant(p.path, before);
	cr_assert_eq(kvp_store_load(p.store, pairs, 1025),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(kvp_error_last()->max, 1024);
	cr_assert_str_eq(kvp_error_last()->path, p.path);
	tu_assert_records(p.path, before);
	cr_assert_eq(unlink(p.path), 0);
	cr_assert_eq(kvp_store_load(p.store, pairs, 1025),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(tu_file_size(p.path), -1);
	free(pairs);
	free(keys);
}

Test(load, exactly_1024_unique_keys_with_duplicates, .init = setup,
     .fini = teardown)
{
	char(*keys)[32];
	kvp_pair *pairs = make_pairs(1100, 1024, &keys);
	size_t n = 0;
	kvp_record_list list;

	tu_plant(p.path, before);
	cr_assert_eq(kvp_store_load(p.store, pairs, 1100), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 1100);
	cr_assert_eq(kvp_store_entries(p.store, &list), 0);
	cr_assert_eq(list.count, 1024);
	cr_assert_str_eq(list.records[0].key, "key0000");
	kvp_record_list_free(&list);
	/* At the cap: inserting a new key now fails. */
	cr_assert_eq(kvp_store_insert(p.store, "new", "v"),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	free(pairs);
	free(keys);
}
