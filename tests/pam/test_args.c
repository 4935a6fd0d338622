/* test_args.c - module arguments against the config file: each setting
 * given as an argument wins over the file (pool=, mode=, events=,
 * on_error=, pool_dir=, key_prefix=, max_records=, clear_if_stale=),
 * config= picks the file, a missing file means the defaults, and a bad
 * argument is one log line that leaves the login alone. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "test_util.h"

TestSuite(args, .init = ph_init, .fini = ph_fini);

/* A pool_dir that cannot exist: its parent is a regular file. */
static char *blocked_dir(void)
{
	char *file = tu_path(ph.root, "file");

	tu_write_file(file, "x", 1);
	free(file);
	return tu_path(ph.root, "file/pool");
}

Test(args, pool_argument_overrides_the_file)
{
	char *auto_pool = tu_path(ph.pool_dir, ".kvp_pool_2");
	struct ph_recs recs;

	ph_service("s", "session optional {KVP} pool=auto\n"
			"session required {PERMIT}\n");
	ph_config("pool = \"guest\";");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_expect_eq(tu_file_size(ph.pool), -1, "guest pool was written");
	cr_expect_eq(tu_file_size(auto_pool), KVP_RECORD_SIZE);
	ph_recs_in(ph.pool_dir, KVP_POOL_AUTO, NULL, KVP_MODE_SAFE, &recs);
	cr_expect_eq(recs.n, 1);
	ph_recs_free(&recs);
	free(auto_pool);
}

/* 256 control characters: 1536 bytes once escaped, beyond Safe's 1022
 * but within Unsafe's 2048. */
static void open_with_escaped_rhost(const char *service)
{
	char *rhost = tu_repeat('\x01', 256);
	struct ph_items items = {.rhost = rhost};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};

	cr_assert_eq(PH_RUN(service, PH_USER, &items, cases), PAMTEST_ERR_OK);
	free(rhost);
}

Test(args, mode_argument_overrides_the_file)
{
	struct ph_recs recs;
	char *unsafe_dir = tu_path(ph.root, "unsafe");

	ph_service("safe", "session optional {KVP}\n"
			   "session required {PERMIT}\n");
	ph_service("unsafe",
		   "session optional {KVP} mode=unsafe pool_dir={ROOT}/unsafe\n"
		   "session required {PERMIT}\n");
	/* Unsafe's 2048-byte values are the legacy format's: a DIAG value
	 * is one record's 1022 bytes (mode_argument_in_diag_format). */
	ph_config("mode = \"safe\";\nformat = \"pam_kvp\";");
	open_with_escaped_rhost("safe");
	open_with_escaped_rhost("unsafe");

	ph_recs(&recs); /* checks value <= 1022 */
	cr_assert_eq(recs.n, 1);
	cr_expect(json_is_true(json_object_get(recs.r[0].value, "truncated")));
	cr_expect_lt(strlen(ph_str(recs.r[0].value, "rhost")), 256);
	ph_recs_free(&recs);

	ph_recs_in(unsafe_dir, KVP_POOL_GUEST, NULL, KVP_MODE_UNSAFE, &recs);
	cr_assert_eq(recs.n, 1);
	cr_expect_gt(recs.r[0].raw_len, KVP_SAFE_MAX_VALUE_SIZE);
	cr_expect_null(json_object_get(recs.r[0].value, "truncated"));
	cr_expect_eq(strlen(ph_str(recs.r[0].value, "rhost")), 256);
	ph_recs_free(&recs);
	free(unsafe_dir);
}

Test(args, mode_argument_in_diag_format)
{
	struct ph_recs recs;
	char *unsafe_dir = tu_path(ph.root, "unsafe");

	ph_service("unsafe",
		   "session optional {KVP} mode=unsafe pool_dir={ROOT}/unsafe\n"
		   "session required {PERMIT}\n");
	ph_config("mode = \"safe\";");
	open_with_escaped_rhost("unsafe");
	/* checks the DIAG key and a value <= 1022 */
	ph_recs_in(unsafe_dir, KVP_POOL_GUEST, NULL, KVP_MODE_UNSAFE, &recs);
	cr_assert_eq(recs.n, 1);
	cr_expect_eq(strncmp(recs.r[0].key, "DIAG|" PH_AGENT "|", 19), 0);
	cr_expect(json_is_true(json_object_get(recs.r[0].value, "truncated")));
	ph_recs_free(&recs);
	free(unsafe_dir);
}

/* format= as a module argument, over the file's. */
Test(args, format_argument_overrides_the_file)
{
	struct ph_recs recs;

	ph_service("legacy", "session optional {KVP} format=pam_kvp\n"
			     "session required {PERMIT}\n");
	ph_service("diag", "session optional {KVP} format=diag\n"
			   "session required {PERMIT}\n");
	ph_config("format = \"pam_kvp\";");
	cr_assert_eq(ph_call("legacy", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_assert_eq(ph_call("diag", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	cr_expect_eq(strncmp(recs.r[0].key, "PAM_KVP|session_open|legacy|", 28),
		     0, "%s", recs.r[0].key);
	cr_expect_eq(strncmp(recs.r[1].key, "DIAG|" PH_AGENT "|", 19), 0, "%s",
		     recs.r[1].key);
	ph_recs_free(&recs);
	cr_expect_eq(ph_log_count(), 0);
}

Test(args, events_argument_overrides_the_file)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	};
	json_t *v;

	ph_service_all("s", "optional", "events=account,password");
	ph_config("events = [\"session_open\"];");
	cr_assert_eq(PH_RUN("s", PH_USER, NULL, cases), PAMTEST_ERR_OK);
	cr_assert_eq(ph_count(), 1);
	v = ph_one("account");
	json_decref(v);
}

Test(args, on_error_fail_argument_overrides_the_file)
{
	char *dir = blocked_dir();
	char *file = tu_path(ph.root, "file"); /* the walk stops there */

	ph_service_all("s", "required", "on_error=fail");
	ph_config_in(dir, "on_error = \"ignore\";");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SESSION_ERR);
	ph_log_expect("session_open event not recorded", file,
		      "Not a directory", NULL);
	free(file);
	free(dir);
}

Test(args, on_error_ignore_argument_overrides_the_file)
{
	char *dir = blocked_dir();

	ph_service_all("s", "required", "on_error=ignore");
	ph_config_in(dir, "on_error = \"fail\";");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect("session_open event not recorded", "Not a directory",
		      NULL);
	free(dir);
}

Test(args, config_argument_picks_the_file)
{
	char *other_conf = tu_path(ph.root, "other.conf");
	char *other_pool = tu_path(ph.root, "other-pool");
	char *text = NULL;
	struct ph_recs recs;

	cr_assert(asprintf(&text,
			   "pool_dir = \"%s\";\nkey_prefix = \"OTHER\";\n",
			   other_pool) > 0);
	ph_config_raw(other_conf, text);
	ph_service("s", "session optional {KVP_BARE} config={ROOT}/other.conf\n"
			"session required {PERMIT}\n");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_expect_eq(tu_file_size(ph.pool), -1);
	ph_recs_in(other_pool, KVP_POOL_GUEST, "OTHER", KVP_MODE_SAFE, &recs);
	cr_expect_eq(recs.n, 1);
	ph_recs_free(&recs);
	free(text);
	free(other_conf);
	free(other_pool);
}

Test(args, missing_config_file_means_the_defaults)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	    pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	struct ph_recs recs;

	/* pool_dir= keeps the default /var/lib/hyperv out of the test. */
	ph_service_all("s", "optional",
		       "config={ROOT}/no-such.conf pool_dir={POOL}");
	cr_assert_eq(PH_RUN("s", PH_USER, NULL, cases), PAMTEST_ERR_OK);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2, "default events: auth_fail and sessions");
	cr_expect_str_eq(ph_str(recs.r[0].value, "event"), "session_open");
	cr_expect_str_eq(ph_str(recs.r[1].value, "event"), "session_close");
	ph_recs_free(&recs);
	cr_expect_eq(ph_log_count(), 0, "a missing file is not an error");
}

Test(args, pool_dir_and_key_prefix_arguments_override_the_file)
{
	char *dir = tu_path(ph.root, "arg-pool");
	struct ph_recs recs;

	ph_service("s", "session optional {KVP} pool_dir={ROOT}/arg-pool "
			"key_prefix=ARGS\n"
			"session required {PERMIT}\n");
	/* The prefix is the legacy key's. */
	ph_config("key_prefix = \"FILE\";\nformat = \"pam_kvp\";");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_expect_eq(tu_file_size(ph.pool), -1);
	ph_recs_in(dir, KVP_POOL_GUEST, "ARGS", KVP_MODE_SAFE, &recs);
	cr_expect_eq(recs.n, 1);
	cr_expect(strncmp(recs.r[0].key, "ARGS|session_open|s|", 20) == 0,
		  "key %s", recs.r[0].key);
	ph_recs_free(&recs);
	ph_recs_in(dir, KVP_POOL_GUEST, "FILE", KVP_MODE_SAFE, &recs);
	cr_expect_eq(recs.n, 0);
	ph_recs_free(&recs);
	free(dir);
}

Test(args, max_records_and_clear_if_stale_arguments_override_the_file)
{
	const char *const foreign[] = {"CI|old", "from before the boot", NULL};

	ph_service("s", "session optional {KVP} max_records=1 "
			"clear_if_stale=no\n"
			"session required {PERMIT}\n");
	ph_config("max_records = 512;\nclear_if_stale = true;");
	tu_plant(ph.pool, foreign);
	tu_set_mtime(ph.pool, 1000000000); /* 2001: before this boot */
	for (int i = 0; i < 3; i++)
		cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_expect_eq(ph_count(), 1, "max_records=1");
	cr_expect(ph_file_has(ph.pool, "from before the boot", 20),
		  "clear_if_stale=no must keep the old pool");
}

Test(args, bad_module_argument_is_one_log_line_and_no_change)
{
	ph_service_all("s", "required", "colour=blue");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect("session_open event not recorded",
		      "module argument 'colour=blue'", "unknown argument",
		      NULL);
	cr_expect_eq(tu_file_size(ph.pool), -1);
}

Test(args, bad_module_argument_with_on_error_fail_denies)
{
	ph_service_all("s", "required", "max_records=0 on_error=fail");
	cr_assert_eq(ph_call("s", PAMTEST_ACCOUNT), PAM_PERM_DENIED);
	ph_log_expect("account event not recorded",
		      "module argument 'max_records=0'",
		      "must be between 1 and 1024, got 0", NULL);
}

Test(args, bad_event_argument_is_reported)
{
	ph_service_all("s", "required", "event=logout");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect("bad module argument 'event=logout'", NULL);
}

Test(args, debug_argument_logs_each_record)
{
	char *line;

	/* pam_wrapper prints LOG_DEBUG lines from level 2 on. */
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
	ph_service("quiet", "session optional {KVP}\n"
			    "session required {PERMIT}\n");
	ph_service("loud", "session optional {KVP} debug\n"
			   "session required {PERMIT}\n");
	cr_assert_eq(ph_call("quiet", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	cr_expect_eq(ph_log_count(), 0);
	cr_assert_eq(ph_call("loud", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	line = ph_log_one();
	cr_expect(strstr(line, "session_open event recorded in") &&
		      strstr(line, ph.pool),
		  "%s", line);
	free(line);
	unsetenv("PAM_WRAPPER_DEBUGLEVEL");
}
