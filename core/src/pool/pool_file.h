/* pool_file.h - one locked, open pool file and the record edits made to it
 * in memory before they are written back. Every store operation is built
 * from these steps: open (and lock), load, edit, commit, close. */
#ifndef KVP_POOL_FILE_H
#define KVP_POOL_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/internal.h"

enum pool_access {
	POOL_READ,	   /* shared locks; a missing file is reported */
	POOL_WRITE,	   /* exclusive locks; a missing file is reported */
	POOL_WRITE_CREATE, /* exclusive locks; a missing file is created */
};

/* What must be written back for a slot. */
enum slot_state {
	SLOT_CLEAN = 0,
	SLOT_VALUE, /* the value field was replaced, the key is unchanged */
	SLOT_MOVED, /* the whole record was replaced */
};

struct pool_file {
	const kvp_store *store;
	int fd;
	bool writable;
	size_t disk_count;    /* whole records in the file */
	size_t torn_bytes;    /* bytes of a partial record after them */
	long long mtime;      /* the file's mtime (s) when it was locked */
	size_t tombstones;    /* empty-key records dropped after the load */
	unsigned char *data;  /* loaded records, edited in memory */
	size_t count;	      /* records in data */
	unsigned char *dirty; /* per slot: enum slot_state */
	unsigned char *tail;  /* records to append after the edits */
	size_t tail_count;
	size_t tail_cap;
};

/* Open and lock the store's file. 0 when open; 1 when the file does not
 * exist and `access` does not create it (pf is then closed); <0 on error. */
int pool_file_open(const kvp_store *s, enum pool_access access,
		   struct pool_file *pf);

/* Read every whole record into memory with one read. */
int pool_file_load(struct pool_file *pf);

/* Writers: cut a torn tail off so that appends stay record-aligned. */
int pool_file_repair(struct pool_file *pf);

static inline unsigned char *pool_record(const struct pool_file *pf, size_t i)
{
	return pf->data + i * KVP_RECORD_SIZE;
}

/* In-memory edits (written by pool_file_commit). */
void pool_file_remove(struct pool_file *pf, size_t i);
void pool_file_set_value(struct pool_file *pf, size_t i, const char *value,
			 size_t len);
int pool_file_push(struct pool_file *pf, const char *key, size_t key_len,
		   const char *value, size_t value_len);

/* Write the edited slots, truncate away removed records, then append the
 * pushed ones with one write. A kill part-way leaves duplicates and
 * tombstones at worst, never a lost or mixed record (see pool_file.c). */
int pool_file_commit(struct pool_file *pf);

/* Swap-remove every record whose key field is empty: only an interrupted
 * commit makes them. Returns how many went. */
size_t pool_file_drop_tombstones(struct pool_file *pf);

/* Make the pushed records the file's whole content: written over the old
 * ones from offset 0, then the rest cut off. */
int pool_file_replace(struct pool_file *pf);

/* Truncate to `records` whole records. */
int pool_file_truncate(struct pool_file *pf, size_t records);

/* Unlock, close and free. Safe to call twice. */
void pool_file_close(struct pool_file *pf);

#endif
