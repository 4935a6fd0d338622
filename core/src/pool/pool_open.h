/* pool_open.h - opening the pool file, for pool_txn_begin() only (the
 * stat without a transaction, pool_stat_mtime, is in pool_txn.h). */
#ifndef KVP_POOL_OPEN_H
#define KVP_POOL_OPEN_H

#include <stdbool.h>
#include <sys/stat.h>

#include "pool/pool_txn.h"

/* Open the store's file for `access` (never following a symbolic link),
 * into *fd. 0 open; 1 missing and `access` does not create it; <0 error.
 * *fd is -1 unless 0. */
int pool_open(const kvp_store *s, enum pool_access access, int *fd);

/* The checks on the file once its locks are held (`st`: its fstat): a
 * regular file with one hard link, owned by root or by us, and by us for
 * a `writer`, which then makes it 0600 if it is not. 0 or <0 (Corrupt
 * naming what is wrong, or the fchmod's error). */
int pool_trust_file(const kvp_store *s, int fd, const struct stat *st,
		    bool writer);

#endif
