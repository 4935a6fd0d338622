/* event_budget.c - pam_kvp's budgets, applied in one pass over a loaded
 * pool (event_write.c runs it only when the hint says it may be due):
 *
 *  1. Stale (clear_if_stale): our records whose value names another
 *     boot_id than this boot's go. Times are not used: /proc/stat's btime
 *     moves when the wall clock is stepped (NTP, Hyper-V time sync), and
 *     a key time cannot say which boot wrote it. A record without a
 *     boot_id stays (the budget ages it out). Other writers' records are
 *     never looked at for this.
 *  2. max_records: our records other than failures (auth, account,
 *     session, password), the new event counted, are cut to the budget's
 *     low-water mark, max_records - max_records / 8, oldest first (key
 *     time, then slot). The batch is what lets the next max_records / 8
 *     events append without a pass.
 *  3. max_failures: auth_fail records and summaries together, the new
 *     event counted, are cut to max_failures - max_failures / 8 by
 *     folding the oldest auth_fail records into summaries (per source and
 *     hour; event_summary.c). Summaries themselves are held to half that
 *     mark: beyond it, the oldest hour with several summaries becomes one
 *     "(many)" summary, and failing that the two oldest merge. A folded
 *     failure is counted in exactly one summary, so summary counts plus
 *     the auth_fail records left are all the failures recorded.
 *
 * Removals are swap-removes (records of other writers may move to another
 * slot, never out of the file); summaries written are pushed, before the
 * new event. Budgets below 8 have no batch: they are kept exactly.
 */
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "pool/pool_txn.h"
#include "pool/record.h"

#define BOOT_ID_MEMBER "\"boot_id\":\""

struct ours {
	size_t slot; /* SIZE_MAX: the new event */
	struct event_key_info info;
};

struct pass {
	const kvp_settings *s;
	struct pool_txn *t;
	const char *boot_id;
	struct event_budget *b;
	const unsigned char *new_rec;
	struct ours *recs, *fails;
	size_t n_recs, n_fails;
	struct event_summary *sums;
	size_t n_sums, live_sums;
};

static size_t low_water(unsigned int budget)
{
	return budget - budget / 8;
}

/* Does the record's value carry a boot_id other than `boot_id`? Our
 * values are compact JSON made by jansson: inside a string a quote is
 * always escaped, so the member's text cannot occur in another value. */
static bool of_another_boot(const unsigned char *rec, const char *boot_id)
{
	const unsigned char *v = rec_value(rec), *id, *end;
	size_t len = rec_value_len(rec), want = strlen(boot_id);

	id = memmem(v, len, BOOT_ID_MEMBER, sizeof(BOOT_ID_MEMBER) - 1);
	if (!id)
		return false;
	id += sizeof(BOOT_ID_MEMBER) - 1;
	end = memchr(id, '"', len - (size_t)(id - v));
	if (!end)
		return false;
	return (size_t)(end - id) != want || memcmp(id, boot_id, want) != 0;
}

/* Removed at the end of the pass: an empty key, which no KVP writer
 * makes, so pool_txn_remove_if() finds it. */
static void doom(struct pass *p, size_t slot)
{
	if (slot != SIZE_MAX)
		pool_txn_record(p->t, slot)[0] = '\0';
}

static bool doomed(const unsigned char *rec, void *ctx)
{
	(void)ctx;
	return rec[0] == '\0';
}

static const unsigned char *rec_of(const struct pass *p, const struct ours *o)
{
	return o->slot == SIZE_MAX ? p->new_rec
				   : pool_txn_record(p->t, o->slot);
}

/* Oldest first by key time, then slot; the new event last whatever its
 * time (a clock stepped back must not make it the one that goes). */
static int by_age(const void *a, const void *b)
{
	const struct ours *x = a, *y = b;
	int c;

	if ((x->slot == SIZE_MAX) != (y->slot == SIZE_MAX))
		return x->slot == SIZE_MAX ? 1 : -1;
	c = strcmp(x->info.time, y->info.time);
	if (c != 0)
		return c;
	return (x->slot > y->slot) - (x->slot < y->slot);
}

static int add_sum(struct pass *p, const struct event_summary *sum)
{
	struct event_summary *sums =
	    realloc(p->sums, (p->n_sums + 1) * sizeof(*sums));

	if (!sums)
		return err_fail_nomem(p->t->store->path);
	p->sums = sums;
	p->sums[p->n_sums++] = *sum;
	p->live_sums++;
	return 0;
}

/* Sort our records into the three lists; the stale ones go now. */
static int gather(struct pass *p, const struct event_key_info *new_info)
{
	size_t n = p->t->count + 1;
	int r = 0;

	p->recs = malloc(n * sizeof(*p->recs));
	p->fails = malloc(n * sizeof(*p->fails));
	if (!p->recs || !p->fails)
		return err_fail_nomem(p->t->store->path);
	for (size_t i = 0; r == 0 && i < p->t->count; i++) {
		const unsigned char *rec = pool_txn_record(p->t, i);
		struct ours o = {.slot = i};
		struct event_summary sum;

		if (!event_key_classify(rec, p->s, &o.info))
			continue;
		if (p->s->clear_if_stale && p->boot_id &&
		    of_another_boot(rec, p->boot_id)) {
			doom(p, i);
		} else if (o.info.summary) {
			event_summary_read(rec, &o.info, &sum);
			sum.slot = i;
			r = add_sum(p, &sum);
		} else if (o.info.type == KVP_EVENT_AUTH_FAIL) {
			p->fails[p->n_fails++] = o;
		} else {
			p->recs[p->n_recs++] = o;
		}
	}
	if (new_info->type == KVP_EVENT_AUTH_FAIL)
		p->fails[p->n_fails++] = (struct ours){SIZE_MAX, *new_info};
	else
		p->recs[p->n_recs++] = (struct ours){SIZE_MAX, *new_info};
	return r;
}

/* 2: our oldest records but failures, down to the low-water mark. The
 * mark is at least 1, so the new event (the newest) always stays. */
static void evict_records(struct pass *p)
{
	size_t low = low_water(p->s->max_records), go;

	if (p->n_recs <= low)
		return;
	go = p->n_recs - low;
	qsort(p->recs, p->n_recs, sizeof(*p->recs), by_age);
	for (size_t i = 0; i < go; i++)
		doom(p, p->recs[i].slot);
	p->n_recs = low;
}

static long long window(long long ms)
{
	return ms / EVENT_SUMMARY_WINDOW_MS -
	       (ms % EVENT_SUMMARY_WINDOW_MS < 0);
}

/* Merge summaries until at most `cap` are left: the oldest hour holding
 * several becomes one "(many)"; with one per hour, the two oldest merge. */
static void squeeze(struct pass *p, size_t cap)
{
	while (p->live_sums > cap) {
		struct event_summary *into = NULL, *a = NULL, *b = NULL;
		long long w = 0;

		for (size_t i = 0; i < p->n_sums; i++) {
			struct event_summary *x = &p->sums[i];
			long long wx = window(x->first_ms);
			if (x->gone || (into && wx >= w))
				continue;
			for (size_t j = 0; j < p->n_sums; j++)
				if (j != i && !p->sums[j].gone &&
				    window(p->sums[j].first_ms) == wx) {
					into = x, w = wx;
					break;
				}
		}
		if (into) {
			for (size_t j = 0; j < p->n_sums; j++)
				if (&p->sums[j] != into && !p->sums[j].gone &&
				    window(p->sums[j].first_ms) == w) {
					event_summary_merge(into, &p->sums[j]);
					p->live_sums--;
				}
			strcpy(into->source, EVENT_SOURCE_MANY);
			continue;
		}
		for (size_t i = 0; i < p->n_sums; i++) {
			struct event_summary *x = &p->sums[i];
			if (x->gone)
				continue;
			if (!a || x->first_ms < a->first_ms)
				b = a, a = x;
			else if (!b || x->first_ms < b->first_ms)
				b = x;
		}
		event_summary_merge(a, b);
		p->live_sums--;
	}
}

/* The summary a failure of `f` is counted in: its source's (or the
 * "(many)" one) of its hour; NULL when there is none yet. */
static struct event_summary *summary_for(struct pass *p,
					 const struct event_failure *f)
{
	long long w = window(f->ms);

	for (size_t i = 0; i < p->n_sums; i++) {
		struct event_summary *x = &p->sums[i];
		if (!x->gone && window(x->first_ms) == w &&
		    (strcmp(x->source, f->source) == 0 ||
		     strcmp(x->source, EVENT_SOURCE_MANY) == 0))
			return x;
	}
	return NULL;
}

/* 3: fold our oldest failures into summaries, down to the mark. */
static int fold_failures(struct pass *p)
{
	size_t low = low_water(p->s->max_failures);
	size_t cap = low / 2 ? low / 2 : 1;
	size_t i = 0;
	int ready;

	if (p->n_fails + p->live_sums <= low)
		return 0;
	if ((ready = event_summary_ready()) < 0)
		return ready;
	qsort(p->fails, p->n_fails, sizeof(*p->fails), by_age);
	for (; i < p->n_fails && p->n_fails - i + p->live_sums > low; i++) {
		struct event_failure f;
		struct event_summary *sum, fresh;
		int r;

		event_failure_read(rec_of(p, &p->fails[i]), &p->fails[i].info,
				   &f);
		sum = summary_for(p, &f);
		if (sum) {
			event_summary_add(sum, &f);
		} else {
			event_summary_start(&fresh, &f);
			if ((r = add_sum(p, &fresh)) < 0)
				return r;
			squeeze(p, cap);
		}
		if (p->fails[i].slot == SIZE_MAX)
			p->b->new_folded = true;
		doom(p, p->fails[i].slot);
	}
	p->n_fails -= i;
	return 0;
}

/* Write what changed: a summary is replaced by a new record (a new key:
 * its first time may have moved), one merged away goes. */
static int write_summaries(struct pass *p)
{
	char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];

	for (size_t i = 0; i < p->n_sums; i++) {
		struct event_summary *x = &p->sums[i];
		int r;

		if (x->gone || x->changed)
			doom(p, x->slot);
		if (x->gone || !x->changed)
			continue;
		r = event_summary_encode(p->s, x, p->boot_id, key, value);
		if (r == 0)
			r = pool_txn_push(p->t, key, strlen(key), value,
					  strlen(value));
		if (r < 0)
			return r;
	}
	return 0;
}

/* The fewest appends that could take a budget past its cap. */
static size_t headroom(const kvp_settings *s, size_t records, size_t failures)
{
	size_t a = s->max_records > records ? s->max_records - records : 0;
	size_t b = s->max_failures > failures ? s->max_failures - failures : 0;

	return a < b ? a : b;
}

int event_budget_apply(const kvp_settings *s, struct pool_txn *t,
		       const char *boot_id, struct event_budget *b)
{
	unsigned char *new_rec = malloc(KVP_RECORD_SIZE);
	struct pass p = {s, t, boot_id, b, new_rec};
	struct event_key_info new_info;
	int r = 0;

	if (!new_rec)
		return err_fail_nomem(t->store->path);
	rec_encode(new_rec, b->key, b->key_len, b->value, b->value_len);
	b->new_folded = false;
	/* Our encoder's key always classifies; anything else is a bug. */
	if (!event_key_classify(new_rec, s, &new_info))
		r = err_fail(KVP_ERR_INVALID_ARG, t->store->path, 0, 0,
			     "the event's key is not one of ours");
	if (r == 0)
		r = gather(&p, &new_info);
	if (r == 0) {
		evict_records(&p);
		r = fold_failures(&p);
	}
	if (r == 0)
		r = write_summaries(&p);
	if (r == 0) {
		pool_txn_remove_if(t, 0, doomed, NULL);
		b->records = p.n_recs;
		b->failures = p.n_fails + p.live_sums;
		/* The file after the commit: what is left, the summaries
		 * pushed, and the new event unless it was folded. */
		b->trigger = t->count + t->tail_count + !b->new_folded +
			     headroom(s, b->records, b->failures);
	}
	free(p.recs);
	free(p.fails);
	free(p.sums);
	free(new_rec);
	return r;
}
