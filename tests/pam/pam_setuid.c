/* pam_setuid.c - see pam_harness.h: a PAM call in a process with the
 * credentials of a setuid-root program (or root's, or nobody's), started
 * asynchronously so a test can stop it mid-write, and what a test needs
 * to watch it: who owns the pool's flock (/proc/locks), a process's state,
 * and a blocking lock with a deadline as the pool's other writers take
 * it. Processes a failed test leaves behind are killed at ph_fini(). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pam_harness.h"

#define MAX_STRAYS 8

static struct ph_pam_result *shared; /* mapped shared, in the worker */
static pid_t strays[MAX_STRAYS];
static size_t n_strays;
static volatile sig_atomic_t n_sigchld;

static pid_t track(pid_t pid)
{
	if (n_strays < MAX_STRAYS)
		strays[n_strays++] = pid;
	return pid;
}

void ph_setuid_fini(void)
{
	while (n_strays) {
		pid_t pid = strays[--n_strays];

		if (kill(pid, SIGKILL) == 0)
			waitpid(pid, NULL, 0); /* ECHILD for a grandchild */
	}
	if (shared)
		munmap(shared, sizeof(*shared));
	shared = NULL;
}

/* ---- the PAM process ---- */

static void count_sigchld(int sig)
{
	(void)sig;
	n_sigchld++;
}

/* A host that reaps every child itself, as some daemons do. */
static void reap_all(int sig)
{
	int saved = errno;

	(void)sig;
	n_sigchld++;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void set_sigchld(enum ph_sigchld how)
{
	struct sigaction sa = {.sa_flags = SA_RESTART};

	switch (how) {
	case PH_SIGCHLD_DEFAULT: return;
	case PH_SIGCHLD_COUNT: sa.sa_handler = count_sigchld; break;
	case PH_SIGCHLD_REAP: sa.sa_handler = reap_all; break;
	case PH_SIGCHLD_IGNORE: sa.sa_handler = SIG_IGN; break;
	}
	sigaction(SIGCHLD, &sa, NULL);
}

/* PH_SETUID: as su runs, real uid and every gid the user's, effective
 * and saved uid 0. PH_NOBODY: nobody in every id. */
static void become(enum ph_who who)
{
	struct passwd *pw = getpwnam("nobody");

	if (who == PH_ROOT)
		return;
	if (!pw || setgroups(0, NULL) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, who == PH_SETUID ? 0 : pw->pw_uid,
		      who == PH_SETUID ? 0 : pw->pw_uid) != 0)
		_exit(126);
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	r = fprintf(f, "%ld\n", (long)getpid()) > 0 ? 0 : -1;
	return fclose(f) == 0 ? r : -1;
}

pid_t ph_pam_process(const char *service, enum ph_who who,
		     enum ph_sigchld sigchld, const char *cgroup)
{
	pid_t pid;

	if (!shared) {
		shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		cr_assert(shared != MAP_FAILED);
	}
	shared->rv = -1;
	shared->ms = -1;
	shared->sigchld = -1;
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		long long start;
		int rv;

		setpgid(0, 0);
		set_sigchld(sigchld);
		if (cgroup && join_cgroup(cgroup) != 0)
			_exit(125);
		become(who);
		n_sigchld = 0;
		start = ph_now_ms();
		rv = ph_call(service, PAMTEST_OPEN_SESSION);
		shared->ms = ph_now_ms() - start;
		shared->sigchld = n_sigchld;
		shared->rv = rv;
		ph_pam_done();
		_exit(0);
	}
	return track(pid);
}

int ph_pam_finish(pid_t pid, int limit_ms, struct ph_pam_result *out)
{
	long long deadline = ph_now_ms() + ph_slack_ms(limit_ms);
	int status = 0;
	pid_t done;

	while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
	       ph_now_ms() < deadline)
		usleep(2000);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("PAM process still running after %d ms",
			       limit_ms);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "PAM process: status 0x%x (126: credentials, 125: cgroup)",
		  status);
	if (out)
		*out = *shared;
	return shared->rv;
}

/* ---- watching processes and locks ---- */

pid_t ph_flock_owner(const char *path)
{
	struct stat st;
	char id[64], line[256];
	pid_t owner = 0;
	FILE *f;

	cr_assert_eq(stat(path, &st), 0);
	snprintf(id, sizeof(id), "%02x:%02x:%lu", major(st.st_dev),
		 minor(st.st_dev), (unsigned long)st.st_ino);
	f = fopen("/proc/locks", "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		char kind[16], ino[64];
		long pid;

		/* "->" lines are waiters; ours poll and never show. */
		if (strstr(line, "->") ||
		    sscanf(line, "%*d: %15s %*s %*s %ld %63s", kind, &pid,
			   ino) != 3)
			continue;
		if (strcmp(kind, "FLOCK") == 0 && strcmp(ino, id) == 0)
			owner = (pid_t)pid;
	}
	fclose(f);
	return owner;
}

pid_t ph_wait_flock_owner(const char *path)
{
	long long deadline = ph_now_ms() + ph_slack_ms(5000);
	pid_t owner;

	while ((owner = ph_flock_owner(path)) == 0 && ph_now_ms() < deadline)
		usleep(500);
	cr_assert_neq(owner, 0, "nobody took the pool's flock");
	return track(owner);
}

char ph_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

void ph_wait_stopped(pid_t pid)
{
	long long deadline = ph_now_ms() + ph_slack_ms(5000);

	while (ph_proc_state(pid) != 'T' && ph_now_ms() < deadline)
		usleep(500);
	cr_assert_eq(ph_proc_state(pid), 'T', "process %d did not stop",
		     (int)pid);
}

char *ph_status_line(pid_t pid, const char *name)
{
	char path[64], line[256], *out = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (!out && fgets(line, sizeof(line), f))
		if (strncmp(line, name, strlen(name)) == 0) {
			for (char *c = line; *c; c++)
				if (*c == '\t' || *c == '\n')
					*c = ' ';
			out = strdup(line);
		}
	fclose(f);
	cr_assert_not_null(out, "no %s in %s", name, path);
	return out;
}

static void on_alarm(int sig)
{
	(void)sig;
}

bool ph_lock_within(int fd, bool posix, int ms)
{
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	struct itimerval t = {.it_value = {ms / 1000, (ms % 1000) * 1000}};
	struct itimerval off = {0};
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int r;

	cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
	cr_assert_eq(setitimer(ITIMER_REAL, &t, NULL), 0);
	r = posix ? fcntl(fd, F_SETLKW, &fl) : flock(fd, LOCK_EX);
	setitimer(ITIMER_REAL, &off, NULL);
	return r == 0;
}
