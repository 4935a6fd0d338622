/* hv_workers.c - see hv_workers.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv_workers.h"

#define MAX_WORKERS 32

static pid_t pids[MAX_WORKERS];
static int npids;
static int failures;
static int go_pipe[2] = {-1, -1};

void *hw_shared(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert(p != MAP_FAILED, "mmap %zu: %s", bytes, strerror(errno));
	return p;
}

int64_t hw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void hw_spawn(int n, int (*fn)(int, void *), void *arg)
{
	pid_t parent = getpid();

	cr_assert(npids + n <= MAX_WORKERS, "too many workers");
	if (go_pipe[0] < 0)
		cr_assert_eq(pipe2(go_pipe, O_CLOEXEC), 0);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		char c;

		cr_assert(pid >= 0, "fork: %s", strerror(errno));
		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
			    getppid() != parent)
				_exit(126);
			close(go_pipe[1]);
			/* EOF on the pipe is the start signal. */
			while (read(go_pipe[0], &c, 1) == -1 && errno == EINTR)
				;
			_exit(fn(i, arg));
		}
		pids[npids++] = pid;
	}
}

void hw_go(void)
{
	close(go_pipe[0]);
	close(go_pipe[1]);
	go_pipe[0] = go_pipe[1] = -1;
}

static void reaped(int i, int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		failures++;
	pids[i] = pids[--npids];
}

bool hw_done(int *failed)
{
	for (int i = 0; i < npids;) {
		int status;
		pid_t r = waitpid(pids[i], &status, WNOHANG);

		if (r == pids[i])
			reaped(i, status);
		else
			i++;
	}
	if (failed)
		*failed = failures;
	return npids == 0;
}

int hw_wait_all(int timeout_ms)
{
	int64_t until = hw_now_ns() + (int64_t)timeout_ms * 1000000;

	while (!hw_done(NULL) && hw_now_ns() < until)
		nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
	if (npids) {
		failures += npids;
		hw_kill_all();
	}
	return failures;
}

void hw_kill_all(void)
{
	for (int i = 0; i < npids; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	npids = 0;
	if (go_pipe[0] >= 0)
		hw_go();
}
