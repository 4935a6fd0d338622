/* lock.c - the two locks that exclude every other writer of a pool.
 *
 * hv_kvp_daemon locks pool files with classic POSIX fcntl record locks and
 * cloud-init's KVP handler with flock(2). On Linux the two families never
 * see each other, so a writer that holds only one of them can truncate a
 * file under the other's append. We hold both, always in the same order
 * (flock, then fcntl), so no two of our writers can deadlock. The fcntl
 * lock is an OFD lock: it conflicts with the daemon's POSIX locks, but it
 * belongs to our open file description rather than to the process, so
 * threads exclude each other and closing an unrelated descriptor of the
 * same file (as the daemon's fclose does for itself) cannot drop it.
 *
 * Neither call has a timed form, so we poll the non-blocking variants with
 * a short exponential back-off until the deadline: a stuck holder costs a
 * caller its timeout, never a hang.
 *
 * There is no unlock: pool_txn_end() just closes the descriptor. Both lock
 * kinds belong to the open file description (not to the process, nor to
 * the descriptor number), and the kernel releases both when the last
 * descriptor of that description is closed. Ours is the only one: it is
 * opened O_CLOEXEC and never dup'ed or passed on, so close() drops both
 * locks at once, and an unlock before it would only cost two system calls
 * per operation (an append is open, flock, fcntl, fstat, pwrite, close).
 * The one way to get a second descriptor of it is another thread's fork()
 * inside our transaction: the child's copy then keeps both locks until it
 * execs (O_CLOEXEC closes it) or exits, where an explicit unlock would
 * have released them for it too. Every other writer's wait is bounded, so
 * such a child costs them a lock timeout, never a hang. A failed
 * pool_lock() leaves a granted flock in place for the same reason: the
 * caller closes the descriptor next.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "pool/lock.h"
#include "util/internal.h"

#define BACKOFF_START_NS 20000LL   /* 20 us */
#define BACKOFF_MAX_NS	 2000000LL /* 2 ms */

static void nap(long long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL,
			      .tv_nsec = ns % 1000000000LL};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* 0 granted, 1 busy, <0 error. */
static int try_flock(int fd, bool exclusive, const char *path)
{
	int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;

	for (;;) {
		if (flock(fd, op) == 0)
			return 0;
		if (errno == EWOULDBLOCK)
			return 1;
		if (errno != EINTR)
			return err_fail_errno(errno, path, "flock");
	}
}

static int try_ofd(int fd, bool exclusive, const char *path)
{
	struct flock fl = {.l_type = exclusive ? F_WRLCK : F_RDLCK,
			   .l_whence = SEEK_SET};

	for (;;) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno == EAGAIN || errno == EACCES)
			return 1;
		if (errno != EINTR)
			return err_fail_errno(errno, path,
					      "fcntl(F_OFD_SETLK)");
	}
}

/* Who holds the fcntl lock, for the timeout message. */
static pid_t fcntl_holder(int fd, bool exclusive)
{
	struct flock fl = {.l_type = exclusive ? F_WRLCK : F_RDLCK,
			   .l_whence = SEEK_SET};

	if (fcntl(fd, F_OFD_GETLK, &fl) == -1 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid; /* -1 for another OFD lock */
}

static int wait_for(int (*try)(int, bool, const char *), int fd, bool exclusive,
		    const struct timespec *deadline, const char *path)
{
	long long backoff = BACKOFF_START_NS;

	for (;;) {
		int r = try(fd, exclusive, path);
		long long left;

		if (r <= 0)
			return r;
		left = deadline_ns_left(deadline);
		if (left == 0)
			return 1;
		nap(backoff < left ? backoff : left);
		if (backoff < BACKOFF_MAX_NS)
			backoff *= 2;
	}
}

int pool_lock(int fd, bool exclusive, const struct timespec *deadline,
	      unsigned int timeout_ms, const char *path)
{
	const char *kind = exclusive ? "exclusive" : "shared";
	int r;
	pid_t holder;

	r = wait_for(try_flock, fd, exclusive, deadline, path);
	if (r < 0)
		return r;
	if (r > 0) {
		err_fail(KVP_ERR_LOCK_TIMEOUT, path, timeout_ms, 0,
			 "lock timeout: %s flock not granted within %u ms "
			 "(another writer such as cloud-init holds it)",
			 kind, timeout_ms);
		return KVP_ERR_LOCK_TIMEOUT;
	}

	r = wait_for(try_ofd, fd, exclusive, deadline, path);
	if (r == 0)
		return 0;
	if (r > 0) {
		holder = fcntl_holder(fd, exclusive);
		if (holder > 0)
			err_fail(KVP_ERR_LOCK_TIMEOUT, path, timeout_ms, 0,
				 "lock timeout: %s fcntl lock not granted "
				 "within %u ms (held by pid %ld, e.g. "
				 "hv_kvp_daemon)",
				 kind, timeout_ms, (long)holder);
		else
			err_fail(KVP_ERR_LOCK_TIMEOUT, path, timeout_ms, 0,
				 "lock timeout: %s fcntl lock not granted "
				 "within %u ms",
				 kind, timeout_ms);
		r = KVP_ERR_LOCK_TIMEOUT;
	}
	return r; /* the flock goes with the caller's close */
}
