/* fault_check.c - what must hold after a writer was stopped at a write
 * step, given the pool before the operation (P; Pt: its whole records) and
 * after the operation ran to its end (Q), both byte for byte.
 *
 * After the stop, the file D (unless it is still P byte for byte):
 *   - load: Pt, or a prefix of Q's records (the file is emptied first);
 *     clear_if_stale: P or empty;
 *   - otherwise every whole slot i of D is Pt[i] (not written yet), Q[i]
 *     (written), or a tombstone at a slot that crosses a page whose bytes
 *     are Q[i]'s up to the page boundary and Pt[i]'s after it, or at any
 *     slot (one of a run of holes) all Q[i]'s, key[0] NUL and value[0]
 *     NUL or Q[i]'s (pool_commit.c's three writes), such new tombstones
 *     all neighbours (one run); beyond Pt's end, Q's record there or, for
 *     an insert, the backup copy of the new record;
 *   - a torn tail ends on a page boundary and is the start of Q's record
 *     at that slot (or of an insert's backup);
 *   - every key reads (last match) as in Pt or as in Q;
 *   - every record that Pt and Q both hold is still there, and no record
 *     is there more often than Pt and Q hold it together (+1: the backup).
 * After the scanning writer (delete of an absent key) the file S:
 *   - is exactly D with the torn tail cut and every tombstone
 *     swap-removed (the model below), so holds no tombstone, no torn tail,
 *     and only records of Pt or Q;
 *   - append, append_multiple: the clean Pt followed by a prefix of the
 *     appended records, exactly; load: the clean Pt or a prefix of Q;
 *     clear_if_stale: the clean Pt or empty;
 *   - insert, single delete (all or nothing): the set of records of the
 *     clean Pt or of Q (a moved record may be there twice), or for an
 *     insert the clean Pt plus the new record as the key's last (the
 *     backup: the key already reads as the new value); every key reads as
 *     in one of them;
 *   - delete of several records, delete_multiple, event with eviction
 *     (one slot at a time): every untouched key has exactly its records
 *     (up to moved copies), a touched key a subset of its old records,
 *     and an event's new record only once every eviction is done.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#define FAIL(where, ...)                                                       \
	do {                                                                   \
		char msg_[768];                                                \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                     \
		cr_assert_fail("%s: %s", where, msg_);                         \
	} while (0)

/* Slot `i` is a tombstone one of pool_commit.c's three writes left: bytes
 * 1.. are Q[i]'s up to the cut c (the page boundary inside the slot, or
 * the end: the only cut of a slot within a page, one of a run of holes)
 * and Pt[i]'s after it; value[0] is NUL, or Q[i]'s once the whole first
 * write is done. */
static bool tombstone_explained(const unsigned char *d, const unsigned char *o,
				const unsigned char *n, size_t i)
{
	size_t cuts[2], split;
	int ncuts = 0;

	if (d[0] != '\0')
		return false;
	if (fslot_split(i, &split))
		cuts[ncuts++] = split;
	cuts[ncuts++] = RS;
	for (int k = 0; k < ncuts; k++) {
		size_t c = cuts[k], p = 1;
		for (; p < RS; p++) {
			unsigned char want = p < c ? n[p] : o[p];
			if (p == KVP_KEY_FIELD_SIZE && p < c) {
				if (d[p] != '\0' && (c != RS || d[p] != n[p]))
					break;
			} else if (d[p] != want) {
				break;
			}
		}
		if (p == RS)
			return true;
	}
	return false;
}

static void check_slots(const struct fcase *c, const struct fimage *pt,
			const struct fimage *q, const struct fimage *d,
			const char *where, struct fstats *st)
{
	const unsigned char *backup = fcase_new_record(c, q);
	char a[160], b[160], e[160];
	size_t tombs = 0, last_tomb = 0;

	for (size_t i = 0; i < d->count; i++) {
		const unsigned char *r = frec(d, i);
		bool old = i < pt->count, fresh = i < q->count;
		size_t split;

		if ((old && frec_eq(r, frec(pt, i))) ||
		    (fresh && frec_eq(r, frec(q, i))))
			continue;
		if (old && fresh &&
		    tombstone_explained(r, frec(pt, i), frec(q, i), i)) {
			if (tombs++ && i != last_tomb + 1)
				FAIL(where,
				     "new tombstones at slots %zu and %zu are "
				     "not neighbours",
				     last_tomb, i);
			last_tomb = i;
			st->tombstones++;
			continue;
		}
		if (!old && backup && i == pt->count && frec_eq(r, backup)) {
			st->backups++;
			continue;
		}
		FAIL(where,
		     "slot %zu (bytes %zu..%zu, %s a page) is %s; before: "
		     "%s; after: %s",
		     i, i * RS, i * RS + RS - 1,
		     fslot_split(i, &split) ? "crosses" : "within",
		     frec_text(r, a, sizeof(a)),
		     old ? frec_text(frec(pt, i), b, sizeof(b)) : "(none)",
		     fresh ? frec_text(frec(q, i), e, sizeof(e)) : "(none)");
	}
}

static void check_torn(const struct fcase *c, const struct fimage *pt,
		       const struct fimage *q, const struct fimage *d,
		       const char *where, struct fstats *st)
{
	const unsigned char *tail = d->raw + d->count * RS;
	const unsigned char *backup = fcase_new_record(c, q);

	if (!d->torn)
		return;
	st->torn++;
	if (d->len % FAULT_PAGE)
		FAIL(where, "a torn tail of %zu bytes ends inside a page",
		     d->torn);
	if (d->count < q->count &&
	    memcmp(tail, frec(q, d->count), d->torn) == 0)
		return;
	if (backup && d->count == pt->count &&
	    memcmp(tail, backup, d->torn) == 0)
		return;
	FAIL(where,
	     "the %zu torn bytes after %zu records are not the start of "
	     "the record written there",
	     d->torn, d->count);
}

/* Every key reads as before or as after; nothing kept is lost; nothing
 * is there more often than before and after together. */
static void check_records(const struct fcase *c, const struct fimage *pt,
			  const struct fimage *q, const struct fimage *d,
			  const char *where, struct fstats *st)
{
	const unsigned char *backup = fcase_new_record(c, q);
	const struct fimage *all[3] = {pt, q, d};
	char a[160];

	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < all[k]->count; i++) {
			const unsigned char *r = frec(all[k], i);
			size_t cp, cq, cd, most;
			if (r[0] == '\0')
				continue;
			cp = fimage_count(pt, r);
			cq = fimage_count(q, r);
			cd = fimage_count(d, r);
			most = cp + cq + (backup && frec_eq(r, backup));
			if (cp && cq && cd < (cp < cq ? cp : cq))
				FAIL(where, "%s is lost", frec_text(r, a, 160));
			if (cd > most)
				FAIL(where, "%s is there %zu times",
				     frec_text(r, a, sizeof(a)), cd);
			if (!frec_same(fimage_read_of(d, r),
				       fimage_read_of(pt, r)) &&
			    !frec_same(fimage_read_of(d, r),
				       fimage_read_of(q, r)))
				FAIL(where,
				     "key '%.40s' reads neither as before nor "
				     "as after",
				     (const char *)r);
			if (k == 2 && cd > (cp > cq ? cp : cq) &&
			    fimage_first(d, r) == i)
				st->dups += cd - (cp > cq ? cp : cq);
		}
	}
}

void fault_check_stop(const struct fcase *c, const struct fimage *p,
		      const struct fimage *q, const struct fimage *d,
		      const char *where, struct fstats *st)
{
	struct fimage pt;

	st->points++;
	if (fimage_eq(d, p)) {
		st->untouched++;
		return;
	}
	fimage_copy(&pt, p);
	fimage_trim(&pt);
	if (c->op == F_CLEAR) {
		if (d->len)
			FAIL(where, "clear_if_stale left %zu bytes", d->len);
	} else if (c->op == F_LOAD) {
		bool prefix = d->count <= q->count &&
			      memcmp(d->raw, q->raw, d->count * RS) == 0;
		if (!fimage_eq(d, &pt) && !prefix)
			FAIL(where,
			     "load left %zu records that are neither "
			     "the old ones nor a prefix of the new ones",
			     d->count);
		check_torn(c, &pt, q, d, where, st);
	} else {
		check_slots(c, &pt, q, d, where, st);
		check_torn(c, &pt, q, d, where, st);
		check_records(c, &pt, q, d, where, st);
	}
	fimage_free(&pt);
}
