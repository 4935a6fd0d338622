/* kvp/event.h - login and session events as pool records: the key and
 * JSON value pam_kvp writes (DESIGN.md section 5), the bounded write that
 * evicts our own oldest records, and the reader behind `kvpctl events`.
 *
 * Key:   <prefix>|<event>|<service>|<YYYYMMDDTHHMMSS.mmmZ>|<8 hex>
 * Value: {"v":1,"event":..,"time":"<RFC 3339 UTC, ms>","service":..,
 *         "user":..,"rhost":..,"ruser":..,"tty":..,"pid":..,"uid":..,
 *         "session":"<uuid>","result":..,"duration_s":..,"host":..,
 *         "boot_id":..,"truncated":true}
 * Both always fit the mode's limits. Strings are cut on a UTF-8 boundary,
 * invalid UTF-8 becomes U+FFFD, control characters are escaped by the
 * JSON library, and "truncated":true marks a record where anything was
 * cut. A field set to "hash" holds "hmac-sha256:<32 hex>", an HMAC-SHA256
 * of the value keyed with the secret in hash_key_file (32 random bytes,
 * created 0600 on first use): stable on one machine, so sessions of one
 * user can be matched, but the name cannot be recovered or guessed from
 * a list of names without the secret. If the secret cannot be read or
 * made, the field is left out and "hash_unavailable":true is set; the
 * plain value is never written in its place.
 */
#ifndef KVP_EVENT_H
#define KVP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "kvp/common.h"
#include "kvp/config.h"
#include "kvp/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KVP_UUID_SIZE 37 /* 36 characters and a NUL */

/* One event. Strings are the caller's and may be NULL (the field is then
 * left out) or hold any bytes; nothing is kept after the call. */
typedef struct kvp_event {
	kvp_event_type type;
	struct timespec time; /* CLOCK_REALTIME; {0,0}: now */
	const char *service;  /* PAM_SERVICE */
	const char *user;     /* PAM_USER */
	const char *ruser;    /* PAM_RUSER */
	const char *rhost;    /* PAM_RHOST */
	const char *tty;      /* PAM_TTY */
	long long pid;	      /* <0: left out */
	long long uid;	      /* <0: left out */
	const char *session;  /* session id (kvp_uuid), or NULL */
	const char *result;   /* "success" or the PAM error's name */
	bool has_duration;
	double duration_s;   /* session_close: seconds since the open */
	const char *host;    /* NULL: gethostname() */
	const char *boot_id; /* NULL: /proc/sys/kernel/random/boot_id */
} kvp_event;

/* Key and value of `ev` under `s`, NUL-terminated into the caller's
 * buffers (key_size > 512 and value_size > 2048 always suffice). */
KVP_EXTERN int kvp_event_encode(const kvp_settings *s, const kvp_event *ev,
				char *key, size_t key_size, char *value,
				size_t value_size);

/* Encode `ev` and write it to the pool `s` names, under one exclusive
 * lock (waiting at most s->lock_timeout_ms): clear the pool first if
 * s->clear_if_stale and it predates this boot; remove our oldest records
 * (key prefix s->key_prefix, oldest by the key's time) until fewer than
 * s->max_records remain; then append or insert per s->write. Records of
 * other writers are never touched. */
KVP_EXTERN int kvp_event_record(const kvp_settings *s, const kvp_event *ev);

/* Our event records (keys starting with "<prefix>|"; NULL prefix: the
 * default "PAM_KVP") in `store`, oldest first by the key's time, records
 * of equal time in file order. A missing pool file gives an empty list.
 * Caller frees with kvp_record_list_free(). */
KVP_EXTERN int kvp_event_list(const kvp_store *store, const char *prefix,
			      kvp_record_list *out);

/* A random (version 4) UUID, lower-case, into out[KVP_UUID_SIZE]. */
KVP_EXTERN int kvp_uuid(char out[KVP_UUID_SIZE]);

#ifdef __cplusplus
}
#endif

#endif
