/* options.c - module arguments: config= and event= are the module's own;
 * every other argument is a setting that overrides the config file
 * (kvp_settings_set, shared with kvpctl through libkvpcore). */
#include <stdio.h>
#include <string.h>

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

int options_settings(const struct options *o, const char *service,
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
