/* test_handle_cache.c - what pam_kvp keeps between calls (pam_kvp/options.c:
 * the settings, for the process; observe.c: the account's uid, in the PAM
 * handle) is never older than the file or the item it came from: a config file
 * changed between a session's open and close, or a PAM_USER changed, is what
 * the close goes by. */
#include <criterion/criterion.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "test_util.h"

static void setup(void)
{
	ph_init();
	ph_service("login", "session optional {KVP}\n"
			    "session required {PERMIT}\n");
	ph_config("invalid_user = \"plain\";");
}

TestSuite(handle_cache, .init = setup, .fini = ph_fini);

/* Open a session on a kept handle; the handle. */
static pam_handle_t *open_kept(const char *user)
{
	struct pam_testcase opening[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};

	PH_RUN("login", user, NULL, opening);
	cr_assert_eq(opening[0].op_rv, PAM_SUCCESS);
	cr_assert_not_null(opening[1].case_out.ph);
	return opening[1].case_out.ph;
}

static void close_kept(pam_handle_t *pamh)
{
	struct pam_testcase closing[] = {
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};

	ph_run_on(pamh, closing, 1);
	cr_assert_eq(closing[0].op_rv, PAM_SUCCESS);
}

Test(handle_cache, a_config_changed_mid_session_applies_to_the_close)
{
	pam_handle_t *pamh = open_kept(PH_USER);

	cr_assert_eq(ph_count(), 1);
	/* Closes are no longer wanted: the open's settings must not be
	 * reused for the close. */
	ph_config("invalid_user = \"plain\"; events = [\"session_open\"];");
	close_kept(pamh);
	cr_assert_eq(ph_count(), 1, "the close was recorded by old settings");
}

Test(handle_cache, a_config_broken_mid_session_is_reported_by_the_close)
{
	pam_handle_t *pamh = open_kept(PH_USER);

	cr_assert_eq(ph_count(), 1);
	ph_config("invalid_user = \"plain\"; no_such_setting = 1;");
	ph_log_clear();
	close_kept(pamh);
	cr_assert_eq(ph_count(), 1);
	ph_log_expect("session_close event not recorded: ", "no_such_setting",
		      NULL);
}

Test(handle_cache, the_same_config_is_reused_and_still_records_every_call)
{
	pam_handle_t *pamh = open_kept(PH_USER);

	close_kept(pamh);
	cr_assert_eq(ph_count(), 2);
}

Test(handle_cache, a_user_changed_mid_session_is_looked_up_again)
{
	pam_handle_t *pamh = open_kept("root");
	struct passwd *nobody = getpwnam("nobody");
	json_t *v;

	cr_assert_not_null(nobody);
	cr_assert_eq(pam_set_item(pamh, PAM_USER, "nobody"), PAM_SUCCESS);
	close_kept(pamh);
	v = ph_one("session_open");
	cr_assert_eq(json_integer_value(json_object_get(v, "uid")), 0);
	json_decref(v);
	v = ph_one("session_close");
	cr_assert_str_eq(ph_str(v, "user"), "nobody");
	cr_assert_eq(json_integer_value(json_object_get(v, "uid")),
		     (json_int_t)nobody->pw_uid);
	json_decref(v);
}
