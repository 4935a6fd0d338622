/* cmd_events.c - events: the diagnostics the host reads from a pool, from
 * every agent (kvp_diag_read: DIAG records of any agent, cloud-init's,
 * the provisioning report, pam_kvp's legacy records), oldest first, as a
 * table or JSON (events_view.c), filtered, and --follow.
 *
 *   kvpctl [--pool P] [--dir D] [--config PATH] events [--json] [--follow]
 *          [--agent A] [--name GLOB] [--since TIME] [--kind K]
 *          [--prefix PREFIX] [--interval MS]
 *
 * Pool, directory and pam_kvp's legacy key prefix come from the command
 * line, else from the configuration file (kvp_settings_load of --config or
 * the default path; a missing file means the defaults), since pam_kvp's
 * events live where the module writes them.
 *
 * --follow prints what is there, then polls every --interval ms (default
 * 500) and prints only diagnostics it has not printed before, until SIGINT
 * or SIGTERM (exit 0). What was printed is tracked by identity (the error
 * token, the number of records and the first record's key), as a
 * multiset equal to the last poll's: a diagnostic that went away is
 * forgotten, so a cleared pool needs no special case, a second record
 * with a seen key is still new, and a group that becomes complete is
 * shown again, decoded. The wait between polls is sigtimedwait() on the
 * blocked signals: no busy loop, and no signal lost between a poll and
 * the wait. A poll that fails (a lock held too long) is one warning, and
 * polling goes on.
 */
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_view.h"
#include "kvpctl.h"
#include "output.h"

enum {
	FLAG_JSON,
	FLAG_FOLLOW,
	FLAG_AGENT,
	FLAG_NAME,
	FLAG_SINCE,
	FLAG_KIND,
	FLAG_PREFIX,
	FLAG_INTERVAL,
};

#define INTERVAL_DEFAULT_MS 500
#define INTERVAL_MIN_MS	    10
#define INTERVAL_MAX_MS	    3600000

/* Which diagnostics to show. */
struct filter {
	const char *agent; /* the agent, or its name before '/' */
	const char *name;  /* fnmatch(3) pattern */
	bool has_since;
	struct timespec since;
	int kind; /* a kvp_diag_kind, or -1 */
};

struct events {
	kvp_store *store;
	const char *prefix;
	bool json, follow;
	unsigned int interval_ms;
	struct filter filter;
	struct ev_table table;
	/* --follow: identities of the last poll's diagnostics, sorted. */
	char **seen;
	size_t seen_count;
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

/* --since: RFC 3339, a date-time without a zone (UTC), a date (its
 * midnight, UTC) or "@" and seconds since the epoch. */
static bool parse_since(const char *s, struct timespec *out)
{
	char buf[64];
	size_t n = strlen(s);
	unsigned int sec;

	if (s[0] == '@')
		return kvpctl_parse_uint(s + 1, 0, ~0u, &sec) == 0 &&
		       (out->tv_sec = sec, out->tv_nsec = 0, true);
	if (n == 10)
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	else if (n >= 19 && n < 40 && !strpbrk(s + 19, "Zz+-"))
		snprintf(buf, sizeof(buf), "%sZ", s);
	else
		snprintf(buf, sizeof(buf), "%.63s", s);
	return kvp_diag_time_parse(buf, out) == 0;
}

static int parse_kind(const char *s, int *out)
{
	for (int k = KVP_DIAG_EVENT; kvp_diag_kind_name(k); k++)
		if (strcmp(s, kvp_diag_kind_name(k)) == 0) {
			*out = k;
			return 0;
		}
	return -1;
}

/* The command's flags: the one place that reads them. */
static int parse_flags(const struct kvpctl_ctx *ctx, struct events *ev,
		       kvp_settings *s)
{
	const char *interval = ctx->flag_arg[FLAG_INTERVAL];
	const char *since = ctx->flag_arg[FLAG_SINCE];
	const char *kind = ctx->flag_arg[FLAG_KIND];

	ev->json = ctx->flag_given[FLAG_JSON];
	ev->follow = ctx->flag_given[FLAG_FOLLOW];
	ev->prefix = ctx->flag_arg[FLAG_PREFIX];
	ev->filter.agent = ctx->flag_arg[FLAG_AGENT];
	ev->filter.name = ctx->flag_arg[FLAG_NAME];
	ev->filter.kind = -1;
	ev->interval_ms = INTERVAL_DEFAULT_MS;
	if (ev->prefix && !prefix_valid(s, ev->prefix))
		return kvpctl_usage_error(
		    "events: --prefix: '%s' is not 1 to %d characters of "
		    "[A-Za-z0-9_.-]",
		    ev->prefix, KVP_KEY_PREFIX_MAX);
	if (since &&
	    !(ev->filter.has_since = parse_since(since, &ev->filter.since)))
		return kvpctl_usage_error(
		    "events: --since: '%s' is not a time (RFC 3339 as "
		    "2026-08-31T12:34:56Z, a date as 2026-08-31, or "
		    "@SECONDS)",
		    since);
	if (kind && parse_kind(kind, &ev->filter.kind) < 0)
		return kvpctl_usage_error(
		    "events: --kind: '%s' is not event, start or finish", kind);
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
	return 0;
}

/* Flags, then the configuration where the command line leaves a gap,
 * then the store. `s` holds the settings the prefix may point into. */
static int setup(const struct kvpctl_ctx *ctx, struct events *ev,
		 kvp_settings **s)
{
	const struct kvpctl_options *o = ctx->opts;
	const char *dir = o->dir;
	kvp_pool pool = o->pool;
	int code;

	if (kvp_settings_new(s) < 0)
		return kvpctl_library_error(NULL);
	code = parse_flags(ctx, ev, *s);
	if (code != 0)
		return code;
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
	if (kvp_store_new(&ev->store, pool, dir, o->mode) < 0)
		return kvpctl_library_error(dir);
	kvp_store_set_lock_timeout(ev->store, o->timeout_ms);
	return 0;
}

static bool shown_kind(const kvp_diag_entry *e)
{
	return e->error != KVP_DIAG_ERR_MALFORMED &&
	       e->error != KVP_DIAG_ERR_UNSUPPORTED_VERSION;
}

static bool matches(const struct filter *f, const kvp_diag_entry *e)
{
	size_t n = f->agent ? strlen(f->agent) : 0;

	if (f->agent && (!e->agent || (strcmp(e->agent, f->agent) != 0 &&
				       (strncmp(e->agent, f->agent, n) ||
					e->agent[n] != '/'))))
		return false;
	if (f->name && (!e->name || fnmatch(f->name, e->name, 0) != 0))
		return false;
	if (f->kind >= 0 && (!shown_kind(e) || (int)e->kind != f->kind))
		return false;
	return !f->has_since ||
	       (e->has_time && (e->time.tv_sec > f->since.tv_sec ||
				(e->time.tv_sec == f->since.tv_sec &&
				 e->time.tv_nsec >= f->since.tv_nsec)));
}

/* The list's entries that pass the filter, oldest first (malloc'd). */
static const kvp_diag_entry **
select_entries(const struct events *ev, const kvp_diag_list *list, size_t *n)
{
	size_t count = kvp_diag_list_count(list);
	const kvp_diag_entry **v = malloc((count + 1) * sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < count; i++)
		if (matches(&ev->filter, kvp_diag_list_get(list, i)))
			v[(*n)++] = kvp_diag_list_get(list, i);
	if (v)
		ev_sort(v, *n);
	return v;
}

static int print_entries(struct events *ev, const kvp_diag_entry *const *v,
			 size_t n)
{
	int r = ev->json ? ev_print_json(stdout, v, n, !ev->follow)
			 : ev_print_table(stdout, v, n, &ev->table);

	if (r < 0)
		return kvpctl_fail(KVPCTL_EXIT_LIBRARY,
				   "%s: out of memory formatting the events",
				   kvp_store_path(ev->store));
	return KVPCTL_EXIT_OK;
}

static void warn_torn(struct events *ev, const kvp_diag_list *list)
{
	size_t torn = kvp_diag_list_torn_bytes(list);

	if (torn && torn != ev->last_torn)
		kvpctl_warn("%s: skipped a partial last record (%zu bytes): a "
			    "writer died or is writing",
			    kvp_store_path(ev->store), torn);
	ev->last_torn = torn;
}

/* ---- --follow: which diagnostics are new ---- */

static char *identity(const kvp_diag_entry *e)
{
	char *s = NULL;

	if (asprintf(&s, "%s\x1f%zu\x1f%s", kvp_diag_error_token(e->error),
		     e->record_count, e->records[0].key) < 0)
		return NULL;
	return s;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many of the identities printed last time equal `id`. */
static size_t seen_count(const struct events *ev, const char *id)
{
	size_t lo = 0, hi = ev->seen_count, first;

	while (lo < hi) { /* the first not below id */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ev->seen[mid], id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < ev->seen_count && strcmp(ev->seen[lo], id) == 0)
		lo++;
	return lo - first;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Keep in v[] (in order) only the entries not printed before: of the m
 * entries with one identity, all but the first p, where p were seen. The
 * identities of all v[0..*n) then become the seen set. 0, or -1 out of
 * memory. */
static int keep_new(struct events *ev, const kvp_diag_entry **v, size_t *n)
{
	char **ids = calloc(*n + 1, sizeof(*ids));
	size_t kept = 0;

	for (size_t i = 0; ids && i < *n; i++)
		if (!(ids[i] = identity(v[i]))) {
			free_strings(ids, i);
			ids = NULL;
		}
	if (!ids)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		size_t before = 0;
		for (size_t j = 0; j < i; j++)
			before += strcmp(ids[j], ids[i]) == 0;
		if (before >= seen_count(ev, ids[i]))
			v[kept++] = v[i];
	}
	qsort(ids, *n, sizeof(*ids), by_string);
	free_strings(ev->seen, ev->seen_count);
	ev->seen = ids;
	ev->seen_count = *n;
	*n = kept;
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

/* One read, printed (only what is new with --follow). An exit code, or -1
 * to go on polling. The first read must work; a later failure is a
 * warning. */
static int show_events(struct events *ev, bool first)
{
	kvp_diag_list *list;
	const kvp_diag_entry **v;
	size_t n;
	int code;

	if (kvp_diag_read(ev->store, ev->prefix, &list) < 0) {
		if (first || !ev->follow)
			return kvpctl_library_error(kvp_store_path(ev->store));
		warn_poll_failed(ev);
		return -1;
	}
	ev->poll_failing = false;
	warn_torn(ev, list);
	v = select_entries(ev, list, &n);
	if (!v || (ev->follow && keep_new(ev, v, &n) < 0))
		code = kvpctl_fail(KVPCTL_EXIT_LIBRARY, "out of memory");
	else
		code = print_entries(ev, v, n);
	free(v);
	kvp_diag_list_free(list);
	if (code != KVPCTL_EXIT_OK || !ev->follow)
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
	code = show_events(ev, true);
	while (code < 0 && !wait_stop(&stop, ev->interval_ms))
		code = show_events(ev, false);
	return code < 0 ? KVPCTL_EXIT_OK : code;
}

static int run_events(const struct kvpctl_ctx *ctx)
{
	struct events ev = {0};
	kvp_settings *settings = NULL;
	int code = setup(ctx, &ev, &settings);

	if (code == 0)
		code = ev.follow ? follow(&ev) : show_events(&ev, true);
	free_strings(ev.seen, ev.seen_count);
	kvp_store_free(ev.store);
	kvp_settings_free(settings);
	return code;
}

static const struct kvpctl_flag events_flags[] = {
    [FLAG_JSON] = {"json",
		   "a JSON array, one object per line (with --follow: JSON "
		   "Lines)",
		   NULL},
    [FLAG_FOLLOW] = {"follow",
		     "keep printing new diagnostics until interrupted", NULL},
    [FLAG_AGENT] = {"agent",
		    "only this agent (\"azure-init\" matches "
		    "\"azure-init/0.1.1\")",
		    "AGENT"},
    [FLAG_NAME] = {"name", "only names matching this pattern (fnmatch: boot:*)",
		   "GLOB"},
    [FLAG_SINCE] = {"since",
		    "only from this time on (RFC 3339, YYYY-MM-DD, "
		    "@SECONDS; UTC)",
		    "TIME"},
    [FLAG_KIND] = {"kind", "only event, start or finish", "KIND"},
    [FLAG_PREFIX] = {"prefix",
		     "key prefix of pam_kvp's own records (default: "
		     "key_prefix of the configuration)",
		     "PREFIX"},
    [FLAG_INTERVAL] = {"interval",
		       "with --follow: poll every MS milliseconds (default "
		       "500)",
		       "MS"},
    {NULL, NULL, NULL},
};

const struct kvpctl_command kvpctl_cmd_events = {
    .name = "events",
    .args = "[--json] [--follow] [--agent A] [--name GLOB] [--since TIME] "
	    "[--kind K] [--prefix PREFIX] [--interval MS]",
    .summary = "show the diagnostics of every agent, oldest first",
    .uses_config = true,
    .flags = events_flags,
    .run = run_events,
};
