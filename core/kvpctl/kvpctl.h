/* kvpctl.h - what the parts of kvpctl share: exit codes, the parsed
 * options, the command descriptor and the command table.
 *
 * kvpctl is a thin front end over libkvpcore: main.c parses the global
 * options and the command's own flags into a struct kvpctl_ctx, creates the
 * store, and calls the command's run function; every pool operation is a
 * library call. A new command is one descriptor (usually in its own
 * cmd_*.c file; KVPCTL_STORE_COMMAND writes one for a command on the
 * pool) plus its declaration and entry in commands.c.
 */
#ifndef KVPCTL_H
#define KVPCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/kvp.h"

/* The project's version, from the Makefile's VERSION (-DKVP_VERSION). */
#ifndef KVP_VERSION
#error "KVP_VERSION is not defined: build with the Makefile"
#endif

/* Exit status of every command (DESIGN 7; listed in the usage text). */
enum kvpctl_exit {
	KVPCTL_EXIT_OK = 0,
	KVPCTL_EXIT_NOT_FOUND = 1, /* get/delete: no record with the key */
	KVPCTL_EXIT_USAGE = 2,	   /* bad command line */
	KVPCTL_EXIT_LIBRARY = 3,   /* a libkvpcore call failed (also: a bad
				    * or missing configuration file) */
	KVPCTL_EXIT_OUTPUT = 4,	   /* standard output could not be written */
};

/* The global options, given before the command. */
struct kvpctl_options {
	kvp_pool pool;
	kvp_mode mode;
	const char *dir;	 /* points into argv or at the default */
	unsigned int timeout_ms; /* lock timeout of the store */
	const char *config;	 /* --config PATH, or NULL (default path) */
	bool pool_given; /* --pool was given (else pool is the default) */
	bool dir_given;	 /* --dir was given */
};

/* Most flags a command may have. */
#define KVPCTL_MAX_FLAGS 16

/* A per-command flag, after the command: "--json", or with an argument
 * ("--prefix P", "--prefix=P") when `arg` names it. A command names its
 * flags by their index in its table (an enum next to the table), and
 * finds them by that index in kvpctl_ctx. */
struct kvpctl_flag {
	const char *name;    /* long option name, e.g. "json" */
	const char *summary; /* one line for the command's --help */
	const char *arg;     /* the argument's name in --help, or NULL */
};

/* Everything a command's run function gets. */
struct kvpctl_ctx {
	const struct kvpctl_options *opts;
	kvp_store *store; /* NULL unless the command has needs_store */
	/* By the flag's index in the command's table: whether it was given,
	 * and its argument (the last one given wins) or NULL. */
	bool flag_given[KVPCTL_MAX_FLAGS];
	const char *flag_arg[KVPCTL_MAX_FLAGS];
	int argc; /* positional arguments after the flags */
	char **argv;
};

struct kvpctl_command {
	const char *name;
	const char *args;    /* synopsis after the name: "[--raw] KEY" */
	const char *summary; /* one line for the usage text */
	int min_args, max_args;
	bool needs_store;
	bool uses_config; /* reads --config (rejected for other commands) */
	const struct kvpctl_flag *flags; /* NULL-name terminated, or NULL */
	int (*run)(const struct kvpctl_ctx *ctx); /* returns an exit code */
};

/* Defines kvpctl_cmd_<id>, the descriptor of a command on the pool the
 * global options name (needs_store): named "<id>", run by run_<id>,
 * taking exactly `nargs` arguments, with the flags in `flag_table` (or
 * NULL). */
#define KVPCTL_STORE_COMMAND(id, nargs, flag_table, synopsis, text)            \
	const struct kvpctl_command kvpctl_cmd_##id = {                        \
	    .name = #id,                                                       \
	    .args = synopsis,                                                  \
	    .summary = text,                                                   \
	    .min_args = nargs,                                                 \
	    .max_args = nargs,                                                 \
	    .needs_store = true,                                               \
	    .flags = flag_table,                                               \
	    .run = run_##id,                                                   \
	}

/* commands.c: the table, terminated by a NULL entry. */
extern const struct kvpctl_command *const kvpctl_commands[];

/* main.c: a decimal number in [min, max] (no sign, no spaces) into *out;
 * 0, or -1 when `arg` is anything else. */
int kvpctl_parse_uint(const char *arg, unsigned long min, unsigned long max,
		      unsigned int *out);

/* report.c: one line on stderr, "kvpctl: ...", with unsafe bytes escaped.
 * Each returns the exit code to use. */
int kvpctl_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Any other failure; returns `code`. */
int kvpctl_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The library's last error; its message names the file. When it does not
 * (an error without a path), `path` (the pool file or directory) is put in
 * front. */
int kvpctl_library_error(const char *path);
/* "kvpctl: KEY not found in PATH", exit 1. */
int kvpctl_not_found(const kvp_store *store, const char *key);
/* A warning that is not a failure (e.g. a torn record was skipped). */
void kvpctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Flush stdout; on a write error report it and return KVPCTL_EXIT_OUTPUT,
 * else return `code`. */
int kvpctl_finish_output(int code);

#endif
