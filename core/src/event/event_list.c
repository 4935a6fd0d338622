/* event_list.c - kvp_event_list(): our event records in a pool, in both
 * formats (event_key_classify), oldest first by the time in their key
 * (records with equal times keep their order in the file), read under the
 * shared lock with one read. */
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "pool/pool_txn.h"
#include "pool/record_list.h"
#include "util/token.h"

struct ours {
	size_t slot;
	char time[sizeof(((struct event_key_info *)0)->time)];
};

static int by_key_time(const void *a, const void *b)
{
	const struct ours *x = a, *y = b;
	int c = strcmp(x->time, y->time);

	if (c != 0)
		return c;
	return (x->slot > y->slot) - (x->slot < y->slot);
}

/* The slots of our records, oldest first, into slots[]; how many. */
static size_t find_ours(const struct pool_txn *t, const kvp_settings *s,
			struct ours *ours, size_t *slots)
{
	struct event_key_info info;
	size_t n = 0;

	for (size_t i = 0; i < t->count; i++)
		if (event_key_classify(pool_txn_record(t, i), s, &info)) {
			ours[n].slot = i;
			memcpy(ours[n].time, info.time, sizeof(info.time));
			n++;
		}
	qsort(ours, n, sizeof(*ours), by_key_time);
	for (size_t i = 0; i < n; i++)
		slots[i] = ours[i].slot;
	return n;
}

int kvp_event_list(const kvp_store *store, const char *prefix,
		   kvp_record_list *out)
{
	struct kvp_settings *s;
	struct pool_txn t;
	struct ours *ours = NULL;
	size_t *slots = NULL, n;
	int r;

	if (!store || !out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_event_list: NULL argument");
	memset(out, 0, sizeof(*out));
	if (!prefix)
		prefix = KVP_DEFAULT_KEY_PREFIX;
	if (token_prefix_check(prefix) != TOKEN_OK)
		return err_fail(KVP_ERR_INVALID_ARG, store->path, 0, 0,
				"key prefix must be 1 to %d characters of "
				"[A-Za-z0-9._-], and not " TOKEN_RESERVED_LIST,
				KVP_KEY_PREFIX_MAX);
	/* Only the prefix matters to the classifier here. */
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_fail_nomem(store->path);
	memcpy(s->key_prefix, prefix, strlen(prefix) + 1);

	r = pool_txn_begin(&t, store, POOL_READ, POOL_TXN_LOAD);
	if (r != 0) {
		free(s);
		return r < 0 ? r : 0; /* a missing pool has no events */
	}
	ours = malloc((t.count + 1) * sizeof(*ours));
	slots = malloc((t.count + 1) * sizeof(*slots));
	if (!ours || !slots)
		r = err_fail_nomem(store->path);
	if (r == 0) {
		n = find_ours(&t, s, ours, slots);
		r = rec_list_build_indexed(out, store->path, n, t.data, slots,
					   slots);
		out->torn_bytes = t.torn_bytes;
	}
	free(ours);
	free(slots);
	free(s);
	pool_txn_end(&t);
	return r;
}
