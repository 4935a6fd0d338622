/* keyset.h - a fixed-size hash set of byte-string keys, each with one
 * size_t of payload: unique-key counts and last-write-wins dedup. */
#ifndef KVP_KEYSET_H
#define KVP_KEYSET_H

#include <stdbool.h>
#include <stddef.h>

struct keyset_entry {
	const void *key; /* not owned: points into the caller's records */
	size_t len;
	size_t payload;
};

struct keyset {
	struct keyset_entry *slots;
	size_t mask;
	size_t count;
};

/* Room for `max_keys` keys; 0, or -1 when out of memory. */
int keyset_init(struct keyset *ks, size_t max_keys);
/* The entry for `key`, added with `payload` if it was absent (*added then
 * true). The set must not be full. */
struct keyset_entry *keyset_add(struct keyset *ks, const void *key, size_t len,
				size_t payload, bool *added);
bool keyset_contains(const struct keyset *ks, const void *key, size_t len);
void keyset_free(struct keyset *ks);

#endif
