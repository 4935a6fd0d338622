/* conc_edit.c - the append and mixed scenarios: appenders whose records
 * must keep their order and their batches together, and workers that
 * insert, append and delete keys of their own while the others' swap-
 * removes move their records around. */
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

/* --- appenders ---------------------------------------------------------- */

#define AP_RECORDS 40 /* per writer: 10 x (one append, a batch of 3) */
#define AP_BATCH   3

static void ap_key(char *key, size_t cap, int w, int i)
{
	snprintf(key, cap, "AP|%d|%d", w, i);
}

/* Each writer's records appear in the order written, none missing: for
 * every writer, the indices seen in file order are 0, 1, 2, ... */
static int ap_check(int id, int written)
{
	int next[CONC_WORKERS] = {0}, w, i;
	kvp_record_list l;
	double t0 = peers_now_ms();
	int r = kvp_store_dump(conc_store, &l);

	conc_timed(id, t0);
	r = conc_check_list(id, r, &l, "dump");
	for (size_t k = 0; r == 0 && k < l.count; k++) {
		if (sscanf(l.records[k].key, "AP|%d|%d", &w, &i) != 2 ||
		    w < 0 || w >= CONC_WORKERS)
			r = conc_fail(id, "foreign key %.40s",
				      l.records[k].key);
		else if (i != next[w]++)
			r = conc_fail(id, "%s at record %zu, expected AP|%d|%d",
				      l.records[k].key, k, w, next[w] - 1);
	}
	if (r == 0 && next[id] != written)
		r = conc_fail(id, "%d of my %d records present", next[id],
			      written);
	kvp_record_list_free(&l);
	return r;
}

static int ap_worker(int id)
{
	char keys[AP_BATCH][32], values[AP_BATCH][PR_VALUE_MAX + 1];
	kvp_pair pairs[AP_BATCH];
	int i = 0;

	for (int step = 0; i < AP_RECORDS; step++) {
		int n = step % 2 ? AP_BATCH : 1, r;
		double t0;

		for (int b = 0; b < n; b++) {
			ap_key(keys[b], sizeof(keys[b]), id, i + b);
			pairs[b] =
			    (kvp_pair){keys[b], strlen(keys[b]), values[b],
				       pr_make_value(values[b], keys[b], "ap")};
		}
		t0 = peers_now_ms();
		r = n == 1 ? kvp_store_append(conc_store, keys[0], values[0])
			   : kvp_store_append_multiple(conc_store, pairs,
						       (size_t)n);
		conc_timed(id, t0);
		if (r < 0)
			return conc_fail(id, "append %s: %s", keys[0],
					 kvp_error_last()->message);
		i += n;
		if (ap_check(id, i))
			return 1;
	}
	return 0;
}

size_t conc_append_only(enum conc_runner how)
{
	size_t checked;
	struct raw_pool p;
	char key[32];
	size_t at, first = 0;

	conc_run(how, "append_only", ap_worker, CONC_WORKERS);
	raw_pool_load(kvp_store_path(conc_store), &p);
	cr_assert_eq(p.count, CONC_WORKERS * AP_RECORDS);
	for (int w = 0; w < CONC_WORKERS; w++) {
		for (int i = 0; i < AP_RECORDS; i++) {
			ap_key(key, sizeof(key), w, i);
			cr_assert_eq(raw_pool_count(&p, key, &at), 1, "%s",
				     key);
			/* Batches (records 1-3, 5-7, ...) stay adjacent. */
			if (i % 4 == 1)
				first = at;
			else if (i % 4 > 1)
				cr_assert_eq(at, first + (size_t)(i % 4 - 1),
					     "%s is not next to its batch",
					     key);
		}
	}
	checked = p.count;
	raw_pool_free(&p);
	return checked;
}

/* --- insert, append and delete ------------------------------------------ */

#define MX_KEYS	 6
#define MX_STEPS 80

enum mx_kind { MX_INSERT, MX_APPEND, MX_DELETE };

/* What a key's records should be: the steps that wrote them. */
struct mx_model {
	int n[MX_KEYS];
	int steps[MX_KEYS][MX_STEPS];
};

/* Worker w's step s: a fixed pseudo-random operation on one of its keys. */
static enum mx_kind mx_op(int w, int s, int *key)
{
	char seed[32];
	uint32_t h;

	snprintf(seed, sizeof(seed), "%d/%d", w, s);
	h = pr_hash(seed, strlen(seed));
	*key = (int)((h / 10) % MX_KEYS);
	return h % 10 < 4 ? MX_INSERT : h % 10 < 7 ? MX_APPEND : MX_DELETE;
}

static void mx_apply(struct mx_model *m, enum mx_kind kind, int k, int s)
{
	if (kind == MX_INSERT)
		m->n[k] = 0;
	if (kind != MX_DELETE)
		m->steps[k][m->n[k]++] = s;
	else
		m->n[k] = 0;
}

/* Only this worker writes its keys, so a read sees exactly its model:
 * absent, the one value, or (after appends) one of the values - which
 * one depends on where other writers' swap-removes moved the records. */
static int mx_read_check(int id, const struct mx_model *m, int k,
			 const char *key)
{
	char *got = NULL, note[32];
	size_t len = 0;
	double t0 = peers_now_ms();
	int r = kvp_store_read(conc_store, key, &got, &len), s = -1;

	conc_timed(id, t0);
	if (r < 0)
		return conc_fail(id, "read %s: %s", key,
				 kvp_error_last()->message);
	if (r != (m->n[k] > 0)) {
		free(got);
		return conc_fail(id, "read %s: found=%d, expected %d record(s)",
				 key, r, m->n[k]);
	}
	if (r == 1 &&
	    (!pr_value_ok(key, strlen(key), got, len, note, sizeof(note)) ||
	     sscanf(note, "s%d", &s) != 1)) {
		free(got);
		return conc_fail(id, "read %s: inconsistent value", key);
	}
	free(got);
	for (int j = 0; r == 1 && j < m->n[k]; j++)
		if (m->steps[k][j] == s)
			return 0;
	return r == 1
		   ? conc_fail(id, "read %s: value of step %d is gone", key, s)
		   : 0;
}

static int mx_worker(int id)
{
	struct mx_model m = {{0}};
	char key[32], note[32], value[PR_VALUE_MAX + 1];

	for (int s = 0; s < MX_STEPS; s++) {
		int k, r;
		enum mx_kind kind = mx_op(id, s, &k);
		double t0 = peers_now_ms();

		snprintf(key, sizeof(key), "MX|%d|%d", id, k);
		snprintf(note, sizeof(note), "s%d", s);
		pr_make_value(value, key, note);
		if (kind == MX_INSERT)
			r = kvp_store_insert(conc_store, key, value);
		else if (kind == MX_APPEND)
			r = kvp_store_append(conc_store, key, value);
		else
			r = kvp_store_delete(conc_store, key);
		conc_timed(id, t0);
		if (r < 0)
			return conc_fail(id, "step %d on %s: %s", s, key,
					 kvp_error_last()->message);
		if (kind == MX_DELETE && r != (m.n[k] > 0))
			return conc_fail(
			    id, "delete %s returned %d with %d records", key, r,
			    m.n[k]);
		mx_apply(&m, kind, k, s);
		if (mx_read_check(id, &m, k, key))
			return 1;
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

size_t conc_mixed(enum conc_runner how)
{
	size_t checked;
	struct raw_pool p;
	size_t total = 0;

	conc_run(how, "mixed", mx_worker, CONC_WORKERS);
	raw_pool_load(kvp_store_path(conc_store), &p);
	for (int w = 0; w < CONC_WORKERS; w++) {
		struct mx_model m = {{0}};
		int k, found[MX_STEPS];

		for (int s = 0; s < MX_STEPS; s++) {
			enum mx_kind kind = mx_op(w, s, &k);
			mx_apply(&m, kind, k, s);
		}
		for (k = 0; k < MX_KEYS; k++) {
			char key[32];
			int n = 0;

			snprintf(key, sizeof(key), "MX|%d|%d", w, k);
			for (size_t i = 0; i < p.count; i++)
				if (strcmp(p.recs[i].key, key) == 0)
					cr_assert(n < MX_STEPS &&
						  sscanf(p.recs[i].note, "s%d",
							 &found[n++]) == 1);
			cr_assert_eq(n, m.n[k], "%s: %d records, expected %d",
				     key, n, m.n[k]);
			qsort(found, (size_t)n, sizeof(int), cmp_int);
			qsort(m.steps[k], (size_t)n, sizeof(int), cmp_int);
			for (int j = 0; j < n; j++)
				cr_assert_eq(found[j], m.steps[k][j],
					     "%s: records of the wrong steps",
					     key);
			total += (size_t)n;
		}
	}
	cr_assert_eq(p.count, total, "%zu records, expected %zu", p.count,
		     total);
	checked = p.count;
	raw_pool_free(&p);
	return checked;
}
