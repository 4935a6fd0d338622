/* pool_txn.c - begin and end a pool transaction: open, lock, measure,
 * repair a torn tail (writers), load the records with one read.
 *
 * The deadline starts before the open, so the store's lock timeout bounds
 * everything begin can wait for; the repair's settle wait is bounded too
 * (SETTLE_TRIES * SETTLE_NS).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool/lock.h"
#include "pool/pool_buf.h"
#include "pool/pool_open.h"
#include "pool/pool_txn.h"
#include "pool/record.h"

/* fstat under the lock: the size only means something once we hold it,
 * and the file is checked (and made 0600 by a writer) on the same call. */
static int measure(struct pool_txn *t)
{
	struct stat st;
	int r;

	if (fstat(t->fd, &st) == -1)
		return err_fail_errno(errno, t->store->path, "fstat");
	r = pool_trust_file(t->store, t->fd, &st, t->writable);
	if (r < 0)
		return r;
	t->disk_count = (size_t)st.st_size / KVP_RECORD_SIZE;
	t->torn_bytes = (size_t)st.st_size % KVP_RECORD_SIZE;
	t->count = t->disk_count;
	t->mtime = (long long)st.st_mtim.tv_sec;
	t->dev = (unsigned long long)st.st_dev;
	t->ino = (unsigned long long)st.st_ino;
	return 0;
}

/* How long a torn tail must stay unchanged before we cut it. */
#define SETTLE_NS    2000000LL
#define SETTLE_TRIES 5

/* Writers: cut a torn tail off so that appends stay record-aligned. */
static int repair(struct pool_txn *t)
{
	/* Both exclusive locks are ours, so no well-behaved writer is
	 * mid-record. A torn tail is a crashed writer's, or one of a writer
	 * that takes no lock at all: give the latter a moment to finish
	 * rather than cut its record in half. */
	for (int i = 0; t->torn_bytes && i < SETTLE_TRIES; i++) {
		struct timespec ts = {0, SETTLE_NS};
		struct stat st;
		size_t before = t->disk_count * KVP_RECORD_SIZE + t->torn_bytes;

		nanosleep(&ts, NULL);
		if (fstat(t->fd, &st) == -1)
			return err_fail_errno(errno, t->store->path, "fstat");
		if ((size_t)st.st_size == before)
			break;
		t->disk_count = (size_t)st.st_size / KVP_RECORD_SIZE;
		t->torn_bytes = (size_t)st.st_size % KVP_RECORD_SIZE;
		t->count = t->disk_count;
	}
	return t->torn_bytes ? pool_txn_truncate(t, t->disk_count) : 0;
}

int pool_txn_begin(struct pool_txn *t, const kvp_store *s,
		   enum pool_access access, unsigned int flags)
{
	struct timespec deadline;
	int r;

	memset(t, 0, sizeof(*t));
	t->store = s;
	t->writable = access != POOL_READ;
	deadline_after_ms(&deadline, s->lock_timeout_ms);

	r = pool_open(s, access, &t->fd);
	if (r != 0)
		return r;
	r = pool_lock(t->fd, t->writable, &deadline, s->lock_timeout_ms,
		      s->path);
	if (r == 0)
		r = measure(t);
	if (r == 0 && t->writable && !(flags & POOL_TXN_AS_FOUND))
		r = repair(t);
	if (r == 0 && (flags & POOL_TXN_LOAD))
		r = pool_txn_load(t);
	if (r < 0)
		pool_txn_end(t);
	return r;
}

static bool is_tombstone(const unsigned char *rec, void *ctx)
{
	(void)ctx;
	return rec[0] == '\0';
}

int pool_txn_load(struct pool_txn *t)
{
	size_t bytes = t->disk_count * KVP_RECORD_SIZE;
	size_t done = 0;

	t->count = 0;
	if (bytes) {
		t->data = pool_buf_get(bytes);
		if (!t->data)
			return err_fail_nomem(t->store->path);
	}
	while (done < bytes) {
		ssize_t n =
		    pread(t->fd, t->data + done, bytes - done, (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_fail_errno(errno, t->store->path, "read");
		}
		if (n == 0) /* shrank under us: a writer without locks */
			break;
		done += (size_t)n;
	}
	t->count = done / KVP_RECORD_SIZE;
	t->disk_count = t->count;
	if (!t->writable)
		return 0;
	t->dirty = calloc(t->count ? t->count : 1, 1);
	if (!t->dirty)
		return err_fail_nomem(t->store->path);
	/* No KVP writer makes an empty key: what an interrupted commit left
	 * (pool_commit.c) goes first, and the commit writes that back. */
	t->tombstones = pool_txn_remove_if(t, 0, is_tombstone, NULL);
	return 0;
}

void pool_txn_end(struct pool_txn *t)
{
	/* close() releases the flock and the OFD lock (lock.c). */
	if (t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	}
	pool_buf_put(t->data);
	free(t->dirty);
	free(t->tail);
	t->data = t->dirty = t->tail = NULL;
	t->count = t->tail_count = t->tail_cap = 0;
}
