/* kvp/config.h - pam_kvp's settings and their libconfig file,
 * /etc/security/pam_kvp.conf. The PAM module and kvpctl both load it
 * through this one loader, so they always agree on what it means.
 *
 * A missing file means the documented defaults. Unknown settings, wrong
 * types and out-of-range values are KVP_ERR_CONFIG errors whose detail
 * (kvp_error_last()) names the file (path), the line (line) and the
 * setting, e.g. "/etc/security/pam_kvp.conf:7: max_records: must be
 * between 1 and 1024, got 5000".
 */
#ifndef KVP_CONFIG_H
#define KVP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/common.h"
#include "kvp/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KVP_CONFIG_DEFAULT_PATH		   "/etc/security/pam_kvp.conf"
#define KVP_DEFAULT_KEY_PREFIX		   "PAM_KVP"
#define KVP_DEFAULT_HASH_KEY_FILE	   "/etc/security/pam_kvp.key"
#define KVP_DEFAULT_MAX_RECORDS		   512
#define KVP_DEFAULT_MODULE_LOCK_TIMEOUT_MS 200
#define KVP_MAX_LOCK_TIMEOUT_MS		   60000
#define KVP_KEY_PREFIX_MAX		   32
#define KVP_CONFIG_PATH_MAX		   4096

/* What pam_kvp records. Names as in the key and the "event" field. */
typedef enum kvp_event_type {
	KVP_EVENT_AUTH = 0,	 /* "auth": the auth stack succeeded */
	KVP_EVENT_AUTH_FAIL,	 /* "auth_fail": the auth stack failed */
	KVP_EVENT_ACCOUNT,	 /* "account": pam_sm_acct_mgmt */
	KVP_EVENT_SESSION_OPEN,	 /* "session_open" */
	KVP_EVENT_SESSION_CLOSE, /* "session_close" (with duration) */
	KVP_EVENT_PASSWORD,	 /* "password": pam_sm_chauthtok */
	KVP_EVENT_COUNT
} kvp_event_type;

/* Fields whose recording can be set to plain, hash or omit. */
typedef enum kvp_field {
	KVP_FIELD_USER = 0,
	KVP_FIELD_RUSER,
	KVP_FIELD_RHOST,
	KVP_FIELD_TTY,
	KVP_FIELD_HOST,
	KVP_FIELD_COUNT
} kvp_field;

typedef enum kvp_field_policy {
	KVP_FIELD_PLAIN = 0, /* as given (bounded, escaped) */
	KVP_FIELD_HASH,	     /* keyed digest: see kvp/event.h */
	KVP_FIELD_OMIT,	     /* not recorded at all */
} kvp_field_policy;

typedef enum kvp_write_mode {
	KVP_WRITE_APPEND = 0, /* kvp_store_append semantics */
	KVP_WRITE_INSERT,     /* kvp_store_insert semantics (unique-key cap) */
} kvp_write_mode;

typedef enum kvp_on_error {
	KVP_ON_ERROR_IGNORE = 0, /* PAM_IGNORE and one syslog line */
	KVP_ON_ERROR_FAIL,	 /* deny the PAM call */
} kvp_on_error;

/* Everything a pam_kvp.conf can set, after defaults, the file, the
 * service's override and the module arguments have been applied. A plain
 * value type: copy it freely. */
typedef struct kvp_settings {
	kvp_pool pool;				 /* "pool", default guest */
	kvp_mode mode;				 /* "mode", default safe */
	char pool_dir[KVP_CONFIG_PATH_MAX];	 /* "pool_dir", absolute */
	char key_prefix[KVP_KEY_PREFIX_MAX + 1]; /* [A-Za-z0-9_.-]+ */
	kvp_write_mode write;			 /* "write", default append */
	unsigned int events; /* bit (1u << kvp_event_type) */
	kvp_field_policy fields[KVP_FIELD_COUNT]; /* default all plain */
	unsigned int max_records;		  /* 1..1024, default 512 */
	unsigned int lock_timeout_ms;		  /* 0..60000, default 200 */
	bool clear_if_stale;			  /* default true */
	kvp_on_error on_error;			  /* default ignore */
	char hash_key_file[KVP_CONFIG_PATH_MAX];  /* secret for "hash" */
	bool debug;				  /* module argument "debug" */
} kvp_settings;

/* Fill `out` with the documented defaults (events: auth_fail,
 * session_open, session_close). */
KVP_EXTERN void kvp_settings_defaults(kvp_settings *out);

/* Load `path` (NULL: the default path) over the defaults, then the
 * `services.<service>` group, if `service` is not NULL and the file has
 * one. Every service group is checked, whichever applies. A missing file
 * leaves the defaults and returns 0 with *found (if not NULL) false. */
KVP_EXTERN int kvp_config_load(const char *path, const char *service,
			       kvp_settings *out, bool *found);

/* Check a file as `kvpctl check-config` does: like kvp_config_load, but
 * a missing file is an error. */
KVP_EXTERN int kvp_config_check(const char *path);

/* Apply one module argument over `s`: "pool=", "mode=", "pool_dir=",
 * "key_prefix=", "write=", "events=a,b,c", "max_records=",
 * "lock_timeout_ms=", "clear_if_stale=yes|no", "on_error=", "debug".
 * ("config=" and "event=" belong to the module and are not accepted
 * here.) KVP_ERR_CONFIG naming the argument on a bad one. */
KVP_EXTERN int kvp_settings_apply_arg(kvp_settings *s, const char *arg);

/* Names: "auth_fail", "rhost", "hash", "append", "ignore" (static), and
 * their parsers (0, or KVP_ERR_INVALID_ARG). */
KVP_EXTERN const char *kvp_event_type_name(kvp_event_type type);
KVP_EXTERN int kvp_event_type_from_name(const char *name, kvp_event_type *out);
KVP_EXTERN const char *kvp_field_name(kvp_field field);
KVP_EXTERN const char *kvp_field_policy_name(kvp_field_policy policy);
KVP_EXTERN const char *kvp_write_mode_name(kvp_write_mode mode);
KVP_EXTERN const char *kvp_on_error_name(kvp_on_error on_error);

/* The effective settings as libconfig text (what `kvpctl check-config
 * --print` shows). Caller frees with free(); NULL when out of memory. */
KVP_EXTERN char *kvp_settings_format(const kvp_settings *s);

#ifdef __cplusplus
}
#endif

#endif
