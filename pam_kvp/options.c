/* options.c - module arguments: config= and event= are the module's own;
 * every other argument is a setting that overrides the config file
 * (kvp_settings_set, shared with kvpctl through libkvpcore).
 *
 * The settings parsed from the file are kept for the process and reused
 * while the file is unchanged: see "the process's settings cache" below. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "options.h"

int options_parse(struct options *o, int argc, const char **argv, char *err,
		  size_t err_size)
{
	int r = 0;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (strncmp(arg, "config=", 7) == 0 && arg[7]) {
			o->config_path = arg + 7;
		} else if (strcmp(arg, "event=auth_fail") == 0) {
			o->auth_fail = true;
		} else if (strcmp(arg, "event=auth") == 0) {
			o->auth_fail = false;
		} else if (strncmp(arg, "event=", 6) == 0 ||
			   strcmp(arg, "config=") == 0) {
			if (r == 0)
				snprintf(err, err_size,
					 "bad module argument '%s' (expected "
					 "config=PATH, event=auth or "
					 "event=auth_fail)",
					 arg);
			r = -1;
		} else if (o->argc == OPTIONS_MAX_ARGS) {
			if (r == 0)
				snprintf(err, err_size,
					 "too many module arguments (at most "
					 "%d)",
					 OPTIONS_MAX_ARGS);
			r = -1;
		} else {
			o->argv[o->argc++] = arg;
		}
	}
	return r;
}

/* Apply every argument; the first error goes to err (if not NULL), later
 * ones still apply (so a typo does not hide on_error=fail). */
static int apply_args(const struct options *o, kvp_settings *s, char *err,
		      size_t err_size)
{
	int first = 0;

	for (int i = 0; i < o->argc; i++) {
		int r = kvp_settings_set(s, o->argv[i]);
		if (r < 0 && first == 0) {
			first = r;
			if (err)
				snprintf(err, err_size, "%s",
					 kvp_error_last()->message);
		}
	}
	return first;
}

static int load(const struct options *o, const char *service,
		kvp_settings **out, char *err, size_t err_size)
{
	int r = kvp_settings_new(out);

	if (r == 0)
		r = kvp_settings_load(*out, o->config_path, service, NULL);
	if (r < 0)
		snprintf(err, err_size, "%s", kvp_error_last()->message);
	/* A file with an error left the defaults: the arguments still apply. */
	if (*out) {
		int a = apply_args(o, *out, r < 0 ? NULL : err, err_size);
		if (r == 0)
			r = a;
	}
	return r;
}

/* ---- the process's settings cache ----
 *
 * Parsed settings are kept for the process (the module is linked
 * -z nodelete, so they outlive pam_end): one entry per module line and
 * service, reused while a stat(2) of the file shows the same file
 * unchanged (device, inode, size, mtime, ctime to the ns, owner, mode) and,
 * when the file is not root's, the same effective uid. A load that failed
 * is never kept, so every call logs its error. A call holds a reference to
 * the entry it uses, so another thread replacing it cannot free it. */

#define CACHE_SLOTS 8

struct entry {
	char *name;   /* module line and service: see entry_name() */
	bool missing; /* no file: the defaults and the arguments */
	struct stat st;
	uid_t euid; /* when the file is not root's: whose it may be */
	kvp_settings *s;
	unsigned int refs; /* the table's, and each call's */
	unsigned long long used;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *cache[CACHE_SLOTS];
static unsigned long long cache_tick;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A child forked while another thread held the lock must not inherit it
 * held. */
static void lock_cache(void)
{
	pthread_mutex_lock(&cache_lock);
}

static void unlock_cache(void)
{
	pthread_mutex_unlock(&cache_lock);
}

static void register_atfork(void)
{
	pthread_atfork(lock_cache, unlock_cache, unlock_cache);
}

static void entry_free(struct entry *e)
{
	kvp_settings_free(e->s);
	free(e->name);
	free(e);
}

/* One name per module line (config path and arguments) and service, so
 * two pam_kvp lines or two services keep their own settings. */
static char *entry_name(const struct options *o, const char *service)
{
	const char *path = o->config_path ? o->config_path : "";
	size_t len = strlen(path) + strlen(service ? service : "") + 3;
	char *name, *p;

	for (int i = 0; i < o->argc; i++)
		len += strlen(o->argv[i]) + 1;
	if (!(name = malloc(len)))
		return NULL;
	p = stpcpy(name, path);
	for (int i = 0; i < o->argc; i++)
		p = stpcpy(stpcpy(p, "\n"), o->argv[i]);
	stpcpy(stpcpy(p, "\n\n"), service ? service : "");
	return name;
}

/* The file as it is now: 0, or -1 when it cannot be told (no reuse). */
static int identify(const struct options *o, struct entry *e)
{
	const char *path =
	    o->config_path ? o->config_path : KVP_CONFIG_DEFAULT_PATH;

	memset(&e->st, 0, sizeof(e->st));
	e->missing = false;
	e->euid = 0;
	if (stat(path, &e->st) == -1) {
		if (errno != ENOENT)
			return -1;
		e->missing = true;
		return 0;
	}
	if (e->st.st_uid != 0)
		e->euid = geteuid();
	return 0;
}

static bool same_file(const struct entry *a, const struct entry *b)
{
	const struct stat *x = &a->st, *y = &b->st;

	if (a->missing || b->missing)
		return a->missing == b->missing;
	return x->st_dev == y->st_dev && x->st_ino == y->st_ino &&
	       x->st_size == y->st_size && x->st_mode == y->st_mode &&
	       x->st_uid == y->st_uid && a->euid == b->euid &&
	       x->st_mtim.tv_sec == y->st_mtim.tv_sec &&
	       x->st_mtim.tv_nsec == y->st_mtim.tv_nsec &&
	       x->st_ctim.tv_sec == y->st_ctim.tv_sec &&
	       x->st_ctim.tv_nsec == y->st_ctim.tv_nsec;
}

/* Under the lock: the entry named `now->name` made from the same file, with
 * a reference taken; NULL when there is none. */
static struct entry *cache_find(const struct entry *now)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct entry *e = cache[i];
		if (e && strcmp(e->name, now->name) == 0 && same_file(e, now)) {
			e->refs++;
			e->used = ++cache_tick;
			return e;
		}
	}
	return NULL;
}

static void entry_unref(struct entry *e)
{
	if (e && --e->refs == 0)
		entry_free(e);
}

/* Under the lock: keep `e` (one more reference), in place of an entry of
 * the same name, else of the least recently used one. */
static void cache_keep(struct entry *e)
{
	int slot = 0;

	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i] && strcmp(cache[i]->name, e->name) == 0) {
			slot = i;
			break;
		}
		if (!cache[i] ||
		    (cache[slot] && cache[i]->used < cache[slot]->used))
			slot = i;
	}
	entry_unref(cache[slot]);
	e->refs++;
	e->used = ++cache_tick;
	cache[slot] = e;
}

int options_settings(const struct options *o, const char *service,
		     struct options_hold *hold, char *err, size_t err_size)
{
	struct entry now = {0}, *e = NULL;
	bool reusable;
	int r;

	hold->s = NULL;
	hold->entry = NULL;
	if (err_size)
		err[0] = '\0';
	pthread_once(&atfork_once, register_atfork);
	now.name = entry_name(o, service);
	reusable = now.name && identify(o, &now) == 0;
	if (reusable) {
		lock_cache();
		e = cache_find(&now);
		unlock_cache();
	}
	if (e) {
		free(now.name);
		hold->s = e->s;
		hold->entry = e;
		return 0;
	}
	r = load(o, service, &now.s, err, err_size);
	e = now.name && now.s ? malloc(sizeof(*e)) : NULL;
	if (!e) {
		/* Out of memory: no settings, and nothing to record with. */
		free(now.name);
		kvp_settings_free(now.s);
		if (r == 0 || !*err)
			snprintf(err, err_size, "out of memory");
		return r < 0 ? r : KVP_ERR_NOMEM;
	}
	*e = now;
	e->refs = 1; /* this call's */
	if (reusable && r == 0) {
		lock_cache();
		cache_keep(e);
		unlock_cache();
	}
	hold->s = e->s;
	hold->entry = e;
	return r;
}

void options_release(struct options_hold *hold)
{
	if (!hold->entry)
		return;
	lock_cache();
	entry_unref(hold->entry);
	unlock_cache();
	hold->entry = NULL;
	hold->s = NULL;
}
