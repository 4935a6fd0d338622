/* store_write.c - insert, append, delete, clear: the reference store's
 * write semantics (same bytes for the same operations), each one pool
 * transaction under both exclusive locks.
 *
 * The edits are worked out in memory on one read of the file and written
 * back with as few writes as possible; pool_commit.c says why a crash
 * part-way never loses a record.
 */
#include <string.h>

#include "util/keyset.h"
#include "pool/record.h"
#include "store/store_edit.h"
#include "store/store_internal.h"

/* How many unique keys the loaded records hold, into *out. */
static int count_unique_keys(const struct pool_txn *t, size_t *out)
{
	struct keyset ks;
	bool added;

	if (keyset_init(&ks, t->count) < 0)
		return err_fail_nomem(t->store->path);
	for (size_t i = 0; i < t->count; i++) {
		const unsigned char *rec = pool_txn_record(t, i);
		keyset_add(&ks, rec, rec_key_len(rec), 0, &added);
	}
	*out = ks.count;
	keyset_free(&ks);
	return 0;
}

int store_edit_insert(struct pool_txn *t, const char *key, size_t key_len,
		      const char *value, size_t value_len)
{
	size_t first = pool_txn_find_key(t, 0, key, key_len);
	size_t unique = 0;
	int r = 0;

	if (first < t->count) {
		/* Nothing before `first` matches, so this is the reference
		 * store's single loop: later matches go, slot by slot. */
		pool_txn_set_value(t, first, value, value_len);
		pool_txn_remove_key(t, first + 1, key, key_len);
		return 0;
	}
	/* Fewer records than the cap cannot hold the cap's keys. */
	if (t->count >= KVP_MAX_UNIQUE_KEYS)
		r = count_unique_keys(t, &unique);
	if (r < 0)
		return r;
	if (unique >= KVP_MAX_UNIQUE_KEYS)
		return err_fail(KVP_ERR_MAX_UNIQUE_KEYS, t->store->path,
				KVP_MAX_UNIQUE_KEYS, unique,
				"pool already holds %zu unique keys, the "
				"maximum of %d; a new key cannot be inserted",
				unique, KVP_MAX_UNIQUE_KEYS);
	return pool_txn_push(t, key, key_len, value, value_len);
}

int kvp_store_insert(const kvp_store *s, const char *key, const char *value)
{
	return store_insert_n(s, key, key ? strlen(key) : 0, value,
			      value ? strlen(value) : 0);
}

int store_insert_n(const kvp_store *s, const char *key, size_t key_len,
		   const char *value, size_t value_len)
{
	struct pool_txn t;
	int r;

	if ((r = store_validate_key(s, key, key_len)) < 0 ||
	    (r = store_validate_value(s, value, value_len)) < 0)
		return r;
	r = pool_txn_begin(&t, s, POOL_WRITE_CREATE, POOL_TXN_LOAD);
	if (r < 0)
		return r;
	r = store_edit_insert(&t, key, key_len, value, value_len);
	if (r == 0)
		r = pool_txn_commit(&t);
	pool_txn_end(&t);
	return r;
}

int kvp_store_append(const kvp_store *s, const char *key, const char *value)
{
	kvp_pair pair = {key, key ? strlen(key) : 0, value,
			 value ? strlen(value) : 0};

	return kvp_store_append_multiple(s, &pair, 1);
}

int kvp_store_delete(const kvp_store *s, const char *key)
{
	return store_delete_n(s, key, key ? strlen(key) : 0);
}

int store_delete_n(const kvp_store *s, const char *key, size_t key_len)
{
	struct pool_txn t;
	bool found;
	int r;

	if (!key && key_len)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"delete: key is NULL");
	r = pool_txn_begin(&t, s, POOL_WRITE, POOL_TXN_LOAD);
	if (r != 0)
		return r < 0 ? r : 0; /* missing file: nothing to delete */
	/* delete("") matches empty-key records, which the load removed. */
	found = key_len == 0 && t.tombstones;
	found |= pool_txn_remove_key(&t, 0, key, key_len) > 0;
	r = pool_txn_commit(&t);
	pool_txn_end(&t);
	return r < 0 ? r : found;
}

int kvp_store_clear(const kvp_store *s)
{
	struct pool_txn t;
	/* As found: the whole file goes, a torn tail with it. */
	int r = pool_txn_begin(&t, s, POOL_WRITE, POOL_TXN_AS_FOUND);

	if (r != 0)
		return r < 0 ? r : 0;
	r = pool_txn_truncate(&t, 0);
	pool_txn_end(&t);
	return r;
}
