/* main.c - kvpctl's entry point: parse the global options and the command's
 * own flags (getopt_long), create the store, run the command.
 *
 *   kvpctl [--pool P] [--dir D] [--mode M] [--timeout MS] [--config PATH]
 *          COMMAND [ARGS]
 *
 * Global options come before the command; the command's flags may come
 * anywhere after it, and "--" ends them (so a KEY or VALUE may start with
 * '-'). The commands themselves are listed in commands.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvpctl.h"
#include "output.h"

#define FLAG_VAL_BASE 256
#define SYNOPSIS_COLS 22 /* name and args in the usage's command list */

static const struct option global_options[] = {
    {"pool", required_argument, NULL, 'p'},
    {"dir", required_argument, NULL, 'd'},
    {"mode", required_argument, NULL, 'm'},
    {"timeout", required_argument, NULL, 't'},
    {"config", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kvpctl [OPTION...] COMMAND [ARG...]\n"
		"Read and write a Hyper-V KVP pool file (%s/.kvp_pool_N).\n"
		"\n"
		"Options (before the command):\n"
		"  -p, --pool POOL    external, guest, auto, auto_external, "
		"auto_internal\n"
		"                     or 0-4 (default: guest)\n"
		"  -d, --dir DIR      pool directory (default: %s)\n"
		"  -m, --mode MODE    write limits: safe (key %d, value %d "
		"bytes) or\n"
		"                     unsafe (%d, %d) (default: safe)\n"
		"  -t, --timeout MS   longest wait for the pool's locks "
		"(default: %d)\n"
		"  -c, --config PATH  pam_kvp.conf for events and check-config "
		"(default:\n"
		"                     %s)\n"
		"  -h, --help         show this help and exit\n"
		"  -V, --version      show the version and exit\n"
		"\n"
		"Commands:\n",
		KVP_DEFAULT_DIR, KVP_DEFAULT_DIR, KVP_SAFE_MAX_KEY_SIZE,
		KVP_SAFE_MAX_VALUE_SIZE, KVP_KEY_FIELD_SIZE,
		KVP_VALUE_FIELD_SIZE, KVP_DEFAULT_LOCK_TIMEOUT_MS,
		KVP_CONFIG_DEFAULT_PATH);
	for (size_t i = 0; kvpctl_commands[i]; i++) {
		const struct kvpctl_command *c = kvpctl_commands[i];
		int n = (int)(strlen(c->name) + strlen(c->args));
		/* A long synopsis gets its summary on the next line. */
		if (n > SYNOPSIS_COLS)
			fprintf(f, "  %s %s\n%*s%s\n", c->name, c->args,
				SYNOPSIS_COLS + 3, "", c->summary);
		else
			fprintf(f, "  %s %s%*s%s\n", c->name, c->args,
				SYNOPSIS_COLS - n, "", c->summary);
	}
	fputs("\n"
	      "Keys and values are printed with a backslash as \\\\ and "
	      "control bytes and\n"
	      "invalid UTF-8 as \\xNN; --json output replaces invalid UTF-8 "
	      "with U+FFFD.\n"
	      "Put -- before a KEY or VALUE that starts with '-'.\n"
	      "events reads the pool pam_kvp writes to: without --pool and "
	      "--dir, the\n"
	      "pool and pool_dir of the configuration file (missing file: "
	      "the defaults).\n"
	      "'kvpctl COMMAND --help' describes one command.\n"
	      "\n"
	      "Exit status:\n"
	      "  0  success\n"
	      "  1  the key was not found (get, delete)\n"
	      "  2  usage error (unknown command or option, wrong arguments)\n"
	      "  3  the pool operation failed (I/O, lock timeout, key or "
	      "value rejected),\n"
	      "     or the configuration file is invalid, unreadable or "
	      "missing\n"
	      "  4  standard output could not be written\n",
	      f);
}

static void command_usage(const struct kvpctl_command *c)
{
	printf("Usage: kvpctl [OPTION...] %s %s\n%s.\n", c->name, c->args,
	       c->summary);
	for (size_t i = 0; c->flags && c->flags[i].name; i++) {
		const struct kvpctl_flag *fl = &c->flags[i];
		int n = (int)strlen(fl->name) +
			(fl->arg ? 1 + (int)strlen(fl->arg) : 0);
		printf("  --%s%s%s%*s %s\n", fl->name, fl->arg ? " " : "",
		       fl->arg ? fl->arg : "", n < 12 ? 12 - n : 0, "",
		       fl->summary);
	}
	printf("See 'kvpctl --help' for the global options and exit "
	       "status.\n");
}

/* The argument getopt_long just rejected, for the message. */
static const char *bad_option(char **argv)
{
	static char shortopt[3] = "-?";
	const char *arg = argv[optind - 1];

	if (strncmp(arg, "--", 2) == 0 || !optopt || optopt >= FLAG_VAL_BASE)
		return arg;
	shortopt[1] = (char)optopt;
	return shortopt;
}

/* getopt_long's '?': an unknown option, or "--flag=value" for a flag. */
static int option_error(const char *cmd, char **argv)
{
	const char *arg = bad_option(argv);

	if (strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
		return kvpctl_usage_error("%s%soption '%s' takes no argument",
					  cmd ? cmd : "", cmd ? ": " : "", arg);
	return kvpctl_usage_error("%s%sunknown option '%s'; try 'kvpctl %s%s"
				  "--help'",
				  cmd ? cmd : "", cmd ? ": " : "", arg,
				  cmd ? cmd : "", cmd ? " " : "");
}

int kvpctl_parse_uint(const char *arg, unsigned long min, unsigned long max,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < min || v > max || v > UINT_MAX)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* --dir and --config: optarg into *out unless it is empty; then report
 * "<what> is empty" and return -1. */
static int path_option(const char *what, const char **out)
{
	if (!*optarg) {
		kvpctl_usage_error("%s is empty", what);
		return -1;
	}
	*out = optarg;
	return 0;
}

/* 0 to go on, or the exit code (-1 for a clean exit 0 after --help). */
static int parse_global(int argc, char **argv, struct kvpctl_options *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:d:m:t:c:hV", global_options,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			if (kvp_pool_from_name(optarg, &o->pool) < 0)
				return kvpctl_usage_error(
				    "%s", kvp_error_last()->message);
			o->pool_given = true;
			break;
		case 'd':
			if (path_option("--dir: the pool directory", &o->dir))
				return KVPCTL_EXIT_USAGE;
			o->dir_given = true;
			break;
		case 'c':
			if (path_option("--config: the file name", &o->config))
				return KVPCTL_EXIT_USAGE;
			break;
		case 'm':
			if (kvp_mode_from_name(optarg, &o->mode) < 0)
				return kvpctl_usage_error(
				    "%s", kvp_error_last()->message);
			break;
		case 't':
			if (kvpctl_parse_uint(optarg, 0, UINT_MAX,
					      &o->timeout_ms) < 0)
				return kvpctl_usage_error(
				    "--timeout: '%s' is not a number of "
				    "milliseconds",
				    optarg);
			break;
		case 'h': usage(stdout); return -1;
		case 'V': printf("kvpctl %s\n", KVP_VERSION); return -1;
		case ':':
			return kvpctl_usage_error(
			    "option '%s' needs an argument", bad_option(argv));
		default: return option_error(NULL, argv);
		}
	}
	return 0;
}

static const struct kvpctl_command *find_command(const char *name)
{
	for (size_t i = 0; kvpctl_commands[i]; i++)
		if (strcmp(kvpctl_commands[i]->name, name) == 0)
			return kvpctl_commands[i];
	return NULL;
}

/* Parse a command's flags and count its arguments; argv[0] is its name.
 * 0 to run it, else the exit code (-1 after --help). */
static int parse_command(const struct kvpctl_command *cmd, int argc,
			 char **argv, struct kvpctl_ctx *ctx)
{
	struct option longopts[KVPCTL_MAX_FLAGS + 2] = {{0}};
	size_t n = 0;
	int c;

	for (; cmd->flags && cmd->flags[n].name && n < KVPCTL_MAX_FLAGS; n++)
		longopts[n] = (struct option){
		    cmd->flags[n].name,
		    cmd->flags[n].arg ? required_argument : no_argument, NULL,
		    FLAG_VAL_BASE + (int)n};
	longopts[n] = (struct option){"help", no_argument, NULL, 'h'};

	optind = 0; /* start over on the command's own argv */
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			command_usage(cmd);
			return -1;
		}
		if (c == ':')
			return kvpctl_usage_error(
			    "%s: option '%s' needs an argument", cmd->name,
			    bad_option(argv));
		if (c < FLAG_VAL_BASE)
			return option_error(cmd->name, argv);
		ctx->flag_given[c - FLAG_VAL_BASE] = true;
		ctx->flag_arg[c - FLAG_VAL_BASE] = optarg;
	}
	ctx->argc = argc - optind;
	ctx->argv = argv + optind;
	if (ctx->argc < cmd->min_args)
		return kvpctl_usage_error("%s: missing argument (usage: kvpctl "
					  "%s %s)",
					  cmd->name, cmd->name, cmd->args);
	if (ctx->argc > cmd->max_args)
		return kvpctl_usage_error("%s: too many arguments (usage: "
					  "kvpctl %s %s)",
					  cmd->name, cmd->name, cmd->args);
	return 0;
}

static int run(const struct kvpctl_command *cmd, struct kvpctl_ctx *ctx)
{
	const struct kvpctl_options *o = ctx->opts;
	int code;

	if (cmd->needs_store) {
		if (kvp_store_new(&ctx->store, o->pool, o->dir, o->mode) < 0)
			return kvpctl_library_error(o->dir);
		kvp_store_set_lock_timeout(ctx->store, o->timeout_ms);
	}
	code = cmd->run(ctx);
	kvp_store_free(ctx->store);
	ctx->store = NULL;
	return code;
}

int main(int argc, char **argv)
{
	struct kvpctl_options opts = {
	    .pool = KVP_POOL_GUEST,
	    .mode = KVP_MODE_SAFE,
	    .dir = KVP_DEFAULT_DIR,
	    .timeout_ms = KVP_DEFAULT_LOCK_TIMEOUT_MS,
	};
	struct kvpctl_ctx ctx = {.opts = &opts};
	const struct kvpctl_command *cmd;
	int code;

	out_init();
	code = parse_global(argc, argv, &opts);
	if (code != 0)
		return kvpctl_finish_output(code < 0 ? KVPCTL_EXIT_OK : code);
	if (optind >= argc)
		return kvpctl_usage_error(
		    "no command given; try 'kvpctl --help'");
	cmd = find_command(argv[optind]);
	if (!cmd)
		return kvpctl_usage_error(
		    "unknown command '%s'; try 'kvpctl --help'", argv[optind]);

	if (opts.config && !cmd->uses_config)
		return kvpctl_usage_error(
		    "%s: --config is not used by this command", cmd->name);
	code = parse_command(cmd, argc - optind, argv + optind, &ctx);
	if (code == 0)
		code = run(cmd, &ctx);
	return kvpctl_finish_output(code < 0 ? KVPCTL_EXIT_OK : code);
}
