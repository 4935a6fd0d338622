/* test_setuid_paths.c - who writes where: only a setuid-root caller
 * (effective uid 0, real or saved uid not) forks a writer; root callers
 * (sshd, login, cron) and unprivileged ones write in-process. Through the
 * child the library's error and the failure policy come back as they do
 * in-process, a host that reaps or ignores its children changes nothing,
 * files the child creates are root's, and a fork that fails loses the
 * record rather than writing it in-process. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

static const char *const planted[] = {"CI|1", "cloud-init's", NULL};

static void setup(void)
{
	ph_init();
	ph_service("su", "session optional {KVP}\nsession required {PERMIT}\n");
	ph_service("su_fail", "session required {KVP} on_error=fail\n"
			      "session required {PERMIT}\n");
}

TestSuite(setuid_paths, .init = setup, .fini = ph_fini);

/* pam_open_session through `service` as `who`; its result. */
static int open_as(const char *service, enum ph_who who, enum ph_sigchld how,
		   struct ph_pam_result *out)
{
	return ph_pam_finish(ph_pam_process(service, who, how, NULL), 10000,
			     out);
}

/* Root and an unprivileged process never fork; a setuid process forks
 * exactly one writer (one SIGCHLD). */
Test(setuid_paths, only_a_setuid_process_forks)
{
	struct ph_pam_result r;

	cr_assert_eq(open_as("su", PH_ROOT, PH_SIGCHLD_COUNT, &r), PAM_SUCCESS);
	cr_expect_eq(r.sigchld, 0, "root forked");
	cr_assert_eq(ph_count(), 1);
	cr_assert_eq(open_as("su", PH_SETUID, PH_SIGCHLD_COUNT, &r),
		     PAM_SUCCESS);
	cr_expect_eq(r.sigchld, 1);
	cr_assert_eq(ph_count(), 2);
	/* nobody cannot write the root-owned pool; it tries in-process. */
	cr_assert_eq(open_as("su", PH_NOBODY, PH_SIGCHLD_COUNT, &r),
		     PAM_SUCCESS);
	cr_expect_eq(r.sigchld, 0, "an unprivileged process forked");
}

/* The library's own error comes back from the writer, and the failure
 * policy applies as in-process. */
Test(setuid_paths, writer_error_reported_and_policy_kept)
{
	pid_t holder;

	ph_config("lock_timeout_ms = 150;");
	tu_plant(ph.pool, planted);
	holder = ph_lock_holder("both", "write", ph.pool, "30");
	cr_assert_eq(open_as("su", PH_SETUID, PH_SIGCHLD_DEFAULT, NULL),
		     PAM_SUCCESS);
	ph_log_expect("session_open event not recorded", "lock timeout",
		      "flock not granted within 150 ms", NULL);
	ph_log_clear();
	cr_assert_eq(open_as("su_fail", PH_SETUID, PH_SIGCHLD_DEFAULT, NULL),
		     PAM_SESSION_ERR);
	ph_log_expect("lock timeout", "flock not granted within 150 ms", NULL);
	ph_stop(holder);
	cr_assert_eq(ph_count(), 0);
}

/* A host that reaps children itself, or ignores SIGCHLD, may take the
 * writer's exit status first: the result still comes through the pipe. */
Test(setuid_paths, host_reaping_or_ignoring_children)
{
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(open_as("su", PH_SETUID, PH_SIGCHLD_REAP, NULL),
			     PAM_SUCCESS);
		cr_assert_eq(open_as("su", PH_SETUID, PH_SIGCHLD_IGNORE, NULL),
			     PAM_SUCCESS);
	}
	cr_assert_eq(ph_log_count(), 0, "%s", ph_log_text());
	cr_assert_eq(ph_count(), 20);
}

/* Files the writer makes are root's, group too (su's gid is the
 * user's). */
Test(setuid_paths, files_created_by_the_writer_are_roots)
{
	struct stat st;

	ph_config("fields = { user = \"hash\"; };");
	cr_assert_eq(open_as("su", PH_SETUID, PH_SIGCHLD_DEFAULT, NULL),
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

static char *cgroup; /* a pids cgroup of the test's, removed at the end */

/* Runs before the suite's ph_fini(). */
static void remove_cgroup(void)
{
	ph_setuid_fini(); /* kills what a failure left in the cgroup */
	if (cgroup)
		rmdir(cgroup);
	free(cgroup);
	cgroup = NULL;
}

/* Where a pids cgroup can be made: the cgroup v1 pids hierarchy, or the
 * cgroup v2 root when its children get the pids controller; NULL. */
static const char *pids_base(void)
{
	const char *v2 = "/sys/fs/cgroup/cgroup.subtree_control";
	char line[256] = "";
	FILE *f;

	if (access("/sys/fs/cgroup/pids/cgroup.procs", W_OK) == 0)
		return "/sys/fs/cgroup/pids";
	f = fopen(v2, "r");
	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return strstr(line, "pids") ? "/sys/fs/cgroup" : NULL;
}

/* A fork that fails (here: pids.max of a cgroup, which a user can set on
 * a delegated one) loses the record; it is never written in-process. */
Test(setuid_paths, failed_fork_is_a_failed_record_not_a_fallback,
     .fini = remove_cgroup)
{
	const char *base = pids_base();
	char max[4096];
	pid_t pam;
	FILE *f;

	if (!base)
		cr_skip_test("no pids cgroup controller to limit a fork with");
	cr_assert(
	    asprintf(&cgroup, "%s/pam_kvp_test.%ld", base, (long)getpid()) > 0);
	if (mkdir(cgroup, 0755) != 0) {
		free(cgroup);
		cgroup = NULL;
		cr_skip_test("cannot make a pids cgroup: %s", strerror(errno));
	}
	snprintf(max, sizeof(max), "%s/pids.max", cgroup);
	f = fopen(max, "w");
	cr_assert_not_null(f);
	cr_assert(fputs("1\n", f) >= 0); /* the process itself, no child */
	cr_assert_eq(fclose(f), 0);

	pam = ph_pam_process("su", PH_SETUID, PH_SIGCHLD_DEFAULT, cgroup);
	cr_assert_eq(ph_pam_finish(pam, 10000, NULL), PAM_SUCCESS);
	ph_log_expect("session_open event not recorded", "writer process: fork",
		      NULL);
	ph_log_clear();
	pam = ph_pam_process("su_fail", PH_SETUID, PH_SIGCHLD_DEFAULT, cgroup);
	cr_assert_eq(ph_pam_finish(pam, 10000, NULL), PAM_SESSION_ERR);
	ph_log_expect("writer process: fork", NULL);
	cr_assert_eq(tu_file_size(ph.pool), -1, "written without a child");
}
