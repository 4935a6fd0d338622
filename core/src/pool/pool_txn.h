/* pool_txn.h - the one transaction every pool operation runs: begin (open,
 * both locks, repair, load), edit the records in memory, commit them with
 * as few writes as the crash-safety rules allow, end (close).
 *
 *   struct pool_txn t;
 *   r = pool_txn_begin(&t, store, POOL_WRITE, POOL_TXN_LOAD);
 *   if (r != 0) return r < 0 ? r : 0;     (1: no file; t is ended)
 *   pool_txn_remove_key(&t, 0, key, len); (edits: memory only)
 *   r = pool_txn_commit(&t);              (the writes)
 *   pool_txn_end(&t);                     (close: drops both locks)
 *
 * The store layer (store_*.c) and the event layer (event_write.c,
 * event_list.c) run their operations on this; nothing above pool/ opens,
 * locks or writes a pool file itself.
 */
#ifndef KVP_POOL_TXN_H
#define KVP_POOL_TXN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/internal.h"

enum pool_access {
	POOL_READ,	   /* shared locks; a missing file is reported */
	POOL_WRITE,	   /* exclusive locks; a missing file is reported */
	POOL_WRITE_CREATE, /* exclusive locks; a missing file is created */
};

enum pool_txn_flags {
	/* Read every whole record with one read; a writer then also
	 * swap-removes the tombstones an interrupted commit left. */
	POOL_TXN_LOAD = 1 << 0,
	/* A writer leaves a torn tail as it is: for the clears, which empty
	 * the whole file or (not stale) must leave it untouched. */
	POOL_TXN_AS_FOUND = 1 << 1,
};

/* What must be written back for a slot. */
enum pool_slot {
	POOL_SLOT_CLEAN = 0,
	POOL_SLOT_VALUE, /* the value field was replaced, the key is unchanged
			  */
	POOL_SLOT_MOVED, /* the whole record was replaced */
};

struct pool_txn {
	const kvp_store *store;
	int fd;
	bool writable;
	size_t disk_count; /* whole records in the file */
	size_t torn_bytes; /* bytes of a partial record after them */
	long long mtime;   /* the file's mtime (s) when it was locked */
	unsigned long long dev, ino; /* the file's, when it was locked */
	size_t tombstones;	     /* empty-key records dropped by the load */
	unsigned char *data;	     /* loaded records, edited in memory */
	size_t count;		     /* records in data */
	unsigned char *dirty;	     /* writers, per slot: enum pool_slot */
	unsigned char *tail;	     /* records to append after the edits */
	size_t tail_count;
	size_t tail_cap;
};

/* ---- pool_txn.c: begin, load, end ---- */

/* Open the store's file (creating it for POOL_WRITE_CREATE), take the
 * flock then the OFD lock, both within the store's lock timeout counted
 * from before the open; a writer then cuts a torn tail (unless
 * POOL_TXN_AS_FOUND), and POOL_TXN_LOAD loads. 0 when begun; 1 when the
 * file does not exist and `access` does not create it; <0 on error. On 1
 * and <0 the transaction is already ended. */
int pool_txn_begin(struct pool_txn *t, const kvp_store *s,
		   enum pool_access access, unsigned int flags);

/* The load of POOL_TXN_LOAD, for a transaction that decides to scan only
 * once it holds the locks. Call at most once. */
int pool_txn_load(struct pool_txn *t);

/* Close (which releases both locks: lock.c) and free. Safe to call twice. */
void pool_txn_end(struct pool_txn *t);

/* ---- pool_edit.c: edits in memory (loaded writers, except push) ---- */

static inline unsigned char *pool_txn_record(const struct pool_txn *t, size_t i)
{
	return t->data + i * KVP_RECORD_SIZE;
}

/* Swap-remove slot i: the last record moves into it. */
void pool_txn_remove(struct pool_txn *t, size_t i);

typedef bool pool_txn_match(const unsigned char *rec, void *ctx);

/* Swap-remove every record from slot `from` on that `match` accepts, in
 * slot order, looking at a slot again after a record moved into it (the
 * reference store's loop). Returns how many went. */
size_t pool_txn_remove_if(struct pool_txn *t, size_t from,
			  pool_txn_match *match, void *ctx);

/* pool_txn_remove_if on the records whose key is key[0..len). */
size_t pool_txn_remove_key(struct pool_txn *t, size_t from, const char *key,
			   size_t len);

/* Slot of the first record from `from` on with key[0..len); t->count if
 * there is none. */
size_t pool_txn_find_key(const struct pool_txn *t, size_t from, const char *key,
			 size_t len);

/* Replace slot i's value field (its key stays). */
void pool_txn_set_value(struct pool_txn *t, size_t i, const char *value,
			size_t len);

/* Queue a record to append at the end (lengths already validated). Needs
 * no load. */
int pool_txn_push(struct pool_txn *t, const char *key, size_t key_len,
		  const char *value, size_t value_len);

/* ---- pool_commit.c: the writes ---- */

/* Write the edited slots, truncate away removed records, then append the
 * pushed ones with one write. A kill part-way leaves duplicates and
 * tombstones at worst, never a lost or mixed record (pool_commit.c). A
 * transaction with no edits writes nothing. */
int pool_txn_commit(struct pool_txn *t);

/* Cut the file to `records` whole records now, a torn tail with them.
 * Loaded records past that go (with their edits); pushed records stay
 * queued, so truncating to 0 then committing makes them the file's whole
 * content (the reference store's load: empty first, then write). */
int pool_txn_truncate(struct pool_txn *t, size_t records);

/* ---- pool_open.c: the one look at the file without a transaction ---- */

/* Stat the store's file without following a link, no lock taken, from its
 * checked directory (as pool_open): its mtime (s) into *mtime. 0; 1 when
 * missing; <0 on error, Corrupt for anything but a regular file (a
 * symbolic link too) and for what a reader refuses (pool_open.h). */
int pool_stat_mtime(const kvp_store *s, long long *mtime);

#endif
