/* settings.h - inside the opaque kvp_settings: the struct the event layer
 * reads, the table of settings (cfg_table.c) and what the config sources
 * share. Not installed. */
#ifndef KVP_CONFIG_SETTINGS_H
#define KVP_CONFIG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/config.h"
#include "util/internal.h"

#define KVP_CONFIG_PATH_MAX    4096
#define KVP_DEFAULT_KEY_PREFIX "PAM_KVP"

/* A choice is stored as its index among the row's choices. */
enum {
	KVP_FIELD_USER,
	KVP_FIELD_RUSER,
	KVP_FIELD_RHOST,
	KVP_FIELD_TTY,
	KVP_FIELD_HOST,
	KVP_FIELD_COUNT
};
typedef enum kvp_field_policy {
	KVP_FIELD_PLAIN,
	KVP_FIELD_HASH,
	KVP_FIELD_OMIT
} kvp_field_policy;
enum { KVP_WRITE_APPEND, KVP_WRITE_INSERT };
/* The records pam_kvp writes: azure-init's DIAG keys, or its own legacy
 * "<prefix>|<event>|..." keys (event_internal.h). */
enum { KVP_FORMAT_DIAG, KVP_FORMAT_PAM_KVP };
/* invalid_user: what a user name that is no account here is recorded as. */
enum { KVP_INVALID_USER_MASK, KVP_INVALID_USER_PLAIN, KVP_INVALID_USER_HASH };
enum { CFG_ON_ERROR_IGNORE, CFG_ON_ERROR_FAIL };

/* Always valid: only the table's checked setters write a value. */
struct kvp_settings {
	int pool; /* kvp_pool */
	int mode; /* kvp_mode */
	char pool_dir[KVP_CONFIG_PATH_MAX];
	int format; /* KVP_FORMAT_* */
	char key_prefix[KVP_KEY_PREFIX_MAX + 1];
	int write;		     /* KVP_WRITE_* */
	unsigned int events;	     /* bit (1u << kvp_event_type) */
	int fields[KVP_FIELD_COUNT]; /* kvp_field_policy */
	unsigned int max_records;  /* our records but auth_fail and summaries */
	unsigned int max_failures; /* auth_fail records and their summaries */
	unsigned int lock_timeout_ms;
	bool clear_if_stale;
	int on_error; /* CFG_ON_ERROR_* */
	char hash_key_file[KVP_CONFIG_PATH_MAX];
	int invalid_user; /* KVP_INVALID_USER_* */
	bool debug;	  /* the module argument "debug" */
};

enum cfg_type {
	CFG_CHOICE, /* one of `choices`; "0".."n-1" too if `numbered` */
	CFG_PATH,   /* an absolute path, char[KVP_CONFIG_PATH_MAX] */
	CFG_PREFIX, /* the key prefix rule of util/token.h */
	CFG_INT,    /* min..max, unsigned int */
	CFG_BOOL,
	CFG_EVENTS, /* a list of `choices`, a bit set */
	CFG_MAP,    /* a group of `keys`, each one of `choices` (file only) */
};

struct cfg_setting {
	const char *name;
	enum cfg_type type;
	size_t offset;		    /* in struct kvp_settings */
	const char *def;	    /* default, as a module argument */
	const char *const *choices; /* NULL-terminated, and so `keys` */
	const char *const *keys;
	long long min, max;
	bool numbered;
};

#define CFG_AT(s, row, type) ((type *)(void *)((char *)(s) + (row)->offset))

/* cfg_table.c: the settings in file order, ended by a NULL name. */
extern const struct cfg_setting cfg_table[];
const struct cfg_setting *cfg_find(const char *name, size_t len);

/* Where a value came from: a file's `file`, `line` and full setting
 * path `name` ("services.su.events[1]"), or the module argument `arg`. */
struct cfg_src {
	const char *file;
	size_t line;
	const char *arg;
	char name[256];
};

/* cfg_value.c. KVP_ERR_CONFIG with the message "FILE:LINE: NAME: text"
 * (and the file and line) or "module argument 'ARG': text". */
int cfg_fail(const struct cfg_src *src, size_t max, size_t actual,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "a, b or c" into out[256]: each name between `quote`s, `last` before
 * the last one. Returns out. */
const char *cfg_list(char *out, const char *const *names, const char *quote,
		     const char *last);
/* The index of name[0..len) among the row's choices into *out. */
int cfg_pick(const struct cfg_setting *row, const struct cfg_src *src,
	     const char *name, size_t len, int *out);
/* The integer `value`, written as `text` (NULL: as the number). */
int cfg_set_int(const struct cfg_setting *row, const struct cfg_src *src,
		long long value, const char *text, kvp_settings *s);
/* `text` as a value of `row` (a map: of its every key, the default);
 * `s` is unchanged on error. */
int cfg_set_text(const struct cfg_setting *row, const struct cfg_src *src,
		 const char *text, kvp_settings *s);

/* cfg_scan.c: what libconfig 1.5 gets wrong silently, found in the text
 * before it parses it. An integer literal it would store altered: */
struct cfg_literal {
	const char *name, *text;	 /* the name written last before it */
	size_t name_len, text_len, line; /* line: the name's */
	bool used;			 /* reported at its setting */
};
struct cfg_scan {
	struct cfg_literal *bad;
	size_t n_bad;
};
/* 0 (free out->bad), KVP_ERR_CONFIG or KVP_ERR_NOMEM. */
int cfg_scan(const char *path, const char *text, size_t len,
	     struct cfg_scan *out);
/* The unused altered literal of setting `name` on `line`, or NULL. */
struct cfg_literal *cfg_scan_take(struct cfg_scan *scan, const char *name,
				  size_t line);

/* cfg_tree.c: the parsed file `root` over `s` (the top level, then
 * services.<service>). */
struct config_setting_t;
int cfg_tree_apply(const char *path, const struct config_setting_t *root,
		   struct cfg_scan *scan, const char *service, kvp_settings *s);

#endif
