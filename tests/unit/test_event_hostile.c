/* test_event_hostile.c - hostile PAM items: huge values, control and
 * escape characters, invalid UTF-8, multi-byte characters at the cut.
 * Whatever comes in, the value is valid UTF-8 JSON within the limit (the
 * mode's; with format "diag" one DIAG record's 1022 bytes in either
 * mode), every string is a bounded, repaired prefix of its input, and
 * "truncated":true says when anything was cut. The suite runs in the
 * default format, DIAG; the limits are also checked in the legacy one. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "test_event_util.h"

#define FFFD "\xEF\xBF\xBD"

static kvp_settings *s;
static kvp_event ev;
static char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];

static void setup(void)
{
	s = te_settings("/nonexistent");
	te_event(&ev);
}

static void teardown(void)
{
	kvp_settings_free(s);
}

/* Encode `ev` into key/value (limits and key asserted) and parse the
 * value. */
static json_t *encode(void)
{
	te_encode(s, &ev, key, value);
	return te_parse(value);
}

/* Every event string set to `text`. */
static void set_all(const char *text)
{
	ev.service = ev.user = ev.ruser = ev.rhost = ev.tty = text;
	ev.session = ev.result = ev.host = ev.boot_id = text;
}

static bool is_prefix(const char *p, const char *of)
{
	return strncmp(p, of, strlen(p)) == 0;
}

static bool truncated(json_t *obj)
{
	return json_is_true(json_object_get(obj, "truncated"));
}

static const char *const string_members[] = {
    "service", "user",	 "rhost", "ruser",   "tty",
    "session", "result", "host",  "boot_id", NULL};

Test(event_hostile, rhost_10k_plain_cut_to_cap, .init = setup, .fini = teardown)
{
	char *big = tu_repeat('h', 10000);
	json_t *obj;

	ev.rhost = big;
	obj = encode();
	cr_assert_eq(strlen(te_str(obj, "rhost")), 256);
	cr_assert(is_prefix(te_str(obj, "rhost"), big));
	cr_assert(truncated(obj));
	cr_assert_str_eq(te_str(obj, "user"), "alice");
	json_decref(obj);
	free(big);
}

/* A 10 kB rhost of control characters, each escaped to 6 bytes. */
static void control_rhost(kvp_mode mode, const char *format, size_t limit)
{
	char *big = tu_repeat('\x01', 10000);
	json_t *obj;

	te_set(s, "mode=%s", kvp_mode_name(mode));
	te_set(s, "format=%s", format);
	ev.rhost = big;
	obj = encode();
	cr_assert_leq(strlen(value), limit);
	cr_assert(truncated(obj));
	cr_assert(is_prefix(te_str(obj, "rhost"), big));
	cr_assert_gt(strlen(te_str(obj, "rhost")), 0);
	/* Other members are whole. */
	cr_assert_str_eq(te_str(obj, "user"), "alice");
	cr_assert_str_eq(te_str(obj, "session"),
			 "0b6e0c3e-53c5-4a0e-9a7e-3f1d2c4b5a69");
	cr_log_info("10 kB control rhost, %s, %s: %zu bytes",
		    kvp_mode_name(mode), format, strlen(value));
	json_decref(obj);
	free(big);
}

Test(event_hostile, rhost_10k_control_characters_safe, .init = setup,
     .fini = teardown)
{
	control_rhost(KVP_MODE_SAFE, "diag", 1022);
	control_rhost(KVP_MODE_SAFE, "pam_kvp", 1022);
}

Test(event_hostile, rhost_10k_control_characters_unsafe, .init = setup,
     .fini = teardown)
{
	control_rhost(KVP_MODE_UNSAFE, "pam_kvp", 2048);
}

/* A DIAG record's value is one chunk: 1022 bytes in Unsafe mode too. */
Test(event_hostile, rhost_10k_control_characters_unsafe_diag, .init = setup,
     .fini = teardown)
{
	control_rhost(KVP_MODE_UNSAFE, "diag", 1022);
}

/* Every string field 10 kB of control characters: the worst case. */
static void worst_case(kvp_mode mode, const char *format, size_t limit)
{
	char *big = tu_repeat('\x1f', 10000);
	json_t *obj;

	te_set(s, "mode=%s", kvp_mode_name(mode));
	te_set(s, "format=%s", format);
	te_set(s, "key_prefix=%s", "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP");
	set_all(big);
	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.pid = 4194304;
	ev.uid = 4294967295LL;
	ev.has_duration = true;
	ev.duration_s = 31536000.999;
	ev.time.tv_sec = 253402300799LL; /* 9999-12-31T23:59:59 */
	obj = encode();
	cr_assert_leq(strlen(value), limit);
	cr_assert_leq(strlen(key), pool_max_key_size(mode));
	cr_assert(truncated(obj));
	for (const char *const *m = string_members; *m; m++)
		cr_assert(is_prefix(te_str(obj, *m), big), "%s", *m);
	cr_log_info("worst case, %s, %s: value %zu bytes, key %zu bytes",
		    kvp_mode_name(mode), format, strlen(value), strlen(key));
	json_decref(obj);
	free(big);
}

Test(event_hostile, all_fields_control_characters_safe, .init = setup,
     .fini = teardown)
{
	worst_case(KVP_MODE_SAFE, "diag", 1022);
}

Test(event_hostile, all_fields_control_characters_safe_legacy, .init = setup,
     .fini = teardown)
{
	worst_case(KVP_MODE_SAFE, "pam_kvp", 1022);
}

Test(event_hostile, all_fields_control_characters_unsafe, .init = setup,
     .fini = teardown)
{
	worst_case(KVP_MODE_UNSAFE, "pam_kvp", 2048);
}

Test(event_hostile, all_fields_control_characters_unsafe_diag, .init = setup,
     .fini = teardown)
{
	worst_case(KVP_MODE_UNSAFE, "diag", 1022);
}

Test(event_hostile, shrinking_is_even, .init = setup, .fini = teardown)
{
	char *big = tu_repeat('\x02', 10000);
	size_t shortest = SIZE_MAX, longest = 0;
	json_t *obj;

	set_all(big);
	obj = encode();
	/* The longest fields are cut to one common level. */
	for (const char *const *m = string_members; *m; m++) {
		size_t n = strlen(te_str(obj, *m));
		shortest = n < shortest ? n : shortest;
		longest = n > longest ? n : longest;
	}
	cr_assert_leq(longest - shortest, 1, "%zu..%zu", shortest, longest);
	cr_assert_gt(shortest, 0);
	json_decref(obj);
	free(big);
}

Test(event_hostile, huge_ascii_everywhere, .init = setup, .fini = teardown)
{
	size_t n = 1 << 20;
	char *big = tu_repeat('x', n);
	json_t *obj;

	set_all(big);
	ev.service = "sshd";
	for (int mode = 0; mode < 2; mode++) {
		te_set(s, "mode=%s", kvp_mode_name((kvp_mode)mode));
		obj = encode();
		cr_assert(truncated(obj));
		cr_assert_leq(strlen(te_str(obj, "rhost")), 256);
		cr_assert_leq(strlen(te_str(obj, "user")), 64);
		json_decref(obj);
	}
	free(big);
}

Test(event_hostile, escape_sequences_escaped, .init = setup, .fini = teardown)
{
	json_t *obj;

	ev.user = "\x1b[2J\x1b[31mroot\x07";
	obj = encode();
	cr_assert_null(strchr(value, '\x1b'));
	cr_assert_null(strchr(value, '\x07'));
	cr_assert_not_null(strstr(value, "\\u001B[2J\\u001B[31mroot\\u0007"),
			   "%s", value);
	cr_assert_str_eq(te_str(obj, "user"), "\x1b[2J\x1b[31mroot\x07");
	cr_assert_not(truncated(obj));
	json_decref(obj);
}

Test(event_hostile, no_raw_control_bytes_in_value, .init = setup,
     .fini = teardown)
{
	char all[32];

	for (int i = 1; i < 32; i++)
		all[i - 1] = (char)i;
	all[31] = '\0';
	set_all(all);
	json_decref(encode());
	for (const char *p = value; *p; p++)
		cr_assert_geq((unsigned char)*p, 0x20, "raw byte %d",
			      (unsigned char)*p);
}

Test(event_hostile, invalid_utf8_replaced, .init = setup, .fini = teardown)
{
	json_t *obj;

	ev.user = "a\xff"
		  "b\xc3";
	ev.rhost = "\xed\xa0\x80"; /* a surrogate */
	ev.tty = "\xc0\xaf";	   /* an overlong '/' */
	ev.ruser = "ok\xe2\x82\xac";
	obj = encode();
	cr_assert_str_eq(te_str(obj, "user"), "a" FFFD "b" FFFD);
	cr_assert_str_eq(te_str(obj, "rhost"), FFFD FFFD FFFD);
	cr_assert_str_eq(te_str(obj, "tty"), FFFD FFFD);
	cr_assert_str_eq(te_str(obj, "ruser"), "ok\xe2\x82\xac");
	cr_assert_not(truncated(obj));
	json_decref(obj);
}

Test(event_hostile, replacement_counts_against_the_cap, .init = setup,
     .fini = teardown)
{
	char *bad = tu_repeat('\xff', 1000);
	json_t *obj;

	ev.user = bad;
	obj = encode();
	/* 21 replacement characters (63 bytes) fit in 64; a 22nd does not. */
	cr_assert_eq(strlen(te_str(obj, "user")), 63);
	cr_assert(truncated(obj));
	json_decref(obj);
	free(bad);
}

/* user = `n` ASCII 'a's then `tail` repeated; the cut user must be
 * `want_a` 'a's followed by `want_tail` copies of tail. */
static void cut_case(size_t n, const char *tail, size_t reps, size_t want_tail)
{
	size_t tl = strlen(tail);
	char *in = calloc(1, n + tl * reps + 1);
	char *want = calloc(1, n + tl * want_tail + 1);
	json_t *obj;

	memset(in, 'a', n);
	memset(want, 'a', n);
	for (size_t i = 0; i < reps; i++)
		memcpy(in + n + i * tl, tail, tl);
	for (size_t i = 0; i < want_tail; i++)
		memcpy(want + n + i * tl, tail, tl);
	ev.user = in;
	obj = encode();
	cr_assert_str_eq(te_str(obj, "user"), want);
	cr_assert(truncated(obj));
	json_decref(obj);
	free(in);
	free(want);
}

Test(event_hostile, cut_on_utf8_boundary, .init = setup, .fini = teardown)
{
	/* 63 + 2: the 2-byte character would straddle byte 64. */
	cut_case(63, "\xc3\xa9", 1, 0);
	/* 62 + 3-byte euro signs: one would end at 65. */
	cut_case(62, "\xe2\x82\xac", 2, 0);
	cut_case(61, "\xe2\x82\xac", 2, 1);
	/* 4-byte emoji: 16 fill 64 exactly, the 17th is cut. */
	cut_case(0, "\xf0\x9f\x98\x80", 20, 16);
	cut_case(1, "\xf0\x9f\x98\x80", 20, 15);
}

Test(event_hostile, exactly_at_cap_is_not_truncated, .init = setup,
     .fini = teardown)
{
	char *u = tu_repeat('u', 64), *h = tu_repeat('h', 256);
	json_t *obj;

	ev.user = u;
	ev.rhost = h;
	obj = encode();
	cr_assert_str_eq(te_str(obj, "user"), u);
	cr_assert_str_eq(te_str(obj, "rhost"), h);
	cr_assert_not(truncated(obj));
	json_decref(obj);
	free(u);
	free(h);
}

Test(event_hostile, multibyte_fields_shrunk_on_boundaries, .init = setup,
     .fini = teardown)
{
	/* 256 bytes of 2-byte characters, each copied as is. */
	char rhost[10001] = "";
	json_t *obj;

	for (size_t i = 0; i + 2 <= 10000; i += 2)
		memcpy(rhost + i, "\xd0\x96", 2);
	ev.rhost = rhost;
	set_all(rhost);
	for (int mode = 0; mode < 2; mode++) {
		te_set(s, "mode=%s", kvp_mode_name((kvp_mode)mode));
		obj = encode(); /* parses: every cut was on a boundary */
		for (const char *const *m = string_members; *m; m++) {
			cr_assert_eq(strlen(te_str(obj, *m)) % 2, 0, "%s", *m);
			cr_assert(is_prefix(te_str(obj, *m), rhost));
		}
		json_decref(obj);
	}
}

Test(event_hostile, random_bytes_always_fit, .init = setup, .fini = teardown)
{
	enum { ROUNDS = 300, MAX = 3000 };
	static char field[9][MAX + 1];
	json_t *obj;

	for (int round = 0; round < ROUNDS; round++) {
		for (int f = 0; f < 9; f++) {
			unsigned short len;
			cr_assert_eq(getrandom(&len, sizeof(len), 0),
				     sizeof(len));
			len %= (round % 3 == 0 ? MAX : 80);
			cr_assert_eq(getrandom(field[f], len, 0), len);
			for (size_t i = 0; i < len; i++)
				if (!field[f][i])
					field[f][i] = '\x01';
			field[f][len] = '\0';
		}
		ev.service = field[0];
		ev.user = field[1];
		ev.ruser = field[2];
		ev.rhost = field[3];
		ev.tty = field[4];
		ev.session = field[5];
		ev.result = field[6];
		ev.host = field[7];
		ev.boot_id = field[8];
		te_set(s, "mode=%s", kvp_mode_name((kvp_mode)(round % 2)));
		obj = encode(); /* asserts limits, key format, valid JSON */
		json_decref(obj);
	}
}

Test(event_hostile, digests_never_shortened, .init = setup, .fini = teardown)
{
	char *big = tu_repeat('\x03', 10000);
	char *dir = tu_mkdtemp();
	json_t *obj;

	static const char *const fields[] = {"user", "ruser", "rhost", "tty",
					     "host"};

	kvp_settings_free(s);
	s = te_settings(dir);
	for (size_t f = 0; f < sizeof(fields) / sizeof(*fields); f++)
		te_field(s, fields[f], "hash");
	set_all(big);
	obj = encode();
	cr_assert(truncated(obj));
	for (const char *const *m = string_members; *m; m++) {
		const char *v = te_str(obj, *m);
		if (strncmp(v, "hmac-sha256:", 12) == 0)
			cr_assert_eq(strlen(v), 44, "%s", *m);
		else
			cr_assert(is_prefix(v, big), "%s", *m);
	}
	cr_assert(
	    te_matches(te_str(obj, "user"), "^hmac-sha256:[0-9a-f]{32}$"));
	json_decref(obj);
	free(big);
	tu_rmtree(dir);
	free(dir);
}
