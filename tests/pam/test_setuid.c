/* test_setuid.c - a setuid-root program (real uid nobody, effective and
 * saved uid 0, as su or passwd run), stopped by its user in the middle of
 * a write, holds no lock on the pool: the write runs in a child with root
 * in every id, in a session of its own, which the user cannot signal and
 * the terminal's ^Z does not reach. A root process writes in-process and,
 * stopped, keeps the lock (the negative control). The child's result
 * counts even when it comes while su is stopped; a stuck child is killed
 * at lock_timeout_ms + 500 ms, by su or by its own timer.
 *
 * The write is caught holding our flock: hv_kvp_daemon's POSIX lock is
 * held (lock_holder posix), so the writer has taken the flock and polls
 * for the fcntl lock; /proc/locks names the flock's owner. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

#define WAIT_MS	 3000 /* lock_timeout_ms while a test stops processes */
#define MARGIN	 500  /* WRITER_MARGIN_MS in pam_kvp/writer.h */
#define BOUND_MS 500  /* slack on top of a deadline */

static const char *const planted[] = {"CI|1", "cloud-init's", NULL};

static void setup(void)
{
	ph_init();
	ph_service("su", "session optional {KVP}\nsession required {PERMIT}\n");
	ph_service("su_fail", "session required {KVP} on_error=fail\n"
			      "session required {PERMIT}\n");
}

TestSuite(setuid, .init = setup, .fini = ph_fini);

/* A PAM process of `who` whose write waits for hv_kvp_daemon's lock,
 * holding our flock; the flock's owner into *writer. */
static pid_t caught_writing(enum ph_who who, const char *service,
			    int timeout_ms, pid_t *holder, pid_t *writer)
{
	pid_t pam;

	ph_config("lock_timeout_ms = %d;", timeout_ms);
	tu_plant(ph.pool, planted);
	*holder = ph_lock_holder("posix", "write", ph.pool, "30");
	pam = ph_pam_process(service, who, PH_SIGCHLD_DEFAULT, NULL);
	*writer = ph_wait_flock_owner(ph.pool);
	return pam;
}

/* As the user (uid nobody, su's real uid): su may be stopped, the writer
 * not; su's process group can be stopped too (the writer is not in it). */
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

Test(setuid, stopped_setuid_process_holds_no_lock)
{
	struct pids p;
	char *uid, *gid;
	long long released;
	pid_t holder;
	int fd, rc;

	p.pam = caught_writing(PH_SETUID, "su", WAIT_MS, &holder, &p.writer);

	/* The lock is taken by another process: root in every id, in a
	 * session (so also a process group) of its own. */
	cr_assert_neq(p.writer, p.pam, "su took the pool's lock itself");
	uid = ph_status_line(p.writer, "Uid:");
	gid = ph_status_line(p.writer, "Gid:");
	cr_expect_str_eq(uid, "Uid: 0 0 0 0 ");
	cr_expect_str_eq(gid, "Gid: 0 0 0 0 ");
	free(uid);
	free(gid);
	cr_expect_eq(getsid(p.writer), p.writer);
	cr_expect_neq(getpgid(p.writer), p.pam);

	/* The user stops su and cannot signal the writer; the terminal's
	 * ^Z stops su's process group without any permission check. The
	 * writer runs on. */
	rc = ph_child(user_signals, &p, true, 5000);
	cr_assert_eq(rc, 0, "as the user: %s%s%s",
		     rc & 1 ? "the writer could be signalled; " : "",
		     rc & 2 ? "su could not be stopped; " : "",
		     rc & 4 ? "su's group could not be stopped" : "");
	cr_assert_eq(kill(-p.pam, SIGSTOP), 0);
	ph_wait_stopped(p.pam);
	cr_assert_neq(ph_proc_state(p.writer), 'T');

	/* hv_kvp_daemon lets go; then cloud-init's flock and the daemon's
	 * F_SETLKW are granted while su stays stopped. */
	ph_stop(holder);
	released = ph_now_ms();
	fd = open(ph.pool, O_RDWR | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert(ph_lock_within(fd, false, WAIT_MS + 1000),
		  "flock(LOCK_EX) not granted while su is stopped");
	cr_assert(ph_lock_within(fd, true, WAIT_MS + 1000),
		  "F_SETLKW not granted while su is stopped");
	cr_expect_leq(ph_now_ms() - released, ph_slack_ms(WAIT_MS + 1000));
	close(fd);
	cr_assert_eq(ph_flock_owner(ph.pool), 0);
	cr_assert_eq(ph_count(), 1, "the writer recorded the event");

	cr_assert_eq(kill(p.pam, SIGCONT), 0);
	cr_assert_eq(ph_pam_finish(p.pam, 10000, NULL), PAM_SUCCESS);
	cr_assert_eq(ph_log_count(), 0, "%s", ph_log_text());
	cr_assert_eq(ph_count(), 1);
}

/* The negative control: a process writing in-process (root here, every
 * caller before) keeps the lock while it is stopped. */
Test(setuid, stopped_root_process_keeps_the_lock)
{
	pid_t holder, pam, writer;
	int fd;

	pam = caught_writing(PH_ROOT, "su", WAIT_MS, &holder, &writer);
	cr_assert_eq(writer, pam, "root forked a writer");

	cr_assert_eq(kill(-pam, SIGSTOP), 0);
	ph_wait_stopped(pam);
	ph_stop(holder);
	fd = open(ph.pool, O_RDWR | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_not(ph_lock_within(fd, false, 1000),
		      "flock granted beside a stopped holder");
	close(fd);
	cr_assert_eq(ph_flock_owner(ph.pool), pam);

	cr_assert_eq(kill(pam, SIGCONT), 0);
	cr_assert_eq(ph_pam_finish(pam, 10000, NULL), PAM_SUCCESS);
	cr_assert_eq(ph_count(), 1);
}

/* su stopped until past its deadline: the writer's result, which came
 * meanwhile, still counts. */
Test(setuid, result_taken_after_the_deadline_passed)
{
	const int timeout = ph_slack_ms(500); /* valgrind: more */
	long long start = ph_now_ms();
	pid_t holder, pam, writer;

	pam = caught_writing(PH_SETUID, "su", timeout, &holder, &writer);
	cr_assert_neq(writer, pam);
	cr_assert_eq(kill(pam, SIGSTOP), 0);
	ph_wait_stopped(pam);
	ph_stop(holder);
	while (ph_count() < 1 && ph_now_ms() - start < ph_slack_ms(5000))
		usleep(2000);
	cr_assert_eq(ph_count(), 1);
	while (ph_now_ms() - start < timeout + MARGIN + 200)
		usleep(10000);
	cr_assert_eq(kill(pam, SIGCONT), 0);
	cr_assert_eq(ph_pam_finish(pam, 10000, NULL), PAM_SUCCESS);
	cr_assert_eq(ph_log_count(), 0, "%s", ph_log_text());
}

/* A writer that does not finish (stopped here by root: the user cannot)
 * is killed and reaped at lock_timeout_ms + 500 ms; the login goes on. */
Test(setuid, stuck_writer_killed_at_the_deadline)
{
	const int timeout = 1000;
	struct ph_pam_result r;
	pid_t holder, pam, writer;
	int fd;

	pam = caught_writing(PH_SETUID, "su_fail", timeout, &holder, &writer);
	cr_assert_neq(writer, pam);
	cr_assert_eq(kill(writer, SIGSTOP), 0);

	cr_assert_eq(ph_pam_finish(pam, 10000, &r), PAM_SESSION_ERR);
	cr_expect_geq(r.ms, timeout + MARGIN - 20, "%lld ms", r.ms);
	cr_expect_leq(r.ms, ph_slack_ms(timeout + MARGIN + BOUND_MS), "%lld ms",
		      r.ms);
	ph_log_expect("session_open event not recorded", "writer process",
		      "gave no result within 1500 ms", "killed", NULL);
	cr_assert_eq(kill(writer, 0), -1, "the writer was not reaped");
	cr_assert_eq(ph_flock_owner(ph.pool), 0);
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

	pam = caught_writing(PH_SETUID, "su", timeout, &holder, &writer);
	cr_assert_neq(writer, pam);
	cr_assert_eq(kill(pam, SIGSTOP), 0);
	ph_wait_stopped(pam);
	cr_assert_eq(kill(writer, SIGSTOP), 0);
	while (ph_proc_state(writer) != 'Z' &&
	       ph_now_ms() - start < timeout + MARGIN + 5000)
		usleep(2000);
	cr_assert_eq(ph_proc_state(writer), 'Z', "the writer is still alive");
	cr_expect_geq(ph_now_ms() - start, timeout + MARGIN - 20);
	cr_assert_eq(ph_flock_owner(ph.pool), 0);
	ph_stop(holder);

	cr_assert_eq(kill(pam, SIGCONT), 0);
	cr_assert_eq(ph_pam_finish(pam, 10000, NULL), PAM_SUCCESS);
	ph_log_expect("session_open event not recorded", "writer process",
		      "gave no result", NULL);
	cr_assert_eq(ph_count(), 0);
}
