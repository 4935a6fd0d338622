/* test_kvpctl_follow.c - kvpctl events --follow end to end: kvpctl runs
 * as a child with its output on pipes; records are written with the
 * library while it runs and must show up once each, within a bounded
 * wait; a cleared, truncated or evicting pool does not confuse it; a
 * group that becomes complete is shown decoded; SIGTERM and SIGINT end it
 * with exit 0; and it sleeps between polls. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event_fixture.h"
#include "kvpctl_run.h"
#include "test_util.h"

TestSuite(kvpctl_follow, .init = kr_setup, .fini = kr_teardown);

#define WAIT_MS 10000 /* longest wait for output that must come */
#define STOP_MS 10000 /* longest wait for exit after a signal */

/* An auth event of service `svc` at EF_T0 + sec. */
static void put_service(const kvp_settings *s, const char *svc, long long sec)
{
	kvp_event ev = ef_event(KVP_EVENT_AUTH, sec);

	ev.service = svc;
	ef_record(s, &ev);
}

static void expect(struct kr_child *c, const char *needle, size_t count)
{
	cr_assert(kr_wait_output(c, needle, count, WAIT_MS),
		  "no %zu x '%s' after %d ms; stdout:\n%s\nstderr:\n%s", count,
		  needle, WAIT_MS, c->out, c->err);
}

static void stop(struct kr_child *c, int sig)
{
	int status = kr_stop(c, sig, STOP_MS);

	cr_assert_eq(status, 0, "exit %d after signal %d; stderr: %s", status,
		     sig, c->err);
}

Test(kvpctl_follow, prints_each_new_record_once_until_sigterm)
{
	struct kr_child c;

	put_service(NULL, "first", 0);
	kr_start_in(&c, kr_dir, "events", "--follow", "--interval", "50");
	expect(&c, "  first user=", 1);
	put_service(NULL, "second", 1);
	expect(&c, "  second user=", 1);
	put_service(NULL, "third", 2);
	expect(&c, "  third user=", 1);
	stop(&c, SIGTERM);
	cr_assert_eq(kr_count(c.out, "TIME "), 1, "%s", c.out);
	cr_assert_eq(kr_count(c.out, "  first user="), 1, "%s", c.out);
	cr_assert_eq(kr_count(c.out, "  second user="), 1, "%s", c.out);
	cr_assert_eq(ef_lines(c.out), 4, "%s", c.out);
	cr_assert_str_empty(c.err, "%s", c.err);
	kr_child_free(&c);
}

Test(kvpctl_follow, cleared_and_truncated_pool_then_new_records)
{
	kvp_store *store = tu_store(kr_dir, KVP_MODE_SAFE);
	struct kr_child c;

	put_service(NULL, "before", 0);
	kr_start_in(&c, kr_dir, "events", "--follow", "--interval", "50");
	expect(&c, "  before user=", 1);
	cr_assert_eq(kvp_store_clear(store), 0);
	usleep(200 * 1000); /* some polls of the empty pool */
	put_service(NULL, "after", 1);
	expect(&c, "  after user=", 1);
	/* Cleared again: an event like the first one still shows. */
	cr_assert_eq(kvp_store_clear(store), 0);
	usleep(200 * 1000);
	put_service(NULL, "before", 0);
	expect(&c, "  before user=", 2);
	/* The pool file removed, then a torn record: both survive. */
	cr_assert_eq(unlink(kr_pool), 0);
	usleep(200 * 1000);
	tu_write_file(kr_pool, "torn", 4);
	put_service(NULL, "last", 2);
	expect(&c, "  last user=", 1);
	stop(&c, SIGINT);
	cr_assert_eq(kr_count(c.out, "  after user="), 1, "%s", c.out);
	kr_child_free(&c);
	kvp_store_free(store);
}

Test(kvpctl_follow, evicted_records_are_not_printed_again)
{
	kvp_settings *s = ef_settings();
	struct kr_child c;
	char svc[16], needle[24];

	ef_set(s, "max_records=2");
	put_service(s, "svc0", 0);
	kr_start_in(&c, kr_dir, "events", "--follow", "--interval", "50");
	expect(&c, "  svc0 user=", 1);
	for (int i = 1; i < 6; i++) {
		snprintf(svc, sizeof(svc), "svc%d", i);
		snprintf(needle, sizeof(needle), "  %s user=", svc);
		put_service(s, svc, i);
		expect(&c, needle, 1);
	}
	usleep(200 * 1000);
	stop(&c, SIGTERM);
	for (int i = 0; i < 6; i++) {
		snprintf(needle, sizeof(needle), "  svc%d user=", i);
		cr_assert_eq(kr_count(c.out, needle), 1, "%s: %s", needle,
			     c.out);
	}
	cr_assert_eq(ef_lines(c.out), 7, "%s", c.out);
	kr_child_free(&c);
	kvp_settings_free(s);
}

Test(kvpctl_follow, a_second_record_with_a_seen_key_is_new)
{
	const char *key = "PAM_KVP|auth|dup|20240102T030405.000Z|00000001";
	const char *value = "{\"v\":1,\"event\":\"auth\",\"service\":\"dup\"}";
	struct kr_child c;

	kr_plant(key, value);
	kr_start_in(&c, kr_dir, "events", "--follow", "--interval", "50");
	expect(&c, "  dup\n", 1);
	kr_plant(key, value);
	expect(&c, "  dup\n", 2);
	usleep(200 * 1000);
	stop(&c, SIGTERM);
	cr_assert_eq(kr_count(c.out, "  dup\n"), 2, "%s", c.out);
	kr_child_free(&c);
}

Test(kvpctl_follow, json_follow_prints_one_object_per_line)
{
	struct kr_child c;
	char *line;
	json_t *j;

	put_service(NULL, "one", 0);
	kr_start_in(&c, kr_dir, "events", "--follow", "--json", "--interval",
		    "50");
	expect(&c, "\n", 1);
	put_service(NULL, "two", 1);
	expect(&c, "\n", 2);
	stop(&c, SIGTERM);
	cr_assert_eq(ef_lines(c.out), 2, "%s", c.out);
	for (size_t i = 0; i < 2; i++) {
		line = ef_line(c.out, i);
		j = ef_parse(line);
		cr_assert(json_is_object(j), "%s", line);
		ef_assert_json_str(
		    json_object_get(json_object_get(j, "value"), "service"),
		    i ? "two" : "one");
		cr_assert_not_null(json_object_get(j, "key"));
		json_decref(j);
		free(line);
	}
	kr_child_free(&c);
}

Test(kvpctl_follow, missing_pool_then_created_with_the_default_interval)
{
	struct kr_child c;

	kr_start_in(&c, kr_dir, "events", "--follow");
	expect(&c, "TIME ", 1);
	put_service(NULL, "created", 0);
	expect(&c, "  created user=", 1);
	stop(&c, SIGTERM);
	cr_assert_str_empty(c.err, "%s", c.err);
	kr_child_free(&c);
}

/* utime + stime of a process, in seconds. */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024] = "", *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')'); /* after the command name */
	cr_assert_not_null(p);
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime */
	cr_assert_eq(sscanf(p + 2,
			    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			    "%llu %llu",
			    &ut, &st),
		     2);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

Test(kvpctl_follow, sleeps_between_polls)
{
	struct timespec second = {1, 0};
	struct kr_child c;
	double before, after;

	put_service(NULL, "idle", 0);
	kr_start_in(&c, kr_dir, "events", "--follow", "--interval", "50");
	expect(&c, "  idle user=", 1);
	before = cpu_seconds(c.pid);
	nanosleep(&second, NULL);
	after = cpu_seconds(c.pid);
	/* Twenty polls of one record: far below a busy loop's second. */
	cr_assert_lt(after - before, 0.5, "%.2f s of CPU in 1 s",
		     after - before);
	stop(&c, SIGTERM);
	kr_child_free(&c);
}

Test(kvpctl_follow, a_group_that_becomes_complete_is_shown_decoded)
{
#define GROUP_KEY(i)                                                           \
	"DIAG|agent/1|3f2504e0-4f89-41d3-9a0c-0305e82c3301|event|late|"        \
	"8f3e9c4a-1b2c-4d5e-9f01-234567890abc|2026-08-31T12:34:56.789Z|none|"  \
	"||" i
	struct kr_child c;

	kr_plant(GROUP_KEY("1"), "world");
	kr_start_in(&c, kr_dir, "events", "--follow", "--interval", "50");
	expect(&c, "incomplete_group: no chunk 0 (1 record", 1);
	kr_plant(GROUP_KEY("0"), "hello ");
	expect(&c, "  late  -  ", 2);
	expect(&c, "  hello world\n", 1);
	usleep(200 * 1000);
	stop(&c, SIGTERM);
	cr_assert_eq(ef_lines(c.out), 3, "%s", c.out);
	cr_assert_str_empty(c.err, "%s", c.err);
	kr_child_free(&c);
#undef GROUP_KEY
}
