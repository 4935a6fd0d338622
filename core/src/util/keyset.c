/* keyset.c - open addressing with linear probing; the table is sized once
 * for the largest possible number of keys, so it never grows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/keyset.h"

static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int keyset_init(struct keyset *ks, size_t max_keys)
{
	size_t cap = 16;

	while (cap < max_keys * 2)
		cap *= 2;
	ks->slots = calloc(cap, sizeof(*ks->slots));
	ks->mask = cap - 1;
	ks->count = 0;
	return ks->slots ? 0 : -1;
}

static struct keyset_entry *find_slot(const struct keyset *ks, const void *key,
				      size_t len)
{
	size_t i = (size_t)hash_bytes(key, len) & ks->mask;

	for (;; i = (i + 1) & ks->mask) {
		struct keyset_entry *e = &ks->slots[i];
		if (!e->key)
			return e;
		if (e->len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
}

struct keyset_entry *keyset_add(struct keyset *ks, const void *key, size_t len,
				size_t payload, bool *added)
{
	struct keyset_entry *e = find_slot(ks, key, len);

	*added = e->key == NULL;
	if (*added) {
		/* An empty key still needs a non-NULL marker. */
		e->key = len ? key : (const void *)"";
		e->len = len;
		e->payload = payload;
		ks->count++;
	}
	return e;
}

bool keyset_contains(const struct keyset *ks, const void *key, size_t len)
{
	return find_slot(ks, key, len)->key != NULL;
}

void keyset_free(struct keyset *ks)
{
	free(ks->slots);
	ks->slots = NULL;
	ks->count = 0;
}
