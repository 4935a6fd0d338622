/* cloudinit_proc.c - see cloudinit_proc.h.
 *
 * Exits are waited for on a pidfd (poll with the time left), so no wait
 * sleeps: it ends when the child exits or the deadline passes. Every
 * descriptor is close-on-exec, so a child never inherits another child's
 * pipe (which would keep that child's stdin open past cp_finish). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cloudinit_proc.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(long long deadline)
{
	long long left = deadline - now_ms();

	return left < 0 ? 0 : (int)left;
}

static int decode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

static pid_t spawn(const char *const *argv, int in, int out, int err)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL); /* the parent ignores it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Wait until `pid` exits or the deadline passes: 0 and *status, or -1. */
static int wait_exit(pid_t pid, int pidfd, long long deadline, int *status)
{
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			*status = decode_status(st);
			return 0;
		}
		cr_assert(r == 0 || errno == EINTR, "waitpid: %s",
			  strerror(errno));
		if (left_ms(deadline) == 0)
			return -1;
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		/* Without a pidfd (kernel < 5.3), look again every 5 ms. */
		poll(pidfd >= 0 ? &pfd : NULL, pidfd >= 0 ? 1 : 0,
		     pidfd >= 0 ? left_ms(deadline) : 5);
	}
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static char *read_memfd(int fd)
{
	struct stat st;
	char *s;
	ssize_t n;

	cr_assert_eq(fstat(fd, &st), 0);
	s = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(s);
	n = pread(fd, s, (size_t)st.st_size, 0);
	s[n > 0 ? n : 0] = '\0';
	return s;
}

/* Append what one read() gives to buf; returns its result. */
static ssize_t read_more(int fd, char **buf, size_t *len, size_t *cap)
{
	ssize_t n;

	if (*cap - *len < 65536) {
		*cap = *cap * 2 + 65536;
		*buf = realloc(*buf, *cap);
		cr_assert_not_null(*buf);
	}
	do
		n = read(fd, *buf + *len, *cap - *len - 1);
	while (n < 0 && errno == EINTR);
	cr_assert(n >= 0, "read: %s", strerror(errno));
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return n;
}

void cp_run(const char *const *argv, int timeout_ms, struct cp_result *r)
{
	long long deadline = now_ms() + timeout_ms;
	int out[2], err, in, pidfd, status = 0;
	size_t cap = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	err = memfd_create("stderr", MFD_CLOEXEC);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert(err >= 0 && in >= 0);
	pid = spawn(argv, in, out[1], err);
	close(out[1]);
	close(in);
	pidfd = open_pidfd(pid);

	/* Drain stdout to its end (it may be larger than a pipe holds). */
	for (;;) {
		struct pollfd pfd = {.fd = out[0], .events = POLLIN};
		if (poll(&pfd, 1, left_ms(deadline)) == 0)
			break;
		if (read_more(out[0], &r->out, &r->out_len, &cap) == 0)
			break;
	}
	if (wait_exit(pid, pidfd, deadline, &status) < 0) {
		kill_reap(pid);
		r->err = read_memfd(err);
		cr_assert_fail("%s did not finish within %d ms; stderr:\n%s",
			       argv[0], timeout_ms, r->err);
	}
	if (!r->out)
		r->out = calloc(1, 1);
	r->status = status;
	r->err = read_memfd(err);
	close(out[0]);
	close(err);
	if (pidfd >= 0)
		close(pidfd);
}

void cp_result_free(struct cp_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void cp_start(struct cp_child *c, const char *const *argv)
{
	int in[2], out[2];
	const char *base = strrchr(argv[0], '/');

	/* A child that died must fail the test, not kill it by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : argv[0]);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	c->err = memfd_create("stderr", MFD_CLOEXEC);
	cr_assert(c->err >= 0);
	c->pid = spawn(argv, in[0], out[1], c->err);
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	c->pidfd = open_pidfd(c->pid);
}

void cp_send(struct cp_child *c, const char *line)
{
	size_t len = strlen(line);
	char *msg = malloc(len + 2);

	cr_assert_not_null(msg);
	memcpy(msg, line, len);
	msg[len] = '\n';
	for (size_t done = 0; done < len + 1;) {
		ssize_t n = write(c->in, msg + done, len + 1 - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(msg);
			char *err = cp_stderr(c);
			cp_kill(c);
			cr_assert_fail(
			    "%s: cannot send \"%s\": %s; stderr:\n%s", c->name,
			    line, strerror(errno), err);
		}
		done += (size_t)n;
	}
	free(msg);
}

char *cp_read_line(struct cp_child *c, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		char *nl = c->buf ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			char *line = malloc(n + 1);
			cr_assert_not_null(line);
			memcpy(line, c->buf, n);
			line[n] = '\0';
			c->len -= n + 1;
			memmove(c->buf, nl + 1, c->len);
			return line;
		}
		struct pollfd pfd = {.fd = c->out, .events = POLLIN};
		int ready = poll(&pfd, 1, left_ms(deadline));
		if (ready > 0 && read_more(c->out, &c->buf, &c->len, &c->cap))
			continue;
		if (ready < 0 && errno == EINTR)
			continue;
		char *err = cp_stderr(c);
		cp_kill(c);
		cr_assert_fail("%s: %s before a whole line; stderr:\n%s",
			       c->name,
			       ready == 0 ? "no output within the time limit"
					  : "output ended",
			       err);
	}
}

char *cp_stderr(struct cp_child *c)
{
	return read_memfd(c->err);
}

int cp_finish(struct cp_child *c, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int status = 0;

	if (c->in > 0) {
		close(c->in);
		c->in = -1;
	}
	/* Keep reading so a child still writing cannot block on a full
	 * pipe; what it says now is not wanted. */
	for (;;) {
		struct pollfd pfd = {.fd = c->out, .events = POLLIN};
		if (poll(&pfd, 1, left_ms(deadline)) <= 0)
			break;
		char chunk[65536];
		if (read(c->out, chunk, sizeof(chunk)) <= 0)
			break;
	}
	if (wait_exit(c->pid, c->pidfd, deadline, &status) < 0) {
		char *err = cp_stderr(c);
		cp_kill(c);
		cr_assert_fail("%s did not exit within %d ms; stderr:\n%s",
			       c->name, timeout_ms, err);
	}
	c->pid = 0;
	cp_kill(c);
	return status;
}

void cp_kill(struct cp_child *c)
{
	if (c->pid > 0)
		kill_reap(c->pid);
	c->pid = 0;
	/* A zeroed struct (never started) owns no descriptor: 0 is stdin. */
	if (c->in > 0)
		close(c->in);
	if (c->out > 0)
		close(c->out);
	if (c->err > 0)
		close(c->err);
	if (c->pidfd > 0)
		close(c->pidfd);
	c->in = c->out = c->err = c->pidfd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

int cp_alive(struct cp_child *c)
{
	int st;

	if (c->pid <= 0)
		return 0;
	if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
		c->pid = 0;
		return 0;
	}
	return 1;
}
