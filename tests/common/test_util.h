/* test_util.h - shared helpers for the Criterion suites: temporary pool
 * directories, raw file access and records built byte by byte. */
#ifndef KVP_TEST_UTIL_H
#define KVP_TEST_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "kvp/kvp.h"

/* A fresh directory under $TMPDIR (or /tmp), mode 0755; caller frees the
 * string and removes the tree with tu_rmtree(). Aborts the test on error. */
char *tu_mkdtemp(void);
void tu_rmtree(const char *path);

/* "<dir>/<name>", malloc'd. */
char *tu_path(const char *dir, const char *name);

/* Whole file into a malloc'd buffer (NULL and *len 0 when missing). */
unsigned char *tu_read_file(const char *path, size_t *len);
/* Replace a file's bytes (created 0600). */
void tu_write_file(const char *path, const void *data, size_t len);
/* Append bytes to a file. */
void tu_append_file(const char *path, const void *data, size_t len);
off_t tu_file_size(const char *path); /* -1 when missing */

/* One 2560-byte record with the given key and value (NUL-padded). */
void tu_record(unsigned char rec[KVP_RECORD_SIZE], const char *key,
	       const char *value);

/* A store for the guest pool in `dir`; aborts the test on error. */
kvp_store *tu_store(const char *dir, kvp_mode mode);

/* A string of `n` copies of `c`, malloc'd. */
char *tu_repeat(char c, size_t n);

/* Run `fn(arg)` in a child that drops to nobody (setresuid/setresgid) and
 * return its exit status; the test helper to see EACCES as root. */
int tu_run_as_nobody(int (*fn)(void *), void *arg);

/* Path of a helper program built beside the tests ($KVP_TEST_HELPERS). */
char *tu_helper(const char *name);

#endif
