/* test_budget.c - the two budgets through the real libpam: failed logins
 * (whose user and source the client chooses) have their own budget,
 * max_failures, and can never evict a session record or another writer's
 * record; a flood is folded into auth_fail_summary records that count
 * every failure (summary counts + auth_fail records left = failures
 * recorded) per source; our records never pass either cap. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "test_util.h"

#define N_FOREIGN 200

static void setup(void)
{
	ph_init();
	ph_service("s", "session required {KVP}\nsession required {PERMIT}\n");
	ph_service("f", "auth required {KVP} event=auth_fail\n");
}

TestSuite(budget, .init = setup, .fini = ph_fini);

/* Other writers' records, as a provisioned VM holds them. */
static char *foreign[2 * N_FOREIGN + 1];

static void plant_foreign(void)
{
	for (int i = 0; i < N_FOREIGN; i++) {
		const char *fmt = i == 0       ? "PROVISIONING_REPORT"
				  : i % 4 == 0 ? "HV|vm_info_%d"
				  : i % 4 == 1 ? "WALinuxAgent|heartbeat|%d"
					       : "CLOUD_INIT|%d|init-network/"
						 "config-ssh|start";
		cr_assert(asprintf(&foreign[2 * i], fmt, i) > 0);
		cr_assert(asprintf(&foreign[2 * i + 1],
				   "{\"msg\":\"provisioning step %d\"}",
				   i) > 0);
	}
	tu_plant(ph.pool, (const char *const *)foreign);
}

/* Every foreign record is still in the pool, byte for byte, once. */
static void expect_foreign_intact(void)
{
	size_t len, n = 0;
	unsigned char *data = tu_read_file(ph.pool, &len);
	unsigned char rec[KVP_RECORD_SIZE];

	cr_assert_eq(len % KVP_RECORD_SIZE, 0);
	for (int i = 0; i < N_FOREIGN; i++) {
		size_t copies = 0;

		tu_record(rec, foreign[2 * i], foreign[2 * i + 1]);
		for (size_t off = 0; off < len; off += KVP_RECORD_SIZE)
			copies += memcmp(data + off, rec, KVP_RECORD_SIZE) == 0;
		cr_expect_eq(copies, 1, "%s: %zu copies", foreign[2 * i],
			     copies);
		n += copies;
	}
	cr_expect_eq(n, N_FOREIGN);
	free(data);
}

static void free_foreign(void)
{
	for (int i = 0; i < 2 * N_FOREIGN; i++)
		free(foreign[i]);
}

/* Our records by budget. */
struct tally {
	size_t sessions, other, fails, sums;
	unsigned long long summed; /* failures counted in summaries */
	size_t many;		   /* "(many)" summaries */
};

static struct tally tally(struct ph_recs *recs)
{
	struct tally t = {0};

	ph_recs(recs);
	for (size_t i = 0; i < recs->n; i++) {
		const char *ev = ph_str(recs->r[i].value, "event");
		json_t *v = recs->r[i].value;

		if (strcmp(ev, "auth_fail_summary") == 0) {
			t.sums++;
			t.summed += (unsigned long long)json_integer_value(
			    json_object_get(v, "count"));
			t.many += strcmp(ph_str(v, "rhost"), "(many)") == 0;
		} else if (strcmp(ev, "auth_fail") == 0) {
			t.fails++;
		} else if (strncmp(ev, "session_", 8) == 0) {
			t.sessions++;
		} else {
			t.other++;
		}
	}
	return t;
}

static void session(void)
{
	int open_rv, close_rv;

	ph_session("s", &(struct ph_items){.rhost = "192.0.2.1"}, 0, &open_rv,
		   &close_rv);
	cr_assert_eq(open_rv, PAM_SUCCESS);
	cr_assert_eq(close_rv, PAM_SUCCESS);
}

/* Failure i: user "user<i % 100>" from address 203.0.113.<i % 50>. */
static void failure(int i)
{
	char user[16], rhost[32];
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR)};

	snprintf(user, sizeof(user), "user%02d", i % 100);
	snprintf(rhost, sizeof(rhost), "203.0.113.%d", i % 50);
	cr_assert_eq(
	    PH_RUN("f", user, &(struct ph_items){.rhost = rhost}, cases),
	    PAMTEST_ERR_OK);
}

#define FLOOD	 10000
#define SESSIONS 40

Test(budget, a_flood_of_failures_evicts_no_session_and_is_counted,
     .timeout = 600)
{
	struct ph_recs recs;
	struct tally t;
	bool seen[50] = {false};

	plant_foreign();
	ph_config("%s", ""); /* the default budgets: 256 and 128 */
	for (int i = 0; i < SESSIONS / 2; i++)
		session();
	for (int i = 0; i < FLOOD; i++) {
		failure(i);
		if (i % 1000 == 999) {
			session();
			t = tally(&recs);
			ph_recs_free(&recs);
			cr_assert_leq(t.fails + t.sums, 128, "after %d", i + 1);
			cr_assert_eq(t.summed + t.fails, (size_t)i + 1);
		}
	}
	for (int i = 0; i < SESSIONS / 2 - FLOOD / 1000; i++)
		session();

	t = tally(&recs);
	cr_expect_eq(t.sessions, 2 * SESSIONS, "every session record stays");
	cr_expect_eq(t.summed + t.fails, FLOOD,
		     "summaries %llu + auth_fail records %zu", t.summed,
		     t.fails);
	cr_expect_leq(t.fails + t.sums, 128);
	cr_expect_gt(t.sums, 0);
	/* Which addresses the failures came from stays visible (unless the
	 * flood straddled an hour and the older hour became "(many)"). */
	for (size_t i = 0; i < recs.n; i++) {
		const char *rhost = ph_str(recs.r[i].value, "rhost");
		int a;
		if (rhost && sscanf(rhost, "203.0.113.%d", &a) == 1 && a >= 0 &&
		    a < 50)
			seen[a] = true;
		if (strcmp(ph_str(recs.r[i].value, "event"),
			   "auth_fail_summary") == 0 &&
		    strcmp(rhost, "(many)") != 0) {
			long long users = json_integer_value(
			    json_object_get(recs.r[i].value, "users"));
			/* Two names per address (i % 100 over i % 50). */
			cr_expect(users >= 1 && users <= 3, "%s: %lld users",
				  rhost, users);
		}
	}
	for (int a = 0; a < 50 && t.many == 0; a++)
		cr_expect(seen[a], "203.0.113.%d is in no record", a);
	ph_recs_free(&recs);
	expect_foreign_intact();
	cr_expect_leq(tu_file_size(ph.pool) / KVP_RECORD_SIZE, 1024,
		      "all inside the host's window");
	free_foreign();
}

/* Small budgets, events of both kinds interleaved: after every event our
 * records are within both caps, the newest session records are there,
 * and every failure is counted once. */
Test(budget, caps_hold_after_every_event)
{
	struct ph_recs recs;
	struct tally t;
	int failures = 0, sessions = 0;

	plant_foreign();
	ph_config("max_records = 16;\nmax_failures = 12;");
	for (int i = 0; i < 150; i++) {
		if (i % 3 == 0) {
			session();
			sessions++;
		} else {
			failure(failures++);
		}
		t = tally(&recs);
		cr_assert_leq(t.sessions + t.other, 16, "event %d", i);
		cr_assert_leq(t.fails + t.sums, 12, "event %d", i);
		cr_assert_eq(t.summed + t.fails, (size_t)failures, "event %d",
			     i);
		cr_assert_geq(t.sessions,
			      (size_t)(2 * sessions < 14 ? 2 * sessions : 14),
			      "event %d: the batch leaves 14", i);
		ph_recs_free(&recs);
	}
	expect_foreign_intact();
	free_foreign();
}

/* A failure budget already full does not make a session record go, and
 * a full record budget does not make a failure go. */
Test(budget, the_budgets_are_separate)
{
	struct ph_recs recs;
	struct tally t;

	ph_config("max_records = 4;\nmax_failures = 4;");
	for (int i = 0; i < 2; i++)
		session();
	for (int i = 0; i < 40; i++)
		failure(i);
	t = tally(&recs);
	ph_recs_free(&recs);
	cr_expect_eq(t.sessions, 4);
	cr_expect_eq(t.summed + t.fails, 40);
	for (int i = 0; i < 10; i++)
		session();
	t = tally(&recs);
	ph_recs_free(&recs);
	cr_expect_eq(t.sessions, 4);
	cr_expect_eq(t.summed + t.fails, 40, "sessions fold no failure away");
}
