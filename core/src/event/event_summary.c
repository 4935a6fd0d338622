/* event_summary.c - auth_fail records folded into summary records, so that
 * a flood of failed logins is counted rather than dropped.
 *
 * One summary counts the failures of one source (PAM_RHOST as the
 * failure recorded it: plain, a digest, or "(none)") in one UTC hour (the
 * hour of its first failure), or, once there were too many summaries, of
 * "(many)" sources (event_budget.c). Key and value:
 *
 *   <prefix>|auth_fail_summary|all|<first, YYYYMMDDTHHMMSS.mmmZ>|<8 hex>
 *   {"v":1,"event":"auth_fail_summary","time":<first>,"rhost":<source>,
 *    "first":<RFC 3339>,"last":<RFC 3339>,"count":N,"users":N,
 *    "users_sketch":"<64 hex>","sources":N,"window_s":3600,"boot_id":..}
 *
 * "users" estimates the distinct user names (as recorded: a name, a
 * digest or "(invalid user)") with linear counting over a 256-bit sketch:
 * each name sets bit SHA-256("pam_kvp users" NUL <the name's JSON text>)[0]
 * (jansson writes one name as one text); merging two summaries ORs their
 * sketches. The hash is not keyed: a sketch covers only
 * names already present, in the same form, in the records it replaces,
 * so a key would hide nothing, and needing none spares the key file.
 * "sources" is how many per-source summaries went into a "(many)" one.
 *
 * A pass matches failures to summaries by source and hour without a JSON
 * parse (the members' text is found in the value); a summary's value is
 * parsed only when it changes, so a flood's pass costs a parse per
 * summary it touches, not per summary in the pool.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "pool/record.h"
#include "util/libs.h"
#include "util/utf8.h"

#define SKETCH_DOMAIN "pam_kvp users"

static json_t *load_value(const unsigned char *rec)
{
	return json_loadb((const char *)rec_value(rec), rec_value_len(rec), 0,
			  NULL);
}

/* The JSON text of string member `name` of the record's value, between
 * its quotes, escapes as written. A member's opening `"name":"` cannot
 * occur inside a string: there every quote is escaped. */
static bool raw_member(const unsigned char *rec, const char *name,
		       const char **text, size_t *len)
{
	const unsigned char *v = rec_value(rec), *end = v + rec_value_len(rec);
	const unsigned char *p, *q;
	char pat[32];
	int n = snprintf(pat, sizeof(pat), "\"%s\":\"", name);

	p = memmem(v, (size_t)(end - v), pat, (size_t)n);
	if (!p)
		return false;
	for (q = p += n; q < end && *q != '"'; q += *q == '\\' ? 2 : 1)
		;
	if (q >= end)
		return false;
	*text = (const char *)p;
	*len = (size_t)(q - p);
	return true;
}

/* The record's rhost as a summary's source, into out[CAP + 1]: the text
 * itself in the common case, else decoded (jansson) and cut to CAP JSON
 * bytes; EVENT_SOURCE_NONE when there is none. */
static void source_of(const unsigned char *rec, char *out)
{
	const size_t size = EVENT_SUMMARY_SOURCE_CAP + 1;
	const char *raw;
	size_t len;
	json_t *v, *m;

	snprintf(out, size, EVENT_SOURCE_NONE);
	if (!raw_member(rec, "rhost", &raw, &len))
		return;
	if (len <= EVENT_SUMMARY_SOURCE_CAP && !memchr(raw, '\\', len) &&
	    utf8_valid(raw, len)) {
		memcpy(out, raw, len);
		out[len] = '\0';
		return;
	}
	v = load_value(rec);
	m = json_object_get(v, "rhost");
	if (json_is_string(m)) {
		len =
		    event_json_cut(json_string_value(m), json_string_length(m),
				   EVENT_SUMMARY_SOURCE_CAP);
		memcpy(out, json_string_value(m), len);
		out[len] = '\0';
	}
	json_decref(v);
}

/* nettle is loaded before a pass folds failures (event_summary_ready):
 * here it is there. */
static void sketch_add(unsigned char sketch[EVENT_SKETCH_BYTES],
		       const char *user, size_t len, bool has_user)
{
	const struct libs_nettle *n = libs_nettle();
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	if (!n)
		return;
	n->sha_init(&ctx);
	n->sha_update(&ctx, sizeof(SKETCH_DOMAIN),
		      (const uint8_t *)SKETCH_DOMAIN);
	if (has_user)
		n->sha_update(&ctx, len, (const uint8_t *)user);
	n->sha_digest(&ctx, sizeof(digest), digest);
	sketch[digest[0] / 8] |= (unsigned char)(1u << (digest[0] % 8));
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void hex_sketch(const char *hex, unsigned char out[EVENT_SKETCH_BYTES])
{
	if (!hex || strlen(hex) != 2 * EVENT_SKETCH_BYTES)
		return;
	for (int i = 0; i < EVENT_SKETCH_BYTES; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
}

static long long time_member(const json_t *obj, const char *name,
			     long long fallback)
{
	const json_t *m = json_object_get(obj, name);
	long long ms;

	if (json_is_string(m) &&
	    event_time_parse(json_string_value(m), json_string_length(m), &ms))
		return ms;
	return fallback;
}

static unsigned long long count_member(const json_t *obj, const char *name,
				       unsigned long long fallback)
{
	const json_t *m = json_object_get(obj, name);

	if (json_is_integer(m) && json_integer_value(m) >= 0)
		return (unsigned long long)json_integer_value(m);
	return fallback;
}

void event_summary_read(const unsigned char *rec,
			const struct event_key_info *info,
			struct event_summary *out)
{
	memset(out, 0, sizeof(*out));
	event_time_parse(info->time, strlen(info->time), &out->first_ms);
	out->last_ms = out->first_ms;
	out->sources = 1;
	out->rec = rec;
	source_of(rec, out->source);
}

/* The rest of a summary read from its record, once, before a change. */
static void load(struct event_summary *sum)
{
	json_t *v;

	if (sum->loaded || !sum->rec)
		return;
	v = load_value(sum->rec);
	sum->first_ms = time_member(v, "first", sum->first_ms);
	sum->last_ms = time_member(v, "last", sum->first_ms);
	sum->count = count_member(v, "count", 0);
	sum->sources = count_member(v, "sources", 1);
	hex_sketch(json_string_value(json_object_get(v, "users_sketch")),
		   sum->sketch);
	json_decref(v);
	sum->loaded = true;
	sum->rec = NULL;
}

void event_failure_read(const unsigned char *rec,
			const struct event_key_info *info,
			struct event_failure *out)
{
	memset(out, 0, sizeof(*out));
	event_time_parse(info->time, strlen(info->time), &out->ms);
	source_of(rec, out->source);
	/* The sketch hashes the name's JSON text: one name, one text. */
	out->has_user = raw_member(rec, "user", &out->user, &out->user_len);
}

int event_summary_ready(void)
{
	return libs_nettle() ? 0 : kvp_error_last()->code;
}

void event_summary_start(struct event_summary *sum,
			 const struct event_failure *f)
{
	memset(sum, 0, sizeof(*sum));
	memcpy(sum->source, f->source, sizeof(sum->source));
	sum->first_ms = sum->last_ms = f->ms;
	sum->sources = 1;
	sum->slot = SIZE_MAX;
	sum->loaded = true;
	event_summary_add(sum, f);
}

void event_summary_add(struct event_summary *sum, const struct event_failure *f)
{
	load(sum);
	sum->count++;
	if (f->ms < sum->first_ms)
		sum->first_ms = f->ms;
	if (f->ms > sum->last_ms)
		sum->last_ms = f->ms;
	sketch_add(sum->sketch, f->user, f->user_len, f->has_user);
	sum->changed = true;
}

void event_summary_merge(struct event_summary *into, struct event_summary *from)
{
	load(into);
	load(from);
	if (strcmp(into->source, from->source) != 0)
		snprintf(into->source, sizeof(into->source), EVENT_SOURCE_MANY);
	into->count += from->count;
	into->sources += from->sources;
	if (from->first_ms < into->first_ms)
		into->first_ms = from->first_ms;
	if (from->last_ms > into->last_ms)
		into->last_ms = from->last_ms;
	for (int i = 0; i < EVENT_SKETCH_BYTES; i++)
		into->sketch[i] |= from->sketch[i];
	into->changed = true;
	from->gone = true;
}

/* ln(x) for x >= 1, without libm: x = 2^k f with f in [1, 2), and
 * ln f = 2 atanh((f - 1) / (f + 1)), whose series converges fast there. */
static double ln(double x)
{
	double y, y2, term, sum = 0;
	int k = 0;

	for (; x >= 2; x /= 2)
		k++;
	y = (x - 1) / (x + 1);
	y2 = y * y;
	term = y;
	for (int i = 1; i < 40; i += 2, term *= y2)
		sum += term / i;
	return k * 0.69314718055994530942 + 2 * sum;
}

unsigned long long event_summary_users(const struct event_summary *sum)
{
	const double m = EVENT_SKETCH_BYTES * 8;
	double zeros = 0;

	for (int i = 0; i < EVENT_SKETCH_BYTES; i++)
		zeros += 8 - __builtin_popcount(sum->sketch[i]);
	/* A full sketch says "at least about m ln m". */
	return (unsigned long long)(m * ln(m / (zeros ? zeros : 0.5)) + 0.5);
}

static json_t *summary_json(const struct event_summary *sum,
			    const struct event_time *first,
			    const struct event_time *last, const char *boot_id)
{
	json_t *obj = json_object();
	char hex[2 * EVENT_SKETCH_BYTES + 1];
	int failed = !obj;

	for (int i = 0; i < EVENT_SKETCH_BYTES; i++) {
		hex[2 * i] = "0123456789abcdef"[sum->sketch[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[sum->sketch[i] & 15];
	}
	hex[2 * EVENT_SKETCH_BYTES] = '\0';
	if (failed)
		return NULL;
	failed |= json_object_set_new(obj, "v", json_integer(1));
	failed |=
	    json_object_set_new(obj, "event", json_string(EVENT_SUMMARY_NAME));
	failed |= json_object_set_new(obj, "time", json_string(first->text));
	failed |= json_object_set_new(obj, "rhost", json_string(sum->source));
	failed |= json_object_set_new(obj, "first", json_string(first->text));
	failed |= json_object_set_new(obj, "last", json_string(last->text));
	failed |= json_object_set_new(obj, "count",
				      json_integer((json_int_t)sum->count));
	failed |= json_object_set_new(
	    obj, "users", json_integer((json_int_t)event_summary_users(sum)));
	failed |= json_object_set_new(obj, "users_sketch", json_string(hex));
	failed |= json_object_set_new(obj, "sources",
				      json_integer((json_int_t)sum->sources));
	failed |= json_object_set_new(
	    obj, "window_s", json_integer(EVENT_SUMMARY_WINDOW_MS / 1000));
	if (boot_id)
		failed |=
		    json_object_set_new(obj, "boot_id", json_string(boot_id));
	if (failed) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static int ms_time(long long ms, struct event_time *out)
{
	struct timespec ts;

	if (ms < 0)
		ms = 0;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (ms == 0) /* {0,0} would mean "now": keep the epoch */
		ts.tv_nsec = 1;
	return event_time_format(&ts, out);
}

int event_summary_encode(const kvp_settings *s, const struct event_summary *sum,
			 const char *boot_id, char *key, char *value)
{
	struct event_time first, last;
	char key_buf[EVENT_KEY_MAX + 1];
	json_t *obj;
	char *text;
	int r = ms_time(sum->first_ms, &first);

	if (r == 0)
		r = ms_time(sum->last_ms, &last);
	if (r < 0)
		return r;
	r = event_key_build(s->key_prefix, EVENT_SUMMARY_NAME,
			    EVENT_SUMMARY_SERVICE, first.key, key_buf);
	if (r < 0)
		return r;
	memcpy(key, key_buf, (size_t)r + 1);
	obj = summary_json(
	    sum, &first, &last,
	    boot_id && strlen(boot_id) <= EVENT_CAP_BOOT_ID ? boot_id : NULL);
	text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(obj);
	if (!text)
		return err_fail_nomem(NULL);
	/* source <= 256 JSON bytes, the rest < 400: always within Safe's
	 * 1022 bytes. */
	r = strlen(text) <= pool_max_value_size(s->mode)
		? 0
		: err_fail(KVP_ERR_VALUE_TOO_LARGE, NULL,
			   pool_max_value_size(s->mode), strlen(text),
			   "summary value too long");
	if (r == 0)
		memcpy(value, text, strlen(text) + 1);
	free(text);
	return r;
}
