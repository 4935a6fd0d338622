/* test_privacy.c - invalid_user: a failed login's user name goes to the
 * host, and users often type their password there. A name that is not an
 * account on the machine is recorded as "(invalid user)" by default (as
 * OpenSSH's audit does), plain or hashed by setting; an account's name is
 * recorded as fields.user says. The configs here are written whole
 * (ph_config_raw), so the real default applies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "test_util.h"

static void setup(void)
{
	ph_init();
	ph_service("f", "auth required {KVP} event=auth_fail\n");
	ph_service("s", "session required {KVP}\nsession required {PERMIT}\n");
}

TestSuite(privacy, .init = setup, .fini = ph_fini);

/* The test's config with `extra` and nothing else. */
static void config(const char *extra)
{
	char *text = NULL;

	cr_assert(asprintf(&text,
			   "pool_dir = \"%s\";\nhash_key_file = \"%s\";\n%s",
			   ph.pool_dir, ph.key_file, extra) > 0);
	ph_config_raw(ph.conf, text);
	free(text);
}

/* A failed login as `user`. */
static void fail(const char *user)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR)};

	cr_assert_eq(PH_RUN("f", user,
			    &(struct ph_items){.rhost = "198.51.100.4"}, cases),
		     PAMTEST_ERR_OK);
}

/* The same, the pool's only auth_fail record. */
static json_t *fail_as(const char *user)
{
	fail(user);
	return ph_one("auth_fail");
}

/* A session opened as `user`. */
static void open_as(const char *user)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};

	cr_assert_eq(PH_RUN("s", user, NULL, cases), PAMTEST_ERR_OK);
}

Test(privacy, a_name_that_is_no_account_is_masked_by_default)
{
	json_t *v;

	config("");
	v = fail_as(PH_PASSWORD); /* the password typed as the user name */
	cr_expect_str_eq(ph_str(v, "user"), "(invalid user)");
	cr_expect_null(json_object_get(v, "uid"));
	cr_expect_str_eq(ph_str(v, "rhost"), "198.51.100.4");
	json_decref(v);
	cr_expect_not(ph_file_has(ph.pool, PH_PASSWORD, strlen(PH_PASSWORD)));
}

Test(privacy, an_account_name_stays_plain)
{
	json_t *v;

	config("");
	v = fail_as("root");
	cr_expect_str_eq(ph_str(v, "user"), "root");
	cr_expect_eq(json_integer_value(json_object_get(v, "uid")), 0);
	json_decref(v);
}

Test(privacy, invalid_user_plain_records_the_name)
{
	json_t *v;

	config("invalid_user = \"plain\";\n");
	v = fail_as(PH_USER);
	cr_expect_str_eq(ph_str(v, "user"), PH_USER);
	json_decref(v);
}

Test(privacy, invalid_user_hash_records_a_digest_and_accounts_stay_plain)
{
	struct ph_recs recs;
	const char *a, *b;

	config("invalid_user = \"hash\";\n");
	fail(PH_PASSWORD);
	fail(PH_PASSWORD);
	open_as(PH_USER);
	open_as("root");
	ph_recs(&recs);
	cr_assert_eq(recs.n, 4);
	a = ph_str(recs.r[0].value, "user");
	b = ph_str(recs.r[1].value, "user");
	cr_expect_eq(strncmp(a, "hmac-sha256:", 12), 0, "%s", a);
	cr_expect_str_eq(a, b, "one name, one digest");
	cr_expect_eq(
	    strncmp(ph_str(recs.r[2].value, "user"), "hmac-sha256:", 12), 0);
	cr_expect_str_neq(ph_str(recs.r[2].value, "user"), a);
	cr_expect_str_eq(ph_str(recs.r[3].value, "user"), "root");
	ph_recs_free(&recs);
	cr_expect_not(ph_file_has(ph.pool, PH_PASSWORD, strlen(PH_PASSWORD)));
	cr_expect_not(ph_file_has(ph.pool, PH_USER, strlen(PH_USER)));
}

Test(privacy, omit_wins_over_invalid_user)
{
	json_t *v;

	config("fields = { user = \"omit\"; };\n");
	v = fail_as(PH_PASSWORD);
	cr_expect_null(json_object_get(v, "user"));
	json_decref(v);
}

Test(privacy, sessions_of_a_name_that_is_no_account_are_masked_too)
{
	json_t *v;

	config("");
	open_as(PH_USER);
	v = ph_one("session_open");
	cr_expect_str_eq(ph_str(v, "user"), "(invalid user)");
	json_decref(v);
}
