/* options.h - the module's arguments, parsed once per call into a struct
 * before any work (as pam_faillock does). */
#ifndef PAM_KVP_OPTIONS_H
#define PAM_KVP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_modules.h>

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

/* Settings for this call into *out: defaults, the file, the service's
 * group, then the arguments. 0, or a negative KVP_ERR_* code with the
 * message in err; *out then still holds the defaults and the arguments
 * that apply (so on_error=fail given as an argument is honoured even when
 * the file is broken), or is NULL when out of memory. The settings belong
 * to the handle (pam_set_data), and a later call of this module line on
 * it reuses them while the file is unchanged (options.c). */
int options_settings(pam_handle_t *pamh, const struct options *o,
		     const char *service, const kvp_settings **out, char *err,
		     size_t err_size);

#endif
