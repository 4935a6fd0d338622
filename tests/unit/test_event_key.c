/* test_event_key.c - the legacy record key of an event (format =
 * "pam_kvp"): its format, every event name, the service token, both time
 * forms and the random id. The DIAG key is test_event_diag.c's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_event_util.h"

static kvp_settings *s;
static kvp_event ev;
static char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];

static void setup(void)
{
	s = te_settings("/nonexistent");
	te_set(s, "format=pam_kvp");
	te_event(&ev);
}

static void teardown(void)
{
	kvp_settings_free(s);
}

/* The key's service token for `service`. */
static const char *token_of(const char *service)
{
	static char parts[5][KVP_KEY_FIELD_SIZE + 1];

	ev.service = service;
	te_encode(s, &ev, key, value);
	cr_assert(te_matches(key, TE_KEY_RE), "key: %s", key);
	te_key_parts(key, parts);
	return parts[2];
}

Test(event_key, format, .init = setup, .fini = teardown)
{
	char parts[5][KVP_KEY_FIELD_SIZE + 1];

	te_encode(s, &ev, key, value);
	cr_assert(te_matches(key, TE_KEY_RE), "key: %s", key);
	te_key_parts(key, parts);
	cr_assert_str_eq(parts[0], "PAM_KVP");
	cr_assert_str_eq(parts[1], "session_open");
	cr_assert_str_eq(parts[2], "sshd");
	cr_assert_str_eq(parts[3], "20261124T223346.123Z");
	cr_assert_eq(strlen(parts[4]), 8);
}

Test(event_key, every_event_type, .init = setup, .fini = teardown)
{
	static const char *const names[KVP_EVENT_COUNT] = {
	    "auth",	    "auth_fail",     "account",
	    "session_open", "session_close", "password"};

	for (int t = 0; t < KVP_EVENT_COUNT; t++) {
		char parts[5][KVP_KEY_FIELD_SIZE + 1];
		json_t *obj;

		ev.type = (kvp_event_type)t;
		obj = te_encode_parse(s, &ev, key);
		te_key_parts(key, parts);
		cr_assert_str_eq(parts[1], names[t]);
		cr_assert_str_eq(te_str(obj, "event"), names[t]);
		cr_assert(te_matches(key, TE_KEY_RE), "key: %s", key);
		json_decref(obj);
	}
}

Test(event_key, unknown_event_type_rejected, .init = setup, .fini = teardown)
{
	ev.type = KVP_EVENT_COUNT;
	cr_assert_eq(
	    event_encode(s, &ev, key, sizeof(key), value, sizeof(value)),
	    KVP_ERR_INVALID_ARG);
}

Test(event_key, custom_prefix, .init = setup, .fini = teardown)
{
	char parts[5][KVP_KEY_FIELD_SIZE + 1];

	te_set(s, "key_prefix=My.Prefix-2");
	te_encode(s, &ev, key, value);
	te_key_parts(key, parts);
	cr_assert_str_eq(parts[0], "My.Prefix-2");
}

/* An invalid prefix never reaches the encoder: the settings refuse it. */
Test(event_key, invalid_prefix_rejected, .init = setup, .fini = teardown)
{
	static const char *const bad[] = {
	    "",	 "a|b", "sp ace",
	    "ü", "x/y", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
	char parts[5][KVP_KEY_FIELD_SIZE + 1], arg[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(arg, sizeof(arg), "key_prefix=%s", bad[i]);
		cr_assert_eq(kvp_settings_set(s, arg), KVP_ERR_CONFIG,
			     "prefix \"%s\"", bad[i]);
	}
	te_encode(s, &ev, key, value);
	te_key_parts(key, parts);
	cr_assert_str_eq(parts[0], "PAM_KVP");
}

Test(event_key, service_allowed_characters_kept, .init = setup,
     .fini = teardown)
{
	cr_assert_str_eq(token_of("sshd"), "sshd");
	cr_assert_str_eq(token_of("systemd-user"), "systemd-user");
	cr_assert_str_eq(token_of("Pam_Svc.1-x"), "Pam_Svc.1-x");
}

Test(event_key, service_other_bytes_become_underscores, .init = setup,
     .fini = teardown)
{
	cr_assert_str_eq(token_of("su -l"), "su_-l");
	cr_assert_str_eq(token_of("a|b|c"), "a_b_c");
	cr_assert_str_eq(token_of("\x1b[31mred"), "__31mred");
	cr_assert_str_eq(token_of("tab\there\n"), "tab_here_");
	cr_assert_str_eq(token_of("x/../y"), "x_.._y");
	/* Every byte of a multi-byte or invalid sequence. */
	cr_assert_str_eq(token_of("di\xc3\xa9"), "di__");
	cr_assert_str_eq(token_of("\xff\xfe"), "__");
}

Test(event_key, service_value_field_keeps_original, .init = setup,
     .fini = teardown)
{
	json_t *obj;

	ev.service = "su -l";
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "service"), "su -l");
	json_decref(obj);
}

Test(event_key, service_empty_or_missing_is_unknown, .init = setup,
     .fini = teardown)
{
	json_t *obj;

	cr_assert_str_eq(token_of(""), "unknown");
	cr_assert_str_eq(token_of(NULL), "unknown");
	/* The value leaves a missing service out, keeps an empty one. */
	ev.service = NULL;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_not(te_has(obj, "service"));
	json_decref(obj);
	ev.service = "";
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "service"), "");
	json_decref(obj);
}

Test(event_key, service_bounded_to_64, .init = setup, .fini = teardown)
{
	char *long_service = tu_repeat('s', 300);

	cr_assert_eq(strlen(token_of(long_service)), 64);
	cr_assert_str_eq(token_of(long_service), long_service + 300 - 64);
	free(long_service);
}

Test(event_key, longest_key_fits_safe_mode, .init = setup, .fini = teardown)
{
	char *long_service = tu_repeat('\x01', 5000);

	te_set(s, "key_prefix=%s", "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP");
	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.service = long_service;
	te_encode(s, &ev, key, value);
	/* 32 + "session_close" + 64 + 20 + 8 + 4 bars. */
	cr_assert_eq(strlen(key), 141, "%zu: %s", strlen(key), key);
	cr_assert_leq(strlen(key), KVP_SAFE_MAX_KEY_SIZE);
	free(long_service);
}

Test(event_key, time_forms, .init = setup, .fini = teardown)
{
	char parts[5][KVP_KEY_FIELD_SIZE + 1];
	json_t *obj = te_encode_parse(s, &ev, key);

	te_key_parts(key, parts);
	cr_assert_str_eq(parts[3], "20261124T223346.123Z");
	cr_assert_str_eq(te_str(obj, "time"), "2026-11-24T22:33:46.123Z");
	json_decref(obj);
}

Test(event_key, time_milliseconds_truncated_and_padded, .init = setup,
     .fini = teardown)
{
	char parts[5][KVP_KEY_FIELD_SIZE + 1];
	json_t *obj;

	ev.time.tv_sec = 0;
	ev.time.tv_nsec = 999999999;
	obj = te_encode_parse(s, &ev, key);
	te_key_parts(key, parts);
	cr_assert_str_eq(parts[3], "19700101T000000.999Z");
	cr_assert_str_eq(te_str(obj, "time"), "1970-01-01T00:00:00.999Z");
	json_decref(obj);

	ev.time.tv_sec = 1795559626;
	ev.time.tv_nsec = 7000000;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "time"), "2026-11-24T22:33:46.007Z");
	json_decref(obj);
}

Test(event_key, time_zero_means_now, .init = setup, .fini = teardown)
{
	struct timespec before, after;
	char parts[5][KVP_KEY_FIELD_SIZE + 1], lo[32], hi[32];
	struct tm tm;

	ev.time = (struct timespec){0, 0};
	clock_gettime(CLOCK_REALTIME, &before);
	te_encode(s, &ev, key, value);
	clock_gettime(CLOCK_REALTIME, &after);
	te_key_parts(key, parts);
	gmtime_r(&before.tv_sec, &tm);
	strftime(lo, sizeof(lo), "%Y%m%dT%H%M%S", &tm);
	gmtime_r(&after.tv_sec, &tm);
	strftime(hi, sizeof(hi), "%Y%m%dT%H%M%S", &tm);
	cr_assert(strncmp(parts[3], lo, 15) >= 0 &&
		      strncmp(parts[3], hi, 15) <= 0,
		  "%s not within %s..%s", parts[3], lo, hi);
	cr_assert_neq(strncmp(parts[3], "1970", 4), 0);
}

Test(event_key, time_out_of_range_rejected, .init = setup, .fini = teardown)
{
	ev.time.tv_nsec = 1000000000L;
	cr_assert_eq(
	    event_encode(s, &ev, key, sizeof(key), value, sizeof(value)),
	    KVP_ERR_INVALID_ARG);
	ev.time.tv_nsec = -1;
	cr_assert_eq(
	    event_encode(s, &ev, key, sizeof(key), value, sizeof(value)),
	    KVP_ERR_INVALID_ARG);
	ev.time.tv_nsec = 0;
	ev.time.tv_sec = 253402300800LL; /* year 10000 */
	cr_assert_eq(
	    event_encode(s, &ev, key, sizeof(key), value, sizeof(value)),
	    KVP_ERR_INVALID_ARG);
}

Test(event_key, id_is_random, .init = setup, .fini = teardown)
{
	char a[5][KVP_KEY_FIELD_SIZE + 1], b[5][KVP_KEY_FIELD_SIZE + 1];
	char first[KVP_KEY_FIELD_SIZE + 1];

	te_encode(s, &ev, first, value);
	te_encode(s, &ev, key, value);
	te_key_parts(first, a);
	te_key_parts(key, b);
	/* Same event, same time: only the id tells them apart. */
	cr_assert_str_eq(a[3], b[3]);
	cr_assert_str_neq(a[4], b[4]);
}

Test(event_key, small_buffers_rejected, .init = setup, .fini = teardown)
{
	cr_assert_eq(event_encode(s, &ev, key, 10, value, sizeof(value)),
		     KVP_ERR_INVALID_ARG);
	cr_assert_eq(event_encode(s, &ev, key, sizeof(key), value, 10),
		     KVP_ERR_INVALID_ARG);
	cr_assert_eq(
	    event_encode(s, &ev, NULL, sizeof(key), value, sizeof(value)),
	    KVP_ERR_INVALID_ARG);
	cr_assert_eq(
	    event_encode(NULL, &ev, key, sizeof(key), value, sizeof(value)),
	    KVP_ERR_INVALID_ARG);
}

/* The key and value times are made by hand, not by gmtime_r (whose first
 * call loads the time zone): they must be the C library's, second for
 * second, from year 1000 to 9999, and the key time must read back to the
 * same instant (event_time_parse, which replaced timegm). */
static void assert_time_is_libcs(long long t, long ms)
{
	struct timespec ts = {(time_t)t, ms * 1000000L};
	struct event_time et;
	char want[64];
	long long back = 0;
	struct tm tm;
	time_t tt = (time_t)t;

	cr_assert(gmtime_r(&tt, &tm), "%lld", t);
	cr_assert_eq(event_time_format(&ts, &et), 0, "%lld", t);
	snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms);
	cr_assert_str_eq(et.text, want, "%lld", t);
	cr_assert(event_time_parse(et.key, strlen(et.key), &back), "%s",
		  et.key);
	cr_assert_eq(back, t * 1000 + ms, "%s", et.key);
	cr_assert(event_time_parse(et.text, strlen(et.text), &back), "%s",
		  et.text);
	cr_assert_eq(back, t * 1000 + ms, "%s", et.text);
}

Test(event_key, times_are_the_c_librarys)
{
	const long long first = -30610224000LL; /* 1000-01-01 */
	const long long end = 253402300800LL;	/* 10000-01-01 */

	/* Every day from 1968 to 2101 (leap days, 2000, 2100), at a
	 * second that walks through the day... */
	for (long long t = -63158400LL, i = 0; t < 4133980800LL;
	     t += 86400, i++)
		assert_time_is_libcs(t + (i * 3607) % 86400, i % 1000);
	/* ...and across the whole range, each day's first and last
	 * seconds, every 97 days (1600, 1700, 1900 fall in step). */
	for (long long t = first; t < end; t += 97 * 86400LL) {
		assert_time_is_libcs(t, 0);
		assert_time_is_libcs(t + 86399, 999);
	}
	assert_time_is_libcs(first, 0);
	assert_time_is_libcs(end - 1, 999);
}

/* A date past its month's end or a leap second counts on, as timegm's
 * normalisation did; a year outside 1000-9999 is no event time. */
Test(event_key, time_parse_counts_on_like_timegm)
{
	static const char *const text[] = {
	    "20250230T000000.000Z", "2024-02-30T12:00:00.000Z",
	    "20250431T235959.999Z", "2016-12-31T23:59:60.000Z",
	    "20001231T235960.500Z",
	};
	struct timespec ts = {-30610224001LL, 0}; /* 0999-12-31T23:59:59 */
	struct event_time et;

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		const char *p = text[i];
		bool dashes = p[4] == '-';
		int step = dashes ? 1 : 0;
		struct tm tm = {0};
		long long ms = 0;

		sscanf(p, "%4d", &tm.tm_year);
		sscanf(p + 4 + step, "%2d", &tm.tm_mon);
		sscanf(p + 6 + 2 * step, "%2d", &tm.tm_mday);
		sscanf(p + 9 + 2 * step, "%2d", &tm.tm_hour);
		sscanf(p + 11 + 3 * step, "%2d", &tm.tm_min);
		sscanf(p + 13 + 4 * step, "%2d", &tm.tm_sec);
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		cr_assert(event_time_parse(p, strlen(p), &ms), "%s", p);
		cr_assert_eq(ms / 1000, (long long)timegm(&tm), "%s", p);
		cr_assert_eq(ms % 1000, atoi(p + strlen(p) - 4), "%s", p);
	}
	cr_assert_eq(event_time_format(&ts, &et), KVP_ERR_INVALID_ARG);
	ts.tv_sec = 253402300800LL; /* 10000-01-01 */
	cr_assert_eq(event_time_format(&ts, &et), KVP_ERR_INVALID_ARG);
}
