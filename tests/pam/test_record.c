/* test_record.c - the shape of one record as a login writes it (DESIGN.md
 * section 5): the key's parts, the value's members and what they hold,
 * the service reduced to a key token, and no PAM_AUTHTOK anywhere. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

#define NEW_PASSWORD "Brand-New-Secret-9931"

static void setup(void)
{
	ph_init();
	ph_service("login", "auth required {MATRIX}\n"
			    "auth optional {KVP}\n"
			    "account optional {KVP}\n"
			    "account required {PERMIT}\n"
			    "session optional {KVP}\n"
			    "session required {PERMIT}\n"
			    "password required {MATRIX}\n"
			    "password optional {KVP}\n");
	ph_service("odd+name@x", "session optional {KVP}\n"
				 "session required {PERMIT}\n");
	ph_config("events = [\"auth\", \"auth_fail\", \"account\", "
		  "\"session_open\", \"session_close\", \"password\"];");
}

TestSuite(record, .init = setup, .fini = ph_fini);

static bool matches(const char *re, const char *s)
{
	regex_t r;
	bool ok;

	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

/* The first line of a file (a /proc file has no size to read by). */
static char *read_line(const char *path)
{
	char line[256] = "";
	FILE *f = fopen(path, "r");

	cr_assert_not_null(f, "%s", path);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

Test(record, key_and_time_fields)
{
	struct ph_items items = {
	    .rhost = "10.0.0.7", .tty = "pts/3", .ruser = "bob"};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	struct ph_recs recs;
	char want[32];
	time_t now = time(NULL);

	cr_assert_eq(PH_RUN("login", PH_USER, &items, cases), PAMTEST_ERR_OK);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	const char *key = recs.r[0].key;
	const json_t *v = recs.r[0].value;
	cr_expect(matches("^PAM_KVP\\|session_open\\|login\\|[0-9]{8}T[0-9]{6}"
			  "\\.[0-9]{3}Z\\|[0-9a-f]{8}$",
			  key),
		  "key %s", key);
	const char *t = ph_str(v, "time");
	cr_assert(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]"
			  "{2}\\.[0-9]{3}Z$",
			  t),
		  "time %s", t);
	/* The key's time is the value's, without the separators. */
	snprintf(want, sizeof(want), "%.4s%.2s%.2sT%.2s%.2s%.2s.%.3sZ", t,
		 t + 5, t + 8, t + 11, t + 14, t + 17, t + 20);
	cr_expect(strstr(key, want), "key %s, time %s", key, t);
	struct tm tm = {0};
	cr_assert_not_null(strptime(t, "%Y-%m-%dT%H:%M:%S", &tm));
	long long diff = (long long)timegm(&tm) - (long long)now;
	cr_expect(diff >= -5 && diff <= 5, "time %s is %lld s off", t, diff);
	ph_recs_free(&recs);
}

Test(record, value_members_hold_the_login)
{
	struct ph_items items = {
	    .rhost = "10.0.0.7", .tty = "pts/3", .ruser = "bob"};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	char host[256] = "";
	char *boot_id = read_line("/proc/sys/kernel/random/boot_id");
	json_t *v;

	cr_assert_eq(PH_RUN("login", PH_USER, &items, cases), PAMTEST_ERR_OK);
	v = ph_one("session_open");
	cr_expect_str_eq(ph_str(v, "service"), "login");
	cr_expect_str_eq(ph_str(v, "user"), PH_USER);
	cr_expect_str_eq(ph_str(v, "rhost"), "10.0.0.7");
	cr_expect_str_eq(ph_str(v, "ruser"), "bob");
	cr_expect_str_eq(ph_str(v, "tty"), "pts/3");
	cr_expect_str_eq(ph_str(v, "result"), "success");
	cr_expect_eq(json_integer_value(json_object_get(v, "pid")), getpid());
	cr_expect_null(json_object_get(v, "uid"), PH_USER " has no account");
	cr_assert_eq(gethostname(host, sizeof(host) - 1), 0);
	cr_expect_str_eq(ph_str(v, "host"), host);
	cr_expect_str_eq(ph_str(v, "boot_id"), boot_id);
	cr_expect_null(json_object_get(v, "truncated"));
	json_decref(v);
	free(boot_id);
}

Test(record, value_is_compact_json_in_the_documented_order)
{
	struct ph_items items = {.rhost = "r", .tty = "t", .ruser = "u"};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	static const char *const order[] = {"{\"v\":1,\"event\":",
					    "\"time\":",
					    "\"service\":",
					    "\"user\":",
					    "\"rhost\":",
					    "\"ruser\":",
					    "\"tty\":",
					    "\"pid\":",
					    "\"session\":",
					    "\"result\":",
					    "\"host\":",
					    "\"boot_id\":"};
	struct ph_recs recs;

	cr_assert_eq(PH_RUN("login", PH_USER, &items, cases), PAMTEST_ERR_OK);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	const char *raw = recs.r[0].raw, *at = raw;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *found = strstr(at, order[i]);

		cr_expect_not_null(found, "%s missing or out of order in %s",
				   order[i], raw);
		if (found)
			at = found;
	}
	cr_expect_null(strchr(raw, ' '), "not compact: %s", raw);
	cr_expect_null(strchr(raw, '\n'));
	ph_recs_free(&recs);
}

Test(record, service_is_reduced_to_a_key_token)
{
	struct ph_recs recs;

	cr_assert_eq(ph_call("odd+name@x", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	cr_expect_eq(
	    strncmp(recs.r[0].key, "PAM_KVP|session_open|odd_name_x|", 32), 0,
	    "key %s", recs.r[0].key);
	cr_expect_str_eq(ph_str(recs.r[0].value, "service"), "odd+name@x");
	ph_recs_free(&recs);
}

Test(record, no_password_is_ever_recorded)
{
	const char *const answers[] = {PH_PASSWORD, PH_PASSWORD, NEW_PASSWORD,
				       NEW_PASSWORD, NULL};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	    pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	    pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};

	ph_answers(answers);
	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK,
		     "case %d", (int)(pamtest_failed_case(cases) - cases));
	cr_assert_eq(ph_count(), 5);
	cr_expect_not(ph_file_has(ph.pool, PH_PASSWORD, strlen(PH_PASSWORD)),
		      "the password is in the pool");
	cr_expect_not(ph_file_has(ph.pool, NEW_PASSWORD, strlen(NEW_PASSWORD)),
		      "the new password is in the pool");
	char *log = ph_log_text();
	cr_expect_null(strstr(log, PH_PASSWORD));
	free(log);
}
