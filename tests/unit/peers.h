/* peers.h - child processes of the lock and concurrency tests: the
 * lock_holder helper program (with a line-based readiness handshake on its
 * stdout) and forked workers. Every child started here dies with the test
 * worker (PR_SET_PDEATHSIG) and is killed and reaped by peers_reap_all(),
 * which each suite calls from its fini, so a failed assertion leaves no
 * process behind. All functions assert (Criterion) on failure: call them
 * from the test's main thread only. */
#ifndef KVP_TEST_PEERS_H
#define KVP_TEST_PEERS_H

#include <stdbool.h>
#include <sys/types.h>

/* Generous bound for a peer to start and answer: lock_holder runs under
 * valgrind too when the suites do. */
#define PEER_START_TIMEOUT_MS 30000

struct peer {
	pid_t pid;
	int out_fd; /* its stdout */
	int in_fd;  /* its stdin */
};

/* Start lock_holder with `args` (NULL-terminated, without argv[0]). */
void peer_start(struct peer *p, const char *const args[]);

/* Read one line from the peer's stdout (without the newline) into `line`,
 * waiting at most timeout_ms; asserts on timeout or when the peer exits. */
void peer_read_line(struct peer *p, char *line, size_t cap, int timeout_ms);

/* peer_read_line() and assert the line starts with `want`. */
void peer_expect(struct peer *p, const char *want);

/* Start lock_holder and wait for its "ready". */
void peer_start_ready(struct peer *p, const char *const args[]);

/* Write one line to the peer's stdin. */
void peer_send(struct peer *p, const char *line);

/* Wait at most timeout_ms for the peer to exit and return its wait status
 * (it is killed and the test fails on timeout). */
int peer_wait(struct peer *p, int timeout_ms);

/* True when the peer has exited (then reaped; *status gets its status). */
bool peer_exited(struct peer *p, int *status);

/* SIGKILL the peer and reap it (no-op when already reaped). */
void peer_kill(struct peer *p);

/* Fork a child that runs fn(arg) and _exit()s with its result. */
pid_t peer_fork(int (*fn)(void *), void *arg);

/* Wait at most timeout_ms for a forked child; returns its wait status. */
int peer_wait_pid(pid_t pid, int timeout_ms);

/* Kill and reap every child still registered (suite fini). */
void peers_reap_all(void);

/* CLOCK_MONOTONIC in milliseconds (fractional). */
double peers_now_ms(void);

#endif
