/* cmd_events.c - events: pam_kvp's event records in a pool, oldest first,
 * as a table or JSON (events_view.c), and --follow, which keeps polling
 * and prints each record once.
 *
 *   kvpctl [--pool P] [--dir D] [--config PATH] events [--json] [--follow]
 *          [--prefix PREFIX] [--interval MS]
 *
 * The records are those kvp_event_list returns: keys starting with
 * "<prefix>|". Pool, directory and prefix come from the command line,
 * else from the configuration file (kvp_settings_load of --config or the
 * default path; a missing file means the defaults), since events live
 * where the module writes them.
 *
 * --follow prints what is there, then polls every --interval ms (default
 * 500) and prints only records it has not printed before, until SIGINT
 * or SIGTERM (exit 0). The records printed are tracked by key, as a
 * multiset equal to the pool's current event records: a record that was
 * evicted or cleared is forgotten, so a cleared pool needs no special
 * case, and a second record with a key already seen is still new. The
 * wait between polls is sigtimedwait() on the blocked signals: no busy
 * loop, and no signal lost between a poll and the wait. A poll that fails
 * (a lock held too long) is one warning, and polling goes on.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_view.h"
#include "kvpctl.h"
#include "output.h"

#define EV_JSON	    0x1
#define EV_FOLLOW   0x2
#define EV_PREFIX   0x4
#define EV_INTERVAL 0x8

enum { FLAG_JSON, FLAG_FOLLOW, FLAG_PREFIX, FLAG_INTERVAL };

#define INTERVAL_DEFAULT_MS 500
#define INTERVAL_MIN_MS	    10
#define INTERVAL_MAX_MS	    3600000

struct events {
	kvp_store *store;
	const char *prefix;
	bool json, follow;
	unsigned int interval_ms;
	size_t col_width[EV_COLS];
	bool header_done;
	/* --follow: the records printed so far (the last poll's list) and
	 * their indexes sorted by key. */
	kvp_record_list seen;
	size_t *seen_sorted;
	size_t last_torn;
	bool poll_failing;
};

/* Does --prefix follow the rule of the key_prefix setting? */
static bool prefix_valid(kvp_settings *s, const char *prefix)
{
	char *arg = NULL;
	bool ok = asprintf(&arg, "key_prefix=%s", prefix) > 0 &&
		  kvp_settings_set(s, arg) == 0;

	free(arg);
	return ok;
}

/* Options, then the configuration where the command line leaves a gap,
 * then the store. `s` holds the settings the prefix may point into. */
static int setup(const struct kvpctl_ctx *ctx, struct events *ev,
		 kvp_settings **s)
{
	const struct kvpctl_options *o = ctx->opts;
	const char *interval = ctx->flag_arg[FLAG_INTERVAL];
	const char *dir = o->dir;
	kvp_pool pool = o->pool;

	ev->json = ctx->flags & EV_JSON;
	ev->follow = ctx->flags & EV_FOLLOW;
	ev->prefix = ctx->flag_arg[FLAG_PREFIX];
	ev->interval_ms = INTERVAL_DEFAULT_MS;
	if (kvp_settings_new(s) < 0)
		return kvpctl_library_error(NULL);
	if (ev->prefix && !prefix_valid(*s, ev->prefix))
		return kvpctl_usage_error(
		    "events: --prefix: '%s' is not 1 to %d characters of "
		    "[A-Za-z0-9_.-]",
		    ev->prefix, KVP_KEY_PREFIX_MAX);
	if (interval && !ev->follow)
		return kvpctl_usage_error(
		    "events: --interval is only used with --follow");
	if (interval &&
	    kvpctl_parse_uint(interval, INTERVAL_MIN_MS, INTERVAL_MAX_MS,
			      &ev->interval_ms) < 0)
		return kvpctl_usage_error(
		    "events: --interval: '%s' is not a number of milliseconds "
		    "from %d to %d",
		    interval, INTERVAL_MIN_MS, INTERVAL_MAX_MS);

	if (!o->pool_given || !o->dir_given || !ev->prefix) {
		if (kvp_settings_load(*s, o->config, NULL, NULL) < 0)
			return kvpctl_library_error(
			    o->config ? o->config : KVP_CONFIG_DEFAULT_PATH);
		if (!o->pool_given)
			pool = kvp_settings_pool(*s);
		if (!o->dir_given)
			dir = kvp_settings_pool_dir(*s);
		if (!ev->prefix)
			ev->prefix = kvp_settings_key_prefix(*s);
	}
	if (kvp_store_new_in(&ev->store, pool, dir, o->mode) < 0)
		return kvpctl_library_error(dir);
	kvp_store_set_lock_timeout(ev->store, o->timeout_ms);
	return 0;
}

/* Print the records of `list` marked in `which` (NULL: all). */
static int print_records(struct events *ev, const kvp_record_list *list,
			 const bool *which)
{
	int r = ev->json ? ev_print_json(stdout, list, which, !ev->follow)
			 : ev_print_table(stdout, list, which, ev->col_width,
					  !ev->header_done);

	ev->header_done = true;
	if (r < 0)
		return kvpctl_fail(KVPCTL_EXIT_LIBRARY,
				   "%s: out of memory formatting the events",
				   kvp_store_path(ev->store));
	return KVPCTL_EXIT_OK;
}

static void warn_torn(struct events *ev, const kvp_record_list *list)
{
	if (list->torn_bytes && list->torn_bytes != ev->last_torn)
		kvpctl_warn("%s: skipped a partial last record (%zu bytes): a "
			    "writer died or is writing",
			    kvp_store_path(ev->store), list->torn_bytes);
	ev->last_torn = list->torn_bytes;
}

/* ---- --follow: which records are new ---- */

static int cmp_key(const kvp_record *a, const kvp_record *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	return c ? c : (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/* Indexes into a list, by key, then by index. */
static int by_key(const void *x, const void *y, void *list)
{
	const kvp_record *recs = ((const kvp_record_list *)list)->records;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = cmp_key(&recs[i], &recs[j]);

	return c ? c : (i > j) - (i < j);
}

static size_t *sorted_by_key(const kvp_record_list *list)
{
	size_t *idx = malloc((list->count + 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < list->count; i++)
		idx[i] = i;
	qsort_r(idx, list->count, sizeof(*idx), by_key, (void *)list);
	return idx;
}

/* How many records printed so far have the key of `rec`. */
static size_t seen_count(const struct events *ev, const kvp_record *rec)
{
	const kvp_record *recs = ev->seen.records;
	size_t lo = 0, hi = ev->seen.count, first;

	while (lo < hi) { /* the first not below rec */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(&recs[ev->seen_sorted[mid]], rec) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < ev->seen.count &&
	       cmp_key(&recs[ev->seen_sorted[lo]], rec) == 0)
		lo++;
	return lo - first;
}

/* Mark in new_rec[] the records of `list` not printed before: of the m
 * records with one key, all but the first (in list order) p, where p
 * records with that key were seen. Then `list` becomes the seen set
 * (taken over: the caller's list is zeroed). 0, or -1 out of memory. */
static int take_new(struct events *ev, kvp_record_list *list, bool *new_rec)
{
	size_t *idx = sorted_by_key(list);

	if (!idx)
		return -1;
	for (size_t g = 0; g < list->count;) {
		const kvp_record *rec = &list->records[idx[g]];
		size_t p = seen_count(ev, rec), end = g;

		while (end < list->count &&
		       cmp_key(&list->records[idx[end]], rec) == 0)
			end++;
		for (size_t k = g; k < end; k++)
			new_rec[idx[k]] = k - g >= p;
		g = end;
	}
	kvp_record_list_free(&ev->seen);
	free(ev->seen_sorted);
	ev->seen = *list;
	ev->seen_sorted = idx;
	memset(list, 0, sizeof(*list));
	return 0;
}

/* A failed poll: one warning until a poll works again. */
static void warn_poll_failed(struct events *ev)
{
	const kvp_error *e = kvp_error_last();

	if (!ev->poll_failing)
		kvpctl_warn("%s%s%s (still following)",
			    e->path[0] ? "" : kvp_store_path(ev->store),
			    e->path[0] ? "" : ": ", e->message);
	ev->poll_failing = true;
}

/* One poll: list, print what is new. An exit code, or -1 to go on. The
 * first poll must work; a later failure is a warning. */
static int poll_once(struct events *ev, bool first)
{
	kvp_record_list list;
	bool *new_rec;
	int code;

	if (kvp_event_list(ev->store, ev->prefix, &list) < 0) {
		if (first)
			return kvpctl_library_error(kvp_store_path(ev->store));
		warn_poll_failed(ev);
		return -1;
	}
	ev->poll_failing = false;
	warn_torn(ev, &list);
	new_rec = calloc(list.count + 1, sizeof(*new_rec));
	if (!new_rec || take_new(ev, &list, new_rec) < 0) {
		free(new_rec);
		kvp_record_list_free(&list);
		return kvpctl_fail(KVPCTL_EXIT_LIBRARY, "out of memory");
	}
	code = print_records(ev, &ev->seen, new_rec);
	free(new_rec);
	if (code != KVPCTL_EXIT_OK)
		return code;
	/* A reader that went away ends the loop (exit 4 in main). */
	return fflush(stdout) != 0 || ferror(stdout) ? KVPCTL_EXIT_OK : -1;
}

/* Block SIGINT and SIGTERM (unless ignored when we started, as under
 * nohup) into *set: they are taken with sigtimedwait between polls. */
static void block_stop_signals(sigset_t *set)
{
	static const int sigs[] = {SIGINT, SIGTERM};

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		if (sigaction(sigs[i], NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_IGN)
			sigaddset(set, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, set, NULL);
}

/* Wait one interval; true when a stop signal came. */
static bool wait_stop(const sigset_t *set, unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	return sigtimedwait(set, NULL, &ts) > 0;
}

static int follow(struct events *ev)
{
	sigset_t stop;
	int code;

	block_stop_signals(&stop);
	code = poll_once(ev, true);
	while (code < 0 && !wait_stop(&stop, ev->interval_ms))
		code = poll_once(ev, false);
	return code < 0 ? KVPCTL_EXIT_OK : code;
}

static int list_once(struct events *ev)
{
	kvp_record_list list;
	int code;

	if (kvp_event_list(ev->store, ev->prefix, &list) < 0)
		return kvpctl_library_error(kvp_store_path(ev->store));
	warn_torn(ev, &list);
	code = print_records(ev, &list, NULL);
	kvp_record_list_free(&list);
	return code;
}

static int run_events(const struct kvpctl_ctx *ctx)
{
	struct events ev = {0};
	kvp_settings *settings = NULL;
	int code = setup(ctx, &ev, &settings);

	if (code == 0)
		code = ev.follow ? follow(&ev) : list_once(&ev);
	kvp_record_list_free(&ev.seen);
	free(ev.seen_sorted);
	kvp_store_free(ev.store);
	kvp_settings_free(settings);
	return code;
}

static const struct kvpctl_flag events_flags[] = {
    [FLAG_JSON] = {"json", EV_JSON,
		   "a JSON array, one object per line: the record's value "
		   "and its \"key\"",
		   NULL},
    [FLAG_FOLLOW] = {"follow", EV_FOLLOW,
		     "keep printing new records until interrupted (with "
		     "--json: JSON Lines)",
		     NULL},
    [FLAG_PREFIX] = {"prefix", EV_PREFIX,
		     "key prefix of the records (default: key_prefix of the "
		     "configuration)",
		     "PREFIX"},
    [FLAG_INTERVAL] = {"interval", EV_INTERVAL,
		       "with --follow: poll every MS milliseconds (default "
		       "500)",
		       "MS"},
    {NULL, 0, NULL, NULL},
};

const struct kvpctl_command kvpctl_cmd_events = {
    .name = "events",
    .args = "[--json] [--follow] [--prefix PREFIX] [--interval MS]",
    .summary = "show pam_kvp's event records, oldest first",
    .min_args = 0,
    .max_args = 0,
    .needs_store = false,
    .uses_config = true,
    .flags = events_flags,
    .run = run_events,
};
