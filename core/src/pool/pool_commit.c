/* pool_commit.c - write a transaction's edits back to the pool file.
 *
 * Invariant kept by every write: while we hold both exclusive locks no
 * other locked reader looks, and if the writer is killed at any instant
 * the file still holds every record it held before (possibly twice), each
 * slot decodes as its old record, its new one or an empty-key record
 * ("tombstone"), and at most one torn record sits at its end. The next
 * writer cuts the torn record off, and every writer that scans the pool
 * removes tombstones (no KVP writer ever makes an empty key).
 *
 * Why slots need care: the kernel copies a buffered write page by page, in
 * ascending file order, and a pending SIGKILL stops it between two pages.
 * A write that does not cross a page boundary is therefore all or nothing,
 * but half of all 2560-byte slots cross one. Such a slot is rewritten
 * whole with key[0] and value[0] NUL, then value[0], then key[0]: a reader
 * decodes a field up to its first NUL, so every partial state reads as an
 * empty key. A value rewrite (an insert of an existing key) whose field
 * crosses a page is done the same way, after a whole copy of the new
 * record was written at the end of the file: while the slot reads as a
 * tombstone, that copy is the key's record, and it stays when the next
 * scanning writer drops the tombstone. (Holding only value[0] NUL would
 * leave the key with an empty value, which no writer can tell from a real
 * one, and which a later swap-remove moving the copy ahead of it exposes.)
 *
 * Slots a swap-remove refilled (POOL_SLOT_MOVED) lie mostly in runs of
 * neighbours (a budget pass evicts the oldest records, which sit
 * together), and each maximal run of them is written with three writes
 * whatever its length: the whole run with every slot's key[0] and
 * value[0] NUL; then the bytes from the first slot's value[0] to the last
 * one's, every value[0] restored and every key[0] still NUL; then those
 * from the first key[0] to the last, every key[0] restored. A write cut
 * short leaves a written prefix of its range (the kernel copies in
 * ascending order: this holds wherever the cut falls, not only at a page
 * boundary). During the first two writes each slot the prefix reached
 * holds key[0] NUL, so it reads as a tombstone, which a refilled slot may:
 * its old record is one being removed, and the record moved into it is
 * still whole in the tail, which the truncate after the writes drops.
 * When the third write starts every other byte of the run is final, so a
 * slot whose key[0] it reached is complete and any later one is still a
 * tombstone. A lone slot that crosses a page gets the same three writes
 * (the last two of one byte each); a lone slot within a page, one whole
 * write, all or nothing.
 *
 * A replace (pool_txn_truncate to 0, then a commit of the pushed records)
 * empties the file first, as the reference store does: a kill part-way
 * then leaves a prefix of the new records and a torn tail, never a slot
 * mixing an old record with a new one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool/pool_txn.h"

int pool_txn_truncate(struct pool_txn *t, size_t records)
{
	if (ftruncate(t->fd, (off_t)(records * KVP_RECORD_SIZE)) == -1)
		return err_fail_errno(errno, t->store->path, "ftruncate");
	t->disk_count = records;
	if (t->count > records)
		t->count = records;
	t->torn_bytes = 0;
	return 0;
}

static int pwrite_all(struct pool_txn *t, const void *buf, size_t len,
		      size_t offset)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = pwrite(t->fd, p, len, (off_t)offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_fail_errno(errno, t->store->path, "write");
		}
		p += n;
		len -= (size_t)n;
		offset += (size_t)n;
	}
	return 0;
}

static bool crosses_page(size_t offset, size_t len)
{
	static size_t page;

	if (!page) {
		long n = sysconf(_SC_PAGESIZE);
		page = n > 0 ? (size_t)n : 4096;
	}
	return offset / page != (offset + len - 1) / page;
}

static bool value_needs_backup(const struct pool_txn *t, size_t i)
{
	return t->dirty[i] == POOL_SLOT_VALUE &&
	       crosses_page(i * KVP_RECORD_SIZE + KVP_KEY_FIELD_SIZE,
			    KVP_VALUE_FIELD_SIZE);
}

/* Write the record `rec` at `offset` with key[0] and value[0] held back
 * as NUL, then value[0], then key[0]: see the top of the file. */
static int write_first_bytes_last(struct pool_txn *t, const unsigned char *rec,
				  size_t offset)
{
	unsigned char buf[KVP_RECORD_SIZE];
	int r;

	memcpy(buf, rec, KVP_RECORD_SIZE);
	buf[0] = buf[KVP_KEY_FIELD_SIZE] = '\0';
	r = pwrite_all(t, buf, KVP_RECORD_SIZE, offset);
	if (r == 0)
		r = pwrite_all(t, rec + KVP_KEY_FIELD_SIZE, 1,
			       offset + KVP_KEY_FIELD_SIZE);
	if (r == 0)
		r = pwrite_all(t, rec, 1, offset);
	return r;
}

/* A value rewrite (POOL_SLOT_VALUE): the value field alone when it lies
 * in one page, else the whole record in three writes after its backup. */
static int write_value(struct pool_txn *t, size_t i)
{
	const unsigned char *rec = pool_txn_record(t, i);
	size_t offset = i * KVP_RECORD_SIZE;

	if (!value_needs_backup(t, i))
		return pwrite_all(t, rec + KVP_KEY_FIELD_SIZE,
				  KVP_VALUE_FIELD_SIZE,
				  offset + KVP_KEY_FIELD_SIZE);
	if (!crosses_page(offset, KVP_RECORD_SIZE))
		return pwrite_all(t, rec, KVP_RECORD_SIZE, offset);
	return write_first_bytes_last(t, rec, offset);
}

/* The `n` refilled slots from slot `first` on, in three writes (see the
 * top of the file), or one when it is a lone slot within a page. Their
 * key[0] and value[0] are set to NUL in t->data for the writes and
 * restored before returning, on error too. */
static int write_moved_run(struct pool_txn *t, size_t first, size_t n)
{
	unsigned char *run = pool_txn_record(t, first);
	size_t offset = first * KVP_RECORD_SIZE, len = n * KVP_RECORD_SIZE;
	size_t span = len - KVP_RECORD_SIZE + 1; /* first byte 0 to last */
	unsigned char *saved;
	int r;

	if (n == 1 && !crosses_page(offset, KVP_RECORD_SIZE))
		return pwrite_all(t, run, KVP_RECORD_SIZE, offset);
	saved = malloc(2 * n);
	if (!saved)
		return err_fail_nomem(t->store->path);
	for (size_t k = 0; k < n; k++) {
		unsigned char *rec = run + k * KVP_RECORD_SIZE;
		saved[2 * k] = rec[0];
		saved[2 * k + 1] = rec[KVP_KEY_FIELD_SIZE];
		rec[0] = rec[KVP_KEY_FIELD_SIZE] = '\0';
	}
	r = pwrite_all(t, run, len, offset);
	for (size_t k = 0; k < n; k++)
		run[k * KVP_RECORD_SIZE + KVP_KEY_FIELD_SIZE] =
		    saved[2 * k + 1];
	if (r == 0)
		r = pwrite_all(t, run + KVP_KEY_FIELD_SIZE, span,
			       offset + KVP_KEY_FIELD_SIZE);
	for (size_t k = 0; k < n; k++)
		run[k * KVP_RECORD_SIZE] = saved[2 * k];
	if (r == 0)
		r = pwrite_all(t, run, span, offset);
	free(saved);
	return r;
}

/* Whole copies, at the end of the file, of the records whose value will be
 * rewritten across a page boundary: if we are killed mid-way, the new
 * record survives there (read() returns the last match). */
static int write_backups(struct pool_txn *t, size_t *written)
{
	size_t n = 0, at = t->disk_count * KVP_RECORD_SIZE;
	int r;

	*written = 0;
	for (size_t i = 0; i < t->count; i++) {
		if (!value_needs_backup(t, i))
			continue;
		r = pwrite_all(t, pool_txn_record(t, i), KVP_RECORD_SIZE,
			       at + n * KVP_RECORD_SIZE);
		if (r < 0)
			return r;
		*written = ++n;
	}
	return 0;
}

int pool_txn_commit(struct pool_txn *t)
{
	size_t backups = 0;
	int r = 0;

	if (t->dirty) {
		/* 1. Backups, then each value rewrite on its own and each run
		 *    of refilled slots as one (see the top of the file). The
		 *    records moved into them still sit in the tail. */
		r = write_backups(t, &backups);
		for (size_t i = 0, n; r == 0 && i < t->count; i += n) {
			n = 1;
			if (t->dirty[i] == POOL_SLOT_MOVED) {
				while (i + n < t->count &&
				       t->dirty[i + n] == POOL_SLOT_MOVED)
					n++;
				r = write_moved_run(t, i, n);
			} else if (t->dirty[i] == POOL_SLOT_VALUE) {
				r = write_value(t, i);
			}
			if (r == 0)
				memset(t->dirty + i, POOL_SLOT_CLEAN, n);
		}
		if (r < 0)
			return r;
	}
	/* 2. Drop the last records, which were moved forward, and the
	 *    backups. */
	if (t->count < t->disk_count || backups) {
		r = pool_txn_truncate(t, t->count);
		if (r < 0)
			return r;
	}
	/* 3. New records: one write at the end. */
	if (t->tail_count) {
		r = pwrite_all(t, t->tail, t->tail_count * KVP_RECORD_SIZE,
			       t->disk_count * KVP_RECORD_SIZE);
		if (r < 0) {
			/* Leave no torn record of ours behind (ENOSPC can stop
			 * a write part-way); the write error is the one to
			 * report, so a failing truncate is not. */
			if (ftruncate(t->fd, (off_t)(t->disk_count *
						     KVP_RECORD_SIZE)) == -1)
				errno = 0;
			return r;
		}
		t->disk_count += t->tail_count;
		t->tail_count = 0;
	}
	return 0;
}
