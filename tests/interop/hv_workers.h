/* hv_workers.h - libkvpcore writer processes for the interop concurrency
 * tests. Each runs fn(index, arg) in a forked child (which dies with the
 * test worker), all held at a start line until hw_go(); results travel
 * through memory from hw_shared(). Children never call Criterion: they
 * exit 0 (all fine) or 1 and leave the detail in shared memory.
 */
#ifndef KVP_HV_WORKERS_H
#define KVP_HV_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zeroed memory shared with children forked afterwards (never freed
 * before the test process ends: children may still hold it). */
void *hw_shared(size_t bytes);

/* Fork `n` children that wait for hw_go(), then _exit(fn(i, arg)). */
void hw_spawn(int n, int (*fn)(int index, void *arg), void *arg);
void hw_go(void);
/* Reap what has exited, without blocking; true when none is left.
 * *failed (if not NULL) counts children that did not exit 0 so far. */
bool hw_done(int *failed);
/* Wait (bounded) for all; kill what is left. Returns the failures. */
int hw_wait_all(int timeout_ms);
/* SIGKILL and reap every child still running (for .fini). */
void hw_kill_all(void);

/* CLOCK_MONOTONIC in nanoseconds (the clock the shim's windows use). */
int64_t hw_now_ns(void);

#endif
