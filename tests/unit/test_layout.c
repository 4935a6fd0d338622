/* test_layout.c - the exact bytes writes leave: an overwrite touches only
 * its own value field (neighbours stay byte-identical, junk padding
 * included), a removal moves the last record into the hole, file sizes
 * change by exactly one record per record added or removed, and a long
 * mixed run keeps the file consistent with a plain map of its contents. */
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

/* Records a..e with junk after the terminators of both fields, which no
 * decoder sees but a writer that rewrote a record would lose. */
static void plant_junky(unsigned char recs[5][KVP_RECORD_SIZE])
{
	const char *keys[] = {"a", "b", "c", "d", "e"};
	const char *vals[] = {"1", "2", "3", "4", "5"};

	for (int i = 0; i < 5; i++) {
		tu_record(recs[i], keys[i], vals[i]);
		memset(recs[i] + 200, 'J' + i, 16);
		memset(recs[i] + KVP_KEY_FIELD_SIZE + 1000, 'j' + i, 16);
	}
	tu_write_file(p.path, recs, 5 * KVP_RECORD_SIZE);
}

static unsigned char *read_all(size_t *len)
{
	unsigned char *b = tu_read_file(p.path, len);

	cr_assert_not_null(b);
	return b;
}

Test(layout, overwrite_leaves_neighbours_identical, .init = setup,
     .fini = teardown)
{
	unsigned char recs[5][KVP_RECORD_SIZE], want[KVP_RECORD_SIZE];
	unsigned char *file;
	size_t len;

	plant_junky(recs);
	cr_assert_eq(kvp_store_insert(p.store, "c", "new value"), 0);
	file = read_all(&len);
	cr_assert_eq(len, 5 * KVP_RECORD_SIZE);
	for (int i = 0; i < 5; i++) {
		if (i == 2)
			continue;
		cr_assert_eq(memcmp(file + i * KVP_RECORD_SIZE, recs[i],
				    KVP_RECORD_SIZE),
			     0, "record %d changed", i);
	}
	/* The overwritten record keeps its key field (junk included) and
	 * gets a clean value field. */
	memcpy(want, recs[2], KVP_KEY_FIELD_SIZE);
	memset(want + KVP_KEY_FIELD_SIZE, 0, KVP_VALUE_FIELD_SIZE);
	memcpy(want + KVP_KEY_FIELD_SIZE, "new value", 9);
	cr_assert_eq(memcmp(file + 2 * KVP_RECORD_SIZE, want, KVP_RECORD_SIZE),
		     0);
	free(file);
}

/* Delete one key of the junky a..e pool and compare with `order`, the
 * indices of the planted records expected in the file afterwards. */
static void delete_and_expect(const char *key, const int *order, size_t n)
{
	unsigned char recs[5][KVP_RECORD_SIZE];
	unsigned char *file;
	size_t len;

	plant_junky(recs);
	cr_assert_eq(kvp_store_delete(p.store, key), 1);
	file = read_all(&len);
	cr_assert_eq(len, n * KVP_RECORD_SIZE);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(memcmp(file + i * KVP_RECORD_SIZE, recs[order[i]],
				    KVP_RECORD_SIZE),
			     0, "slot %zu is not planted record %d", i,
			     order[i]);
	free(file);
}

Test(layout, swap_remove_middle, .init = setup, .fini = teardown)
{
	delete_and_expect("b", (const int[]){0, 4, 2, 3}, 4);
}

Test(layout, swap_remove_first, .init = setup, .fini = teardown)
{
	delete_and_expect("a", (const int[]){4, 1, 2, 3}, 4);
}

Test(layout, remove_last_moves_nothing, .init = setup, .fini = teardown)
{
	delete_and_expect("e", (const int[]){0, 1, 2, 3}, 4);
}

Test(layout, remove_only_record, .init = setup, .fini = teardown)
{
	tu_plant(p.path, (const char *const[]){"only", "1", NULL});
	cr_assert_eq(kvp_store_delete(p.store, "only"), 1);
	cr_assert_eq(tu_file_size(p.path), 0);
}

Test(layout, insert_duplicate_removal_is_swap_remove, .init = setup,
     .fini = teardown)
{
	/* Duplicates of "k" at 1 and 3: 1 is overwritten, 3 swap-removed
	 * (the last record, e, moves there). */
	tu_plant(p.path,
		 (const char *const[]){"a", "1", "k", "x", "b", "2", "k", "y",
				       "c", "3", "e", "5", NULL});
	cr_assert_eq(kvp_store_insert(p.store, "k", "z"), 0);
	tu_assert_records(p.path,
			  (const char *const[]){"a", "1", "k", "z", "b", "2",
						"e", "5", "c", "3", NULL});
}

Test(layout, sizes_change_by_whole_records, .init = setup, .fini = teardown)
{
	const off_t R = KVP_RECORD_SIZE;

	cr_assert_eq(kvp_store_insert(p.store, "a", "1"), 0);
	cr_assert_eq(tu_file_size(p.path), R);
	cr_assert_eq(kvp_store_insert(p.store, "b", "2"), 0);
	cr_assert_eq(tu_file_size(p.path), 2 * R, "+1 record on a new key");
	cr_assert_eq(kvp_store_insert(p.store, "a", "longer value"), 0);
	cr_assert_eq(tu_file_size(p.path), 2 * R, "unchanged on overwrite");
	cr_assert_eq(kvp_store_append(p.store, "a", "dup"), 0);
	cr_assert_eq(kvp_store_append(p.store, "a", "dup2"), 0);
	cr_assert_eq(tu_file_size(p.path), 4 * R);
	cr_assert_eq(kvp_store_insert(p.store, "a", "x"), 0);
	cr_assert_eq(tu_file_size(p.path), 2 * R, "-1 record per duplicate");
	cr_assert_eq(kvp_store_delete(p.store, "b"), 1);
	cr_assert_eq(tu_file_size(p.path), R);
	cr_assert_eq(kvp_store_delete(p.store, "b"), 0);
	cr_assert_eq(tu_file_size(p.path), R);
}

Test(layout, overwrite_preserves_other_records, .init = setup, .fini = teardown)
{
	char key[16], *got = NULL;

	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		cr_assert_eq(kvp_store_insert(p.store, key, key), 0);
	}
	for (int i = 0; i < 50; i += 7) {
		snprintf(key, sizeof(key), "k%02d", i);
		cr_assert_eq(kvp_store_insert(p.store, key, "over"), 0);
	}
	cr_assert_eq(tu_file_size(p.path), 50 * KVP_RECORD_SIZE);
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		cr_assert_eq(kvp_store_read(p.store, key, &got, NULL), 1);
		cr_assert_str_eq(got, i % 7 ? key : "over");
		free(got);
	}
}

/* --- long mixed run against a plain model ---------------------------------
 * Semantics only (the exact layout is the reference model's business):
 * after every operation each key's records must hold exactly the values
 * a multiset says (insert: just the new value, append: one more, delete:
 * none), read() must return one of them (swap-remove may reorder
 * appended duplicates), and entries() must list each present key once. */

#define NKEYS 12
#define MAXV  300
struct expect {
	size_t n[NKEYS];
	char v[NKEYS][MAXV][8];
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void check_against(struct expect *e, int step)
{
	static char got_v[NKEYS][MAXV][8];
	size_t got_n[NKEYS] = {0}, total = 0, unique = 0;
	kvp_record_list list;
	off_t size;

	cr_assert_eq(kvp_store_dump(p.store, &list), 0);
	for (size_t i = 0; i < list.count; i++) {
		int k = atoi(list.records[i].key + 3);
		cr_assert(k >= 0 && k < NKEYS && got_n[k] < MAXV);
		snprintf(got_v[k][got_n[k]++], 8, "%s", list.records[i].value);
	}
	kvp_record_list_free(&list);
	for (int k = 0; k < NKEYS; k++) {
		char key[24], *got = NULL;
		int found = 0;

		cr_assert_eq(got_n[k], e->n[k],
			     "step %d key %d: %zu records, "
			     "expected %zu",
			     step, k, got_n[k], e->n[k]);
		qsort(got_v[k], got_n[k], 8, cmp_str);
		qsort(e->v[k], e->n[k], 8, cmp_str);
		for (size_t j = 0; j < e->n[k]; j++)
			cr_assert_str_eq(got_v[k][j], e->v[k][j], "step %d",
					 step);
		snprintf(key, sizeof(key), "key%d", k);
		cr_assert_eq(kvp_store_read(p.store, key, &got, NULL),
			     e->n[k] > 0, "step %d key %d", step, k);
		for (size_t j = 0; got && j < e->n[k]; j++)
			found |= strcmp(got, e->v[k][j]) == 0;
		cr_assert(!got || found, "step %d: read gave %s", step, got);
		free(got);
		total += e->n[k];
		unique += e->n[k] > 0;
	}
	size = tu_file_size(p.path);
	cr_assert_eq(size < 0 ? 0 : size, (off_t)(total * KVP_RECORD_SIZE),
		     "step %d", step);
	cr_assert_eq(kvp_store_entries(p.store, &list), 0);
	cr_assert_eq(list.count, unique, "step %d", step);
	kvp_record_list_free(&list);
}

Test(layout, integrity_after_long_mixed_run, .init = setup, .fini = teardown)
{
	static struct expect e;
	unsigned int seed = 12345;
	char key[24], value[24];

	for (int step = 0; step < 1500; step++) {
		int k = (int)(rand_r(&seed) % NKEYS), op = rand_r(&seed) % 10;
		snprintf(key, sizeof(key), "key%d", k);
		snprintf(value, sizeof(value), "v%d", step);
		if (op < 4) {
			cr_assert_eq(kvp_store_insert(p.store, key, value), 0);
			e.n[k] = 1;
			strcpy(e.v[k][0], value);
		} else if (op < 7) {
			cr_assert_eq(kvp_store_append(p.store, key, value), 0);
			cr_assert(e.n[k] < MAXV);
			strcpy(e.v[k][e.n[k]++], value);
		} else if (op < 9) {
			cr_assert_eq(kvp_store_delete(p.store, key),
				     e.n[k] > 0);
			e.n[k] = 0;
		} else if (step % 10 == 9) {
			cr_assert_eq(kvp_store_clear(p.store), 0);
			memset(&e, 0, sizeof(e));
		}
		check_against(&e, step);
	}
}
