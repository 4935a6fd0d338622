/* event_internal.h - the pieces shared by the event encoder (event_encode.c,
 * event_fields.c, event_hash.c), the bounded writer (event_write.c) and the
 * reader (event_list.c); not installed.
 *
 * Field caps, in bytes of valid UTF-8 before JSON escaping. They keep an
 * ordinary record well inside Safe mode's 1022 bytes; a hostile one (every
 * byte an escaped control character) is shortened further by the encoder
 * until it fits the mode (event_encode.c).
 */
#ifndef KVP_EVENT_INTERNAL_H
#define KVP_EVENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config/settings.h"
#include "kvp/event.h"
#include "util/internal.h"

#define EVENT_CAP_SERVICE 64  /* also the key's service token */
#define EVENT_CAP_USER	  64  /* user and ruser */
#define EVENT_CAP_RHOST	  256 /* a DNS name is at most 253 */
#define EVENT_CAP_TTY	  64
#define EVENT_CAP_HOST	  64 /* HOST_NAME_MAX */
#define EVENT_CAP_SESSION 64
#define EVENT_CAP_RESULT  64
#define EVENT_CAP_BOOT_ID 64

/* ---- event_encode.c: an event as its record ---- */

/* Key and value of `ev` under `s`, NUL-terminated into the caller's
 * buffers (key_size > 512 and value_size > 2048 always suffice), within
 * the mode's limits. Behind kvp_event_record(). */
int event_encode(const kvp_settings *s, const kvp_event *ev, char *key,
		 size_t key_size, char *value, size_t value_size);

/* ---- event_key.c: the record key and the key's time field ---- */

/* "20261124T223346.123Z" and "2026-11-24T22:33:46.123Z", NUL-terminated. */
#define EVENT_TIME_KEY_SIZE  21
#define EVENT_TIME_TEXT_SIZE 25
/* Longest key we build: prefix, event, service token, time, id, 4 bars. */
#define EVENT_KEY_MAX (KVP_KEY_PREFIX_MAX + 13 + EVENT_CAP_SERVICE + 20 + 8 + 4)

struct event_time {
	char key[EVENT_TIME_KEY_SIZE];	 /* the key's sortable form */
	char text[EVENT_TIME_TEXT_SIZE]; /* RFC 3339 for the value */
};

/* Both forms of `t` (UTC, milliseconds); {0,0} means now. */
int event_time_format(const struct timespec *t, struct event_time *out);

/* "<prefix>|<event>|<service token>|<time>|<8 random hex>" into
 * out[EVENT_KEY_MAX + 1]; its length, or <0. */
int event_key_build(const char *prefix, const char *event, const char *service,
		    const char *time_key, char out[EVENT_KEY_MAX + 1]);

/* Does the record's key start with "<prefix>|"? */
bool event_key_is_ours(const unsigned char *rec, const char *prefix,
		       size_t prefix_len);

/* Order two records by their key's time field (the fourth); a key without
 * one sorts first, as the oldest. */
int event_key_time_cmp(const unsigned char *a, const unsigned char *b);

/* ---- event_hash.c: the keyed digest behind the "hash" field policy ---- */

#define EVENT_SECRET_SIZE 32
#define EVENT_HASH_PREFIX "hmac-sha256:"
#define EVENT_HASH_LEN	  (sizeof(EVENT_HASH_PREFIX) - 1 + 32)

/* Read the secret at `path`, creating it first when missing. 0, or -1
 * when there is no usable secret (nothing is recorded as an error: the
 * record says "hash_unavailable" instead). */
int event_secret_load(const char *path, unsigned char key[EVENT_SECRET_SIZE]);

/* "hmac-sha256:" and, in hex, the first 16 bytes of
 * HMAC-SHA256(key, field || 0x00 || s[0..len)), `field` being the JSON
 * member's name ("user", "rhost", ...). */
void event_hash(const unsigned char key[EVENT_SECRET_SIZE], const char *field,
		const char *s, size_t len, char out[EVENT_HASH_LEN + 1]);

/* ---- event_fields.c: one string field of the value ---- */

struct event_str {
	char *text; /* valid UTF-8, malloc'd; NULL: the field is absent */
	size_t len;
	bool digest; /* a hash: never shortened */
};

/* The secret, looked for at most once per encoded event. */
struct event_secret {
	const char *path;
	int state; /* 0 not tried yet, 1 loaded, -1 unavailable */
	unsigned char key[EVENT_SECRET_SIZE];
};

/* Fill `out` from `raw` (NULL: absent) under `policy`: plain is made valid
 * UTF-8 and cut to `cap` bytes (*cut then set), hash is the digest of the
 * field's `name` and all of `raw`, omit is absent. A hash without a
 * secret is absent and sets *hash_unavailable. 0 or KVP_ERR_NOMEM. */
int event_str_make(struct event_str *out, const char *name, const char *raw,
		   size_t cap, kvp_field_policy policy,
		   struct event_secret *secret, bool *cut,
		   bool *hash_unavailable);
void event_str_free(struct event_str *s);

/* Bytes jansson writes for s[0..len) between the quotes (compact output,
 * no ASCII or slash escaping). */
size_t event_json_len(const char *s, size_t len);

/* Longest prefix of valid UTF-8 s[0..len), ending on a character
 * boundary, whose JSON form takes at most `budget` bytes. */
size_t event_json_cut(const char *s, size_t len, size_t budget);

#endif
