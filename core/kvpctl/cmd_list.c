/* cmd_list.c - the commands that show many records: list (one row per key,
 * its last value) and dump (every record in file order, with its index),
 * each as an aligned table or, with --json, as the library's JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "kvpctl.h"
#include "output.h"

enum { FLAG_JSON }; /* indexes in list_flags and dump_flags */

static const struct kvpctl_flag list_flags[] = {
    [FLAG_JSON] = {"json", "print a JSON object {\"key\": \"value\", ...}"},
    {NULL, NULL, NULL},
};

static const struct kvpctl_flag dump_flags[] = {
    [FLAG_JSON] =
	{"json", "print a JSON array of {\"key\": .., \"value\": ..} objects"},
    {NULL, NULL, NULL},
};

static int print_json(const struct kvpctl_ctx *ctx, const kvp_record_list *list,
		      int flags)
{
	char *text = kvp_record_list_json(list, flags | KVP_JSON_PRETTY);

	if (!text)
		return kvpctl_fail(KVPCTL_EXIT_LIBRARY,
				   "%s: out of memory formatting JSON",
				   kvp_store_path(ctx->store));
	out_json(stdout, text);
	putchar('\n');
	free(text);
	return KVPCTL_EXIT_OK;
}

/* The rows of a table: [INDEX] KEY VALUE. */
static int print_table(const struct kvpctl_ctx *ctx,
		       const kvp_record_list *list, bool with_index)
{
	static const char *const record_titles[] = {"INDEX", "KEY", "VALUE"};
	size_t cols = with_index ? 3 : 2;
	struct out_cell *cells = calloc(list->count * cols + 1, sizeof(*cells));
	char(*index)[24] = calloc(list->count + 1, sizeof(*index));
	int r = cells && index ? 0 : -1;

	for (size_t i = 0; r == 0 && i < list->count; i++) {
		struct out_cell *row = cells + i * cols;
		const kvp_record *rec = &list->records[i];
		if (with_index) {
			int n = snprintf(index[i], sizeof(index[i]), "%zu", i);
			*row++ = (struct out_cell){index[i], (size_t)n};
		}
		row[0] = (struct out_cell){rec->key, rec->key_len};
		row[1] = (struct out_cell){rec->value, rec->value_len};
	}
	if (r == 0)
		r = out_table(stdout, cols,
			      record_titles + (with_index ? 0 : 1),
			      with_index ? 0x1 : 0, cells, list->count);
	free(cells);
	free(index);
	if (r < 0)
		return kvpctl_fail(KVPCTL_EXIT_LIBRARY,
				   "%s: out of memory formatting the table",
				   kvp_store_path(ctx->store));
	return KVPCTL_EXIT_OK;
}

static int show_records(const struct kvpctl_ctx *ctx, bool dump)
{
	kvp_record_list list;
	int r = dump ? kvp_store_dump(ctx->store, &list)
		     : kvp_store_entries(ctx->store, &list);

	if (r < 0)
		return kvpctl_library_error(kvp_store_path(ctx->store));
	if (list.torn_bytes)
		kvpctl_warn("%s: skipped a partial last record (%zu bytes): a "
			    "writer died or is writing",
			    kvp_store_path(ctx->store), list.torn_bytes);
	if (ctx->flag_given[FLAG_JSON])
		r = print_json(ctx, &list, dump ? 0 : KVP_JSON_OBJECT);
	else
		r = print_table(ctx, &list, dump);
	kvp_record_list_free(&list);
	return r;
}

static int run_list(const struct kvpctl_ctx *ctx)
{
	return show_records(ctx, false);
}

static int run_dump(const struct kvpctl_ctx *ctx)
{
	return show_records(ctx, true);
}

KVPCTL_STORE_COMMAND(list, 0, list_flags, "[--json]",
		     "show each key once, with the value of its last record");
KVPCTL_STORE_COMMAND(dump, 0, dump_flags, "[--json]",
		     "show every record in file order, duplicates kept");
