/* sshd_proc.h - the programs the sshd suite runs (sshd, ssh, sshpass,
 * ssh-keygen): started through `/bin/sh -c 'exec "$0" "$@"'` with an
 * explicit environment, so valgrind (told to skip the shell) never
 * traces them and nothing of the test's own environment leaks in.
 * Every child dies with the test (PR_SET_PDEATHSIG), every wait has a
 * deadline, and every child is reaped. */
#ifndef KVP_SSHD_PROC_H
#define KVP_SSHD_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Exit status as sp_* report it: the exit code, or 128 + N when killed by
 * signal N. */

/* A started child. */
struct sp_child {
	pid_t pid; /* 0 once reaped */
	int pidfd; /* -1 without pidfd_open (then waits poll every 10 ms) */
	int out;   /* memfd with its stdout, or -1 */
	int err;   /* memfd with its stderr, or -1 */
	char name[64];
};

/* Start argv (argv[0] an absolute path) with exactly `envp`, stdin from
 * /dev/null. stdout and stderr go to `log_fd` when it is >= 0, else each
 * to a memfd of the child's (sp_out / sp_err). */
void sp_start(struct sp_child *c, const char *const *argv,
	      const char *const *envp, int log_fd);
/* Wait at most timeout_ms for it to exit: its status, or -1 if it still
 * runs. */
int sp_wait(struct sp_child *c, int timeout_ms);
/* True while it runs (reaps it when it has exited; *status then). */
bool sp_running(struct sp_child *c, int *status);
/* Its stdout / stderr so far, malloc'd and NUL-terminated. */
char *sp_out(const struct sp_child *c);
char *sp_err(const struct sp_child *c);
/* SIGKILL every process descended from it (found through
 * /proc/PID/task/PID/children), then stop it: SIGTERM, at most
 * grace_ms, then SIGKILL; reaped either way. Closes everything;
 * idempotent. */
void sp_stop(struct sp_child *c, int grace_ms);

/* The pidfd (or -1) to poll on for the child's exit. */
int sp_pollfd(const struct sp_child *c);

/* Run to completion, at most timeout_ms (then kill it and fail the test
 * with its stderr); returns the status and, when not NULL, its stdout and
 * stderr (malloc'd). */
int sp_run(const char *const *argv, const char *const *envp, int timeout_ms,
	   char **out, char **err);

/* Milliseconds on CLOCK_MONOTONIC, and what is left until a deadline. */
long long sp_now_ms(void);
int sp_left_ms(long long deadline);

#endif
