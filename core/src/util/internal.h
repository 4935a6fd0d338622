/* internal.h - helpers shared by libkvpcore's sources; not installed. */
#ifndef KVP_INTERNAL_H
#define KVP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kvp/error.h"
#include "kvp/pool.h"
#include "kvp/store.h"
#include "util/utf8.h" /* utf8.c, shared with kvpctl */

struct kvp_store {
	kvp_pool pool;
	kvp_mode mode;
	unsigned int lock_timeout_ms;
	char *dir;
	char *path;
};

/* error.c: record the calling thread's error detail and return `code`.
 * A path is kept up to ERR_PATH_MAX - 1 bytes (store.c refuses longer
 * pool paths, so an error always names the whole file). */
#define ERR_PATH_MAX 4096
int err_fail(int code, const char *path, size_t max, size_t actual,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A failed system call: "<path>: <what>: <strerror(err)>". */
int err_fail_errno(int err, const char *path, const char *what);
int err_fail_nomem(const char *path);
/* Set the file and line of the current error (config errors, whose
 * message reads "FILE:LINE: ..." rather than err_fail's "PATH: ..."). */
void err_set_location(const char *path, size_t line);

/* uuid.c: `len` bytes from getrandom(2); 0 or KVP_ERR_IO. */
int rand_bytes(void *buf, size_t len);
/* uuid.c: 16 bytes as a UUID's 8-4-4-4-12 lowercase hex and its NUL
 * (37 bytes, KVP_UUID_SIZE). */
void uuid_format(const unsigned char b[16], char out[37]);

/* pool/pool.c: the write limits of a mode in bytes (0 for an unknown mode). */
size_t pool_max_key_size(kvp_mode mode);
size_t pool_max_value_size(kvp_mode mode);

/* deadline.c */
void deadline_after_ms(struct timespec *deadline, unsigned int ms);
/* Nanoseconds left until `deadline` (0 when passed). */
long long deadline_ns_left(const struct timespec *deadline);
/* CLOCK_MONOTONIC_COARSE in milliseconds (no system call: the vDSO's),
 * for the per-process memos that expire after a second; -1 when it
 * cannot be read. */
long long coarse_now_ms(void);

#endif
