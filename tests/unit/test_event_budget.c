/* test_event_budget.c - the budget pass and its trigger, through
 * kvp_event_record() on a temporary pool: which records are ours
 * (event_key_classify), the hint that lets an event append without
 * reading the pool and the cases that make it pass again, failures folded
 * into summaries (every failure counted once, summaries bounded, within
 * Safe's limits), and the new event never being the one that goes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pool/record.h"
#include "test_event_util.h"

static struct tu_pool p;
static kvp_settings *s;
static kvp_event ev;
static char *hint;

#define HINT_XATTR "user.pam_kvp.hint"

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
	s = te_settings(p.dir);
	te_event(&ev);
	hint = tu_path(p.dir, ".pam_kvp_1.hint");
}

static void teardown(void)
{
	kvp_settings_free(s);
	free(hint);
	tu_pool_teardown(&p);
}

TestSuite(event_budget, .init = setup, .fini = teardown);

/* Record `ev` at second `sec` after 2026-11-24T22:33:00Z. */
static void record_at(long sec)
{
	int r;

	ev.time.tv_sec = 1795559580 + sec;
	ev.time.tv_nsec = 0;
	r = kvp_event_record(s, &ev);
	cr_assert_eq(r, 0, "record: %d %s", r, kvp_error_last()->message);
}

static void fail_at(long sec, const char *rhost)
{
	ev.type = KVP_EVENT_AUTH_FAIL;
	ev.rhost = rhost;
	record_at(sec);
}

/* Our records by kind, and the failures the summaries count. */
struct counts {
	size_t recs, fails, sums, many, total;
	unsigned long long summed;
};

static struct counts count(void)
{
	kvp_record_list l;
	struct counts c = {0};

	cr_assert_eq(kvp_store_dump(p.store, &l), 0);
	c.total = l.count;
	for (size_t i = 0; i < l.count; i++) {
		unsigned char rec[KVP_RECORD_SIZE];
		struct event_key_info info;
		json_t *v;

		tu_record(rec, l.records[i].key, l.records[i].value);
		if (!event_key_classify(rec, s, &info))
			continue;
		if (!info.summary) {
			c.fails += info.type == KVP_EVENT_AUTH_FAIL;
			c.recs += info.type != KVP_EVENT_AUTH_FAIL;
			continue;
		}
		c.sums++;
		v = te_parse(l.records[i].value);
		c.summed += (unsigned long long)json_integer_value(
		    json_object_get(v, "count"));
		c.many += strcmp(te_str(v, "rhost"), "(many)") == 0;
		cr_assert_leq(l.records[i].value_len, KVP_SAFE_MAX_VALUE_SIZE);
		json_decref(v);
	}
	kvp_record_list_free(&l);
	return c;
}

static int classify(const char *key)
{
	unsigned char rec[KVP_RECORD_SIZE];
	struct event_key_info info;

	tu_record(rec, key, "{}");
	return event_key_classify(rec, s, &info);
}

Test(event_budget, classify_knows_our_keys_only)
{
	unsigned char rec[KVP_RECORD_SIZE];
	struct event_key_info info;

	tu_record(rec,
		  "PAM_KVP|auth_fail_summary|all|20261124T223300.000Z|0000000a",
		  "{}");
	cr_assert_eq(event_key_classify(rec, s, &info), 1);
	cr_expect(info.summary);
	cr_expect_eq(info.type, KVP_EVENT_AUTH_FAIL);
	cr_expect_str_eq(info.time, "20261124T223300.000Z");
	tu_record(rec, "PAM_KVP|session_close|sshd|20261124T223300.000Z|1",
		  "{}");
	cr_assert_eq(event_key_classify(rec, s, &info), 1);
	cr_expect_not(info.summary);
	cr_expect_eq(info.type, KVP_EVENT_SESSION_CLOSE);
	cr_expect_eq(classify("PAM_KVP|junk"), 0);
	cr_expect_eq(classify("PAM_KVP|bogus|sshd|20261124T223300.000Z|1"), 0);
	cr_expect_eq(classify("PAM_KVP|auth|sshd|2026-11-24|1"), 0);
	cr_expect_eq(classify("PAM_KVP|auth|sshd|20261124T223300.000Z|1|x"), 0);
	cr_expect_eq(classify("PAM_KVPX|auth|sshd|20261124T223300.000Z|1"), 0);
	cr_expect_eq(classify("CLOUD_INIT|x|y|z|w"), 0);
	cr_expect_eq(classify("PROVISIONING_REPORT"), 0);
}

/* After a pass, events append without reading the pool: a record of
 * ours of another boot put into the file (in place, same size) stays
 * until the next pass, which a removed hint forces. The hint is the pool
 * file's attribute, and no file is made beside the pool. */
Test(event_budget, an_append_under_a_valid_hint_reads_nothing)
{
	const char *stale_key =
	    "PAM_KVP|session_open|sshd|20261124T223301.000Z|0000abcd";
	const char *stale_value = "{\"v\":1,\"event\":\"session_open\","
				  "\"boot_id\":\"another-boot\"}";
	unsigned char rec[KVP_RECORD_SIZE];
	char text[512];
	struct stat st;
	ssize_t len;
	FILE *f;

	record_at(1); /* no hint yet: a pass */
	len = getxattr(p.path, HINT_XATTR, text, sizeof(text) - 1);
	cr_assert_gt(len, 0, "%s", strerror(errno));
	text[len] = '\0';
	cr_expect_eq(strncmp(text, "pam_kvp hint 2 ", 15), 0, "%s", text);
	/* Short enough for ext4 to keep it inside a 256-byte inode. */
	cr_expect_leq(len, 56, "%s", text);
	cr_expect_neq(stat(hint, &st), 0, "no hint file where xattrs work");
	record_at(2);
	/* Overwrite our first record in place with one of another boot. */
	tu_record(rec, stale_key, stale_value);
	f = fopen(p.path, "r+");
	cr_assert(f && fwrite(rec, 1, sizeof(rec), f) == sizeof(rec));
	fclose(f);
	record_at(3);
	cr_expect_eq(count().recs, 3, "appended: the stale record unseen");
	cr_assert_eq(removexattr(p.path, HINT_XATTR), 0);
	record_at(4);
	cr_expect_eq(count().recs, 3, "passed: the stale record gone");
}

/* Where the file system has no user attributes (ramfs here), the hint
 * is a 0600 file beside the pool, and it works the same way. */
Test(event_budget, without_xattrs_the_hint_is_a_file_beside_the_pool)
{
	const char *stale_value = "{\"v\":1,\"event\":\"session_open\","
				  "\"boot_id\":\"another-boot\"}";
	unsigned char rec[KVP_RECORD_SIZE];
	struct stat st;
	FILE *f;

	/* Criterion runs each test in its own process: a private mount
	 * namespace, a ramfs over the pool's directory. */
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "%s", strerror(errno));
	cr_assert_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("none", p.dir, "ramfs", 0, "mode=0755"), 0, "%s",
		     strerror(errno));
	cr_assert_eq(setxattr(p.dir, HINT_XATTR, "x", 1, 0), -1);
	cr_assert(errno == ENOTSUP || errno == EPERM, "%s", strerror(errno));
	te_set(s, "max_records=16"); /* low-water 14 */
	record_at(1);
	cr_assert_eq(stat(hint, &st), 0, "the hint file");
	cr_expect_eq(st.st_mode & 0777, 0600);
	record_at(2);
	/* Our first record, rewritten in place as one of another boot,
	 * stays while the hint allows appends... */
	tu_record(rec,
		  "PAM_KVP|session_open|sshd|20261124T223301.000Z|0000abcd",
		  stale_value);
	f = fopen(p.path, "r+");
	cr_assert(f && fwrite(rec, 1, sizeof(rec), f) == sizeof(rec));
	fclose(f);
	record_at(3);
	cr_expect_eq(count().recs, 3);
	/* ...and goes at the pass an emptied hint forces. */
	tu_write_file(hint, "", 0);
	record_at(4);
	cr_expect_eq(count().recs, 3);
	for (int i = 5; i < 60; i++) {
		record_at(i);
		cr_assert_leq(count().recs, 16, "event %d", i);
	}
	/* So that the teardown removes the directory itself. */
	cr_assert_eq(umount(p.dir), 0);
}

Test(event_budget, a_pool_that_shrank_makes_a_pass)
{
	te_set(s, "max_records=16"); /* low-water 14 */
	for (int i = 0; i < 10; i++)
		record_at(i);
	/* Someone else removes records (a clear, a delete): the counts the
	 * hint was made for no longer hold. */
	cr_assert_eq(truncate(p.path, 2 * KVP_RECORD_SIZE), 0);
	for (int i = 10; i < 40; i++) {
		record_at(i);
		cr_assert_leq(count().recs, 16, "event %d", i);
	}
}

Test(event_budget, a_hint_of_other_settings_is_not_used)
{
	te_set(s, "max_records=64");
	for (int i = 0; i < 20; i++)
		record_at(i);
	te_set(s, "max_records=2");
	record_at(21);
	cr_expect_eq(count().recs, 2);
}

/* A hint of an earlier version (the long line of "hint 1", too long for
 * this version's buffer) or a garbled one is no hint: the event passes
 * and leaves this version's line. */
Test(event_budget, an_old_or_garbled_hint_makes_a_pass)
{
	static const char *const bad[] = {
	    "pam_kvp hint 1 boot=6b1f48f9-e1b0-4c1a-9d54-3f0e5b0c2a11 "
	    "dev=2049 ino=1234567 prefix=PAM_KVP records=256 failures=128 "
	    "stale=1 after=0 trigger=1000000\n",
	    "pam_kvp hint 2 0000000000000000 0 1000000\n",
	    "pam_kvp hint 2 \n",
	};
	const char *stale_value = "{\"v\":1,\"event\":\"session_open\","
				  "\"boot_id\":\"another-boot\"}";
	unsigned char rec[KVP_RECORD_SIZE];
	char text[128];
	ssize_t len;
	FILE *f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert(i == 0 || truncate(p.path, 0) == 0);
		record_at(1); /* a pass: our hint */
		/* One record of ours of another boot, which only a pass
		 * removes... */
		tu_record(rec,
			  "PAM_KVP|session_open|sshd|20261124T223301.000Z|"
			  "0000abcd",
			  stale_value);
		f = fopen(p.path, "r+");
		cr_assert(f && fwrite(rec, 1, sizeof(rec), f) == sizeof(rec));
		fclose(f);
		/* ...and a hint that would allow an append if it were
		 * read as one. */
		cr_assert_eq(
		    setxattr(p.path, HINT_XATTR, bad[i], strlen(bad[i]), 0), 0,
		    "%s", strerror(errno));
		record_at(2);
		cr_expect_eq(count().recs, 1, "hint %zu: a pass", i);
		len = getxattr(p.path, HINT_XATTR, text, sizeof(text) - 1);
		cr_assert_gt(len, 0);
		text[len] = '\0';
		cr_expect_eq(strncmp(text, "pam_kvp hint 2 ", 15), 0, "%s",
			     text);
		cr_expect_neq(strcmp(text, bad[i]), 0);
	}
}

/* Eviction is batched: the budget minus an eighth is left, and the
 * events in between append. */
Test(event_budget, eviction_is_a_batch_down_to_the_low_water_mark)
{
	size_t n;

	te_set(s, "max_records=16");
	for (int i = 0; i < 16; i++)
		record_at(i);
	cr_expect_eq(count().recs, 16);
	record_at(16);
	cr_expect_eq(count().recs, 14, "16 - 16/8");
	for (int i = 17; i < 200; i++) {
		record_at(i);
		n = count().recs;
		cr_assert(n >= 14 && n <= 16, "event %d: %zu", i, n);
	}
}

Test(event_budget, failures_are_folded_and_all_counted)
{
	char rhost[32];
	struct counts c;

	te_set(s, "max_failures=16"); /* low 14, summaries <= 7 */
	for (int i = 0; i < 500; i++) {
		snprintf(rhost, sizeof(rhost), "192.0.2.%d", i % 20);
		fail_at(i, rhost);
		c = count();
		cr_assert_leq(c.fails + c.sums, 16, "failure %d", i);
		cr_assert_leq(c.sums, 7, "failure %d", i);
		cr_assert_eq(c.summed + c.fails, (unsigned long long)i + 1,
			     "failure %d", i);
	}
	cr_expect_gt(c.many, 0, "20 sources in 7 summaries");
	cr_expect_eq(c.recs, 0);
}

/* Summaries of many hours: the oldest merge, every count kept. */
Test(event_budget, summaries_of_many_hours_stay_bounded)
{
	struct counts c;

	te_set(s, "max_failures=8");
	for (int i = 0; i < 300; i++) {
		fail_at((long)i * 1800, "198.51.100.1");
		c = count();
		cr_assert_leq(c.fails + c.sums, 8);
		cr_assert_eq(c.summed + c.fails, (unsigned long long)i + 1);
	}
}

/* A budget of one: every failure but none lands in the one summary. */
Test(event_budget, a_failure_budget_of_one_is_a_single_summary)
{
	struct counts c;

	te_set(s, "max_failures=1");
	for (int i = 0; i < 5; i++)
		fail_at(i, "198.51.100.1");
	c = count();
	cr_expect_eq(c.fails + c.sums, 1);
	cr_expect_eq(c.summed + c.fails, 5);
}

/* A clock stepped back: the new event looks older than ours, and still
 * stays (it is never the one evicted). */
Test(event_budget, the_new_event_stays_when_the_clock_went_back)
{
	kvp_record_list l;
	bool found = false;

	te_set(s, "max_records=2");
	record_at(1000);
	record_at(1001);
	ev.session = "11111111-2222-4333-8444-555555555555";
	record_at(-1000000);
	cr_assert_eq(kvp_store_dump(p.store, &l), 0);
	cr_expect_eq(l.count, 2);
	for (size_t i = 0; i < l.count; i++)
		found |= strstr(l.records[i].value, ev.session) != NULL;
	cr_expect(found, "the new event was evicted");
	kvp_record_list_free(&l);
}

/* A hostile source (every byte escaped) still gives a summary within
 * Safe's value limit. */
Test(event_budget, a_long_hostile_source_fits_the_summary)
{
	char rhost[300];

	memset(rhost, 0x01, sizeof(rhost) - 1);
	rhost[sizeof(rhost) - 1] = '\0';
	te_set(s, "max_failures=2");
	for (int i = 0; i < 6; i++)
		fail_at(i, rhost);
	cr_expect_eq(count().summed + count().fails, 6);
}

Test(event_budget, the_summary_value_has_its_members)
{
	kvp_record_list l;
	json_t *v = NULL;

	te_set(s, "max_failures=1");
	ev.user = "u1";
	fail_at(1, "198.51.100.7");
	ev.user = "u2";
	fail_at(2, "198.51.100.7");
	cr_assert_eq(kvp_store_dump(p.store, &l), 0);
	cr_assert_eq(l.count, 1);
	cr_expect(te_matches(l.records[0].key,
			     "^PAM_KVP\\|auth_fail_summary\\|all\\|"
			     "20261124T223301\\.000Z\\|[0-9a-f]{8}$"),
		  "%s", l.records[0].key);
	v = te_parse(l.records[0].value);
	te_assert_members(
	    v, (const char *const[]){"v", "event", "time", "rhost", "first",
				     "last", "count", "users", "users_sketch",
				     "sources", "window_s", "boot_id", NULL});
	cr_expect_str_eq(te_str(v, "first"), "2026-11-24T22:33:01.000Z");
	cr_expect_str_eq(te_str(v, "last"), "2026-11-24T22:33:02.000Z");
	cr_expect_eq(json_integer_value(json_object_get(v, "count")), 2);
	cr_expect_eq(json_integer_value(json_object_get(v, "users")), 2);
	cr_expect_str_eq(te_str(v, "boot_id"), ev.boot_id);
	json_decref(v);
	kvp_record_list_free(&l);
}
