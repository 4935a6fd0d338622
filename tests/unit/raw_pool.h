/* raw_pool.h - a pool file parsed byte by byte, without libkvpcore, to
 * check what concurrent writers left behind. */
#ifndef KVP_TEST_RAW_POOL_H
#define KVP_TEST_RAW_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/pool.h"

/* Key of the record the daemon-like peer keeps ("round=<n>" as value). */
#define RAW_DAEMON_KEY "HV|daemon"

struct raw_record {
	char key[KVP_KEY_FIELD_SIZE + 1];
	size_t key_len;
	char value[KVP_VALUE_FIELD_SIZE + 1];
	size_t value_len;
	char note[64]; /* the value's note (see peer_record.h) */
};

struct raw_pool {
	struct raw_record *recs;
	size_t count;
};

/* Read `path` (a missing file is empty) and assert that it is whole: its
 * size is a multiple of 2560, every field is NUL-padded after its text,
 * and every value is the one its key was written with (pr_value_ok), or
 * "round=<n>" for RAW_DAEMON_KEY. Release with raw_pool_free(). */
void raw_pool_load(const char *path, struct raw_pool *out);
void raw_pool_free(struct raw_pool *p);

/* Records with this exact key; *first (if not NULL) gets the index of the
 * first, or count when none. */
size_t raw_pool_count(const struct raw_pool *p, const char *key, size_t *first);

/* Records whose key starts with `prefix`. */
size_t raw_pool_count_prefix(const struct raw_pool *p, const char *prefix);

/* Assert that no two records whose key starts with `prefix` share a key. */
void raw_pool_assert_unique(const struct raw_pool *p, const char *prefix);

/* Checks of records returned by libkvpcore, usable from any thread: NULL
 * when the record is whole and consistent, else what is wrong. */
const char *raw_check_record(const char *key, size_t key_len, const char *value,
			     size_t value_len);

#endif
