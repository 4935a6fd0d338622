/* conc_model.h - the shape of the interop concurrency scenario
 * (test_hv_kvp_daemon_concurrency.c): who writes which keys, the call log
 * the writer processes leave in shared memory, and the final check
 * (conc_check.c) that explains every record of the pool from that log, the
 * host's own model and the daemon's logged rewrite gaps.
 */
#ifndef KVP_CONC_MODEL_H
#define KVP_CONC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "hv_daemon.h"

#define PROCS	   4
#define THREADS	   2
#define WRITERS	   (PROCS * THREADS)
#define OPS	   150 /* calls per writer thread */
#define IKEYS	   6   /* keys each writer inserts and deletes */
#define HKEYS	   12  /* host|0 .. host|11 */
#define MIN_ROUNDS 60  /* host rounds, however fast the writers are */
#define KEY_MAX	   32

enum op_kind { OP_APPEND = 1, OP_BATCH, OP_INSERT, OP_DELETE };

/* One libkvpcore call: its keys (a batch has two), result and the
 * CLOCK_MONOTONIC nanoseconds just before and after it. Values are
 * peer_record.h values with the note "s<seq>". */
struct op {
	int kind;
	int result;
	int64_t t0, t1;
	char key[2][KEY_MAX];
};

struct shared {
	char pool_dir[4096];
	struct op ops[WRITERS][OPS];
	char message[WRITERS][256]; /* a writer's first failure */
};

struct conc_stats {
	size_t records;	     /* in the final pool */
	size_t windows;	     /* daemon rewrite gaps logged */
	size_t undone_calls; /* writer calls the daemon's rewrites undid */
	size_t affected_keys;
};

/* A record's note if its value is whole and its own, else NULL. */
const char *conc_note_of(const kvp_record *r, char *note, size_t cap);

/* Assert the final pool (see the test's header comment); model[k] is the
 * round whose SET host|k holds, or -1 when the host deleted it. */
void conc_check_final(struct hv_daemon *d, kvp_store *s,
		      const struct shared *sh, const int model[HKEYS],
		      struct conc_stats *st);

#endif
