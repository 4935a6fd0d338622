/* diag_key.c - the one parser of diagnostics keys, for every schema the
 * reader knows (the first '|'-separated field picks it), the UUID forms,
 * and the names of the enums in kvp/diag.h.
 *
 *   DIAG|agent|vm_id|kind|name|event_id|timestamp|encoding|result|
 *       duration|chunk_index
 *   DIAG_V<anything>|...                       unsupported_version
 *   CLOUD_INIT|incarnation|type|name[|vm_id]|event_id[|chunk_index]
 *   PROVISIONING_REPORT                        (the exact key)
 *   <prefix>|event|service|YYYYMMDDTHHMMSS.mmmZ|8 hex   pam_kvp legacy
 *
 * A key whose chunk index parses is grouped with the others of its base
 * (the key without "|<index>") even when the rest of it is wrong: its
 * whole group then carries the error. No length limit applies on read.
 */
#include <string.h>

#include "diag/diag_internal.h"

#define MAX_FIELDS 12

static const char *const kind_names[] = {"event", "start", "finish"};
static const char *const encoding_names[] = {"none", "zlib+b64", "gz+b64"};
static const char *const result_names[] = {"", "success", "fail"};
static const char *const schema_names[] = {"diag", "cloud_init", "report",
					   "pam_kvp"};
static const char *const error_tokens[] = {
    "",
    "unsupported_version",
    "incomplete_group",
    "duplicate_chunk",
    "undecodable",
    "malformed",
};
/* pam_kvp's events, and the summary of folded auth_fail records
 * (event_summary.c). */
static const char *const legacy_events[] = {
    "auth",	     "auth_fail", "account",	       "session_open",
    "session_close", "password",  "auth_fail_summary",
};

#define NAME_OF(table, v)                                                      \
	((size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : NULL)

const char *kvp_diag_kind_name(kvp_diag_kind kind)
{
	return NAME_OF(kind_names, kind);
}

const char *kvp_diag_encoding_name(kvp_diag_encoding encoding)
{
	return NAME_OF(encoding_names, encoding);
}

const char *kvp_diag_result_name(kvp_diag_result result)
{
	return NAME_OF(result_names, result);
}

const char *kvp_diag_schema_name(kvp_diag_schema schema)
{
	return NAME_OF(schema_names, schema);
}

const char *kvp_diag_error_token(kvp_diag_error error)
{
	return NAME_OF(error_tokens, error);
}

/* ---- UUIDs ---- */

static int hex_value(char c)
{
	unsigned int d = (unsigned char)c - (unsigned int)'0';
	unsigned int a = ((unsigned char)c | 0x20u) - (unsigned int)'a';

	if (d < 10)
		return (int)d;
	return a < 6 ? (int)a + 10 : -1; /* 'a'..'f' or 'A'..'F' */
}

/* 32 hex digits, with the hyphens of the 8-4-4-4-12 form when `hyphens`.
 * A byte at a time: the budget pass parses two UUIDs per DIAG record. */
static bool uuid_digits(const char *s, size_t len, bool hyphens,
			unsigned char out[16])
{
	size_t at = 0;

	if (len != (hyphens ? 36u : 32u))
		return false;
	if (hyphens &&
	    (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-'))
		return false;
	for (size_t i = 0; i < 16; i++, at += 2) {
		int hi, lo;
		if (hyphens && (i == 4 || i == 6 || i == 8 || i == 10))
			at++;
		hi = hex_value(s[at]);
		lo = hex_value(s[at + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

bool diag_uuid_parse(const char *s, size_t len, unsigned char out[16])
{
	static const char urn[] = "urn:uuid:";

	if (len == 38 && s[0] == '{' && s[37] == '}')
		return uuid_digits(s + 1, 36, true, out);
	if (len == 45 && strncmp(s, urn, sizeof(urn) - 1) == 0)
		return uuid_digits(s + 9, 36, true, out);
	return uuid_digits(s, len, len == 36, out);
}

bool diag_uuid_canonical(const char *s)
{
	unsigned char b[16];

	return s && uuid_digits(s, strlen(s), true, b);
}

/* ---- fields ---- */

static bool span_is(struct diag_span f, const char *s)
{
	return f.len == strlen(s) && memcmp(f.s, s, f.len) == 0;
}

static bool span_uuid(struct diag_span f)
{
	unsigned char b[16];

	return diag_uuid_parse(f.s, f.len, b);
}

/* Split s[0..len) at '|' into at most MAX_FIELDS spans; the count, or
 * MAX_FIELDS + 1 when there are more. */
static size_t split(const char *s, size_t len, struct diag_span *f)
{
	const char *p = s, *end = s + len;
	size_t n = 0;

	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		if (n == MAX_FIELDS)
			return MAX_FIELDS + 1;
		f[n++] = (struct diag_span){p, (size_t)((bar ? bar : end) - p)};
		if (!bar)
			return n;
		p = bar + 1;
	}
}

static void fail(struct diag_key *k, kvp_diag_error e, const char *detail)
{
	if (k->error == KVP_DIAG_OK) {
		k->error = e;
		k->detail = detail;
	}
}

/* The key's last field as the chunk index: base_len and index, or
 * malformed. */
static void chunk_index(struct diag_key *k, const char *key, size_t len)
{
	const char *bar = memrchr(key, '|', len);
	size_t at = bar ? (size_t)(bar + 1 - key) : len;

	if (!bar || !diag_uint_parse(bar + 1, len - at, &k->index)) {
		fail(k, KVP_DIAG_ERR_MALFORMED,
		     "the last key field is not a chunk index");
		return;
	}
	k->has_index = true;
	k->base_len = at - 1;
}

static void parse_diag(struct diag_key *k, const struct diag_span *f, size_t n,
		       const char *key, size_t len)
{
	chunk_index(k, key, len);
	if (n != 11) {
		fail(k, KVP_DIAG_ERR_MALFORMED, "a DIAG key has 11 fields");
		return;
	}
	k->agent = f[1], k->vm_id = f[2], k->kind = f[3], k->name = f[4];
	k->event_id = f[5], k->timestamp = f[6], k->encoding = f[7];
	k->result = f[8], k->duration = f[9];
	if (!k->agent.len || !k->name.len || !k->encoding.len)
		fail(k, KVP_DIAG_ERR_MALFORMED, "an empty key field");
	if (!span_uuid(k->vm_id))
		fail(k, KVP_DIAG_ERR_MALFORMED, "vm_id is not a UUID");
	if (!span_uuid(k->event_id))
		fail(k, KVP_DIAG_ERR_MALFORMED, "event_id is not a UUID");
	k->has_time =
	    diag_time_parse_diag(k->timestamp.s, k->timestamp.len, &k->time);
	if (!k->has_time)
		fail(k, KVP_DIAG_ERR_MALFORMED,
		     "timestamp is not RFC 3339 UTC ('Z', 0/3/6/9 digits)");
	if (span_is(k->result, "success"))
		k->result_value = KVP_DIAG_SUCCESS;
	else if (span_is(k->result, "fail"))
		k->result_value = KVP_DIAG_FAIL;
	else if (k->result.len)
		fail(k, KVP_DIAG_ERR_MALFORMED, "result is not success/fail");
	k->has_duration = k->duration.len > 0;
	if (k->has_duration &&
	    !diag_duration_parse(k->duration.s, k->duration.len,
				 &k->duration_value))
		fail(k, KVP_DIAG_ERR_MALFORMED,
		     "duration is not decimal seconds");
	if (span_is(k->kind, "start") && !k->result.len && !k->has_duration)
		k->kind_value = KVP_DIAG_START;
	else if (span_is(k->kind, "finish") && k->result.len && k->has_duration)
		k->kind_value = KVP_DIAG_FINISH;
	else if (span_is(k->kind, "event"))
		k->kind_value = KVP_DIAG_EVENT;
	else
		fail(k, KVP_DIAG_ERR_MALFORMED,
		     "kind is not start (no result, no duration), finish "
		     "(both) or event");
}

/* Every byte of f in `set`, and at least one. */
static bool span_of(struct diag_span f, const char *set)
{
	for (size_t i = 0; i < f.len; i++)
		if (!f.s[i] || !strchr(set, f.s[i]))
			return false;
	return f.len > 0;
}

static void parse_cloud_init(struct diag_key *k, const struct diag_span *f,
			     size_t n, const char *key, size_t len)
{
	/* 5: old, whole; 6: old chunk, or new whole (a UUID last); 7: new
	 * chunk. */
	bool indexed = n == 7 || (n == 6 && !span_uuid(f[5]));
	size_t base = indexed ? n - 1 : n;

	if (n < 5 || n > 7) {
		fail(k, KVP_DIAG_ERR_MALFORMED,
		     "a CLOUD_INIT key has 5 to 7 fields");
		return;
	}
	if (indexed)
		chunk_index(k, key, len);
	for (size_t i = 0; i < base; i++)
		if (!f[i].len)
			fail(k, KVP_DIAG_ERR_MALFORMED, "an empty key field");
	if (!span_of(f[1], "0123456789"))
		fail(k, KVP_DIAG_ERR_MALFORMED, "incarnation is not a number");
	k->source_type = f[2], k->name = f[3], k->event_id = f[base - 1];
	if (base == 6) {
		k->vm_id = f[4];
		if (!span_uuid(k->vm_id))
			fail(k, KVP_DIAG_ERR_MALFORMED, "vm_id is not a UUID");
	}
	if (!span_uuid(k->event_id))
		fail(k, KVP_DIAG_ERR_MALFORMED, "event_id is not a UUID");
	k->agent = f[0];
	k->kind_value = span_is(f[2], "start")	  ? KVP_DIAG_START
			: span_is(f[2], "finish") ? KVP_DIAG_FINISH
						  : KVP_DIAG_EVENT;
}

static void parse_legacy(struct diag_key *k, const struct diag_span *f,
			 size_t n)
{
	bool known_event = false;

	k->agent = f[0];
	if (n != 5) {
		fail(k, KVP_DIAG_ERR_MALFORMED, "a pam_kvp key has 5 fields");
		return;
	}
	k->source_type = f[1], k->name = f[1], k->event_id = f[4];
	for (size_t i = 0; i < sizeof(legacy_events) / sizeof(*legacy_events);
	     i++)
		known_event |= span_is(f[1], legacy_events[i]);
	if (!known_event)
		fail(k, KVP_DIAG_ERR_MALFORMED, "not a pam_kvp event name");
	if (!span_of(f[2], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			   "wxyz0123456789._-"))
		fail(k, KVP_DIAG_ERR_MALFORMED, "not a pam_kvp service token");
	k->timestamp = f[3];
	k->has_time = diag_time_parse_compact(f[3].s, f[3].len, &k->time);
	if (!k->has_time)
		fail(k, KVP_DIAG_ERR_MALFORMED,
		     "time is not YYYYMMDDTHHMMSS.mmmZ");
	if (f[4].len != 8 || !span_of(f[4], "0123456789abcdef"))
		fail(k, KVP_DIAG_ERR_MALFORMED, "id is not 8 hex digits");
	k->kind_value = span_is(f[1], "session_open")	 ? KVP_DIAG_START
			: span_is(f[1], "session_close") ? KVP_DIAG_FINISH
							 : KVP_DIAG_EVENT;
}

void diag_key_parse(const char *key, size_t len, const char *legacy_prefix,
		    struct diag_key *k)
{
	struct diag_span f[MAX_FIELDS];
	size_t n = split(key, len, f);
	struct diag_span first = f[0];

	memset(k, 0, sizeof(*k));
	k->base_len = len;
	k->known = true;
	if (span_is(first, DIAG_PREFIX)) {
		k->schema = KVP_DIAG_SCHEMA_DIAG;
		parse_diag(k, f, n, key, len);
	} else if (first.len >= 6 && memcmp(first.s, "DIAG_V", 6) == 0) {
		k->schema = KVP_DIAG_SCHEMA_DIAG;
		fail(k, KVP_DIAG_ERR_UNSUPPORTED_VERSION,
		     "a diagnostics schema this reader does not know");
	} else if (span_is(first, DIAG_CLOUD_INIT)) {
		k->schema = KVP_DIAG_SCHEMA_CLOUD_INIT;
		parse_cloud_init(k, f, n, key, len);
	} else if (n == 1 && span_is(first, DIAG_REPORT_KEY)) {
		k->schema = KVP_DIAG_SCHEMA_REPORT;
	} else if (span_is(first, legacy_prefix)) {
		k->schema = KVP_DIAG_SCHEMA_PAM_KVP;
		parse_legacy(k, f, n);
	} else {
		k->known = false;
	}
}
