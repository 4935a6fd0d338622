/* test_events.c - every event type through a real PAM stack: auth after
 * pam_matrix succeeded, auth_fail after it failed (the failure stands),
 * account, session open/close with one id and a duration, password via
 * pam_chauthtok, nothing for setcred; and which events are enabled. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

#define ALL_EVENTS                                                             \
	"events = [\"auth\", \"auth_fail\", \"account\", \"session_open\", "   \
	"\"session_close\", \"password\"];"

/* pam_faillock's shape: on success pam_matrix skips the auth_fail line. */
static const char login_stack[] = "auth [success=1 default=ignore] {MATRIX}\n"
				  "auth [default=die] {KVP} event=auth_fail\n"
				  "auth optional {KVP}\n"
				  "auth required {PERMIT}\n"
				  "account optional {KVP}\n"
				  "account required {PERMIT}\n"
				  "session optional {KVP}\n"
				  "session required {PERMIT}\n"
				  "password required {MATRIX}\n"
				  "password optional {KVP}\n";

static void setup(void)
{
	ph_init();
	ph_service("login", login_stack);
	/* Two pam_kvp lines in one session stack, the second to another
	 * pool directory. */
	ph_service("twice", "session optional {KVP}\n"
			    "session optional {KVP} pool_dir={ROOT}/second\n"
			    "session required {PERMIT}\n");
	ph_config(ALL_EVENTS);
}

TestSuite(events, .init = setup, .fini = ph_fini);

static int authenticate(const char *password)
{
	const char *const answers[] = {password, NULL};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS)};

	ph_answers(answers);
	PH_RUN("login", PH_USER, NULL, cases);
	ph_answers(NULL);
	return cases[0].op_rv;
}

Test(events, auth_success_records_auth)
{
	json_t *v;

	cr_assert_eq(authenticate(PH_PASSWORD), PAM_SUCCESS);
	cr_assert_eq(ph_count(), 1);
	v = ph_one("auth");
	cr_expect_str_eq(ph_str(v, "result"), "success");
	cr_expect_str_eq(ph_str(v, "user"), PH_USER);
	cr_expect_str_eq(ph_str(v, "service"), "login");
	json_decref(v);
	cr_expect_eq(ph_log_count(), 0);
}

Test(events, auth_failure_records_auth_fail_and_the_failure_stands)
{
	json_t *v;

	cr_assert_eq(authenticate("wrong password"), PAM_AUTH_ERR);
	cr_assert_eq(ph_count(), 1);
	v = ph_one("auth_fail");
	cr_expect_str_eq(ph_str(v, "result"), "auth_err");
	cr_expect_str_eq(ph_str(v, "user"), PH_USER);
	json_decref(v);
	cr_expect_eq(ph_log_count(), 0);
}

Test(events, auth_fail_not_enabled_still_denies)
{
	ph_config("events = [\"auth\"];");
	cr_assert_eq(authenticate("wrong password"), PAM_AUTH_ERR);
	cr_expect_eq(tu_file_size(ph.pool), -1, "nothing may be written");
	cr_assert_eq(authenticate(PH_PASSWORD), PAM_SUCCESS);
	cr_expect_eq(ph_count(), 1);
}

Test(events, account_records_account)
{
	json_t *v;

	cr_assert_eq(ph_call("login", PAMTEST_ACCOUNT), PAM_SUCCESS);
	v = ph_one("account");
	cr_expect_str_eq(ph_str(v, "result"), "success");
	cr_expect_null(ph_str(v, "session"));
	json_decref(v);
	cr_expect_eq(ph_count(), 1);
}

Test(events, session_open_and_close_share_one_id_and_report_duration)
{
	struct ph_items items = {.rhost = "client.example", .tty = "ssh"};
	int open_rv, close_rv;
	json_t *open, *close;
	regex_t uuid;

	ph_session("login", &items, 300, &open_rv, &close_rv);
	cr_assert_eq(open_rv, PAM_SUCCESS);
	cr_assert_eq(close_rv, PAM_SUCCESS);
	open = ph_one("session_open");
	close = ph_one("session_close");
	cr_assert_not_null(ph_str(open, "session"));
	cr_assert_eq(
	    regcomp(&uuid,
		    "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]"
		    "{3}-[0-9a-f]{12}$",
		    REG_EXTENDED | REG_NOSUB),
	    0);
	cr_expect_eq(regexec(&uuid, ph_str(open, "session"), 0, NULL, 0), 0,
		     "not a v4 uuid: %s", ph_str(open, "session"));
	regfree(&uuid);
	cr_expect_str_eq(ph_str(close, "session"), ph_str(open, "session"));
	cr_expect_null(json_object_get(open, "duration_s"));
	cr_assert(json_is_number(json_object_get(close, "duration_s")));
	double d = json_number_value(json_object_get(close, "duration_s"));
	cr_expect(d >= 0.3 && d < 30.0, "duration %f after a 300 ms sleep", d);
	cr_expect_str_eq(ph_str(open, "rhost"), "client.example");
	cr_expect_str_eq(ph_str(close, "tty"), "ssh");
	json_decref(open);
	json_decref(close);
}

Test(events, close_without_open_has_no_session_id)
{
	json_t *v;

	cr_assert_eq(ph_call("login", PAMTEST_CLOSE_SESSION), PAM_SUCCESS);
	v = ph_one("session_close");
	cr_expect_null(json_object_get(v, "session"));
	cr_expect_null(json_object_get(v, "duration_s"));
	json_decref(v);
}

Test(events, two_pam_kvp_lines_record_the_same_session)
{
	char *second = tu_path(ph.root, "second");
	struct ph_recs a, b;
	int open_rv, close_rv;

	ph_session("twice", NULL, 10, &open_rv, &close_rv);
	cr_assert_eq(open_rv, PAM_SUCCESS);
	cr_assert_eq(close_rv, PAM_SUCCESS);
	ph_recs(&a);
	ph_recs_in(second, KVP_POOL_GUEST, NULL, KVP_MODE_SAFE, &b);
	cr_assert_eq(a.n, 2);
	cr_assert_eq(b.n, 2);
	const char *id = ph_str(a.r[0].value, "session");
	cr_assert_not_null(id);
	cr_expect_str_eq(ph_str(a.r[1].value, "session"), id);
	cr_expect_str_eq(ph_str(b.r[0].value, "session"), id);
	cr_expect_str_eq(ph_str(b.r[1].value, "session"), id);
	cr_expect_not_null(json_object_get(a.r[1].value, "duration_s"));
	cr_expect_not_null(json_object_get(b.r[1].value, "duration_s"));
	ph_recs_free(&a);
	ph_recs_free(&b);
	free(second);
}

Test(events, each_session_on_one_handle_gets_its_own_id)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	struct ph_recs recs;

	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 4);
	const char *first = ph_str(recs.r[0].value, "session");
	const char *second = ph_str(recs.r[2].value, "session");
	cr_assert(first && second);
	cr_expect_str_eq(ph_str(recs.r[1].value, "session"), first);
	cr_expect_str_eq(ph_str(recs.r[3].value, "session"), second);
	cr_expect_str_neq(first, second);
	ph_recs_free(&recs);
}

Test(events, password_change_records_one_password_event)
{
	const char *const answers[] = {PH_PASSWORD, "New-Pass-77",
				       "New-Pass-77", NULL};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS)};
	json_t *v;

	ph_answers(answers);
	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK,
		     "chauthtok: %d", cases[0].op_rv);
	cr_assert_eq(ph_count(), 1, "one record for both chauthtok phases");
	v = ph_one("password");
	cr_expect_str_eq(ph_str(v, "result"), "success");
	json_decref(v);
	cr_expect(ph_file_has(ph.passdb, "New-Pass-77", 11),
		  "pam_matrix did not change the password");
}

Test(events, setcred_records_nothing)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
	    pam_test_flags(PAMTEST_SETCRED, PAM_SUCCESS, PAM_DELETE_CRED),
	};

	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK);
	cr_expect_eq(tu_file_size(ph.pool), -1);
	cr_expect_eq(ph_log_count(), 0);
}

Test(events, no_enabled_event_writes_nothing)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	    pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};

	ph_config("events = [];");
	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK);
	cr_assert_eq(authenticate("wrong password"), PAM_AUTH_ERR);
	cr_expect_eq(tu_file_size(ph.pool), -1, "no pool file may be made");
	cr_expect_eq(ph_log_count(), 0);
}

Test(events, defaults_record_auth_fail_and_sessions_only)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	    pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	struct ph_recs recs;

	ph_config("%s", "");
	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK);
	cr_assert_eq(authenticate("wrong password"), PAM_AUTH_ERR);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 3);
	cr_expect_str_eq(ph_str(recs.r[0].value, "event"), "session_open");
	cr_expect_str_eq(ph_str(recs.r[1].value, "event"), "session_close");
	cr_expect_str_eq(ph_str(recs.r[2].value, "event"), "auth_fail");
	ph_recs_free(&recs);
}
