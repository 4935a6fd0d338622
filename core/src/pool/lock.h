/* lock.h - the two locks of a pool file, for pool_txn_begin() only. */
#ifndef KVP_LOCK_H
#define KVP_LOCK_H

#include <stdbool.h>
#include <time.h>

/* flock, then an OFD fcntl lock on the whole file, both waited for until
 * `deadline` at most; 0, KVP_ERR_LOCK_TIMEOUT or another error. There is
 * no unlock: closing `fd` releases both, granted or not (lock.c). */
int pool_lock(int fd, bool exclusive, const struct timespec *deadline,
	      unsigned int timeout_ms, const char *path);

#endif
