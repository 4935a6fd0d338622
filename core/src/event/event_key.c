/* event_key.c - the key of an event record,
 * "<prefix>|<event>|<service>|<YYYYMMDDTHHMMSS.mmmZ>|<8 hex>", and the
 * time field that orders our records for eviction and listing.
 *
 * The service token keeps PAM_SERVICE's bytes in [A-Za-z0-9._-] and turns
 * every other byte into '_' (so the key stays ASCII, never gains a '|',
 * and a name that differs only in odd bytes stays recognisable), cut to
 * EVENT_CAP_SERVICE bytes; an empty or missing service is "unknown". The
 * longest key is EVENT_KEY_MAX (141) bytes, inside Safe mode's 254.
 */
#include <stdio.h>
#include <string.h>

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

/* PAM_SERVICE as a key token into out[EVENT_CAP_SERVICE + 1]. */
static void service_token(const char *service, char *out)
{
	size_t n = 0;

	for (; service && service[n] && n < EVENT_CAP_SERVICE; n++) {
		unsigned char c = (unsigned char)service[n];
		out[n] = token_char(c) ? (char)c : '_';
	}
	if (n == 0)
		n = (size_t)snprintf(out, EVENT_CAP_SERVICE + 1, "unknown");
	out[n] = '\0';
}

int event_key_build(const char *prefix, const char *event, const char *service,
		    const char *time_key, char out[EVENT_KEY_MAX + 1])
{
	char token[EVENT_CAP_SERVICE + 1];
	unsigned char id[4];
	int r = rand_bytes(id, sizeof(id));

	if (r < 0)
		return r;
	service_token(service, token);
	return snprintf(out, EVENT_KEY_MAX + 1, "%s|%s|%s|%s|%02x%02x%02x%02x",
			prefix, event, token, time_key, id[0], id[1], id[2],
			id[3]);
}

bool event_key_is_ours(const unsigned char *rec, const char *prefix,
		       size_t prefix_len)
{
	return rec_key_len(rec) > prefix_len &&
	       memcmp(rec, prefix, prefix_len) == 0 && rec[prefix_len] == '|';
}

/* The fourth '|'-separated field of the record's key; empty if none. */
static const unsigned char *key_time(const unsigned char *rec, size_t *len)
{
	const unsigned char *p = rec, *end = rec + rec_key_len(rec);
	const unsigned char *bar;

	for (int field = 0; field < 3; field++) {
		bar = memchr(p, '|', (size_t)(end - p));
		if (!bar) {
			*len = 0;
			return end;
		}
		p = bar + 1;
	}
	bar = memchr(p, '|', (size_t)(end - p));
	*len = (size_t)((bar ? bar : end) - p);
	return p;
}

int event_key_time_cmp(const unsigned char *a, const unsigned char *b)
{
	size_t alen, blen;
	const unsigned char *at = key_time(a, &alen), *bt = key_time(b, &blen);
	int c = memcmp(at, bt, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}
