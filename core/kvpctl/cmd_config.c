/* cmd_config.c - check-config: check a pam_kvp.conf the way the module
 * reads it, like `sshd -t`.
 *
 *   kvpctl check-config [PATH] [--print] [--service NAME]
 *
 * The file is PATH, else --config, else /etc/security/pam_kvp.conf. A
 * valid file prints nothing and exits 0; --print shows the effective
 * settings (kvp_settings_format: text kvp_settings_load reads back to the
 * same settings), --service NAME those a login of service NAME gets
 * (the file's services.NAME group applied; implies --print). A file with
 * an error prints the library's one line, "FILE:LINE: setting: problem",
 * and exits 3; so does a missing or unreadable file, naming it. */
#include <stdio.h>
#include <stdlib.h>

#include "kvpctl.h"
#include "output.h"

enum { FLAG_PRINT, FLAG_SERVICE }; /* indexes in check_flags */

static const struct kvpctl_flag check_flags[] = {
    [FLAG_PRINT] = {"print",
		    "print the effective settings (a valid pam_kvp.conf)",
		    NULL},
    [FLAG_SERVICE] = {"service",
		      "print the settings for PAM service NAME (its "
		      "services.NAME group applied)",
		      "NAME"},
    {NULL, NULL, NULL},
};

static int run_check_config(const struct kvpctl_ctx *ctx)
{
	const char *path = ctx->argc > 0 ? ctx->argv[0] : ctx->opts->config;
	const char *service = ctx->flag_arg[FLAG_SERVICE];
	kvp_settings *s = NULL;
	char *text = NULL;
	int code = KVPCTL_EXIT_OK;

	if (ctx->argc > 0 && ctx->opts->config)
		return kvpctl_usage_error("check-config: give the file as PATH "
					  "or with --config, not both");
	if (service && !*service)
		return kvpctl_usage_error(
		    "check-config: --service: the service name is empty");
	if (!path)
		path = KVP_CONFIG_DEFAULT_PATH;
	if (kvp_settings_check_file(path) < 0)
		return kvpctl_library_error(path);
	if (!ctx->flag_given[FLAG_PRINT] && !ctx->flag_given[FLAG_SERVICE])
		return KVPCTL_EXIT_OK;

	/* The file was just found valid; load it again for the settings (it
	 * may have changed in between: report that like any error). */
	if (kvp_settings_new(&s) < 0 ||
	    kvp_settings_load(s, path, service, NULL) < 0)
		code = kvpctl_library_error(path);
	else if (!(text = kvp_settings_format(s)))
		code = kvpctl_fail(KVPCTL_EXIT_LIBRARY,
				   "%s: out of memory formatting the settings",
				   path);
	else
		out_config_text(stdout, text);
	free(text);
	kvp_settings_free(s);
	return code;
}

const struct kvpctl_command kvpctl_cmd_check_config = {
    .name = "check-config",
    .args = "[--print] [--service NAME] [PATH]",
    .summary = "check a pam_kvp.conf; print nothing when it is valid",
    .max_args = 1, /* PATH; no store: it reads a file */
    .uses_config = true,
    .flags = check_flags,
    .run = run_check_config,
};
