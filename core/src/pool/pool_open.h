/* pool_open.h - opening the pool file, for pool_txn_begin() only (the
 * stat without a transaction, pool_stat_mtime, is in pool_txn.h). */
#ifndef KVP_POOL_OPEN_H
#define KVP_POOL_OPEN_H

#include <sys/stat.h>

#include "pool/pool_txn.h"

/* Open the store's file for `access` (never following a symbolic link),
 * into *fd. 0 open; 1 missing and `access` does not create it; <0 error.
 * *fd is -1 unless 0. */
int pool_open(const kvp_store *s, enum pool_access access, int *fd);

/* 0 for a regular file, else Corrupt "not a regular file". */
int pool_check_regular(const kvp_store *s, const struct stat *st);

#endif
