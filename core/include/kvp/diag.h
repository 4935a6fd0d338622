/* kvp/diag.h - diagnostics records the host side reads: azure-init's DIAG
 * format, written and read, and one reader for every diagnostics schema
 * found in a guest pool (DIAG of any agent, cloud-init's CLOUD_INIT
 * records, the PROVISIONING_REPORT, pam_kvp's own legacy records).
 *
 * A DIAG record's key has eleven '|'-separated fields, no escaping:
 *
 *   DIAG|<agent>|<vm_id>|<kind>|<name>|<event_id>|<timestamp>|<encoding>|
 *       <result>|<duration>|<chunk_index>
 *
 * e.g. "DIAG|kvpctl/0.1.0|3f2504e0-4f89-41d3-9a0c-0305e82c3301|event|
 * boot:journal|8f3e9c4a-1b2c-4d5e-9f01-234567890abc|
 * 2026-08-31T12:34:56.789Z|zlib+b64|||0" (one line). The timestamp is RFC
 * 3339 UTC with milliseconds and 'Z'; the duration decimal seconds with
 * six fraction digits ("0.312000"); kind, result and duration go together
 * as: start (no result, no duration), finish (both), event (either). The
 * payload is encoded first (none: UTF-8 text; zlib+b64 / gz+b64: standard
 * padded base64 of a zlib stream / gzip member), then split into chunks of
 * at most KVP_DIAG_MAX_CHUNK bytes (text on UTF-8 boundaries), one record
 * each, indexed from 0. Every record of one payload has the same key but
 * for the chunk index, so a reader groups them by that.
 *
 * The writer only ever writes DIAG keys (never PROVISIONING_REPORT,
 * CLOUD_INIT|..., azure-init-... or DIAG_V... keys), and all chunks of a
 * payload with one kvp_store_append_multiple(): one lock, one write, so a
 * reader never sees half a group.
 */
#ifndef KVP_DIAG_H
#define KVP_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "kvp/common.h"
#include "kvp/event.h"
#include "kvp/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The producer's limits, in bytes (after encoding). */
#define KVP_DIAG_MAX_KEY    254	 /* a whole key, chunk index included */
#define KVP_DIAG_MAX_CHUNK  1022 /* one record's value */
#define KVP_DIAG_MAX_CHUNKS 1023 /* records of one payload */
#define KVP_DIAG_MAX_AGENT  32
#define KVP_DIAG_MAX_NAME   48

typedef enum kvp_diag_kind {
	KVP_DIAG_EVENT = 0, /* "event": a standalone observation */
	KVP_DIAG_START,	    /* "start": an operation began */
	KVP_DIAG_FINISH,    /* "finish": it ended (result and duration) */
} kvp_diag_kind;

typedef enum kvp_diag_encoding {
	KVP_DIAG_ENC_NONE = 0, /* "none": UTF-8 text without NUL */
	KVP_DIAG_ENC_ZLIB_B64, /* "zlib+b64": any bytes */
	KVP_DIAG_ENC_GZ_B64,   /* "gz+b64": any bytes */
} kvp_diag_encoding;

typedef enum kvp_diag_result {
	KVP_DIAG_RESULT_NONE = 0, /* no result */
	KVP_DIAG_SUCCESS,	  /* "success" */
	KVP_DIAG_FAIL,		  /* "fail" */
} kvp_diag_result;

/* An elapsed time: whole seconds and nanoseconds (0..999999999). */
typedef struct kvp_diag_duration {
	unsigned long long sec;
	unsigned int nsec;
} kvp_diag_duration;

/* One diagnostic to write. Strings are the caller's; nothing is kept
 * after the call. */
typedef struct kvp_diag_record {
	const char *agent;    /* 1..32 bytes: "name/VERSION" by convention */
	const char *vm_id;    /* a UUID, or NULL: kvp_diag_vm_id() */
	kvp_diag_kind kind;   /* default (0): event */
	const char *name;     /* 1..48 bytes, e.g. "boot:journal" */
	const char *event_id; /* a UUID (a finish reuses its start's), or
			       * NULL: a new random one */
	struct timespec time; /* CLOCK_REALTIME; {0,0}: now */
	kvp_diag_encoding encoding;
	kvp_diag_result result;	    /* finish: required; start: none */
	bool has_duration;	    /* finish: required; start: false */
	kvp_diag_duration duration; /* written with six fraction digits */
	const void *payload;	    /* payload_len bytes (NULL when 0) */
	size_t payload_len;
} kvp_diag_record;

/* What kvp_diag_write() wrote. */
typedef struct kvp_diag_written {
	char event_id[KVP_UUID_SIZE]; /* the record's (given or made) */
	char vm_id[KVP_UUID_SIZE];    /* the key's */
	bool vm_id_available;	      /* false: vm_id is the nil UUID */
	size_t chunks;		      /* records appended */
} kvp_diag_written;

/* The VM id as azure-init computes it: the SMBIOS system UUID from
 * /sys/class/dmi/id/product_uuid (readable by root only), trimmed and
 * lower-cased; on a Generation 1 VM (neither /sys/firmware/efi nor
 * /dev/efi exists) the first three fields are byte-swapped
 * (550e8400-e29b-41d4-a716-446655440000 becomes
 * 00840e55-9be2-d441-a716-446655440000). When the file cannot be read or
 * does not hold a UUID, out gets the nil UUID
 * 00000000-0000-0000-0000-000000000000: a DIAG key never holds a
 * non-UUID. Returns 1 when the id was read, 0 for the nil UUID (a writer
 * of JSON values then sets "vm_id_unavailable":true), <0 on a bad
 * argument. Tests only: the files are looked for under the directory in
 * the environment variable KVP_TEST_SYSROOT (ignored in a setuid or
 * otherwise secure-execution process). */
KVP_EXTERN int kvp_diag_vm_id(char out[KVP_UUID_SIZE]);

/* Validate `rec`, encode its payload, split it into chunks and append them
 * all with kvp_store_append_multiple() (one lock, adjacent, in order).
 * Every problem of the record itself (a field empty, too long, holding
 * '|' or a control character, not a UUID, a kind without its required
 * result or duration, a text payload that is not UTF-8 or holds a NUL, a
 * payload needing more than KVP_DIAG_MAX_CHUNKS chunks) is
 * KVP_ERR_INVALID_ARG, found before the pool is touched; any other code
 * is the store's. `out` (may be NULL) receives what was written. */
KVP_EXTERN int kvp_diag_write(const kvp_store *store,
			      const kvp_diag_record *rec,
			      kvp_diag_written *out);

/* Parse decimal seconds as DIAG writes and reads them: digits, optionally
 * '.' and 1 to 9 more ("0.312", "42"; no sign, exponent or spaces). 0, or
 * KVP_ERR_INVALID_ARG. */
KVP_EXTERN int kvp_diag_duration_parse(const char *s, kvp_diag_duration *out);

/* Parse an RFC 3339 date-time as the reader does for cloud-init and
 * reports: "YYYY-MM-DDTHH:MM:SS", an optional fraction of 1 to 9 digits,
 * then 'Z' or an offset "+HH:MM"/"-HH:MM"; *out is UTC. 0, or
 * KVP_ERR_INVALID_ARG. */
KVP_EXTERN int kvp_diag_time_parse(const char *s, struct timespec *out);

/* ---- reading ---- */

/* Where a diagnostic came from: the schema its key's first field names. */
typedef enum kvp_diag_schema {
	KVP_DIAG_SCHEMA_DIAG = 0,   /* "DIAG|..." of any agent; "DIAG_V<n>"
				     * as unsupported_version */
	KVP_DIAG_SCHEMA_CLOUD_INIT, /* "CLOUD_INIT|..." (both key forms) */
	KVP_DIAG_SCHEMA_REPORT,	    /* "PROVISIONING_REPORT" */
	KVP_DIAG_SCHEMA_PAM_KVP,    /* pam_kvp's legacy "<prefix>|<event>|
				     * <service>|<time>|<id>" records */
} kvp_diag_schema;

/* Why a group of records could not be decoded; the tokens of azure-init's
 * reader (kvp_diag_error_token). */
typedef enum kvp_diag_error {
	KVP_DIAG_OK = 0,
	KVP_DIAG_ERR_UNSUPPORTED_VERSION, /* "unsupported_version" */
	KVP_DIAG_ERR_INCOMPLETE_GROUP,	  /* "incomplete_group" */
	KVP_DIAG_ERR_DUPLICATE_CHUNK,	  /* "duplicate_chunk" */
	KVP_DIAG_ERR_UNDECODABLE,	  /* "undecodable" */
	KVP_DIAG_ERR_MALFORMED,		  /* "malformed" */
} kvp_diag_error;

/* One diagnostic: a decoded group of records, or a group that could not
 * be decoded (error set), never left out. Owned by its list; every
 * pointer stays valid until kvp_diag_list_free(). The library allocates
 * entries, so later versions may add members at the end.
 *
 * Normalised fields (NULL / false when absent or not known; a failed
 * group keeps what its key still gives):
 *   DIAG        as in the key.
 *   CLOUD_INIT  agent "CLOUD_INIT"; kind start/finish as its type, every
 *               other type (source_type) an event; the key's vm_id (the
 *               older key form has none) and event id; the value's "ts"
 *               in UTC; SUCCESS/FAIL as success/fail; "duration"; the
 *               message, fragments joined before unescaping, and an
 *               encoding envelope's data decoded.
 *   REPORT      agent, vm_id and timestamp of the report, name
 *               "PROVISIONING_REPORT", kind event, result success (or
 *               fail for "error"), payload the value as stored.
 *   PAM_KVP     agent the key's prefix, name "session" for session_open
 *               (start) / session_close (finish), else the event's name;
 *               event_id the value's session id (else the key's id); the
 *               key's time; result success, or fail with result_text the
 *               PAM error; duration_s; payload the JSON value as stored.
 */
typedef struct kvp_diag_entry {
	kvp_diag_schema schema;
	kvp_diag_error error; /* KVP_DIAG_OK when decoded */
	const char *detail;   /* with an error: what is wrong, one line */
	const char *agent;
	const char *vm_id;
	kvp_diag_kind kind;
	const char *name;
	const char *event_id;
	const char *timestamp; /* as stored (DIAG, report), else RFC 3339 UTC */
	bool has_time;
	struct timespec time; /* the timestamp, UTC */
	const char *encoding; /* the token as stored ("none" for text) */
	kvp_diag_result result;
	const char *result_text; /* the result as stored, or NULL */
	bool has_duration;
	kvp_diag_duration duration;
	const char *source_type; /* CLOUD_INIT: the record's type */
	/* The decoded payload (NUL-terminated as a convenience; it may hold
	 * NULs). payload_is_text: valid UTF-8 without NUL. NULL when the
	 * group failed. */
	const char *payload;
	size_t payload_len;
	bool payload_is_text;
	/* The records behind it: in chunk order when decoded, in file order
	 * when not. position is the file index of its first record. */
	const kvp_record *records;
	size_t record_count;
	size_t position;
} kvp_diag_entry;

/* A read's result: entries in the order of their first record in the
 * file. Opaque: kvp_diag_list_count/get, released by kvp_diag_list_free. */
typedef struct kvp_diag_list kvp_diag_list;

/* Read every record of the pool (kvp_store_dump: shared lock, one read)
 * and decode the diagnostics of every schema above. Records of no known
 * schema are not diagnostics and are left out. legacy_prefix is pam_kvp's
 * key prefix (NULL: "PAM_KVP"). A missing pool gives an empty list. *out
 * is owned by the caller: kvp_diag_list_free(). */
KVP_EXTERN int kvp_diag_read(const kvp_store *store, const char *legacy_prefix,
			     kvp_diag_list **out);
KVP_EXTERN size_t kvp_diag_list_count(const kvp_diag_list *list);
/* Entry i (< count), owned by the list; NULL when out of range. */
KVP_EXTERN const kvp_diag_entry *kvp_diag_list_get(const kvp_diag_list *list,
						   size_t i);
/* Bytes of a partial last record that were skipped (kvp_record_list). */
KVP_EXTERN size_t kvp_diag_list_torn_bytes(const kvp_diag_list *list);
/* Release a list and everything its entries point to; NULL is fine. */
KVP_EXTERN void kvp_diag_list_free(kvp_diag_list *list);

/* Names as written in keys and output (static storage; NULL for a value
 * out of range): "event", "start", "finish"; "none", "zlib+b64",
 * "gz+b64"; "success", "fail" ("" for none); "diag", "cloud_init",
 * "report", "pam_kvp"; "malformed" and the other error tokens ("" for
 * KVP_DIAG_OK). */
KVP_EXTERN const char *kvp_diag_kind_name(kvp_diag_kind kind);
KVP_EXTERN const char *kvp_diag_encoding_name(kvp_diag_encoding encoding);
KVP_EXTERN const char *kvp_diag_result_name(kvp_diag_result result);
KVP_EXTERN const char *kvp_diag_schema_name(kvp_diag_schema schema);
KVP_EXTERN const char *kvp_diag_error_token(kvp_diag_error error);

#ifdef __cplusplus
}
#endif

#endif
