/* crash_proc.c - start the kvp_writer with its stdout on a pipe, wait
 * (bounded) for its "ready", kill it with SIGKILL and reap it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crash.h"

/* Long enough for a writer started under valgrind. */
#define READY_TIMEOUT_MS 60000

long long crash_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

void crash_sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000,
			      .tv_nsec = (us % 1000000) * 1000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void wait_ready(struct crash_proc *p)
{
	char buf[16];
	size_t got = 0;
	long long deadline = crash_now_us() + READY_TIMEOUT_MS * 1000LL;

	while (got < 6) {
		struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
		long long left = (deadline - crash_now_us()) / 1000;
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			crash_proc_kill(p);
			cr_assert_fail("kvp_writer not ready in %d ms",
				       READY_TIMEOUT_MS);
		}
		n = read(p->out_fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			crash_proc_kill(p);
			cr_assert_fail("kvp_writer exited before ready");
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	cr_assert_str_eq(buf, "ready\n");
}

void crash_proc_start(struct crash_proc *p, char *const argv[])
{
	int fds[2];

	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	p->pid = fork();
	cr_assert(p->pid >= 0, "fork: %s", strerror(errno));
	if (p->pid == 0) {
		/* Never outlive the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	p->out_fd = fds[0];
	wait_ready(p);
}

void crash_proc_kill(struct crash_proc *p)
{
	pid_t pid = p->pid, r;
	int status = 0;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while ((r = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	p->pid = 0;
	close(p->out_fd);
	p->out_fd = -1;
	cr_assert_eq(r, pid, "waitpid: %s", strerror(errno));
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "kvp_writer ended by itself (status 0x%x): see its stderr",
		  status);
}
