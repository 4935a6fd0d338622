/* crash_check.c - what must hold after a writer was killed, given the
 * pool before it started (B) and its log: ops 1..c returned ("completed"),
 * op c+1 may have begun (the "in-flight" op F). For every key, S is B's
 * records of the key with the completed ops applied (insert: exactly
 * [its value]; delete, delete_multiple: none; append, append_multiple,
 * insert of a new key: the new record once). The pool after (D) holds,
 * per key:
 *   - untouched by F: exactly S; if F rewrites slots (insert, delete,
 *     delete_multiple, event past its fast path, all of which first
 *     swap-remove the tombstones they find) each record of S once or
 *     twice (a record moved into a hole is still at the end until the
 *     truncate) and nothing else;
 *   - F = insert: records whose values are in S or F's value, each of S
 *     at most twice, F's at most twice (in its slot, and the backup copy
 *     written at the end before a value rewrite that crosses a page), and
 *     at least one if S had one (the slot being rewritten reads as a
 *     tombstone only while the backup is there);
 *   - F = delete / delete_multiple: a sub-multiset of S;
 *   - F = append / insert of a new key: nothing or F's record;
 *   - F = append_multiple: records 0..j-1 of the batch for some j.
 * Tombstones (empty key): each one is B's, byte for byte at its slot -
 * only if no completed op scanned the pool - or one F was rewriting: one
 * slot that crosses a page, or neighbouring slots of one run of holes,
 * each made of the record F was writing there up to the page boundary (or
 * all of it) and the slot's old record after it (crash_slot.c proves
 * whose bytes are where); its value is empty or the whole value of a
 * record of B or of this round. A B tombstone may be gone only if an op
 * that scans ran.
 * Event records (CRASH|..., keys not known in advance): each comes from B
 * or an event op of this round, copies identical and at most twice B's
 * (once for a new one); one of B or of a completed event op may be absent
 * only if an event op ran and D holds at least max_records-1 newer ones
 * (eviction removes the oldest first); after a completed event op (and
 * no slot-rewriting F) there are at most max_records of them.
 * A partial last record is allowed only when F appends (or writes an
 * insert's backup), and its bytes must be the start of that record. Every
 * FOREIGN record is present. No other record may be damaged: the caller
 * fails the round on any that is not whole (a mixed record, an empty
 * value under a key). "Completed" means the writer logged the call's
 * return; as the kill may land between a return and its log line, F's
 * effect may be complete. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "peer_record.h"

struct seqs {
	long *v;
	size_t n;
};

static void describe(const struct crash_round *r, char *buf, size_t size)
{
	const struct crash_op *f = r->log->inflight;

	if (f)
		snprintf(buf, size,
			 "round %d (%s), %zu ops completed, killed in op %ld "
			 "%s %s %ld",
			 r->round, r->mode, r->log->completed, f->seq,
			 crash_op_name(f->kind), f->key, f->n);
	else
		snprintf(buf, size,
			 "round %d (%s), %zu ops completed, killed between "
			 "ops",
			 r->round, r->mode, r->log->completed);
}

void crash_fail(const struct crash_round *r, const char *fmt, ...)
{
	char ctx[256], msg[1536];
	va_list ap;

	describe(r, ctx, sizeof(ctx));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cr_assert_fail("%s: %s", ctx, msg);
	abort(); /* not reached */
}

#define FAIL crash_fail

static struct seqs seqs_of(const struct crash_snap *snap, const char *key,
			   size_t extra)
{
	struct crash_rec *const *first;
	size_t n = crash_snap_find(snap, key, &first);
	struct seqs s = {calloc(n + extra + 1, sizeof(long)), n};

	cr_assert_not_null(s.v);
	for (size_t i = 0; i < n; i++)
		s.v[i] = first[i]->seq;
	return s;
}

static size_t count_of(const struct seqs *s, long v)
{
	size_t c = 0;

	for (size_t i = 0; i < s->n; i++)
		c += s->v[i] == v;
	return c;
}

/* S: B's records of `key` with the completed ops applied. */
static struct seqs replay(const struct crash_round *r, const char *key)
{
	struct seqs s = seqs_of(r->before, key, 1);
	long idx;

	for (size_t i = 0; i < r->log->completed; i++) {
		const struct crash_op *op = &r->log->ops[i];

		if (!crash_op_touches(op, key, &idx))
			continue;
		if (op->kind == OP_DEL || op->kind == OP_DMUL) {
			s.n = 0;
		} else if (op->kind == OP_INS) {
			s.n = 0;
			s.v[s.n++] = op->seq;
		} else {
			if (s.n)
				FAIL(r,
				     "op %ld wrote new key %s, which "
				     "existed",
				     op->seq, key);
			s.v[s.n++] = op->seq;
		}
	}
	return s;
}

/* The last whole record of the pool after the kill. */
static const struct crash_rec *last_record(const struct crash_snap *a)
{
	return a->count ? &a->recs[a->count - 1] : NULL;
}

/* F = insert of `key`: S's records (each at most twice: a tombstone drop
 * may have moved one), F's record at most twice (its slot and the
 * backup), and never none when S had one. */
static void check_insert(struct crash_round *r, const char *key,
			 const struct crash_op *f, const struct seqs *s,
			 const struct seqs *d)
{
	const struct crash_rec *last = last_record(r->after);
	size_t mine = count_of(d, f->seq);

	for (size_t i = 0; i < d->n; i++)
		if (d->v[i] != f->seq &&
		    count_of(d, d->v[i]) > 2 * count_of(s, d->v[i]))
			FAIL(r, "%s: s%ld has %zu copies, had %zu", key,
			     d->v[i], count_of(d, d->v[i]),
			     count_of(s, d->v[i]));
	if (mine > 2)
		FAIL(r, "%s: the insert's record is there %zu times", key,
		     mine);
	if (s->n && !d->n)
		FAIL(r, "%s: insert lost the key's record", key);
	/* The backup: the new record last, and the key's slot not (yet)
	 * holding it alone. */
	if (s->n && mine && last && last->cls == REC_W &&
	    strcmp(last->key, key) == 0 && last->seq == f->seq &&
	    (mine == 2 || d->n > 1 || r->after->n_tomb > r->old_tombs))
		r->backups++;
}

static void check_inflight(struct crash_round *r, const char *key,
			   const struct crash_op *f, const struct seqs *s,
			   const struct seqs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		long v = d->v[i];
		bool mine = v == f->seq;

		if (f->kind == OP_DEL || f->kind == OP_DMUL) {
			if (count_of(d, v) > count_of(s, v))
				FAIL(r, "%s: s%ld has %zu copies, had %zu", key,
				     v, count_of(d, v), count_of(s, v));
		} else if (!mine && !count_of(s, v)) {
			FAIL(r, "%s: record of op %ld appeared", key, v);
		}
	}
	switch (f->kind) {
	case OP_INS: check_insert(r, key, f, s, d); break;
	case OP_INSNEW:
	case OP_APP:
	case OP_MUL:
		if (s->n || d->n > 1)
			FAIL(r, "%s: new key has %zu records (%zu before)", key,
			     d->n, s->n);
		break;
	default: break;
	}
}

/* F swap-removes but not this key: each record of S once or twice. */
static void check_moved(struct crash_round *r, const char *key,
			const struct seqs *s, const struct seqs *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (!count_of(s, d->v[i]))
			FAIL(r, "%s: record of op %ld appeared", key, d->v[i]);
	for (size_t i = 0; i < s->n; i++) {
		size_t cs = count_of(s, s->v[i]), cd = count_of(d, s->v[i]);
		if (cd < cs || cd > 2 * cs)
			FAIL(r,
			     "%s: s%ld has %zu copies, expected %zu (or a "
			     "moved second copy)",
			     key, s->v[i], cd, cs);
	}
	r->dup_records += d->n - s->n;
}

static void check_same(struct crash_round *r, const char *key,
		       const struct seqs *s, const struct seqs *d)
{
	if (d->n != s->n)
		FAIL(r, "%s: %zu records, expected %zu", key, d->n, s->n);
	for (size_t i = 0; i < s->n; i++)
		if (count_of(d, s->v[i]) != count_of(s, s->v[i]))
			FAIL(r, "%s: expected the record of op %ld", key,
			     s->v[i]);
}

static void check_key(struct crash_round *r, const char *key)
{
	const struct crash_op *f = r->log->inflight;
	struct seqs s = replay(r, key), d = seqs_of(r->after, key, 0);
	long idx;

	if (f && crash_op_touches(f, key, &idx))
		check_inflight(r, key, f, &s, &d);
	else if (crash_op_moves(f))
		check_moved(r, key, &s, &d);
	else
		check_same(r, key, &s, &d);
	free(s.v);
	free(d.v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every key of B, D and the log's operations (event keys aside). */
static void check_keys(struct crash_round *r)
{
	const struct crash_snap *snaps[2] = {r->before, r->after};
	size_t cap = r->before->count + r->after->count + 16, n = 0;
	char **keys = malloc(cap * sizeof(*keys));

	cr_assert_not_null(keys);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < snaps[k]->count; i++)
			if (snaps[k]->recs[i].cls != REC_CRASH &&
			    snaps[k]->recs[i].cls != REC_BAD)
				keys[n++] = strdup(snaps[k]->recs[i].key);
	for (size_t i = 0; i < r->log->n; i++) {
		const struct crash_op *op = &r->log->ops[i];
		long count = op->kind == OP_MUL || op->kind == OP_DMUL ? op->n
			     : op->kind == OP_EV		       ? 0
								       : 1;
		for (long j = 0; j < count; j++) {
			if (n == cap) {
				keys =
				    realloc(keys, (cap *= 2) * sizeof(*keys));
				cr_assert_not_null(keys);
			}
			if (op->kind == OP_MUL || op->kind == OP_DMUL)
				cr_assert(asprintf(&keys[n++], "%s|%ld",
						   op->key, j) > 0);
			else
				keys[n++] = strdup(op->key);
		}
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(keys[i], keys[i - 1]) != 0)
			check_key(r, keys[i]);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

static size_t slot_of(const struct crash_snap *snap, const char *key)
{
	struct crash_rec *const *first;

	return crash_snap_find(snap, key, &first) ? first[0]->slot : SIZE_MAX;
}

/* A batch is a run of adjacent records in order: a prefix when it was
 * cut short, all of it when done and nothing moved records since. */
static void check_batches(struct crash_round *r)
{
	bool moved_later = false;
	char key[96];

	for (size_t i = r->log->n; i-- > 0;) {
		const struct crash_op *op = &r->log->ops[i];
		size_t first = SIZE_MAX;
		bool gap = false;

		if (op->kind == OP_MUL && !moved_later) {
			for (long j = 0; j < op->n; j++) {
				size_t slot;
				snprintf(key, sizeof(key), "%s|%ld", op->key,
					 j);
				slot = slot_of(r->after, key);
				if (j == 0)
					first = slot;
				if (slot == SIZE_MAX) {
					gap = true;
				} else if (gap || slot != first + (size_t)j) {
					FAIL(r,
					     "batch %s: record %ld at slot "
					     "%zu, not after record 0 at %zu",
					     op->key, j, slot, first);
				}
			}
			if (gap && op->done && first != SIZE_MAX)
				FAIL(r, "batch %s is incomplete", op->key);
		}
		moved_later |= crash_op_moves(op);
	}
}

/* A partial last record: the start of the record F was appending. */
static void check_torn(struct crash_round *r)
{
	const struct crash_snap *a = r->after, *b = r->before;
	const struct crash_op *f = r->log->inflight;
	unsigned char want[KVP_RECORD_SIZE];
	const unsigned char *tail = a->raw + a->count * KVP_RECORD_SIZE;
	size_t cmp = a->torn;
	char key[96];

	if (!a->torn || (a->raw_len == b->raw_len &&
			 memcmp(a->raw, b->raw, a->raw_len) == 0))
		return; /* none, or B's own that no op reached */
	if (!f)
		FAIL(r, "%zu torn bytes, but no op was cut short", a->torn);
	switch (f->kind) {
	case OP_APP:
	case OP_INSNEW:
	case OP_INS: crash_expected_record(want, f->key, f->seq); break;
	case OP_MUL: {
		long j = 0;
		struct crash_rec *const *first;
		do
			snprintf(key, sizeof(key), "%s|%ld", f->key, j++);
		while (crash_snap_find(a, key, &first));
		crash_expected_record(want, key, f->seq);
		break;
	}
	case OP_EV:
		cmp = (size_t)snprintf((char *)want, sizeof(want),
				       "CRASH|session_open|s%ld|", f->seq);
		cmp = cmp < a->torn ? cmp : a->torn;
		break;
	default: FAIL(r, "%zu torn bytes after a non-appending op", a->torn);
	}
	if (memcmp(tail, want, cmp) != 0)
		FAIL(r,
		     "the %zu torn bytes are not the start of the record "
		     "op %ld was appending",
		     a->torn, f->seq);
}

/* Where the event op `seq` of this round left its record, if anywhere. */
static size_t event_copies(const struct crash_snap *snap, long seq,
			   size_t *newer)
{
	size_t n = 0;

	*newer = 0;
	for (size_t i = 0; i < snap->count; i++) {
		if (snap->recs[i].cls != REC_CRASH)
			continue;
		n += snap->recs[i].seq == seq;
		*newer += snap->recs[i].seq > seq;
	}
	return n;
}

static void check_events(struct crash_round *r)
{
	const struct crash_op *f = r->log->inflight;
	const struct crash_snap *a = r->after, *b = r->before;
	bool ev_ran = f && f->kind == OP_EV, ev_done = false;
	size_t newer, m1 = r->max_records - 1;

	for (size_t i = 0; i < r->log->completed; i++)
		ev_done |= r->log->ops[i].kind == OP_EV;
	ev_ran |= ev_done;
	for (size_t i = 0; i < a->n_keyed; i++) {
		const struct crash_rec *rec = a->by_key[i];
		struct crash_rec *const *inb, *const *ina;
		size_t cb, ca, limit;
		bool ours = false;

		if (rec->cls != REC_CRASH ||
		    (i > 0 && strcmp(a->by_key[i - 1]->key, rec->key) == 0))
			continue;
		cb = crash_snap_find(b, rec->key, &inb);
		ca = crash_snap_find(a, rec->key, &ina);
		for (size_t k = 0; k < r->log->n; k++)
			ours |= r->log->ops[k].kind == OP_EV &&
				r->log->ops[k].seq == rec->seq;
		if (!cb && !ours)
			FAIL(r, "event record %s came from nowhere", rec->key);
		for (size_t k = 1; k < ca; k++)
			if (strcmp(ina[k]->value, ina[0]->value) != 0)
				FAIL(r, "copies of %s differ", rec->key);
		limit = (cb ? cb : 1) * (crash_op_moves(f) ? 2 : 1);
		if (ca > limit || (!ev_ran && ca < cb))
			FAIL(r, "event record %s: %zu copies, %zu before",
			     rec->key, ca, cb);
		r->dup_records += ca > (cb ? cb : 1) ? ca - (cb ? cb : 1) : 0;
	}
	/* Absent ones: only the oldest go, and only to an event op. */
	for (size_t i = 0; i < b->count; i++) {
		if (b->recs[i].cls != REC_CRASH ||
		    event_copies(a, b->recs[i].seq, &newer))
			continue;
		if (!ev_ran || newer < m1)
			FAIL(r, "event record %s lost (%zu newer ones left)",
			     b->recs[i].key, newer);
	}
	for (size_t i = 0; i < r->log->completed; i++) {
		const struct crash_op *op = &r->log->ops[i];
		if (op->kind == OP_EV && !event_copies(a, op->seq, &newer) &&
		    newer < m1)
			FAIL(r, "event op %ld's record lost (%zu newer left)",
			     op->seq, newer);
	}
	if (ev_done && !crash_op_moves(f) && a->crash_count > r->max_records)
		FAIL(r, "%zu event records, max_records is %u", a->crash_count,
		     r->max_records);
}

void crash_check_round(struct crash_round *r)
{
	struct crash_rec *const *first;
	char key[32];

	for (int n = 0; n < CRASH_FOREIGN; n++) {
		snprintf(key, sizeof(key), "FOREIGN|%d", n);
		if (!crash_snap_find(r->after, key, &first))
			FAIL(r, "%s is gone", key);
	}
	crash_check_tombstones(r);
	check_keys(r);
	check_batches(r);
	check_events(r);
	check_torn(r);
}
