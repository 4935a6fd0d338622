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

/* One record from explicit bytes: any bytes, up to the full field sizes
 * (a 512-byte key or 2048-byte value has no terminator). */
void tu_record_n(unsigned char rec[KVP_RECORD_SIZE], const void *key,
		 size_t key_len, const void *value, size_t value_len);

/* Records of NULL-terminated {key, value, key, value, ..., NULL} as one
 * malloc'd buffer (*len bytes). */
unsigned char *tu_records(const char *const *kv, size_t *len);
/* Replace `path` with exactly those records. */
void tu_plant(const char *path, const char *const *kv);
/* Assert `path` holds exactly `len` bytes equal to `data` (a missing file
 * equals nothing only when `data` is NULL). */
void tu_assert_file_is(const char *path, const void *data, size_t len);
/* Assert `path` holds exactly the records of `kv` (as tu_records). */
void tu_assert_records(const char *path, const char *const *kv);

/* A temporary directory with a guest-pool store in it; for .init/.fini. */
struct tu_pool {
	char *dir;
	char *path; /* the store's pool file */
	kvp_store *store;
};
void tu_pool_setup(struct tu_pool *p, kvp_mode mode);
void tu_pool_teardown(struct tu_pool *p);

/* Set a file's mtime (and atime) to `sec` seconds since the epoch. */
void tu_set_mtime(const char *path, long long sec);

/* Boot time in seconds since the epoch: btime of /proc/stat, read here
 * rather than by the library under test. */
long long tu_boot_time(void);

#endif
