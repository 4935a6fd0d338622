/* kvp/error.h - for every caller of libkvpcore: what a failure returns
 * and how to read its detail.
 *
 * Every fallible call returns 0 (or a documented non-negative result) on
 * success and one of the negative KVP_ERR_* codes below on failure. The
 * detail of the most recent failure on the calling thread (its class,
 * errno, the limit and actual size, the file and line, and a one-line
 * message) is kept by the library in thread-local storage and read with
 * kvp_error_last(). A successful call does not clear it.
 *
 *	if (kvp_store_insert(store, key, value) < 0)
 *		fprintf(stderr, "kvp: %s\n", kvp_error_last()->message);
 */
#ifndef KVP_ERROR_H
#define KVP_ERROR_H

#include <stddef.h>

#include "kvp/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum kvp_error_code {
	KVP_OK = 0,
	KVP_ERR_EMPTY_KEY = -1,		/* key is empty */
	KVP_ERR_KEY_CONTAINS_NULL = -2, /* key holds a NUL byte */
	KVP_ERR_KEY_TOO_LARGE = -3,	/* key longer than the mode allows */
	KVP_ERR_VALUE_TOO_LARGE = -4,	/* value longer than the mode allows */
	KVP_ERR_VALUE_CONTAINS_NULL = -5, /* value holds a NUL byte */
	KVP_ERR_MAX_UNIQUE_KEYS = -6,	  /* insert of a new key at the cap */
	KVP_ERR_IO = -7,	   /* a system call failed (see sys_errno) */
	KVP_ERR_INVALID_UTF8 = -8, /* key or value is not valid UTF-8 */
	KVP_ERR_LOCK_TIMEOUT = -9, /* a lock was not granted in time */
	KVP_ERR_CORRUPT = -10,	   /* a file is not what it must be */
	KVP_ERR_INVALID_ARG = -11, /* bad argument (NULL, unknown enum) */
	KVP_ERR_NOMEM = -12,	   /* allocation failed */
	KVP_ERR_CONFIG = -13,	   /* configuration file error */
};

/* The detail of a failure. Owned by the library: path and message point
 * into the calling thread's own storage and are never NULL ("" when there
 * is nothing to say); a longer path or message is cut. */
typedef struct kvp_error {
	int code;	     /* class: one of enum kvp_error_code */
	int sys_errno;	     /* errno for KVP_ERR_IO and NOMEM, else 0 */
	size_t max;	     /* limit for *_TOO_LARGE / MAX_UNIQUE_KEYS */
	size_t actual;	     /* actual size for *_TOO_LARGE */
	size_t line;	     /* line for KVP_ERR_CONFIG, else 0 */
	const char *path;    /* file involved, or "" */
	const char *message; /* one line, no trailing newline; "" when none */
} kvp_error;

/* The detail of the calling thread's most recent failure. Never NULL.
 * The struct and its strings belong to the library and to this thread:
 * do not free them; they stay readable until the thread exits, and their
 * contents change at the thread's next failing call or kvp_error_clear()
 * (copy what must outlive that). Code is KVP_OK when nothing failed. */
KVP_EXTERN const kvp_error *kvp_error_last(void);

/* Reset the calling thread's error detail to KVP_OK. */
KVP_EXTERN void kvp_error_clear(void);

/* Stable name of a code, e.g. "KeyTooLarge" (the reference store's names);
 * "Unknown" for anything else. Static storage: do not free. */
KVP_EXTERN const char *kvp_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif
