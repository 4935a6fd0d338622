/* kvp/error.h - error codes and the error detail of libkvpcore.
 *
 * Every fallible call returns 0 (or a documented non-negative result) on
 * success and one of the negative KVP_ERR_* codes below on failure. The
 * detail of the most recent failure on the calling thread (code, errno,
 * path, limit and actual size, and a one-line message) is kept in
 * thread-local storage and read with kvp_error_last(). A successful call
 * does not clear it.
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

/* Longest path and message kept in an error detail (longer ones are cut). */
#define KVP_ERROR_PATH_MAX    4096
#define KVP_ERROR_MESSAGE_MAX 5200

typedef struct kvp_error {
	int code;      /* one of enum kvp_error_code */
	int sys_errno; /* errno for KVP_ERR_IO and NOMEM, else 0 */
	size_t max;    /* limit for *_TOO_LARGE / MAX_UNIQUE_KEYS */
	size_t actual; /* actual size for *_TOO_LARGE */
	size_t line;   /* line for KVP_ERR_CONFIG, else 0 */
	char path[KVP_ERROR_PATH_MAX];	     /* file involved, or "" */
	char message[KVP_ERROR_MESSAGE_MAX]; /* one line, no trailing newline */
} kvp_error;

/* The detail of the calling thread's most recent failure. Never NULL; the
 * storage is owned by the library and stays valid until the thread's next
 * failing call or kvp_error_clear(). Code is KVP_OK when nothing failed. */
KVP_EXTERN const kvp_error *kvp_error_last(void);

/* The message of kvp_error_last(): never NULL, "" when nothing failed. */
KVP_EXTERN const char *kvp_error_message(void);

/* Reset the calling thread's error detail to KVP_OK. */
KVP_EXTERN void kvp_error_clear(void);

/* Stable name of a code, e.g. "KeyTooLarge" (the reference store's names);
 * "Unknown" for anything else. Static storage. */
KVP_EXTERN const char *kvp_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif
