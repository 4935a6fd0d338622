/* options.h - the module's arguments, parsed once per call into a struct
 * before any work (as pam_faillock does). */
#ifndef PAM_KVP_OPTIONS_H
#define PAM_KVP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/kvp.h"

#define OPTIONS_MAX_ARGS 64

struct options {
	const char *config_path; /* config=PATH, else the default */
	bool auth_fail;		 /* event=auth_fail (auth stack only) */
	int argc;		 /* the remaining arguments: settings, */
	const char *argv[OPTIONS_MAX_ARGS]; /* applied over the file's */
};

/* Split argv into the module's own arguments and settings. 0, or -1 with
 * the first bad module argument's message in err (the rest are still
 * parsed, so event=auth_fail is known); settings arguments are checked
 * later, when applied. */
int options_parse(struct options *o, int argc, const char **argv, char *err,
		  size_t err_size);

/* The settings a call uses, and the reference it holds on them. */
struct options_hold {
	const kvp_settings *s;
	void *entry;
};

/* Settings for this call into hold->s: defaults, the file, the service's
 * group, then the arguments. 0, or a negative KVP_ERR_* code with the
 * message in err; hold->s then still holds the defaults and the arguments
 * that apply (so on_error=fail given as an argument is honoured even when
 * the file is broken), or is NULL when out of memory. Settings loaded
 * without error are kept for the process and reused by later calls of the
 * same module line and service while the file is unchanged (options.c).
 * Give them back with options_release(). */
int options_settings(const struct options *o, const char *service,
		     struct options_hold *hold, char *err, size_t err_size);
void options_release(struct options_hold *hold);

#endif
