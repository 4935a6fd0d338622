/* crash_mixed.c - records in the middle of the pool that are not whole
 * after a kill, and whether they are what a SIGKILL inside one in-place
 * pwrite leaves behind.
 *
 * pool_file_commit() writes moved and overwritten slots in place (the
 * record moved into a swap-remove's hole, an insert's new value). The
 * kernel copies a write into the page cache one page (folio) at a time
 * and stops between two when a fatal signal is pending, so a kill there
 * leaves the slot's first bytes new and its last bytes old, split at a
 * page boundary. Such a record is "explained" when all of this holds:
 *   - the killed op writes in place (insert, delete, delete_multiple,
 *     kvp_event_record's eviction);
 *   - the slot crosses a page boundary, at byte `split` of the record;
 *   - bytes [0, split) are the start of a record that op was writing
 *     there: a whole record elsewhere in the file (the moved record,
 *     still at the end as the truncate never came) or the insert's new
 *     record;
 *   - bytes [split, 2560) are the end of a record the slot held before:
 *     one of the pool before the round or one written by a completed op
 *     (or, for an event record written this round, which the test cannot
 *     rebuild byte for byte, the end of a JSON value and its padding; or
 *     only NUL bytes, the padding after any value that ends before them).
 * Anything else is unexplained corruption. */
#include <stdio.h>
#include <string.h>

#include "crash.h"

#define PAGE 4096

static bool head_is(const unsigned char *rec, const unsigned char *cand,
		    size_t split)
{
	return memcmp(rec, cand, split) == 0;
}

static bool tail_is(const unsigned char *rec, const unsigned char *cand,
		    size_t split)
{
	return memcmp(rec + split, cand + split, KVP_RECORD_SIZE - split) == 0;
}

/* The start of which record that op may have been writing? */
static const char *find_head(const struct crash_round *r, size_t slot,
			     const unsigned char *rec, size_t split, char *key,
			     size_t size)
{
	const struct crash_snap *a = r->after;
	const struct crash_op *f = r->log->inflight;
	unsigned char cand[KVP_RECORD_SIZE];

	if (f->kind == OP_INS) {
		crash_expected_record(cand, f->key, f->seq);
		if (head_is(rec, cand, split)) {
			snprintf(key, size, "%s", f->key);
			return "the insert's new record";
		}
	}
	for (size_t j = slot + 1; j < a->count; j++) {
		if (a->recs[j].cls != REC_BAD &&
		    head_is(rec, a->raw + j * KVP_RECORD_SIZE, split)) {
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

bool crash_explain_bad(const struct crash_round *r, size_t slot, char *buf,
		       size_t size)
{
	const struct crash_op *f = r->log->inflight;
	size_t off = slot * KVP_RECORD_SIZE, page = (off / PAGE + 1) * PAGE;
	const unsigned char *rec = r->after->raw + off;
	char head_key[96], tail_key[96];
	const char *head, *tail;
	size_t split = page - off;

	if (!f || !crash_op_moves(f) || split >= KVP_RECORD_SIZE)
		return false;
	head = find_head(r, slot, rec, split, head_key, sizeof(head_key));
	tail = find_tail(r, slot, rec, split, tail_key, sizeof(tail_key));
	if (!head || !tail)
		return false;
	snprintf(buf, size,
		 "round %d (%s), killed in op %ld %s %s: record %zu (file "
		 "bytes %zu..%zu) is torn at the page boundary at byte %zu, "
		 "%zu bytes into the record: bytes 0..%zu are %s '%s', bytes "
		 "%zu..2559 are the end of %s '%s'",
		 r->round, r->mode, f->seq, crash_op_name(f->kind), f->key,
		 slot, off, off + KVP_RECORD_SIZE - 1, page, split, split - 1,
		 head, head_key, split, tail, tail_key);
	return true;
}

bool crash_bad_with_key(const struct crash_snap *snap, const char *key)
{
	for (size_t i = 0; i < snap->count; i++)
		if (snap->recs[i].cls == REC_BAD &&
		    strcmp(snap->recs[i].key, key) == 0)
			return true;
	return false;
}
