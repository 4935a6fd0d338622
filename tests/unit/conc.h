/* conc.h - the concurrency scenarios, each run by 8 threads of one process
 * (test_concurrency_threads.c) or by 8 forked processes
 * (test_concurrency_procs.c) on one pool file (conc.c runs them; they live
 * in conc_insert.c and conc_edit.c). Every scenario checks the
 * workers' view while they run (no error, no torn or foreign record, no
 * record lost or duplicated where insert forbids it) and the raw file
 * afterwards (every record whole, exactly the expected set). */
#ifndef KVP_TEST_CONC_H
#define KVP_TEST_CONC_H

#include <stddef.h>

enum conc_runner {
	CONC_THREADS,
	CONC_PROCS,
};

/* Each scenario returns the number of records it found whole and as
 * expected in the file at the end. */

/* Suite init/fini: a fresh pool directory and shared worker state; fini
 * also kills and reaps any worker left by a failed assertion. */
void conc_setup(void);
void conc_teardown(void);

/* 4 writers insert distinct keys (and update some) while 4 readers read. */
size_t conc_readers_writers(enum conc_runner how);
/* 8 writers insert distinct keys, each reading its own back. */
size_t conc_writers_distinct(enum conc_runner how);
/* 8 writers insert the same keys, round after round. */
size_t conc_writers_shared(enum conc_runner how);
/* 8 writers append single records and batches. */
size_t conc_append_only(enum conc_runner how);
/* 8 workers insert, append and delete keys of their own. */
size_t conc_mixed(enum conc_runner how);

#endif
