/* diag_internal.h - the pieces of the diagnostics layer (kvp/diag.h) shared
 * by its sources; not installed.
 *
 *   diag_key.c      the one key parser (every schema) and UUIDs
 *   diag_time.c     timestamps, durations, decimal numbers
 *   diag_codec.c    base64 (nettle) and zlib / gzip (zlib)
 *   diag_payload.c  encode then split; join then decode
 *   diag_vmid.c     the VM id
 *   diag_write.c    the records of one diagnostic, and kvp_diag_write
 *   diag_read.c     grouping and the list
 *   diag_cloudinit.c, diag_value.c   cloud-init's, the report's and
 *                   pam_kvp's legacy values
 *
 * The layer uses only the store's public calls (kvp_store_dump,
 * kvp_store_append_multiple, kvp_record_list_free), kvp_uuid and the
 * error detail; the event layer may call the record builder
 * (diag_batch_build) to write DIAG records under its own lock.
 */
#ifndef KVP_DIAG_INTERNAL_H
#define KVP_DIAG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/internal.h"
#include "kvp/diag.h"

#define DIAG_PREFIX	    "DIAG"
#define DIAG_CLOUD_INIT	    "CLOUD_INIT"
#define DIAG_REPORT_KEY	    "PROVISIONING_REPORT"
#define DIAG_LEGACY_DEFAULT "PAM_KVP"
#define DIAG_NIL_UUID	    "00000000-0000-0000-0000-000000000000"

/* A growable byte buffer; data is NUL-terminated once anything was added
 * (diag_buf_add keeps one spare byte). */
struct diag_buf {
	char *data;
	size_t len, cap;
};
/* 0, or KVP_ERR_NOMEM (with the error detail set). */
int diag_buf_add(struct diag_buf *b, const void *p, size_t n);
int diag_buf_reserve(struct diag_buf *b, size_t extra);
void diag_buf_free(struct diag_buf *b);

/* Bytes of a key or value, not NUL-terminated. */
struct diag_span {
	const char *s;
	size_t len;
};

/* ---- diag_time.c ---- */

/* "2026-08-31T12:34:56.123456789Z" and its NUL. */
#define DIAG_TIME_SIZE 31
/* "18446744073709551615.000000" and its NUL. */
#define DIAG_DURATION_SIZE 28

/* Dates by hand (Howard Hinnant's algorithms, proleptic Gregorian), not
 * with gmtime_r or timegm: glibc's first call of either loads the time
 * zone (/etc/localtime, seven system calls in every process that records
 * an event) that a UTC time never needs. */
struct diag_date {
	long long year;
	int month, day; /* 1-12, 1-31 */
};
/* Days since 1970-01-01 of a civil date with 1 <= m <= 12; a day past
 * the month's end counts on into the next, as timegm's does. */
long long diag_days_from_civil(long y, long m, long d);
/* The civil date of a day count since 1970-01-01. */
void diag_civil_from_days(long long days, struct diag_date *out);

/* RFC 3339 UTC with `digits` (0, 3, 6 or 9) fraction digits and 'Z'.
 * 0, or KVP_ERR_INVALID_ARG for a time outside years 1970..9999. */
int diag_time_format(const struct timespec *t, int digits,
		     char out[DIAG_TIME_SIZE]);
/* The fewest of 0/3/6/9 digits that show t exactly. */
int diag_time_digits(const struct timespec *t);
/* A DIAG timestamp: "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z", a
 * real date and time, nothing else. */
bool diag_time_parse_diag(const char *s, size_t len, struct timespec *out);
/* Any RFC 3339 date-time (fraction of any length, 'Z' or an offset),
 * converted to UTC: cloud-init's "ts" and the report's timestamp. */
bool diag_time_parse_rfc3339(const char *s, size_t len, struct timespec *out);
/* pam_kvp's legacy key time "YYYYMMDDTHHMMSS.mmmZ". */
bool diag_time_parse_compact(const char *s, size_t len, struct timespec *out);

/* v as exactly `width` decimal digits at p, zero-padded ("%0*llu" for a v
 * below 10^width; higher digits are dropped); no NUL. p + width. */
char *diag_put_digits(char *p, unsigned long long v, int width);
/* v in decimal as "%llu" prints it, at p (at most 20 bytes); no NUL. The
 * end. */
char *diag_put_uint(char *p, unsigned long long v);

/* A non-empty run of ASCII digits that fits 64 bits. */
bool diag_uint_parse(const char *s, size_t len, unsigned long long *out);
/* Decimal seconds: digits, optionally '.' and 1..9 digits. */
bool diag_duration_parse(const char *s, size_t len, kvp_diag_duration *out);
/* Seconds as a JSON number gives them (cloud-init's "duration", pam_kvp's
 * "duration_s"), rounded to microseconds; false when negative or too
 * large. */
bool diag_duration_from_seconds(double s, kvp_diag_duration *out);
/* "<sec>.<6 digits>" (lower digits dropped; d->nsec below 10^9); its
 * length. */
size_t diag_duration_format(const kvp_diag_duration *d,
			    char out[DIAG_DURATION_SIZE]);

/* ---- diag_key.c ---- */

/* A UUID as the reader accepts it (hyphenated, 32 hex digits, braced or
 * "urn:uuid:"; either case) into 16 bytes. */
bool diag_uuid_parse(const char *s, size_t len, unsigned char out[16]);
/* The writer's form: 8-4-4-4-12 hex digits, either case. */
bool diag_uuid_canonical(const char *s);

/* What a key says. Spans point into the key; unknown fields are empty. */
struct diag_key {
	bool known; /* a schema this reader decodes */
	kvp_diag_schema schema;
	kvp_diag_error error; /* of the key alone (malformed, unsupported) */
	const char *detail;   /* static text, with an error */
	size_t base_len;      /* the key without "|<chunk index>" */
	bool has_index;
	unsigned long long index;
	struct diag_span agent, vm_id, kind, name, event_id, timestamp,
	    encoding, result, duration, source_type;
	kvp_diag_kind kind_value;
	kvp_diag_result result_value;
	bool has_duration;
	kvp_diag_duration duration_value;
	bool has_time;
	struct timespec time;
};

/* Parse a record's key. legacy_prefix: pam_kvp's prefix (never NULL). */
void diag_key_parse(const char *key, size_t len, const char *legacy_prefix,
		    struct diag_key *out);

/* ---- diag_codec.c ---- */

size_t diag_b64_len(size_t n); /* encoded length of n bytes */
/* Standard padded base64 of src into dst[diag_b64_len(n)] (no NUL). 0,
 * or KVP_ERR_IO when nettle cannot be loaded. */
int diag_b64_encode(const void *src, size_t n, char *dst);
/* Strict: standard alphabet, padded, canonical, no whitespace. 1 decoded
 * (appended to out), 0 invalid, <0 out of memory or KVP_ERR_IO when
 * nettle cannot be loaded. */
int diag_b64_decode(const char *s, size_t len, struct diag_buf *out);

enum diag_zformat { DIAG_ZLIB, DIAG_GZIP };
/* Compress into out (level 6, 32 KiB window). 0, or <0: out of memory,
 * or KVP_ERR_IO when zlib cannot be loaded. */
int diag_deflate(const void *src, size_t n, enum diag_zformat f,
		 struct diag_buf *out);
/* Exactly one complete stream, nothing after it: 1 inflated (appended to
 * out), 0 invalid, <0 out of memory or KVP_ERR_IO when zlib cannot be
 * loaded. */
int diag_inflate(const void *src, size_t n, enum diag_zformat f,
		 struct diag_buf *out);

/* ---- diag_payload.c ---- */

/* The stored form of a payload (validated: text must be UTF-8 without
 * NUL). 0, KVP_ERR_INVALID_ARG or KVP_ERR_NOMEM. */
int diag_payload_encode(kvp_diag_encoding enc, const void *p, size_t n,
			struct diag_buf *out);
/* Chunk ends of an encoded payload: at most `max` bytes each, text cut on
 * UTF-8 boundaries, one empty chunk for an empty payload. Writes at most
 * max_chunks ends; returns how many chunks it takes (may exceed
 * max_chunks). */
size_t diag_payload_split(const char *v, size_t len, bool text, size_t max,
			  size_t *ends, size_t max_chunks);
/* Decode a joined DIAG value by its encoding token. 1 decoded into out, 0
 * undecodable (*why set), <0 out of memory. */
int diag_payload_decode(struct diag_span encoding, const char *v, size_t n,
			struct diag_buf *out, const char **why);
/* cloud-init's envelope data: ASCII whitespace ignored, then gzip or zlib
 * by the stream's own magic. As diag_payload_decode. */
int diag_payload_decode_envelope(const char *data, size_t n,
				 struct diag_buf *out, const char **why);
/* Valid UTF-8 without NUL. */
bool diag_is_text(const char *s, size_t n);

/* ---- diag_vmid.c ---- */

/* kvp_diag_vm_id() under `root` ("" for /). */
int diag_vm_id_at(const char *root, char out[KVP_UUID_SIZE]);

/* ---- diag_write.c ---- */

/* The records of one diagnostic, ready for kvp_store_append_multiple. */
struct diag_batch {
	kvp_pair *pairs;
	size_t count;
	char *keys;	       /* count keys, each in KVP_DIAG_MAX_KEY + 1 */
	struct diag_buf value; /* the encoded payload the pairs point into */
	kvp_diag_written written;
};
/* Validate and build; nothing is written. 0, KVP_ERR_INVALID_ARG (the
 * record) or KVP_ERR_NOMEM. Release with diag_batch_free (also after a
 * failure). */
int diag_batch_build(const kvp_diag_record *rec, struct diag_batch *out);
void diag_batch_free(struct diag_batch *b);

/* ---- diag_read.c: what the value decoders fill in ---- */

/* Strings an entry points to, freed with the list. */
struct diag_arena {
	void **ptrs;
	size_t count, cap;
};
/* A NUL-terminated copy owned by the arena, or NULL (out of memory). */
char *diag_arena_dup(struct diag_arena *a, const char *s, size_t n);
/* Take ownership of p (freed now if it cannot be kept); false then. */
bool diag_arena_keep(struct diag_arena *a, void *p);
/* The buffer as the entry's payload (the arena takes it over). */
int diag_entry_take_payload(kvp_diag_entry *e, struct diag_arena *a,
			    struct diag_buf *b);
/* A copy of p[0..n) as the entry's payload. */
int diag_entry_copy_payload(kvp_diag_entry *e, struct diag_arena *a,
			    const char *p, size_t n);
/* Mark the entry failed; returns 0. */
int diag_entry_fail(kvp_diag_entry *e, kvp_diag_error error,
		    const char *detail);

/* ---- diag_cloudinit.c, diag_value.c ---- */

/* Decode one cloud-init diagnostic: recs[0..n) in chunk order (chunked:
 * the key had an index), into e (key fields already set). 0 (e->error
 * tells whether it decoded) or KVP_ERR_NOMEM. */
int diag_cloudinit_decode(const struct diag_key *k, const kvp_record *recs,
			  size_t n, bool chunked, kvp_diag_entry *e,
			  struct diag_arena *a);
int diag_report_decode(const kvp_record *rec, kvp_diag_entry *e,
		       struct diag_arena *a);
int diag_legacy_decode(const struct diag_key *k, const kvp_record *rec,
		       kvp_diag_entry *e, struct diag_arena *a);

#endif
