/* test_event_record.c - kvp_event_record(): append and insert, the
 * stale-pool clear, the max_records bound (our oldest by key time goes,
 * in either format, other writers' records stay byte for byte) and the
 * lock timeout. Records are written in the default format, DIAG, unless
 * a test says "format=pam_kvp"; planted records of ours are legacy keys
 * (te_key) or DIAG keys (te_diag_key). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_event_util.h"

static struct tu_pool p;
static kvp_settings *s;
static kvp_event ev;

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
	s = te_settings(p.dir);
	te_event(&ev);
}

static void teardown(void)
{
	kvp_settings_free(s);
	tu_pool_teardown(&p);
}

/* Record `ev` at second `sec` of 2026-11-24T22:33:xx (ms = sec too). */
static void record_at(int sec)
{
	int r;

	ev.time.tv_sec = 1795559580 + sec;
	ev.time.tv_nsec = (long)sec * 1000000L;
	r = kvp_event_record(s, &ev);
	cr_assert_eq(r, 0, "record: %d %s", r, kvp_error_last()->message);
}

/* Records of the pool file, on-disk order. */
static kvp_record_list dump(void)
{
	kvp_record_list l;

	cr_assert_eq(kvp_store_dump(p.store, &l), 0);
	return l;
}

static size_t count_prefix(const kvp_record_list *l, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (size_t i = 0; i < l->count; i++)
		n += strncmp(l->records[i].key, prefix, len) == 0;
	return n;
}

/* Our records, in either format. */
static size_t count_ours(const kvp_record_list *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->count; i++)
		n += te_ours(l->records[i].key);
	return n;
}

static bool has_key(const kvp_record_list *l, const char *key)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->records[i].key, key) == 0)
			return true;
	return false;
}

static size_t occurrences(const unsigned char *rec, const unsigned char *recs,
			  size_t n)
{
	size_t seen = 0;

	for (size_t i = 0; i < n; i++)
		seen += memcmp(rec, recs + i * KVP_RECORD_SIZE,
			       KVP_RECORD_SIZE) == 0;
	return seen;
}

/* Assert every record of `planted` (n raw records) is still in the file,
 * byte for byte, as often as it was planted. */
static void assert_others_intact(const unsigned char *planted, size_t n)
{
	size_t len;
	unsigned char *now = tu_read_file(p.path, &len);

	cr_assert_eq(len % KVP_RECORD_SIZE, 0);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *rec = planted + i * KVP_RECORD_SIZE;
		cr_assert_eq(occurrences(rec, now, len / KVP_RECORD_SIZE),
			     occurrences(rec, planted, n),
			     "other record %zu changed", i);
	}
	free(now);
}

/* Plant `n` records of other writers with the unique keys "other<i>",
 * then the pairs of `more` ({key, value, ..., NULL}; may be NULL). */
static void plant_others(int n, const char *const *more)
{
	const char **kv = calloc(2 * (size_t)n + 8, sizeof(*kv));
	char(*keys)[24] = calloc((size_t)n, sizeof(*keys));
	size_t k = 0;

	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "other%d", i);
		kv[k++] = keys[i];
		kv[k++] = "v";
	}
	for (; more && *more && k < 2 * (size_t)n + 7; more++)
		kv[k++] = *more;
	kv[k] = NULL;
	tu_plant(p.path, kv);
	free(kv);
	free(keys);
}

Test(event_record, append_writes_one_record, .init = setup, .fini = teardown)
{
	kvp_record_list l;
	json_t *obj;
	struct stat st;

	record_at(1);
	l = dump();
	cr_assert_eq(l.count, 1);
	cr_assert_eq(strncmp(l.records[0].key, "DIAG|" TE_AGENT "|", 19), 0,
		     "%s", l.records[0].key);
	te_assert_diag(l.records[0].key, l.records[0].value);
	obj = te_parse(l.records[0].value);
	cr_assert_str_eq(te_str(obj, "event"), "session_open");
	cr_assert_str_eq(te_str(obj, "time"), "2026-11-24T22:33:01.001Z");
	json_decref(obj);
	kvp_record_list_free(&l);
	cr_assert_eq(stat(p.path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
}

Test(event_record, append_writes_one_legacy_record, .init = setup,
     .fini = teardown)
{
	kvp_record_list l;
	json_t *obj;

	te_set(s, "format=pam_kvp");
	record_at(1);
	l = dump();
	cr_assert_eq(l.count, 1);
	cr_assert(te_matches(l.records[0].key, TE_KEY_RE), "%s",
		  l.records[0].key);
	obj = te_parse(l.records[0].value);
	cr_assert_str_eq(te_str(obj, "event"), "session_open");
	cr_assert_str_eq(te_str(obj, "time"), "2026-11-24T22:33:01.001Z");
	cr_assert_not(te_has(obj, "vm_id_unavailable"));
	json_decref(obj);
	kvp_record_list_free(&l);
}

Test(event_record, creates_missing_directory, .init = setup, .fini = teardown)
{
	kvp_store *st;
	kvp_record_list l;

	te_set(s, "pool_dir=%s/a/b", p.dir);
	record_at(1);
	st = tu_store(kvp_settings_pool_dir(s), KVP_MODE_SAFE);
	cr_assert_eq(kvp_store_dump(st, &l), 0);
	cr_assert_eq(l.count, 1);
	kvp_record_list_free(&l);
	kvp_store_free(st);
}

Test(event_record, append_goes_after_other_records, .init = setup,
     .fini = teardown)
{
	size_t len, after_len;
	unsigned char *before, *after;

	tu_plant(p.path, (const char *const[]){"cloud-init|1", "x", "other",
					       "y", "other", "dup", NULL});
	before = tu_read_file(p.path, &len);
	record_at(1);
	record_at(2);
	after = tu_read_file(p.path, &after_len);
	cr_assert_eq(after_len, len + 2 * KVP_RECORD_SIZE);
	cr_assert_arr_eq(after, before, len, "planted records moved");
	cr_assert_eq(memcmp(after + len, "DIAG|pam_kvp/", 13), 0);
	cr_assert_eq(memcmp(after + len + KVP_RECORD_SIZE, "DIAG|pam_kvp/", 13),
		     0);
	free(before);
	free(after);
}

Test(event_record, append_mode_has_no_unique_key_cap, .init = setup,
     .fini = teardown)
{
	kvp_record_list l;

	plant_others(1024, NULL);
	record_at(1);
	l = dump();
	cr_assert_eq(l.count, 1025);
	kvp_record_list_free(&l);
}

Test(event_record, insert_mode_writes_record, .init = setup, .fini = teardown)
{
	kvp_record_list l;

	te_set(s, "write=insert");
	tu_plant(p.path, (const char *const[]){"other", "1", NULL});
	record_at(1);
	record_at(2);
	l = dump();
	cr_assert_eq(l.count, 3);
	cr_assert_str_eq(l.records[0].key, "other");
	cr_assert_eq(count_prefix(&l, "DIAG|pam_kvp/"), 2);
	kvp_record_list_free(&l);
}

Test(event_record, insert_mode_unique_key_cap, .init = setup, .fini = teardown)
{
	unsigned char *before;
	size_t len;

	plant_others(1024, NULL);
	before = tu_read_file(p.path, &len);
	te_set(s, "write=insert");
	cr_assert_eq(kvp_event_record(s, &ev), KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(kvp_error_last()->max, 1024);
	tu_assert_file_is(p.path, before, len);
	free(before);
}

Test(event_record, insert_mode_eviction_makes_room, .init = setup,
     .fini = teardown)
{
	char *ours = te_key("PAM_KVP", "20260101T000000.000Z", "00000000");
	kvp_record_list l;

	plant_others(1023, (const char *const[]){ours, "{}", NULL});
	te_set(s, "write=insert");
	te_set(s, "max_records=1");
	record_at(1);
	l = dump();
	cr_assert_eq(l.count, 1024);
	/* The legacy record of ours made room for the DIAG one. */
	cr_assert_not(has_key(&l, ours));
	cr_assert_eq(count_prefix(&l, "DIAG|pam_kvp/"), 1);
	cr_assert_eq(count_ours(&l), 1);
	kvp_record_list_free(&l);
	free(ours);
}

/* clear_if_stale drops our records of another boot (by the boot_id in
 * the value), never another writer's, and not by the file's time. */
Test(event_record, stale_drops_only_our_records_of_other_boots, .init = setup,
     .fini = teardown)
{
	char *mine = te_key("PAM_KVP", "20261124T223301.000Z", "11111111");
	char *gone = te_key("PAM_KVP", "20261124T223302.000Z", "22222222");
	char *bare = te_key("PAM_KVP", "20261124T223303.000Z", "33333333");
	char this_boot[160], other_boot[160];
	kvp_record_list l;

	snprintf(this_boot, sizeof(this_boot),
		 "{\"v\":1,\"event\":\"auth\",\"boot_id\":\"%s\"}", ev.boot_id);
	snprintf(other_boot, sizeof(other_boot),
		 "{\"v\":1,\"event\":\"auth\",\"boot_id\":\"%s\"}",
		 "00000000-0000-4000-8000-000000000000");
	tu_plant(p.path, (const char *const[]){
			     "old", "1", "PAM_KVP|x", "2", mine, this_boot,
			     gone, other_boot, bare, "{\"v\":1}", NULL});
	tu_set_mtime(p.path, 0);
	record_at(1);
	l = dump();
	cr_assert_eq(l.count, 5);
	cr_assert(has_key(&l, "old"));
	cr_assert(has_key(&l, "PAM_KVP|x"), "not our format: not ours");
	cr_assert(has_key(&l, mine));
	cr_assert(has_key(&l, bare), "no boot_id: left to the budget");
	cr_assert_not(has_key(&l, gone));
	kvp_record_list_free(&l);
	free(mine);
	free(gone);
	free(bare);
}

Test(event_record, fresh_pool_not_cleared, .init = setup, .fini = teardown)
{
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){"old", "1", NULL});
	record_at(1);
	l = dump();
	cr_assert_eq(l.count, 2);
	cr_assert_str_eq(l.records[0].key, "old");
	kvp_record_list_free(&l);
}

Test(event_record, stale_pool_kept_without_clear_if_stale, .init = setup,
     .fini = teardown)
{
	kvp_record_list l;

	te_set(s, "clear_if_stale=no");
	tu_plant(p.path, (const char *const[]){"old", "1", NULL});
	tu_set_mtime(p.path, 0);
	record_at(1);
	l = dump();
	cr_assert_eq(l.count, 2);
	kvp_record_list_free(&l);
}

Test(event_record, max_records_keeps_newest, .init = setup, .fini = teardown)
{
	kvp_record_list l;

	te_set(s, "max_records=3");
	for (int i = 1; i <= 10; i++)
		record_at(i);
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 3);
	cr_assert_not_null(
	    strstr(l.records[0].key, "|2026-11-24T22:33:08.008Z|"), "%s",
	    l.records[0].key);
	cr_assert_not_null(
	    strstr(l.records[1].key, "|2026-11-24T22:33:09.009Z|"));
	cr_assert_not_null(
	    strstr(l.records[2].key, "|2026-11-24T22:33:10.010Z|"));
	kvp_record_list_free(&l);
}

Test(event_record, oldest_by_key_time_not_disk_order, .init = setup,
     .fini = teardown)
{
	char *t3 = te_key("PAM_KVP", "20261124T223303.000Z", "33333333");
	char *t1 = te_key("PAM_KVP", "20261124T223301.000Z", "11111111");
	char *t2 = te_key("PAM_KVP", "20261124T223302.000Z", "22222222");
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){t3, "3", t1, "1", "other", "o",
					       t2, "2", NULL});
	te_set(s, "max_records=3");
	record_at(4);
	l = dump();
	cr_assert_eq(l.count, 4);
	cr_assert_not(has_key(&l, t1));
	cr_assert(has_key(&l, t2));
	cr_assert(has_key(&l, t3));
	cr_assert(has_key(&l, "other"));
	kvp_record_list_free(&l);
	free(t1);
	free(t2);
	free(t3);
}

Test(event_record, equal_times_evict_lowest_slot, .init = setup,
     .fini = teardown)
{
	char *a = te_key("PAM_KVP", "20261124T223301.000Z", "bbbbbbbb");
	char *b = te_key("PAM_KVP", "20261124T223301.000Z", "aaaaaaaa");
	kvp_record_list l;

	tu_plant(p.path,
		 (const char *const[]){a, "a", "other", "o", b, "b", NULL});
	te_set(s, "max_records=2");
	record_at(5);
	l = dump();
	cr_assert_not(has_key(&l, a));
	cr_assert(has_key(&l, b));
	cr_assert_eq(count_ours(&l), 2);
	kvp_record_list_free(&l);
	free(a);
	free(b);
}

/* A key with our prefix but not our format (no time, no event) is not
 * ours: never counted, evicted or changed. */
Test(event_record, key_not_of_our_format_never_evicted, .init = setup,
     .fini = teardown)
{
	char *t1 = te_key("PAM_KVP", "20261124T223301.000Z", "11111111");
	kvp_record_list l;

	tu_plant(p.path,
		 (const char *const[]){t1, "1", "PAM_KVP|junk", "j", NULL});
	te_set(s, "max_records=2");
	record_at(5);
	l = dump();
	cr_assert(has_key(&l, "PAM_KVP|junk"));
	cr_assert(has_key(&l, t1));
	cr_assert_eq(l.count, 3);
	kvp_record_list_free(&l);
	free(t1);
}

Test(event_record, other_prefixes_never_evicted, .init = setup,
     .fini = teardown)
{
	char *x = te_key("PAM_KVPX", "20000101T000000.000Z", "00000000");
	char *low = te_key("pam_kvp", "20000101T000000.000Z", "00000000");
	kvp_record_list l;

	tu_plant(p.path,
		 (const char *const[]){x, "1", low, "2", "PAM_KVP", "3", NULL});
	te_set(s, "max_records=1");
	record_at(1);
	record_at(2);
	l = dump();
	cr_assert_eq(l.count, 4);
	cr_assert(has_key(&l, x));
	cr_assert(has_key(&l, low));
	cr_assert(has_key(&l, "PAM_KVP"));
	cr_assert_eq(count_ours(&l), 1);
	kvp_record_list_free(&l);
	free(x);
	free(low);
}

Test(event_record, other_writers_records_byte_identical, .init = setup,
     .fini = teardown)
{
	enum { OTHERS = 6 };
	unsigned char *planted = calloc(OTHERS, KVP_RECORD_SIZE);
	unsigned char full_key[KVP_KEY_FIELD_SIZE],
	    full_value[KVP_VALUE_FIELD_SIZE];
	size_t len;
	unsigned char *file;

	memset(full_key, 'K', sizeof(full_key));
	memset(full_value, 0xff, sizeof(full_value)); /* not even UTF-8 */
	tu_record(planted, "cloud-init|a", "{\"x\":1}");
	tu_record_n(planted + KVP_RECORD_SIZE, full_key, sizeof(full_key),
		    full_value, sizeof(full_value));
	tu_record(planted + 2 * KVP_RECORD_SIZE, "PAM_KVPX|y", "z");
	tu_record_n(planted + 3 * KVP_RECORD_SIZE, "bin\x80\x81", 5,
		    "v\0after-nul", 11);
	tu_record(planted + 4 * KVP_RECORD_SIZE, "same", "1");
	tu_record(planted + 5 * KVP_RECORD_SIZE, "same", "1");

	/* Ours interleaved with theirs; then many writes with a small cap
	 * move their records around by swap-removes. */
	te_set(s, "max_records=4");
	for (int i = 0; i < OTHERS; i++) {
		tu_append_file(p.path, planted + i * KVP_RECORD_SIZE,
			       KVP_RECORD_SIZE);
		record_at(20 - i); /* later on disk, older in time */
	}
	for (int i = 0; i < 30; i++) {
		kvp_record_list l;
		record_at(30 + i);
		l = dump();
		cr_assert_eq(count_ours(&l), 4);
		cr_assert_eq(l.count, 4 + OTHERS);
		kvp_record_list_free(&l);
		assert_others_intact(planted, OTHERS);
	}
	file = tu_read_file(p.path, &len);
	cr_assert_eq(len, (4 + OTHERS) * KVP_RECORD_SIZE);
	free(file);
	free(planted);
}

Test(event_record, count_never_exceeds_max, .init = setup, .fini = teardown)
{
	te_set(s, "max_records=5");
	for (int i = 0; i < 20; i++) {
		kvp_record_list l;
		record_at(i);
		cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
		cr_assert_eq(l.count, (size_t)(i < 5 ? i + 1 : 5));
		kvp_record_list_free(&l);
	}
}

Test(event_record, max_records_lowered_evicts_many, .init = setup,
     .fini = teardown)
{
	kvp_record_list l;

	for (int i = 0; i < 12; i++)
		record_at(i);
	te_set(s, "max_records=2");
	record_at(40);
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 2);
	cr_assert_not_null(
	    strstr(l.records[0].key, "|2026-11-24T22:33:11.011Z|"), "%s",
	    l.records[0].key);
	cr_assert_not_null(
	    strstr(l.records[1].key, "|2026-11-24T22:33:40.040Z|"), "%s",
	    l.records[1].key);
	kvp_record_list_free(&l);
}

Test(event_record, torn_tail_cut_before_writing, .init = setup,
     .fini = teardown)
{
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){"a", "1", "b", "2", NULL});
	tu_append_file(p.path, "partial", 7);
	record_at(1);
	cr_assert_eq(tu_file_size(p.path), 3 * KVP_RECORD_SIZE);
	l = dump();
	cr_assert_str_eq(l.records[0].key, "a");
	cr_assert_str_eq(l.records[1].key, "b");
	cr_assert_eq(l.torn_bytes, 0);
	kvp_record_list_free(&l);
}

/* Hold a lock of the pool file on a separate open file description
 * (flock or OFD locks of two descriptions conflict, even in one process)
 * and expect a lock timeout after about `ms`. */
static void expect_timeout(bool use_flock)
{
	struct timespec a, b;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	unsigned char *before;
	size_t len;
	long long elapsed_ms;
	int fd;

	tu_plant(p.path, (const char *const[]){"held", "1", NULL});
	before = tu_read_file(p.path, &len);
	fd = open(p.path, O_RDWR | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	if (use_flock)
		cr_assert_eq(flock(fd, LOCK_EX), 0);
	else
		cr_assert_eq(fcntl(fd, F_OFD_SETLK, &fl), 0);
	te_set(s, "lock_timeout_ms=150");
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(kvp_event_record(s, &ev), KVP_ERR_LOCK_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	elapsed_ms = (b.tv_sec - a.tv_sec) * 1000LL +
		     (b.tv_nsec - a.tv_nsec) / 1000000LL;
	cr_assert_geq(elapsed_ms, 140, "gave up after %lld ms", elapsed_ms);
	cr_assert_lt(elapsed_ms, 1500, "waited %lld ms", elapsed_ms);
	tu_assert_file_is(p.path, before, len);
	close(fd);
	/* Released: the next one goes through. */
	record_at(1);
	free(before);
}

Test(event_record, lock_timeout_on_flock, .init = setup, .fini = teardown)
{
	expect_timeout(true);
}

Test(event_record, lock_timeout_on_fcntl_lock, .init = setup, .fini = teardown)
{
	expect_timeout(false);
}

/* Settings out of range cannot be made: they never reach the writer. */
Test(event_record, bad_settings_rejected_before_any_file, .init = setup,
     .fini = teardown)
{
	static const char *const bad[] = {"max_records=0", "max_records=1025",
					  "write=5", "pool=17"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(kvp_settings_set(s, bad[i]), KVP_ERR_CONFIG, "%s",
			     bad[i]);
	cr_assert_eq(kvp_event_record(NULL, &ev), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_record(s, NULL), KVP_ERR_INVALID_ARG);
	cr_assert_eq(tu_file_size(p.path), -1);
}

/* kvp_event is versioned: an event not started from KVP_EVENT_INIT, or
 * from a newer header than the library's, is refused before any file. */
Test(event_record, unknown_event_version_rejected, .init = setup,
     .fini = teardown)
{
	const kvp_event init = KVP_EVENT_INIT;

	cr_assert_eq(init.version, KVP_EVENT_VERSION);
	cr_assert_eq(init.pid, -1);
	cr_assert_eq(init.uid, -1);
	cr_assert_null(init.service);
	ev.version = 0;
	cr_assert_eq(kvp_event_record(s, &ev), KVP_ERR_INVALID_ARG);
	cr_assert_neq(strstr(kvp_error_last()->message, "version 0"), NULL,
		      "%s", kvp_error_last()->message);
	ev.version = KVP_EVENT_VERSION + 1;
	cr_assert_eq(kvp_event_record(s, &ev), KVP_ERR_INVALID_ARG);
	cr_assert_eq(tu_file_size(p.path), -1);
	ev.version = KVP_EVENT_VERSION;
	record_at(1);
	cr_assert_eq(tu_file_size(p.path), KVP_RECORD_SIZE);
}

Test(event_record, other_pool_and_unsafe_mode, .init = setup, .fini = teardown)
{
	char *big = tu_repeat('\x01', 10000);
	kvp_store *st;
	kvp_record_list l;
	json_t *obj;

	te_set(s, "format=pam_kvp"); /* DIAG values stay within 1022 */
	te_set(s, "pool=auto");
	te_set(s, "mode=unsafe");
	ev.rhost = ev.user = ev.tty = ev.host = big;
	record_at(1);
	cr_assert_eq(kvp_store_new(&st, KVP_POOL_AUTO, p.dir, KVP_MODE_UNSAFE),
		     0);
	cr_assert_eq(kvp_store_dump(st, &l), 0);
	cr_assert_eq(l.count, 1);
	cr_assert_leq(l.records[0].value_len, 2048);
	cr_assert_gt(l.records[0].value_len, 1022);
	obj = te_parse(l.records[0].value);
	cr_assert(json_is_true(json_object_get(obj, "truncated")));
	json_decref(obj);
	kvp_record_list_free(&l);
	kvp_store_free(st);
	cr_assert_eq(tu_file_size(p.path), -1, "guest pool untouched");
	free(big);
}

/* A DIAG value is one record's: 1022 bytes in Unsafe mode too. */
Test(event_record, unsafe_mode_diag_value_is_one_chunk, .init = setup,
     .fini = teardown)
{
	char *big = tu_repeat('\x01', 10000);
	kvp_store *st;
	kvp_record_list l;

	te_set(s, "mode=unsafe");
	ev.rhost = ev.user = ev.tty = ev.host = big;
	record_at(1);
	st = tu_store(p.dir, KVP_MODE_UNSAFE);
	cr_assert_eq(kvp_store_dump(st, &l), 0);
	cr_assert_eq(l.count, 1);
	cr_assert_leq(l.records[0].value_len, 1022);
	cr_assert_gt(l.records[0].value_len, 1000);
	te_assert_diag(l.records[0].key, l.records[0].value);
	kvp_record_list_free(&l);
	kvp_store_free(st);
	free(big);
}

/* max_records counts ours in both formats, oldest by time whichever
 * format: a legacy write evicts an older DIAG record of ours and a DIAG
 * write an older legacy one. */
Test(event_record, eviction_across_formats, .init = setup, .fini = teardown)
{
	char *d1 = te_diag_key(TE_AGENT, "start", "pam:sshd:session",
			       "2026-11-24T22:33:01.000Z", TE_VM_ID);
	char *l2 = te_key("PAM_KVP", "20261124T223302.000Z", "22222222");
	char *d3 = te_diag_key("pam_kvp/0.0.1", "finish", "pam:sshd:session",
			       "2026-11-24T22:33:03.000Z", TE_VM_ID);
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){d3, "3", l2, "2", "other", "o",
					       d1, "1", NULL});
	te_set(s, "max_records=3");
	te_set(s, "format=pam_kvp");
	record_at(10);
	l = dump();
	cr_assert_not(has_key(&l, d1), "the oldest, a DIAG record, goes");
	cr_assert(has_key(&l, l2) && has_key(&l, d3) && has_key(&l, "other"));
	cr_assert_eq(count_ours(&l), 3);
	kvp_record_list_free(&l);

	te_set(s, "format=diag");
	record_at(11);
	l = dump();
	cr_assert_not(has_key(&l, l2), "then the legacy one");
	cr_assert(has_key(&l, d3) && has_key(&l, "other"));
	cr_assert_eq(count_prefix(&l, "PAM_KVP|"), 1);
	cr_assert_eq(count_prefix(&l, "DIAG|pam_kvp/"), 2);
	cr_assert_eq(l.count, 4);
	kvp_record_list_free(&l);
	free(d1);
	free(l2);
	free(d3);
}

/* DIAG records that are not pam_kvp's own - other agents, look-alike
 * agents, foreign names under our agent, malformed keys, other schemas -
 * are never evicted, however old. */
Test(event_record, diag_records_of_others_never_evicted, .init = setup,
     .fini = teardown)
{
#define OLD "2000-01-01T00:00:00.000Z"
	char *theirs[] = {
	    te_diag_key("azure-init/0.1.1", "event", "pam:sshd:auth", OLD,
			TE_VM_ID),
	    te_diag_key("pam_kvpx/1", "start", "pam:sshd:session", OLD,
			TE_VM_ID),
	    te_diag_key("pam_kvp", "start", "pam:sshd:session", OLD, TE_VM_ID),
	    te_diag_key(TE_AGENT, "event", "backup:run", OLD, TE_VM_ID),
	    te_diag_key(TE_AGENT, "event", "pam:sshd:login", OLD, TE_VM_ID),
	    te_diag_key(TE_AGENT, "start", "pam:sshd:auth", OLD, TE_VM_ID),
	    te_diag_key(TE_AGENT, "event", "pam:s d:auth", OLD, TE_VM_ID),
	    te_diag_key(TE_AGENT, "event", "pam::auth", OLD, TE_VM_ID),
	    te_diag_key(TE_AGENT, "event", "pam:sshd:session", "yesterday",
			TE_VM_ID),
	    te_diag_key(TE_AGENT, "event", "pam:sshd:auth", OLD, "not-a-uuid"),
	    strdup("DIAG_V2|pam_kvp/0.1.0|x|event|pam:sshd:auth"),
	    strdup("CLOUD_INIT|0|start|pam:sshd:session|" TE_VM_ID),
	    strdup("PROVISIONING_REPORT"),
	};
	enum { N = sizeof(theirs) / sizeof(*theirs) };
	const char *kv[2 * N + 1];
	kvp_record_list l;

	for (size_t i = 0; i < N; i++) {
		kv[2 * i] = theirs[i];
		kv[2 * i + 1] = "v";
	}
	kv[2 * N] = NULL;
	tu_plant(p.path, kv);
	te_set(s, "max_records=1");
	record_at(1);
	record_at(2);
	l = dump();
	cr_assert_eq(l.count, N + 1);
	for (size_t i = 0; i < N; i++) {
		cr_assert(has_key(&l, theirs[i]), "%s was evicted", theirs[i]);
		free(theirs[i]);
	}
	cr_assert_not_null(strstr(l.records[N].key, "|2026-11-24T22:33:02."));
	kvp_record_list_free(&l);
#undef OLD
}
