/* cmd_store.c - the commands that read or change single keys and the whole
 * pool: get, set, append, delete, len, clear. Each is one library call
 * and its report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvpctl.h"
#include "output.h"

enum { GET_RAW }; /* index in get_flags */

static const struct kvpctl_flag get_flags[] = {
    [GET_RAW] = {"raw",
		 "write the value's exact bytes: no escaping, no newline"},
    {NULL, NULL, NULL},
};

enum { CLEAR_IF_STALE }; /* index in clear_flags */

static const struct kvpctl_flag clear_flags[] = {
    [CLEAR_IF_STALE] = {"if-stale", "clear only when last written before "
				    "this boot, and say which"},
    {NULL, NULL, NULL},
};

static const char *pool_path(const struct kvpctl_ctx *ctx)
{
	return kvp_store_path(ctx->store);
}

/* The exit code for a library call that returned r: its error when r is
 * negative; "not found" when r is 0 and the call looked for `key`. */
static int result(const struct kvpctl_ctx *ctx, int r, const char *key)
{
	if (r < 0)
		return kvpctl_library_error(pool_path(ctx));
	if (r == 0 && key)
		return kvpctl_not_found(ctx->store, key);
	return KVPCTL_EXIT_OK;
}

static int run_get(const struct kvpctl_ctx *ctx)
{
	const char *key = ctx->argv[0];
	char *value = NULL;
	size_t len = 0;
	int r = kvp_store_read(ctx->store, key, &value, &len);

	if (r <= 0)
		return result(ctx, r, key);
	if (ctx->flag_given[GET_RAW]) {
		fwrite(value, 1, len, stdout);
	} else {
		out_escaped(stdout, value, len);
		putchar('\n');
	}
	free(value);
	return KVPCTL_EXIT_OK;
}

static int run_set(const struct kvpctl_ctx *ctx)
{
	return result(ctx,
		      kvp_store_insert(ctx->store, ctx->argv[0], ctx->argv[1]),
		      NULL);
}

static int run_append(const struct kvpctl_ctx *ctx)
{
	return result(ctx,
		      kvp_store_append(ctx->store, ctx->argv[0], ctx->argv[1]),
		      NULL);
}

static int run_delete(const struct kvpctl_ctx *ctx)
{
	return result(ctx, kvp_store_delete(ctx->store, ctx->argv[0]),
		      ctx->argv[0]);
}

static int run_len(const struct kvpctl_ctx *ctx)
{
	size_t n = 0;

	if (kvp_store_len(ctx->store, &n) < 0)
		return kvpctl_library_error(pool_path(ctx));
	printf("%zu\n", n);
	return KVPCTL_EXIT_OK;
}

static int run_clear(const struct kvpctl_ctx *ctx)
{
	int r;

	if (!ctx->flag_given[CLEAR_IF_STALE])
		return result(ctx, kvp_store_clear(ctx->store), NULL);
	r = kvp_store_clear_if_stale(ctx->store);
	if (r < 0)
		return kvpctl_library_error(pool_path(ctx));
	out_escaped(stdout, pool_path(ctx), strlen(pool_path(ctx)));
	puts(r ? ": cleared (stale: last written before this boot)"
	       : ": not stale, not cleared");
	return KVPCTL_EXIT_OK;
}

KVPCTL_STORE_COMMAND(get, 1, get_flags, "[--raw] KEY",
		     "print the value of the last record of KEY");
KVPCTL_STORE_COMMAND(set, 2, NULL, "KEY VALUE",
		     "insert KEY, or replace its value (duplicates removed)");
KVPCTL_STORE_COMMAND(append, 2, NULL, "KEY VALUE",
		     "add a record at the end, even when KEY exists");
KVPCTL_STORE_COMMAND(delete, 1, NULL, "KEY", "remove every record of KEY");
KVPCTL_STORE_COMMAND(len, 0, NULL, "",
		     "print the number of records (duplicates counted)");
KVPCTL_STORE_COMMAND(clear, 0, clear_flags, "[--if-stale]",
		     "remove every record");
