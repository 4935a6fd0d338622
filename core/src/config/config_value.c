/* config_value.c - the value checks of every setting, shared by the file
 * loader (config_load.c) and the module arguments (config_args.c), and the
 * one function that turns a bad value into a KVP_ERR_CONFIG naming its
 * file, line and setting (or module argument). */
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

int cfg_fail(const struct cfg_src *src, size_t max, size_t actual,
	     const char *fmt, ...)
{
	char text[1024], msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (src->file)
		snprintf(msg, sizeof(msg), "%s:%zu: %s%s%s", src->file,
			 src->line, src->name, src->name[0] ? ": " : "", text);
	else
		snprintf(msg, sizeof(msg), "module argument '%s': %s", src->arg,
			 text);
	/* Values are quoted in messages: keep the message one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	err_fail(KVP_ERR_CONFIG, NULL, max, actual, "%s", msg);
	if (src->file)
		err_set_location(src->file, src->line);
	return KVP_ERR_CONFIG;
}

static int set_pool(const struct cfg_src *src, const char *v, kvp_settings *s)
{
	kvp_pool pool;

	if (kvp_pool_from_name(v, &pool) < 0)
		return cfg_fail(src, 0, 0,
				"must be external, guest, auto, "
				"auto_external or auto_internal, got '%s'",
				v);
	s->pool = pool;
	return 0;
}

static int set_mode(const struct cfg_src *src, const char *v, kvp_settings *s)
{
	kvp_mode mode;

	if (kvp_mode_from_name(v, &mode) < 0)
		return cfg_fail(src, 0, 0, "must be safe or unsafe, got '%s'",
				v);
	s->mode = mode;
	return 0;
}

static int set_write(const struct cfg_src *src, const char *v, kvp_settings *s)
{
	if (!cfg_write_from_name(v, &s->write))
		return cfg_fail(src, 0, 0, "must be append or insert, got '%s'",
				v);
	return 0;
}

static int set_on_error(const struct cfg_src *src, const char *v,
			kvp_settings *s)
{
	if (!cfg_on_error_from_name(v, &s->on_error))
		return cfg_fail(src, 0, 0, "must be ignore or fail, got '%s'",
				v);
	return 0;
}

/* An absolute path that fits a KVP_CONFIG_PATH_MAX buffer. */
static int set_path(const struct cfg_src *src, const char *v,
		    char out[KVP_CONFIG_PATH_MAX])
{
	size_t len = strlen(v);

	if (len == 0)
		return cfg_fail(src, 0, 0, "must not be empty");
	if (v[0] != '/')
		return cfg_fail(src, 0, 0, "must be an absolute path, got '%s'",
				v);
	if (len >= KVP_CONFIG_PATH_MAX)
		return cfg_fail(src, KVP_CONFIG_PATH_MAX - 1, len,
				"longer than %d bytes (%zu)",
				KVP_CONFIG_PATH_MAX - 1, len);
	memcpy(out, v, len + 1);
	return 0;
}

static int set_pool_dir(const struct cfg_src *src, const char *v,
			kvp_settings *s)
{
	return set_path(src, v, s->pool_dir);
}

static int set_hash_key_file(const struct cfg_src *src, const char *v,
			     kvp_settings *s)
{
	return set_path(src, v, s->hash_key_file);
}

/* 1..32 characters of [A-Za-z0-9_.-]: the prefix must not hold the key's
 * separator '|' and must survive the host's UTF-16 conversion as is. */
static int set_key_prefix(const struct cfg_src *src, const char *v,
			  kvp_settings *s)
{
	size_t len = strlen(v);

	if (len == 0)
		return cfg_fail(src, 0, 0, "must not be empty");
	if (len > KVP_KEY_PREFIX_MAX)
		return cfg_fail(src, KVP_KEY_PREFIX_MAX, len,
				"longer than %d characters (%zu)",
				KVP_KEY_PREFIX_MAX, len);
	if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_.-") != len)
		return cfg_fail(src, 0, 0,
				"may only hold A-Z a-z 0-9 _ . -, got "
				"'%s'",
				v);
	memcpy(s->key_prefix, v, len + 1);
	return 0;
}

static const struct {
	const char *name;
	cfg_string_fn set;
} string_settings[] = {
    {"pool", set_pool},
    {"mode", set_mode},
    {"pool_dir", set_pool_dir},
    {"key_prefix", set_key_prefix},
    {"write", set_write},
    {"on_error", set_on_error},
    {"hash_key_file", set_hash_key_file},
};

cfg_string_fn cfg_string_setting(const char *name)
{
	for (size_t i = 0;
	     i < sizeof(string_settings) / sizeof(*string_settings); i++)
		if (strcmp(string_settings[i].name, name) == 0)
			return string_settings[i].set;
	return NULL;
}

bool cfg_int_range(const char *name, long long *min, long long *max)
{
	if (strcmp(name, "max_records") == 0) {
		*min = 1;
		*max = KVP_MAX_UNIQUE_KEYS;
	} else if (strcmp(name, "lock_timeout_ms") == 0) {
		*min = 0;
		*max = KVP_MAX_LOCK_TIMEOUT_MS;
	} else {
		return false;
	}
	return true;
}

int cfg_set_int(const struct cfg_src *src, const char *name, long long value,
		const char *text, kvp_settings *s)
{
	long long min, max;
	char num[32];

	if (!cfg_int_range(name, &min, &max))
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"'%s' is not an integer setting", name);
	if (!text) {
		snprintf(num, sizeof(num), "%lld", value);
		text = num;
	}
	if (value < min || value > max)
		return cfg_fail(src, 0, 0,
				"must be between %lld and %lld, got %s", min,
				max, text);
	if (strcmp(name, "max_records") == 0)
		s->max_records = (unsigned int)value;
	else
		s->lock_timeout_ms = (unsigned int)value;
	return 0;
}

int cfg_add_event(const struct cfg_src *src, const char *name,
		  unsigned int *mask)
{
	kvp_event_type type;

	if (kvp_event_type_from_name(name, &type) < 0)
		return cfg_fail(src, 0, 0,
				"unknown event '%s' (expected auth, "
				"auth_fail, account, session_open, "
				"session_close or password)",
				name);
	*mask |= 1u << type;
	return 0;
}
