/* sshd_proc.c - see sshd_proc.h.
 *
 * Output goes to memfds (or a log file), never to pipes: nothing has to
 * be drained while a child runs, so a chatty sshd cannot block on a full
 * pipe. Exits are waited for on a pidfd, so a wait ends the moment the
 * child exits or its deadline passes. */
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

#include "sshd_proc.h"

#define MAX_ARGS 64

long long sp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sp_left_ms(long long deadline)
{
	long long left = deadline - sp_now_ms();

	return left < 0 ? 0 : (int)left;
}

/* A pidfd for `pid`, or -1: pidfd_open needs Linux 5.3, and valgrind
 * 3.19 does not know the call (it would warn at every one: under it,
 * recognised by its preload, the 10 ms poll is used from the start). */
static int open_pidfd(pid_t pid)
{
	static int usable = -1;
	int fd;

	if (usable < 0) {
		const char *pre = getenv("LD_PRELOAD");

		usable = !(pre && strstr(pre, "vgpreload"));
	}
	if (!usable)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno == ENOSYS)
		usable = 0;
	return fd;
}

static int decode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

static int new_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	cr_assert(fd >= 0, "memfd_create: %s", strerror(errno));
	return fd;
}

/* In the child: stdio in place, other descriptors closed, death bound to
 * the test, then the shell, which execs argv[0] in its own place. */
static void exec_child(const char *const *argv, const char *const *envp,
		       pid_t parent, int in, int out, int err)
{
	const char *sh_argv[MAX_ARGS + 4] = {"sh", "-c", "exec \"$0\" \"$@\""};
	size_t n = 3;

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0); /* Criterion's pipes stay with the test */
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	for (size_t i = 0; argv[i] && n < MAX_ARGS + 3; i++)
		sh_argv[n++] = argv[i];
	sh_argv[n] = NULL;
	execve("/bin/sh", (char *const *)sh_argv, (char *const *)envp);
	_exit(127);
}

void sp_start(struct sp_child *c, const char *const *argv,
	      const char *const *envp, int log_fd)
{
	const char *base = strrchr(argv[0], '/');
	pid_t parent = getpid();
	int in;

	memset(c, 0, sizeof(*c));
	c->out = c->err = -1;
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : argv[0]);
	if (log_fd < 0) {
		c->out = new_memfd("stdout");
		c->err = new_memfd("stderr");
	}
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert(in >= 0, "/dev/null: %s", strerror(errno));
	c->pid = fork();
	cr_assert(c->pid >= 0, "fork: %s", strerror(errno));
	if (c->pid == 0)
		exec_child(argv, envp, parent, in,
			   log_fd >= 0 ? log_fd : c->out,
			   log_fd >= 0 ? log_fd : c->err);
	close(in);
	c->pidfd = open_pidfd(c->pid);
}

int sp_pollfd(const struct sp_child *c)
{
	return c->pidfd;
}

bool sp_running(struct sp_child *c, int *status)
{
	int st;
	pid_t r;

	if (c->pid == 0)
		return false;
	do
		r = waitpid(c->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	cr_assert(r >= 0, "waitpid %s: %s", c->name, strerror(errno));
	if (r == 0)
		return true;
	c->pid = 0;
	if (status)
		*status = decode_status(st);
	return false;
}

int sp_wait(struct sp_child *c, int timeout_ms)
{
	long long deadline = sp_now_ms() + timeout_ms;
	int status = -1;

	while (sp_running(c, &status)) {
		struct pollfd pfd = {.fd = c->pidfd, .events = POLLIN};

		if (sp_left_ms(deadline) == 0)
			return -1;
		if (c->pidfd >= 0)
			poll(&pfd, 1, sp_left_ms(deadline));
		else
			poll(NULL, 0, 10);
	}
	return status;
}

static char *read_all(int fd)
{
	struct stat st;
	char *s;
	ssize_t n;

	if (fd < 0)
		return strdup("");
	cr_assert_eq(fstat(fd, &st), 0);
	s = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(s);
	n = pread(fd, s, (size_t)st.st_size, 0);
	s[n > 0 ? n : 0] = '\0';
	return s;
}

char *sp_out(const struct sp_child *c)
{
	return read_all(c->out);
}

char *sp_err(const struct sp_child *c)
{
	return read_all(c->err);
}

/* Every descendant of `pid` into pids[] (at most `max`), depth first. */
static size_t descendants(pid_t pid, pid_t *pids, size_t n, size_t max)
{
	char path[64];
	FILE *f;
	long child;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	f = fopen(path, "re");
	if (!f)
		return n;
	while (n < max && fscanf(f, "%ld", &child) == 1) {
		pids[n++] = (pid_t)child;
		n = descendants((pid_t)child, pids, n, max);
	}
	fclose(f);
	return n;
}

void sp_stop(struct sp_child *c, int grace_ms)
{
	pid_t pids[256];
	size_t n;

	if (c->pid > 0 && sp_running(c, NULL)) {
		/* sshd's connection processes are in sessions of their own:
		 * only their pids reach them. */
		n = descendants(c->pid, pids, 0, sizeof(pids) / sizeof(*pids));
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		kill(c->pid, SIGTERM);
		if (sp_wait(c, grace_ms) < 0) {
			kill(c->pid, SIGKILL);
			while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
				;
			c->pid = 0;
		}
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->out >= 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	c->pidfd = c->out = c->err = -1;
}

int sp_run(const char *const *argv, const char *const *envp, int timeout_ms,
	   char **out, char **err)
{
	struct sp_child c;
	int status;

	sp_start(&c, argv, envp, -1);
	status = sp_wait(&c, timeout_ms);
	if (status < 0) {
		char *e = sp_err(&c);

		sp_stop(&c, 0);
		cr_assert_fail("%s did not finish within %d ms; stderr:\n%s",
			       c.name, timeout_ms, e);
	}
	if (out)
		*out = sp_out(&c);
	if (err)
		*err = sp_err(&c);
	sp_stop(&c, 0);
	return status;
}
