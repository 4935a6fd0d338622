/* report.c - kvpctl's messages on stderr: one line per failure, prefixed
 * "kvpctl: ", escaped like pool data (a key given on the command line may
 * hold terminal escapes too), and the exit code that goes with it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvpctl.h"
#include "output.h"

static void vreport(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char *text = NULL;
	int n = vasprintf(&text, fmt, ap);

	fputs("kvpctl: ", stderr);
	fputs(prefix, stderr);
	if (n < 0)
		fputs("out of memory while reporting an error", stderr);
	else
		out_escaped(stderr, text, (size_t)n);
	fputc('\n', stderr);
	free(text);
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

int kvpctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return KVPCTL_EXIT_USAGE;
}

int kvpctl_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return code;
}

void kvpctl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

int kvpctl_library_error(const char *path)
{
	const kvp_error *e = kvp_error_last();
	const char *msg = e->message[0] ? e->message : kvp_error_name(e->code);

	if (e->path[0] || !path)
		report("%s", msg);
	else
		report("%s: %s", path, msg);
	return KVPCTL_EXIT_LIBRARY;
}

int kvpctl_not_found(const kvp_store *store, const char *key)
{
	report("key '%s' not found in %s", key, kvp_store_path(store));
	return KVPCTL_EXIT_NOT_FOUND;
}

int kvpctl_finish_output(int code)
{
	int failed = fflush(stdout) != 0;
	int err = errno;

	if (!failed && !ferror(stdout))
		return code;
	if (failed)
		report("cannot write to standard output: %s", strerror(err));
	else
		report("cannot write to standard output");
	return code > KVPCTL_EXIT_USAGE ? code : KVPCTL_EXIT_OUTPUT;
}
