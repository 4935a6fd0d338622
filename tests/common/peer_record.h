/* peer_record.h - self-checking record contents for the concurrency and lock
 * tests, shared by the test suites and the lock_holder helper program.
 *
 * A key is "<tag>|<writer>|<seq>" (or any text); its value is
 * "<key>#<note>|<filler>", where <note> says which write made it (writer,
 * round...) and <filler> is a run of letters whose length (40..939) and
 * letters follow from a hash of "<key>#<note>". A value therefore proves by
 * itself that it is whole and belongs to its key: a torn, shifted or mixed
 * record fails pr_value_ok(). Header-only because the helper program links
 * only libkvpcore.
 */
#ifndef KVP_PEER_RECORD_H
#define KVP_PEER_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kvp/pool.h"

/* Longest value pr_make_value() makes, within the Safe mode limit. */
#define PR_VALUE_MAX 1000

static inline uint32_t pr_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Fill `out` (at least PR_VALUE_MAX + 1 bytes) with the value of `key`
 * written with `note`; returns its length (0 if key and note are too long). */
static inline size_t pr_make_value(char *out, const char *key, const char *note)
{
	int head = snprintf(out, PR_VALUE_MAX + 1, "%s#%s|", key, note);
	uint32_t h;
	size_t fill;

	if (head < 0 || head > 60)
		return 0;
	h = pr_hash(out, (size_t)head - 1);
	fill = 40 + h % 900;
	for (size_t i = 0; i < fill; i++)
		out[head + i] = (char)('a' + (h + i * 7) % 26);
	out[head + fill] = '\0';
	return (size_t)head + fill;
}

/* True when `value` is exactly what pr_make_value(key, note) makes for some
 * note; the note is copied to `note` (if not NULL, cut to `cap`). */
static inline bool pr_value_ok(const char *key, size_t key_len,
			       const char *value, size_t value_len, char *note,
			       size_t cap)
{
	char expect[PR_VALUE_MAX + 1], k[KVP_KEY_FIELD_SIZE + 1],
	    n[PR_VALUE_MAX + 1];
	const char *bar;
	size_t nlen;

	if (key_len > KVP_KEY_FIELD_SIZE || value_len <= key_len + 1 ||
	    value_len > PR_VALUE_MAX || memcmp(value, key, key_len) != 0 ||
	    value[key_len] != '#')
		return false;
	bar = memchr(value + key_len + 1, '|', value_len - key_len - 1);
	if (!bar)
		return false;
	nlen = (size_t)(bar - (value + key_len + 1));
	memcpy(k, key, key_len);
	k[key_len] = '\0';
	memcpy(n, value + key_len + 1, nlen);
	n[nlen] = '\0';
	if (pr_make_value(expect, k, n) != value_len ||
	    memcmp(expect, value, value_len) != 0)
		return false;
	if (note && cap) {
		size_t c = nlen < cap - 1 ? nlen : cap - 1;
		memcpy(note, n, c);
		note[c] = '\0';
	}
	return true;
}

/* Encode one wire record: key and value NUL-padded to 512 + 2048 bytes. */
static inline void pr_encode(unsigned char rec[KVP_RECORD_SIZE],
			     const char *key, const char *value)
{
	size_t klen = strnlen(key, KVP_KEY_FIELD_SIZE);
	size_t vlen = strnlen(value, KVP_VALUE_FIELD_SIZE);

	memset(rec, 0, KVP_RECORD_SIZE);
	memcpy(rec, key, klen);
	memcpy(rec + KVP_KEY_FIELD_SIZE, value, vlen);
}

#endif
