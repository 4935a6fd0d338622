/* pool_open.c - find the pool file on disk: open it (creating it 0600, and
 * its directory 0755, for writers), refuse symbolic links and anything but
 * a regular file, and stat it for the stale test. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool/pool_open.h"
#include "pool/pool_txn.h"

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

int pool_open(const kvp_store *s, enum pool_access access, int *fd)
{
	*fd = -1;
	if (access == POOL_WRITE_CREATE) {
		int r = open_create(s);
		if (r < 0)
			return r;
		*fd = r;
		return 0;
	}
	/* O_NONBLOCK keeps a FIFO from hanging the open; the caller's
	 * pool_check_regular() refuses it once the locks are held. */
	*fd = open(s->path,
		   (access == POOL_READ ? O_RDONLY : O_RDWR) | OPEN_FLAGS);
	if (*fd >= 0)
		return 0;
	return errno == ENOENT ? 1 : open_failed(errno, s->path);
}

int pool_check_regular(const kvp_store *s, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return err_fail(KVP_ERR_CORRUPT, s->path, 0, 0,
				"not a regular file");
	return 0;
}

int pool_stat_mtime(const kvp_store *s, long long *mtime)
{
	struct stat st;
	int r;

	if (lstat(s->path, &st) == -1) {
		if (errno == ENOENT)
			return 1;
		return err_fail_errno(errno, s->path, "stat");
	}
	r = pool_check_regular(s, &st);
	if (r == 0)
		*mtime = (long long)st.st_mtim.tv_sec;
	return r;
}
