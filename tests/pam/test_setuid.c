/* test_setuid.c - a setuid-root program (real uid nobody, effective and
 * saved uid 0, as su or passwd run) records through a child with full
 * root credentials in a session of its own, so the invoking user, who may
 * signal the program, can never stop a process that holds the pool's
 * locks; a root process (sshd, login, cron) writes in-process, without a
 * fork.
 *
 * The write is caught holding our flock: hv_kvp_daemon's POSIX lock is
 * held (lock_holder posix), so the writer has taken the flock and polls
 * for the fcntl lock; /proc/locks names the flock's owner. */
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
#include <time.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

#define WAIT_MS	 3000 /* lock_timeout_ms while a test stops processes */
#define MARGIN	 500  /* WRITER_MARGIN_MS in pam_kvp/writer.h */
#define BOUND_MS 500  /* slack on top of a deadline */

static const char *const planted[] = {"CI|1", "cloud-init's", NULL};

/* What the PAM process reports, in memory shared with the test. */
struct shared {
	int rv;	      /* pam_open_session's result; -1 until it returns */
	long long ms; /* its duration */
	int sigchld;  /* SIGCHLDs the process received meanwhile */
};
static struct shared *sh;

/* Processes a failed test may leave stopped: killed at teardown. */
static pid_t strays[4];
static size_t n_strays;

static pid_t track(pid_t pid)
{
	if (n_strays < sizeof(strays) / sizeof(strays[0]))
		strays[n_strays++] = pid;
	return pid;
}

static void setup(void)
{
	ph_init();
	ph_service("su", "session optional {KVP}\nsession required {PERMIT}\n");
	ph_service("su_fail", "session required {KVP} on_error=fail\n"
			      "session required {PERMIT}\n");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(sh != MAP_FAILED);
}

static void teardown(void)
{
	while (n_strays) {
		pid_t pid = strays[--n_strays];

		if (kill(pid, SIGKILL) == 0)
			waitpid(pid, NULL, 0); /* ECHILD for the writer */
	}
	munmap(sh, sizeof(*sh));
	ph_fini();
}

TestSuite(setuid, .init = setup, .fini = teardown);

/* ---- the PAM process ---- */

static volatile sig_atomic_t n_sigchld;

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

/* su's credentials: real uid and every gid the user's, effective and
 * saved uid 0. */
static void become_setuid_like(void)
{
	struct passwd *pw = getpwnam("nobody");

	if (!pw || setgroups(0, NULL) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, 0, 0) != 0)
		_exit(126);
}

static void become_nobody(void)
{
	struct passwd *pw = getpwnam("nobody");

	if (!pw || setgroups(0, NULL) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
		_exit(126);
}

enum who { ROOT, SETUID, NOBODY };

/* Start pam_open_session through `service` in a process of `who`, in a
 * process group of its own (a job, as a shell starts su), with `sigchld`
 * (NULL: default) as its SIGCHLD disposition. */
static pid_t pam_process(const char *service, enum who who,
			 void (*sigchld)(int))
{
	pid_t pid;

	sh->rv = -1;
	sh->ms = -1;
	sh->sigchld = -1;
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		long long start;
		int rv;

		setpgid(0, 0);
		if (sigchld) {
			struct sigaction sa = {.sa_handler = sigchld,
					       .sa_flags = SA_RESTART};
			sigaction(SIGCHLD, &sa, NULL);
		}
		if (who == SETUID)
			become_setuid_like();
		if (who == NOBODY)
			become_nobody();
		n_sigchld = 0;
		start = ph_now_ms();
		rv = ph_call(service, PAMTEST_OPEN_SESSION);
		sh->ms = ph_now_ms() - start;
		sh->sigchld = n_sigchld;
		sh->rv = rv;
		ph_pam_done();
		_exit(0);
	}
	return track(pid);
}

/* Wait (bounded) for the PAM process; its PAM result. */
static int finish(pid_t pid, int limit_ms)
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
		  "PAM process: status 0x%x", status);
	return sh->rv;
}

/* ---- processes and locks ---- */

/* The pid owning a flock(2) lock on `path`, 0 if none. */
static pid_t flock_owner(const char *path)
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

static pid_t wait_flock_owner(const char *path)
{
	long long deadline = ph_now_ms() + ph_slack_ms(5000);
	pid_t owner;

	while ((owner = flock_owner(path)) == 0 && ph_now_ms() < deadline)
		usleep(500);
	cr_assert_neq(owner, 0, "nobody took the pool's flock");
	return track(owner);
}

/* The state letter of /proc/PID/stat ('T' stopped), or 0. */
static char proc_state(pid_t pid)
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

static void wait_stopped(pid_t pid)
{
	long long deadline = ph_now_ms() + ph_slack_ms(5000);

	while (proc_state(pid) != 'T' && ph_now_ms() < deadline)
		usleep(500);
	cr_assert_eq(proc_state(pid), 'T', "process %d did not stop", (int)pid);
}

/* The "Uid:" or "Gid:" line of /proc/PID/status, tabs as spaces. */
static char *status_line(pid_t pid, const char *name)
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
	cr_assert_not_null(out);
	return out;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocking flock(LOCK_EX) (cloud-init) or F_SETLKW write lock
 * (hv_kvp_daemon) on fd, given up after `ms`: granted? */
static bool lock_within(int fd, bool posix, int ms)
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

/* The user (uid nobody, as su's real uid) signals: su may be stopped,
 * the writer not; ^Z's signal to su's process group stops su only. */
struct pids {
	pid_t pam, writer;
};

static int user_signals(void *arg)
{
	const struct pids *p = arg;
	int bad = 0;

	if (kill(p->writer, SIGSTOP) != -1 || errno != EPERM)
		bad |= 1;
	if (kill(p->pam, SIGSTOP) != 0)
		bad |= 2;
	if (kill(-p->pam, SIGSTOP) != 0)
		bad |= 4;
	return bad;
}

/* ---- the tests ---- */

Test(setuid, stopped_setuid_process_holds_no_lock)
{
	struct pids p;
	char *uid, *gid;
	long long released;
	pid_t holder;
	int fd, rc;

	ph_config("lock_timeout_ms = %d;", WAIT_MS);
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("posix", "write", ph.pool, "30");
	p.pam = pam_process("su", SETUID, NULL);
	p.writer = wait_flock_owner(ph.pool);

	/* The lock is taken by another process: root in every id, in a
	 * session (so also a process group) of its own. */
	cr_assert_neq(p.writer, p.pam, "su took the pool's lock itself");
	uid = status_line(p.writer, "Uid:");
	gid = status_line(p.writer, "Gid:");
	cr_expect_str_eq(uid, "Uid: 0 0 0 0 ");
	cr_expect_str_eq(gid, "Gid: 0 0 0 0 ");
	free(uid);
	free(gid);
	cr_expect_eq(getsid(p.writer), p.writer);
	cr_expect_neq(getpgid(p.writer), p.pam);

	/* The user stops su (and may not signal the writer); the
	 * terminal's ^Z stops su's process group, without any permission
	 * check. The writer runs on. */
	rc = ph_child(user_signals, &p, true, 5000);
	cr_assert_eq(rc, 0, "as the user: %s%s%s",
		     rc & 1 ? "the writer could be signalled; " : "",
		     rc & 2 ? "su could not be stopped; " : "",
		     rc & 4 ? "su's group could not be stopped" : "");
	cr_assert_eq(kill(-p.pam, SIGSTOP), 0);
	wait_stopped(p.pam);
	cr_assert_neq(proc_state(p.writer), 'T');

	/* hv_kvp_daemon lets go; then cloud-init's flock and the daemon's
	 * F_SETLKW are granted while su stays stopped. */
	ph_stop(holder);
	released = ph_now_ms();
	fd = open(ph.pool, O_RDWR | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert(lock_within(fd, false, WAIT_MS + 1000),
		  "flock(LOCK_EX) not granted while su is stopped");
	cr_assert(lock_within(fd, true, WAIT_MS + 1000),
		  "F_SETLKW not granted while su is stopped");
	cr_expect_leq(ph_now_ms() - released, ph_slack_ms(WAIT_MS + 1000));
	close(fd);
	cr_assert_eq(flock_owner(ph.pool), 0);
	cr_assert_eq(ph_count(), 1, "the writer recorded the event");

	cr_assert_eq(kill(p.pam, SIGCONT), 0);
	cr_assert_eq(finish(p.pam, 10000), PAM_SUCCESS);
	cr_assert_eq(ph_log_count(), 0, "%s", ph_log_text());
	cr_assert_eq(ph_count(), 1);
}

/* The negative control: a process writing in-process (root here, every
 * process before) keeps the lock while it is stopped. */
Test(setuid, stopped_root_process_keeps_the_lock)
{
	pid_t holder, pam;
	int fd;

	ph_config("lock_timeout_ms = %d;", WAIT_MS);
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("posix", "write", ph.pool, "30");
	pam = pam_process("su", ROOT, NULL);
	cr_assert_eq(wait_flock_owner(ph.pool), pam, "root forked a writer");

	cr_assert_eq(kill(-pam, SIGSTOP), 0);
	wait_stopped(pam);
	ph_stop(holder);
	fd = open(ph.pool, O_RDWR | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_not(lock_within(fd, false, 1000),
		      "flock granted beside a stopped holder");
	close(fd);
	cr_assert_eq(flock_owner(ph.pool), pam);

	cr_assert_eq(kill(pam, SIGCONT), 0);
	cr_assert_eq(finish(pam, 10000), PAM_SUCCESS);
	cr_assert_eq(ph_count(), 1);
}

/* su stopped until past its deadline: the writer's result, which came
 * meanwhile, still counts. */
Test(setuid, result_taken_after_the_deadline_passed)
{
	const int timeout = ph_slack_ms(500); /* valgrind: more */
	long long start = ph_now_ms();
	pid_t holder, pam;

	ph_config("lock_timeout_ms = %d;", timeout);
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("posix", "write", ph.pool, "30");
	pam = pam_process("su", SETUID, NULL);
	cr_assert_neq(wait_flock_owner(ph.pool), pam);
	cr_assert_eq(kill(pam, SIGSTOP), 0);
	wait_stopped(pam);
	ph_stop(holder);
	while (ph_count() < 1 && ph_now_ms() - start < ph_slack_ms(5000))
		usleep(2000);
	cr_assert_eq(ph_count(), 1);
	while (ph_now_ms() - start < timeout + MARGIN + 200)
		usleep(10000);
	cr_assert_eq(kill(pam, SIGCONT), 0);
	cr_assert_eq(finish(pam, 10000), PAM_SUCCESS);
	cr_assert_eq(ph_log_count(), 0, "%s", ph_log_text());
}

/* A writer that does not finish (stopped here by root: the user cannot)
 * is killed and reaped at lock_timeout_ms + 500 ms; the login goes on. */
Test(setuid, stuck_writer_killed_at_the_deadline)
{
	const int timeout = 1000;
	pid_t holder, pam, writer;
	int fd;

	ph_config("lock_timeout_ms = %d;", timeout);
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("posix", "write", ph.pool, "30");
	pam = pam_process("su_fail", SETUID, NULL);
	writer = wait_flock_owner(ph.pool);
	cr_assert_neq(writer, pam);
	cr_assert_eq(kill(writer, SIGSTOP), 0);

	cr_assert_eq(finish(pam, 10000), PAM_SESSION_ERR);
	cr_expect_geq(sh->ms, timeout + MARGIN - 20, "%lld ms", sh->ms);
	cr_expect_leq(sh->ms, ph_slack_ms(timeout + MARGIN + BOUND_MS),
		      "%lld ms", sh->ms);
	ph_log_expect("session_open event not recorded", "writer process",
		      "gave no result within 1500 ms", "killed", NULL);
	cr_assert_eq(kill(writer, 0), -1, "the writer was not reaped");
	cr_assert_eq(flock_owner(ph.pool), 0);
	fd = open(ph.pool, O_RDWR | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	ph_stop(holder);
	cr_assert_eq(ph_count(), 0);
}

/* With su stopped, nobody is left to kill a stuck writer: it ends
 * itself at lock_timeout_ms + 500 ms (its own timer), dropping the lock. */
Test(setuid, writer_ends_itself_while_su_is_stopped)
{
	const int timeout = ph_slack_ms(500);
	long long start = ph_now_ms();
	pid_t holder, pam, writer;

	ph_config("lock_timeout_ms = %d;", timeout);
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("posix", "write", ph.pool, "30");
	pam = pam_process("su", SETUID, NULL);
	writer = wait_flock_owner(ph.pool);
	cr_assert_neq(writer, pam);
	cr_assert_eq(kill(pam, SIGSTOP), 0);
	wait_stopped(pam);
	cr_assert_eq(kill(writer, SIGSTOP), 0);
	while (proc_state(writer) != 'Z' &&
	       ph_now_ms() - start < timeout + MARGIN + 5000)
		usleep(2000);
	cr_assert_eq(proc_state(writer), 'Z', "the writer is still alive");
	cr_expect_geq(ph_now_ms() - start, timeout + MARGIN - 20);
	cr_assert_eq(flock_owner(ph.pool), 0);
	ph_stop(holder);

	cr_assert_eq(kill(pam, SIGCONT), 0);
	cr_assert_eq(finish(pam, 10000), PAM_SUCCESS);
	ph_log_expect("session_open event not recorded", "writer process",
		      "gave no result", NULL);
	cr_assert_eq(ph_count(), 0);
}

/* The library's own error comes back from the writer, and the failure
 * policy applies as in-process. */
Test(setuid, writer_error_reported_and_policy_kept)
{
	pid_t holder;

	ph_config("lock_timeout_ms = 150;");
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("both", "write", ph.pool, "30");
	cr_assert_eq(finish(pam_process("su", SETUID, NULL), 10000),
		     PAM_SUCCESS);
	ph_log_expect("session_open event not recorded", "lock timeout",
		      "flock not granted within 150 ms", NULL);
	ph_log_clear();
	cr_assert_eq(finish(pam_process("su_fail", SETUID, NULL), 10000),
		     PAM_SESSION_ERR);
	ph_log_expect("lock timeout", "flock not granted within 150 ms", NULL);
	ph_stop(holder);
	cr_assert_eq(ph_count(), 0);
}

/* Root (sshd, login, cron) and an unprivileged process never fork; a
 * setuid process forks exactly one writer. */
Test(setuid, only_a_setuid_process_forks)
{
	cr_assert_eq(finish(pam_process("su", ROOT, count_sigchld), 10000),
		     PAM_SUCCESS);
	cr_expect_eq(sh->sigchld, 0, "root forked");
	cr_assert_eq(ph_count(), 1);
	cr_assert_eq(finish(pam_process("su", SETUID, count_sigchld), 10000),
		     PAM_SUCCESS);
	cr_expect_eq(sh->sigchld, 1);
	cr_assert_eq(ph_count(), 2);
	/* nobody cannot write the root-owned pool: it tries in-process. */
	cr_assert_eq(finish(pam_process("su", NOBODY, count_sigchld), 10000),
		     PAM_SUCCESS);
	cr_expect_eq(sh->sigchld, 0, "an unprivileged process forked");
}

/* A host that reaps children itself, or ignores SIGCHLD, may take the
 * writer's exit status first: the result still comes through. */
Test(setuid, host_reaping_or_ignoring_children)
{
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(finish(pam_process("su", SETUID, reap_all), 10000),
			     PAM_SUCCESS);
		cr_assert_eq(finish(pam_process("su", SETUID, SIG_IGN), 10000),
			     PAM_SUCCESS);
	}
	cr_assert_eq(ph_log_count(), 0, "%s", ph_log_text());
	cr_assert_eq(ph_count(), 20);
}

/* Files the writer makes are root's, group too (su's gid is the
 * user's). */
Test(setuid, files_created_by_the_writer_are_roots)
{
	struct stat st;

	ph_config("fields = { user = \"hash\"; };");
	cr_assert_eq(finish(pam_process("su", SETUID, NULL), 10000),
		     PAM_SUCCESS);
	cr_assert_eq(ph_log_count(), 0, "%s", ph_log_text());
	cr_assert_eq(stat(ph.pool, &st), 0);
	cr_expect_eq(st.st_uid, 0);
	cr_expect_eq(st.st_gid, 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(stat(ph.key_file, &st), 0);
	cr_expect_eq(st.st_uid, 0);
	cr_expect_eq(st.st_gid, 0);
	cr_assert_eq(ph_count(), 1);
}
