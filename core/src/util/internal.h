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

struct kvp_store {
	kvp_pool pool;
	kvp_mode mode;
	unsigned int lock_timeout_ms;
	char *dir;
	char *path;
};

/* error.c: record the calling thread's error detail and return `code`. */
int err_fail(int code, const char *path, size_t max, size_t actual,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A failed system call: "<path>: <what>: <strerror(err)>". */
int err_fail_errno(int err, const char *path, const char *what);
int err_fail_nomem(const char *path);
/* Set the file and line of the current error (config errors, whose
 * message reads "FILE:LINE: ..." rather than err_fail's "PATH: ..."). */
void err_set_location(const char *path, size_t line);

/* utf8.c */
/* Length of the longest valid UTF-8 prefix of s[0..len). */
size_t utf8_valid_prefix(const char *s, size_t len);
bool utf8_valid(const char *s, size_t len);
/* Largest n <= max such that s[0..n) does not end inside a sequence. */
size_t utf8_cut(const char *s, size_t len, size_t max);
/* Copy with each invalid byte replaced by U+FFFD; NUL-terminated, malloc'd.
 * NULL when out of memory. */
char *utf8_lossy(const char *s, size_t len, size_t *out_len);

/* uuid.c: `len` bytes from getrandom(2); 0 or KVP_ERR_IO. */
int rand_bytes(void *buf, size_t len);

/* deadline.c */
void deadline_after_ms(struct timespec *deadline, unsigned int ms);
/* Nanoseconds left until `deadline` (0 when passed). */
long long deadline_ns_left(const struct timespec *deadline);

#endif
