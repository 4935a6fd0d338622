/* test_cloudinit_race.c - kvpctl and libkvpcore writing one pool while
 * cloud-init's real KVP handler appends to it, then nothing lost or torn.
 *
 * Each round runs six kvpctl commands: set a slot key (in place), append
 * then set a dup key (the set swap-removes the duplicate), append then
 * delete a tmp key (the delete moves the last record, often cloud-init's,
 * into the hole and truncates), and get the slot back. After every command
 * the test sends cloud-init a "tick" (1..3 new events, long ones split into
 * several records, published from its own thread while the next command
 * runs) and lets a libkvpcore thread append (a single record or a batch of
 * three). So cloud-init's O_APPEND+flock batches, kvpctl's truncating edits
 * and libkvpcore's appends overlap for the whole run.
 *
 * Afterwards: the file is a whole number of records; every record
 * cloud-init reports it wrote is there exactly once, byte for byte; our
 * keys hold exactly their expected final values; no other record exists;
 * and cloud-init's own reader returns the same records as libkvpcore.
 * KVP_CLOUDINIT_ROUNDS overrides the number of rounds (default 100; fewer
 * under valgrind, where every kvpctl start costs about a second).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloudinit_util.h"
#include "peer_record.h"
#include "test_util.h"

#define DEFAULT_ROUNDS	  100
#define SLOTS		  8
#define DUPS		  4
#define KVPCTL_TIMEOUT_MS 30000

static char *dir, *pool;
static kvp_store *store;
static struct cp_child cloudinit;

/* The libkvpcore appender: one append per tick the test grants it. */
static struct {
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t granted, done, records;
	int stop, err;
	char msg[256];
} app = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void setup(void)
{
	dir = tu_mkdtemp();
	pool = tu_path(dir, ".kvp_pool_1");
	store = tu_store(dir, KVP_MODE_SAFE);
}

static void stop_appender(void)
{
	if (!app.started)
		return;
	pthread_mutex_lock(&app.mu);
	app.stop = 1;
	pthread_cond_signal(&app.cv);
	pthread_mutex_unlock(&app.mu);
	pthread_join(app.thread, NULL);
	app.started = 0;
}

static void teardown(void)
{
	stop_appender();
	cp_kill(&cloudinit);
	kvp_store_free(store);
	tu_rmtree(dir);
	free(dir);
	free(pool);
}

static void make(char *key, size_t cap, char *value, const char *fmt, size_t n,
		 const char *note)
{
	snprintf(key, cap, fmt, n);
	cr_assert_gt(pr_make_value(value, key, note), 0);
}

/* Tick t appends OUR|lib|t|0, or (odd t) OUR|lib|t|0..2 in one batch. */
static size_t lib_tick_pairs(size_t t, char keys[3][64],
			     char values[3][PR_VALUE_MAX + 1])
{
	size_t n = t % 2 ? 3 : 1;
	char note[32];

	snprintf(note, sizeof(note), "t%zu", t);
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[i], 64, "OUR|lib|%zu|%zu", t, i);
		cr_assert_gt(pr_make_value(values[i], keys[i], note), 0);
	}
	return n;
}

static void *appender(void *arg)
{
	(void)arg;
	for (;;) {
		char keys[3][64], values[3][PR_VALUE_MAX + 1];
		kvp_pair pairs[3];
		size_t t, n;
		int r;

		pthread_mutex_lock(&app.mu);
		while (app.done == app.granted && !app.stop)
			pthread_cond_wait(&app.cv, &app.mu);
		t = app.done;
		/* Stopped: granted ticks are still done, then it ends. */
		if (t == app.granted) {
			pthread_mutex_unlock(&app.mu);
			return NULL;
		}
		pthread_mutex_unlock(&app.mu);
		n = lib_tick_pairs(t, keys, values);
		for (size_t i = 0; i < n; i++)
			pairs[i] = (kvp_pair){keys[i], strlen(keys[i]),
					      values[i], strlen(values[i])};
		r = n == 1 ? kvp_store_append(store, keys[0], values[0])
			   : kvp_store_append_multiple(store, pairs, n);
		pthread_mutex_lock(&app.mu);
		if (r < 0) {
			app.err = r;
			snprintf(app.msg, sizeof(app.msg), "%s",
				 kvp_error_last()->message);
			app.stop = 1;
		} else {
			app.done++;
			app.records += n;
		}
		pthread_mutex_unlock(&app.mu);
		if (r < 0)
			return NULL;
	}
}

static size_t kvpctl_ops;

/* Run kvpctl --dir DIR ARGS; assert its status; return stdout. */
static char *kvpctl(int status, const char *const *args)
{
	const char *argv[16] = {getenv("KVPCTL"), "--dir", dir};
	struct cp_result r;
	size_t n = 3;
	char *out;

	cr_assert_not_null(argv[0], "KVPCTL is not set (run via make)");
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cp_run(argv, KVPCTL_TIMEOUT_MS, &r);
	cr_assert_eq(r.status, status, "kvpctl %s %s: exit %d; stderr: %s",
		     argv[3], argv[4], r.status, r.err);
	kvpctl_ops++;
	out = r.out;
	r.out = NULL;
	cp_result_free(&r);
	return out;
}
#define KVPCTL(status, ...)                                                    \
	free(kvpctl((status), (const char *const[]){__VA_ARGS__, NULL}))

/* After each kvpctl command: cloud-init publishes, libkvpcore appends. */
static void tick(void)
{
	cp_send(&cloudinit, "tick");
	pthread_mutex_lock(&app.mu);
	cr_assert_eq(app.err, 0, "libkvpcore append: %s", app.msg);
	app.granted++;
	pthread_cond_signal(&app.cv);
	pthread_mutex_unlock(&app.mu);
}

static void round_of_six(int r)
{
	char key[64], value[PR_VALUE_MAX + 1], note[32];
	char *got;

	snprintf(note, sizeof(note), "r%d", r);
	make(key, sizeof(key), value, "OUR|slot|%zu", (size_t)r % SLOTS, note);
	KVPCTL(0, "set", key, value);
	tick();
	got = kvpctl(0, (const char *const[]){"get", "--raw", key, NULL});
	cr_assert_str_eq(got, value, "get %s during the race", key);
	free(got);
	tick();

	snprintf(note, sizeof(note), "a%d", r);
	make(key, sizeof(key), value, "OUR|dup|%zu", (size_t)r % DUPS, note);
	KVPCTL(0, "append", key, value);
	tick();
	snprintf(note, sizeof(note), "s%d", r);
	make(key, sizeof(key), value, "OUR|dup|%zu", (size_t)r % DUPS, note);
	KVPCTL(0, "set", key, value);
	tick();

	/* A new key would be refused once the pool holds 1024 unique keys
	 * (cloud-init's keys count): append, then delete it. */
	make(key, sizeof(key), value, "OUR|tmp|%zu", (size_t)r, "t");
	KVPCTL(0, "append", key, value);
	tick();
	KVPCTL(0, "delete", key);
	tick();
}

/* Our records as they must be after `rounds` rounds and `ticks` ticks. */
static void expected_ours(int rounds, size_t ticks, struct ci_recs *out)
{
	char key[64], value[PR_VALUE_MAX + 1], note[32];

	memset(out, 0, sizeof(*out));
	for (int j = 0; j < SLOTS; j++) {
		int last = j + (rounds - 1 - j) / SLOTS * SLOTS;
		snprintf(note, sizeof(note), "r%d", last);
		make(key, sizeof(key), value, "OUR|slot|%zu", (size_t)j,
		     j < rounds ? note : "init");
		ci_recs_add(out, key, strlen(key), value, strlen(value));
	}
	for (int j = 0; j < DUPS; j++) {
		int last = j + (rounds - 1 - j) / DUPS * DUPS;
		snprintf(note, sizeof(note), "s%d", last);
		make(key, sizeof(key), value, "OUR|dup|%zu", (size_t)j,
		     j < rounds ? note : "init");
		ci_recs_add(out, key, strlen(key), value, strlen(value));
	}
	for (size_t t = 0; t < ticks; t++) {
		char keys[3][64], values[3][PR_VALUE_MAX + 1];
		size_t n = lib_tick_pairs(t, keys, values);
		for (size_t i = 0; i < n; i++)
			ci_recs_add(out, keys[i], strlen(keys[i]), values[i],
				    strlen(values[i]));
	}
}

static int rounds_wanted(void)
{
	const char *s = getenv("KVP_CLOUDINIT_ROUNDS");
	int n = s ? atoi(s) : DEFAULT_ROUNDS;

	cr_assert(n >= 1, "KVP_CLOUDINIT_ROUNDS must be >= 1");
	return n;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

Test(cloudinit_race, kvpctl_and_libkvpcore_beside_the_handler, .init = setup,
     .fini = teardown)
{
	int rounds = rounds_wanted();
	struct ci_recs wrote, pool_recs, ci_in_pool = {0}, ours_in_pool = {0},
					 want_ours, theirs;
	size_t missing, extra, torn = 0;
	struct timespec t0;
	json_t *final;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Our keys exist before the race: every later set is in place. */
	for (int j = 0; j < SLOTS; j++) {
		char key[64], value[PR_VALUE_MAX + 1];
		make(key, sizeof(key), value, "OUR|slot|%zu", (size_t)j,
		     "init");
		cr_assert_eq(kvp_store_insert(store, key, value), 0);
		if (j >= DUPS)
			continue;
		make(key, sizeof(key), value, "OUR|dup|%zu", (size_t)j, "init");
		cr_assert_eq(kvp_store_insert(store, key, value), 0);
	}
	ci_serve(&cloudinit, pool, 42);
	cr_assert_eq(pthread_create(&app.thread, NULL, appender, NULL), 0);
	app.started = 1;

	for (int r = 0; r < rounds; r++)
		round_of_six(r);

	stop_appender();
	cr_assert_eq(app.err, 0, "libkvpcore append: %s", app.msg);
	cr_assert_eq(app.done, app.granted);
	final = ci_serve_stop(&cloudinit);
	ci_recs_published(final, &wrote);

	/* Every record whole: the size, then each record on its own. */
	cr_assert_eq(tu_file_size(pool) % KVP_RECORD_SIZE, 0,
		     "pool size %lld is not a whole number of records",
		     (long long)tu_file_size(pool));
	ci_recs_dump(store, &pool_recs);
	for (size_t i = 0; i < pool_recs.n; i++) {
		const struct ci_rec *rec = &pool_recs.v[i];
		if (ci_has_prefix(rec, "CLOUD_INIT|")) {
			ci_recs_add(&ci_in_pool, rec->key, rec->key_len,
				    rec->value, rec->value_len);
			continue;
		}
		cr_assert(ci_has_prefix(rec, "OUR|"),
			  "record %zu belongs to nobody: %.100s", i, rec->key);
		if (!pr_value_ok(rec->key, rec->key_len, rec->value,
				 rec->value_len, NULL, 0))
			torn++;
		ci_recs_add(&ours_in_pool, rec->key, rec->key_len, rec->value,
			    rec->value_len);
	}
	cr_assert_eq(torn, 0, "%zu of our records are torn", torn);

	ci_diff(&wrote, &ci_in_pool, &missing, &extra);
	cr_assert(missing == 0 && extra == 0,
		  "cloud-init wrote %zu records: %zu lost, %zu extra or torn",
		  wrote.n, missing, extra);
	expected_ours(rounds, app.done, &want_ours);
	ci_diff(&want_ours, &ours_in_pool, &missing, &extra);
	cr_assert(missing == 0 && extra == 0,
		  "our records: %zu expected, %zu missing, %zu unexpected",
		  want_ours.n, missing, extra);

	/* cloud-init's own reader sees exactly what libkvpcore sees. */
	ci_recs_cloudinit(pool, &theirs);
	ci_assert_same(&pool_recs, &theirs, "cloud-init's reader vs dump");

	fprintf(stderr,
		"cloudinit race: %d rounds, %zu kvpctl commands, %zu "
		"libkvpcore appends (%zu records); cloud-init: %lld events "
		"in %lld batches (%zu records); final pool %zu records; "
		"%.1f s\n",
		rounds, kvpctl_ops, app.done, app.records,
		json_integer_value(json_object_get(final, "events")),
		json_integer_value(json_object_get(final, "batches")), wrote.n,
		pool_recs.n, seconds_since(&t0));
	json_decref(final);
	ci_recs_free(&wrote);
	ci_recs_free(&pool_recs);
	ci_recs_free(&ci_in_pool);
	ci_recs_free(&ours_in_pool);
	ci_recs_free(&want_ours);
	ci_recs_free(&theirs);
}
