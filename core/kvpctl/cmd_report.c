/* cmd_report.c - report: write one diagnostic as azure-init's DIAG records
 * (kvp_diag_write), for scripts.
 *
 *   kvpctl report --name NAME [--kind event|start|finish] [--event-id UUID]
 *          [--result success|fail] [--duration SECONDS] [--agent NAME/VER]
 *          [--compress] [MESSAGE | -]
 *
 * The payload is MESSAGE, or standard input with "-" (any bytes, up to
 * REPORT_MAX_INPUT; text needs UTF-8 without NUL unless --compress), or
 * nothing. It is encoded first (--compress: zlib+b64), then split into
 * chunks appended under one lock, so a reader never sees half of it. The
 * event id is printed, so that a later --kind finish can reuse it:
 *
 *   id=$(kvpctl report --kind start --name backup:run)
 *   kvpctl report --kind finish --event-id "$id" --name backup:run \
 *       --result success --duration 12.5
 *
 * Exit 2 for anything wrong with the diagnostic (the library's
 * KVP_ERR_INVALID_ARG: checked before the pool is touched), 3 when the
 * pool cannot be written. Without a readable VM id the key holds the nil
 * UUID, with a warning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvpctl.h"

enum {
	FLAG_NAME,
	FLAG_KIND,
	FLAG_EVENT_ID,
	FLAG_RESULT,
	FLAG_DURATION,
	FLAG_AGENT,
	FLAG_COMPRESS,
};

#define REPORT_MAX_INPUT (64u << 20)

/* A name of `table` (a kvp_diag_*_name function) into *out. */
static int parse_name(const char *s, const char *(*table)(int), int first,
		      int *out)
{
	for (int v = first; table(v); v++)
		if (strcmp(s, table(v)) == 0) {
			*out = v;
			return 0;
		}
	return -1;
}

static const char *kind_name(int v)
{
	return kvp_diag_kind_name((kvp_diag_kind)v);
}

static const char *result_name(int v)
{
	return kvp_diag_result_name((kvp_diag_result)v);
}

/* The command's flags into rec: the one place that reads them. */
static int parse_flags(const struct kvpctl_ctx *ctx, kvp_diag_record *rec)
{
	const char *const *arg = ctx->flag_arg;
	int v;

	rec->name = arg[FLAG_NAME];
	rec->event_id = arg[FLAG_EVENT_ID];
	rec->agent = arg[FLAG_AGENT] ? arg[FLAG_AGENT] : "kvpctl/" KVP_VERSION;
	if (ctx->flag_given[FLAG_COMPRESS])
		rec->encoding = KVP_DIAG_ENC_ZLIB_B64;
	if (!rec->name)
		return kvpctl_usage_error("report: --name is required");
	if (arg[FLAG_KIND]) {
		if (parse_name(arg[FLAG_KIND], kind_name, 0, &v) < 0)
			return kvpctl_usage_error(
			    "report: --kind: '%s' is not event, start or "
			    "finish",
			    arg[FLAG_KIND]);
		rec->kind = (kvp_diag_kind)v;
	}
	if (arg[FLAG_RESULT]) {
		if (parse_name(arg[FLAG_RESULT], result_name, 1, &v) < 0)
			return kvpctl_usage_error(
			    "report: --result: '%s' is not success or fail",
			    arg[FLAG_RESULT]);
		rec->result = (kvp_diag_result)v;
	}
	if (arg[FLAG_DURATION]) {
		if (kvp_diag_duration_parse(arg[FLAG_DURATION],
					    &rec->duration) < 0)
			return kvpctl_usage_error("report: --duration: %s",
						  kvp_error_last()->message);
		rec->has_duration = true;
	}
	return 0;
}

/* All of standard input, at most REPORT_MAX_INPUT bytes (malloc'd). */
static int read_stdin(char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *p;
	ssize_t got = 1;

	while (buf && got != 0) {
		if (n > REPORT_MAX_INPUT) {
			free(buf);
			return kvpctl_usage_error(
			    "report: standard input is larger than %u MiB",
			    REPORT_MAX_INPUT >> 20);
		}
		if (n == cap) {
			/* One byte past the limit tells "too large". */
			cap = cap * 2 > REPORT_MAX_INPUT ? REPORT_MAX_INPUT + 1
							 : cap * 2;
			if (!(p = realloc(buf, cap)))
				break;
			buf = p;
		}
		got = read(STDIN_FILENO, buf + n, cap - n);
		if (got < 0 && errno != EINTR) {
			free(buf);
			return kvpctl_fail(KVPCTL_EXIT_LIBRARY,
					   "report: reading standard input: %s",
					   strerror(errno));
		}
		n += got > 0 ? (size_t)got : 0;
	}
	if (buf && got == 0) {
		*out = buf;
		*len = n;
		return 0;
	}
	free(buf);
	return kvpctl_fail(KVPCTL_EXIT_LIBRARY, "report: out of memory");
}

static int run_report(const struct kvpctl_ctx *ctx)
{
	kvp_diag_record rec = {0};
	kvp_diag_written w;
	char *input = NULL;
	int code = parse_flags(ctx, &rec);

	if (code == 0 && ctx->argc == 1 && strcmp(ctx->argv[0], "-") == 0) {
		code = read_stdin(&input, &rec.payload_len);
		rec.payload = input;
	} else if (code == 0 && ctx->argc == 1) {
		rec.payload = ctx->argv[0];
		rec.payload_len = strlen(ctx->argv[0]);
	}
	if (code == 0 && kvp_diag_write(ctx->store, &rec, &w) < 0)
		code = kvp_error_last()->code == KVP_ERR_INVALID_ARG
			   ? kvpctl_usage_error("report: %s",
						kvp_error_last()->message)
			   : kvpctl_library_error(kvp_store_path(ctx->store));
	free(input);
	if (code != 0)
		return code;
	if (!w.vm_id_available)
		kvpctl_warn("no VM id (the SMBIOS UUID could not be read): the "
			    "key holds the nil UUID");
	printf("%s\n", w.event_id);
	return KVPCTL_EXIT_OK;
}

static const struct kvpctl_flag report_flags[] = {
    [FLAG_NAME] = {"name", "what is reported, 1-48 bytes (e.g. boot:journal)",
		   "NAME"},
    [FLAG_KIND] = {"kind", "event (default), start or finish", "KIND"},
    [FLAG_EVENT_ID] = {"event-id",
		       "the UUID of the operation (a finish reuses its "
		       "start's; default: a new one)",
		       "UUID"},
    [FLAG_RESULT] = {"result", "success or fail (finish: required)", "RESULT"},
    [FLAG_DURATION] = {"duration",
		       "elapsed seconds, e.g. 0.312 (finish: required)",
		       "SECONDS"},
    [FLAG_AGENT] = {"agent",
		    "the reporter, 1-32 bytes (default: kvpctl/" KVP_VERSION
		    ")",
		    "NAME/VER"},
    [FLAG_COMPRESS] = {"compress",
		       "store the payload zlib-compressed, base64 (zlib+b64; "
		       "any bytes)",
		       NULL},
    {NULL, NULL, NULL},
};

const struct kvpctl_command kvpctl_cmd_report = {
    .name = "report",
    .args = "--name NAME [--kind K] [--event-id UUID] [--result R] "
	    "[--duration S] [--agent A] [--compress] [MESSAGE | -]",
    .summary = "write a diagnostic (DIAG records); print its event id",
    .max_args = 1,
    .needs_store = true,
    .flags = report_flags,
    .run = run_report,
};
