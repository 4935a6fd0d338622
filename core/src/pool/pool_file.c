/* pool_file.c - open, lock, load, edit and write back one pool file.
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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool/pool_file.h"
#include "pool/record.h"

#define OPEN_FLAGS (O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)

/* mkdir -p, each missing component 0755. */
static int make_dirs(const char *dir)
{
	char *copy = strdup(dir);
	int r = 0;

	if (!copy)
		return err_fail_nomem(dir);
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, 0755) == 0) {
			/* mkdir's mode is cut by the caller's umask (077 in
			 * some login paths): make a new directory 0755. */
			if (chmod(copy, 0755) == -1) {
				r = err_fail_errno(
				    errno, copy, "cannot chmod pool directory");
				break;
			}
		} else if (errno != EEXIST) {
			r = err_fail_errno(errno, copy,
					   "cannot create pool directory");
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return r;
}

static int open_failed(int err, const char *path)
{
	if (err == ELOOP)
		return err_fail_errno(err, path,
				      "refusing to open a symbolic link");
	return err_fail_errno(err, path, "open");
}

/* Open for writing, creating the file 0600 (and its directory 0755) when
 * missing. O_EXCL on create so a symlink planted at the path is refused,
 * and an explicit fchmod so the umask cannot widen or narrow 0600. */
static int open_create(const kvp_store *s)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		int fd = open(s->path, O_RDWR | OPEN_FLAGS);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT)
			return open_failed(errno, s->path);

		fd =
		    open(s->path, O_RDWR | O_CREAT | O_EXCL | OPEN_FLAGS, 0600);
		if (fd >= 0) {
			if (fchmod(fd, 0600) == -1) {
				int err = errno;
				close(fd);
				return err_fail_errno(err, s->path, "fchmod");
			}
			return fd;
		}
		if (errno == EEXIST)
			continue; /* created by someone else meanwhile */
		if (errno != ENOENT)
			return open_failed(errno, s->path);
		int r = make_dirs(s->dir);
		if (r < 0)
			return r;
	}
	return err_fail_errno(EAGAIN, s->path, "open (file keeps vanishing)");
}

static void pool_file_init(struct pool_file *pf, const kvp_store *s)
{
	memset(pf, 0, sizeof(*pf));
	pf->store = s;
	pf->fd = -1;
}

int pool_file_open(const kvp_store *s, enum pool_access access,
		   struct pool_file *pf)
{
	struct timespec deadline;
	struct stat st;
	int r;

	pool_file_init(pf, s);
	pf->writable = access != POOL_READ;
	/* The deadline starts before open: it bounds the whole wait. */
	deadline_after_ms(&deadline, s->lock_timeout_ms);

	if (access == POOL_WRITE_CREATE) {
		pf->fd = open_create(s);
		if (pf->fd < 0)
			return pf->fd;
	} else {
		int flags = access == POOL_READ ? O_RDONLY : O_RDWR;
		pf->fd = open(s->path, flags | OPEN_FLAGS);
		if (pf->fd < 0) {
			if (errno == ENOENT)
				return 1;
			return open_failed(errno, s->path);
		}
	}

	/* O_NONBLOCK kept a FIFO from hanging the open; a FIFO, device or
	 * directory is refused below, once. The size only means something
	 * once we hold the lock, so one fstat after it serves both. */
	r = pool_lock(pf->fd, access != POOL_READ, &deadline,
		      s->lock_timeout_ms, s->path);
	if (r < 0)
		goto fail;
	if (fstat(pf->fd, &st) == -1)
		r = err_fail_errno(errno, s->path, "fstat");
	else if (!S_ISREG(st.st_mode))
		r = err_fail(KVP_ERR_CORRUPT, s->path, 0, 0,
			     "not a regular file");
	if (r < 0) {
		pool_unlock(pf->fd);
		goto fail;
	}
	pf->disk_count = (size_t)st.st_size / KVP_RECORD_SIZE;
	pf->torn_bytes = (size_t)st.st_size % KVP_RECORD_SIZE;
	pf->count = pf->disk_count;
	pf->mtime = (long long)st.st_mtim.tv_sec;
	return 0;
fail:
	close(pf->fd);
	pf->fd = -1;
	return r;
}

int pool_file_load(struct pool_file *pf)
{
	size_t bytes = pf->disk_count * KVP_RECORD_SIZE;
	size_t done = 0;

	pf->count = 0;
	if (bytes) {
		pf->data = malloc(bytes);
		if (!pf->data)
			return err_fail_nomem(pf->store->path);
	}
	while (done < bytes) {
		ssize_t n =
		    pread(pf->fd, pf->data + done, bytes - done, (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_fail_errno(errno, pf->store->path, "read");
		}
		if (n == 0) /* shrank under us: a writer without locks */
			break;
		done += (size_t)n;
	}
	pf->count = done / KVP_RECORD_SIZE;
	pf->disk_count = pf->count;
	if (pf->writable) {
		pf->dirty = calloc(pf->count ? pf->count : 1, 1);
		if (!pf->dirty)
			return err_fail_nomem(pf->store->path);
	}
	return 0;
}

int pool_file_truncate(struct pool_file *pf, size_t records)
{
	if (ftruncate(pf->fd, (off_t)(records * KVP_RECORD_SIZE)) == -1)
		return err_fail_errno(errno, pf->store->path, "ftruncate");
	pf->disk_count = records;
	if (pf->count > records)
		pf->count = records;
	pf->torn_bytes = 0;
	return 0;
}

/* How long a torn tail must stay unchanged before we cut it. */
#define SETTLE_NS    2000000LL
#define SETTLE_TRIES 5

int pool_file_repair(struct pool_file *pf)
{
	/* Both exclusive locks are ours, so no well-behaved writer is
	 * mid-record. A torn tail is a crashed writer's, or one of a writer
	 * that takes no lock at all: give the latter a moment to finish
	 * rather than cut its record in half. */
	for (int i = 0; pf->torn_bytes && i < SETTLE_TRIES; i++) {
		struct timespec ts = {0, SETTLE_NS};
		struct stat st;
		size_t before =
		    pf->disk_count * KVP_RECORD_SIZE + pf->torn_bytes;

		nanosleep(&ts, NULL);
		if (fstat(pf->fd, &st) == -1)
			return err_fail_errno(errno, pf->store->path, "fstat");
		if ((size_t)st.st_size == before)
			break;
		pf->disk_count = (size_t)st.st_size / KVP_RECORD_SIZE;
		pf->torn_bytes = (size_t)st.st_size % KVP_RECORD_SIZE;
		pf->count = pf->disk_count;
	}
	if (pf->torn_bytes == 0)
		return 0;
	return pool_file_truncate(pf, pf->disk_count);
}

void pool_file_remove(struct pool_file *pf, size_t i)
{
	size_t last = pf->count - 1;

	if (i != last) {
		memcpy(pool_record(pf, i), pool_record(pf, last),
		       KVP_RECORD_SIZE);
		pf->dirty[i] = SLOT_MOVED;
	}
	pf->count = last;
}

void pool_file_set_value(struct pool_file *pf, size_t i, const char *value,
			 size_t len)
{
	unsigned char *field = pool_record(pf, i) + KVP_KEY_FIELD_SIZE;

	memset(field, 0, KVP_VALUE_FIELD_SIZE);
	if (len)
		memcpy(field, value, len);
	if (pf->dirty[i] == SLOT_CLEAN)
		pf->dirty[i] = SLOT_VALUE;
}

int pool_file_push(struct pool_file *pf, const char *key, size_t key_len,
		   const char *value, size_t value_len)
{
	if (pf->tail_count == pf->tail_cap) {
		size_t cap = pf->tail_cap ? pf->tail_cap * 2 : 1;
		unsigned char *t = realloc(pf->tail, cap * KVP_RECORD_SIZE);
		if (!t)
			return err_fail_nomem(pf->store->path);
		pf->tail = t;
		pf->tail_cap = cap;
	}
	rec_encode(pf->tail + pf->tail_count * KVP_RECORD_SIZE, key, key_len,
		   value, value_len);
	pf->tail_count++;
	return 0;
}

static int write_all(struct pool_file *pf, const void *buf, size_t len,
		     size_t offset)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = pwrite(pf->fd, p, len, (off_t)offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_fail_errno(errno, pf->store->path, "write");
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

static bool value_needs_backup(const struct pool_file *pf, size_t i)
{
	return pf->dirty[i] == SLOT_VALUE &&
	       crosses_page(i * KVP_RECORD_SIZE + KVP_KEY_FIELD_SIZE,
			    KVP_VALUE_FIELD_SIZE);
}

/* Write the record `rec` at `offset` with key[0] and value[0] held back
 * as NUL, then value[0], then key[0]: see the top of the file. */
static int write_first_bytes_last(struct pool_file *pf,
				  const unsigned char *rec, size_t offset)
{
	unsigned char buf[KVP_RECORD_SIZE];
	int r;

	memcpy(buf, rec, KVP_RECORD_SIZE);
	buf[0] = buf[KVP_KEY_FIELD_SIZE] = '\0';
	r = write_all(pf, buf, KVP_RECORD_SIZE, offset);
	if (r == 0)
		r = write_all(pf, rec + KVP_KEY_FIELD_SIZE, 1,
			      offset + KVP_KEY_FIELD_SIZE);
	if (r == 0)
		r = write_all(pf, rec, 1, offset);
	return r;
}

static int write_slot(struct pool_file *pf, size_t i)
{
	const unsigned char *rec = pool_record(pf, i);
	size_t offset = i * KVP_RECORD_SIZE;

	if (pf->dirty[i] == SLOT_VALUE && !value_needs_backup(pf, i))
		return write_all(pf, rec + KVP_KEY_FIELD_SIZE,
				 KVP_VALUE_FIELD_SIZE,
				 offset + KVP_KEY_FIELD_SIZE);
	if (!crosses_page(offset, KVP_RECORD_SIZE))
		return write_all(pf, rec, KVP_RECORD_SIZE, offset);
	return write_first_bytes_last(pf, rec, offset);
}

/* Whole copies, at the end of the file, of the records whose value will be
 * rewritten across a page boundary: if we are killed mid-way, the new
 * record survives there (read() returns the last match). */
static int write_backups(struct pool_file *pf, size_t *written)
{
	size_t n = 0, at = pf->disk_count * KVP_RECORD_SIZE;
	int r;

	*written = 0;
	for (size_t i = 0; i < pf->count; i++) {
		if (!value_needs_backup(pf, i))
			continue;
		r = write_all(pf, pool_record(pf, i), KVP_RECORD_SIZE,
			      at + n * KVP_RECORD_SIZE);
		if (r < 0)
			return r;
		*written = ++n;
	}
	return 0;
}

int pool_file_commit(struct pool_file *pf)
{
	size_t backups = 0;
	int r = 0;

	if (pf->dirty) {
		/* 1. Backups, then every edited slot, one at a time: a write
		 *    spanning several slots could tear inside any of them. The
		 *    records moved into holes still sit in the tail. */
		r = write_backups(pf, &backups);
		for (size_t i = 0; r == 0 && i < pf->count; i++) {
			if (pf->dirty[i] != SLOT_CLEAN)
				r = write_slot(pf, i);
			if (r == 0)
				pf->dirty[i] = SLOT_CLEAN;
		}
		if (r < 0)
			return r;
	}
	/* 2. Drop the tail that was moved forward, and the backups. */
	if (pf->count < pf->disk_count || backups) {
		r = pool_file_truncate(pf, pf->count);
		if (r < 0)
			return r;
	}
	/* 3. New records: one write at the end. */
	if (pf->tail_count) {
		r = write_all(pf, pf->tail, pf->tail_count * KVP_RECORD_SIZE,
			      pf->disk_count * KVP_RECORD_SIZE);
		if (r < 0) {
			/* Leave no torn record of ours behind (ENOSPC can stop
			 * a write part-way); the write error is the one to
			 * report, so a failing truncate is not. */
			if (ftruncate(pf->fd, (off_t)(pf->disk_count *
						      KVP_RECORD_SIZE)) == -1)
				errno = 0;
			return r;
		}
		pf->disk_count += pf->tail_count;
		pf->tail_count = 0;
	}
	return 0;
}

size_t pool_file_drop_tombstones(struct pool_file *pf)
{
	size_t dropped = 0;

	for (size_t i = 0; i < pf->count;) {
		if (pool_record(pf, i)[0] == '\0') {
			pool_file_remove(pf, i); /* look at slot i again */
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}

int pool_file_replace(struct pool_file *pf)
{
	size_t n = pf->tail_count;
	int r;

	/* Empty first, as the reference store does: a kill part-way then
	 * leaves a prefix of the new records and a torn tail, never a slot
	 * mixing an old record with a new one. */
	r = pool_file_truncate(pf, 0);
	if (r == 0 && n)
		r = write_all(pf, pf->tail, n * KVP_RECORD_SIZE, 0);
	if (r == 0)
		pf->disk_count = n;
	pf->count = pf->disk_count;
	pf->tail_count = 0;
	return r;
}

void pool_file_close(struct pool_file *pf)
{
	if (pf->fd >= 0) {
		pool_unlock(pf->fd);
		close(pf->fd);
		pf->fd = -1;
	}
	free(pf->data);
	free(pf->dirty);
	free(pf->tail);
	pf->data = pf->dirty = pf->tail = NULL;
	pf->count = pf->tail_count = pf->tail_cap = 0;
}
