/* config_internal.h - what the configuration sources of libkvpcore share:
 * where a value came from (for error messages), the setting checks used
 * by both the file loader and the module arguments, the name tables and
 * the lexical pre-scan of a config file. Not installed. */
#ifndef KVP_CONFIG_INTERNAL_H
#define KVP_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/internal.h"
#include "kvp/config.h"

/* Longest setting path kept for messages ("services.su.events[1]"). */
#define CFG_NAME_MAX 256

/* Where a value came from. A value from the file has `file` and `line`
 * and its full setting path in `name`; a module argument has `arg`. */
struct cfg_src {
	const char *file;
	size_t line;
	const char *arg;
	char name[CFG_NAME_MAX];
};

/* KVP_ERR_CONFIG with kvp_error_last() naming the source: from the file
 * "FILE:LINE: NAME: text" (path FILE, line LINE; "FILE:LINE: text" when
 * the name is empty), from an argument "module argument 'ARG': text". */
int cfg_fail(const struct cfg_src *src, size_t max, size_t actual,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* config_names.c: the parsers behind the public name functions. Each
 * returns true and sets *out when `name` is one of the names. */
bool cfg_field_from_name(const char *name, kvp_field *out);
bool cfg_policy_from_name(const char *name, kvp_field_policy *out);
bool cfg_write_from_name(const char *name, kvp_write_mode *out);
bool cfg_on_error_from_name(const char *name, kvp_on_error *out);

/* config_value.c: one setting's value, checked and stored into `s` only
 * when valid (so a failed call leaves `s` as it was). */

/* The settings whose value is one string: pool, mode, pool_dir,
 * key_prefix, write, on_error, hash_key_file. NULL for other names. */
typedef int (*cfg_string_fn)(const struct cfg_src *src, const char *value,
			     kvp_settings *s);
cfg_string_fn cfg_string_setting(const char *name);

/* The integer settings (max_records, lock_timeout_ms): true when `name` is
 * one, with its range. */
bool cfg_int_range(const char *name, long long *min, long long *max);
/* Store `value` (written as `text` in the source, or NULL to print the
 * number) into the integer setting `name`, after its range check. */
int cfg_set_int(const struct cfg_src *src, const char *name, long long value,
		const char *text, kvp_settings *s);

/* Add the event called `name` to the bit set *mask. */
int cfg_add_event(const struct cfg_src *src, const char *name,
		  unsigned int *mask);

/* config_scan.c: what libconfig 1.5 does not tell us about a file. It
 * stores an integer literal that does not fit its type wrapped or clamped
 * (2147483648 reads as -2147483648, 4294967297 as 1), it honours
 * @include, it silently ignores the rest of a file after an unterminated
 * comment, and it leaks a string literal that is the token of a syntax
 * error. The scan rejects @include, NUL bytes, an unterminated comment
 * and a string where no value can be, and lists the literals libconfig
 * would alter. */
struct cfg_literal {
	const char
	    *name; /* setting it is assigned to ("name = 123"), or NULL */
	size_t name_len;
	size_t line;	  /* line of that name, else of the literal */
	const char *text; /* the literal as written */
	size_t text_len;
	bool used; /* reported through cfg_scan_take() */
};

struct cfg_scan {
	struct cfg_literal *bad;
	size_t n_bad;
};

/* Scan `len` bytes of `text` (the file `path`). 0, or KVP_ERR_CONFIG /
 * KVP_ERR_NOMEM. The literals point into `text`; free with
 * cfg_scan_free(). */
int cfg_scan(const char *path, const char *text, size_t len,
	     struct cfg_scan *out);
void cfg_scan_free(struct cfg_scan *scan);
/* The altered literal assigned to setting `name` on `line`, marked used;
 * NULL when libconfig stored that setting's value as written. */
struct cfg_literal *cfg_scan_take(struct cfg_scan *scan, const char *name,
				  size_t line);

/* config_tree.c: apply the settings of a parsed file (`root`, read from
 * `path`) over `s`: the top level, then `services.<service>` if `service`
 * is not NULL and has a group; every service group is checked. The
 * first error, in file order, is returned. */
int cfg_apply_root(const char *path, const config_setting_t *root,
		   struct cfg_scan *scan, const char *service, kvp_settings *s);

#endif
