/* cmd_store.c - the commands that read or change single keys and the whole
 * pool: get, set, append, delete, len, clear. Each is one library call
 * and its report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvpctl.h"
#include "output.h"

enum { GET_RAW };	 /* index in get_flags */
enum { CLEAR_IF_STALE }; /* index in clear_flags */

static const char *pool_path(const struct kvpctl_ctx *ctx)
{
	return kvp_store_path(ctx->store);
}

static int run_get(const struct kvpctl_ctx *ctx)
{
	const char *key = ctx->argv[0];
	char *value = NULL;
	size_t len = 0;
	int r = kvp_store_read(ctx->store, key, &value, &len);

	if (r < 0)
		return kvpctl_library_error(pool_path(ctx));
	if (r == 0)
		return kvpctl_not_found(ctx->store, key);
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
	if (kvp_store_insert(ctx->store, ctx->argv[0], ctx->argv[1]) < 0)
		return kvpctl_library_error(pool_path(ctx));
	return KVPCTL_EXIT_OK;
}

static int run_append(const struct kvpctl_ctx *ctx)
{
	if (kvp_store_append(ctx->store, ctx->argv[0], ctx->argv[1]) < 0)
		return kvpctl_library_error(pool_path(ctx));
	return KVPCTL_EXIT_OK;
}

static int run_delete(const struct kvpctl_ctx *ctx)
{
	int r = kvp_store_delete(ctx->store, ctx->argv[0]);

	if (r < 0)
		return kvpctl_library_error(pool_path(ctx));
	if (r == 0)
		return kvpctl_not_found(ctx->store, ctx->argv[0]);
	return KVPCTL_EXIT_OK;
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

	if (!ctx->flag_given[CLEAR_IF_STALE]) {
		if (kvp_store_clear(ctx->store) < 0)
			return kvpctl_library_error(pool_path(ctx));
		return KVPCTL_EXIT_OK;
	}
	r = kvp_store_clear_if_stale(ctx->store);
	if (r < 0)
		return kvpctl_library_error(pool_path(ctx));
	out_escaped(stdout, pool_path(ctx), strlen(pool_path(ctx)));
	puts(r ? ": cleared (stale: last written before this boot)"
	       : ": not stale, not cleared");
	return KVPCTL_EXIT_OK;
}

static const struct kvpctl_flag get_flags[] = {
    [GET_RAW] = {"raw",
		 "write the value's exact bytes: no escaping, no newline"},
    {NULL, NULL, NULL},
};

static const struct kvpctl_flag clear_flags[] = {
    [CLEAR_IF_STALE] = {"if-stale", "clear only when last written before "
				    "this boot, and say which"},
    {NULL, NULL, NULL},
};

const struct kvpctl_command kvpctl_cmd_get = {
    .name = "get",
    .args = "[--raw] KEY",
    .summary = "print the value of the last record of KEY",
    .min_args = 1,
    .max_args = 1,
    .needs_store = true,
    .flags = get_flags,
    .run = run_get,
};

const struct kvpctl_command kvpctl_cmd_set = {
    .name = "set",
    .args = "KEY VALUE",
    .summary = "insert KEY, or replace its value (duplicates removed)",
    .min_args = 2,
    .max_args = 2,
    .needs_store = true,
    .run = run_set,
};

const struct kvpctl_command kvpctl_cmd_append = {
    .name = "append",
    .args = "KEY VALUE",
    .summary = "add a record at the end, even when KEY exists",
    .min_args = 2,
    .max_args = 2,
    .needs_store = true,
    .run = run_append,
};

const struct kvpctl_command kvpctl_cmd_delete = {
    .name = "delete",
    .args = "KEY",
    .summary = "remove every record of KEY",
    .min_args = 1,
    .max_args = 1,
    .needs_store = true,
    .run = run_delete,
};

const struct kvpctl_command kvpctl_cmd_len = {
    .name = "len",
    .args = "",
    .summary = "print the number of records (duplicates counted)",
    .min_args = 0,
    .max_args = 0,
    .needs_store = true,
    .run = run_len,
};

const struct kvpctl_command kvpctl_cmd_clear = {
    .name = "clear",
    .args = "[--if-stale]",
    .summary = "remove every record",
    .min_args = 0,
    .max_args = 0,
    .needs_store = true,
    .flags = clear_flags,
    .run = run_clear,
};
