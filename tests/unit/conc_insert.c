/* conc_insert.c - the insert scenarios: readers beside writers, writers
 * of distinct keys, writers of the same keys. Insert never duplicates a
 * key and nothing here deletes, so every view must hold each key once and
 * never lose one that was seen. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conc.h"
#include "conc_run.h"
#include "peer_record.h"
#include "peers.h"
#include "raw_pool.h"
#include "test_util.h"

/* --- readers and writers ------------------------------------------------ */

#define RW_WRITERS 4
#define RW_KEYS	   40

/* Writer step s inserts key s ("n"); every 4th step also updates key s/2. */
static void rw_final_note(int i, char *note, size_t cap)
{
	snprintf(note, cap, "n");
	for (int s = 0; s < RW_KEYS; s++)
		if (s % 4 == 3 && s / 2 == i)
			snprintf(note, cap, "u%d", s);
}

static int rw_writer(int id)
{
	char key[32], note[32];
	int r = 0;

	for (int s = 0; r == 0 && s < RW_KEYS; s++) {
		snprintf(key, sizeof(key), "RW|%d|%d", id, s);
		r = conc_insert_own(id, key, "n");
		if (r == 0 && s % 4 == 3) {
			snprintf(key, sizeof(key), "RW|%d|%d", id, s / 2);
			snprintf(note, sizeof(note), "u%d", s);
			r = conc_insert_own(id, key, note);
		}
	}
	conc_writer_done();
	return r;
}

/* Parse "RW|w|i"; false for any other key. */
static bool rw_parse(const char *key, size_t len, int *w, int *i)
{
	int n = 0;

	return sscanf(key, "RW|%d|%d%n", w, i, &n) == 2 && (size_t)n == len &&
	       *w >= 0 && *w < RW_WRITERS && *i >= 0 && *i < RW_KEYS;
}

struct rw_view {
	bool seen[RW_WRITERS][RW_KEYS];
	size_t count;
};

/* The pool only grows: no key once seen may vanish, none may repeat. */
static int rw_check(int id, int r, const kvp_record_list *l, struct rw_view *v,
		    const char *what)
{
	bool now[RW_WRITERS][RW_KEYS] = {{false}};
	int w, i;

	if (conc_check_list(id, r, l, what))
		return 1;
	if (l->count < v->count)
		return conc_fail(id, "%s: %zu records after %zu", what,
				 l->count, v->count);
	for (size_t k = 0; k < l->count; k++) {
		if (!rw_parse(l->records[k].key, l->records[k].key_len, &w, &i))
			return conc_fail(id, "%s: foreign key %.40s", what,
					 l->records[k].key);
		if (now[w][i])
			return conc_fail(id, "%s: key %s twice", what,
					 l->records[k].key);
		now[w][i] = true;
	}
	for (w = 0; w < RW_WRITERS; w++)
		for (i = 0; i < RW_KEYS; i++) {
			if (v->seen[w][i] && !now[w][i])
				return conc_fail(id, "%s: RW|%d|%d vanished",
						 what, w, i);
			v->seen[w][i] = now[w][i];
		}
	v->count = l->count;
	return 0;
}

static int rw_read_one(int id, unsigned iter, struct rw_view *v)
{
	int w = (int)((iter * 7 + (unsigned)id) % RW_WRITERS);
	int i = (int)((iter * 13) % RW_KEYS);
	char key[32], *got = NULL;
	size_t len = 0;
	int r;

	snprintf(key, sizeof(key), "RW|%d|%d", w, i);
	r = kvp_store_read(conc_store, key, &got, &len);
	if (r < 0)
		return conc_fail(id, "read %s: %s", key,
				 kvp_error_last()->message);
	if (r == 0 && v->seen[w][i])
		return conc_fail(id, "read %s: not found after it was seen",
				 key);
	if (r == 1 && raw_check_record(key, strlen(key), got, len)) {
		free(got);
		return conc_fail(id, "read %s: inconsistent value", key);
	}
	free(got);
	v->seen[w][i] |= r == 1;
	return 0;
}

static int rw_read_list(int id, bool entries, struct rw_view *v)
{
	kvp_record_list l;
	double t0 = peers_now_ms();
	int r = entries ? kvp_store_entries(conc_store, &l)
			: kvp_store_dump(conc_store, &l);

	conc_timed(id, t0);
	r = rw_check(id, r, &l, v, entries ? "entries" : "dump");
	kvp_record_list_free(&l);
	return r;
}

static int rw_reader(int id)
{
	struct rw_view v = {0};
	int r = 0;

	/* Read while any writer runs, then once more with both calls. The
	 * pause between reads leaves writers a gap: shared locks granted
	 * back to back would starve them (readers win on Linux). */
	for (unsigned iter = 0; r == 0 && conc_writers_left() > 0; iter++) {
		struct timespec pause = {0, 500000};

		nanosleep(&pause, NULL);
		if (iter % 3 < 2) {
			r = rw_read_list(id, iter % 3 == 1, &v);
		} else {
			double t0 = peers_now_ms();
			r = rw_read_one(id, iter, &v);
			conc_timed(id, t0);
		}
	}
	if (r == 0)
		r = rw_read_list(id, false, &v);
	if (r == 0)
		r = rw_read_list(id, true, &v);
	if (r == 0 && v.count != RW_WRITERS * RW_KEYS)
		r = conc_fail(id, "last read saw %zu records", v.count);
	return r;
}

static int rw_worker(int id)
{
	return id < RW_WRITERS ? rw_writer(id) : rw_reader(id);
}

size_t conc_readers_writers(enum conc_runner how)
{
	size_t checked;
	struct raw_pool p;
	char key[32], note[32];
	size_t at;

	conc_run(how, "readers_writers", rw_worker, RW_WRITERS);
	raw_pool_load(kvp_store_path(conc_store), &p);
	cr_assert_eq(p.count, RW_WRITERS * RW_KEYS);
	for (int w = 0; w < RW_WRITERS; w++) {
		for (int i = 0; i < RW_KEYS; i++) {
			snprintf(key, sizeof(key), "RW|%d|%d", w, i);
			rw_final_note(i, note, sizeof(note));
			cr_assert_eq(raw_pool_count(&p, key, &at), 1, "%s",
				     key);
			cr_assert_str_eq(p.recs[at].note, note, "%s", key);
		}
	}
	checked = p.count;
	raw_pool_free(&p);
	return checked;
}

/* --- writers inserting distinct keys ------------------------------------ */

#define WD_KEYS 30

static int wd_worker(int id)
{
	char key[32], note[32];

	snprintf(note, sizeof(note), "w%d", id);
	for (int i = 0; i < WD_KEYS; i++) {
		snprintf(key, sizeof(key), "WD|%d|%d", id, i);
		if (conc_insert_own(id, key, note))
			return 1;
	}
	return 0;
}

size_t conc_writers_distinct(enum conc_runner how)
{
	size_t checked;
	struct raw_pool p;
	char key[32], note[32];
	size_t at;

	conc_run(how, "writers_distinct", wd_worker, CONC_WORKERS);
	raw_pool_load(kvp_store_path(conc_store), &p);
	cr_assert_eq(p.count, CONC_WORKERS * WD_KEYS);
	for (int w = 0; w < CONC_WORKERS; w++) {
		snprintf(note, sizeof(note), "w%d", w);
		for (int i = 0; i < WD_KEYS; i++) {
			snprintf(key, sizeof(key), "WD|%d|%d", w, i);
			cr_assert_eq(raw_pool_count(&p, key, &at), 1, "%s",
				     key);
			cr_assert_str_eq(p.recs[at].note, note, "%s", key);
		}
	}
	checked = p.count;
	raw_pool_free(&p);
	return checked;
}

/* --- writers inserting the same keys ------------------------------------ */

#define WS_KEYS	  10
#define WS_ROUNDS 10

/* After its first round a writer has inserted every key and nobody
 * deletes: from then on each key is present, and always exactly once. */
static int ws_check(int id, int round)
{
	bool now[WS_KEYS] = {false};
	kvp_record_list l;
	double t0 = peers_now_ms();
	int r = kvp_store_dump(conc_store, &l), k, n = 0;

	conc_timed(id, t0);
	r = conc_check_list(id, r, &l, "dump");
	for (size_t i = 0; r == 0 && i < l.count; i++) {
		if (sscanf(l.records[i].key, "WS|%d", &k) != 1 || k < 0 ||
		    k >= WS_KEYS)
			r = conc_fail(id, "foreign key %.40s",
				      l.records[i].key);
		else if (now[k])
			r = conc_fail(id, "round %d: key WS|%d twice", round,
				      k);
		else
			n += now[k] = true;
	}
	if (r == 0 && n != WS_KEYS)
		r = conc_fail(id, "round %d: %d of %d keys", round, n, WS_KEYS);
	kvp_record_list_free(&l);
	return r;
}

static int ws_worker(int id)
{
	char key[32], note[32], value[PR_VALUE_MAX + 1];

	for (int round = 0; round < WS_ROUNDS; round++) {
		snprintf(note, sizeof(note), "w%dr%d", id, round);
		for (int j = 0; j < WS_KEYS; j++) {
			double t0 = peers_now_ms();
			int r;

			snprintf(key, sizeof(key), "WS|%d", (j + id) % WS_KEYS);
			pr_make_value(value, key, note);
			r = kvp_store_insert(conc_store, key, value);
			conc_timed(id, t0);
			if (r < 0)
				return conc_fail(id, "insert %s: %s", key,
						 kvp_error_last()->message);
		}
		if (ws_check(id, round))
			return 1;
	}
	return 0;
}

size_t conc_writers_shared(enum conc_runner how)
{
	size_t checked;
	struct raw_pool p;
	char key[32];
	size_t at;
	int w, round, n;

	conc_run(how, "writers_shared", ws_worker, CONC_WORKERS);
	raw_pool_load(kvp_store_path(conc_store), &p);
	cr_assert_eq(p.count, WS_KEYS);
	for (int k = 0; k < WS_KEYS; k++) {
		snprintf(key, sizeof(key), "WS|%d", k);
		cr_assert_eq(raw_pool_count(&p, key, &at), 1, "%s", key);
		/* The last write of a key is some writer's last round. */
		n = 0;
		cr_assert(sscanf(p.recs[at].note, "w%dr%d%n", &w, &round, &n) ==
				  2 &&
			      p.recs[at].note[n] == '\0',
			  "%s: note %s", key, p.recs[at].note);
		cr_assert(w >= 0 && w < CONC_WORKERS, "%s: note %s", key,
			  p.recs[at].note);
		cr_assert_eq(round, WS_ROUNDS - 1, "%s: note %s", key,
			     p.recs[at].note);
	}
	checked = p.count;
	raw_pool_free(&p);
	return checked;
}
