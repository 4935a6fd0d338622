/* event_write.c - kvp_event_record(): one event written under one
 * exclusive lock, within pam_kvp's budgets.
 *
 * The common case is one append that never reads the pool: open, flock,
 * OFD lock, fstat, pwrite, close (closing drops both locks), plus the
 * hint's open, read and close (event_hint.c). When the hint does not
 * allow it, the event makes a budget pass (event_budget.c): load the
 * pool, drop our records of earlier boots, evict and fold a batch, append
 * the new event, and write it all back with one pool_txn_commit(), then
 * the hint. The commit writes the records moved into freed slots first,
 * then cuts the file, then appends: a crash part-way leaves a record twice
 * at worst or misses the new one, and never loses another writer's record
 * (pool_commit.c). Records of other writers may move to another slot, and
 * are never removed or changed. The store's rules (validation, the
 * insert edit) come from store_edit.h, run in this transaction.
 */
#include <string.h>

#include "event/event_internal.h"
#include "pool/pool_txn.h"
#include "store/store_edit.h"

/* Under the lock, in the transaction: everything but encoding. */
static int record_locked(const kvp_settings *s, struct pool_txn *t,
			 const char *boot_id, struct event_budget *b)
{
	struct event_hint_file hint;
	int r;

	event_hint_init(&hint, t);
	if (s->write == KVP_WRITE_APPEND &&
	    event_hint_allows_append(&hint, t, s, boot_id)) {
		r = pool_txn_push(t, b->key, b->key_len, b->value,
				  b->value_len);
		return r < 0 ? r : pool_txn_commit(t);
	}
	r = pool_txn_load(t); /* drops an interrupted commit's tombstones */
	if (r == 0)
		r = event_budget_apply(s, t, boot_id, b);
	if (r == 0 && !b->new_folded)
		r = s->write == KVP_WRITE_INSERT
			? store_edit_insert(t, b->key, b->key_len, b->value,
					    b->value_len)
			: pool_txn_push(t, b->key, b->key_len, b->value,
					b->value_len);
	if (r == 0) {
		event_hint_invalidate(&hint);
		r = pool_txn_commit(t);
	}
	if (r == 0)
		event_hint_write(&hint, t, s, boot_id, b->trigger);
	event_hint_close(&hint);
	return r;
}

static int check_settings(const kvp_settings *s)
{
	if (s->max_records < 1 || s->max_records > KVP_MAX_UNIQUE_KEYS)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, KVP_MAX_UNIQUE_KEYS,
				s->max_records,
				"max_records must be between 1 and %d, got %u",
				KVP_MAX_UNIQUE_KEYS, s->max_records);
	if (s->max_failures < 1 || s->max_failures > KVP_MAX_UNIQUE_KEYS)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, KVP_MAX_UNIQUE_KEYS,
				s->max_failures,
				"max_failures must be between 1 and %d, got %u",
				KVP_MAX_UNIQUE_KEYS, s->max_failures);
	if (s->write != KVP_WRITE_APPEND && s->write != KVP_WRITE_INSERT)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"unknown write mode %d", (int)s->write);
	return 0;
}

int kvp_event_record(const kvp_settings *s, const kvp_event *ev)
{
	char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];
	char boot_buf[EVENT_BOOT_ID_SIZE];
	struct event_budget b = {.key = key, .value = value};
	const char *boot_id;
	kvp_store *store = NULL;
	struct pool_txn t;
	int r;

	if (!s || !ev)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_event_record: NULL argument");
	if ((r = check_settings(s)) < 0)
		return r;
	/* One boot_id for the value, the stale test and the hint: the
	 * caller's, else the kernel's (NULL when unreadable: then nothing is
	 * stale). */
	boot_id = ev->boot_id ? ev->boot_id
			      : event_boot_id(boot_buf, sizeof(boot_buf));
	r = event_encode_boot(s, ev, boot_id, key, sizeof(key), value,
			      sizeof(value));
	if (r < 0)
		return r;

	r = kvp_store_new(&store, s->pool, s->pool_dir, s->mode);
	if (r < 0)
		return r;
	kvp_store_set_lock_timeout(store, s->lock_timeout_ms);
	b.key_len = strlen(key);
	b.value_len = strlen(value);
	/* The encoder keeps within the limits; the store's own checks keep
	 * what reaches the file in one place. */
	if ((r = store_validate_key(store, key, b.key_len)) == 0 &&
	    (r = store_validate_value(store, value, b.value_len)) == 0 &&
	    (r = pool_txn_begin(&t, store, POOL_WRITE_CREATE, 0)) == 0) {
		r = record_locked(s, &t, boot_id, &b);
		pool_txn_end(&t);
	}
	kvp_store_free(store);
	return r;
}
