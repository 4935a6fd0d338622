/* settings.h - inside the opaque kvp_settings: the struct the event layer
 * reads, the table of settings that fills it (cfg_table.c), and what the
 * config sources (cfg_value.c, cfg_tree.c, cfg_file.c, cfg_scan.c)
 * share. Not installed. */
#ifndef KVP_CONFIG_SETTINGS_H
#define KVP_CONFIG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/config.h"
#include "util/internal.h"

#define KVP_CONFIG_PATH_MAX    4096
#define KVP_DEFAULT_KEY_PREFIX "PAM_KVP"

/* Choice values: the index of the name in the setting's row. */
typedef enum kvp_field {
	KVP_FIELD_USER,
	KVP_FIELD_RUSER,
	KVP_FIELD_RHOST,
	KVP_FIELD_TTY,
	KVP_FIELD_HOST,
	KVP_FIELD_COUNT
} kvp_field;
typedef enum kvp_field_policy {
	KVP_FIELD_PLAIN,
	KVP_FIELD_HASH,
	KVP_FIELD_OMIT
} kvp_field_policy;
typedef enum kvp_write_mode {
	KVP_WRITE_APPEND,
	KVP_WRITE_INSERT
} kvp_write_mode;
enum cfg_on_error { CFG_ON_ERROR_IGNORE, CFG_ON_ERROR_FAIL };

/* Always valid: only the table's checked setters write a value. */
struct kvp_settings {
	int pool; /* kvp_pool */
	int mode; /* kvp_mode */
	char pool_dir[KVP_CONFIG_PATH_MAX];
	char key_prefix[KVP_KEY_PREFIX_MAX + 1];
	int write;		     /* kvp_write_mode */
	unsigned int events;	     /* bit (1u << kvp_event_type) */
	int fields[KVP_FIELD_COUNT]; /* kvp_field_policy */
	unsigned int max_records;
	unsigned int lock_timeout_ms;
	bool clear_if_stale;
	int on_error; /* enum cfg_on_error */
	char hash_key_file[KVP_CONFIG_PATH_MAX];
	bool debug; /* the module argument "debug" */
};

/* ---- cfg_table.c: one row per setting of the file ---- */

enum cfg_type {
	CFG_CHOICE, /* one of `choices` (an int); if numbered, "0".."n-1" */
	CFG_PATH,   /* an absolute path (char[KVP_CONFIG_PATH_MAX]) */
	CFG_PREFIX, /* the key prefix rule of util/token.h */
	CFG_INT,    /* min..max (an unsigned int) */
	CFG_BOOL,
	CFG_EVENTS, /* a list of `choices` (a bit set) */
	CFG_MAP,    /* a group: each of `keys` is one of `choices` (an int
		     * array); file only */
};

struct cfg_setting {
	const char *name;
	enum cfg_type type;
	size_t offset;	 /* of the value in struct kvp_settings */
	const char *def; /* as a module argument writes it; a map: each key */
	const char *const *choices; /* NULL-terminated */
	const char *const *keys;    /* NULL-terminated */
	long long min, max;
	bool numbered;
};

#define CFG_AT(s, row, type) ((type *)(void *)((char *)(s) + (row)->offset))

/* The settings in file order, then a row with a NULL name. */
extern const struct cfg_setting cfg_table[];
/* The row named name[0..len), or NULL. */
const struct cfg_setting *cfg_find(const char *name, size_t len);

/* ---- cfg_value.c: values checked, stored and printed ---- */

#define CFG_NAME_MAX 256

/* Where a value came from: a file's `file`, `line` and full setting
 * path `name` ("services.su.events[1]"), or the module argument `arg`. */
struct cfg_src {
	const char *file;
	size_t line;
	const char *arg;
	char name[CFG_NAME_MAX];
};

/* KVP_ERR_CONFIG, its message "FILE:LINE: NAME: text" (file and line set
 * too) or "module argument 'ARG': text". */
int cfg_fail(const struct cfg_src *src, size_t max, size_t actual,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "a, b or c" into out[size]: each name between `quote`s, `last` before
 * the last one. Returns out. */
const char *cfg_list(char *out, size_t size, const char *const *names,
		     const char *quote, const char *last);

/* `text` as the value of `row` (not a map) into `s`, which is unchanged
 * on error: bools are yes, no, true or false, events "a,b,c". */
int cfg_set_text(const struct cfg_setting *row, const struct cfg_src *src,
		 const char *text, kvp_settings *s);
/* An integer written as `text` (NULL: as `value`) after the range check. */
int cfg_set_int(const struct cfg_setting *row, const struct cfg_src *src,
		long long value, const char *text, kvp_settings *s);
/* The index of `text` among the row's choices into *out. */
int cfg_choice(const struct cfg_setting *row, const struct cfg_src *src,
	       const char *text, int *out);
/* Add the event name[0..len) to *mask. */
int cfg_add_event(const struct cfg_setting *row, const struct cfg_src *src,
		  const char *name, size_t len, unsigned int *mask);

/* ---- cfg_scan.c: what libconfig 1.5 does not tell about a file ---- */

/* An integer literal libconfig would store altered, and the setting name
 * written last before it. */
struct cfg_literal {
	const char *name, *text;	 /* into the scanned text */
	size_t name_len, text_len, line; /* line: of the name */
	bool used;			 /* given out by cfg_scan_take() */
};

struct cfg_scan {
	struct cfg_literal *bad;
	size_t n_bad;
};

/* Scan text[0..len) of the file `path`: 0, or KVP_ERR_CONFIG for what
 * libconfig would accept wrongly, or KVP_ERR_NOMEM. */
int cfg_scan(const char *path, const char *text, size_t len,
	     struct cfg_scan *out);
void cfg_scan_free(struct cfg_scan *scan);
/* The unused altered literal of setting `name` on `line`, or NULL. */
struct cfg_literal *cfg_scan_take(struct cfg_scan *scan, const char *name,
				  size_t line);

/* ---- cfg_tree.c: a parsed file over the settings ---- */

struct config_setting_t;
/* Apply the tree `root` of the file `path` (scanned into `scan`) over
 * `s`: the top level, then services.<service> if there is one. */
int cfg_tree_apply(const char *path, const struct config_setting_t *root,
		   struct cfg_scan *scan, const char *service, kvp_settings *s);

#endif
