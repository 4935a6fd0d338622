/* trust.h - whether a file or directory that steers a root process can be
 * trusted: owned by root or by the caller, writable by no one else (the
 * rule of sshd's StrictModes). The pool layer checks the pool directory
 * and every directory above it, and the pool file (pool/pool_open.c); the
 * config loader checks pam_kvp.conf with trust_stat() too
 * (config/cfg_file.c).
 *
 * A check is made either on what a descriptor refers to (an fstat
 * result, a directory opened component by component without following a
 * symbolic link), or by path on a chain of directories that only root or
 * the caller can change (trust_check_dir), so nothing can be swapped
 * between the check and the use. A
 * refusal is one err_fail() line naming the path and what is wrong:
 *   "/var/lib/hyperv: owned by uid 1000, not root"
 *   "/var/lib/hyperv/.kvp_pool_1: has 2 hard links"
 *   "/srv/kvp: writable by others (mode 0777)"
 */
#ifndef KVP_TRUST_H
#define KVP_TRUST_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

enum trust_rule {
	TRUST_REGULAR = 1 << 0,	   /* a regular file */
	TRUST_ONE_LINK = 1 << 1,   /* exactly one hard link */
	TRUST_OWNER = 1 << 2,	   /* owned by root or by the effective uid */
	TRUST_OWNER_SELF = 1 << 3, /* owned by the effective uid (root when
				    * root): for a file we are about to write */
	/* Not writable by group or others, except a root-owned directory
	 * with the sticky bit (/tmp): there only root and an entry's owner
	 * can replace the entry, and the entry is checked in turn. */
	TRUST_NOT_SHARED = 1 << 4,
};

/* Check `st` (of `path`, for the message) against `rules` (enum
 * trust_rule, or'ed), in the order above. 0, or err_fail(code, path, ...)
 * for the first rule broken, with a message saying which and how. */
int trust_stat(const struct stat *st, const char *path, unsigned int rules,
	       int code);

/* Open directory `dir` for use as the dirfd of openat() and friends,
 * walking it from "/" one component at a time (openat with O_PATH |
 * O_DIRECTORY | O_NOFOLLOW from the previous one) and checking each on
 * its descriptor with TRUST_OWNER | TRUST_NOT_SHARED, "/" included (by a
 * stat); a relative `dir` is taken from the working directory (getcwd).
 * A component that is a symbolic link is refused (KVP_ERR_IO, ELOOP), a
 * broken rule is `code`.
 *
 * A missing component is created when `create_mode` is not 0: mkdirat,
 * then fchmod(create_mode) on the new directory's descriptor, so the
 * umask cannot narrow it and no path is looked up twice. Otherwise a
 * missing component returns 1.
 *
 * Cost: a stat of "/", then 3 system calls per component (openat, close
 * of the previous one, fstat; the first closes none), plus getcwd for a
 * relative `dir`: 10 for /var/lib/hyperv with the caller's close of
 * *dirfd.
 *
 * 0 with *dirfd open (the caller closes it); 1 missing; <0 error. *dirfd
 * is -1 unless 0. */
int trust_open_dir(const char *dir, mode_t create_mode, int code, int *dirfd);

/* The fast check of an existing `dir`, by path: a stat of "/" and an
 * lstat of each component, every one a directory (no symbolic link)
 * that passes TRUST_OWNER | TRUST_NOT_SHARED. 4 system calls for
 * /var/lib/hyperv instead of 10. The path may then be used as it is:
 * every directory on it is writable only by root or by us (or is a
 * root-owned sticky directory whose checked entry is root's or ours), so
 * no one else can replace a component between the check and the use.
 *
 * A path that passed (given absolute) is not checked again for a second
 * (trust.c, the memo): then this costs no system call, or one geteuid
 * when a directory on it is the caller's rather than root's.
 *
 * true with *abs (malloc'd, the caller frees) the absolute path checked;
 * false when anything is missing, refused or unusual (a ".." component):
 * then trust_open_dir() decides, and words the refusal. */
bool trust_check_dir(const char *dir, char **abs);

#endif
