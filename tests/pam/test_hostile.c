/* test_hostile.c - hostile or huge PAM items (a 10 kB rhost, control
 * characters, terminal escape sequences, invalid UTF-8, an empty or NULL
 * user) still give a record within the mode's limits, valid JSON (jansson
 * refuses invalid UTF-8 too), strings cut on a UTF-8 boundary and marked
 * "truncated":true where anything was cut. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "test_util.h"

static void setup(void)
{
	ph_init();
	ph_service("s", "session optional {KVP}\nsession required {PERMIT}\n");
	ph_service("unsafe", "session optional {KVP} mode=unsafe\n"
			     "session required {PERMIT}\n");
}

TestSuite(hostile, .init = setup, .fini = ph_fini);

/* One session_open through `service` with these items and user. */
static json_t *open_with(const char *service, const char *user,
			 const struct ph_items *items, kvp_mode mode)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	struct ph_recs recs;
	json_t *v;

	cr_assert_eq(PH_RUN(service, user, items, cases), PAMTEST_ERR_OK,
		     "open_session: %d", cases[0].op_rv);
	ph_recs_in(ph.pool_dir, KVP_POOL_GUEST, NULL, mode, &recs);
	cr_assert_eq(recs.n, 1);
	v = json_incref(recs.r[0].value);
	/* The escapes are JSON's: no raw control byte in the value. */
	for (size_t i = 0; i < recs.r[0].raw_len; i++)
		cr_assert((unsigned char)recs.r[0].raw[i] >= 0x20,
			  "raw byte 0x%02x at %zu",
			  (unsigned char)recs.r[0].raw[i], i);
	ph_recs_free(&recs);
	cr_expect_str_eq(ph_str(v, "event"), "session_open");
	cr_expect_not_null(ph_str(v, "session"), "the id is never cut");
	cr_expect_not_null(ph_str(v, "time"));
	return v;
}

static bool all_of(const char *s, char c)
{
	for (; *s; s++)
		if (*s != c)
			return false;
	return true;
}

Test(hostile, rhost_of_10_kb_is_cut_and_marked)
{
	char *rhost = tu_repeat('a', 10240);
	struct ph_items items = {.rhost = rhost};
	json_t *v = open_with("s", PH_USER, &items, KVP_MODE_SAFE);
	const char *got = ph_str(v, "rhost");

	cr_assert_not_null(got);
	cr_expect(strlen(got) >= 64 && strlen(got) <= 256, "%zu bytes",
		  strlen(got));
	cr_expect(all_of(got, 'a'));
	cr_expect(json_is_true(json_object_get(v, "truncated")));
	cr_expect_str_eq(ph_str(v, "user"), PH_USER, "other fields intact");
	json_decref(v);
	free(rhost);
}

Test(hostile, control_characters_and_escape_sequences_are_escaped)
{
	const char *rhost = "\x1b[31mred\x1b[0m\r\n\t\x07\x01";
	const char *tty = "\x1b]0;owned\x07";
	const char *ruser = "a\x7f\x1b[2Jb\\\"";
	struct ph_items items = {.rhost = rhost, .tty = tty, .ruser = ruser};
	json_t *v = open_with("s", PH_USER, &items, KVP_MODE_SAFE);

	cr_expect_str_eq(ph_str(v, "rhost"), rhost);
	cr_expect_str_eq(ph_str(v, "tty"), tty);
	cr_expect_str_eq(ph_str(v, "ruser"), ruser);
	cr_expect_null(json_object_get(v, "truncated"));
	json_decref(v);
}

Test(hostile, invalid_utf8_is_replaced_not_refused)
{
	struct ph_items items = {
	    .rhost = "\xc3\x28host", .tty = "\xff\xfe", .ruser = "ok\xe2\x82"};
	json_t *v = open_with("s", "bad\xffuser", &items, KVP_MODE_SAFE);

	cr_expect_str_eq(ph_str(v, "user"), "bad\xef\xbf\xbduser");
	cr_expect_str_eq(ph_str(v, "rhost"), "\xef\xbf\xbd(host");
	cr_expect_str_eq(ph_str(v, "tty"), "\xef\xbf\xbd\xef\xbf\xbd");
	const char *ruser = ph_str(v, "ruser");
	cr_assert_not_null(ruser);
	cr_expect_eq(strncmp(ruser, "ok\xef\xbf\xbd", 5), 0, "%s", ruser);
	json_decref(v);
}

Test(hostile, multibyte_text_is_cut_on_a_character_boundary)
{
	char rhost[601];
	struct ph_items items = {.rhost = rhost};
	json_t *v;

	for (int i = 0; i < 300; i++)
		memcpy(rhost + 2 * i, "\xc3\xa9", 2); /* é */
	rhost[600] = '\0';
	v = open_with("s", PH_USER, &items, KVP_MODE_SAFE);
	const char *got = ph_str(v, "rhost");
	cr_assert_not_null(got);
	size_t len = strlen(got);
	cr_expect(len > 0 && len <= 256 && len % 2 == 0, "%zu bytes", len);
	for (size_t i = 0; i + 1 < len; i += 2)
		cr_expect(got[i] == '\xc3' && got[i + 1] == '\xa9', "byte %zu",
			  i);
	cr_expect(json_is_true(json_object_get(v, "truncated")));
	json_decref(v);
}

Test(hostile, huge_user_is_cut)
{
	char *user = tu_repeat('u', 10000);
	json_t *v = open_with("s", user, NULL, KVP_MODE_SAFE);
	const char *got = ph_str(v, "user");

	cr_assert_not_null(got);
	cr_expect(strlen(got) > 0 && strlen(got) <= 64, "%zu", strlen(got));
	cr_expect(all_of(got, 'u'));
	cr_expect(json_is_true(json_object_get(v, "truncated")));
	json_decref(v);
	free(user);
}

Test(hostile, empty_user)
{
	struct ph_items items = {.set_user = true, .user = ""};
	json_t *v = open_with("s", PH_USER, &items, KVP_MODE_SAFE);

	cr_expect_str_eq(ph_str(v, "user"), "");
	cr_expect_null(json_object_get(v, "uid"));
	json_decref(v);
}

Test(hostile, null_user)
{
	json_t *v = open_with("s", NULL, NULL, KVP_MODE_SAFE);

	cr_expect_null(json_object_get(v, "user"));
	cr_expect_null(json_object_get(v, "uid"));
	json_decref(v);
}

/* Every field 10 kB of what escapes worst: within the limit regardless. */
static json_t *everything_hostile(const char *service, kvp_mode mode)
{
	char *ctl = tu_repeat('\x01', 10240), *esc = tu_repeat('\x1b', 10240);
	char *quote = tu_repeat('"', 10240), *bad = tu_repeat('\xff', 10240);
	struct ph_items items = {.rhost = ctl, .tty = esc, .ruser = bad};
	json_t *v = open_with(service, quote, &items, mode);

	cr_expect(json_is_true(json_object_get(v, "truncated")));
	free(ctl);
	free(esc);
	free(quote);
	free(bad);
	return v;
}

Test(hostile, everything_at_once_fits_safe_mode)
{
	json_t *v = everything_hostile("s", KVP_MODE_SAFE);

	cr_expect_str_eq(ph_str(v, "result"), "success");
	json_decref(v);
}

Test(hostile, everything_at_once_fits_unsafe_mode)
{
	json_t *v = everything_hostile("unsafe", KVP_MODE_UNSAFE);

	cr_expect_str_eq(ph_str(v, "result"), "success");
	json_decref(v);
}
