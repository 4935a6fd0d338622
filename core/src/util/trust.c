/* trust.c - the ownership and mode rules of trust.h, and the walk that
 * opens a directory checking it and every directory above it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/internal.h"
#include "util/trust.h"

#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static int check_owner(const struct stat *st, const char *path,
		       unsigned int rules, int code)
{
	uid_t me;

	/* Root's is trusted unless it must be ours: no geteuid(2) then. */
	if (st->st_uid == 0 && !(rules & TRUST_OWNER_SELF))
		return 0;
	me = geteuid();
	if (st->st_uid == me)
		return 0;
	if (me == 0)
		return err_fail(code, path, 0, 0, "owned by uid %ld, not root",
				(long)st->st_uid);
	if (rules & TRUST_OWNER_SELF)
		return err_fail(code, path, 0, 0,
				"owned by uid %ld, not uid %ld",
				(long)st->st_uid, (long)me);
	return err_fail(code, path, 0, 0,
			"owned by uid %ld, not root or uid %ld",
			(long)st->st_uid, (long)me);
}

int trust_stat(const struct stat *st, const char *path, unsigned int rules,
	       int code)
{
	unsigned int mode = (unsigned int)(st->st_mode & 07777);

	if ((rules & TRUST_REGULAR) && !S_ISREG(st->st_mode))
		return err_fail(code, path, 0, 0, "not a regular file");
	if ((rules & TRUST_ONE_LINK) && st->st_nlink != 1)
		return err_fail(code, path, 0, 0, "has %lu hard links",
				(unsigned long)st->st_nlink);
	if (rules & (TRUST_OWNER | TRUST_OWNER_SELF)) {
		int r = check_owner(st, path, rules, code);
		if (r < 0)
			return r;
	}
	if (!(rules & TRUST_NOT_SHARED) || !(mode & (S_IWGRP | S_IWOTH)))
		return 0;
	if (S_ISDIR(st->st_mode) && (mode & S_ISVTX) && st->st_uid == 0)
		return 0;
	return err_fail(code, path, 0, 0, "writable by %s (mode %04o)",
			(mode & S_IWOTH) ? "others" : "group", mode);
}

static int check_dir(int fd, const char *path, int code)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return err_fail_errno(errno, path, "fstat");
	return trust_stat(&st, path, TRUST_OWNER | TRUST_NOT_SHARED, code);
}

/* openat of component `name` of `path` failed with `err`: say why. */
static int open_failed(int parent, const char *name, const char *path, int err)
{
	struct stat st;

	/* O_PATH | O_NOFOLLOW opens a symbolic link itself, which
	 * O_DIRECTORY then rejects (ENOTDIR): tell it from a file. */
	if ((err == ENOTDIR || err == ELOOP) &&
	    fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return err_fail_errno(ELOOP, path,
				      "refusing to follow a symbolic link");
	return err_fail_errno(err, path, "open");
}

/* Make directory `name` in `parent`, `mode` whatever the umask; its
 * descriptor, or <0. Made by someone else meanwhile: opened as found. */
static int make_dir(int parent, const char *name, const char *path, mode_t mode)
{
	int fd;

	if (mkdirat(parent, name, mode) == -1) {
		if (errno != EEXIST)
			return err_fail_errno(errno, path,
					      "cannot create directory");
		fd = openat(parent, name, DIR_FLAGS);
		return fd >= 0 ? fd : open_failed(parent, name, path, errno);
	}
	/* fchmod needs a real descriptor, not an O_PATH one. */
	fd = openat(parent, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return open_failed(parent, name, path, errno);
	if (fchmod(fd, mode) == -1) {
		int err = errno;
		close(fd);
		return err_fail_errno(err, path, "cannot chmod directory");
	}
	return fd;
}

/* Step from *fd into its component `name` (`path` is the walk so far,
 * `name` its last component; from AT_FDCWD, `name` is the absolute path
 * of the first component). 0, 1 missing, <0; *fd is the new one on 0 and
 * unchanged otherwise. */
static int step(int *fd, const char *name, const char *path, mode_t create_mode,
		int code)
{
	int next = openat(*fd, name, DIR_FLAGS);

	if (next < 0 && errno == ENOENT) {
		if (!create_mode)
			return 1;
		next = make_dir(*fd, name, path, create_mode);
		if (next < 0)
			return next;
	} else if (next < 0) {
		return open_failed(*fd, name, path, errno);
	}
	if (*fd >= 0)
		close(*fd);
	*fd = next;
	return check_dir(next, path, code);
}

/* `dir` as an absolute path, malloc'd. */
static char *absolute(const char *dir)
{
	char *cwd, *abs = NULL;

	if (dir[0] == '/')
		return strdup(dir);
	cwd = getcwd(NULL, 0);
	if (cwd && asprintf(&abs, "%s/%s", cwd, dir) < 0)
		abs = NULL;
	free(cwd);
	return abs;
}

int trust_open_dir(const char *dir, mode_t create_mode, int code, int *dirfd)
{
	char *path = absolute(dir);
	struct stat st;
	char *p;
	int fd = AT_FDCWD, r;

	*dirfd = -1;
	if (!path)
		return errno == ENOMEM ? err_fail_nomem(dir)
				       : err_fail_errno(errno, dir, "getcwd");
	/* "/" is never a link and only a chroot of ours could change it: a
	 * stat checks it, and the first component is opened by its absolute
	 * path, which saves opening and closing "/" itself. */
	if (stat("/", &st) == -1)
		r = err_fail_errno(errno, "/", "stat");
	else
		r = trust_stat(&st, "/", TRUST_OWNER | TRUST_NOT_SHARED, code);
	/* Each component in turn: cut the path after it, so that `path`
	 * names the walk so far (for messages) and `p` the component. */
	for (p = path; r == 0;) {
		char *end, saved;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = p + strcspn(p, "/");
		saved = *end;
		*end = '\0';
		if (strcmp(p, ".") != 0)
			r = step(&fd, fd == AT_FDCWD ? path : p, path,
				 create_mode, code);
		*end = saved;
		p = end;
	}
	free(path);
	if (r == 0 && fd == AT_FDCWD) { /* `dir` is "/" */
		fd = open("/", DIR_FLAGS);
		if (fd < 0)
			r = err_fail_errno(errno, "/", "open");
	}
	if (r != 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	*dirfd = fd;
	return 0;
}

/* The check by path, without the memo. *all_root: every directory on the
 * path is root's (then the verdict holds whatever our uid). */
static bool check_path(char *path, bool *all_root)
{
	struct stat st;
	const unsigned int rules = TRUST_OWNER | TRUST_NOT_SHARED;
	bool ok =
	    !strstr(path, "/../") &&
	    (strlen(path) < 3 || strcmp(path + strlen(path) - 3, "/..") != 0) &&
	    stat("/", &st) == 0 &&
	    trust_stat(&st, "/", rules, KVP_ERR_CORRUPT) == 0;

	*all_root = ok && st.st_uid == 0;
	/* Each component in turn: cut the path after it and lstat it. */
	for (char *p = path; ok;) {
		char *end, saved;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = p + strcspn(p, "/");
		saved = *end;
		*end = '\0';
		ok = lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		     trust_stat(&st, path, rules, KVP_ERR_CORRUPT) == 0;
		*all_root = *all_root && st.st_uid == 0;
		*end = saved;
		p = end;
	}
	return ok;
}

/* The last verdict of the process, on an absolute path: kept for
 * TRUST_MEMO_MS. Once every directory on a path has passed, only root (or
 * the caller, owner of one of them) can change any of them, and a
 * change is seen at most TRUST_MEMO_MS later; a process writing events in
 * a burst checks the path once. Taken with a trylock: a busy memo (or one
 * a fork left locked) means a check. */
#define TRUST_MEMO_MS 1000

static struct {
	pthread_mutex_t lock;
	char path[PATH_MAX];
	bool all_root;
	uid_t euid; /* unless all_root: the uid the verdict was for */
	long long until_ms;
} memo = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool memo_holds(const char *path)
{
	long long now = coarse_now_ms();
	bool hit = false;

	if (pthread_mutex_trylock(&memo.lock) != 0)
		return false;
	if (memo.path[0] && strcmp(memo.path, path) == 0 && now >= 0 &&
	    now < memo.until_ms)
		hit = memo.all_root || memo.euid == geteuid();
	pthread_mutex_unlock(&memo.lock);
	return hit;
}

static void memo_keep(const char *path, bool all_root)
{
	if (strlen(path) >= sizeof(memo.path) ||
	    pthread_mutex_trylock(&memo.lock) != 0)
		return;
	strcpy(memo.path, path);
	memo.all_root = all_root;
	memo.euid = all_root ? 0 : geteuid();
	memo.until_ms = coarse_now_ms() + TRUST_MEMO_MS;
	pthread_mutex_unlock(&memo.lock);
}

bool trust_check_dir(const char *dir, char **abs)
{
	char *path;
	bool all_root;

	*abs = NULL;
	if (dir[0] == '/' && memo_holds(dir))
		return (*abs = strdup(dir)) != NULL;
	path = absolute(dir);
	if (!path)
		return false;
	if (!check_path(path, &all_root)) {
		free(path);
		return false;
	}
	if (dir[0] == '/')
		memo_keep(dir, all_root);
	*abs = path;
	return true;
}
