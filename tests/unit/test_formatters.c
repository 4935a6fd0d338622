/* test_formatters.c - the hand-written formatters of the event path
 * against the C library calls they replace (snprintf, strftime) over many
 * values and the edges (year boundaries, leap days, the first and last
 * representable times, nanoseconds cut to milliseconds), the UUID hex
 * parser over every byte, and the ASCII fast path of the UTF-8 checks
 * against a byte-at-a-time reference. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"
#include "test_event_util.h"

#define LAST_SEC 253402300799LL /* 9999-12-31T23:59:59Z */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64: the same values on every run. */
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Seconds at the edges of the years that matter, from `from_year`: the
 * first and last second of Jan 1, Feb 28, Feb 29 (Mar 1 when not a leap
 * year), Mar 1 and Dec 31, and the second before each; how many. */
static size_t edge_seconds(long long *out, size_t max, int from_year)
{
	static const int years[] = {1000, 1001, 1600, 1900, 1969, 1970,
				    1971, 1972, 1999, 2000, 2001, 2038,
				    2100, 2400, 9998, 9999};
	static const int md[][2] = {{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}};
	size_t n = 0;

	for (size_t y = 0; y < sizeof(years) / sizeof(*years); y++) {
		if (years[y] < from_year)
			continue;
		for (size_t i = 0; i < sizeof(md) / sizeof(*md); i++) {
			struct tm tm = {.tm_year = years[y] - 1900,
					.tm_mon = md[i][0] - 1,
					.tm_mday = md[i][1]};
			long long t = (long long)timegm(&tm);
			long long cand[] = {t - 1, t, t + 86399};
			for (size_t c = 0; c < 3 && n < max; c++)
				out[n++] = cand[c];
		}
	}
	return n;
}

static bool in_range(long long sec, long long lo)
{
	return sec >= lo && sec <= LAST_SEC;
}

/* diag_time_format as it was: snprintf of the civil fields. */
static void ref_diag_time(long long sec, long ns, int digits, char *out)
{
	time_t t = (time_t)sec;
	struct tm tm;
	int n;

	gmtime_r(&t, &tm);
	n = (int)strftime(out, DIAG_TIME_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
	if (digits > 0) {
		long div = 1;
		for (int i = digits; i < 9; i++)
			div *= 10;
		n += snprintf(out + n, (size_t)(DIAG_TIME_SIZE - n), ".%0*ld",
			      digits, ns / div);
	}
	snprintf(out + n, (size_t)(DIAG_TIME_SIZE - n), "Z");
}

static const long nss[] = {0,	    1,	       999,	  999999,   1000000,
			   1999999, 123456789, 999000000, 999999999};

static void check_diag_time(long long sec)
{
	for (size_t i = 0; i < sizeof(nss) / sizeof(*nss); i++)
		for (int d = 0; d <= 9; d += 3) {
			struct timespec ts = {(time_t)sec, nss[i]};
			char got[DIAG_TIME_SIZE], want[DIAG_TIME_SIZE];
			memset(got, 'x', sizeof(got));
			cr_assert_eq(diag_time_format(&ts, d, got), 0);
			ref_diag_time(sec, nss[i], d, want);
			cr_assert_str_eq(got, want, "%lld.%09ld /%d", sec,
					 nss[i], d);
		}
}

Test(formatters, diag_time_format_matches_strftime)
{
	long long edges[256];
	size_t n = edge_seconds(edges, 256, 1970);

	for (size_t i = 0; i < n; i++)
		if (in_range(edges[i], 0))
			check_diag_time(edges[i]);
	check_diag_time(0);
	check_diag_time(LAST_SEC);
	for (int i = 0; i < 20000; i++)
		check_diag_time((long long)(next() % (LAST_SEC + 1)));
}

Test(formatters, diag_time_format_range)
{
	static const struct timespec bad[] = {
	    {-1, 0}, {(time_t)(LAST_SEC + 1), 0}, {0, -1}, {0, 1000000000L}};
	char out[DIAG_TIME_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(diag_time_format(&bad[i], 3, out),
			     KVP_ERR_INVALID_ARG);
}

/* event_time_format as it was: strftime and ".%03uZ". */
static void ref_event_time(long long sec, long ns, struct event_time *out)
{
	time_t t = (time_t)sec;
	unsigned int ms = (unsigned int)(ns / 1000000L) % 1000u;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out->key, sizeof(out->key), "%Y%m%dT%H%M%S", &tm);
	snprintf(out->key + 15, sizeof(out->key) - 15, ".%03uZ", ms);
	strftime(out->text, sizeof(out->text), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out->text + 19, sizeof(out->text) - 19, ".%03uZ", ms);
}

static void check_event_time(long long sec)
{
	for (size_t i = 0; i < sizeof(nss) / sizeof(*nss); i++) {
		struct timespec ts = {(time_t)sec, nss[i]};
		struct event_time got, want;
		memset(&got, 'x', sizeof(got));
		if (sec == 0 && nss[i] == 0)
			continue; /* {0,0} means now */
		cr_assert_eq(event_time_format(&ts, &got), 0);
		ref_event_time(sec, nss[i], &want);
		cr_assert_str_eq(got.key, want.key, "%lld.%09ld", sec, nss[i]);
		cr_assert_str_eq(got.text, want.text, "%lld.%09ld", sec,
				 nss[i]);
	}
}

Test(formatters, event_time_format_matches_strftime)
{
	struct tm y1000 = {.tm_year = 1000 - 1900, .tm_mday = 1};
	long long edges[256], first = (long long)timegm(&y1000);
	size_t n = edge_seconds(edges, 256, 1000);

	/* 1000-01-01T00:00:00Z is the first time of a key. */
	for (size_t i = 0; i < n; i++)
		if (in_range(edges[i], first))
			check_event_time(edges[i]);
	check_event_time(first);
	check_event_time(LAST_SEC);
	for (int i = 0; i < 20000; i++)
		check_event_time(
		    first +
		    (long long)(next() % (uint64_t)(LAST_SEC - first + 1)));
}

Test(formatters, event_time_format_range)
{
	struct tm y999 = {.tm_year = 999 - 1900,
			  .tm_mon = 11,
			  .tm_mday = 31,
			  .tm_hour = 23,
			  .tm_min = 59,
			  .tm_sec = 59};
	struct timespec bad[] = {
	    {timegm(&y999), 0}, {(time_t)(LAST_SEC + 1), 0}, {1, -1}};
	struct event_time out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(event_time_format(&bad[i], &out),
			     KVP_ERR_INVALID_ARG);
}

/* The sortable time classify gives a DIAG key of ours, against strftime. */
Test(formatters, classify_time_matches_strftime)
{
	kvp_settings *s = te_settings("/nonexistent");
	long long edges[256];
	size_t n = edge_seconds(edges, 256, 1970);

	for (size_t i = 0; i < n + 2000; i++) {
		long long sec =
		    i < n ? edges[i] : (long long)(next() % (LAST_SEC + 1));
		struct timespec ts = {(time_t)sec, nss[i % 9]};
		char text[DIAG_TIME_SIZE], *k;
		unsigned char rec[KVP_RECORD_SIZE];
		struct event_key_info info;
		struct event_time want;

		if (!in_range(sec, 0))
			continue;
		cr_assert_eq(diag_time_format(&ts, 9, text), 0);
		k = te_diag_key("pam_kvp/1", "event", "pam:sshd:auth", text,
				TE_VM_ID);
		tu_record(rec, k, "{}");
		cr_assert_eq(event_key_classify(rec, s, &info), 1, "%s", k);
		ref_event_time(sec, nss[i % 9], &want);
		cr_assert_str_eq(info.time, want.key, "%s", k);
		free(k);
	}
	kvp_settings_free(s);
}

Test(formatters, put_digits_and_uint_match_printf)
{
	static const unsigned long long edges[] = {0,
						   1,
						   9,
						   10,
						   99,
						   100,
						   999,
						   1000,
						   9999,
						   10000,
						   999999,
						   1000000,
						   4294967295ULL,
						   4294967296ULL,
						   18446744073709551615ULL};

	for (size_t i = 0; i < sizeof(edges) / sizeof(*edges) + 20000; i++) {
		unsigned long long v = i < sizeof(edges) / sizeof(*edges)
					   ? edges[i]
					   : next() >> (next() % 64);
		char got[32], want[32], *end = diag_put_uint(got, v);

		*end = '\0';
		snprintf(want, sizeof(want), "%llu", v);
		cr_assert_str_eq(got, want);
		for (int w = 1; w <= 20; w++) {
			end = diag_put_digits(got, v, w);
			*end = '\0';
			cr_assert_eq(end - got, w);
			snprintf(want, sizeof(want), "%0*llu", w, v);
			/* Higher digits than `w` are dropped. */
			cr_assert_str_eq(got, want + strlen(want) - (size_t)w);
		}
	}
}

Test(formatters, duration_format_matches_printf)
{
	static const unsigned long long secs[] = {0, 1, 59, 3600,
						  18446744073709551615ULL};
	static const unsigned int nsecs[] = {0, 999, 1000, 500000000,
					     999999999};

	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++) {
			kvp_diag_duration d = {secs[i], nsecs[j]};
			char got[DIAG_DURATION_SIZE], want[DIAG_DURATION_SIZE];
			size_t n = diag_duration_format(&d, got);
			int m = snprintf(want, sizeof(want), "%llu.%06u", d.sec,
					 d.nsec / 1000u);
			cr_assert_str_eq(got, want);
			cr_assert_eq(n, (size_t)m);
		}
}

Test(formatters, uuid_format_matches_printf)
{
	for (int i = 0; i < 5000; i++) {
		unsigned char b[16];
		char got[KVP_UUID_SIZE], want[KVP_UUID_SIZE];

		for (int j = 0; j < 16; j++)
			b[j] = i == 0	? 0
			       : i == 1 ? 0xff
					: (unsigned char)next();
		uuid_format(b, got);
		snprintf(want, sizeof(want),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
			 b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
		cr_assert_str_eq(got, want);
	}
}

/* Every byte at a digit's place, as the first and as the last digit of a
 * group: accepted exactly when it is a hex digit, with its value. */
Test(formatters, uuid_parse_every_byte)
{
	static const size_t places[] = {0, 7, 9, 35};

	for (int c = 0; c < 256; c++)
		for (size_t p = 0; p < sizeof(places) / sizeof(*places); p++) {
			char u[] = "00000000-0000-0000-0000-000000000000";
			unsigned char b[16];
			const char *hex = "0123456789abcdefABCDEF";
			const char *at = c ? strchr(hex, c) : NULL;
			size_t d = places[p] - (places[p] > 8) -
				   (places[p] > 13) - (places[p] > 18) -
				   (places[p] > 23);
			int want =
			    at ? (int)(at - hex) - (at - hex > 15 ? 6 : 0) : -1;

			u[places[p]] = (char)c;
			cr_assert_eq(diag_uuid_parse(u, 36, b), want >= 0,
				     "byte %d at %zu", c, places[p]);
			if (want >= 0)
				cr_assert_eq(b[d / 2] >> (d % 2 ? 0 : 4) & 0xf,
					     want, "byte %d at %zu", c,
					     places[p]);
		}
}

/* utf8_valid_prefix and utf8_lossy a byte at a time, as they were. */
static size_t ref_valid_prefix(const unsigned char *p, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			break;
		i += n;
	}
	return i;
}

static size_t ref_lossy(const unsigned char *p, size_t len, char *out)
{
	size_t i = 0, o = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	return o;
}

Test(formatters, utf8_ascii_fast_path)
{
	/* Pieces: ASCII, valid sequences, and bytes that start none. */
	static const char *const pieces[] = {
	    "a",	"hello world",	"\x7f",
	    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	    "\x80",	"\xc3",		"\xed\xa0\x80",
	    "\xff"};
	unsigned char buf[96];
	char out[96 * 3 + 1], want[96 * 3 + 1];

	for (int i = 0; i < 20000; i++) {
		size_t len = 0, off = next() % 8, k = next() % 12;

		memset(buf, 'z', off);
		len = off;
		for (size_t j = 0; j < k; j++) {
			const char *pc = pieces[next() % 10];
			size_t n = strlen(pc);
			if (len + n > sizeof(buf))
				break;
			memcpy(buf + len, pc, n);
			len += n;
		}
		for (size_t from = 0; from <= off; from++) {
			const unsigned char *p = buf + from;
			size_t n = len - from, o;
			char *l = utf8_lossy((const char *)p, n, &o);
			cr_assert_eq(utf8_valid_prefix((const char *)p, n),
				     ref_valid_prefix(p, n));
			cr_assert_eq(utf8_valid((const char *)p, n),
				     ref_valid_prefix(p, n) == n);
			cr_assert_not_null(l);
			memcpy(out, l, o);
			cr_assert_eq(o, ref_lossy(p, n, want));
			cr_assert_eq(memcmp(out, want, o), 0);
			free(l);
		}
	}
}
