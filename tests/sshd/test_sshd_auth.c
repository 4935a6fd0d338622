/* test_sshd_auth.c - password logins through a real sshd (sshpass and
 * the ssh client, PasswordAuthentication, pam_matrix as the password
 * check): a wrong password is recorded as auth_fail (DIAG: an event
 * "pam:sshd:auth" with result fail and an event id of its own) and
 * nothing else, a right one as auth, account and the session (a start and
 * a finish with one event id and the duration); no password ever reaches
 * the pool. Also the events a config without `events` records (the
 * documented default). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdlib.h>
#include <string.h>

#include "sshd_harness.h"

#define WAIT_MS 10000

static void all_events(void)
{
	sh_setup(SH_ALL_EVENTS);
}

static void default_events(void)
{
	sh_setup(NULL);
}

TestSuite(sshd_auth, .init = all_events, .fini = sh_teardown, .timeout = 180);
TestSuite(sshd_defaults, .init = default_events, .fini = sh_teardown,
	  .timeout = 180);

/* A wrong password: ssh gives up after its one prompt (255). */
static void fail_login(void)
{
	struct sh_run r;

	sh_ssh_password(SH_WRONG_PASSWORD, "echo hello", &r);
	cr_assert_eq(r.status, 255, "ssh exited %d: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "");
	cr_assert(strstr(r.err, "Permission denied"), "stderr: %s", r.err);
	sh_run_free(&r);
}

/* The DIAG key of a failed password: kind event, result fail. */
static void assert_diag_fail(const char *key, const char *text)
{
	char *kind = sh_key_field(key, 3), *name = sh_key_field(key, 4);
	char *id = sh_key_field(key, 5), *result = sh_key_field(key, 8);
	char *dur = sh_key_field(key, 9);

	static const char head[] = "DIAG|" SH_AGENT "|" SH_VM_ID "|";

	cr_assert_eq(strncmp(key, head, sizeof(head) - 1), 0, "%s", text);
	cr_assert_str_eq(kind, "event", "%s", text);
	cr_assert_str_eq(name, "pam:sshd:auth", "%s", text);
	cr_assert_str_eq(result, "fail", "%s", text);
	cr_assert_str_eq(dur, "", "%s", text);
	cr_assert_eq(strlen(id), 36, "%s", text);
	cr_assert_eq(id[14], '4', "a random (v4) event id: %s", text);
	free(kind);
	free(name);
	free(id);
	free(result);
	free(dur);
}

static void assert_ran(const struct sh_run *r)
{
	char *tail = sh_log_tail();

	cr_assert_eq(r->status, 0, "ssh exited %d: %s\nsshd log:\n%s",
		     r->status, r->err, tail);
	cr_assert_str_eq(r->out, "hello\n", "stderr: %s", r->err);
	free(tail);
}

Test(sshd_auth, wrong_password_is_auth_fail)
{
	struct sh_recs recs;
	char *text;

	fail_login();
	/* pam_kvp wrote it before sshd answered the client */
	sh_wait_for("auth_fail", 1, WAIT_MS, &recs);
	text = sh_recs_text(&recs);
	cr_assert_eq(recs.n, 1, "pool:\n%s", text);
	sh_assert_fields(recs.v[0], "auth_err");
	cr_assert_null(json_object_get(recs.v[0], "session"), "%s", text);
	assert_diag_fail(recs.keys[0], text);
	cr_assert(!sh_pool_contains(SH_WRONG_PASSWORD));
	cr_assert(!sh_pool_contains(SH_PASSWORD));
	free(text);
	sh_recs_free(&recs);
}

Test(sshd_auth, right_password_is_auth_and_session)
{
	static const char *const order[] = {"auth", "account", "session_open",
					    "session_close"};
	struct sh_run r;
	struct sh_recs recs;
	char *text;

	sh_ssh_password(SH_PASSWORD, "sleep 1; echo hello", &r);
	assert_ran(&r);
	sh_wait_for("session_close", 1, WAIT_MS, &recs);
	text = sh_recs_text(&recs);
	cr_assert_eq(recs.n, 4, "pool:\n%s", text);
	for (size_t i = 0; i < 4; i++)
		cr_assert_str_eq(sh_str(recs.v[i], "event"), order[i], "%s",
				 text);
	sh_assert_fields(recs.v[0], "success");
	sh_assert_fields(recs.v[1], "success");
	sh_assert_session(recs.v[2], recs.v[3], 1.0);
	sh_assert_diag_session(&recs, recs.v[2], recs.v[3], 1.0);
	cr_assert(!sh_pool_contains(SH_PASSWORD));
	free(text);
	sh_recs_free(&recs);
	sh_run_free(&r);
}

Test(sshd_defaults, records_auth_fail_and_session_only)
{
	char *dump;
	static const char *const order[] = {"auth_fail", "session_open",
					    "session_close"};
	struct sh_run r;
	struct sh_recs recs;
	char *text;

	fail_login();
	sh_ssh_password(SH_PASSWORD, "echo hello", &r);
	assert_ran(&r);
	sh_wait_for("session_close", 1, WAIT_MS, &recs);
	text = sh_recs_text(&recs);
	cr_assert_eq(recs.n, 3, "pool:\n%s", text);
	for (size_t i = 0; i < 3; i++)
		cr_assert_str_eq(sh_str(recs.v[i], "event"), order[i], "%s",
				 text);
	sh_assert_fields(recs.v[0], "auth_err");
	assert_diag_fail(recs.keys[0], text);
	sh_assert_session(recs.v[1], recs.v[2], 0.0);
	sh_assert_diag_session(&recs, recs.v[1], recs.v[2], 0.0);
	/* What the host reads, for the log (--verbose). */
	dump = sh_kvpctl("dump");
	cr_log_info("kvpctl dump:\n%s", dump);
	free(dump);
	free(text);
	sh_recs_free(&recs);
	sh_run_free(&r);
}
