/* options.c - module arguments: config= and event= are the module's own;
 * every other argument is a setting that overrides the config file
 * (kvp_settings_set, shared with kvpctl through libkvpcore).
 *
 * The settings are kept in the PAM handle: sshd's auth, account, session
 * open and close run on one handle, and only the first of them reads and
 * parses the file. A later call reuses them when a stat(2) of the file
 * shows the same file unchanged (device, inode, size, mtime, ctime, owner,
 * mode) and the module line, service and effective uid (when the file is
 * not root's) are the same; anything else loads the file again. A load
 * that failed is never reused, so every call logs its error. */
#include <errno.h>
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

#define DATA_PREFIX "pam_kvp_settings:"

/* What the settings were made from, and the settings (the handle's). */
struct cached {
	char *service;
	bool missing; /* no file: the defaults and the arguments */
	struct stat st;
	uid_t euid; /* when the file is not root's: whose it may be */
	bool reusable;
	kvp_settings *s;
};

static void cached_free(pam_handle_t *pamh, void *data, int error_status)
{
	struct cached *c = data;

	(void)pamh;
	(void)error_status;
	kvp_settings_free(c->s);
	free(c->service);
	free(c);
}

/* The data's name: one per module line (its config path and arguments),
 * so two pam_kvp lines of one stack keep their own settings. */
static char *data_name(const struct options *o)
{
	size_t len = sizeof(DATA_PREFIX) + 1;
	const char *path = o->config_path ? o->config_path : "";
	char *name, *p;

	len += strlen(path);
	for (int i = 0; i < o->argc; i++)
		len += strlen(o->argv[i]) + 1;
	if (!(name = malloc(len)))
		return NULL;
	p = stpcpy(stpcpy(name, DATA_PREFIX), path);
	for (int i = 0; i < o->argc; i++)
		p = stpcpy(stpcpy(p, "\n"), o->argv[i]);
	return name;
}

/* The file as it is now: 0, or -1 when it cannot be told (no reuse). */
static int identify(const struct options *o, struct cached *c)
{
	const char *path =
	    o->config_path ? o->config_path : KVP_CONFIG_DEFAULT_PATH;

	memset(&c->st, 0, sizeof(c->st));
	c->missing = false;
	c->euid = 0;
	if (stat(path, &c->st) == -1) {
		if (errno != ENOENT)
			return -1;
		c->missing = true;
		return 0;
	}
	if (c->st.st_uid != 0)
		c->euid = geteuid();
	return 0;
}

static bool same_file(const struct cached *a, const struct cached *b)
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

int options_settings(pam_handle_t *pamh, const struct options *o,
		     const char *service, const kvp_settings **out, char *err,
		     size_t err_size)
{
	char *name = data_name(o);
	const void *data = NULL;
	const struct cached *old;
	struct cached now = {0}, *c;
	kvp_settings *s = NULL;
	int r;

	*out = NULL;
	if (err_size)
		err[0] = '\0';
	now.reusable = name && identify(o, &now) == 0;
	if (now.reusable && pam_get_data(pamh, name, &data) == PAM_SUCCESS &&
	    data) {
		old = data;
		if (old->reusable && same_file(old, &now) &&
		    strcmp(old->service, service ? service : "") == 0) {
			*out = old->s;
			free(name);
			return 0;
		}
	}
	r = load(o, service, &s, err, err_size);
	c = malloc(sizeof(*c));
	if (c)
		*c = now;
	if (c && name && (c->service = strdup(service ? service : ""))) {
		c->reusable = now.reusable && r == 0;
		c->s = s;
		if (pam_set_data(pamh, name, c, cached_free) == PAM_SUCCESS) {
			*out = s;
			free(name);
			return r;
		}
		free(c->service);
	}
	/* Out of memory: no settings, and nothing to record with. */
	free(c);
	free(name);
	kvp_settings_free(s);
	if (r == 0 || !*err)
		snprintf(err, err_size, "out of memory");
	return r < 0 ? r : KVP_ERR_NOMEM;
}
