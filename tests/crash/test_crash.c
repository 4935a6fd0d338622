/* test_crash.c - writers killed with SIGKILL at random points.
 *
 * Each round starts tests/helpers/kvp_writer against one pool that also
 * holds other writers' records (FOREIGN|n planted once, T|<round>
 * appended by the test), waits for its "ready", lets it write for a
 * random 20 us .. 20 ms (seeded PRNG; meanwhile, in some rounds, a
 * locked reader dumps the pool again and again), kills it with SIGKILL
 * and checks the pool against the one before the round and the writer's
 * log (crash_check.c says exactly what must hold: every record kept,
 * possibly twice; at most the tombstone, backup copy and torn tail the
 * killed op may leave). Then the test either appends one record itself -
 * the next writer must cut the torn tail off and change nothing else,
 * tombstones included - or writes as a scanning writer (a delete of an
 * absent key), which must leave exactly the pool with its torn tail cut
 * and every tombstone swap-removed; or it leaves the pool as it is for
 * the next round's writer, whose first scanning op must drop the
 * tombstones. When the writer's records pile up, the test removes them
 * with delete_multiple, which must also drop nothing else.
 *
 * Every record in the file must be whole or a tombstone: a record that
 * is neither (a mixed record mid-file: the head of one record and the
 * tail of another, split at a page boundary; a key with an empty value)
 * fails the round, with crash_slot.c's reading of whose bytes are where.
 *
 * Environment: KVP_CRASH_ROUNDS (rounds of the mixed test, default 600;
 * the other two run half as many), KVP_CRASH_SEED (default 1),
 * KVP_CRASH_SLOW (scale the delays for a slow writer, e.g. under
 * valgrind). The seed and a summary (torn tails, tombstones, backups,
 * duplicates, repairs) go to stderr.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash.h"
#include "peer_record.h"
#include "test_util.h"

#define DEFAULT_ROUNDS 600
#define MAX_RECORDS    6
#define CLEANUP_AT     400 /* records in the pool */
#define T_KEEP	       16  /* rounds whose T record the cleanup keeps */

struct run {
	struct tu_pool pool;
	const char *mode;
	long slow; /* KVP_CRASH_SLOW: delays times this */
	unsigned long long rng;
	int round;
	/* summary */
	size_t ops, inflight, torn, torn_left, torn_repaired, dups, readers,
	    cleanups, test_repairs, watched, writer_repairs;
	size_t tombs, tombs_kept, tombs_by_writer, tombs_by_test, scans,
	    backups;
	size_t killed_in[OP_EV + 1], torn_in[OP_EV + 1];
};

static unsigned long long next_rand(struct run *run)
{
	unsigned long long z = (run->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : def;
}

static void record_of(unsigned char rec[KVP_RECORD_SIZE], const char *key,
		      const char *note)
{
	char value[PR_VALUE_MAX + 1];

	pr_make_value(value, key, note);
	pr_encode(rec, key, value);
}

/* FOREIGN|0..19 with the writer's W|0..7 (as written by "op 0") among
 * them, so swap-removes move other writers' records around. */
static void plant(struct run *run)
{
	unsigned char *buf =
	    calloc(CRASH_FOREIGN + CRASH_W_KEYS, KVP_RECORD_SIZE);
	size_t n = 0;
	char key[32];

	cr_assert_not_null(buf);
	for (int i = 0; i < CRASH_FOREIGN; i++) {
		snprintf(key, sizeof(key), "FOREIGN|%d", i);
		record_of(buf + n++ * KVP_RECORD_SIZE, key, "foreign");
		if (i % 2 == 0 && i / 2 < CRASH_W_KEYS) {
			snprintf(key, sizeof(key), "W|%d", i / 2);
			crash_expected_record(buf + n++ * KVP_RECORD_SIZE, key,
					      0);
		}
	}
	tu_write_file(run->pool.path, buf, n * KVP_RECORD_SIZE);
	free(buf);
}

/* A snapshot in which every record is whole. */
static void take(struct run *run, struct crash_snap *snap, const char *when)
{
	bool live = strcmp(when, "concurrent reader") == 0;
	char bad[512];

	if (crash_snap_take(snap, run->pool.store, live) == 0)
		return;
	for (size_t i = 0; i < snap->count; i++)
		if (snap->recs[i].cls == REC_BAD)
			crash_rec_describe(snap, i, bad, sizeof(bad));
	cr_assert_fail("round %d (%s), %s: a reader sees a record that is "
		       "not whole: %s",
		       run->round, run->mode, when, bad);
}

/* A locked reader during the writer's run: whole records only. */
static void read_until(struct run *run, long long until_us)
{
	do {
		struct crash_snap snap;
		take(run, &snap, "concurrent reader");
		crash_snap_free(&snap);
		run->readers++;
	} while (crash_now_us() < until_us);
}

/* Wait until the writer's log says it began an append_multiple (its
 * last line is "B <seq> mul ..."), or until `until_us`. True when seen. */
static bool watch_for_batch(const char *log_path, long long until_us)
{
	do {
		char tail[128];
		off_t size = tu_file_size(log_path);
		int fd = open(log_path, O_RDONLY | O_CLOEXEC);
		ssize_t n = -1;
		char *line;

		if (fd >= 0 && size > 0) {
			off_t at = size > 127 ? size - 127 : 0;
			n = pread(fd, tail, (size_t)(size - at), at);
		}
		if (fd >= 0)
			close(fd);
		if (n > 1 && tail[n - 1] == '\n') {
			tail[n - 1] = '\0';
			line = strrchr(tail, '\n');
			line = line ? line + 1 : tail;
			if (line[0] == 'B' && strstr(line, " mul "))
				return true;
		}
	} while (crash_now_us() < until_us);
	return false;
}

/* The test as the next writer: append T|<round>; the torn tail (if any)
 * must be cut and every whole record kept, byte for byte. */
static void append_as_next_writer(struct run *run, const struct crash_snap *a)
{
	unsigned char want[KVP_RECORD_SIZE];
	char key[32], value[PR_VALUE_MAX + 1];
	size_t len, whole = a->count * KVP_RECORD_SIZE;
	unsigned char *raw;

	snprintf(key, sizeof(key), "T|%d", run->round);
	pr_make_value(value, key, "t");
	cr_assert_eq(kvp_store_append(run->pool.store, key, value), 0, "%s",
		     kvp_error_last()->message);
	raw = tu_read_file(run->pool.path, &len);
	pr_encode(want, key, value);
	cr_assert_eq(len, whole + KVP_RECORD_SIZE,
		     "round %d: append after %zu records + %zu torn bytes left "
		     "%zu bytes",
		     run->round, a->count, a->torn, len);
	cr_assert(memcmp(raw, a->raw, whole) == 0,
		  "round %d: the next writer changed the whole records",
		  run->round);
	cr_assert(memcmp(raw + whole, want, KVP_RECORD_SIZE) == 0);
	free(raw);
	run->test_repairs++;
	run->torn_repaired += a->torn > 0;
}

static bool cleanup_key(const struct crash_rec *r, int round)
{
	return r->cls == REC_WA || r->cls == REC_WI || r->cls == REC_WB ||
	       (r->cls == REC_T && r->seq < round - T_KEEP);
}

/* delete_multiple of the writer's appended records and old T records:
 * exactly those go, and the tombstones. */
static void cleanup(struct run *run)
{
	struct crash_snap a, b;
	const char **keys;
	size_t n = 0, expect = 0, removed = 0;

	take(run, &a, "before cleanup");
	keys = calloc(a.count + 1, sizeof(*keys));
	cr_assert_not_null(keys);
	for (size_t i = 0; i < a.n_keyed; i++) {
		const struct crash_rec *r = a.by_key[i];
		if (!cleanup_key(r, run->round))
			continue;
		expect++;
		if (n == 0 || strcmp(keys[n - 1], r->key) != 0)
			keys[n++] = r->key;
	}
	cr_assert_eq(
	    kvp_store_delete_multiple(run->pool.store, keys, n, &removed), 0,
	    "%s", kvp_error_last()->message);
	cr_assert_eq(removed, expect);
	take(run, &b, "after cleanup");
	cr_assert_eq(b.torn, 0);
	cr_assert_eq(b.n_tomb, 0, "cleanup left %zu tombstones", b.n_tomb);
	cr_assert_eq(b.count, a.count - expect - a.n_tomb);
	/* Both sorted by key and seq: the survivors match one to one. */
	for (size_t i = 0, j = 0; i < a.n_keyed; i++) {
		if (cleanup_key(a.by_key[i], run->round))
			continue;
		cr_assert(strcmp(a.by_key[i]->key, b.by_key[j]->key) == 0 &&
			      strcmp(a.by_key[i]->value, b.by_key[j]->value) ==
				  0,
			  "cleanup lost %s", a.by_key[i]->key);
		j++;
	}
	free(keys);
	crash_snap_free(&a);
	crash_snap_free(&b);
	run->cleanups++;
}

/* A record that is neither whole nor a tombstone after the kill: always
 * a failure, described as precisely as crash_slot.c can. */
static void report_bad(struct run *run, const struct crash_round *r,
		       size_t slot)
{
	char why[1024];

	if (!crash_explain_bad(r, slot, why, sizeof(why)))
		crash_rec_describe(r->after, slot, why, sizeof(why));
	cr_assert_fail("round %d (%s): a record that is not whole after the "
		       "kill (in-flight op %ld): %s",
		       run->round, run->mode,
		       r->log->inflight ? r->log->inflight->seq : -1L, why);
}

/* The test as the next scanning writer: delete of an absent key. The
 * pool must become exactly the killed writer's, its torn tail cut and
 * every tombstone swap-removed as pool_file_drop_tombstones does; the
 * duplicates stay (no op of their key ran). */
static void scan_as_next_writer(struct run *run, const struct crash_snap *a)
{
	size_t n = a->count, len;
	unsigned char *want = malloc(n * KVP_RECORD_SIZE + 1), *raw;
	char key[32];

	cr_assert_not_null(want);
	memcpy(want, a->raw, n * KVP_RECORD_SIZE);
	for (size_t i = 0; i < n;) {
		if (want[i * KVP_RECORD_SIZE] != '\0') {
			i++;
			continue;
		}
		if (i != n - 1)
			memcpy(want + i * KVP_RECORD_SIZE,
			       want + (n - 1) * KVP_RECORD_SIZE,
			       KVP_RECORD_SIZE);
		n--;
	}
	snprintf(key, sizeof(key), "ABSENT|%d", run->round);
	cr_assert_eq(kvp_store_delete(run->pool.store, key), 0, "%s",
		     kvp_error_last()->message);
	raw = tu_read_file(run->pool.path, &len);
	cr_assert(len == n * KVP_RECORD_SIZE && memcmp(raw, want, len) == 0,
		  "round %d: a scanning writer on %zu records (%zu "
		  "tombstones, %zu torn bytes) left %zu bytes that are not "
		  "them with the tombstones swap-removed",
		  run->round, a->count, a->n_tomb, a->torn, len);
	free(raw);
	free(want);
	run->scans++;
	run->tombs_by_test += a->n_tomb;
	run->torn_repaired += a->torn > 0;
}

/* Let the writer run for a random 20 us .. 20 ms (log-uniform; 4 ms more
 * when it must cut a torn tail first; times KVP_CRASH_SLOW), in a quarter of
 * the rounds reading the pool all the while; in another quarter of the batch
 * rounds, aim: wait for it to begin an append_multiple, then 20 .. 220 us more.
 */
static void wait_to_kill(struct run *run, const char *log_path,
			 bool torn_before)
{
	unsigned long long dice = next_rand(run);
	int shift = (int)(dice % 10), how = (int)((dice >> 40) % 4);
	long delay = (20L << shift) + (long)((dice >> 8) % (20UL << shift));

	/* A torn tail left for this writer: its first write waits 2 ms for
	 * the tail to settle before cutting it; let it get that far, */
	if (torn_before) {
		delay += 4000;
		how = 2; /* and no reader taking turns with it for the lock */
	}
	delay *= run->slow;
	if (how == 0) {
		read_until(run, crash_now_us() + delay);
	} else if (how == 1 && strcmp(run->mode, "batch") == 0 &&
		   watch_for_batch(log_path,
				   crash_now_us() + 20000 * run->slow)) {
		run->watched++;
		crash_sleep_us((20 + (long)(dice % 200)) * run->slow);
	} else {
		crash_sleep_us(delay);
	}
}

static void one_round(struct run *run, struct crash_snap *before)
{
	char *helper = tu_helper("kvp_writer");
	char *log_path = tu_path(run->pool.dir, "writer.log");
	char seed[32], first[32], maxrec[16];
	char *argv[] = {helper, run->pool.dir,	   log_path, seed,
			first,	(char *)run->mode, maxrec,   NULL};
	struct crash_round r = {.round = run->round,
				.mode = run->mode,
				.max_records = MAX_RECORDS,
				.before = before};
	struct crash_snap after;
	struct crash_proc proc;
	struct crash_log log;
	unsigned long long dice;

	unlink(log_path);
	snprintf(seed, sizeof(seed), "%llu", next_rand(run) >> 1);
	snprintf(first, sizeof(first), "%ld",
		 (long)(run->round + 1) * 1000000L);
	snprintf(maxrec, sizeof(maxrec), "%d", MAX_RECORDS);
	crash_proc_start(&proc, argv);
	wait_to_kill(run, log_path, before->torn > 0);
	crash_proc_kill(&proc);

	crash_log_read(&log, log_path);
	crash_snap_take(&after, run->pool.store, false);
	r.after = &after;
	r.log = &log;
	for (size_t i = 0; i < after.count; i++)
		if (after.recs[i].cls == REC_BAD)
			report_bad(run, &r, i);
	crash_check_round(&r);

	run->tombs += r.tombstones;
	run->tombs_kept += r.old_tombs;
	run->tombs_by_writer += r.tombs_dropped;
	run->backups += r.backups;
	run->ops += log.completed;
	run->inflight += log.inflight != NULL;
	if (log.inflight) {
		run->killed_in[log.inflight->kind]++;
		run->torn_in[log.inflight->kind] += after.torn > 0;
	}
	run->torn += after.torn > 0;
	/* A torn tail left to this writer: its first write cut it off
	 * (check_torn() fails on an old torn tail that is still there). */
	run->writer_repairs += before->torn && log.completed;
	run->dups += r.dup_records;
	dice = next_rand(run) % 3;
	if (after.torn && dice == 0)
		run->torn_left++; /* the next round's writer repairs it */
	else if (dice == 1)
		scan_as_next_writer(run, &after);
	else if (dice == 2 || after.torn)
		append_as_next_writer(run, &after);
	if (after.count > CLEANUP_AT)
		cleanup(run);
	crash_log_free(&log);
	crash_snap_free(&after);
	free(helper);
	free(log_path);
}

static void print_summary(const struct run *run, int rounds)
{
	const char *m = run->mode;

	fprintf(stderr,
		"crash %s: %d rounds, %zu ops completed, %zu kills inside an "
		"op (%zu aimed at an append_multiple), %zu concurrent reads, "
		"%zu cleanups\n",
		m, rounds, run->ops, run->inflight, run->watched, run->readers,
		run->cleanups);
	fprintf(
	    stderr,
	    "crash %s: %zu rounds left a torn tail: %zu cut by the test's "
	    "append or scan, %zu left to the next round's writer (%zu rounds "
	    "where a writer found one and cut it)\n",
	    m, run->torn, run->torn_repaired, run->torn_left,
	    run->writer_repairs);
	fprintf(stderr,
		"crash %s: left by kills: %zu tombstones (slots being "
		"rewritten), %zu insert backups, %zu second copies of moved "
		"records; %zu tombstones seen again by the next round, %zu "
		"dropped by the writer's scanning ops, %zu by the test's %zu "
		"scans\n",
		m, run->tombs, run->backups, run->dups, run->tombs_kept,
		run->tombs_by_writer, run->tombs_by_test, run->scans);
	fprintf(stderr, "crash %s: kills inside each op (torn tails):", m);
	for (int k = 0; k <= OP_EV; k++)
		fprintf(stderr, " %s %zu (%zu)", crash_op_name((enum op_kind)k),
			run->killed_in[k], run->torn_in[k]);
	fprintf(stderr, "\n");
}

static void run_rounds(const char *mode, int rounds)
{
	struct run run = {.mode = mode, .slow = env_long("KVP_CRASH_SLOW", 1)};
	long seed = env_long("KVP_CRASH_SEED", 1);

	run.rng =
	    (unsigned long long)seed * 1000003ULL + (unsigned char)mode[0];
	fprintf(stderr, "crash %s: seed %ld (KVP_CRASH_SEED), %d rounds\n",
		mode, seed, rounds);
	tu_pool_setup(&run.pool, KVP_MODE_SAFE);
	plant(&run);
	for (run.round = 0; run.round < rounds; run.round++) {
		struct crash_snap before;
		take(&run, &before, "before the writer");
		one_round(&run, &before);
		crash_snap_free(&before);
	}
	print_summary(&run, rounds);
	tu_pool_teardown(&run.pool);
}

static int rounds(int divisor)
{
	long n = env_long("KVP_CRASH_ROUNDS", DEFAULT_ROUNDS) / divisor;

	return n < 1 ? 1 : (int)n;
}

Test(crash, mixed_ops, .timeout = 300)
{
	run_rounds("mix", rounds(1));
}

Test(crash, big_batches, .timeout = 300)
{
	run_rounds("batch", rounds(2));
}

Test(crash, inplace_overwrites, .timeout = 300)
{
	run_rounds("inplace", rounds(2));
}
