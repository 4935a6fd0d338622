/* test_locks.c - another process holds the pool's lock: cloud-init's
 * flock, hv_kvp_daemon's POSIX fcntl lock, an OFD lock, or both as we take
 * them. Past lock_timeout_ms the PAM call returns (within the timeout plus
 * a generous 500 ms: a correctness bound, not a speed goal), fail-open or
 * fail-closed, with one log line, and the pool is untouched; a lock
 * released within the timeout is waited for. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pam_harness.h"
#include "test_util.h"

#define TIMEOUT_MS 150
#define BOUND_MS   500

static const char *const planted[] = {"CI|1", "cloud-init's", NULL};

struct timed {
	const char *service;
	long long *elapsed_ms; /* shared with the parent */
};

static long long *shared;

static void setup(void)
{
	ph_init();
	ph_service("open", "session required {KVP}\n"
			   "session required {PERMIT}\n");
	ph_service("closed", "session required {KVP} on_error=fail\n"
			     "session required {PERMIT}\n");
	ph_config("lock_timeout_ms = %d;", TIMEOUT_MS);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(shared != MAP_FAILED);
}

static void teardown(void)
{
	munmap(shared, sizeof(*shared));
	ph_fini();
}

TestSuite(locks, .init = setup, .fini = teardown);

/* In the child: only the PAM call is timed. */
static int timed_open(void *arg)
{
	struct timed *t = arg;
	long long start = ph_now_ms();
	int rv = ph_call(t->service, PAMTEST_OPEN_SESSION);

	*t->elapsed_ms = ph_now_ms() - start;
	return rv;
}

static long long open_with(const char *service, int want_rv, int timeout)
{
	struct timed t = {service, shared};
	int rv;

	*shared = -1;
	rv = ph_child(timed_open, &t, false, 20000);
	cr_assert_eq(rv, want_rv, "%s: %d", service, rv);
	cr_assert_geq(*shared, 0);
	cr_expect_leq(*shared, ph_slack_ms(timeout + BOUND_MS),
		      "%s took %lld ms with lock_timeout_ms = %d", service,
		      *shared, timeout);
	return *shared;
}

/* The lock held by `kind` past the timeout: both policies. */
static void held(const char *kind, const char *mode, const char *why)
{
	size_t len;
	unsigned char *before;
	pid_t holder;
	long long ms;

	tu_plant(ph.pool, planted);
	before = tu_read_file(ph.pool, &len);
	holder = ph_lock_holder(kind, mode, ph.pool, "30");

	ms = open_with("open", PAM_SUCCESS, TIMEOUT_MS);
	cr_expect_geq(ms, TIMEOUT_MS - 20, "gave up after %lld ms", ms);
	ph_log_expect("session_open event not recorded", "lock timeout", why,
		      NULL);
	ph_log_clear();
	open_with("closed", PAM_SESSION_ERR, TIMEOUT_MS);
	ph_log_expect("lock timeout", why, NULL);

	ph_stop(holder);
	tu_assert_file_is(ph.pool, before, len);
	free(before);
}

Test(locks, both_locks_held_like_another_libkvpcore)
{
	held("both", "write", "flock not granted within 150 ms");
}

Test(locks, flock_held_like_cloud_init)
{
	held("flock", "write", "flock not granted within 150 ms");
}

Test(locks, posix_lock_held_like_hv_kvp_daemon)
{
	held("posix", "write", "fcntl lock not granted within 150 ms");
}

Test(locks, ofd_lock_held)
{
	held("ofd", "write", "fcntl lock not granted within 150 ms");
}

Test(locks, a_readers_shared_lock_also_holds_off_a_write)
{
	held("both", "read", "not granted within 150 ms");
}

Test(locks, zero_timeout_tries_once)
{
	pid_t holder;
	long long ms;

	ph_config("lock_timeout_ms = 0;");
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("both", "write", ph.pool, "30");
	ms = open_with("closed", PAM_SESSION_ERR, 0);
	ph_log_expect("lock timeout", NULL);
	ph_stop(holder);
	cr_expect_leq(ms, ph_slack_ms(BOUND_MS));
}

Test(locks, lock_released_within_the_timeout_is_waited_for)
{
	pid_t holder;
	long long ms;

	ph_config("lock_timeout_ms = 5000;");
	tu_plant(ph.pool, planted);
	/* Held for 0.2 s from the moment it is granted. */
	holder = ph_lock_holder("both", "write", ph.pool, "0.2");
	ms = open_with("closed", PAM_SUCCESS, 5000);
	ph_stop(holder);
	cr_expect_eq(ph_log_count(), 0);
	cr_expect_eq(ph_count(), 1);
	cr_expect_eq(tu_file_size(ph.pool), 2 * KVP_RECORD_SIZE);
	cr_expect_leq(ms, ph_slack_ms(5000));
}
