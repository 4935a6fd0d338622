/* cfg_table.c - the one table of pam_kvp.conf's settings: name, type,
 * where the value lives, default, choices or range. The file, the module
 * arguments, the service groups, the printed settings and every message
 * naming valid values are made from it. A new setting is a row here and
 * a member of struct kvp_settings (settings.h). Also the settings' life
 * and the getters of kvp/config.h. */
#include <stdlib.h>
#include <string.h>

#include "config/settings.h"

static const char *const events[] = {
    "auth",	     "auth_fail", "account", "session_open",
    "session_close", "password",  NULL,
};
static const char *const pools[] = {
    "external", "guest", "auto", "auto_external", "auto_internal", NULL,
};
static const char *const modes[] = {"safe", "unsafe", NULL};
static const char *const formats[] = {"diag", "pam_kvp", NULL};
static const char *const writes[] = {"append", "insert", NULL};
static const char *const on_errors[] = {"ignore", "fail", NULL};
static const char *const field_choices[] = {"user", "ruser", "rhost",
					    "tty",  "host",  NULL};
static const char *const policies[] = {"plain", "hash", "omit", NULL};
static const char *const invalid_users[] = {"mask", "plain", "hash", NULL};

#define AT(member) offsetof(struct kvp_settings, member)

const struct cfg_setting cfg_table[] = {
    {"pool", CFG_CHOICE, AT(pool), "guest", pools, .numbered = true},
    {"mode", CFG_CHOICE, AT(mode), "safe", modes},
    {"pool_dir", CFG_PATH, AT(pool_dir), KVP_DEFAULT_DIR},
    {"format", CFG_CHOICE, AT(format), "diag", formats},
    {"key_prefix", CFG_PREFIX, AT(key_prefix), KVP_DEFAULT_KEY_PREFIX},
    {"write", CFG_CHOICE, AT(write), "append", writes},
    {"events", CFG_EVENTS, AT(events), "auth_fail,session_open,session_close",
     events},
    {"fields", CFG_MAP, AT(fields), "plain", policies, field_choices},
    {"max_records", CFG_INT, AT(max_records), "256", .min = 1,
     .max = KVP_MAX_UNIQUE_KEYS},
    {"max_failures", CFG_INT, AT(max_failures), "128", .min = 1,
     .max = KVP_MAX_UNIQUE_KEYS},
    {"lock_timeout_ms", CFG_INT, AT(lock_timeout_ms), "200", .max = 60000},
    {"clear_if_stale", CFG_BOOL, AT(clear_if_stale), "true"},
    {"on_error", CFG_CHOICE, AT(on_error), "ignore", on_errors},
    {"hash_key_file", CFG_PATH, AT(hash_key_file), "/etc/security/pam_kvp.key"},
    {"invalid_user", CFG_CHOICE, AT(invalid_user), "mask", invalid_users},
    {NULL, CFG_BOOL, 0, NULL, NULL},
};

const struct cfg_setting *cfg_find(const char *name, size_t len)
{
	for (const struct cfg_setting *row = cfg_table; row->name; row++)
		if (strlen(row->name) == len &&
		    memcmp(row->name, name, len) == 0)
			return row;
	return NULL;
}

const char *kvp_event_type_name(kvp_event_type type)
{
	return (unsigned int)type < KVP_EVENT_COUNT ? events[type] : NULL;
}

int kvp_settings_new(kvp_settings **out)
{
	struct cfg_src src = {.arg = "(default)"};
	int r = 0;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_settings_new: out is NULL");
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return err_fail_nomem(NULL);
	for (const struct cfg_setting *row = cfg_table; r == 0 && row->name;
	     row++)
		r = cfg_set_text(row, &src, row->def, *out);
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

void kvp_settings_free(kvp_settings *s)
{
	free(s);
}

kvp_pool kvp_settings_pool(const kvp_settings *s)
{
	return (kvp_pool)s->pool;
}

const char *kvp_settings_pool_dir(const kvp_settings *s)
{
	return s->pool_dir;
}

const char *kvp_settings_key_prefix(const kvp_settings *s)
{
	return s->key_prefix;
}

bool kvp_settings_event_enabled(const kvp_settings *s, kvp_event_type type)
{
	return (unsigned int)type < KVP_EVENT_COUNT && (s->events >> type & 1);
}

bool kvp_settings_on_error_fail(const kvp_settings *s)
{
	return s->on_error == CFG_ON_ERROR_FAIL;
}

bool kvp_settings_user_plain(const kvp_settings *s)
{
	return s->fields[KVP_FIELD_USER] == KVP_FIELD_PLAIN;
}

unsigned int kvp_settings_lock_timeout_ms(const kvp_settings *s)
{
	return s->lock_timeout_ms;
}

bool kvp_settings_debug(const kvp_settings *s)
{
	return s->debug;
}
