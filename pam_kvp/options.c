/* options.c - module arguments: config= and event= are the module's own;
 * every other argument is a setting that overrides the config file
 * (kvp_settings_apply_arg, shared with kvpctl through libkvpcore). */
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
			if (strcmp(arg, "debug") == 0)
				o->debug = true;
			o->argv[o->argc++] = arg;
		}
	}
	return r;
}

/* Apply every argument; the first error is returned, later ones still
 * apply (so a typo does not hide on_error=fail). */
static int apply_args(const struct options *o, kvp_settings *out, char *err,
		      size_t err_size)
{
	int first = 0;

	for (int i = 0; i < o->argc; i++) {
		int r = kvp_settings_apply_arg(out, o->argv[i]);
		if (r < 0 && first == 0) {
			first = r;
			snprintf(err, err_size, "%s",
				 kvp_error_last()->message);
		}
	}
	return first;
}

int options_settings(const struct options *o, const char *service,
		     kvp_settings *out, char *err, size_t err_size)
{
	int r = kvp_config_load(o->config_path, service, out, NULL);

	if (r < 0) {
		snprintf(err, err_size, "%s", kvp_error_last()->message);
		kvp_settings_defaults(out);
		char ignored[8];
		apply_args(o, out, ignored, sizeof(ignored));
		return r;
	}
	return apply_args(o, out, err, err_size);
}
