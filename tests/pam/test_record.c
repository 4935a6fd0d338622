/* test_record.c - the shape of one record as a login writes it (DESIGN.md
 * section 5): the key's parts in both formats (DIAG, the default, and
 * the legacy one), the DIAG key of every event and its VM id, the value's
 * members and what they hold, the service reduced to a key token, and no
 * PAM_AUTHTOK anywhere. */
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
	ph_service("legacy", "session optional {KVP} format=pam_kvp\n"
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

#define UUID_RE                                                                \
	"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
#define TIME_RE                                                                \
	"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

Test(record, diag_key_and_time_fields)
{
	struct ph_items items = {
	    .rhost = "10.0.0.7", .tty = "pts/3", .ruser = "bob"};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	struct ph_recs recs;
	char *ts;
	time_t now = time(NULL);

	cr_assert_eq(PH_RUN("login", PH_USER, &items, cases), PAMTEST_ERR_OK);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	const char *key = recs.r[0].key;
	const json_t *v = recs.r[0].value;
	cr_expect(matches("^DIAG\\|pam_kvp/" KVP_VERSION "\\|" PH_SMBIOS
			  "\\|start\\|pam:login:session\\|" UUID_RE
			  "\\|" TIME_RE "\\|none\\|\\|\\|0$",
			  key),
		  "key %s", key);
	/* The event id is the session's; the timestamp the value's time. */
	cr_expect_not_null(strstr(key, ph_str(v, "session")), "key %s", key);
	ts = ph_field(key, 6);
	cr_expect_str_eq(ts, ph_str(v, "time"));
	free(ts);
	struct tm tm = {0};
	cr_assert_not_null(
	    strptime(ph_str(v, "time"), "%Y-%m-%dT%H:%M:%S", &tm));
	long long diff = (long long)timegm(&tm) - (long long)now;
	cr_expect(diff >= -5 && diff <= 5, "time is %lld s off", diff);
	cr_expect_null(json_object_get(v, "vm_id_unavailable"));
	ph_recs_free(&recs);
}

/* Every event through a real stack, as the host reads it. */
Test(record, diag_key_of_every_event)
{
	static const char *const wrong[] = {"wrong", NULL};
	static const char *const answers[] = {PH_PASSWORD, PH_PASSWORD,
					      NEW_PASSWORD, NEW_PASSWORD, NULL};
	struct pam_testcase fail[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR)};
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	    pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	    pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS),
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	    pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	static const char *const want[][3] = {
	    {"event", "pam:login:auth", "fail"},
	    {"event", "pam:login:auth", "success"},
	    {"event", "pam:login:account", "success"},
	    {"event", "pam:login:password", "success"},
	    {"start", "pam:login:session", ""},
	    {"finish", "pam:login:session", "success"},
	};
	struct ph_recs recs;

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
	ph_answers(wrong);
	cr_assert_eq(PH_RUN("login", PH_USER, NULL, fail), PAMTEST_ERR_OK);
	ph_answers(answers);
	cr_assert_eq(PH_RUN("login", PH_USER, NULL, cases), PAMTEST_ERR_OK,
		     "case %d", (int)(pamtest_failed_case(cases) - cases));
	ph_recs(&recs); /* each key checked against its value */
	cr_assert_eq(recs.n, 6);
	for (size_t i = 0; i < 6; i++) {
		char *kind = ph_field(recs.r[i].key, 3);
		char *name = ph_field(recs.r[i].key, 4);
		char *result = ph_field(recs.r[i].key, 8);
		cr_expect_str_eq(kind, want[i][0], "%s", recs.r[i].key);
		cr_expect_str_eq(name, want[i][1], "%s", recs.r[i].key);
		cr_expect_str_eq(result, want[i][2], "%s", recs.r[i].key);
		free(kind);
		free(name);
		free(result);
	}
	/* One event id for the session; its own for every other event. */
	for (size_t i = 0; i < 6; i++)
		for (size_t j = i + 1; j < 6; j++) {
			char *a = ph_field(recs.r[i].key, 5);
			char *b = ph_field(recs.r[j].key, 5);
			cr_expect_eq(strcmp(a, b) == 0, i == 4 && j == 5,
				     "%s\n%s", recs.r[i].key, recs.r[j].key);
			free(a);
			free(b);
		}
	ph_recs_free(&recs);
}

/* The service is cut to 35 bytes in the name (48 bytes at most). */
Test(record, longest_service_in_the_name)
{
	char svc[101], *name, want[64];
	struct ph_recs recs;

	memset(svc, 's', 100);
	svc[100] = '\0';
	ph_service(svc, "session optional {KVP}\nsession required {PERMIT}\n");
	cr_assert_eq(ph_call(svc, PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	name = ph_field(recs.r[0].key, 4);
	snprintf(want, sizeof(want), "pam:%.35s:session", svc);
	cr_expect_str_eq(name, want);
	/* The value keeps 64 bytes of it. */
	cr_expect_eq(strncmp(ph_str(recs.r[0].value, "service"), svc, 64), 0);
	cr_expect_eq(strlen(ph_str(recs.r[0].value, "service")), 64);
	free(name);
	ph_recs_free(&recs);
}

Test(record, vm_id_byte_swapped_on_gen1)
{
	struct ph_recs recs;
	char *vm;

	ph_sysroot(PH_SMBIOS "\n", false);
	cr_assert_eq(ph_call("login", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	vm = ph_field(recs.r[0].key, 2);
	cr_expect_str_eq(vm, "00840e55-9be2-d441-a716-446655440000");
	free(vm);
	ph_recs_free(&recs);
}

/* No product_uuid to read: the nil UUID, and the value says so. */
Test(record, vm_id_unreadable_is_the_nil_uuid)
{
	struct ph_recs recs;
	char *vm;

	ph_sysroot(NULL, true);
	cr_assert_eq(ph_call("login", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	vm = ph_field(recs.r[0].key, 2);
	cr_expect_str_eq(vm, PH_NIL_UUID);
	cr_expect(json_is_true(
	    json_object_get(recs.r[0].value, "vm_id_unavailable")));
	free(vm);
	ph_recs_free(&recs);
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

	/* The legacy key: format = "pam_kvp". */
	cr_assert_eq(PH_RUN("legacy", PH_USER, &items, cases), PAMTEST_ERR_OK);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 1);
	const char *key = recs.r[0].key;
	const json_t *v = recs.r[0].value;
	cr_expect(matches("^PAM_KVP\\|session_open\\|legacy\\|[0-9]{8}T[0-9]{6}"
			  "\\.[0-9]{3}Z\\|[0-9a-f]{8}$",
			  key),
		  "key %s", key);
	cr_expect_null(json_object_get(v, "vm_id_unavailable"));
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
	cr_expect_eq(strncmp(recs.r[0].key, "DIAG|", 5), 0);
	cr_expect_not_null(strstr(recs.r[0].key, "|pam:odd_name_x:session|"),
			   "key %s", recs.r[0].key);
	cr_expect_str_eq(ph_str(recs.r[0].value, "service"), "odd+name@x");
	ph_recs_free(&recs);
}

Test(record, service_is_reduced_to_a_key_token_in_the_legacy_key)
{
	struct ph_recs recs;

	ph_service("odd+name@x", "session optional {KVP} format=pam_kvp\n"
				 "session required {PERMIT}\n");
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
