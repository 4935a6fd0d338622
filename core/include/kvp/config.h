/* kvp/config.h - pam_kvp's settings and their libconfig file,
 * /etc/security/pam_kvp.conf (pam_kvp.conf(5) lists the settings). The
 * PAM module and kvpctl both go through this one loader, so they always
 * agree on what a file means.
 *
 * kvp_settings is opaque: made by kvp_settings_new() with the documented
 * defaults, changed only by a file (kvp_settings_load) or a module
 * argument (kvp_settings_set), both checked, so it always holds valid
 * values; read by the getters below and by kvp_event_record().
 *
 * Unknown settings, wrong types and out-of-range values are
 * KVP_ERR_CONFIG errors whose detail (kvp_error_last()) names the file
 * (path), the line (line) and the setting, e.g.
 * "/etc/security/pam_kvp.conf:7: max_records: must be between 1 and
 * 1024, got 5000", or the module argument: "module argument
 * 'mode=fast': must be safe or unsafe, got 'fast'".
 */
#ifndef KVP_CONFIG_H
#define KVP_CONFIG_H

#include <stdbool.h>

#include "kvp/common.h"
#include "kvp/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KVP_CONFIG_DEFAULT_PATH "/etc/security/pam_kvp.conf"
/* The longest key_prefix: event keys are "<prefix>|<event>|...". */
#define KVP_KEY_PREFIX_MAX 32

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

/* "auth_fail" (static storage), or NULL for an unknown type. */
KVP_EXTERN const char *kvp_event_type_name(kvp_event_type type);

typedef struct kvp_settings kvp_settings;

/* New settings holding the defaults into *out; free with
 * kvp_settings_free(). 0, or KVP_ERR_NOMEM (*out NULL). */
KVP_EXTERN int kvp_settings_new(kvp_settings **out);
KVP_EXTERN void kvp_settings_free(kvp_settings *s);

/* Apply the file `path` (NULL: KVP_CONFIG_DEFAULT_PATH) over `s`: its top
 * level, then its group services.<service> if `service` is not NULL and
 * the file has one. Every service group is checked, whichever applies.
 * A file is applied entirely or not at all: on error `s` is unchanged. A
 * missing file changes nothing and returns 0 with *found (if not NULL)
 * false. The file must be a regular file owned by root or the caller and
 * not writable by group or others. */
KVP_EXTERN int kvp_settings_load(kvp_settings *s, const char *path,
				 const char *service, bool *found);

/* Check a file as `kvpctl check-config` does: as kvp_settings_load, but a
 * missing file is an error (KVP_ERR_IO, ENOENT). */
KVP_EXTERN int kvp_settings_check_file(const char *path);

/* Apply one module argument over `s`: "NAME=VALUE" for any setting of
 * the file but fields and services ("events=a,b,c", "clear_if_stale=yes"),
 * or "debug". On error `s` is unchanged. */
KVP_EXTERN int kvp_settings_set(kvp_settings *s, const char *arg);

/* The settings as a pam_kvp.conf that loads back to them (what `kvpctl
 * check-config --print` shows; "debug" is a comment). Caller frees with
 * free(); NULL when out of memory. */
KVP_EXTERN char *kvp_settings_format(const kvp_settings *s);

/* What the front ends read. Strings belong to `s`. */
KVP_EXTERN kvp_pool kvp_settings_pool(const kvp_settings *s);
KVP_EXTERN const char *kvp_settings_pool_dir(const kvp_settings *s);
KVP_EXTERN const char *kvp_settings_key_prefix(const kvp_settings *s);
KVP_EXTERN bool kvp_settings_event_enabled(const kvp_settings *s,
					   kvp_event_type type);
/* on_error = "fail": a failure to record denies the PAM call. */
KVP_EXTERN bool kvp_settings_on_error_fail(const kvp_settings *s);
/* fields.user is "plain", so the account's uid may be recorded too. */
KVP_EXTERN bool kvp_settings_user_plain(const kvp_settings *s);
/* lock_timeout_ms: the longest wait for the pool's locks. */
KVP_EXTERN unsigned int kvp_settings_lock_timeout_ms(const kvp_settings *s);
/* The module argument "debug" was given. */
KVP_EXTERN bool kvp_settings_debug(const kvp_settings *s);

#ifdef __cplusplus
}
#endif

#endif
