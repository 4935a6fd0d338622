/* event_internal.h - the pieces shared by the event encoder (event_encode.c,
 * event_fields.c, event_hash.c, event_diag.c), the bounded writer
 * (event_write.c with event_budget.c,
 * event_summary.c and event_hint.c) and the reader (event_list.c); not
 * installed.
 *
 * An event is written in one of two formats (the setting `format`):
 * azure-init's DIAG record (event_diag.c, the default) or pam_kvp's own
 * legacy key (event_key.c); the value is the same JSON object in both.
 * event_key_classify() is the one test of which records are ours, in
 * either format.
 *
 * Field caps, in bytes of valid UTF-8 before JSON escaping. They keep an
 * ordinary record well inside Safe mode's 1022 bytes; a hostile one (every
 * byte an escaped control character) is shortened further by the encoder
 * until it fits (event_encode.c).
 */
#ifndef KVP_EVENT_INTERNAL_H
#define KVP_EVENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config/settings.h"
#include "kvp/diag.h"
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

/* What a user name that is no account here is recorded as by default. */
#define EVENT_INVALID_USER "(invalid user)"
#define EVENT_BOOT_ID_SIZE 128

/* ---- event_encode.c: an event as its record ---- */

/* Key and value of `ev` under `s`, NUL-terminated into the caller's
 * buffers (key_size > 512 and value_size > 2048 always suffice), within
 * the mode's limits. Behind kvp_event_record(). */
int event_encode(const kvp_settings *s, const kvp_event *ev, char *key,
		 size_t key_size, char *value, size_t value_size);
/* The same with `boot_id` (NULL: ev->boot_id, else the kernel's). */
int event_encode_boot(const kvp_settings *s, const kvp_event *ev,
		      const char *boot_id, char *key, size_t key_size,
		      char *value, size_t value_size);

/* The kernel's boot_id (/proc/sys/kernel/random/boot_id) without its
 * newline into buf, or NULL when it cannot be read. */
const char *event_boot_id(char *buf, size_t size);

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

/* PAM_SERVICE as a key token into out[cap + 1]: its bytes in
 * [A-Za-z0-9._-] kept, every other byte '_', at most `cap` bytes;
 * "unknown" when empty or NULL. Its length. */
size_t event_service_token(const char *service, size_t cap, char *out);

/* "<prefix>|<event>|<service token>|<time>|<8 random hex>" into
 * out[EVENT_KEY_MAX + 1]; its length, or <0. */
int event_key_build(const char *prefix, const char *event, const char *service,
		    const char *time_key, char out[EVENT_KEY_MAX + 1]);

/* What a record of ours says about itself. */
struct event_key_info {
	kvp_event_type type; /* KVP_EVENT_AUTH_FAIL for a summary */
	bool summary;
	char time[24]; /* sortable UTC "YYYYMMDDTHHMMSS.mmmZ" */
};

/* 1 when `rec` (a raw 2560-byte record) is one of our records under `s`,
 * in either format, with its info; 0 when not ours.
 *
 * Legacy: a key "<s->key_prefix>|<event>|<service>|<time>|<id>" whose
 * event is one of ours or a summary and whose time is a
 * "YYYYMMDDTHHMMSS.mmmZ" time; a key with our prefix that is no event of
 * ours is not ours (never counted, evicted or folded).
 * DIAG: a key the DIAG parser accepts whole, of an agent "pam_kvp/...",
 * whose name "pam:<service>:<what>", kind and result are one of
 * event_diag.c's mappings (which give the type); time the key's
 * timestamp in the sortable form (milliseconds, lower digits dropped).
 * summary: an auth_fail summary (legacy keys only). Records of equal time
 * are ordered by slot by the callers. */
int event_key_classify(const unsigned char *rec, const kvp_settings *s,
		       struct event_key_info *out);

/* ---- event_diag.c: an event as a DIAG record (format = "diag") ---- */

#ifndef KVP_VERSION
#error "KVP_VERSION is not defined: build with the Makefile"
#endif
#define EVENT_DIAG_AGENT "pam_kvp/" KVP_VERSION
/* The service in a name, "pam:<service>:<what>": 48 bytes with the
 * longest <what>, "password". */
#define EVENT_DIAG_SERVICE_MAX (KVP_DIAG_MAX_NAME - 13)

/* The VM id of DIAG keys (kvp_diag_vm_id), read at the first call of the
 * process and kept: true when read, false for the nil UUID. */
bool event_vm_id(char out[KVP_UUID_SIZE]);

/* The DIAG key of `ev` happening at `when`, whose value is
 * value[0..value_len) (at most KVP_DIAG_MAX_CHUNK bytes: one record),
 * built and checked by the diag layer (diag_batch_build), into
 * out[KVP_DIAG_MAX_KEY + 1]. Its length, or <0. */
int event_diag_key(const kvp_event *ev, const struct timespec *when,
		   const char *vm_id, const char *value, size_t value_len,
		   char out[KVP_DIAG_MAX_KEY + 1]);

struct diag_key;
/* The event type of a parsed DIAG key of pam_kvp's (agent already
 * checked): 0 and *type, or -1 when name, kind and result are none of
 * the mappings. */
int event_diag_type(const struct diag_key *k, kvp_event_type *type);

/* The event name of a summary record: auth_fail records folded into one
 * record per source and hour (event_summary.c), counted with the failures
 * in max_failures. Its key's service token is EVENT_SUMMARY_SERVICE. */
#define EVENT_SUMMARY_NAME    "auth_fail_summary"
#define EVENT_SUMMARY_SERVICE "all"

/* Milliseconds since the epoch of a "YYYYMMDDTHHMMSS.mmmZ" or RFC 3339
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" time; false when `text` is neither. */
bool event_time_parse(const char *text, size_t len, long long *ms);

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
 * member's name ("user", "rhost", ...). 0, or KVP_ERR_IO when nettle
 * cannot be loaded (util/libs.h). */
int event_hash(const unsigned char key[EVENT_SECRET_SIZE], const char *field,
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

/* ---- event_summary.c: auth_fail records folded into summaries ---- */

#define EVENT_SUMMARY_SOURCE_CAP 256 /* JSON bytes of a source */
#define EVENT_SUMMARY_WINDOW_MS	 3600000LL
#define EVENT_SKETCH_BYTES	 32 /* 256-bit linear-counting sketch */
#define EVENT_SOURCE_NONE	 "(none)"
#define EVENT_SOURCE_MANY	 "(many)"

/* Failures of one source (PAM_RHOST as recorded: plain, a digest, or
 * EVENT_SOURCE_NONE) in one hour, or of EVENT_SOURCE_MANY sources. */
struct event_summary {
	char source[EVENT_SUMMARY_SOURCE_CAP + 1];
	long long first_ms, last_ms;
	unsigned long long count;   /* failures counted here */
	unsigned long long sources; /* summaries merged into this one */
	unsigned char sketch[EVENT_SKETCH_BYTES]; /* the user names seen */
	size_t slot; /* its record's slot, or SIZE_MAX: not in the pool */
	const unsigned char *rec; /* its record, until loaded */
	bool loaded;		  /* count, last, sketch, sources read */
	bool changed;		  /* must be written */
	bool gone;		  /* merged into another: its record goes */
};

/* What matching needs of a summary record: its source and first time
 * (the key's). The rest of its value is read (jansson) only when the
 * summary changes, by event_summary_add() or _merge(); `rec` must stay
 * in place until then. A value that does not parse counts 0. */
void event_summary_read(const unsigned char *rec,
			const struct event_key_info *info,
			struct event_summary *out);

/* One auth_fail record's source, user and time (ms), as the summary
 * folding it needs them (user points into `rec`). */
struct event_failure {
	char source[EVENT_SUMMARY_SOURCE_CAP + 1];
	const char *user; /* the user member's JSON text, in the record */
	size_t user_len;
	bool has_user;
	long long ms;
};
void event_failure_read(const unsigned char *rec,
			const struct event_key_info *info,
			struct event_failure *out);

/* 0 when summaries can be made (their users sketch needs nettle, loaded
 * on first use: util/libs.h), or KVP_ERR_IO; a pass asks before it folds
 * anything. */
int event_summary_ready(void);
/* A new summary holding `f`, or `f` counted in `sum`. */
void event_summary_start(struct event_summary *sum,
			 const struct event_failure *f);
void event_summary_add(struct event_summary *sum,
		       const struct event_failure *f);
/* `from` counted in `into` (from->gone); a different source makes
 * `into` one of EVENT_SOURCE_MANY. */
void event_summary_merge(struct event_summary *into,
			 struct event_summary *from);
/* The distinct-user estimate of the sketch. */
unsigned long long event_summary_users(const struct event_summary *sum);

/* The summary as a record of `s`: key and value, NUL-terminated, into
 * key[KVP_KEY_FIELD_SIZE + 1] and value[KVP_VALUE_FIELD_SIZE + 1]. */
int event_summary_encode(const kvp_settings *s, const struct event_summary *sum,
			 const char *boot_id, char *key, char *value);

/* ---- event_budget.c: the budgets, applied to a loaded transaction ---- */

struct pool_txn;

/* The new event's record, and what the pass did with it. */
struct event_budget {
	const char *key, *value;
	size_t key_len, value_len;
	bool new_folded;	  /* the new auth_fail went into a summary */
	size_t records, failures; /* ours in each budget afterwards */
	size_t trigger;		  /* hint: the count to pass again at */
};

/* In a loaded writer's transaction: drop our records of earlier boots
 * (clear_if_stale; `boot_id` NULL: none is known, nothing goes), evict our
 * oldest records beyond max_records' low-water mark, fold our oldest
 * auth_fail records beyond max_failures' into summaries (pushed), all
 * counting the new event, which the caller then pushes unless it was
 * folded. Fills b->records, b->failures and b->trigger (with the new
 * event and the summaries written). */
int event_budget_apply(const kvp_settings *s, struct pool_txn *t,
		       const char *boot_id, struct event_budget *b);

/* ---- event_hint.c: the scan-free trigger ---- */

/* The hint of a pool: what the last budget pass left, in the pool's
 * extended attribute, or in a file beside it where there are none. */
struct event_hint_file {
	char path[KVP_CONFIG_PATH_MAX + 32]; /* the file beside the pool */
	int fd;	      /* that file, while a pass is writing it, else -1 */
	int pool_fd;  /* the transaction's pool (not ours to close) */
	bool in_file; /* the file system has no user attributes */
	bool broken;  /* invalidating failed: write no new hint */
};

/* The hint of the transaction's pool. */
void event_hint_init(struct event_hint_file *h, const struct pool_txn *t);

/* Does the hint say the new event may simply be appended (same boot, same
 * file, settings and key prefix, and the file's record count between what
 * the last pass left and its trigger)? One system call (three where the
 * hint is a file), no pool read. */
bool event_hint_allows_append(struct event_hint_file *h,
			      const struct pool_txn *t, const kvp_settings *s,
			      const char *boot_id);

/* Before a pass commits: remove the hint (or empty the file, creating it
 * 0600), so that a pass killed part-way leaves no hint and the next event
 * passes again. */
void event_hint_invalidate(struct event_hint_file *h);

/* After the commit: what the pass left. Errors only cost the next event a
 * pass. Closes the hint. */
void event_hint_write(struct event_hint_file *h, const struct pool_txn *t,
		      const kvp_settings *s, const char *boot_id,
		      size_t trigger);
void event_hint_close(struct event_hint_file *h);

#endif
