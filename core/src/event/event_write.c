/* event_write.c - kvp_event_record(): one event written under one
 * exclusive lock, with pam_kvp's growth bound.
 *
 * Under the lock: clear a stale pool (clear_if_stale), evict our oldest
 * records (event_key_classify(), oldest by the key's time, ties to the
 * lowest slot) until fewer than max_records remain, then append or insert
 * the new record, and write it all back with one pool_txn_commit(). The
 * commit writes the records moved into evicted slots first, then cuts the
 * file, then appends: a crash part-way leaves a record twice at worst or
 * misses the new one, and never loses another writer's record
 * (pool_commit.c). Records not ours (either format) are never moved out
 * of the file or changed. The store's rules (validation, the insert edit,
 * the stale clear) come from store_edit.h, run in this transaction.
 */
#include <stdint.h>
#include <string.h>

#include "event/event_internal.h"
#include "pool/pool_txn.h"
#include "store/store_edit.h"
#include "store/store_internal.h"

static void evict_oldest(struct pool_txn *t, const kvp_settings *s)
{
	struct event_key_info info, oldest_info;
	size_t ours = 0;

	for (size_t i = 0; i < t->count; i++)
		ours +=
		    (size_t)event_key_classify(pool_txn_record(t, i), s, &info);
	/* At most 1024 evictions of a scan each: rescanning keeps the
	 * tie-break on the slot order the swaps leave. */
	for (; ours >= s->max_records; ours--) {
		size_t oldest = SIZE_MAX;
		for (size_t i = 0; i < t->count; i++)
			if (event_key_classify(pool_txn_record(t, i), s,
					       &info) &&
			    (oldest == SIZE_MAX ||
			     strcmp(info.time, oldest_info.time) < 0)) {
				oldest = i;
				oldest_info = info;
			}
		pool_txn_remove(t, oldest);
	}
}

/* Under the lock, in the transaction: everything but encoding. */
static int record_locked(const kvp_settings *s, struct pool_txn *t,
			 long long boot, const char *key, size_t key_len,
			 const char *value, size_t value_len)
{
	int r = 0;

	if (s->clear_if_stale)
		r = store_edit_clear_if_stale(t, boot);
	if (r < 0)
		return r;
	/* The common case costs one append: with fewer records in the file
	 * than max_records, none of ours can need evicting, and an append
	 * needs no scan. */
	if (s->write == KVP_WRITE_APPEND && t->disk_count < s->max_records) {
		r = pool_txn_push(t, key, key_len, value, value_len);
		return r < 0 ? r : pool_txn_commit(t);
	}
	r = pool_txn_load(t); /* drops an interrupted commit's tombstones */
	if (r < 0)
		return r;
	evict_oldest(t, s);
	if (s->write == KVP_WRITE_INSERT)
		r = store_edit_insert(t, key, key_len, value, value_len);
	else
		r = pool_txn_push(t, key, key_len, value, value_len);
	return r < 0 ? r : pool_txn_commit(t);
}

int kvp_event_record(const kvp_settings *s, const kvp_event *ev)
{
	char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];
	kvp_store *store = NULL;
	struct pool_txn t;
	size_t key_len, value_len;
	long long boot = 0;
	int r;

	if (!s || !ev)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_event_record: NULL argument");
	if (s->max_records < 1 || s->max_records > KVP_MAX_UNIQUE_KEYS)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, KVP_MAX_UNIQUE_KEYS,
				s->max_records,
				"max_records must be between 1 and %d, got %u",
				KVP_MAX_UNIQUE_KEYS, s->max_records);
	if (s->write != KVP_WRITE_APPEND && s->write != KVP_WRITE_INSERT)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"unknown write mode %d", (int)s->write);
	r = event_encode(s, ev, key, sizeof(key), value, sizeof(value));
	if (r < 0)
		return r;
	if (s->clear_if_stale && (r = store_boot_time(&boot)) < 0)
		return r;

	r = kvp_store_new(&store, s->pool, s->pool_dir, s->mode);
	if (r < 0)
		return r;
	kvp_store_set_lock_timeout(store, s->lock_timeout_ms);
	key_len = strlen(key);
	value_len = strlen(value);
	/* The encoder keeps within the limits; the store's own checks keep
	 * what reaches the file in one place. */
	if ((r = store_validate_key(store, key, key_len)) == 0 &&
	    (r = store_validate_value(store, value, value_len)) == 0 &&
	    (r = pool_txn_begin(&t, store, POOL_WRITE_CREATE, 0)) == 0) {
		r = record_locked(s, &t, boot, key, key_len, value, value_len);
		pool_txn_end(&t);
	}
	kvp_store_free(store);
	return r;
}
