/* test_event_util.h - shared helpers of the event suites (test_event_*.c):
 * settings for a temporary pool, encoding with assertions, the value
 * parsed back with jansson, and records with chosen key times. */
#ifndef KVP_TEST_EVENT_UTIL_H
#define KVP_TEST_EVENT_UTIL_H

#include <jansson.h>
#include <stdbool.h>

#include "event/event_internal.h" /* event_encode, pool_max_*_size */
#include "test_util.h"

/* Defaults, with the pool and the hash secret ("<dir>/secret.key")
 * inside `dir`; kvp_settings_free() them. */
kvp_settings *te_settings(const char *dir);
/* Apply the module argument printf(fmt, ...), asserting success. */
void te_set(kvp_settings *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set how `field` ("user", ...) is recorded ("plain", "hash", "omit"),
 * through a pam_kvp.conf: fields are no module argument. */
void te_field(kvp_settings *s, const char *field, const char *policy);
/* The settings' mode, read from their printed form. */
kvp_mode te_mode(const kvp_settings *s);

/* An ordinary session_open event at 2026-11-24T22:33:46.123Z. */
void te_event(kvp_event *ev);

/* Encode into key[KVP_KEY_FIELD_SIZE + 1] and
 * value[KVP_VALUE_FIELD_SIZE + 1], asserting success and the limits of
 * the settings' mode. */
void te_encode(const kvp_settings *s, const kvp_event *ev, char *key,
	       char *value);

/* The value as a JSON object (asserting it parses: valid UTF-8, one
 * object, no duplicate member). Caller json_decref()s. */
json_t *te_parse(const char *value);

/* Encode and parse in one step; key may be NULL. */
json_t *te_encode_parse(const kvp_settings *s, const kvp_event *ev, char *key);

/* Assert the object's members are exactly `names` (NULL-terminated), in
 * this order. */
void te_assert_members(json_t *obj, const char *const *names);

/* Member `name` as a string (asserting it is one). */
const char *te_str(json_t *obj, const char *name);
/* Does the object have member `name`? */
bool te_has(json_t *obj, const char *name);

/* Split a key at '|' into exactly five parts (asserted), copied into
 * parts[5][KVP_KEY_FIELD_SIZE + 1]. */
void te_key_parts(const char *key, char parts[5][KVP_KEY_FIELD_SIZE + 1]);

/* Does `s` match the POSIX extended regular expression `re`? */
bool te_matches(const char *s, const char *re);

/* The event key regex for the default prefix, and for any prefix. */
#define TE_KEY_RE_REST                                                         \
	"\\|(auth|auth_fail|account|session_open|session_close|password)"      \
	"\\|[A-Za-z0-9._-]{1,64}\\|[0-9]{8}T[0-9]{6}\\.[0-9]{3}Z\\|"           \
	"[0-9a-f]{8}$"
#define TE_KEY_RE     "^PAM_KVP" TE_KEY_RE_REST
#define TE_KEY_RE_ANY "^[A-Za-z0-9._-]{1,32}" TE_KEY_RE_REST

/* "<prefix>|session_open|sshd|<time>|<id>" for planted records. */
char *te_key(const char *prefix, const char *time, const char *id);

#endif
