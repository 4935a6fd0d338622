/* store_batch.c - the merged reference store's batch writes: many records
 * in one pool transaction, everything validated before the file is
 * touched. */
#include <string.h>

#include "util/keyset.h"
#include "pool/record.h"
#include "store/store_edit.h"

static int validate_pairs(const kvp_store *s, const kvp_pair *pairs,
			  size_t count)
{
	int r;

	if (!pairs && count)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"pairs is NULL");
	for (size_t i = 0; i < count; i++) {
		if ((r = store_validate_key(s, pairs[i].key,
					    pairs[i].key_len)) < 0 ||
		    (r = store_validate_value(s, pairs[i].value,
					      pairs[i].value_len)) < 0)
			return r;
	}
	return 0;
}

/* One transaction that creates the file if needed and writes every pair
 * at the end, or (`replace`) makes them the file's whole content. */
static int write_pairs(const kvp_store *s, const kvp_pair *pairs, size_t count,
		       bool replace)
{
	struct pool_txn t;
	int r = pool_txn_begin(&t, s, POOL_WRITE_CREATE, 0);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < count; i++)
		r = pool_txn_push(&t, pairs[i].key, pairs[i].key_len,
				  pairs[i].value, pairs[i].value_len);
	/* Queued in memory first: the file is emptied only once every
	 * record is ready to go in. */
	if (r == 0 && replace)
		r = pool_txn_truncate(&t, 0);
	if (r == 0)
		r = pool_txn_commit(&t);
	pool_txn_end(&t);
	return r;
}

int kvp_store_append_multiple(const kvp_store *s, const kvp_pair *pairs,
			      size_t count)
{
	int r = validate_pairs(s, pairs, count);

	if (r < 0 || count == 0)
		return r;
	return write_pairs(s, pairs, count, false);
}

static bool in_keyset(const unsigned char *rec, void *ks)
{
	return keyset_contains(ks, rec, rec_key_len(rec));
}

int kvp_store_delete_multiple(const kvp_store *s, const char *const *keys,
			      size_t count, size_t *removed)
{
	struct pool_txn t;
	struct keyset ks;
	size_t gone = 0;
	bool added;
	int r;

	if (removed)
		*removed = 0;
	if (!keys && count)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"keys is NULL");
	if (count == 0)
		return 0;
	if (keyset_init(&ks, count) < 0)
		return err_fail_nomem(s->path);
	for (size_t i = 0; i < count; i++) {
		if (!keys[i]) {
			keyset_free(&ks);
			return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
					"keys[%zu] is NULL", i);
		}
		keyset_add(&ks, keys[i], strlen(keys[i]), 0, &added);
	}

	r = pool_txn_begin(&t, s, POOL_WRITE, POOL_TXN_LOAD);
	if (r != 0) {
		keyset_free(&ks);
		return r < 0 ? r : 0;
	}
	/* The load removed the empty-key records: they count if "" is listed.
	 */
	if (keyset_contains(&ks, "", 0))
		gone = t.tombstones;
	gone += pool_txn_remove_if(&t, 0, in_keyset, &ks);
	r = pool_txn_commit(&t);
	pool_txn_end(&t);
	keyset_free(&ks);
	if (r == 0 && removed)
		*removed = gone;
	return r;
}

int kvp_store_load(const kvp_store *s, const kvp_pair *pairs, size_t count)
{
	struct keyset ks;
	size_t unique;
	bool added;
	int r = validate_pairs(s, pairs, count);

	if (r < 0)
		return r;
	if (keyset_init(&ks, count) < 0)
		return err_fail_nomem(s->path);
	for (size_t i = 0; i < count; i++)
		keyset_add(&ks, pairs[i].key, pairs[i].key_len, 0, &added);
	unique = ks.count;
	keyset_free(&ks);
	if (unique > KVP_MAX_UNIQUE_KEYS)
		return err_fail(KVP_ERR_MAX_UNIQUE_KEYS, s->path,
				KVP_MAX_UNIQUE_KEYS, unique,
				"load holds %zu unique keys, more than the "
				"maximum of %d",
				unique, KVP_MAX_UNIQUE_KEYS);
	return write_pairs(s, pairs, count, true);
}
