/* store_internal.h - the store operations behind kvp/store.h that the
 * public API does not show: the single-record calls with explicit
 * lengths (the public ones take C strings and pass strlen; these keep the
 * reference store's checks for a key holding a NUL), and the staleness
 * test against a given boot time. Used by the event layer and by the unit
 * tests, which link the library's objects statically. */
#ifndef KVP_STORE_INTERNAL_H
#define KVP_STORE_INTERNAL_H

#include <stddef.h>

#include "kvp/store.h"

/* kvp_store_read(), kvp_store_insert(), kvp_store_delete() on key[0..key_len)
 * and value[0..value_len). */
int store_read_n(const kvp_store *s, const char *key, size_t key_len,
		 char **value, size_t *value_len);
int store_insert_n(const kvp_store *s, const char *key, size_t key_len,
		   const char *value, size_t value_len);
int store_delete_n(const kvp_store *s, const char *key, size_t key_len);

/* Boot time in seconds since the epoch, from /proc/stat's btime. */
int store_boot_time(long long *out);

/* kvp_store_is_stale() against `boot_time`: 1 when the file's mtime is at
 * or before it, 0 when not or when the file is missing, <0 on error. */
int store_is_stale_at(const kvp_store *s, long long boot_time);

#endif
