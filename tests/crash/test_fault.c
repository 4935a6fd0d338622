/* test_fault.c - crash tests at every write step, SQLite style: each
 * write operation of the store is run in tests/helpers/kvp_oneop with
 * fault_shim.so preloaded, once stopped at each of its write steps
 * (pwrite, ftruncate) and, inside each pwrite, at each page boundary
 * (nothing written, up to each boundary, all of it), as a SIGKILL there
 * would stop it; then once more with the stop beyond its last step, where
 * it must complete. After every stop the file is checked against the pool
 * before the operation (P) and after an unstopped run (Q), and again after
 * the test runs the next scanning writer, a delete of an absent key
 * (fault_check.c states the rules).
 *
 * The pool: 19 records of other writers (FOREIGN|n, one key twice, and
 * event records of prefix FLT) and of the operations (W|n, X|x, M|dup
 * three times), so that (with 4 KiB pages) slots 1, 3, 4, 6, 9, 11, 12, 14
 * cross a page (slot 3 at its value field's start; slots 1, 4, 6 ... inside
 * it). Each operation runs from it clean, and dirty: with the tombstones and
 * torn tail earlier kills leave (slot 11, which crosses a page, and the last
 * slot: the second FOREIGN|0 and FOREIGN|4 with key[0] NUL; then 1000
 * bytes of a record), which its repair and tombstone drop must handle.
 *
 * KVP_FAULT_QUICK=1 (set under valgrind): one cut per step (the first
 * page boundary, or the whole write), from the clean pool only.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "peer_record.h"
#include "test_util.h"

#define EV(t, id)   "FLT|session_open|sshd|20231114T22" t ".000Z|000000" id
#define STALE_MTIME 1000000000LL

static const char *const layout[][2] = {
    {"FOREIGN|0", "a"},
    {"W|1", "p"},
    {"W|2", "p"},
    {"X|a", "p"},
    {EV("1000", "04"), "e"},
    {"M|dup", "m1"},
    {EV("1100", "06"), "e"},
    {"FOREIGN|1", "f"},
    {"FOREIGN|2", "f"},
    {"M|dup", "m2"},
    {EV("1300", "0a"), "e"},
    {"FOREIGN|0", "b"},
    {"M|dup", "m3"},
    {"X|b", "p"},
    {EV("1200", "0e"), "e"},
    {"FOREIGN|3", "f"},
    {"X|c", "p"},
    {"W|3", "p"},
    {"FOREIGN|4", "f"},
};
#define LAYOUT_N   (sizeof(layout) / sizeof(*layout))
#define DIRTY_TORN 1000

static void make_record(unsigned char *rec, const char *key, const char *note)
{
	char value[PR_VALUE_MAX + 1];

	pr_make_value(value, key, note);
	pr_encode(rec, key, value);
}

static void plant(const struct fcase *c, const char *path)
{
	unsigned char *buf = calloc(LAYOUT_N + 1, RS);
	size_t len = LAYOUT_N * RS;

	cr_assert_not_null(buf);
	for (size_t i = 0; i < LAYOUT_N; i++)
		make_record(buf + i * RS, layout[i][0], layout[i][1]);
	if (c->dirty) {
		buf[11 * RS] = '\0';
		buf[(LAYOUT_N - 1) * RS] = '\0';
		make_record(buf + len, "Z|torn", "t");
		len += DIRTY_TORN;
	}
	tu_write_file(path, buf, len);
	if (c->op == F_CLEAR)
		tu_set_mtime(path, STALE_MTIME);
	free(buf);
}

static void restore(const struct fcase *c, const char *path,
		    const struct fimage *p)
{
	tu_write_file(path, p->raw, p->len);
	if (c->op == F_CLEAR)
		tu_set_mtime(path, STALE_MTIME);
}

/* What the unstopped run must have done (the store's semantics are the
 * unit tests' business; this only guards the oracle). */
static void check_oracle(const struct fcase *c, const struct fimage *p,
			 const struct fimage *q)
{
	size_t tombs = 0;

	cr_assert_eq(q->torn, 0, "%s: the completed run left a torn tail",
		     c->name);
	for (size_t i = 0; i < q->count; i++)
		tombs += frec(q, i)[0] == '\0';
	if (c->op == F_CLEAR)
		cr_assert_eq(q->len, 0);
	else if (c->op == F_APPEND || c->op == F_APPMUL)
		cr_assert(q->count > p->count &&
			  memcmp(q->raw, p->raw, p->count * RS) == 0);
	else
		cr_assert_eq(tombs, 0,
			     "%s: a scanning writer left %zu "
			     "tombstones",
			     c->name, tombs);
	for (size_t i = 0; c->op == F_INSERT && i < p->count; i++)
		if (frec_key_is(frec(p, i), c->touched[0],
				strlen(c->touched[0])))
			cr_assert(!fimage_count(q, frec(p, i)),
				  "%s: the old record is still there", c->name);
}

static void describe(char *buf, size_t size, const struct fcase *c, long at,
		     size_t n, const struct fstep *s, long cut, long long wrote)
{
	int k = snprintf(buf, size, "%s (%s pool), stopped at step %ld of %zu ",
			 c->name, c->dirty ? "dirty" : "clean", at, n);

	if (k < 0 || (size_t)k >= size)
		return;
	if (s->truncate)
		snprintf(buf + k, size - (size_t)k,
			 "(ftruncate to %lld bytes, %s)", s->off,
			 wrote ? "done" : "not done");
	else
		snprintf(buf + k, size - (size_t)k,
			 "(pwrite of %zu bytes at %lld, cut %ld: %lld bytes "
			 "written)",
			 s->len, s->off, cut, wrote);
}

/* Stop at step `at`, cut `cut`; check the file, run the scanning writer,
 * check again. */
static void one_stop(const struct fcase *c, struct tu_pool *pool,
		     const struct fimage *p, const struct fimage *q,
		     const struct fstep *steps, size_t n, long at, long cut,
		     struct fstats *st)
{
	struct fstep *again;
	struct fimage d, s;
	size_t n2;
	long long wrote;
	char where[256];
	int rc;

	restore(c, pool->path, p);
	rc = fault_run(c, pool->dir, pool->path, at, cut, &again, &n2, &wrote);
	describe(where, sizeof(where), c, at, n, &steps[at - 1], cut, wrote);
	cr_assert_eq(rc, 77, "%s: kvp_oneop exited %d", where, rc);
	cr_assert_eq(n2, (size_t)at, "%s: it made %zu steps", where, n2);
	for (size_t i = 0; i < n2; i++)
		cr_assert(again[i].truncate == steps[i].truncate &&
			      again[i].off == steps[i].off &&
			      again[i].len == steps[i].len,
			  "%s: step %zu differs from the unstopped run's",
			  where, i + 1);
	free(again);
	fimage_read(&d, pool->path);
	fault_check_stop(c, p, q, &d, where, st);
	cr_assert_geq(kvp_store_delete(pool->store, "ABSENT|scan"), 0, "%s",
		      kvp_error_last()->message);
	fimage_read(&s, pool->path);
	fault_check_scan(c, p, q, &d, &s, where, st);
	fimage_free(&d);
	fimage_free(&s);
}

static void run_from(struct fcase *c, bool dirty)
{
	bool quick = getenv("KVP_FAULT_QUICK") && *getenv("KVP_FAULT_QUICK") &&
		     strcmp(getenv("KVP_FAULT_QUICK"), "0") != 0;
	struct fstats st = {0};
	struct tu_pool pool;
	struct fimage p, q, done;
	struct fstep *steps, *none;
	size_t n, n2;
	long long wrote;

	if (dirty && quick)
		return;
	c->dirty = dirty;
	tu_pool_setup(&pool, KVP_MODE_SAFE);
	plant(c, pool.path);
	fimage_read(&p, pool.path);
	cr_assert_eq(
	    fault_run(c, pool.dir, pool.path, 0, 0, &steps, &n, &wrote), 0,
	    "%s: the unstopped run failed", c->name);
	fimage_read(&q, pool.path);
	check_oracle(c, &p, &q);
	for (size_t at = 1; at <= n; at++) {
		long cuts = fstep_cuts(&steps[at - 1]);
		for (long cut = quick ? 1 : 0; cut < cuts; cut++)
			one_stop(c, &pool, &p, &q, steps, n, (long)at, cut,
				 &st);
	}
	/* A stop beyond the last step: the operation completes. */
	restore(c, pool.path, &p);
	cr_assert_eq(fault_run(c, pool.dir, pool.path, (long)n + 1, 0, &none,
			       &n2, &wrote),
		     0, "%s: not complete after %zu steps", c->name, n);
	fimage_read(&done, pool.path);
	cr_assert(n2 == n && fimage_eq(&done, &q));
	fprintf(stderr,
		"fault %-20s %s: %2zu steps, %3zu stops (%zu left the file "
		"as it was); seen: %zu tombstones, %zu backups, %zu torn "
		"tails, %zu duplicates; after the scanning writer (%zu "
		"tombstones dropped): %zu old, %zu new, %zu partial, %zu "
		"backup\n",
		c->name, dirty ? "dirty" : "clean", n, st.points, st.untouched,
		st.tombstones, st.backups, st.torn, st.dups, st.scan_dropped,
		st.after_old, st.after_new, st.after_partial, st.after_backup);
	free(steps);
	free(none);
	fimage_free(&p);
	fimage_free(&q);
	fimage_free(&done);
	tu_pool_teardown(&pool);
}

static void run_both(struct fcase *c)
{
	run_from(c, false);
	run_from(c, true);
}

static char v_w1[PR_VALUE_MAX + 1], v_w2[PR_VALUE_MAX + 1],
    v_n[PR_VALUE_MAX + 1], v_a[PR_VALUE_MAX + 1], v_b[3][PR_VALUE_MAX + 1],
    v_l[4][PR_VALUE_MAX + 1];

static void values(void)
{
	pr_make_value(v_w1, "W|1", "new");
	pr_make_value(v_w2, "W|2", "new");
	pr_make_value(v_n, "N|1", "new");
	pr_make_value(v_a, "A|1", "new");
	for (int i = 0; i < 3; i++) {
		char key[16];
		snprintf(key, sizeof(key), "B|%d", i);
		pr_make_value(v_b[i], key, "new");
	}
	pr_make_value(v_l[0], "L|0", "load");
	pr_make_value(v_l[1], "W|1", "load");
	pr_make_value(v_l[2], "FOREIGN|0", "load");
	pr_make_value(v_l[3], "L|1", "load");
}

TestSuite(fault, .init = values, .timeout = 240);

Test(fault, insert_existing_crossing)
{
	struct fcase c = {"insert W|1 (crossing)", F_INSERT,
			  .args = {"insert", "W|1", v_w1}, .touched = {"W|1"}};
	run_both(&c);
}

Test(fault, insert_existing_within_page)
{
	struct fcase c = {"insert W|2 (in-page)", F_INSERT,
			  .args = {"insert", "W|2", v_w2}, .touched = {"W|2"}};
	run_both(&c);
}

Test(fault, insert_new_key)
{
	struct fcase c = {"insert N|1 (new)", F_INSERT,
			  .args = {"insert", "N|1", v_n}, .touched = {"N|1"}};
	run_both(&c);
}

Test(fault, delete_crossing)
{
	struct fcase c = {"delete W|1", F_DELETE, .args = {"delete", "W|1"},
			  .touched = {"W|1"}};
	run_both(&c);
}

Test(fault, delete_several)
{
	struct fcase c = {"delete M|dup (x3)", F_DELETE, .partial = true,
			  .args = {"delete", "M|dup"}, .touched = {"M|dup"}};
	run_both(&c);
}

Test(fault, delete_multiple)
{
	struct fcase c = {"delete_multiple X|*", F_DELMUL, .partial = true,
			  .args = {"delmul", "X|a", "X|b", "X|c", "NOPE|0"},
			  .touched = {"X|a", "X|b", "X|c", "NOPE|0"}};
	run_both(&c);
}

/* Slots 1, 2, 3 refilled: one run of holes (slot 2 within a page, 1 and 3
 * crossing one), written with three writes in all. */
Test(fault, delete_multiple_neighbours)
{
	struct fcase c = {"delete_multiple W|1 W|2 X|a", F_DELMUL,
			  .partial = true,
			  .args = {"delmul", "W|1", "W|2", "X|a"},
			  .touched = {"W|1", "W|2", "X|a"}};
	run_both(&c);
}

Test(fault, append)
{
	struct fcase c = {"append A|1", F_APPEND,
			  .args = {"append", "A|1", v_a}, .touched = {"A|1"}};
	run_both(&c);
}

Test(fault, append_multiple)
{
	struct fcase c = {
	    "append_multiple B|*", F_APPMUL,
	    .args = {"appmul", "B|0", v_b[0], "B|1", v_b[1], "B|2", v_b[2]},
	    .touched = {"B|0", "B|1", "B|2"}};
	run_both(&c);
}

Test(fault, load)
{
	struct fcase c = {"load (4 records)", F_LOAD,
			  .args = {"load", "L|0", v_l[0], "W|1", v_l[1],
				   "FOREIGN|0", v_l[2], "L|1", v_l[3]}};
	run_both(&c);
}

Test(fault, event_with_eviction)
{
	struct fcase c = {"event FLT (evicts 2)", F_EVENT, .partial = true,
			  .args = {"event", "FLT", "3"}, .prefix = "FLT"};
	run_both(&c);
}

Test(fault, clear_if_stale)
{
	struct fcase c = {"clear_if_stale", F_CLEAR,
			  .args = {"clear_if_stale"}};
	run_both(&c);
}
