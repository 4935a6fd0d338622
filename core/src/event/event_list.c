/* event_list.c - kvp_event_list(): our event records in a pool, oldest
 * first by the time in their key (records with equal times keep their
 * order in the file), read under the shared lock with one read. */
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "pool/pool_txn.h"
#include "pool/record_list.h"
#include "util/token.h"

static int by_key_time(const void *a, const void *b, void *recs)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const unsigned char *base = recs;
	int c = event_key_time_cmp(base + i * KVP_RECORD_SIZE,
				   base + j * KVP_RECORD_SIZE);

	if (c != 0)
		return c;
	return (i > j) - (i < j);
}

int kvp_event_list(const kvp_store *store, const char *prefix,
		   kvp_record_list *out)
{
	struct pool_txn t;
	size_t *ours, n = 0, plen;
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
				"[A-Za-z0-9._-]",
				KVP_KEY_PREFIX_MAX);
	plen = strlen(prefix);

	r = pool_txn_begin(&t, store, POOL_READ, POOL_TXN_LOAD);
	if (r != 0)
		return r < 0 ? r : 0; /* a missing pool has no events */
	ours = malloc((t.count + 1) * sizeof(*ours));
	if (!ours)
		r = err_fail_nomem(store->path);
	if (r == 0) {
		for (size_t i = 0; i < t.count; i++)
			if (event_key_is_ours(pool_txn_record(&t, i), prefix,
					      plen))
				ours[n++] = i;
		qsort_r(ours, n, sizeof(*ours), by_key_time, t.data);
		r = rec_list_build_indexed(out, store->path, n, t.data, ours,
					   ours);
		out->torn_bytes = t.torn_bytes;
	}
	free(ours);
	pool_txn_end(&t);
	return r;
}
