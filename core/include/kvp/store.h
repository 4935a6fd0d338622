/* kvp/store.h - for programs that read or write a KVP pool (a
 * provisioning agent, kvpctl): open a pool and read, write or clear it,
 * with the semantics of Azure's reference store (libazureinit-kvp), safe
 * beside hv_kvp_daemon and cloud-init.
 *
 * A kvp_store names one pool file and a write mode; it holds no open file.
 * Every operation opens the file, takes the locks (flock, then an OFD fcntl
 * lock; shared to read, exclusive to write), does its work and closes it,
 * so one store may be used from many threads at once. A lock not granted
 * within the store's lock timeout fails with KVP_ERR_LOCK_TIMEOUT.
 *
 * Returns: 0 on success unless stated otherwise; a negative KVP_ERR_* code
 * on failure, with the detail in kvp_error_last().
 *
 * Keys and values are byte strings. Writes require valid UTF-8, a non-empty
 * key without NUL, a value without NUL and the mode's size limits; reads
 * accept any bytes and apply no limit. The single-record calls take
 * NUL-terminated strings; the batch calls take a kvp_pair with explicit
 * lengths (so a key holding a NUL can be passed, and is rejected).
 *
 * Ownership: a kvp_store is the caller's (kvp_store_free()); a string the
 * store returns for keeping (kvp_store_read()'s value, kvp_record_list's
 * strings, kvp_record_list_json()'s text) is the caller's too, and a
 * string it only lends (kvp_store_path()) lives as long as the store.
 * Arguments are only read during the call and never kept.
 *
 * Crashes: a writer killed at any point leaves every record it found
 * (possibly twice), at most one torn record at the end, and possibly
 * records with an empty key where it was rewriting a slot. The next
 * writer cuts the torn record; every writer that scans the pool (insert,
 * delete, delete_multiple, pam_kvp's bounded write) removes empty-key
 * records first, since no KVP writer makes one.
 */
#ifndef KVP_STORE_H
#define KVP_STORE_H

#include <stddef.h>

#include "kvp/common.h"

#include "kvp/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kvp_store kvp_store;

/* Default lock timeout of a new store, in milliseconds. */
#define KVP_DEFAULT_LOCK_TIMEOUT_MS 2000

/* A record as read from a pool. key and value point at NUL-terminated
 * copies of the field's bytes up to its first NUL (at most 512 / 2048). */
typedef struct kvp_record {
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
} kvp_record;

/* Records returned by kvp_store_dump() and kvp_store_entries(). The caller
 * owns the list and releases it, strings included, with
 * kvp_record_list_free(). */
typedef struct kvp_record_list {
	kvp_record *records;
	size_t count;
	size_t
	    torn_bytes; /* bytes of a partial last record that were skipped */
} kvp_record_list;

/* A key/value pair passed to the batch writes; the caller keeps ownership. */
typedef struct kvp_pair {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
} kvp_pair;

/* Create a store for `pool` in `dir` (NULL: KVP_DEFAULT_DIR), writing in
 * `mode`. Nothing is opened or created. On success *out is the caller's,
 * to release with kvp_store_free(); on failure it is NULL. */
KVP_EXTERN int kvp_store_new(kvp_store **out, kvp_pool pool, const char *dir,
			     kvp_mode mode);
/* Release a store (NULL is fine). */
KVP_EXTERN void kvp_store_free(kvp_store *store);

KVP_EXTERN kvp_pool kvp_store_pool(const kvp_store *store);
KVP_EXTERN kvp_mode kvp_store_mode(const kvp_store *store);
/* Full path of the pool file; owned by the store, valid until
 * kvp_store_free(). */
KVP_EXTERN const char *kvp_store_path(const kvp_store *store);
/* The mode's write limits in bytes (254 / 1022 safe, 512 / 2048 unsafe). */
KVP_EXTERN size_t kvp_store_max_key_size(const kvp_store *store);
KVP_EXTERN size_t kvp_store_max_value_size(const kvp_store *store);

/* Longest wait for each operation's locks, in milliseconds (0: try once).
 * Set it before sharing the store between threads. */
KVP_EXTERN void kvp_store_set_lock_timeout(kvp_store *store, unsigned int ms);

/* Value of the LAST record whose key matches. Returns 1 when found (then
 * *value is a NUL-terminated copy the caller frees with free(), and
 * *value_len, if not NULL, its length), 0 when not found (including a
 * missing file; *value is then NULL), <0 on error. Rejects an empty key;
 * applies no size limit. */
KVP_EXTERN int kvp_store_read(const kvp_store *store, const char *key,
			      char **value, size_t *value_len);

/* Every record in on-disk order, duplicates kept, into *out (the caller's:
 * kvp_record_list_free()). */
KVP_EXTERN int kvp_store_dump(const kvp_store *store, kvp_record_list *out);

/* Each key once (in order of its first record), with the value of its last
 * record, into *out (the caller's: kvp_record_list_free()). */
KVP_EXTERN int kvp_store_entries(const kvp_store *store, kvp_record_list *out);

/* kvp_store_entries() as one JSON object written to `path` (created or
 * replaced, mode 0600). Bytes that are not UTF-8 become U+FFFD. */
KVP_EXTERN int kvp_store_dump_json(const kvp_store *store, const char *path);

/* Number of whole records (not unique keys), counted under the shared
 * lock; 0 for a missing file. */
KVP_EXTERN int kvp_store_len(const kvp_store *store, size_t *out);

/* 1 when the pool has no record (or no file), 0 when it has, <0 on error. */
KVP_EXTERN int kvp_store_is_empty(const kvp_store *store);

/* 1 when the file's mtime is at or before boot time (btime of /proc/stat),
 * 0 when not or when the file is missing, <0 on error. */
KVP_EXTERN int kvp_store_is_stale(const kvp_store *store);

/* Under the exclusive lock: truncate the file when it is stale. Returns 1
 * when it was cleared, 0 when it was not (or is missing), <0 on error. */
KVP_EXTERN int kvp_store_clear_if_stale(const kvp_store *store);

/* Upsert. The first record with the key gets the new value in place; every
 * further record with the key is swap-removed (the last record moves into
 * its slot). A new key is appended, unless the pool already holds 1024
 * unique keys (KVP_ERR_MAX_UNIQUE_KEYS). */
KVP_EXTERN int kvp_store_insert(const kvp_store *store, const char *key,
				const char *value);

/* Write one record at the end of the file: no duplicate check, no cap. */
KVP_EXTERN int kvp_store_append(const kvp_store *store, const char *key,
				const char *value);

/* Swap-remove every record with the key. Returns 1 when any was present,
 * 0 when none was (or the file is missing; it is not created). No key
 * validation, as in the reference store: an over-long key matches nothing,
 * and an empty key removes records whose key field is empty. */
KVP_EXTERN int kvp_store_delete(const kvp_store *store, const char *key);

/* Truncate the file to zero records (a missing file stays missing). */
KVP_EXTERN int kvp_store_clear(const kvp_store *store);

/* Validate every pair, then append them all, adjacent and in order, under
 * one lock with one write. Nothing is written if any pair is invalid. */
KVP_EXTERN int kvp_store_append_multiple(const kvp_store *store,
					 const kvp_pair *pairs, size_t count);

/* In one pass under one lock, swap-remove every record whose key is one of
 * `keys`. *removed (if not NULL) gets the number of records removed. */
KVP_EXTERN int kvp_store_delete_multiple(const kvp_store *store,
					 const char *const *keys, size_t count,
					 size_t *removed);

/* Replace the pool's contents with `pairs`, in order (duplicates kept).
 * Every pair and the unique-key cap are checked before the file is
 * touched. */
KVP_EXTERN int kvp_store_load(const kvp_store *store, const kvp_pair *pairs,
			      size_t count);

/* JSON text of a list, made with jansson; bytes that are not UTF-8 become
 * U+FFFD and C0 control characters are escaped (C1 controls, DEL and
 * bidi marks are valid JSON text and pass through: a terminal front end
 * must escape them itself, as kvpctl does). KVP_JSON_OBJECT gives
 * {"key":"value",...} (a later duplicate key wins), otherwise an array of
 * {"key":..,"value":..} in list order. Returns a NUL-terminated string the
 * caller frees with free(), or NULL when out of memory. */
#define KVP_JSON_OBJECT 0x1
#define KVP_JSON_PRETTY 0x2
KVP_EXTERN char *kvp_record_list_json(const kvp_record_list *list, int flags);

/* Release a list from kvp_store_dump()/kvp_store_entries() and zero it.
 * NULL and an already released list are fine. */
KVP_EXTERN void kvp_record_list_free(kvp_record_list *list);

#ifdef __cplusplus
}
#endif

#endif
