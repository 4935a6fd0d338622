/* test_torn.c - a pool file whose size is not a multiple of 2560 (a
 * writer died mid-record): readers return the whole records and report
 * the torn bytes, len() counts whole records, and the next writer cuts
 * the partial record, and nothing else, before it writes. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
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

static const char *const whole[] = {"a", "1", "b", "2", NULL};

/* Two whole records, then the first `torn` bytes of a record whose key
 * is "a" (the same key as record 0, so a reader that took it for a
 * record would see a different value). */
static void plant_torn(size_t torn)
{
	unsigned char partial[KVP_RECORD_SIZE];

	tu_plant(p.path, whole);
	tu_record(partial, "a", "torn");
	tu_append_file(p.path, partial, torn);
	cr_assert_eq(tu_file_size(p.path), (off_t)(2 * KVP_RECORD_SIZE + torn));
}

Test(torn, readers_see_whole_records, .init = setup, .fini = teardown)
{
	kvp_record_list list;
	char *got = NULL;
	size_t n = 0;

	plant_torn(KVP_KEY_FIELD_SIZE + 10);
	cr_assert_eq(kvp_store_dump(p.store, &list), 0);
	cr_assert_eq(list.count, 2);
	cr_assert_eq(list.torn_bytes, KVP_KEY_FIELD_SIZE + 10);
	cr_assert_str_eq(list.records[1].key, "b");
	kvp_record_list_free(&list);
	cr_assert_eq(kvp_store_entries(p.store, &list), 0);
	cr_assert_eq(list.count, 2);
	cr_assert_eq(list.torn_bytes, KVP_KEY_FIELD_SIZE + 10);
	kvp_record_list_free(&list);
	cr_assert_eq(kvp_store_read(p.store, "a", &got, NULL), 1);
	cr_assert_str_eq(got, "1");
	free(got);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 2);
	/* Readers never repair. */
	cr_assert_eq(tu_file_size(p.path),
		     2 * KVP_RECORD_SIZE + KVP_KEY_FIELD_SIZE + 10);
}

Test(torn, partial_only_file_is_empty, .init = setup, .fini = teardown)
{
	unsigned char junk[100];
	kvp_record_list list;
	size_t n = 9;

	memset(junk, 'x', sizeof(junk));
	tu_write_file(p.path, junk, sizeof(junk));
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(kvp_store_is_empty(p.store), 1);
	cr_assert_eq(kvp_store_dump(p.store, &list), 0);
	cr_assert_eq(list.count, 0);
	cr_assert_eq(list.torn_bytes, 100);
	kvp_record_list_free(&list);
	cr_assert_eq(kvp_store_append(p.store, "k", "v"), 0);
	tu_assert_records(p.path, (const char *const[]){"k", "v", NULL});
}

enum writer {
	W_APPEND,
	W_INSERT_NEW,
	W_INSERT_OLD,
	W_DELETE_HIT,
	W_DELETE_MISS,
	W_CLEAR,
	W_APPEND_MULTIPLE,
	W_DELETE_MULTIPLE,
	W_LOAD,
	W_COUNT
};

struct torn_case {
	int writer;
	size_t torn;
};

ParameterizedTestParameters(torn, next_writer_cuts_partial_record)
{
	static struct torn_case cases[W_COUNT * 3];
	static const size_t sizes[] = {1, KVP_KEY_FIELD_SIZE + 3,
				       KVP_RECORD_SIZE - 1};
	size_t n = 0;

	for (int w = 0; w < W_COUNT; w++)
		for (size_t s = 0; s < 3; s++)
			cases[n++] = (struct torn_case){w, sizes[s]};
	return cr_make_param_array(struct torn_case, cases, n);
}

ParameterizedTest(struct torn_case *c, torn, next_writer_cuts_partial_record,
		  .init = setup, .fini = teardown)
{
	const kvp_pair pairs[] = {{"x", 1, "X", 1}, {"y", 1, "Y", 1}};
	const char *const del[] = {"b", "zz"};
	size_t removed = 0;
	kvp_record_list list;

	plant_torn(c->torn);
	switch (c->writer) {
	case W_APPEND:
		cr_assert_eq(kvp_store_append(p.store, "c", "3"), 0);
		tu_assert_records(
		    p.path,
		    (const char *const[]){"a", "1", "b", "2", "c", "3", NULL});
		break;
	case W_INSERT_NEW:
		cr_assert_eq(kvp_store_insert(p.store, "c", "3"), 0);
		tu_assert_records(
		    p.path,
		    (const char *const[]){"a", "1", "b", "2", "c", "3", NULL});
		break;
	case W_INSERT_OLD:
		cr_assert_eq(kvp_store_insert(p.store, "a", "new"), 0);
		tu_assert_records(
		    p.path, (const char *const[]){"a", "new", "b", "2", NULL});
		break;
	case W_DELETE_HIT:
		cr_assert_eq(kvp_store_delete(p.store, "a"), 1);
		tu_assert_records(p.path,
				  (const char *const[]){"b", "2", NULL});
		break;
	case W_DELETE_MISS:
		cr_assert_eq(kvp_store_delete(p.store, "nope"), 0);
		tu_assert_records(p.path, whole);
		break;
	case W_CLEAR:
		cr_assert_eq(kvp_store_clear(p.store), 0);
		cr_assert_eq(tu_file_size(p.path), 0);
		break;
	case W_APPEND_MULTIPLE:
		cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 2), 0);
		tu_assert_records(p.path,
				  (const char *const[]){"a", "1", "b", "2", "x",
							"X", "y", "Y", NULL});
		break;
	case W_DELETE_MULTIPLE:
		cr_assert_eq(
		    kvp_store_delete_multiple(p.store, del, 2, &removed), 0);
		cr_assert_eq(removed, 1);
		tu_assert_records(p.path,
				  (const char *const[]){"a", "1", NULL});
		break;
	case W_LOAD:
		cr_assert_eq(kvp_store_load(p.store, pairs, 2), 0);
		tu_assert_records(
		    p.path, (const char *const[]){"x", "X", "y", "Y", NULL});
		break;
	}
	cr_assert_eq(kvp_store_dump(p.store, &list), 0);
	cr_assert_eq(list.torn_bytes, 0);
	kvp_record_list_free(&list);
}

Test(torn, rejected_write_does_not_repair, .init = setup, .fini = teardown)
{
	size_t len;
	unsigned char *before;

	plant_torn(77);
	before = tu_read_file(p.path, &len);
	cr_assert_eq(kvp_store_insert(p.store, "", "v"), KVP_ERR_EMPTY_KEY);
	cr_assert_eq(kvp_store_append(p.store, "k", "\xFF"),
		     KVP_ERR_INVALID_UTF8);
	tu_assert_file_is(p.path, before, len);
	free(before);
}

Test(torn, repaired_file_takes_further_writes, .init = setup, .fini = teardown)
{
	plant_torn(1234);
	cr_assert_eq(kvp_store_append(p.store, "c", "3"), 0);
	cr_assert_eq(kvp_store_insert(p.store, "b", "two"), 0);
	cr_assert_eq(kvp_store_delete(p.store, "a"), 1);
	tu_assert_records(p.path,
			  (const char *const[]){"c", "3", "b", "two", NULL});
}
