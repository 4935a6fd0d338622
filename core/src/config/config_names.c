/* config_names.c - the names of events, fields, field policies, write
 * modes and on_error values (as written in pam_kvp.conf, module arguments
 * and event records), their parsers, and the documented defaults. */
#include <string.h>

#include "config/config_internal.h"

static const char *const event_names[KVP_EVENT_COUNT] = {
    [KVP_EVENT_AUTH] = "auth",
    [KVP_EVENT_AUTH_FAIL] = "auth_fail",
    [KVP_EVENT_ACCOUNT] = "account",
    [KVP_EVENT_SESSION_OPEN] = "session_open",
    [KVP_EVENT_SESSION_CLOSE] = "session_close",
    [KVP_EVENT_PASSWORD] = "password",
};

static const char *const field_names[KVP_FIELD_COUNT] = {
    [KVP_FIELD_USER] = "user",	 [KVP_FIELD_RUSER] = "ruser",
    [KVP_FIELD_RHOST] = "rhost", [KVP_FIELD_TTY] = "tty",
    [KVP_FIELD_HOST] = "host",
};

static const char *const policy_names[] = {
    [KVP_FIELD_PLAIN] = "plain",
    [KVP_FIELD_HASH] = "hash",
    [KVP_FIELD_OMIT] = "omit",
};

static const char *const write_names[] = {
    [KVP_WRITE_APPEND] = "append",
    [KVP_WRITE_INSERT] = "insert",
};

static const char *const on_error_names[] = {
    [KVP_ON_ERROR_IGNORE] = "ignore",
    [KVP_ON_ERROR_FAIL] = "fail",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int value)
{
	return value >= 0 && (size_t)value < n ? names[value] : NULL;
}

/* Index of `name` in `names`, or -1. */
static int index_of(const char *const *names, size_t n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

void kvp_settings_defaults(kvp_settings *out)
{
	memset(out, 0, sizeof(*out));
	out->pool = KVP_POOL_GUEST;
	out->mode = KVP_MODE_SAFE;
	memcpy(out->pool_dir, KVP_DEFAULT_DIR, sizeof(KVP_DEFAULT_DIR));
	memcpy(out->key_prefix, KVP_DEFAULT_KEY_PREFIX,
	       sizeof(KVP_DEFAULT_KEY_PREFIX));
	out->write = KVP_WRITE_APPEND;
	out->events = 1u << KVP_EVENT_AUTH_FAIL | 1u << KVP_EVENT_SESSION_OPEN |
		      1u << KVP_EVENT_SESSION_CLOSE;
	for (int i = 0; i < KVP_FIELD_COUNT; i++)
		out->fields[i] = KVP_FIELD_PLAIN;
	out->max_records = KVP_DEFAULT_MAX_RECORDS;
	out->lock_timeout_ms = KVP_DEFAULT_MODULE_LOCK_TIMEOUT_MS;
	out->clear_if_stale = true;
	out->on_error = KVP_ON_ERROR_IGNORE;
	memcpy(out->hash_key_file, KVP_DEFAULT_HASH_KEY_FILE,
	       sizeof(KVP_DEFAULT_HASH_KEY_FILE));
	out->debug = false;
}

const char *kvp_event_type_name(kvp_event_type type)
{
	return name_of(event_names, COUNT(event_names), (int)type);
}

int kvp_event_type_from_name(const char *name, kvp_event_type *out)
{
	int i = index_of(event_names, COUNT(event_names), name);

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_event_type_from_name: out is NULL");
	if (i < 0)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"unknown event '%s' (expected auth, auth_fail, "
				"account, session_open, session_close or "
				"password)",
				name ? name : "(null)");
	*out = (kvp_event_type)i;
	return 0;
}

const char *kvp_field_name(kvp_field field)
{
	return name_of(field_names, COUNT(field_names), (int)field);
}

const char *kvp_field_policy_name(kvp_field_policy policy)
{
	return name_of(policy_names, COUNT(policy_names), (int)policy);
}

const char *kvp_write_mode_name(kvp_write_mode mode)
{
	return name_of(write_names, COUNT(write_names), (int)mode);
}

const char *kvp_on_error_name(kvp_on_error on_error)
{
	return name_of(on_error_names, COUNT(on_error_names), (int)on_error);
}

bool cfg_field_from_name(const char *name, kvp_field *out)
{
	int i = index_of(field_names, COUNT(field_names), name);

	if (i >= 0)
		*out = (kvp_field)i;
	return i >= 0;
}

bool cfg_policy_from_name(const char *name, kvp_field_policy *out)
{
	int i = index_of(policy_names, COUNT(policy_names), name);

	if (i >= 0)
		*out = (kvp_field_policy)i;
	return i >= 0;
}

bool cfg_write_from_name(const char *name, kvp_write_mode *out)
{
	int i = index_of(write_names, COUNT(write_names), name);

	if (i >= 0)
		*out = (kvp_write_mode)i;
	return i >= 0;
}

bool cfg_on_error_from_name(const char *name, kvp_on_error *out)
{
	int i = index_of(on_error_names, COUNT(on_error_names), name);

	if (i >= 0)
		*out = (kvp_on_error)i;
	return i >= 0;
}
