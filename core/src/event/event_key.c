/* event_key.c - the legacy key of an event record (format = "pam_kvp"),
 * "<prefix>|<event>|<service>|<YYYYMMDDTHHMMSS.mmmZ>|<8 hex>", its time,
 * and event_key_classify(): which records are ours, in either format, and
 * the time that orders them for eviction and listing (and, for the
 * budgets, which records are failure summaries).
 *
 * The service token keeps PAM_SERVICE's bytes in [A-Za-z0-9._-] and turns
 * every other byte into '_' (so the key stays ASCII, never gains a '|',
 * and a name that differs only in odd bytes stays recognisable), cut to
 * EVENT_CAP_SERVICE bytes; an empty or missing service is "unknown". The
 * longest key is EVENT_KEY_MAX (141) bytes, inside Safe mode's 254.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"
#include "event/event_internal.h"
#include "pool/record.h"
#include "util/token.h"

static char *put_sep(char *p, char sep)
{
	if (sep)
		*p++ = sep;
	return p;
}

/* A UTC time's fields: gmtime_r by hand (diag_internal.h says why). */
struct utc {
	struct diag_date date;
	int hour, min, sec;
};

/* false outside the years 1000-9999: the key's time must sort as text. */
static bool utc_fields(long long t, struct utc *u)
{
	long long days = t / 86400, rem = t % 86400;

	if (rem < 0) { /* before 1970: floor, not truncation */
		rem += 86400;
		days--;
	}
	diag_civil_from_days(days, &u->date);
	u->hour = (int)(rem / 3600);
	u->min = (int)(rem / 60 % 60);
	u->sec = (int)(rem % 60);
	return u->date.year >= 1000 && u->date.year <= 9999;
}

/* A UTC time as "YYYY<d>MM<d>DDTHH<c>MM<c>SS.mmmZ" and a NUL, <d> and <c>
 * the date's and the clock's separators ('\0': none). What strftime and
 * "%03u" made, by hand: this runs for every event and, in the budget
 * pass, for every record of ours. */
static void put_time(char *p, const struct utc *u, unsigned int ms, char d,
		     char c)
{
	p = diag_put_digits(p, (unsigned long long)u->date.year, 4);
	p = diag_put_digits(put_sep(p, d), (unsigned long long)u->date.month,
			    2);
	p = diag_put_digits(put_sep(p, d), (unsigned long long)u->date.day, 2);
	*p++ = 'T';
	p = diag_put_digits(p, (unsigned long long)u->hour, 2);
	p = diag_put_digits(put_sep(p, c), (unsigned long long)u->min, 2);
	p = diag_put_digits(put_sep(p, c), (unsigned long long)u->sec, 2);
	*p++ = '.';
	p = diag_put_digits(p, ms, 3);
	*p++ = 'Z';
	*p = '\0';
}

int event_time_format(const struct timespec *t, struct event_time *out)
{
	struct timespec now = *t;
	struct utc u;
	unsigned int ms;

	if (now.tv_sec == 0 && now.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_nsec < 0 || now.tv_nsec >= 1000000000L ||
	    !utc_fields((long long)now.tv_sec, &u))
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"event time %lld.%09ld is out of range",
				(long long)now.tv_sec, (long)now.tv_nsec);
	ms = (unsigned int)(now.tv_nsec / 1000000L) % 1000u;
	put_time(out->key, &u, ms, '\0', '\0');
	put_time(out->text, &u, ms, '-', ':');
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

static bool span_is(const unsigned char *p, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(p, s, len) == 0;
}

/* "<prefix>|<event>|<service>|<time>|<8 hex>" with our prefix, a known
 * event and a key time: the legacy format (format = "pam_kvp"). */
static int classify_legacy(const unsigned char *rec, const kvp_settings *s,
			   struct event_key_info *out)
{
	size_t plen = strlen(s->key_prefix), len = rec_key_len(rec);
	const unsigned char *f[5], *end = rec + len, *p;
	size_t flen[5];
	int n = 0;
	long long ms;

	(void)plen; /* the caller checked the prefix */
	for (p = rec;; p++) {
		const unsigned char *bar = memchr(p, '|', (size_t)(end - p));
		if (n == 5)
			return 0; /* a sixth field */
		f[n] = p;
		flen[n++] = (size_t)((bar ? bar : end) - p);
		if (!bar)
			break;
		p = bar;
	}
	if (n != 5 || flen[3] != EVENT_TIME_KEY_SIZE - 1 ||
	    !event_time_parse((const char *)f[3], flen[3], &ms))
		return 0;
	memset(out, 0, sizeof(*out));
	memcpy(out->time, f[3], flen[3]);
	if (span_is(f[1], flen[1], EVENT_SUMMARY_NAME)) {
		out->type = KVP_EVENT_AUTH_FAIL;
		out->summary = true;
		return 1;
	}
	for (int i = 0; i < KVP_EVENT_COUNT; i++)
		if (span_is(f[1], flen[1],
			    kvp_event_type_name((kvp_event_type)i))) {
			out->type = (kvp_event_type)i;
			return 1;
		}
	return 0;
}

/* A DIAG key of pam_kvp's: its type and timestamp, or 0. */
static int classify_diag(const char *key, size_t len, const kvp_settings *s,
			 struct event_key_info *out)
{
	static const char agent[] = "pam_kvp/";
	struct diag_key k;
	struct utc u;

	diag_key_parse(key, len, s->key_prefix, &k);
	if (k.schema != KVP_DIAG_SCHEMA_DIAG || k.error != KVP_DIAG_OK ||
	    !k.has_time || k.agent.len <= sizeof(agent) - 1 ||
	    memcmp(k.agent.s, agent, sizeof(agent) - 1) != 0 ||
	    event_diag_type(&k, &out->type) < 0)
		return 0;
	/* Four-digit years, to sort as text; a DIAG timestamp outside them
	 * sorts first, as "" does. */
	if (utc_fields((long long)k.time.tv_sec, &u))
		put_time(out->time, &u,
			 (unsigned int)(k.time.tv_nsec / 1000000L) % 1000u,
			 '\0', '\0');
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
	    key[plen] == '|')
		return classify_legacy(rec, s, out);
	return 0;
}

static bool digits(const char *p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*out = *out * 10 + (p[i] - '0');
	}
	return true;
}

bool event_time_parse(const char *text, size_t len, long long *ms)
{
	/* Offsets of year, month, day, hour, minute, second, millisecond,
	 * and the separators, in the two forms. */
	static const struct {
		size_t len;
		int at[7];
		const char *seps;
		int sep_at[6];
	} forms[2] = {
	    {20, {0, 4, 6, 9, 11, 13, 16}, "T.Z", {8, 15, 19, -1, -1, -1}},
	    {24, {0, 5, 8, 11, 14, 17, 20}, "--T::.", {4, 7, 10, 13, 16, 19}},
	};
	static const int width[7] = {4, 2, 2, 2, 2, 2, 3};

	for (int k = 0; k < 2; k++) {
		int v[7];
		bool ok = len == forms[k].len;

		for (int i = 0; ok && forms[k].seps[i]; i++)
			ok = text[forms[k].sep_at[i]] == forms[k].seps[i];
		for (int i = 0; ok && i < 7; i++)
			ok = digits(text + forms[k].at[i], width[i], &v[i]);
		if (!ok || (k == 1 && text[23] != 'Z') || v[1] < 1 ||
		    v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
		    v[4] > 59 || v[5] > 60)
			continue;
		/* A day past the month's end or a leap second counts on,
		 * as timegm's normalisation did. */
		*ms = ((diag_days_from_civil(v[0], v[1], v[2]) * 86400LL +
			v[3] * 3600LL + v[4] * 60LL + v[5]) *
			   1000LL +
		       v[6]);
		return true;
	}
	return false;
}
