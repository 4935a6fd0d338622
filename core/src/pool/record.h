/* record.h - the 2560-byte record: encode, field lengths, key match. */
#ifndef KVP_RECORD_H
#define KVP_RECORD_H

#include <stdbool.h>
#include <string.h>

#include "util/internal.h"

/* Bytes of a field up to its first NUL (the whole field if it has none). */
static inline size_t rec_field_len(const unsigned char *field, size_t size)
{
	const unsigned char *nul = memchr(field, '\0', size);
	return nul ? (size_t)(nul - field) : size;
}

static inline size_t rec_key_len(const unsigned char *rec)
{
	return rec_field_len(rec, KVP_KEY_FIELD_SIZE);
}

static inline const unsigned char *rec_value(const unsigned char *rec)
{
	return rec + KVP_KEY_FIELD_SIZE;
}

static inline size_t rec_value_len(const unsigned char *rec)
{
	return rec_field_len(rec + KVP_KEY_FIELD_SIZE, KVP_VALUE_FIELD_SIZE);
}

/* Whether the record's key is exactly key[0..len). An empty `key` matches
 * a record whose key field is empty (the reference store compares decoded
 * strings, so its delete("") removes such records). */
static inline bool rec_key_is(const unsigned char *rec, const char *key,
			      size_t len)
{
	if (len > KVP_KEY_FIELD_SIZE)
		return false;
	if (len == 0)
		return rec[0] == '\0';
	if (len < KVP_KEY_FIELD_SIZE && rec[len] != '\0')
		return false;
	return memcmp(rec, key, len) == 0;
}

/* Fill a record: the bytes, then NUL padding (lengths already checked). */
static inline void rec_encode(unsigned char *rec, const char *key,
			      size_t key_len, const char *value,
			      size_t value_len)
{
	memset(rec, 0, KVP_RECORD_SIZE);
	memcpy(rec, key, key_len);
	if (value_len)
		memcpy(rec + KVP_KEY_FIELD_SIZE, value, value_len);
}

#endif
