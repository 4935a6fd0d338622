/* pool_open.c - find the pool file on disk and decide whether to trust it.
 *
 * The directory must be, from "/", none of its components a symbolic
 * link, each owned by root (or by us) and writable by no one else. An
 * existing one is checked by path (trust_check_dir: an lstat per
 * component) and the file opened by its full path; otherwise
 * trust_open_dir walks it by descriptor, writers creating missing
 * components 0755, and the file is opened relative to that descriptor.
 * Either way O_NOFOLLOW, and created 0600 for writers. Once the locks are held,
 * its fstat must show a regular file with one hard link owned by root or us (a
 * writer: by us); a writer then makes it 0600 if it is not, so that no other
 * user can open it (and so take a lock that blocks every write) or read the
 * logins in it. hv_kvp_daemon creates the pool files 0644. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool/pool_open.h"
#include "pool/pool_txn.h"
#include "util/trust.h"

#define OPEN_FLAGS (O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
#define DIR_MODE   0755
#define FILE_MODE  0600

static int open_failed(int err, const char *path)
{
	if (err == ELOOP)
		return err_fail_errno(err, path,
				      "refusing to open a symbolic link");
	return err_fail_errno(err, path, "open");
}

/* Open for writing `name` in `dir`, creating the file when missing.
 * O_EXCL on create so a symlink planted at the path is refused; the mode
 * is made exactly 0600 by pool_trust_file() under the locks. */
static int open_create(const kvp_store *s, int dir, const char *name)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		int fd = openat(dir, name, O_RDWR | OPEN_FLAGS);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT)
			return open_failed(errno, s->path);

		fd = openat(dir, name, O_RDWR | O_CREAT | O_EXCL | OPEN_FLAGS,
			    FILE_MODE);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST) /* ENOENT: the directory was removed */
			return open_failed(errno, s->path);
		/* created by someone else meanwhile */
	}
	return err_fail_errno(EAGAIN, s->path, "open (file keeps vanishing)");
}

/* Open the file `name` in `dir`: 0 with *fd, 1 missing, <0 error. */
static int open_in(const kvp_store *s, enum pool_access access, int dir,
		   const char *name, int *fd)
{
	if (access == POOL_WRITE_CREATE) {
		int r = open_create(s, dir, name);
		if (r < 0)
			return r;
		*fd = r;
		return 0;
	}
	/* O_NONBLOCK keeps a FIFO from hanging the open; pool_trust_file()
	 * refuses it once the locks are held. */
	*fd = openat(dir, name,
		     (access == POOL_READ ? O_RDONLY : O_RDWR) | OPEN_FLAGS);
	if (*fd >= 0)
		return 0;
	return errno == ENOENT ? 1 : open_failed(errno, s->path);
}

int pool_open(const kvp_store *s, enum pool_access access, int *fd)
{
	const char *name = kvp_pool_file_name(s->pool);
	char *abs, *path = NULL;
	int dir, r;

	*fd = -1;
	/* An existing directory that passes the check by path is used by
	 * path (trust_check_dir says why that is safe); the walk by
	 * descriptor handles the rest, creating and refusing. */
	if (trust_check_dir(s->dir, &abs)) {
		if (asprintf(&path, "%s/%s", abs, name) < 0) {
			path = NULL;
			r = err_fail_nomem(s->path);
		} else {
			r = open_in(s, access, AT_FDCWD, path, fd);
		}
		free(path);
		free(abs);
	} else {
		r = trust_open_dir(s->dir,
				   access == POOL_WRITE_CREATE ? DIR_MODE : 0,
				   KVP_ERR_CORRUPT, &dir);
		if (r != 0)
			return r; /* 1: a missing directory, a missing file */
		r = open_in(s, access, dir, name, fd);
		close(dir);
	}
	if (r != 0)
		*fd = -1;
	return r;
}

int pool_trust_file(const kvp_store *s, int fd, const struct stat *st,
		    bool writer)
{
	/* A writer must own the file. One owned by root that only root can
	 * write, we opened for writing: we are root (or hold
	 * CAP_DAC_OVERRIDE), and the check needs no geteuid(2), which
	 * keeps an append at 6 system calls on the file. */
	bool ours = !writer ||
		    (st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH)));
	int r = trust_stat(st, s->path,
			   TRUST_REGULAR | TRUST_ONE_LINK |
			       (ours ? TRUST_OWNER : TRUST_OWNER_SELF),
			   KVP_ERR_CORRUPT);

	if (r < 0 || !writer || (st->st_mode & 07777) == FILE_MODE)
		return r;
	if (fchmod(fd, FILE_MODE) == -1)
		return err_fail_errno(errno, s->path, "fchmod");
	return 0;
}

int pool_stat_mtime(const kvp_store *s, long long *mtime)
{
	struct stat st;
	int dir, r;

	r = trust_open_dir(s->dir, 0, KVP_ERR_CORRUPT, &dir);
	if (r != 0)
		return r;
	if (fstatat(dir, kvp_pool_file_name(s->pool), &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
		r = errno == ENOENT ? 1
				    : err_fail_errno(errno, s->path, "stat");
	else
		r = pool_trust_file(s, -1, &st, false);
	close(dir);
	if (r == 0)
		*mtime = (long long)st.st_mtim.tv_sec;
	return r;
}
