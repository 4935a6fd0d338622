/* conc_check.c - the final check of the interop concurrency scenario (see
 * conc_model.h and test_hv_kvp_daemon_concurrency.c).
 *
 * Each writer key belongs to one writer thread, whose calls on it are
 * ordered; each call leaves a state that does not depend on the one
 * before (insert and append: present with this call's value, delete:
 * absent). When a call lands in one of the daemon's unlocked gaps between
 * reading the pool and rewriting it, the rewrite puts back the state from
 * before the gap. So the key must be in the state its last call left, or
 * in the state of some earlier call with every later call overlapping a
 * logged gap.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conc_model.h"
#include "peer_record.h"

struct state {
	bool present;
	char note[16];
};

const char *conc_note_of(const kvp_record *r, char *note, size_t cap)
{
	return pr_value_ok(r->key, r->key_len, r->value, r->value_len, note,
			   cap)
		   ? note
		   : NULL;
}

static const kvp_record *find(const kvp_record_list *l, const char *key)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->records[i].key, key) == 0)
			return &l->records[i];
	return NULL;
}

static int64_t ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static bool in_a_gap(const struct op *op, const struct hv_window *w, size_t nw)
{
	for (size_t i = 0; i < nw; i++)
		if (op->t0 <= ns(w[i].lock_grant) &&
		    op->t1 >= ns(w[i].read_end))
			return true;
	return false;
}

static bool touches(const struct op *op, const char *key)
{
	return op->kind &&
	       (strcmp(op->key[0], key) == 0 ||
		(op->kind == OP_BATCH && strcmp(op->key[1], key) == 0));
}

static bool same(const struct state *a, const struct state *b)
{
	return a->present == b->present &&
	       (!a->present || strcmp(a->note, b->note) == 0);
}

/* Check one writer key; returns whether it is present. */
static bool check_key(const struct op *ops, const char *key,
		      const kvp_record_list *dump, const struct hv_window *win,
		      size_t nw, struct conc_stats *st)
{
	struct state states[OPS + 1] = {{false, ""}}, actual = {false, ""};
	int seqs[OPS + 1], n = 0, j;
	const kvp_record *rec = find(dump, key);

	for (int seq = 0; seq < OPS; seq++) {
		if (!touches(&ops[seq], key))
			continue;
		n++;
		seqs[n] = seq;
		states[n].present = ops[seq].kind != OP_DELETE;
		snprintf(states[n].note, sizeof(states[n].note), "s%d", seq);
	}
	if (rec) {
		actual.present = true;
		cr_assert_not_null(
		    conc_note_of(rec, actual.note, sizeof(actual.note)),
		    "%s: torn value", key);
	}
	for (j = n; j >= 0 && !same(&states[j], &actual); j--)
		;
	cr_assert(j >= 0, "%s: %s%s is no state its writer left", key,
		  actual.present ? "present with " : "absent", actual.note);
	for (int m = j + 1; m <= n; m++)
		cr_assert(in_a_gap(&ops[seqs[m]], win, nw),
			  "%s: call s%d was lost (key %s%s) and it overlaps "
			  "none of the daemon's %zu rewrite gaps",
			  key, seqs[m], actual.present ? "holds " : "absent",
			  actual.note, nw);
	if (j < n) {
		st->undone_calls += (size_t)(n - j);
		st->affected_keys++;
	}
	return actual.present;
}

static size_t check_writer(const struct op *ops, const kvp_record_list *dump,
			   const struct hv_window *win, size_t nw,
			   struct conc_stats *st)
{
	size_t present = 0;

	for (int seq = 0; seq < OPS; seq++) {
		for (int k = 0; k < (ops[seq].kind == OP_BATCH ? 2 : 1); k++) {
			const char *key = ops[seq].key[k];
			bool first = true;

			for (int e = 0; e < seq && first; e++)
				first = !touches(&ops[e], key);
			if (ops[seq].kind && first)
				present +=
				    check_key(ops, key, dump, win, nw, st);
		}
	}
	return present;
}

void conc_check_final(struct hv_daemon *d, kvp_store *s,
		      const struct shared *sh, const int model[HKEYS],
		      struct conc_stats *st)
{
	kvp_record_list dump, view;
	size_t nw, explained = 0;
	struct hv_window *win = hv_windows(d, &nw);
	char key[KEY_MAX], note[16], want[16];

	cr_assert_eq(kvp_store_dump(s, &dump), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(dump.torn_bytes, 0);
	hv_enumerate_all(d, 0, &view);
	hv_assert_same_records(&view, &dump,
			       "daemon enumerate vs kvp_store_dump");
	for (size_t i = 0; i < dump.count; i++) {
		cr_assert_not_null(
		    conc_note_of(&dump.records[i], note, sizeof(note)),
		    "record %zu (%.60s) is torn", i, dump.records[i].key);
		for (size_t k = 0; k < i; k++)
			cr_assert_str_neq(dump.records[k].key,
					  dump.records[i].key,
					  "records %zu and %zu", k, i);
	}
	for (int k = 0; k < HKEYS; k++) {
		const kvp_record *rec;

		snprintf(key, sizeof(key), "host|%d", k);
		rec = find(&dump, key);
		if (model[k] < 0) {
			cr_assert_null(rec, "%s was deleted by the host", key);
			continue;
		}
		cr_assert_not_null(rec, "%s (SET in round %d) is lost", key,
				   model[k]);
		snprintf(want, sizeof(want), "r%d", model[k]);
		conc_note_of(rec, note, sizeof(note));
		cr_assert_str_eq(note, want, "%s", key);
		explained++;
	}
	for (int w = 0; w < WRITERS; w++)
		explained += check_writer(sh->ops[w], &dump, win, nw, st);
	cr_assert_eq(explained, dump.count,
		     "%zu records that neither the host nor a writer wrote",
		     dump.count - explained);
	st->records = dump.count;
	st->windows = nw;
	kvp_record_list_free(&view);
	kvp_record_list_free(&dump);
	free(win);
}
