/* conc_run.h - what the concurrency scenarios (conc_insert.c,
 * conc_edit.c) share: the runner and the helpers their workers use. The
 * worker helpers never assert: they return 0, or 1 after recording what
 * went wrong for the runner to report. */
#ifndef KVP_TEST_CONC_RUN_H
#define KVP_TEST_CONC_RUN_H

#include "conc.h"
#include "kvp/kvp.h"

#define CONC_WORKERS 8

/* The store every worker uses (the suite's pool, long lock timeout). */
extern kvp_store *conc_store;

/* Run fn(id) for ids 0..CONC_WORKERS-1, all started together, as threads
 * or processes; assert that each returned 0. `writers` is the number of
 * workers that will call conc_writer_done(). */
void conc_run(enum conc_runner how, const char *name, int (*fn)(int id),
	      int writers);

/* Writers still running, and a writer saying it is done. */
int conc_writers_left(void);
void conc_writer_done(void);

/* Record worker id's failure; returns 1. */
__attribute__((format(printf, 2, 3))) int conc_fail(int id, const char *fmt,
						    ...);

/* Account one store call of worker id that started at t0 (peers_now_ms). */
void conc_timed(int id, double t0);

/* Insert key (value made with `note`) and read it back: only the caller
 * writes that key, so the read must return exactly that value. */
int conc_insert_own(int id, const char *key, const char *note);

/* A dump or entries result as every reader must see it (r is what the
 * call returned): no error, no torn tail, every record consistent. */
int conc_check_list(int id, int r, const kvp_record_list *l, const char *what);

#endif
