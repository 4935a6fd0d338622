/* event_key.c - the legacy key of an event record (format = "pam_kvp"),
 * "<prefix>|<event>|<service>|<YYYYMMDDTHHMMSS.mmmZ>|<8 hex>", its time,
 * and event_key_classify(): which records are ours, in either format, and
 * the time that orders them for eviction and listing.
 *
 * The service token keeps PAM_SERVICE's bytes in [A-Za-z0-9._-] and turns
 * every other byte into '_' (so the key stays ASCII, never gains a '|',
 * and a name that differs only in odd bytes stays recognisable), cut to
 * EVENT_CAP_SERVICE bytes; an empty or missing service is "unknown". The
 * longest key is EVENT_KEY_MAX (141) bytes, inside Safe mode's 254.
 */
#include <stdio.h>
#include <string.h>

#include "diag/diag_internal.h"
#include "event/event_internal.h"
#include "pool/record.h"
#include "util/token.h"

int event_time_format(const struct timespec *t, struct event_time *out)
{
	struct timespec now = *t;
	struct tm tm;
	unsigned int ms;

	if (now.tv_sec == 0 && now.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &now);
	/* Four-digit years only: the key's time must sort as text. */
	if (now.tv_nsec < 0 || now.tv_nsec >= 1000000000L ||
	    !gmtime_r(&now.tv_sec, &tm) || tm.tm_year < 1000 - 1900 ||
	    tm.tm_year > 9999 - 1900)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"event time %lld.%09ld is out of range",
				(long long)now.tv_sec, (long)now.tv_nsec);
	ms = (unsigned int)(now.tv_nsec / 1000000L) % 1000u;
	strftime(out->key, sizeof(out->key), "%Y%m%dT%H%M%S", &tm);
	snprintf(out->key + 15, sizeof(out->key) - 15, ".%03uZ", ms);
	strftime(out->text, sizeof(out->text), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out->text + 19, sizeof(out->text) - 19, ".%03uZ", ms);
	return 0;
}

size_t event_service_token(const char *service, size_t cap, char *out)
{
	size_t n = 0;

	for (; service && service[n] && n < cap; n++) {
		unsigned char c = (unsigned char)service[n];
		out[n] = token_char(c) ? (char)c : '_';
	}
	if (n == 0)
		n = (size_t)snprintf(out, cap + 1, "unknown");
	out[n] = '\0';
	return n;
}

int event_key_build(const char *prefix, const char *event, const char *service,
		    const char *time_key, char out[EVENT_KEY_MAX + 1])
{
	char token[EVENT_CAP_SERVICE + 1];
	unsigned char id[4];
	int r = rand_bytes(id, sizeof(id));

	if (r < 0)
		return r;
	event_service_token(service, EVENT_CAP_SERVICE, token);
	return snprintf(out, EVENT_KEY_MAX + 1, "%s|%s|%s|%s|%02x%02x%02x%02x",
			prefix, event, token, time_key, id[0], id[1], id[2],
			id[3]);
}

/* ---- which records are ours ---- */

/* "<prefix>|<event>|<service>|<time>|<id>": the event's type (or
 * KVP_EVENT_COUNT) and the time field when it is one. */
static void classify_legacy(const char *key, size_t len, size_t plen,
			    struct event_key_info *out)
{
	const char *p = key + plen + 1, *end = key + len, *bar;
	struct timespec t;

	out->type = KVP_EVENT_COUNT;
	bar = memchr(p, '|', (size_t)(end - p));
	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		const char *name = kvp_event_type_name((kvp_event_type)i);
		size_t n = strlen(name);
		if ((size_t)((bar ? bar : end) - p) == n &&
		    memcmp(p, name, n) == 0)
			out->type = (kvp_event_type)i;
	}
	/* On to the fourth field. */
	if (bar)
		bar = memchr(bar + 1, '|', (size_t)(end - bar - 1));
	if (!bar)
		return;
	p = bar + 1;
	bar = memchr(p, '|', (size_t)(end - p));
	len = (size_t)((bar ? bar : end) - p);
	if (len < sizeof(out->time) && diag_time_parse_compact(p, len, &t)) {
		memcpy(out->time, p, len);
		out->time[len] = '\0';
	}
}

/* A DIAG key of pam_kvp's: its type and timestamp, or 0. */
static int classify_diag(const char *key, size_t len, const kvp_settings *s,
			 struct event_key_info *out)
{
	static const char agent[] = "pam_kvp/";
	struct diag_key k;
	struct tm tm;
	time_t sec;

	diag_key_parse(key, len, s->key_prefix, &k);
	if (k.schema != KVP_DIAG_SCHEMA_DIAG || k.error != KVP_DIAG_OK ||
	    !k.has_time || k.agent.len <= sizeof(agent) - 1 ||
	    memcmp(k.agent.s, agent, sizeof(agent) - 1) != 0 ||
	    event_diag_type(&k, &out->type) < 0)
		return 0;
	sec = k.time.tv_sec;
	/* Four-digit years, to sort as text; a DIAG timestamp before year
	 * 1000 sorts first, as "" does. */
	if (gmtime_r(&sec, &tm) && tm.tm_year >= 1000 - 1900) {
		strftime(out->time, sizeof(out->time), "%Y%m%dT%H%M%S", &tm);
		snprintf(out->time + 15, sizeof(out->time) - 15, ".%03uZ",
			 (unsigned int)(k.time.tv_nsec / 1000000L) % 1000u);
	}
	return 1;
}

int event_key_classify(const unsigned char *rec, const kvp_settings *s,
		       struct event_key_info *out)
{
	const char *key = (const char *)rec;
	size_t len = rec_key_len(rec), plen = strlen(s->key_prefix);

	memset(out, 0, sizeof(*out));
	if (len > 5 && memcmp(key, DIAG_PREFIX "|", 5) == 0)
		return classify_diag(key, len, s, out);
	if (len > plen && memcmp(key, s->key_prefix, plen) == 0 &&
	    key[plen] == '|') {
		classify_legacy(key, len, plen, out);
		return 1;
	}
	return 0;
}
