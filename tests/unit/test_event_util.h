/* test_event_util.h - shared helpers of the event suites (test_event_*.c):
 * settings for a temporary pool, a fake system root for the VM id,
 * encoding with assertions (each key checked against its format), the
 * value parsed back with jansson, and records with chosen key times in
 * both formats. */
#ifndef KVP_TEST_EVENT_UTIL_H
#define KVP_TEST_EVENT_UTIL_H

#include <jansson.h>
#include <stdbool.h>

#include "event/event_internal.h" /* event_encode, pool_max_*_size */
#include "test_util.h"

/* The VM id of the event suites: the fake system root te_settings() sets
 * up holds this SMBIOS UUID and /sys/firmware/efi (a Gen2 VM: used as
 * read), so no test depends on the machine's own product_uuid. */
#define TE_VM_ID "550e8400-e29b-41d4-a716-446655440000"
#define TE_AGENT "pam_kvp/" KVP_VERSION
#define TE_NIL	 "00000000-0000-0000-0000-000000000000"

/* Defaults (format "diag"), with the pool and the hash secret
 * ("<dir>/secret.key") inside `dir`, and the fake system root
 * (te_sysroot(TE_VM_ID, true)) unless a test set one before;
 * kvp_settings_free() them. */
kvp_settings *te_settings(const char *dir);
/* Point KVP_TEST_SYSROOT at a fresh fake root (removed at exit) whose
 * product_uuid holds `smbios` (NULL: no file, the id cannot be read), a
 * Gen2 VM when `efi`. Only before the first event of the test: the
 * library reads the id once per process. */
void te_sysroot(const char *smbios, bool efi);
/* Apply the module argument printf(fmt, ...), asserting success. */
void te_set(kvp_settings *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set how `field` ("user", ...) is recorded ("plain", "hash", "omit"),
 * through a pam_kvp.conf: fields are no module argument. */
void te_field(kvp_settings *s, const char *field, const char *policy);
/* The settings' mode, read from their printed form. */
kvp_mode te_mode(const kvp_settings *s);
/* Whether the settings' format is "diag" (else "pam_kvp"). */
bool te_diag(const kvp_settings *s);

/* An ordinary session_open event at 2026-11-24T22:33:46.123Z. */
void te_event(kvp_event *ev);

/* Encode into key[KVP_KEY_FIELD_SIZE + 1] and
 * value[KVP_VALUE_FIELD_SIZE + 1], asserting success, the limits (the
 * mode's; with DIAG a key of at most 254 and a value of at most 1022
 * bytes in either mode) and, with DIAG, te_assert_diag(). */
void te_encode(const kvp_settings *s, const kvp_event *ev, char *key,
	       char *value);

/* Assert a DIAG key of ours agrees with its value: the DIAG parser takes
 * it whole; agent TE_AGENT; a UUID vm_id, the nil UUID exactly when the
 * value says "vm_id_unavailable":true; kind, name "pam:<token>:<what>"
 * and result as the value's "event" maps to (a session_close with
 * "duration_s" a finish with the duration, to 6 digits); event_id the
 * value's "session" when it has one; timestamp the value's "time";
 * encoding none; chunk 0; the value at most 1022 bytes. */
void te_assert_diag(const char *key, const char *value);

/* The fields of a DIAG key, split at '|' (asserted: 11). */
struct te_diag {
	char f[11][KVP_KEY_FIELD_SIZE + 1];
};
enum {
	TE_D_AGENT = 1,
	TE_D_VM,
	TE_D_KIND,
	TE_D_NAME,
	TE_D_EVENT_ID,
	TE_D_TIME,
	TE_D_ENCODING,
	TE_D_RESULT,
	TE_D_DURATION,
	TE_D_INDEX
};
void te_diag_parts(const char *key, struct te_diag *out);

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
/* A planted DIAG key "DIAG|<agent>|TE_VM_ID|<kind>|<name>|<event_id>|
 * <timestamp>|none|<result>|<duration>|0" (kind event: result success,
 * no duration; start: neither; finish: success, "1.000000"). */
char *te_diag_key(const char *agent, const char *kind, const char *name,
		  const char *timestamp, const char *event_id);
/* Is the key one of ours, in either format ("PAM_KVP|..." or
 * "DIAG|pam_kvp/...")? */
bool te_ours(const char *key);

#endif
