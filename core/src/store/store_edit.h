/* store_edit.h - the store's write rules, for the store's own operations
 * and for the layer above (event_write.c), which runs them inside its own
 * pool transaction: the checks every write makes first, the insert edit,
 * and the stale clear. */
#ifndef KVP_STORE_EDIT_H
#define KVP_STORE_EDIT_H

#include <stddef.h>

#include "pool/pool_txn.h"

/* ---- validate.c ---- */

/* What a read requires of a key too: non-empty, no NUL (no size limit). */
int store_check_key(const kvp_store *s, const char *key, size_t len);
/* The write-side checks (mode limits, UTF-8), with the store's path. */
int store_validate_key(const kvp_store *s, const char *key, size_t len);
int store_validate_value(const kvp_store *s, const char *value, size_t len);

/* ---- store_write.c ---- */

/* The insert edit on a loaded writer's transaction: the first record with
 * the key gets the value in place, every later one is swap-removed; an
 * absent key is pushed unless the file holds KVP_MAX_UNIQUE_KEYS unique
 * keys already (MaxUniqueKeysExceeded). */
int store_edit_insert(struct pool_txn *t, const char *key, size_t key_len,
		      const char *value, size_t value_len);

/* ---- store_stale.c ---- */

/* Truncate to zero when the file's mtime seen under the exclusive locks
 * is at or before `boot_time`: 1 cleared, 0 not, <0 error. */
int store_edit_clear_if_stale(struct pool_txn *t, long long boot_time);

#endif
