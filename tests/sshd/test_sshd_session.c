/* test_sshd_session.c - key logins through a real sshd: the session's two
 * records (DIAG: a start and a finish with one event id, the session's,
 * and the finish's duration), the fields sshd's PAM items give, how
 * `kvpctl events` shows them (one start+finish row); overlapping logins
 * keep their sessions apart. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sshd_harness.h"

#define CLOSE_TIMEOUT_MS 10000

static void all_events(void)
{
	sh_setup(SH_ALL_EVENTS);
}

TestSuite(sshd_session, .init = all_events, .fini = sh_teardown,
	  .timeout = 180);

/* Index of the record with this key in recs, for order checks. */
static size_t index_of(const struct sh_recs *recs, const json_t *v)
{
	for (size_t i = 0; i < recs->n; i++)
		if (recs->v[i] == v)
			return i;
	cr_assert_fail("record not in the list");
	return 0;
}

static void assert_ran(const struct sh_run *r, const char *out)
{
	char *tail = sh_log_tail();

	cr_assert_eq(r->status, 0, "ssh exited %d: %s\nsshd log:\n%s",
		     r->status, r->err, tail);
	cr_assert_str_eq(r->out, out, "stderr: %s", r->err);
	free(tail);
}

Test(sshd_session, key_login_records_open_and_close)
{
	struct sh_run r;
	struct sh_recs recs;
	json_t *open, *close;
	char *text;

	sh_ssh_key("sleep 1; echo hello", &r);
	assert_ran(&r, "hello\n");
	/* close_session runs in sshd's monitor once the client is gone */
	sh_wait_for("session_close", 1, CLOSE_TIMEOUT_MS, &recs);
	text = sh_recs_text(&recs);

	/* A key login skips PAM's auth stack: account, open, close only. */
	cr_assert_eq(recs.n, 3, "pool:\n%s", text);
	cr_assert_eq(sh_count(&recs, "auth"), 0, "%s", text);
	cr_assert_eq(sh_count(&recs, "auth_fail"), 0, "%s", text);
	cr_assert_eq(sh_count(&recs, "account"), 1, "%s", text);
	sh_assert_fields(sh_nth(&recs, "account", 0), "success");
	open = sh_nth(&recs, "session_open", 0);
	close = sh_nth(&recs, "session_close", 0);
	cr_assert_lt(index_of(&recs, open), index_of(&recs, close), "%s", text);
	sh_assert_session(open, close, 1.0);
	sh_assert_diag_session(&recs, open, close, 1.0);
	free(text);
	sh_recs_free(&recs);
	sh_run_free(&r);
}

Test(sshd_session, overlapping_logins_keep_their_sessions)
{
	struct sh_bg *first;
	struct sh_run r1, r2;
	struct sh_recs recs;
	json_t *opens[2], *closes[2];
	char *text;

	first = sh_ssh_key_start("sleep 2; echo first");
	sh_wait_for("session_open", 1, CLOSE_TIMEOUT_MS, &recs);
	sh_recs_free(&recs);
	sh_ssh_key("echo second", &r2);
	assert_ran(&r2, "second\n");
	sh_ssh_finish(first, &r1);
	assert_ran(&r1, "first\n");
	sh_wait_for("session_close", 2, CLOSE_TIMEOUT_MS, &recs);
	text = sh_recs_text(&recs);

	cr_assert_eq(sh_count(&recs, "session_open"), 2, "%s", text);
	cr_assert_eq(sh_count(&recs, "session_close"), 2, "%s", text);
	for (size_t i = 0; i < 2; i++) {
		opens[i] = sh_nth(&recs, "session_open", i);
		closes[i] = sh_nth(&recs, "session_close", i);
	}
	/* The second login opened and closed inside the first one. */
	cr_assert_lt(index_of(&recs, opens[1]), index_of(&recs, closes[0]),
		     "%s", text);
	sh_assert_session(opens[1], closes[0], 0.0);
	sh_assert_session(opens[0], closes[1], 2.0);
	sh_assert_diag_session(&recs, opens[1], closes[0], 0.0);
	sh_assert_diag_session(&recs, opens[0], closes[1], 2.0);
	cr_assert_str_neq(sh_str(opens[0], "session"),
			  sh_str(opens[1], "session"), "%s", text);
	cr_assert(!json_equal(json_object_get(opens[0], "pid"),
			      json_object_get(opens[1], "pid")),
		  "%s", text);
	free(text);
	sh_recs_free(&recs);
	sh_run_free(&r1);
	sh_run_free(&r2);
}

/* What the host's tooling shows for the login: one start+finish row of
 * pam_kvp's agent with the duration sshd's session lasted. */
Test(sshd_session, kvpctl_events_shows_one_row_per_session)
{
	struct sh_run r;
	struct sh_recs recs;
	char *out, *row, *dur;
	double seconds;
	size_t lines = 0;

	sh_ssh_key("sleep 1; echo hello", &r);
	assert_ran(&r, "hello\n");
	sh_wait_for("session_close", 1, CLOSE_TIMEOUT_MS, &recs);
	out = sh_kvpctl("events");
	row = strstr(out, "  " SH_AGENT "  start+finish  pam:sshd:session  "
			  "success");
	cr_assert_not_null(row, "kvpctl events:\n%s", out);
	/* "... success    1.023s  sshd user=kvpuser rhost=127.0.0.1 ..." */
	dur = row + strlen("  " SH_AGENT "  start+finish  pam:sshd:session  "
			   "success");
	seconds = strtod(dur, NULL);
	cr_assert_geq(seconds, 1.0, "%s", out);
	cr_assert_lt(seconds, 61.0, "%s", out);
	cr_assert_not_null(
	    strstr(row, "s  sshd user=" SH_USER " rhost=127.0.0.1 tty=ssh\n"),
	    "%s", out);
	/* The header, account's event row and the session's row. */
	cr_assert_not_null(strstr(out, "  " SH_AGENT "  event         "
				       "pam:sshd:account  success"),
			   "%s", out);
	for (const char *c = out; *c; c++)
		lines += *c == '\n';
	cr_assert_eq(lines, 3, "%s", out);
	free(out);
	sh_recs_free(&recs);
	sh_run_free(&r);
}
