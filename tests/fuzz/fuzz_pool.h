/* fuzz_pool.h - what the pool harness's read half (fuzz_pool_harness.c)
 * and write half (fuzz_pool_write.c) share. */
#ifndef KVP_FUZZ_POOL_H
#define KVP_FUZZ_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_harness.h"
#include "kvp/kvp.h"

#define REC	   KVP_RECORD_SIZE
#define OUR_PREFIX "PAM_KVP|"

/* Bytes of a field up to its first NUL (all of it without one). */
size_t fuzz_field_len(const unsigned char *f, size_t size);
/* The library's key match: the key field is exactly `key` (an empty key
 * matches an empty key field). */
bool fuzz_key_is(const unsigned char *rec, const void *key, size_t len);
/* A record of pam_kvp's own (key "PAM_KVP|..."); `unused` for
 * fuzz_same_others(). */
bool fuzz_ours(const unsigned char *rec, void *unused);
/* A guest-pool store (Unsafe mode, no lock wait) in <dir>/<name>. */
kvp_store *fuzz_store(const char *name);

/* The write checks on a copy of the input (fuzz_pool_write.c). */
void fuzz_pool_writes(const uint8_t *data, size_t size,
		      const kvp_record_list *dump);

#endif
