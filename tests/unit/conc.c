/* conc.c - the runner of the concurrency scenarios (see conc.h): starts
 * the workers together as threads or forked processes, collects what they
 * report, and the helpers the scenarios share.
 *
 * Workers never assert (Criterion asserts belong to the test's main
 * thread): each returns 0, or 1 with a message in shared memory that the
 * runner reports. The pool's lock timeout is long: these tests are about
 * what contention does to the data, not about how long it waits.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "conc.h"
#include "conc_run.h"
#include "peer_record.h"
#include "peers.h"
#include "raw_pool.h"
#include "test_util.h"

#define LOCK_TIMEOUT_MS 20000
#define JOIN_TIMEOUT_MS 120000

struct worker_state {
	int rc;
	unsigned long calls;
	double slowest_ms;
	char err[256];
};

/* In MAP_SHARED memory, so forked workers report here too. */
struct shared {
	atomic_int ready;
	atomic_int go;
	atomic_int writers_left;
	struct worker_state w[CONC_WORKERS];
};

typedef int (*worker_fn)(int id);

static char *dir;
kvp_store *conc_store;
static struct shared *sh;
static worker_fn current;

void conc_setup(void)
{
	dir = tu_mkdtemp();
	conc_store = tu_store(dir, KVP_MODE_SAFE);
	kvp_store_set_lock_timeout(conc_store, LOCK_TIMEOUT_MS);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(sh != MAP_FAILED);
}

void conc_teardown(void)
{
	peers_reap_all();
	if (sh && sh != MAP_FAILED)
		munmap(sh, sizeof(*sh));
	sh = NULL;
	kvp_store_free(conc_store);
	conc_store = NULL;
	tu_rmtree(dir);
	free(dir);
	dir = NULL;
}

int conc_fail(int id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->w[id].err, sizeof(sh->w[id].err), fmt, ap);
	va_end(ap);
	return 1;
}

/* Account one store call that started at t0. */
void conc_timed(int id, double t0)
{
	double ms = peers_now_ms() - t0;

	sh->w[id].calls++;
	if (ms > sh->w[id].slowest_ms)
		sh->w[id].slowest_ms = ms;
}

static int run_one(int id)
{
	struct timespec nap = {0, 100000};

	atomic_fetch_add(&sh->ready, 1);
	while (!atomic_load(&sh->go))
		nanosleep(&nap, NULL);
	return current(id);
}

static void *thread_main(void *arg)
{
	int id = (int)(intptr_t)arg;

	sh->w[id].rc = run_one(id);
	return NULL;
}

static int proc_main(void *arg)
{
	return run_one((int)(intptr_t)arg);
}

/* Start all workers together, wait for them, assert each succeeded. */
void conc_run(enum conc_runner how, const char *name, worker_fn fn, int writers)
{
	pthread_t threads[CONC_WORKERS];
	pid_t pids[CONC_WORKERS];
	struct timespec nap = {0, 1000000};
	double t0, slowest = 0;
	unsigned long calls = 0;

	memset(sh, 0, sizeof(*sh));
	atomic_store(&sh->writers_left, writers);
	current = fn;
	for (int id = 0; id < CONC_WORKERS; id++) {
		void *arg = (void *)(intptr_t)id;
		if (how == CONC_THREADS)
			cr_assert_eq(pthread_create(&threads[id], NULL,
						    thread_main, arg),
				     0);
		else
			pids[id] = peer_fork(proc_main, arg);
	}
	t0 = peers_now_ms();
	while (atomic_load(&sh->ready) < CONC_WORKERS) {
		cr_assert(peers_now_ms() - t0 < JOIN_TIMEOUT_MS,
			  "workers did not start");
		nanosleep(&nap, NULL);
	}
	t0 = peers_now_ms();
	atomic_store(&sh->go, 1);
	for (int id = 0; id < CONC_WORKERS; id++) {
		if (how == CONC_THREADS) {
			pthread_join(threads[id], NULL);
		} else {
			int st = peer_wait_pid(pids[id], JOIN_TIMEOUT_MS);
			cr_assert(WIFEXITED(st), "worker %d died (status %#x)",
				  id, st);
			sh->w[id].rc = WEXITSTATUS(st);
		}
	}
	for (int id = 0; id < CONC_WORKERS; id++) {
		cr_assert_eq(sh->w[id].rc, 0, "%s worker %d: %s", name, id,
			     sh->w[id].err);
		calls += sh->w[id].calls;
		if (sh->w[id].slowest_ms > slowest)
			slowest = sh->w[id].slowest_ms;
	}
	cr_log_info("%s (%s): %lu store calls in %.0f ms, slowest %.1f ms",
		    name, how == CONC_THREADS ? "threads" : "processes", calls,
		    peers_now_ms() - t0, slowest);
}

/* Insert key with `note`, then read it back: only the caller writes it,
 * so the read must return exactly that value. */
int conc_insert_own(int id, const char *key, const char *note)
{
	char value[PR_VALUE_MAX + 1], *got = NULL;
	double t0 = peers_now_ms();
	int r;

	pr_make_value(value, key, note);
	r = kvp_store_insert(conc_store, key, value);
	conc_timed(id, t0);
	if (r < 0)
		return conc_fail(id, "insert %s: %s", key,
				 kvp_error_last()->message);
	t0 = peers_now_ms();
	r = kvp_store_read(conc_store, key, &got, NULL);
	conc_timed(id, t0);
	if (r != 1) {
		free(got);
		return conc_fail(id, "read %s after insert: %d %s", key, r,
				 kvp_error_last()->message);
	}
	r = strcmp(got, value) != 0;
	free(got);
	return r ? conc_fail(id, "read %s: not the value just inserted", key)
		 : 0;
}

/* A dump or entries result as every reader must see it: no error, no
 * torn tail, every record whole and consistent. */
int conc_check_list(int id, int r, const kvp_record_list *l, const char *what)
{
	if (r < 0)
		return conc_fail(id, "%s: %s", what, kvp_error_last()->message);
	if (l->torn_bytes)
		return conc_fail(id, "%s: saw %zu torn bytes", what,
				 l->torn_bytes);
	for (size_t i = 0; i < l->count; i++) {
		const kvp_record *rec = &l->records[i];
		const char *bad = raw_check_record(rec->key, rec->key_len,
						   rec->value, rec->value_len);
		if (bad)
			return conc_fail(id, "%s: record %zu (%.40s): %s", what,
					 i, rec->key, bad);
	}
	return 0;
}

int conc_writers_left(void)
{
	return atomic_load(&sh->writers_left);
}

void conc_writer_done(void)
{
	atomic_fetch_sub(&sh->writers_left, 1);
}
