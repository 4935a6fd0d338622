/* crash.h - the pieces of the crash suite (tests/crash/): snapshots of a
 * pool file with every record classified and self-checked
 * (crash_snap.c), the writer's operation log (crash_log.c), the check of
 * one round against the snapshot before it (crash_check.c) with the
 * byte-level reading of tombstones and damaged records (crash_slot.c),
 * and the writer process (crash_proc.c). The fault-injection tests
 * (fault.h) are separate.
 *
 * Records in the pool, all self-checking (tests/common/peer_record.h):
 *   FOREIGN|<n>     planted before the first round: another writer's,
 *                   never touched by the writer or the test
 *   T|<round>       appended by the test between rounds (a second writer)
 *   W|<k>           the writer's insert/delete keys (k < 8)
 *   WA|<s> WI|<s> WB|<s>|<i>   the writer's appends, new-key inserts
 *                   and batches, written by operation <s>
 *   CRASH|session_open|s<s>|<time>|<id>   kvp_event_record by op <s>
 * A W* value is pr_make_value(key, "s<seq>"): the value names the
 * operation that wrote it, so a key's records are a multiset of seqs.
 */
#ifndef KVP_CRASH_H
#define KVP_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kvp/kvp.h"

#define CRASH_FOREIGN 20	   /* FOREIGN|0 .. FOREIGN|19 */
#define CRASH_W_KEYS  8		   /* W|0 .. W|7 */
#define CRASH_EPOCH   1700000000LL /* event key time of seq 0 */

enum rec_class {
	REC_FOREIGN,
	REC_T,
	REC_W,
	REC_WA,
	REC_WI,
	REC_WB,
	REC_CRASH,
	REC_TOMB, /* empty key: an interrupted slot rewrite (pool_file.c) */
	REC_BAD,  /* not whole: fails its self-check */
};

/* One whole record of a snapshot. */
struct crash_rec {
	const char *key; /* NUL-terminated (kvp_store_dump's copy) */
	size_t key_len;
	const char *value;
	size_t value_len;
	size_t slot; /* index in the file */
	enum rec_class cls;
	long seq;	 /* op that wrote it; FOREIGN n; T round; CRASH op */
	const char *why; /* REC_BAD: what is wrong with it */
	/* REC_TOMB with a value: the key and class of the record whose
	 * value it holds (seq: that record's); REC_BAD when empty. */
	char owner[64];
	enum rec_class owner_cls;
};

/* The pool file after a writer died: its bytes and what a reader sees. */
struct crash_snap {
	unsigned char *raw;
	size_t raw_len;
	kvp_record_list list; /* kvp_store_dump */
	struct crash_rec *recs;
	struct crash_rec **by_key; /* sorted by key, then seq; no REC_BAD */
	size_t n_keyed;		   /* records in by_key */
	size_t n_bad;		   /* REC_BAD records */
	size_t n_tomb;		   /* REC_TOMB records (not in by_key) */
	size_t count;		   /* whole records */
	size_t torn;		   /* bytes of a partial last record */
	size_t crash_count;	   /* CRASH records */
};

/* Take a snapshot of `store`. With no writer running, the raw bytes
 * too (and the reader's result is compared with them); `live` (a writer
 * may be running): only what kvp_store_dump returns. Returns the number
 * of records that fail their self-check (REC_BAD, left out of by_key). */
size_t crash_snap_take(struct crash_snap *snap, const kvp_store *store,
		       bool live);
/* One line on record `slot`: offsets, pages, key, value, why it is bad. */
void crash_rec_describe(const struct crash_snap *snap, size_t slot, char *buf,
			size_t size);
void crash_snap_free(struct crash_snap *snap);
/* Self-check one record: NULL when whole and consistent, else why. */
const char *crash_rec_classify(struct crash_rec *r);
/* The records of `key` in `snap`: *first and the count. */
size_t crash_snap_find(const struct crash_snap *snap, const char *key,
		       struct crash_rec *const **first);
/* The bytes the writer's record `key` written by op `seq` has. */
void crash_expected_record(unsigned char rec[KVP_RECORD_SIZE], const char *key,
			   long seq);

enum op_kind { OP_INS, OP_INSNEW, OP_DEL, OP_APP, OP_MUL, OP_DMUL, OP_EV };

struct crash_op {
	long seq;
	enum op_kind kind;
	char key[64]; /* the key; "WB|<t>" for mul/dmul; "CRASH" for ev */
	long n;	      /* mul/dmul: batch size */
	bool done;    /* its E line was written */
};

/* The operations the writer began, in order; only the last one can be
 * unfinished (it is then `inflight`). */
struct crash_log {
	struct crash_op *ops;
	size_t n;
	size_t completed;
	const struct crash_op *inflight;
};

void crash_log_read(struct crash_log *log, const char *path);
void crash_log_free(struct crash_log *log);
const char *crash_op_name(enum op_kind kind);
/* Whether `op` writes or removes records of `key` (*index: the batch
 * index of a WB key). */
bool crash_op_touches(const struct crash_op *op, const char *key, long *index);
/* Whether `op` may rewrite slots (swap-removes of its own, or of the
 * tombstones it drops; an insert's value), leaving a second copy of a
 * moved record, a tombstone or a backup when killed before its truncate. */
bool crash_op_moves(const struct crash_op *op);
/* Whether `op` loads and scans the pool, dropping every tombstone:
 * everything but append and append_multiple (an event record always
 * scans here: the pool holds more than max_records records). */
bool crash_op_scans(const struct crash_op *op);

/* What one round saw, for the checks and the summary. */
struct crash_round {
	int round;
	const char *mode;
	unsigned int max_records;
	const struct crash_snap *before, *after;
	const struct crash_log *log;
	size_t dup_records;   /* extra copies left by the killed op */
	size_t tombstones;    /* the killed op's rewrite: 0, 1, or a run */
	size_t old_tombs;     /* B's, still there */
	size_t tombs_dropped; /* B's, gone (a scan) */
	size_t backups;	      /* an insert's backup copy at the end */
};

/* Whether the tombstone at `slot` of r->after is one the in-flight op's
 * slot rewrite leaves (crash_slot.c): if so, a line saying which bytes
 * are whose goes to `buf`. */
bool crash_explain_tombstone(const struct crash_round *r, size_t slot,
			     char *buf, size_t size);
/* Whether the REC_BAD record at `slot` is the page split of an in-place
 * write (a MIXED RECORD, never allowed): if so, the same kind of line. */
bool crash_explain_bad(const struct crash_round *r, size_t slot, char *buf,
		       size_t size);

/* Check the pool after the kill against the pool before and the log;
 * fails the test (naming round, key and op) on any violation. */
void crash_check_round(struct crash_round *r);
/* Its rules on tombstones (crash_slot.c). */
void crash_check_tombstones(struct crash_round *r);
/* Fail the test: the round, the op killed, then the message. */
void crash_fail(const struct crash_round *r, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* The writer process: started with its stdout on a pipe, waited for
 * until it printed "ready" (bounded), killed with SIGKILL and reaped. */
struct crash_proc {
	pid_t pid;
	int out_fd;
};

void crash_proc_start(struct crash_proc *p, char *const argv[]);
/* SIGKILL and reap; fails the test unless SIGKILL ended it. */
void crash_proc_kill(struct crash_proc *p);
/* Sleep `us` microseconds. */
void crash_sleep_us(long us);
/* Microseconds on the monotonic clock. */
long long crash_now_us(void);

#endif
