/* test_lock_interop.c - our writers beside the pool's real other writers,
 * played by lock_holder: a cloud-init-like appender (O_APPEND, flock only,
 * 8 KiB buffered writes, so a batch is visible half-written) and an
 * hv_kvp_daemon-like updater (POSIX fcntl lock only, truncate and rewrite).
 * Our inserts and deletes must lose none of their records, and a writer
 * that skipped the flock would (the negative control). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock_ops.h"
#include "peer_record.h"
#include "peers.h"
#include "raw_pool.h"
#include "test_util.h"

static struct lock_fixture fx;

static void setup(void)
{
	lock_fixture_setup(&fx);
}

static void teardown(void)
{
	peers_reap_all();
	lock_fixture_teardown(&fx);
}

TestSuite(lock_interop, .init = setup, .fini = teardown, .timeout = 120);

/* --- many rounds beside both peers -------------------------------------- */

#define CI_ROUNDS      50
#define CI_BATCH       4
#define CI_RECORDS     (CI_ROUNDS * CI_BATCH)
#define HV_ROUNDS      80
#define OWN_KEYS       8
#define OWN_MIN_ROUNDS 100

/* What a locked reader may see at any instant: only whole, consistent
 * records; no cloud-init record that was once there missing; none of our
 * keys twice; the daemon's round never going back. */
struct watcher {
	pthread_t thread;
	atomic_int stop;
	unsigned long dumps;
	char err[256];
};

static int watch_once(struct watcher *w, bool seen[CI_RECORDS], long *round)
{
	bool now[CI_RECORDS] = {false}, own[OWN_KEYS] = {false}, hv = false;
	kvp_record_list l;
	int r = kvp_store_dump(fx.store, &l), n, id, seq, k;

	if (r < 0) {
		snprintf(w->err, sizeof(w->err), "dump: %s",
			 kvp_error_last()->message);
		return 1;
	}
	for (size_t i = 0; !w->err[0] && i < l.count; i++) {
		const kvp_record *rec = &l.records[i];
		const char *bad = raw_check_record(rec->key, rec->key_len,
						   rec->value, rec->value_len);
		n = 0;
		if (bad)
			snprintf(w->err, sizeof(w->err), "%s: %s", rec->key,
				 bad);
		else if (sscanf(rec->key, "CI|%d|%d%n", &id, &seq, &n) == 2 &&
			 (size_t)n == rec->key_len && seq >= 0 &&
			 seq < CI_RECORDS)
			now[seq] = true;
		else if (sscanf(rec->key, "OWN|%d%n", &k, &n) == 1 &&
			 (size_t)n == rec->key_len && k >= 0 && k < OWN_KEYS &&
			 !own[k])
			own[k] = true;
		else if (strcmp(rec->key, RAW_DAEMON_KEY) == 0 && !hv &&
			 atol(rec->value + 6) >= *round) {
			*round = atol(rec->value + 6);
			hv = true;
		} else
			snprintf(w->err, sizeof(w->err),
				 "unexpected or repeated record %s", rec->key);
	}
	if (!w->err[0] && l.torn_bytes)
		snprintf(w->err, sizeof(w->err), "saw %zu torn bytes",
			 l.torn_bytes);
	for (int i = 0; !w->err[0] && i < CI_RECORDS; i++) {
		if (seen[i] && !now[i])
			snprintf(w->err, sizeof(w->err), "CI|1|%d vanished", i);
		seen[i] = now[i];
	}
	kvp_record_list_free(&l);
	return w->err[0] != 0;
}

static void *watch(void *arg)
{
	struct watcher *w = arg;
	bool seen[CI_RECORDS] = {false};
	long round = 0;

	/* A pause between dumps, or back-to-back shared locks would starve
	 * the writers (Linux grants a shared flock beside a waiting
	 * exclusive one). */
	while (!atomic_load(&w->stop) && !watch_once(w, seen, &round)) {
		struct timespec pause = {0, 500000};

		w->dumps++;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* One of our rounds: insert or delete one of our keys; model[k] is the
 * round whose insert is its value, or -1 when deleted. */
static void own_round(int round, int model[OWN_KEYS])
{
	char key[32], note[32], value[PR_VALUE_MAX + 1];
	int k = round % OWN_KEYS, r;

	snprintf(key, sizeof(key), "OWN|%d", k);
	if (round % 3 == 2) {
		r = kvp_store_delete(fx.store, key);
		cr_assert_eq(r, model[k] >= 0, "delete %s: %d %s", key, r,
			     kvp_error_last()->message);
		model[k] = -1;
		return;
	}
	snprintf(note, sizeof(note), "r%d", round);
	pr_make_value(value, key, note);
	cr_assert_eq(kvp_store_insert(fx.store, key, value), 0, "insert %s: %s",
		     key, kvp_error_last()->message);
	model[k] = round;
}

static void expect_final(const int model[OWN_KEYS], int rounds)
{
	struct raw_pool p;
	char key[32], note[32];
	size_t at, own = 0;

	raw_pool_load(fx.path, &p); /* every record whole */
	for (int seq = 0; seq < CI_RECORDS; seq++) {
		snprintf(key, sizeof(key), "CI|1|%d", seq);
		cr_assert_eq(raw_pool_count(&p, key, NULL), 1,
			     "cloud-init record %s lost or doubled", key);
	}
	cr_assert_eq(raw_pool_count(&p, RAW_DAEMON_KEY, &at), 1);
	snprintf(note, sizeof(note), "round=%d", HV_ROUNDS);
	cr_assert_str_eq(p.recs[at].value, note, "a daemon update was lost");
	for (int k = 0; k < OWN_KEYS; k++) {
		snprintf(key, sizeof(key), "OWN|%d", k);
		cr_assert_eq(raw_pool_count(&p, key, &at), model[k] >= 0, "%s",
			     key);
		if (model[k] < 0)
			continue;
		snprintf(note, sizeof(note), "r%d", model[k]);
		cr_assert_str_eq(p.recs[at].note, note, "%s", key);
		own++;
	}
	cr_assert_eq(p.count, CI_RECORDS + 1 + own);
	cr_log_info("%d rounds of ours beside %d cloud-init batches and %d "
		    "daemon rewrites: %zu records, all present",
		    rounds, CI_ROUNDS, HV_ROUNDS, p.count);
	raw_pool_free(&p);
}

/* The requirement: an insert/delete running beside a flock-only
 * appender and beside a POSIX-lock holder loses nothing. The two peers
 * share a side lock that keeps *them* apart (they do not see each other's
 * locks and would lose each other's records); our store knows nothing of
 * it and must stay safe beside each of them. */
Test(lock_interop, insert_delete_beside_cloudinit_and_daemon_lose_nothing)
{
	char *side = tu_path(fx.dir, "peers.lock");
	const char *ci[] = {"cloudinit", fx.path, "1",	"50",
			    "4",	 "300",	  side, NULL};
	const char *hv[] = {"daemon", fx.path, "80", "500", side, NULL};
	struct peer cloudinit = {0}, daemon = {0};
	struct watcher w = {0};
	int model[OWN_KEYS], round = 0, st_ci = -1, st_hv = -1;
	bool ci_done = false, hv_done = false;

	cr_assert_eq(CI_ROUNDS, atoi(ci[3]));
	cr_assert_eq(CI_BATCH, atoi(ci[4]));
	cr_assert_eq(HV_ROUNDS, atoi(hv[2]));
	for (int k = 0; k < OWN_KEYS; k++)
		model[k] = -1;
	cr_assert_eq(kvp_store_clear(fx.store), 0);
	kvp_store_set_lock_timeout(fx.store, 20000);
	peer_start_ready(&cloudinit, ci);
	peer_start_ready(&daemon, hv);
	cr_assert_eq(pthread_create(&w.thread, NULL, watch, &w), 0);
	while (!ci_done || !hv_done || round < OWN_MIN_ROUNDS) {
		own_round(round++, model);
		ci_done = ci_done || peer_exited(&cloudinit, &st_ci);
		hv_done = hv_done || peer_exited(&daemon, &st_hv);
	}
	atomic_store(&w.stop, 1);
	pthread_join(w.thread, NULL);
	cr_assert_eq(st_ci, 0, "cloud-init peer status %#x", st_ci);
	cr_assert_eq(st_hv, 0, "daemon peer status %#x", st_hv);
	cr_assert_str_empty(w.err, "a locked reader saw: %s", w.err);
	cr_assert_gt(w.dumps, 0);
	expect_final(model, round);
	free(side);
}

/* --- one cloud-init batch stopped half-written -------------------------- */

/* lock_holder cloudinit-step: flock taken, the first 8 KiB of 4 records
 * (3 whole and 512 bytes of the 4th) written, then it waits for "go". */
static void start_half_batch(struct peer *p)
{
	const char *args[] = {"cloudinit-step", fx.path, "7", "4", NULL};

	peer_start(p, args);
	peer_expect(p, "mid");
	cr_assert_eq(tu_file_size(fx.path), 3 * KVP_RECORD_SIZE + 8192);
}

static void finish_batch(struct peer *p)
{
	peer_send(p, "go");
	cr_assert_eq(peer_wait(p, PEER_START_TIMEOUT_MS), 0);
}

/* NEGATIVE CONTROL: what our delete would do holding the OFD lock alone
 * (no flock): the OFD lock is granted at once, since cloud-init holds only
 * its flock; the torn tail is cut and the last record moved into the
 * hole, exactly as a writer must - and cloud-init's batch is ruined when
 * it goes on appending. This is why libkvpcore takes the flock too. */
static void ofd_only_delete(const char *key)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat st;
	unsigned char *data, rec[KVP_RECORD_SIZE];
	size_t n, len;
	int fd = open(fx.path, O_RDWR | O_CLOEXEC);

	cr_assert(fd >= 0);
	cr_assert_eq(fcntl(fd, F_OFD_SETLK, &fl), 0,
		     "the OFD lock should be free beside cloud-init");
	cr_assert_eq(fstat(fd, &st), 0);
	n = (size_t)st.st_size / KVP_RECORD_SIZE;
	cr_assert_eq(ftruncate(fd, (off_t)(n * KVP_RECORD_SIZE)), 0);
	data = tu_read_file(fx.path, &len);
	cr_assert_eq(len, n * KVP_RECORD_SIZE);
	for (size_t i = 0; i < n; i++) {
		if (strcmp((char *)data + i * KVP_RECORD_SIZE, key) != 0)
			continue;
		memcpy(rec, data + (n - 1) * KVP_RECORD_SIZE, sizeof(rec));
		cr_assert_eq(
		    pwrite(fd, rec, sizeof(rec), (off_t)(i * KVP_RECORD_SIZE)),
		    (ssize_t)sizeof(rec));
		cr_assert_eq(ftruncate(fd, (off_t)((n - 1) * KVP_RECORD_SIZE)),
			     0);
		break;
	}
	free(data);
	close(fd); /* drops the OFD lock */
}

Test(lock_interop, negative_control_ofd_only_writer_loses_cloudinit_records)
{
	struct peer p = {0};
	unsigned char want[KVP_RECORD_SIZE];
	char value[PR_VALUE_MAX + 1];
	unsigned char *data;
	size_t len, whole = 0;

	start_half_batch(&p);
	ofd_only_delete("K|0|2");
	finish_batch(&p);

	pr_make_value(value, "CI|7|3", "ci");
	pr_encode(want, "CI|7|3", value);
	data = tu_read_file(fx.path, &len);
	/* [K0 K1 CI2 CI0 CI1] then the last 2048 bytes of CI3. */
	cr_assert_eq(len, 5 * KVP_RECORD_SIZE + 2048);
	for (size_t i = 0; i + KVP_RECORD_SIZE <= len; i += KVP_RECORD_SIZE)
		whole += memcmp(data + i, want, sizeof(want)) == 0;
	cr_assert_eq(whole, 0, "CI|7|3 survived: the control shows nothing");
	free(data);
}

struct waiting_delete {
	pthread_t thread;
	atomic_int started;
	int result;
	double ms;
};

static void *delete_waiting(void *arg)
{
	struct waiting_delete *d = arg;
	double t0 = peers_now_ms();

	atomic_store(&d->started, 1);
	d->result = kvp_store_delete(fx.store, "K|0|2");
	d->ms = peers_now_ms() - t0;
	return NULL;
}

/* The same moment with libkvpcore: neither a writer nor a reader gets in
 * while the batch is half-written; a delete that waits runs after it and
 * every record of the batch survives, whole. */
Test(lock_interop, store_waits_for_a_half_written_cloudinit_batch)
{
	struct waiting_delete d = {0};
	struct peer p = {0};
	struct raw_pool pool;
	char key[32];

	start_half_batch(&p);
	lock_expect_timeout(&fx, OP_DELETE, 150, 1000, "half batch");
	cr_assert(strstr(kvp_error_last()->message, "flock") != NULL, "%s",
		  kvp_error_last()->message);
	lock_expect_timeout(&fx, OP_DUMP, 150, 1000, "half batch");
	kvp_store_set_lock_timeout(fx.store, 20000);
	cr_assert_eq(pthread_create(&d.thread, NULL, delete_waiting, &d), 0);
	/* Let the delete start waiting. Nothing below depends on it: the
	 * result must be the same whichever of the two goes first. */
	while (!atomic_load(&d.started))
		sched_yield();
	usleep(50000);
	finish_batch(&p);
	pthread_join(d.thread, NULL);
	cr_assert_eq(d.result, 1, "delete: %d", d.result);
	cr_log_info("delete beside the half-written batch waited %.0f ms",
		    d.ms);

	raw_pool_load(fx.path, &pool);
	cr_assert_eq(pool.count, 6);
	cr_assert_eq(raw_pool_count(&pool, "K|0|2", NULL), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "CI|7|%d", i);
		cr_assert_eq(raw_pool_count(&pool, key, NULL), 1, "%s", key);
	}
	raw_pool_free(&pool);
}
