/* store_edit.h - the opening steps every writer shares. */
#ifndef KVP_STORE_EDIT_H
#define KVP_STORE_EDIT_H

#include "pool/pool_file.h"

/* Open with `access`, lock, cut a torn tail and (if `load`) read the
 * records and drop the tombstones an interrupted commit left (counted in
 * pf->tombstones; the caller's commit writes that back). 0, 1 for a
 * missing file that `access` does not create, <0. */
int store_open_for_edit(const kvp_store *s, struct pool_file *pf,
			enum pool_access access, bool load);

/* The edit of an insert on a loaded file: the first record with the key
 * gets the value, later ones are swap-removed; an absent key is pushed
 * unless the file holds KVP_MAX_UNIQUE_KEYS unique keys already. */
int store_insert_edit(struct pool_file *pf, const char *key, size_t key_len,
		      const char *value, size_t value_len);

/* Truncate to zero when the file's mtime is at or before `boot_time`
 * (call with the exclusive locks held): 1 cleared, 0 not, <0 error. */
int store_clear_if_stale_locked(struct pool_file *pf, long long boot_time);

#endif
