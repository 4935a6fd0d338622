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
 * each name sets bit SHA-256("pam_kvp users" NUL name)[0]; merging two
 * summaries ORs their sketches. The hash is not keyed: a sketch covers only
 * names already present, in the same form, in the records it replaces,
 * so a key would hide nothing, and needing none spares the key file.
 * "sources" is how many per-source summaries went into a "(many)" one.
 */
#include <jansson.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "pool/record.h"

#define SKETCH_DOMAIN "pam_kvp users"

static json_t *load_value(const unsigned char *rec)
{
	return json_loadb((const char *)rec_value(rec), rec_value_len(rec), 0,
			  NULL);
}

/* A JSON string member cut to `budget` JSON bytes into out[size]. */
static bool copy_member(const json_t *obj, const char *name, size_t budget,
			char *out, size_t size)
{
	const json_t *m = json_object_get(obj, name);
	size_t len;

	if (!json_is_string(m))
		return false;
	len =
	    event_json_cut(json_string_value(m), json_string_length(m), budget);
	if (len >= size)
		len = event_json_cut(json_string_value(m), len, size - 1);
	memcpy(out, json_string_value(m), len);
	out[len] = '\0';
	return true;
}

static void sketch_add(unsigned char sketch[EVENT_SKETCH_BYTES],
		       const char *user, bool has_user)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(SKETCH_DOMAIN),
		      (const uint8_t *)SKETCH_DOMAIN);
	if (has_user)
		sha256_update(&ctx, strlen(user), (const uint8_t *)user);
	sha256_digest(&ctx, sizeof(digest), digest);
	sketch[digest[0] / 8] |= (unsigned char)(1u << (digest[0] % 8));
}

static bool hex_sketch(const char *hex, unsigned char out[EVENT_SKETCH_BYTES])
{
	if (!hex || strlen(hex) != 2 * EVENT_SKETCH_BYTES)
		return false;
	for (int i = 0; i < EVENT_SKETCH_BYTES; i++) {
		unsigned int b;
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return false;
		out[i] = (unsigned char)b;
	}
	return true;
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
	json_t *v = load_value(rec);
	long long key_ms = 0;

	memset(out, 0, sizeof(*out));
	event_time_parse(info->time, strlen(info->time), &key_ms);
	if (!copy_member(v, "rhost", EVENT_SUMMARY_SOURCE_CAP, out->source,
			 sizeof(out->source)))
		snprintf(out->source, sizeof(out->source), EVENT_SOURCE_NONE);
	out->first_ms = time_member(v, "first", key_ms);
	out->last_ms = time_member(v, "last", out->first_ms);
	out->count = count_member(v, "count", 0);
	out->sources = count_member(v, "sources", 1);
	hex_sketch(json_string_value(json_object_get(v, "users_sketch")),
		   out->sketch);
	json_decref(v);
}

void event_failure_read(const unsigned char *rec,
			const struct event_key_info *info,
			struct event_failure *out)
{
	json_t *v = load_value(rec);

	memset(out, 0, sizeof(*out));
	event_time_parse(info->time, strlen(info->time), &out->ms);
	if (!copy_member(v, "rhost", EVENT_SUMMARY_SOURCE_CAP, out->source,
			 sizeof(out->source)))
		snprintf(out->source, sizeof(out->source), EVENT_SOURCE_NONE);
	out->has_user = copy_member(v, "user", sizeof(out->user) - 1, out->user,
				    sizeof(out->user));
	json_decref(v);
}

void event_summary_start(struct event_summary *sum,
			 const struct event_failure *f)
{
	memset(sum, 0, sizeof(*sum));
	memcpy(sum->source, f->source, sizeof(sum->source));
	sum->first_ms = sum->last_ms = f->ms;
	sum->sources = 1;
	sum->slot = SIZE_MAX;
	event_summary_add(sum, f);
}

void event_summary_add(struct event_summary *sum, const struct event_failure *f)
{
	sum->count++;
	if (f->ms < sum->first_ms)
		sum->first_ms = f->ms;
	if (f->ms > sum->last_ms)
		sum->last_ms = f->ms;
	sketch_add(sum->sketch, f->user, f->has_user);
	sum->changed = true;
}

void event_summary_merge(struct event_summary *into, struct event_summary *from)
{
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

	for (int i = 0; i < EVENT_SKETCH_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum->sketch[i]);
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
