/* peers.c - see peers.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"
#include "test_util.h"

#define MAX_CHILDREN 64

static pid_t children[MAX_CHILDREN];

static void track(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] == 0) {
			children[i] = pid;
			return;
		}
	}
	kill(pid, SIGKILL);
	cr_assert_fail("more than %d child processes", MAX_CHILDREN);
}

static void untrack(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

double peers_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* In a fresh child: die with the parent (the test worker). */
static void die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(127);
}

void peer_start(struct peer *p, const char *const args[])
{
	char *helper = tu_helper("lock_holder");
	const char *argv[16] = {helper};
	int out[2], in[2];
	pid_t parent = getpid();
	size_t n = 1;

	for (; args[n - 1]; n++)
		cr_assert(n < 15, "too many lock_holder arguments");
	for (size_t i = 1; i < n; i++)
		argv[i] = args[i - 1];
	argv[n] = NULL;
	cr_assert_eq(access(helper, X_OK), 0, "%s: %s", helper,
		     strerror(errno));
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	p->pid = fork();
	cr_assert(p->pid >= 0, "fork: %s", strerror(errno));
	if (p->pid == 0) {
		die_with_parent(parent);
		if (dup2(out[1], STDOUT_FILENO) < 0 ||
		    dup2(in[0], STDIN_FILENO) < 0)
			_exit(127);
		execv(helper, (char *const *)argv);
		_exit(127);
	}
	track(p->pid);
	close(out[1]);
	close(in[0]);
	p->out_fd = out[0];
	p->in_fd = in[1];
	free(helper);
}

void peer_read_line(struct peer *p, char *line, size_t cap, int timeout_ms)
{
	double deadline = peers_now_ms() + timeout_ms;
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
		double left = deadline - peers_now_ms();
		char c;
		ssize_t n;
		int r;

		cr_assert(left > 0,
			  "lock_holder (pid %d) said nothing in %d ms",
			  (int)p->pid, timeout_ms);
		r = poll(&pfd, 1, (int)left + 1);
		if (r < 0 && errno == EINTR)
			continue;
		cr_assert(r >= 0, "poll: %s", strerror(errno));
		if (r == 0)
			continue;
		n = read(p->out_fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		cr_assert(n == 1, "lock_holder (pid %d) exited before a line",
			  (int)p->pid);
		if (c == '\n')
			break;
		if (len + 1 < cap)
			line[len++] = c;
	}
	line[len] = '\0';
}

void peer_expect(struct peer *p, const char *want)
{
	char line[128];

	peer_read_line(p, line, sizeof(line), PEER_START_TIMEOUT_MS);
	cr_assert(strncmp(line, want, strlen(want)) == 0,
		  "lock_holder said \"%s\", expected \"%s\"", line, want);
}

void peer_start_ready(struct peer *p, const char *const args[])
{
	peer_start(p, args);
	peer_expect(p, "ready");
}

void peer_send(struct peer *p, const char *line)
{
	size_t len = strlen(line);

	cr_assert_eq(write(p->in_fd, line, len), (ssize_t)len);
	cr_assert_eq(write(p->in_fd, "\n", 1), 1);
}

int peer_wait_pid(pid_t pid, int timeout_ms)
{
	double deadline = peers_now_ms() + timeout_ms;
	struct timespec nap = {0, 1000000};
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			untrack(pid);
			return status;
		}
		cr_assert(r == 0 || errno == EINTR, "waitpid %d: %s", (int)pid,
			  strerror(errno));
		if (peers_now_ms() > deadline) {
			kill(pid, SIGKILL);
			cr_assert_fail("child %d still running after %d ms",
				       (int)pid, timeout_ms);
		}
		nanosleep(&nap, NULL);
	}
}

static void peer_close_fds(struct peer *p)
{
	/* Pipes never get 0..2: a zeroed, never started peer has no fds. */
	if (p->out_fd > 2)
		close(p->out_fd);
	if (p->in_fd > 2)
		close(p->in_fd);
	p->out_fd = p->in_fd = -1;
}

int peer_wait(struct peer *p, int timeout_ms)
{
	int status = peer_wait_pid(p->pid, timeout_ms);

	p->pid = 0;
	peer_close_fds(p);
	return status;
}

bool peer_exited(struct peer *p, int *status)
{
	if (p->pid <= 0)
		return true;
	if (waitpid(p->pid, status, WNOHANG) != p->pid)
		return false;
	untrack(p->pid);
	p->pid = 0;
	peer_close_fds(p);
	return true;
}

void peer_kill(struct peer *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) == -1 && errno == EINTR)
			;
		untrack(p->pid);
		p->pid = 0;
	}
	peer_close_fds(p);
}

pid_t peer_fork(int (*fn)(void *), void *arg)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		die_with_parent(parent);
		_exit(fn(arg));
	}
	track(pid);
	return pid;
}

void peers_reap_all(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			while (waitpid(children[i], NULL, 0) == -1 &&
			       errno == EINTR)
				;
			children[i] = 0;
		}
	}
}
