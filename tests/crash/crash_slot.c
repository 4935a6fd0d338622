/* crash_slot.c - records of the pool after a kill that are not whole
 * records of their own, read byte for byte: tombstones, which the killed
 * op may leave, and mixed records, which nothing may leave.
 *
 * pool_txn_commit() rewrites a slot that crosses a page boundary (an
 * insert's new value whose field crosses one, or a lone record moved into
 * a swap-remove's hole) in three writes: the new record with key[0] and
 * value[0] NUL, then value[0], then key[0]; and a run of neighbouring
 * holes the same way, each of the three writes covering the whole run.
 * The kernel copies a write into the page cache one page at a time and
 * stops between two when SIGKILL is pending, so a kill leaves each slot as
 * its old record, its new one, or a tombstone whose bytes 1.. are the new
 * record's up to a cut - the page boundary inside the slot, or the slot's
 * end - and the old record's after it, with value[0] NUL unless the whole
 * first write was done (for a run: the first write reached past it). A
 * tombstone is "explained" when all of this holds:
 *   - the killed op rewrites slots (insert, delete, delete_multiple,
 *     kvp_event_record past its fast path);
 *   - the cut is the page boundary inside the slot (at byte `split` of
 *     the record), or the slot's end; a slot within a page is a tombstone
 *     only as part of a run of holes, so only with the whole record
 *     moved there before its end;
 *   - before the cut: the start of a record that op was writing there -
 *     a whole record at a later slot (the moved record, still there as
 *     the truncate never came) or the insert's new record;
 *   - after the cut (if before the end): the end of a record the slot
 *     held - one of the pool before the round (that slot's first, which
 *     may be an older tombstone) or one written by a completed op (or,
 *     for an event record written this round, which the test cannot
 *     rebuild byte for byte, the end of a JSON value and its padding; or
 *     only NUL bytes, the padding after any value that ends before them).
 * A mixed record - the first bytes of one record and the last of another
 * under a non-empty key, what an in-place write without those NULs left -
 * is described the same way (crash_explain_bad), and fails the test.
 *
 * crash_check_tombstones() applies the rest of the rules on tombstones:
 * one in the pool after the kill is B's, byte for byte at its slot (and
 * then no completed op may have scanned the pool), or one the in-flight
 * op was rewriting (explained as above; all of these are neighbours, the
 * part of one run of holes, or the one slot, that its cut write had
 * reached); its value is empty or the whole value of a record of B or of
 * the round; and one of B's may be gone only if an op that scans ran. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crash.h"

#define FAIL crash_fail

#define VAL0 KVP_KEY_FIELD_SIZE /* value[0]'s byte in the record */

/* rec[from, cut) is cand's; value[0] may be NUL instead (`nul_value`:
 * must be, unless the cut is the record's end). */
static bool head_is(const unsigned char *rec, const unsigned char *cand,
		    size_t from, size_t cut, bool nul_value)
{
	for (size_t p = from; p < cut; p++) {
		if (nul_value && p == VAL0) {
			if (rec[p] != '\0' &&
			    (cut != KVP_RECORD_SIZE || rec[p] != cand[p]))
				return false;
		} else if (rec[p] != cand[p]) {
			return false;
		}
	}
	return true;
}

static bool tail_is(const unsigned char *rec, const unsigned char *cand,
		    size_t split)
{
	return memcmp(rec + split, cand + split, KVP_RECORD_SIZE - split) == 0;
}

/* The start of which record that op may have been writing? */
static const char *find_head(const struct crash_round *r, size_t slot,
			     const unsigned char *rec, size_t from, size_t cut,
			     bool tomb, bool moved_only, char *key, size_t size)
{
	const struct crash_snap *a = r->after;
	const struct crash_op *f = r->log->inflight;
	unsigned char cand[KVP_RECORD_SIZE];

	if (f->kind == OP_INS && !moved_only) {
		crash_expected_record(cand, f->key, f->seq);
		if (head_is(rec, cand, from, cut, tomb)) {
			snprintf(key, size, "%s", f->key);
			return "the insert's new record";
		}
	}
	for (size_t j = slot + 1; j < a->count; j++) {
		if (a->recs[j].cls != REC_BAD && a->recs[j].cls != REC_TOMB &&
		    head_is(rec, a->raw + j * KVP_RECORD_SIZE, from, cut,
			    tomb)) {
			snprintf(key, size, "%s", a->recs[j].key);
			return "the record being moved there (still whole at "
			       "a later slot)";
		}
	}
	return NULL;
}

/* A record a completed op of this round wrote, rebuilt: any match? */
static bool tail_of_completed(const struct crash_round *r,
			      const unsigned char *rec, size_t split, char *key,
			      size_t size)
{
	unsigned char cand[KVP_RECORD_SIZE];
	char k[96];

	for (size_t i = 0; i < r->log->completed; i++) {
		const struct crash_op *op = &r->log->ops[i];
		long n = op->kind == OP_MUL ? op->n : 1;

		if (op->kind == OP_DEL || op->kind == OP_DMUL ||
		    op->kind == OP_EV)
			continue;
		for (long j = 0; j < n; j++) {
			if (op->kind == OP_MUL)
				snprintf(k, sizeof(k), "%s|%ld", op->key, j);
			else
				snprintf(k, sizeof(k), "%s", op->key);
			crash_expected_record(cand, k, op->seq);
			if (tail_is(rec, cand, split)) {
				snprintf(key, size, "%s", k);
				return true;
			}
		}
	}
	return false;
}

/* The end of an event value: JSON text up to its closing brace, then
 * only NULs to the end of the field. */
static bool tail_of_event(const unsigned char *rec, size_t split)
{
	size_t end = KVP_RECORD_SIZE;

	if (split < KVP_KEY_FIELD_SIZE)
		return false;
	while (end > split && rec[end - 1] == '\0')
		end--;
	if (end == split || rec[end - 1] != '}')
		return false;
	return memchr(rec + split, '\0', end - split) == NULL;
}

static bool all_nul(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == '\0' && memcmp(p, p + 1, n - 1) == 0);
}

static const char *find_tail(const struct crash_round *r, size_t slot,
			     const unsigned char *rec, size_t split, char *key,
			     size_t size)
{
	const struct crash_snap *b = r->before;

	if (split == KVP_RECORD_SIZE) {
		snprintf(key, size, "(none)");
		return "nothing: the whole first write was done";
	}
	/* Padding matches the end of any short value: say so, name none. */
	if (all_nul(rec + split, KVP_RECORD_SIZE - split)) {
		snprintf(key, size, "(any)");
		return "a record whose value ends before that byte (all NUL)";
	}
	if (slot < b->count &&
	    tail_is(rec, b->raw + slot * KVP_RECORD_SIZE, split)) {
		snprintf(key, size, "%s", b->recs[slot].key);
		return "the record this slot held before the round";
	}
	if (tail_of_completed(r, rec, split, key, size))
		return "a record written earlier in the round";
	for (size_t j = 0; j < b->count; j++) {
		if (tail_is(rec, b->raw + j * KVP_RECORD_SIZE, split)) {
			snprintf(key, size, "%s", b->recs[j].key);
			return "a record of the pool before the round";
		}
	}
	if (r->log->inflight->kind == OP_EV && tail_of_event(rec, split)) {
		snprintf(key, size, "CRASH|...");
		return "an event record written earlier in the round (end of "
		       "its JSON value and padding)";
	}
	return NULL;
}

/* Try one cut of the slot's bytes: a line saying whose bytes are where.
 * `moved_only`: the bytes before the cut may only be a moved record's. */
static bool explain_cut(const struct crash_round *r, size_t slot, size_t cut,
			bool tomb, bool moved_only, char *buf, size_t size)
{
	const struct crash_op *f = r->log->inflight;
	size_t off = slot * KVP_RECORD_SIZE;
	const unsigned char *rec = r->after->raw + off;
	char head_key[96], tail_key[96];
	const char *head, *tail;

	head = find_head(r, slot, rec, tomb ? 1 : 0, cut, tomb, moved_only,
			 head_key, sizeof(head_key));
	tail = head ? find_tail(r, slot, rec, cut, tail_key, sizeof(tail_key))
		    : NULL;
	if (!tail)
		return false;
	snprintf(buf, size,
		 "round %d (%s), killed in op %ld %s %s: record %zu (file "
		 "bytes %zu..%zu) is %s cut %zu bytes into the record (file "
		 "byte %zu): bytes %s..%zu are %s '%s', bytes %zu..2559 are "
		 "the end of %s '%s'",
		 r->round, r->mode, f->seq, crash_op_name(f->kind), f->key,
		 slot, off, off + KVP_RECORD_SIZE - 1,
		 tomb ? "a tombstone (key[0] NUL)" : "a MIXED RECORD", cut,
		 off + cut, tomb ? "1" : "0", cut - 1, head, head_key, cut,
		 tail, tail_key);
	return true;
}

static bool explain(const struct crash_round *r, size_t slot, bool tomb,
		    char *buf, size_t size)
{
	const struct crash_op *f = r->log->inflight;
	size_t off = slot * KVP_RECORD_SIZE;
	long n = sysconf(_SC_PAGESIZE);
	size_t page = n > 0 ? (size_t)n : 4096;
	size_t split = (off / page + 1) * page - off;

	if (!f || !crash_op_moves(f))
		return false;
	/* Within a page: a tombstone only as one of a run of holes. */
	if (split >= KVP_RECORD_SIZE)
		return tomb && explain_cut(r, slot, KVP_RECORD_SIZE, tomb, true,
					   buf, size);
	if (explain_cut(r, slot, split, tomb, false, buf, size))
		return true;
	return tomb &&
	       explain_cut(r, slot, KVP_RECORD_SIZE, tomb, false, buf, size);
}

bool crash_explain_tombstone(const struct crash_round *r, size_t slot,
			     char *buf, size_t size)
{
	return explain(r, slot, true, buf, size);
}

bool crash_explain_bad(const struct crash_round *r, size_t slot, char *buf,
		       size_t size)
{
	return explain(r, slot, false, buf, size);
}

/* Whether a tombstone's value is empty or that of a record the pool held
 * before the round (whole, or as a tombstone's value) or one written in
 * it. */
static bool owner_known(const struct crash_round *r, const struct crash_rec *t)
{
	const struct crash_snap *b = r->before;
	long idx;

	if (t->owner_cls == REC_BAD)
		return true; /* an empty value */
	for (size_t i = 0; i < b->count; i++) {
		const struct crash_rec *o = &b->recs[i];
		enum rec_class cls = o->cls == REC_TOMB ? o->owner_cls : o->cls;
		const char *k = o->cls == REC_TOMB ? o->owner : o->key;
		if (cls == t->owner_cls && o->seq == t->seq &&
		    (cls == REC_CRASH || strcmp(k, t->owner) == 0))
			return true;
	}
	for (size_t i = 0; i < r->log->n; i++) {
		const struct crash_op *op = &r->log->ops[i];
		if (op->seq != t->seq || op->kind == OP_DEL ||
		    op->kind == OP_DMUL)
			continue;
		if (t->owner_cls == REC_CRASH
			? op->kind == OP_EV
			: crash_op_touches(op, t->owner, &idx))
			return true;
	}
	return false;
}

void crash_check_tombstones(struct crash_round *r)
{
	const struct crash_snap *a = r->after, *b = r->before;
	const struct crash_op *f = r->log->inflight;
	bool scanned = false;
	size_t fresh = 0, last_fresh = 0;
	char why[1024];

	for (size_t i = 0; i < r->log->completed; i++)
		scanned |= crash_op_scans(&r->log->ops[i]);
	for (size_t i = 0; i < a->count; i++) {
		const struct crash_rec *t = &a->recs[i];
		bool old =
		    i < b->count && b->recs[i].cls == REC_TOMB &&
		    memcmp(a->raw + i * KVP_RECORD_SIZE,
			   b->raw + i * KVP_RECORD_SIZE, KVP_RECORD_SIZE) == 0;

		if (t->cls != REC_TOMB)
			continue;
		if (!owner_known(r, t))
			FAIL(r,
			     "the tombstone at slot %zu holds the value of "
			     "%s s%ld, which no record had",
			     i, t->owner, t->seq);
		if (old && scanned)
			FAIL(r,
			     "the tombstone at slot %zu survived a writer "
			     "that scans the pool",
			     i);
		if (old) {
			r->old_tombs++;
			continue;
		}
		if (fresh++ && i != last_fresh + 1)
			FAIL(r,
			     "new tombstones at slots %zu and %zu: not "
			     "neighbours (one run of holes being rewritten)",
			     last_fresh, i);
		last_fresh = i;
		if (!crash_explain_tombstone(r, i, why, sizeof(why))) {
			crash_rec_describe(a, i, why, sizeof(why));
			FAIL(r, "unexplained tombstone: %s", why);
		}
		r->tombstones++;
	}
	for (size_t i = 0; i < b->count; i++) {
		bool kept = i < a->count && memcmp(a->raw + i * KVP_RECORD_SIZE,
						   b->raw + i * KVP_RECORD_SIZE,
						   KVP_RECORD_SIZE) == 0;
		if (b->recs[i].cls != REC_TOMB || kept)
			continue;
		if (!scanned && !crash_op_scans(f))
			FAIL(r,
			     "the tombstone at slot %zu is gone, but no op "
			     "scanned the pool",
			     i);
		r->tombs_dropped++;
	}
}
