/* cloudinit_proc.h - child processes for the cloud-init interop tests: run
 * a command to completion with its output captured, or keep one running
 * and talk to it line by line. Every wait has a deadline (the test fails
 * with the child's stderr when it passes), every child is reaped, and a
 * child dies with the test process (PR_SET_PDEATHSIG). */
#ifndef KVP_CLOUDINIT_PROC_H
#define KVP_CLOUDINIT_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Exit status as cp_* report it: the exit code, or 128 + N when killed by
 * signal N. */

struct cp_result {
	int status;
	char *out; /* stdout, NUL-terminated; out_len excludes the NUL */
	size_t out_len;
	char *err; /* stderr, NUL-terminated */
};

/* Run argv (argv[0] is a path; NULL-terminated) with stdin from /dev/null
 * and wait for it, at most timeout_ms (then it is killed and the test
 * fails). Safe to call while other threads run. */
void cp_run(const char *const *argv, int timeout_ms, struct cp_result *r);
void cp_result_free(struct cp_result *r);

/* A running child with pipes to its stdin and from its stdout; its stderr
 * is kept in memory. */
struct cp_child {
	pid_t pid; /* 0 once reaped */
	int pidfd;
	int in;	   /* write end of its stdin, -1 once closed */
	int out;   /* read end of its stdout */
	int err;   /* memfd holding its stderr */
	char *buf; /* stdout read but not yet returned */
	size_t len, cap;
	char name[64];
};

void cp_start(struct cp_child *c, const char *const *argv);
/* Write one line (a newline is added) to its stdin. */
void cp_send(struct cp_child *c, const char *line);
/* The next stdout line without its newline (malloc'd), waiting at most
 * timeout_ms; the test fails on timeout or end of output. */
char *cp_read_line(struct cp_child *c, int timeout_ms);
/* Its stderr so far (malloc'd). */
char *cp_stderr(struct cp_child *c);
/* Close its stdin and wait at most timeout_ms for it to exit (then kill
 * it and fail); returns the exit status. Unread stdout is discarded. */
int cp_finish(struct cp_child *c, int timeout_ms);
/* Kill and reap it if it still runs, release everything; idempotent. */
void cp_kill(struct cp_child *c);
/* True while it has not exited (reaps it when it has). */
int cp_alive(struct cp_child *c);

#endif
