/* lock_ops.h - the fixture of the lock suites: a pool of three known
 * records, every locking store operation by name, and the two outcomes a
 * lock test expects of one (it times out properly, or it succeeds). */
#ifndef KVP_TEST_LOCK_OPS_H
#define KVP_TEST_LOCK_OPS_H

#include "kvp/kvp.h"
#include "peer_record.h"

struct lock_fixture {
	char *dir;
	char *path; /* the pool file */
	char *json; /* where OP_DUMP_JSON writes */
	kvp_store *store;
	char value0[PR_VALUE_MAX + 1]; /* a new value for "K|0|0" */
};

/* A fresh directory and store, seeded (lock_fixture_seed). */
void lock_fixture_setup(struct lock_fixture *f);
void lock_fixture_teardown(struct lock_fixture *f);

/* Replace the pool file with records K|0|0, K|0|1, K|0|2 (note "seed"). */
void lock_fixture_seed(struct lock_fixture *f);

/* Every store operation that takes a lock. */
enum lock_op {
	OP_READ,	    /* read K|0|0 */
	OP_DUMP,	    /* dump */
	OP_ENTRIES,	    /* entries */
	OP_DUMP_JSON,	    /* dump_json to f->json */
	OP_INSERT,	    /* insert K|0|0 (present) */
	OP_INSERT_NEW,	    /* insert K|9|0 (absent) */
	OP_APPEND,	    /* append K|2|0 */
	OP_APPEND_MULTIPLE, /* append K|3|0, K|3|1 */
	OP_DELETE,	    /* delete K|0|1 */
	OP_DELETE_MULTIPLE, /* delete K|0|1 and K|0|2 */
	OP_CLEAR,	    /* clear */
	OP_CLEAR_IF_STALE,  /* clear_if_stale (the file is fresh) */
	OP_LOAD,	    /* load [K|0|0] */
	OP_COUNT
};

const char *lock_op_name(enum lock_op op);

/* Run `op` on f->store; returns what the store call returned. */
int lock_op_run(struct lock_fixture *f, enum lock_op op);

/* With the store's lock timeout set to timeout_ms, `op` must fail with
 * KVP_ERR_LOCK_TIMEOUT after at least timeout_ms and less than
 * timeout_ms + margin_ms, leave the pool file's bytes (and the JSON
 * target) untouched, and name the path and the timeout in its error. */
void lock_expect_timeout(struct lock_fixture *f, enum lock_op op,
			 unsigned int timeout_ms, unsigned int margin_ms,
			 const char *why);

/* With that timeout, `op` must succeed (return >= 0). */
void lock_expect_ok(struct lock_fixture *f, enum lock_op op,
		    unsigned int timeout_ms, const char *why);

#endif
