/* error.c - the thread-local error detail behind kvp_error_last(). The
 * public struct points into buffers of the same thread-local block, so a
 * caller holds no array of ours and the sizes below can change freely. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/internal.h"

/* err_fail's text, and the whole message: "<path>: <text>". */
#define ERR_TEXT_MAX	1024
#define ERR_MESSAGE_MAX (ERR_PATH_MAX + 2 + ERR_TEXT_MAX)

static _Thread_local struct {
	kvp_error pub;
	char path[ERR_PATH_MAX];
	char message[ERR_MESSAGE_MAX];
} last_error;

const kvp_error *kvp_error_last(void)
{
	/* The address of a thread-local buffer is not a constant, so the
	 * pointers are (re)set here, where a caller first sees them. */
	last_error.pub.path = last_error.path;
	last_error.pub.message = last_error.message;
	return &last_error.pub;
}

void kvp_error_clear(void)
{
	last_error.pub.code = KVP_OK;
	last_error.pub.sys_errno = 0;
	last_error.pub.max = 0;
	last_error.pub.actual = 0;
	last_error.pub.line = 0;
	last_error.path[0] = '\0';
	last_error.message[0] = '\0';
}

const char *kvp_error_name(int code)
{
	switch (code) {
	case KVP_OK: return "Ok";
	case KVP_ERR_EMPTY_KEY: return "EmptyKey";
	case KVP_ERR_KEY_CONTAINS_NULL: return "KeyContainsNull";
	case KVP_ERR_KEY_TOO_LARGE: return "KeyTooLarge";
	case KVP_ERR_VALUE_TOO_LARGE: return "ValueTooLarge";
	case KVP_ERR_VALUE_CONTAINS_NULL: return "ValueContainsNull";
	case KVP_ERR_MAX_UNIQUE_KEYS: return "MaxUniqueKeysExceeded";
	case KVP_ERR_IO: return "Io";
	case KVP_ERR_INVALID_UTF8: return "InvalidUtf8";
	case KVP_ERR_LOCK_TIMEOUT: return "LockTimeout";
	case KVP_ERR_CORRUPT: return "Corrupt";
	case KVP_ERR_INVALID_ARG: return "InvalidArgument";
	case KVP_ERR_NOMEM: return "OutOfMemory";
	case KVP_ERR_CONFIG: return "Config";
	default: return "Unknown";
	}
}

int err_fail(int code, const char *path, size_t max, size_t actual,
	     const char *fmt, ...)
{
	char text[ERR_TEXT_MAX];
	va_list ap;

	kvp_error_clear();
	last_error.pub.code = code;
	last_error.pub.max = max;
	last_error.pub.actual = actual;
	if (path)
		snprintf(last_error.path, sizeof(last_error.path), "%s", path);

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (path && *path)
		snprintf(last_error.message, sizeof(last_error.message),
			 "%s: %s", last_error.path, text);
	else
		snprintf(last_error.message, sizeof(last_error.message), "%s",
			 text);
	return code;
}

int err_fail_errno(int err, const char *path, const char *what)
{
	char buf[128];
	const char *text = strerror_r(err, buf, sizeof(buf));

	err_fail(KVP_ERR_IO, path, 0, 0, "%s: %s", what, text);
	last_error.pub.sys_errno = err;
	return KVP_ERR_IO;
}

int err_fail_nomem(const char *path)
{
	err_fail(KVP_ERR_NOMEM, path, 0, 0, "out of memory");
	last_error.pub.sys_errno = ENOMEM;
	return KVP_ERR_NOMEM;
}

void err_set_location(const char *path, size_t line)
{
	snprintf(last_error.path, sizeof(last_error.path), "%s", path);
	last_error.pub.line = line;
}
