/* fault_scan.c - what must hold once the next scanning writer (a delete
 * of an absent key) ran on the file a stopped writer left: the rules are
 * at the top of fault_check.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#define FAIL(where, ...)                                                       \
	do {                                                                   \
		char msg_[512];                                                \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                     \
		cr_assert_fail("%s, after the scanning writer: %s", where,     \
			       msg_);                                          \
	} while (0)

/* The distinct records of `img` whose key `keep` accepts (NULL: all) are
 * those of `other` (as sets: a moved record may be there twice). */
static bool same_set(const struct fimage *a, const struct fimage *b,
		     const struct fcase *c, int keep)
{
	const struct fimage *both[2] = {a, b};

	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < both[k]->count; i++) {
			const unsigned char *r = frec(both[k], i);
			if (keep >= 0 && fcase_touches(c, r) != keep)
				continue;
			if (!fimage_count(both[1 - k], r))
				return false;
		}
	}
	return true;
}

/* Every key reads as in `x` or as in `y`. */
static bool reads_as(const struct fimage *s, const struct fimage *x,
		     const struct fimage *y)
{
	const struct fimage *all[3] = {s, x, y};

	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < all[k]->count; i++) {
			const unsigned char *r = frec(all[k], i);
			const unsigned char *got = fimage_read_of(s, r);
			if (!frec_same(got, fimage_read_of(x, r)) &&
			    !frec_same(got, fimage_read_of(y, r)))
				return false;
		}
	}
	return true;
}

/* Append, append_multiple: the clean Pt and a prefix of the appended
 * records, exactly. 0: the old state, 1: the new, 2: in between. */
static int appended(const struct fimage *pt, const struct fimage *q,
		    const struct fimage *s)
{
	size_t n = q->count - pt->count;

	cr_assert(q->count >= pt->count &&
		  memcmp(q->raw, pt->raw, pt->count * RS) == 0);
	for (size_t j = 0; j <= n; j++) {
		struct fimage m;
		bool eq;
		fimage_cat(&m, pt, frec(q, pt->count), j);
		fimage_drop_tombstones(&m);
		eq = fimage_eq(&m, s);
		fimage_free(&m);
		if (eq)
			return j == 0 ? 0 : j == n ? 1 : 2;
	}
	return -1;
}

/* Several records removed one slot at a time: untouched keys keep their
 * records, a touched key keeps a subset of its old ones (each once), and
 * an event's new record comes only after every eviction. */
static void check_partial(const struct fcase *c, const struct fimage *pc,
			  const struct fimage *qc, const struct fimage *s,
			  const char *where)
{
	char a[160];

	if (!same_set(s, pc, c, 0) || !same_set(s, qc, c, 0))
		FAIL(where, "the records of untouched keys changed");
	for (size_t i = 0; i < s->count; i++) {
		const unsigned char *r = frec(s, i);
		if (!fcase_touches(c, r))
			continue;
		if (fimage_count(s, r) > 1)
			FAIL(where, "%s is there twice", frec_text(r, a, 160));
		if (fimage_count(pc, r))
			continue;
		if (!fimage_count(qc, r))
			FAIL(where, "%s came from nowhere",
			     frec_text(r, a, sizeof(a)));
		if (!same_set(s, qc, c, 1))
			FAIL(where,
			     "the new record %s is there before every "
			     "eviction is done",
			     frec_text(r, a, sizeof(a)));
	}
}

/* Insert, single delete: all or nothing. */
static int all_or_nothing(const struct fcase *c, const struct fimage *pc,
			  const struct fimage *qc, const struct fimage *s,
			  const char *where)
{
	const unsigned char *rec = fcase_new_record(c, qc);
	struct fimage pb;
	int r = -1;

	if (same_set(s, pc, c, -1))
		r = 0;
	else if (same_set(s, qc, c, -1))
		r = 1;
	if (r < 0 && rec) {
		/* The backup copy: the clean Pt, and the new record as the
		 * key's last. */
		fimage_cat(&pb, pc, rec, 1);
		if (same_set(s, &pb, c, -1) &&
		    frec_same(fimage_read_of(s, rec), rec))
			r = 3;
		fimage_free(&pb);
	}
	if (r < 0)
		FAIL(where, "the records are neither those before the "
			    "operation nor those after it");
	if (!reads_as(s, pc, qc))
		FAIL(where, "a key reads neither as before nor as after");
	return r;
}

void fault_check_scan(const struct fcase *c, const struct fimage *p,
		      const struct fimage *q, const struct fimage *d,
		      const struct fimage *s, const char *where,
		      struct fstats *st)
{
	struct fimage model, pt, pc, qc;
	char a[160];
	int r = 2;

	fimage_copy(&model, d);
	fimage_drop_tombstones(&model);
	if (!fimage_eq(&model, s))
		FAIL(where, "the file is not the stopped one with its torn "
			    "tail cut and its tombstones swap-removed");
	st->scan_dropped += d->count - s->count;
	for (size_t i = 0; i < s->count; i++)
		if (!fimage_count(p, frec(s, i)) &&
		    !fimage_count(q, frec(s, i)))
			FAIL(where,
			     "%s is a record of neither the pool "
			     "before nor after",
			     frec_text(frec(s, i), a, sizeof(a)));
	fimage_copy(&pt, p);
	fimage_trim(&pt);
	fimage_copy(&pc, &pt);
	fimage_drop_tombstones(&pc);
	fimage_copy(&qc, q);
	fimage_drop_tombstones(&qc);

	switch (c->op) {
	case F_APPEND:
	case F_APPMUL:
		r = appended(&pt, q, s);
		if (r < 0)
			FAIL(where, "not the old records and a prefix of "
				    "the appended ones");
		break;
	case F_LOAD:
		if (fimage_eq(s, &pc))
			r = 0;
		else if (s->count > q->count ||
			 memcmp(s->raw, q->raw, s->len) != 0)
			FAIL(where, "neither the old records nor a prefix of "
				    "the loaded ones");
		else
			r = s->count == q->count ? 1 : 2;
		break;
	case F_CLEAR:
		r = fimage_eq(s, &pc) ? 0 : s->len == 0 ? 1 : -1;
		if (r < 0)
			FAIL(where, "neither the old records nor empty");
		break;
	default:
		if (c->partial) {
			check_partial(c, &pc, &qc, s, where);
			r = same_set(s, &pc, c, -1)   ? 0
			    : same_set(s, &qc, c, -1) ? 1
						      : 2;
		} else {
			r = all_or_nothing(c, &pc, &qc, s, where);
		}
	}
	st->after_old += r == 0;
	st->after_new += r == 1;
	st->after_partial += r == 2;
	st->after_backup += r == 3;
	fimage_free(&model);
	fimage_free(&pt);
	fimage_free(&pc);
	fimage_free(&qc);
}
