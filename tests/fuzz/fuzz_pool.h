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
/* A record of pam_kvp's own in either format, as the library's one
 * classifier (event_key_classify, default settings: legacy prefix
 * "PAM_KVP") says: the harness checks what eviction and the event list
 * do with the records it names, the classifier itself is tested in
 * tests/unit/test_event_diag.c. `unused` for fuzz_same_others(). */
bool fuzz_ours(const unsigned char *rec, void *unused);
/* A guest-pool store (Unsafe mode, no lock wait) in <dir>/<name>. */
kvp_store *fuzz_store(const char *name);

/* The write checks on a copy of the input (fuzz_pool_write.c). */
void fuzz_pool_writes(const uint8_t *data, size_t size,
		      const kvp_record_list *dump);

#endif
