/* kvp/event.h - for a program that records logins (pam_kvp) or shows
 * them (`kvpctl events`): login and session events as pool records, the
 * bounded write that evicts our own oldest records, and the reader.
 *
 * The key is azure-init's DIAG key (the setting format = "diag", the
 * default; kvp/diag.h), agent "pam_kvp/<version>":
 *
 *   DIAG|pam_kvp/<version>|<vm_id>|<kind>|pam:<service>:<what>|
 *       <event_id>|<time>|none|<result>|<duration>|0
 *
 * auth, account and password are kind "event", name
 * "pam:<service>:auth" / ":account" / ":password", result "success";
 * auth_fail is the same as auth with result "fail"; session_open is a
 * "start" and session_close a "finish" (result "success", the event's
 * duration_s with six fraction digits; an "event" when it has none) of
 * name "pam:<service>:session", both with the session id as event_id.
 * Other events have a random event_id. <service> is PAM_SERVICE with
 * bytes outside [A-Za-z0-9._-] as '_', at most 35 bytes; <time> the
 * value's "time"; <vm_id> kvp_diag_vm_id(), read once per process (the
 * nil UUID when unreadable, and "vm_id_unavailable":true in the value).
 * With format = "pam_kvp" the key is pam_kvp's own (DESIGN.md section
 * 5):
 *
 *   <prefix>|<event>|<service>|<YYYYMMDDTHHMMSS.mmmZ>|<8 hex>
 *
 * The value is the same in both:
 *   {"v":1,"event":..,"time":"<RFC 3339 UTC, ms>","service":..,
 *    "user":..,"rhost":..,"ruser":..,"tty":..,"pid":..,"uid":..,
 *    "session":"<uuid>","result":..,"duration_s":..,"host":..,
 *    "boot_id":..,"truncated":true,"hash_unavailable":true,
 *    "vm_id_unavailable":true}
 * Both always fit the mode's limits, and a DIAG value one record's
 * (1022 bytes) in either mode. Strings are cut on a UTF-8 boundary,
 * invalid UTF-8 becomes U+FFFD, control characters are escaped by the
 * JSON library, and "truncated":true marks a record where anything was
 * cut. A field set to "hash" holds "hmac-sha256:<32 hex>", an HMAC-SHA256
 * of the value keyed with the secret in hash_key_file (32 random bytes,
 * created 0600 on first use): stable on one machine, so sessions of one
 * user can be matched, but the name cannot be recovered or guessed from
 * a list of names without the secret. If the secret cannot be read or
 * made, the field is left out and "hash_unavailable":true is set; the
 * plain value is never written in its place.
 *
 * auth_fail records beyond max_failures are folded into summaries, key
 * <prefix>|auth_fail_summary|all|<first time>|<8 hex>, value
 * {"v":1,"event":"auth_fail_summary","time":..,"rhost":<the source, or
 * "(none)", "(many)">,"first":..,"last":..,"count":N,"users":N,
 * "users_sketch":"<64 hex>","sources":N,"window_s":3600,"boot_id":..}:
 * the summaries' counts and the auth_fail records left add up to every
 * failure recorded.
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

/* The layout of kvp_event this header describes. */
#define KVP_EVENT_VERSION 2

/* Start every kvp_event from this initialiser, then set what you know:
 *
 *	kvp_event ev = KVP_EVENT_INIT;
 *	ev.type = KVP_EVENT_SESSION_OPEN;
 *	ev.service = service;
 *
 * It sets `version` (so that a later libkvpcore, whose kvp_event may have
 * grown members at its end, knows which layout the caller was built
 * against and reads only those members) and leaves pid and uid out. */
#define KVP_EVENT_INIT                                                         \
	{                                                                      \
		.version = KVP_EVENT_VERSION, .pid = -1, .uid = -1             \
	}

/* One event. Strings are the caller's and may be NULL (the field is then
 * left out) or hold any bytes; nothing is kept after the call. New members
 * are only ever added at the end, with a new KVP_EVENT_VERSION. */
typedef struct kvp_event {
	unsigned int version; /* KVP_EVENT_VERSION (set by KVP_EVENT_INIT) */
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
	/* Version 2: */
	bool user_unknown; /* `user` is no account here: invalid_user applies */
} kvp_event;

/* Encode `ev` and write it to the pool `s` names, under one exclusive
 * lock (waiting at most s->lock_timeout_ms), keeping pam_kvp's budgets:
 * at most s->max_records of our records that are not failures and
 * s->max_failures auth_fail records and summaries (key prefix
 * s->key_prefix). When a budget would be passed, our oldest records go in
 * a batch (failures are folded into "auth_fail_summary" records, which
 * count them), and with s->clear_if_stale our records of earlier boots
 * go too; between two such passes an event is one append that does not
 * read the pool. Records of other writers are never removed or changed.
 * An event whose version is not one this library knows (1 to
 * KVP_EVENT_VERSION: e.g. one not started from KVP_EVENT_INIT) is refused
 * with KVP_ERR_INVALID_ARG. */
KVP_EXTERN int kvp_event_record(const kvp_settings *s, const kvp_event *ev);

/* Our event records, in either format (DIAG records of agent
 * "pam_kvp/..." whose name is one of ours, and keys starting with
 * "<prefix>|"; NULL prefix: the default "PAM_KVP") in `store`, oldest
 * first by the key's time, records of equal time in file order. A
 * missing pool file gives an empty list.
 * *out is the caller's: kvp_record_list_free(). */
KVP_EXTERN int kvp_event_list(const kvp_store *store, const char *prefix,
			      kvp_record_list *out);

/* A random (version 4) UUID, lower-case, into the caller's
 * out[KVP_UUID_SIZE]. */
KVP_EXTERN int kvp_uuid(char out[KVP_UUID_SIZE]);

#ifdef __cplusplus
}
#endif

#endif
