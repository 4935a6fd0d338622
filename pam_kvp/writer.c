/* writer.c - see writer.h.
 *
 * Why a child. kill(2) lets a process signal another when its real or
 * effective uid equals the target's real or saved uid. A setuid-root
 * program (su, sudo, passwd, chsh, chfn, polkit-agent-helper-1) keeps the
 * invoking user's uid as its real uid, so the user may SIGSTOP it at any
 * moment - also while it holds the pool's flock and OFD lock, which then
 * stay held until it is resumed: hv_kvp_daemon's F_SETLKW (and with it
 * the VM's whole KVP service), cloud-init's flock and every other login's
 * write wait for as long as the user likes.
 *
 * So when the effective uid is 0 but the real or saved uid is not, the
 * locked write runs in a child that first takes a session of its own
 * (setsid: no job-control signal from the user's terminal - ^Z, ^C, a
 * hangup - reaches it) and full root credentials (real, effective and
 * saved uid and gid 0, no supplementary groups; the gid only keeps files
 * the child creates root's). Then nobody but root can signal it. Until
 * then it has touched no pool: a stop that lands before the credentials
 * change (signals are delivered on the way back from each system call)
 * stops it holding nothing.
 *
 * The parent does no pool I/O at all, so it never holds a lock. It reads
 * the child's result from a pipe for at most lock_timeout_ms +
 * WRITER_MARGIN_MS from the fork, then kills the child (SIGKILL through a
 * pidfd taken right after the fork, so the signal cannot reach a process
 * that reused the pid) and reaps it (waitpid on that pid only; ECHILD
 * means the host's SIGCHLD handler reaped it, or SIGCHLD is ignored: the
 * result is in the pipe either way). A parent that is stopped past its
 * deadline still takes a result that arrived meanwhile. The child arms its
 * own timer for the same span (a POSIX timer whose signal is SIGKILL: it
 * ends the child even if it were stopped, or frozen in a cgroup v2), so it
 * lives no longer than that even while the parent is stopped. A kill in
 * the middle of a write is covered by the store's crash guarantee.
 *
 * Who does not fork: a process with real, effective and saved uid 0
 * (sshd, login, cron; the user cannot signal it) writes in-process as
 * before, at no extra cost; so does one whose effective uid is not 0 (a
 * module loaded by an unprivileged program): it has no root to give a
 * child, and a root-owned pool is not writable to it anyway.
 *
 * Not chosen: making this process's real and saved uid 0 around the
 * write. It costs no fork, but the terminal's job-control signals (sent
 * without a permission check) would have to be blocked around it, a
 * frozen cgroup (a user's delegated one) would still hold the process
 * with its locks, and no timer could end the write without ending su.
 *
 * A failed fork is a failed record (logged; on_error applies), never a
 * fallback to writing in-process: a user can make fork fail (a delegated
 * cgroup's pids.max) and must not get the old behaviour back that way.
 *
 * The child calls the library, which allocates. After fork(), only
 * async-signal-safe calls are safe in a multithreaded process; glibc's
 * fork leaves malloc and stdio usable in the child, and the programs that
 * take this path (setuid-root ones) call PAM from their only thread. Had
 * another thread held some other lock at the fork, the child would block
 * on it until it is killed at the deadline: the record is lost, nothing
 * hangs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "writer.h"

/* The child's answer, sent in one write of at most PIPE_BUF bytes. */
struct result {
	int32_t rc;   /* kvp_event_record()'s */
	uint32_t len; /* bytes of message (no NUL) */
	char message[PIPE_BUF - 8];
};
#define RESULT_HEADER offsetof(struct result, message)

static _Thread_local char message[sizeof(((struct result *)0)->message) + 1];
static _Thread_local bool own_message; /* else the library's */

const char *writer_error(void)
{
	return own_message ? message : kvp_error_last()->message;
}

static int fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	own_message = true;
	return rc;
}

/* Can a user other than root signal us, while we have root to give? */
static bool signalable_root(void)
{
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) != 0)
		return false;
	return e == 0 && (r != 0 || s != 0);
}

/* ---- the child ---- */

static void send_result(int fd, int rc, const char *text)
{
	struct result res = {.rc = rc};
	size_t n = strnlen(text, sizeof(res.message));
	const char *p = (const char *)&res;
	size_t left = RESULT_HEADER + n;

	res.len = (uint32_t)n;
	memcpy(res.message, text, n);
	while (left) {
		ssize_t w = write(fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		left -= (size_t)w;
	}
}

/* A session of our own, then root in every id; 0 or -1 with the step. */
static int become_root_alone(const char **step)
{
	*step = "setsid";
	if (setsid() == -1)
		return -1;
	*step = "setgroups";
	if (setgroups(0, NULL) == -1)
		return -1;
	*step = "setresgid";
	if (setresgid(0, 0, 0) == -1)
		return -1;
	*step = "setresuid";
	return setresuid(0, 0, 0);
}

/* End this process `ms` from now, whatever its parent does: a timer
 * that sends SIGKILL, which nothing blocks and which ends even a stopped
 * process (a plain SIGALRM would wait for a SIGCONT). 0 or -1; without
 * the timer we do not write. */
static int arm_watchdog(unsigned int ms, const char **step)
{
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGKILL};
	struct itimerspec t = {.it_value = {.tv_sec = ms / 1000,
					    .tv_nsec = (ms % 1000) * 1000000L}};
	timer_t timer;

	*step = "timer_create";
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) == -1)
		return -1;
	*step = "timer_settime";
	return timer_settime(timer, 0, &t, NULL);
}

static _Noreturn void child(int fd, const kvp_settings *s, const kvp_event *ev,
			    unsigned int limit_ms)
{
	const char *step = "";
	char why[128];
	int rc;

	if (become_root_alone(&step) == -1 ||
	    arm_watchdog(limit_ms, &step) == -1) {
		snprintf(why, sizeof(why), "writer process: %s: %s", step,
			 strerror(errno));
		send_result(fd, KVP_ERR_IO, why);
		_exit(1);
	}
	rc = kvp_event_record(s, ev);
	send_result(fd, rc, rc < 0 ? kvp_error_last()->message : "");
	_exit(0);
}

/* ---- the parent ---- */

static long long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
	     (deadline->tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (ns + 999999) / 1000000;
}

static bool complete(const struct result *res, size_t got)
{
	return got >= RESULT_HEADER && res->len <= sizeof(res->message) &&
	       got >= RESULT_HEADER + res->len;
}

/* Read the result until it is whole, the child is gone (end of file, or
 * its pidfd says it exited: another process may hold a copy of the
 * pipe's write end), or the deadline passed; the last look never waits.
 * Bytes read. */
static size_t collect(int fd, int pidfd, const struct timespec *deadline,
		      struct result *res)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
			      {.fd = pidfd, .events = POLLIN}};
	size_t got = 0;
	bool exited = false;

	while (!complete(res, got)) {
		int n = poll(p, 2, exited ? 0 : (int)ms_left(deadline));
		ssize_t r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (p[0].revents) {
			r = read(fd, (char *)res + got, sizeof(*res) - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		} else if (p[1].revents) {
			/* Whatever it wrote is in the pipe: one more look. */
			exited = true;
			p[1].fd = -1;
		}
	}
	return got;
}

static int reap(pid_t pid, int *status)
{
	pid_t r;

	while ((r = waitpid(pid, status, 0)) == -1 && errno == EINTR)
		;
	return r == pid ? 0 : -1;
}

static int record_in_child(const kvp_settings *s, const kvp_event *ev)
{
	unsigned int limit_ms =
	    kvp_settings_lock_timeout_ms(s) + WRITER_MARGIN_MS;
	struct result res = {0};
	struct timespec deadline;
	int fds[2], pidfd, status = 0, err;
	bool whole, timed_out;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += limit_ms / 1000;
	deadline.tv_nsec += (long)(limit_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if (pipe2(fds, O_CLOEXEC) == -1)
		return fail(KVP_ERR_IO, "writer process: pipe: %s",
			    strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], s, ev, limit_ms);
	}
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		return fail(KVP_ERR_IO, "writer process: fork: %s",
			    strerror(err));
	}
	close(fds[1]);
	pidfd = pidfd_open(pid, 0);
	whole = complete(&res, collect(fds[0], pidfd, &deadline, &res));
	close(fds[0]);
	timed_out = !whole && ms_left(&deadline) == 0;
	if (!whole) {
		if (pidfd >= 0)
			pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
		else
			kill(pid, SIGKILL);
	}
	if (reap(pid, &status) == -1)
		status = 0; /* reaped by the host: the pipe said it all */
	if (pidfd >= 0)
		close(pidfd);

	if (whole) {
		if (res.rc >= 0)
			return 0;
		return fail(res.rc, "%.*s", (int)res.len, res.message);
	}
	if (timed_out)
		return fail(KVP_ERR_LOCK_TIMEOUT,
			    "writer process %ld gave no result within %u ms "
			    "(lock_timeout_ms + %d): killed",
			    (long)pid, limit_ms, WRITER_MARGIN_MS);
	if (WIFSIGNALED(status))
		return fail(KVP_ERR_IO,
			    "writer process %ld died of signal %d without a "
			    "result",
			    (long)pid, WTERMSIG(status));
	return fail(KVP_ERR_IO, "writer process %ld ended without a result",
		    (long)pid);
}

int writer_record(const kvp_settings *s, const kvp_event *ev)
{
	own_message = false;
	if (!s || !ev || !signalable_root())
		return kvp_event_record(s, ev);
	return record_in_child(s, ev);
}
