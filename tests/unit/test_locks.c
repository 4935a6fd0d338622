/* test_locks.c - lock timeouts and lock families: every operation against
 * a holder of flock, of a classic POSIX fcntl lock (hv_kvp_daemon) and of
 * an OFD lock, held by another process (lock_holder) or by another thread
 * of this one; what a waiter does once the holder lets go or dies; a torn
 * tail left by a writer killed mid-record. Times are measured with
 * CLOCK_MONOTONIC and checked against generous bounds: they are what the
 * timeout promises, not speed goals. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock_ops.h"
#include "peer_record.h"
#include "peers.h"
#include "raw_pool.h"
#include "test_util.h"

#define TIMEOUT_MS 150
/* How much later than its timeout an operation may return: slack for a
 * loaded machine and valgrind, far below any real hang. */
#define MARGIN_MS 1000

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

TestSuite(locks, .init = setup, .fini = teardown, .timeout = 60);

/* lock_holder FAMILY ACCESS PATH: holds until killed (60 s at most). */
static void hold(struct peer *p, const char *family, const char *access)
{
	const char *args[] = {family, access, fx.path, "60", NULL};

	peer_start_ready(p, args);
}

/* --- another process holds the lock ------------------------------------- */

struct lock_case {
	int family; /* index into families[] */
	int holder_writes;
};

static const char *const families[] = {"flock", "posix", "ofd"};

ParameterizedTestParameters(locks, holder_blocks_or_shares)
{
	static struct lock_case cases[3 * 2];
	size_t n = 0;

	for (int f = 0; f < 3; f++)
		for (int h = 0; h < 2; h++)
			cases[n++] = (struct lock_case){f, h};
	return cr_make_param_array(struct lock_case, cases, n);
}

/* A shared holder lets readers in and keeps writers out; an exclusive one
 * keeps everybody out, whichever family it uses. */
ParameterizedTest(struct lock_case *c, locks, holder_blocks_or_shares)
{
	static const enum lock_op reads[] = {OP_READ, OP_ENTRIES};
	static const enum lock_op writes[] = {OP_INSERT, OP_DELETE};
	struct peer p = {0};
	char why[64];

	snprintf(why, sizeof(why), "%s %s holder", families[c->family],
		 c->holder_writes ? "exclusive" : "shared");
	hold(&p, families[c->family], c->holder_writes ? "write" : "read");
	for (int i = 0; i < 2; i++) {
		if (c->holder_writes)
			lock_expect_timeout(&fx, reads[i], TIMEOUT_MS,
					    MARGIN_MS, why);
		else
			lock_expect_ok(&fx, reads[i], TIMEOUT_MS, why);
		lock_expect_timeout(&fx, writes[i], TIMEOUT_MS, MARGIN_MS, why);
	}
}

Test(locks, every_locking_operation_times_out)
{
	struct peer p = {0};

	hold(&p, "both", "write");
	for (int op = 0; op < OP_COUNT; op++)
		lock_expect_timeout(&fx, (enum lock_op)op, 100, MARGIN_MS,
				    "flock+OFD holder");
}

Test(locks, timeout_zero_tries_once)
{
	struct peer p = {0};

	hold(&p, "both", "write");
	lock_expect_timeout(&fx, OP_INSERT, 0, MARGIN_MS, "timeout 0");
	lock_expect_timeout(&fx, OP_READ, 0, MARGIN_MS, "timeout 0");
	peer_kill(&p);
	lock_expect_ok(&fx, OP_INSERT, 0, "timeout 0, no holder");
	lock_expect_ok(&fx, OP_READ, 0, "timeout 0, no holder");
}

/* Against a POSIX holder the flock is granted and the wait is for the
 * fcntl lock: giving up must release the flock, or cloud-init would be
 * shut out by a writer that is not even writing. */
Test(locks, timed_out_wait_holds_nothing)
{
	struct peer p = {0};
	int fd;

	hold(&p, "posix", "write");
	lock_expect_timeout(&fx, OP_INSERT, TIMEOUT_MS, MARGIN_MS,
			    "posix holder");
	cr_assert(strstr(kvp_error_last()->message, "fcntl") != NULL, "%s",
		  kvp_error_last()->message);
	fd = open(fx.path, O_RDWR | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0,
		     "the flock is still held after the timeout");
	close(fd);
}

Test(locks, killed_holder_releases_the_lock)
{
	for (int f = 0; f < 3; f++) {
		struct peer p = {0};

		hold(&p, families[f], "write");
		lock_expect_timeout(&fx, OP_INSERT, TIMEOUT_MS, MARGIN_MS,
				    families[f]);
		peer_kill(&p);
		lock_expect_ok(&fx, OP_INSERT, TIMEOUT_MS, families[f]);
		lock_expect_ok(&fx, OP_READ, TIMEOUT_MS, families[f]);
	}
}

/* A waiter gets the lock as soon as the holder lets go, not at its
 * deadline: the holder leaves on its own after 0.3 s. */
Test(locks, waiter_proceeds_when_the_holder_leaves)
{
	for (int f = 0; f < 3; f++) {
		const char *args[] = {families[f], "write", fx.path, "0.3",
				      NULL};
		struct peer p = {0};
		double t0, ms;

		peer_start_ready(&p, args);
		kvp_store_set_lock_timeout(fx.store, 20000);
		t0 = peers_now_ms();
		cr_assert_eq(kvp_store_insert(fx.store, "K|0|0", fx.value0), 0,
			     "%s", kvp_error_last()->message);
		ms = peers_now_ms() - t0;
		cr_assert_lt(ms, 10000, "%s: waited %.0f ms", families[f], ms);
		cr_assert_eq(peer_wait(&p, PEER_START_TIMEOUT_MS), 0);
		cr_log_info("%s holder leaving after 300 ms: insert waited "
			    "%.0f ms",
			    families[f], ms);
	}
}

/* --- another thread of this process holds the lock ---------------------- */

enum thread_hold { HOLD_BOTH_EX, HOLD_OFD_EX, HOLD_BOTH_SH, HOLD_POSIX_EX };

struct holder_thread {
	pthread_t thread;
	pthread_barrier_t barrier; /* locked, then release */
	enum thread_hold how;
	int err;
};

static void *holder_main(void *arg)
{
	struct holder_thread *h = arg;
	bool ex = h->how != HOLD_BOTH_SH;
	struct flock fl = {.l_type = ex ? F_WRLCK : F_RDLCK,
			   .l_whence = SEEK_SET};
	int fd = open(fx.path, O_RDWR | O_CLOEXEC);

	if (fd < 0 ||
	    (h->how <= HOLD_BOTH_SH && h->how != HOLD_OFD_EX &&
	     flock(fd, ex ? LOCK_EX : LOCK_SH)) ||
	    fcntl(fd, h->how == HOLD_POSIX_EX ? F_SETLK : F_OFD_SETLK, &fl) ==
		-1)
		h->err = errno ? errno : EIO;
	pthread_barrier_wait(&h->barrier);
	pthread_barrier_wait(&h->barrier);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void thread_hold(struct holder_thread *h, enum thread_hold how)
{
	h->how = how;
	h->err = 0;
	cr_assert_eq(pthread_barrier_init(&h->barrier, NULL, 2), 0);
	cr_assert_eq(pthread_create(&h->thread, NULL, holder_main, h), 0);
	pthread_barrier_wait(&h->barrier);
	cr_assert_eq(h->err, 0, "holder thread: %s", strerror(h->err));
}

static void thread_release(struct holder_thread *h)
{
	pthread_barrier_wait(&h->barrier);
	pthread_join(h->thread, NULL);
	pthread_barrier_destroy(&h->barrier);
}

/* Both locks belong to an open file description, not to the process, so
 * a thread holding them on its own descriptor excludes the others. A
 * classic POSIX lock would not: a process never conflicts with itself, so
 * with one our writer would walk past a POSIX lock that another part of
 * its own process holds; an OFD lock conflicts with it. */
Test(locks, threads_exclude_each_other)
{
	struct holder_thread h;

	thread_hold(&h, HOLD_BOTH_EX);
	lock_expect_timeout(&fx, OP_INSERT, TIMEOUT_MS, MARGIN_MS, "thread");
	lock_expect_timeout(&fx, OP_READ, TIMEOUT_MS, MARGIN_MS, "thread");
	thread_release(&h);
	lock_expect_ok(&fx, OP_INSERT, TIMEOUT_MS, "thread gone");

	thread_hold(&h, HOLD_OFD_EX);
	lock_expect_timeout(&fx, OP_APPEND, TIMEOUT_MS, MARGIN_MS,
			    "thread holding the OFD lock only");
	cr_assert(strstr(kvp_error_last()->message, "fcntl") != NULL, "%s",
		  kvp_error_last()->message);
	thread_release(&h);

	thread_hold(&h, HOLD_BOTH_SH);
	lock_expect_ok(&fx, OP_READ, TIMEOUT_MS, "shared thread");
	lock_expect_timeout(&fx, OP_DELETE, TIMEOUT_MS, MARGIN_MS,
			    "shared thread");
	thread_release(&h);
	lock_expect_ok(&fx, OP_DELETE, TIMEOUT_MS, "thread gone");

	/* Nothing here may open and close the pool file while the POSIX
	 * lock is held: closing any descriptor of the file drops all of the
	 * process's POSIX locks on it (the other flaw of those locks). */
	thread_hold(&h, HOLD_POSIX_EX);
	kvp_store_set_lock_timeout(fx.store, TIMEOUT_MS);
	cr_assert_eq(kvp_store_insert(fx.store, "K|0|0", fx.value0),
		     KVP_ERR_LOCK_TIMEOUT,
		     "a POSIX lock of this very process did not stop us");
	thread_release(&h);
}

/* --- a writer killed mid-record ----------------------------------------- */

/* lock_holder torn: both exclusive locks, half a record, SIGKILL. */
static void tear(void)
{
	const char *args[] = {"torn", fx.path, "1280", NULL};
	struct peer p = {0};
	int status;

	peer_start(&p, args);
	status = peer_wait(&p, PEER_START_TIMEOUT_MS);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "torn writer status %#x", status);
	cr_assert_eq(tu_file_size(fx.path), 3 * KVP_RECORD_SIZE + 1280);
}

/* Readers see the whole records and the torn bytes and change nothing. */
static void expect_torn_view(void)
{
	size_t before_len, after_len, n;
	unsigned char *before = tu_read_file(fx.path, &before_len), *after;
	kvp_record_list l;
	char *v = NULL;

	for (int entries = 0; entries < 2; entries++) {
		cr_assert_eq(entries ? kvp_store_entries(fx.store, &l)
				     : kvp_store_dump(fx.store, &l),
			     0, "%s", kvp_error_last()->message);
		cr_assert_eq(l.count, 3);
		cr_assert_eq(l.torn_bytes, 1280);
		for (size_t i = 0; i < 3; i++)
			cr_assert_null(raw_check_record(
			    l.records[i].key, l.records[i].key_len,
			    l.records[i].value, l.records[i].value_len));
		kvp_record_list_free(&l);
	}
	cr_assert_eq(kvp_store_read(fx.store, "TORN|0|0", &v, NULL), 0);
	cr_assert_eq(kvp_store_read(fx.store, "K|0|2", &v, NULL), 1);
	free(v);
	cr_assert_eq(kvp_store_len(fx.store, &n), 0);
	cr_assert_eq(n, 3);
	after = tu_read_file(fx.path, &after_len);
	cr_assert(before_len == after_len &&
		  memcmp(before, after, before_len) == 0);
	free(before);
	free(after);
}

/* The next writer, whatever it does, cuts the torn record first. */
Test(locks, torn_tail_of_a_killed_writer)
{
	/* An in-place update is the case that needs the cut: the others
	 * would write over the torn bytes or truncate below them anyway. */
	static const enum lock_op writers[] = {
	    OP_INSERT, OP_APPEND, OP_INSERT_NEW, OP_DELETE, OP_APPEND_MULTIPLE};
	static const size_t after[] = {3, 4, 4, 2, 5};
	struct raw_pool p;

	for (size_t i = 0; i < 5; i++) {
		lock_fixture_seed(&fx);
		tear();
		expect_torn_view();
		lock_expect_ok(&fx, writers[i], TIMEOUT_MS, "after the tear");
		raw_pool_load(fx.path, &p); /* asserts every record whole */
		cr_assert_eq(p.count, after[i], "%s left %zu records",
			     lock_op_name(writers[i]), p.count);
		cr_assert_eq(raw_pool_count(&p, "TORN|0|0", NULL), 0);
		raw_pool_free(&p);
	}
}
