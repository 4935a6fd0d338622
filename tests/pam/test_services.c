/* test_services.c - per-service overrides: a services.<name> group applies
 * to that PAM service only, over the top level, and every group is
 * checked whichever service logs in. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "test_util.h"

static void setup(void)
{
	ph_init();
	ph_service_all("sshd", "required", "");
	ph_service_all("su", "required", "");
}

TestSuite(services, .init = setup, .fini = ph_fini);

static void run_both(enum pamtest_ops op, int sshd_rv, int su_rv)
{
	cr_assert_eq(ph_call("sshd", op), sshd_rv);
	cr_assert_eq(ph_call("su", op), su_rv);
}

Test(services, events_override_applies_to_its_service_only)
{
	struct ph_recs recs;

	ph_config("events = [\"session_open\"];\n"
		  "services = { su = { events = [\"account\"]; }; };");
	run_both(PAMTEST_ACCOUNT, PAM_SUCCESS, PAM_SUCCESS);
	run_both(PAMTEST_OPEN_SESSION, PAM_SUCCESS, PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	cr_expect_str_eq(ph_str(recs.r[0].value, "event"), "account");
	cr_expect_str_eq(ph_str(recs.r[0].value, "service"), "su");
	cr_expect_str_eq(ph_str(recs.r[1].value, "event"), "session_open");
	cr_expect_str_eq(ph_str(recs.r[1].value, "service"), "sshd");
	ph_recs_free(&recs);
}

Test(services, pool_dir_and_prefix_override_apply_to_their_service_only)
{
	char *su_dir = tu_path(ph.root, "su-pool");
	struct ph_recs recs;

	/* The prefix is the legacy key's: format = "pam_kvp". */
	ph_config("format = \"pam_kvp\";\n"
		  "services = { su = { pool_dir = \"%s\"; "
		  "key_prefix = \"SU\"; }; };",
		  su_dir);
	run_both(PAMTEST_OPEN_SESSION, PAM_SUCCESS, PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	cr_expect_str_eq(ph_str(recs.r[0].value, "service"), "sshd");
	cr_expect_eq(strncmp(recs.r[0].key, "PAM_KVP|", 8), 0);
	ph_recs_free(&recs);
	ph_recs_in(su_dir, KVP_POOL_GUEST, "SU", KVP_MODE_SAFE, &recs);
	cr_assert_eq(recs.n, 1);
	cr_expect_str_eq(ph_str(recs.r[0].value, "service"), "su");
	cr_expect_eq(strncmp(recs.r[0].key, "SU|", 3), 0);
	ph_recs_free(&recs);
	free(su_dir);
}

Test(services, format_override_applies_to_its_service_only)
{
	struct ph_recs recs;

	ph_config("services = { su = { format = \"pam_kvp\"; }; };");
	run_both(PAMTEST_OPEN_SESSION, PAM_SUCCESS, PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	for (size_t i = 0; i < 2; i++) {
		bool su = strcmp(ph_str(recs.r[i].value, "service"), "su") == 0;
		cr_expect_eq(strncmp(recs.r[i].key,
				     su ? "PAM_KVP|session_open|su|"
					: "DIAG|" PH_AGENT "|",
				     su ? 24 : 19),
			     0, "%s", recs.r[i].key);
	}
	ph_recs_free(&recs);
}

Test(services, on_error_override_fails_only_its_service)
{
	char *file = tu_path(ph.root, "file");
	char *dir = tu_path(file, "pool");

	tu_write_file(file, "x", 1);
	ph_config_in(dir, "services = { su = { on_error = \"fail\"; }; };");
	cr_assert_eq(ph_call("sshd", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect("Not a directory", NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("su", PAMTEST_OPEN_SESSION), PAM_SESSION_ERR);
	ph_log_expect("Not a directory", NULL);
	free(dir);
	free(file);
}

Test(services, fields_override_applies_to_its_service_only)
{
	struct ph_recs recs;

	ph_config("fields = { tty = \"omit\"; };\n"
		  "services = { su = { fields = { user = \"hash\"; }; }; };");
	struct ph_items items = {.tty = "pts/7"};
	struct pam_testcase a[] = {pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	struct pam_testcase b[] = {pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	cr_assert_eq(PH_RUN("sshd", PH_USER, &items, a), PAMTEST_ERR_OK);
	cr_assert_eq(PH_RUN("su", PH_USER, &items, b), PAMTEST_ERR_OK);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	cr_expect_str_eq(ph_str(recs.r[0].value, "user"), PH_USER);
	cr_expect_eq(
	    strncmp(ph_str(recs.r[1].value, "user"), "hmac-sha256:", 12), 0);
	/* The group adds to the top level's fields: tty stays omitted. */
	cr_expect_null(json_object_get(recs.r[0].value, "tty"));
	cr_expect_null(json_object_get(recs.r[1].value, "tty"));
	ph_recs_free(&recs);
}

Test(services, an_error_in_any_group_is_reported_to_every_service)
{
	ph_config("services = {\n"
		  "  su = { events = [\"account\"]; };\n"
		  "  cron = { max_records = 0; };\n"
		  "};");
	cr_assert_eq(ph_call("sshd", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect(ph.conf,
		      ":5: services.cron.max_records: must be "
		      "between 1 and 1024, got 0",
		      NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("su", PAMTEST_ACCOUNT), PAM_SUCCESS);
	ph_log_expect("services.cron.max_records", NULL);
	cr_expect_eq(tu_file_size(ph.pool), -1,
		     "a broken file records nothing");
}

Test(services, an_unknown_service_group_changes_nothing)
{
	ph_config("services = { telnet = { events = []; }; };");
	run_both(PAMTEST_OPEN_SESSION, PAM_SUCCESS, PAM_SUCCESS);
	cr_expect_eq(ph_count(), 2);
	cr_expect_eq(ph_log_count(), 0);
}
