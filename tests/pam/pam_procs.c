/* pam_procs.c - processes and mounts for the harness: a PAM call in a
 * child with a deadline (optionally as nobody), the lock holder of
 * tests/helpers, and tmpfs mounts in a private mount namespace. Every
 * child is reaped; every wait is bounded. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam_harness.h"
#include "pam_internal.h"
#include "test_util.h"

#define MAX_MOUNTS 16

extern char **environ;

static char *mounts[MAX_MOUNTS];
static size_t n_mounts;

long long ph_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* valgrind's preload is in the environment of every process it runs. */
static bool under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return pre && strstr(pre, "vgpreload");
}

int ph_slack_ms(int ms)
{
	return under_valgrind() ? ms + 10000 : ms;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void drop_to_nobody(void)
{
	struct passwd *pw = getpwnam("nobody");

	if (!pw || setgroups(0, NULL) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
		_exit(126);
}

int ph_child(int (*fn)(void *), void *arg, bool as_nobody, int limit_ms)
{
	long long deadline = ph_now_ms() + ph_slack_ms(limit_ms);
	int status = 0;
	pid_t pid, done;

	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int rc;

		if (as_nobody)
			drop_to_nobody();
		rc = fn(arg);
		ph_pam_done();
		_exit(rc);
	}
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
	       ph_now_ms() < deadline)
		sleep_ms(2);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("child %d still running after %d ms: killed",
			       (int)pid, limit_ms);
	}
	cr_assert_eq(done, pid, "waitpid: %s", strerror(errno));
	cr_assert(WIFEXITED(status), "child died of signal %d",
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	cr_assert_neq(WEXITSTATUS(status), 126, "could not become nobody");
	return WEXITSTATUS(status);
}

/* ---- mounts ---- */

void ph_private_mounts(void)
{
	static bool done;

	if (done)
		return;
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare(CLONE_NEWNS): %s",
		     strerror(errno));
	cr_assert_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0,
		     "make / private: %s", strerror(errno));
	done = true;
}

void ph_track_mount(const char *path)
{
	cr_assert(n_mounts < MAX_MOUNTS);
	mounts[n_mounts++] = strdup(path);
}

void ph_unmount_all(void)
{
	while (n_mounts) {
		char *m = mounts[--n_mounts];

		umount2(m, MNT_DETACH);
		free(m);
	}
}

void ph_tmpfs(const char *dir, int kib)
{
	char opts[64];

	ph_private_mounts();
	if (mkdir(dir, 0755) != 0)
		cr_assert_eq(errno, EEXIST, "mkdir %s: %s", dir,
			     strerror(errno));
	snprintf(opts, sizeof(opts), "size=%dk,mode=0755", kib);
	cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, opts), 0,
		     "mount tmpfs on %s: %s", dir, strerror(errno));
	ph_track_mount(dir);
}

void ph_remount_ro(const char *dir)
{
	cr_assert_eq(mount("none", dir, "none", MS_REMOUNT | MS_RDONLY, NULL),
		     0, "remount %s read-only: %s", dir, strerror(errno));
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void ph_rmtree(const char *path)
{
	/* FTW_MOUNT: never into a filesystem still mounted below `path`. */
	if (path)
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- the lock holder ---- */

pid_t ph_lock_holder(const char *kind, const char *mode, const char *path,
		     const char *seconds)
{
	char *prog = tu_helper("lock_holder");
	char *argv[] = {prog,	      (char *)kind,    (char *)mode,
			(char *)path, (char *)seconds, NULL};
	long long deadline = ph_now_ms() + ph_slack_ms(10000);
	posix_spawn_file_actions_t fa;
	char buf[64] = "";
	size_t len = 0;
	int out[2];
	pid_t pid;

	size_t n_env = 0, k = 0;
	char **env;

	/* Without PAM_WRAPPER_SERVICE_DIR, the preloaded pam_wrapper stays
	 * off in the holder instead of copying the service files. */
	while (environ[n_env])
		n_env++;
	env = calloc(n_env + 1, sizeof(*env));
	cr_assert_not_null(env);
	for (size_t i = 0; i < n_env; i++)
		if (strncmp(environ[i], "PAM_WRAPPER_", 12) != 0)
			env[k++] = environ[i];
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	cr_assert_eq(posix_spawn(&pid, prog, &fa, NULL, argv, env), 0,
		     "spawn %s", prog);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	while (!strstr(buf, "ready\n") && len < sizeof(buf) - 1) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		long long left = deadline - ph_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	close(out[0]);
	free(prog);
	if (!strstr(buf, "ready\n")) {
		ph_stop(pid);
		cr_assert_fail("lock_holder %s did not get the lock: '%s'",
			       kind, buf);
	}
	return pid;
}

void ph_stop(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}
