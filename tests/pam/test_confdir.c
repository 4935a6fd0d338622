/* test_confdir.c - the module through libpam with no preload at all:
 * pam_start_confdir() on the test's service directory (Linux-PAM >= 1.4)
 * and libpamtest on that handle, as Linux-PAM's own pam_faillock tests do.
 * The syslog lines are read from a private /dev/log (pam_logs.c), so they
 * carry libpam's "pam_kvp(service:type): " prefix as in a real syslog.
 * Built as its own binary, build/tests/pam_confdir_tests. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

static void setup(void)
{
	ph_init();
	cr_assert_not(ph.wrapper, "run without the pam_wrapper preload");
	ph_service("login", "auth [success=1 default=ignore] {MATRIX}\n"
			    "auth [default=die] {KVP} event=auth_fail\n"
			    "auth optional {KVP}\n"
			    "auth required {PERMIT}\n"
			    "account optional {KVP}\n"
			    "account required {PERMIT}\n"
			    "session optional {KVP}\n"
			    "session required {PERMIT}\n"
			    "password required {MATRIX}\n"
			    "password optional {KVP}\n");
	ph_service("closed", "session required {KVP} on_error=fail\n"
			     "session required {PERMIT}\n");
	ph_config("events = [\"auth\", \"auth_fail\", \"account\", "
		  "\"session_open\", \"session_close\", \"password\"];");
}

TestSuite(confdir, .init = setup, .fini = ph_fini);

Test(confdir, every_event_of_one_login)
{
	const char *const answers[] = {PH_PASSWORD, PH_PASSWORD, "New-1",
				       "New-1", NULL};
	struct ph_items items = {
	    .rhost = "192.0.2.1", .tty = "ssh", .ruser = "ops"};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	    pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
	    pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	    pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	static const char *const order[] = {"auth", "account", "password",
					    "session_open", "session_close"};
	struct ph_recs recs;

	ph_answers(answers);
	cr_assert_eq(PH_RUN("login", PH_USER, &items, cases), PAMTEST_ERR_OK,
		     "case %d", (int)(pamtest_failed_case(cases) - cases));
	ph_recs(&recs);
	cr_assert_eq(recs.n, 5);
	for (size_t i = 0; i < 5; i++) {
		cr_expect_str_eq(ph_str(recs.r[i].value, "event"), order[i]);
		cr_expect_str_eq(ph_str(recs.r[i].value, "rhost"), "192.0.2.1");
		cr_expect_str_eq(ph_str(recs.r[i].value, "ruser"), "ops");
		cr_expect_str_eq(ph_str(recs.r[i].value, "tty"), "ssh");
	}
	cr_expect_str_eq(ph_str(recs.r[3].value, "session"),
			 ph_str(recs.r[4].value, "session"));
	ph_recs_free(&recs);
	cr_expect_not(ph_file_has(ph.pool, PH_PASSWORD, strlen(PH_PASSWORD)));
	cr_expect_eq(ph_log_count(), 0);
}

Test(confdir, auth_failure_stands_and_is_recorded)
{
	const char *const answers[] = {"not the password", NULL};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR)};
	json_t *v;

	ph_answers(answers);
	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK,
		     "authenticate: %d", cases[0].op_rv);
	v = ph_one("auth_fail");
	cr_expect_str_eq(ph_str(v, "result"), "auth_err");
	json_decref(v);
	cr_expect_eq(ph_count(), 1);
}

Test(confdir, a_failure_is_one_syslog_line_with_libpams_prefix)
{
	char *file = tu_path(ph.root, "file");
	char *dir = tu_path(file, "pool");
	char *line;

	tu_write_file(file, "x", 1);
	ph_config_in(dir, "%s", "");
	cr_assert_eq(ph_call("login", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	line = ph_log_one();
	cr_expect(strstr(line, "pam_kvp(login:session): session_open event "
			       "not recorded: "),
		  "%s", line);
	cr_expect(strstr(line, "Not a directory"), "%s", line);
	free(line);
	ph_log_clear();
	cr_assert_eq(ph_call("closed", PAMTEST_OPEN_SESSION), PAM_SESSION_ERR);
	ph_log_expect("pam_kvp(closed:session)", "Not a directory", NULL);
	free(dir);
	free(file);
}

Test(confdir, a_config_error_names_file_line_and_setting)
{
	char *where = NULL;

	ph_config_raw(ph.conf, "pool = \"guest\";\nmax_records = 0;\n");
	cr_assert(asprintf(&where,
			   "%s:2: max_records: must be between 1 "
			   "and 1024, got 0",
			   ph.conf) > 0);
	cr_assert_eq(ph_call("login", PAMTEST_ACCOUNT), PAM_SUCCESS);
	ph_log_expect("pam_kvp(login:account)", where, NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("closed", PAMTEST_OPEN_SESSION), PAM_SESSION_ERR);
	ph_log_expect(where, NULL);
	free(where);
}

static int timed_open(void *arg)
{
	long long *elapsed = arg, start = ph_now_ms();
	int rv = ph_call("closed", PAMTEST_OPEN_SESSION);

	*elapsed = ph_now_ms() - start;
	return rv;
}

Test(confdir, a_held_lock_fails_closed_within_the_bound)
{
	const char *const planted[] = {"CI|1", "cloud-init's", NULL};
	long long *elapsed =
	    mmap(NULL, sizeof(long long), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t holder;
	int rv;

	cr_assert(elapsed != MAP_FAILED);
	ph_config("lock_timeout_ms = 100;");
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("both", "write", ph.pool, "30");
	rv = ph_child(timed_open, elapsed, false, 20000);
	ph_stop(holder);
	cr_expect_eq(rv, PAM_SESSION_ERR, "open_session: %d", rv);
	cr_expect(*elapsed >= 80 && *elapsed <= ph_slack_ms(100 + 500),
		  "%lld ms", *elapsed);
	ph_log_expect("pam_kvp(closed:session)", "lock timeout", NULL);
	tu_assert_records(ph.pool, planted);
	munmap(elapsed, sizeof(long long));
}

/* The module keeps its pid for the process (observe.c): a child forked
 * after the parent recorded must record its own. Here, not under
 * pam_wrapper: a second pam_start in a forked child makes pam_wrapper
 * drop the strings of the parent's, which valgrind reports as a leak in
 * the child's exit status. */
static int open_in_child(void *arg)
{
	(void)arg;
	return ph_call("login", PAMTEST_OPEN_SESSION);
}

Test(confdir, a_forked_child_records_its_own_pid)
{
	struct ph_recs recs;
	long long parent = getpid(), pid0, pid1;
	int rv;

	cr_assert_eq(ph_call("login", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	rv = ph_child(open_in_child, NULL, false, 10000);
	cr_assert_eq(rv, PAM_SUCCESS, "the child's open_session: %d", rv);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	pid0 = json_integer_value(json_object_get(recs.r[0].value, "pid"));
	pid1 = json_integer_value(json_object_get(recs.r[1].value, "pid"));
	cr_expect_eq(pid0, parent);
	cr_expect(pid1 > 0 && pid1 != parent, "the child recorded pid %lld",
		  pid1);
	ph_recs_free(&recs);
}
