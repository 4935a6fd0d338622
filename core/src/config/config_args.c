/* config_args.c - kvp_settings_apply_arg: one PAM module argument
 * ("name=value" for a setting, or "debug") over the settings, with the
 * same value checks as the file (config_value.c). The module's own
 * arguments (config=, event=) are not settings and are refused here. */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* A decimal integer ("123", "-5", "+5") and nothing else. Beyond long
 * long it is clamped, and so out of any setting's range. */
static bool parse_integer(const char *text, long long *out)
{
	const char *digits = text + (*text == '-' || *text == '+');
	char *end;

	if (*digits < '0' || *digits > '9')
		return false;
	*out = strtoll(text, &end, 10);
	return *end == '\0';
}

static int apply_int(const struct cfg_src *src, const char *name,
		     const char *value, kvp_settings *s)
{
	long long v;

	if (!parse_integer(value, &v))
		return cfg_fail(src, 0, 0, "must be an integer, got '%s'",
				value);
	return cfg_set_int(src, name, v, value, s);
}

static int apply_bool(const struct cfg_src *src, const char *value, bool *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
		*out = true;
	else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
		*out = false;
	else
		return cfg_fail(src, 0, 0,
				"must be yes, no, true or false, got '%s'",
				value);
	return 0;
}

/* "a,b,c": the whole set of events; "" records nothing. */
static int apply_events(const struct cfg_src *src, const char *value,
			kvp_settings *s)
{
	unsigned int mask = 0;
	char *list, *item, *next;
	int r = 0;

	if (!*value) {
		s->events = 0;
		return 0;
	}
	list = strdup(value);
	if (!list)
		return err_fail_nomem(NULL);
	for (item = list; r == 0 && item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (!*item)
			r = cfg_fail(src, 0, 0, "empty event name in the list");
		else
			r = cfg_add_event(src, item, &mask);
	}
	free(list);
	if (r == 0)
		s->events = mask;
	return r;
}

int kvp_settings_apply_arg(kvp_settings *s, const char *arg)
{
	struct cfg_src src = {.arg = arg};
	char name[32];
	const char *eq, *value;
	cfg_string_fn set;
	long long min, max;
	size_t len;

	if (!s || !arg)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_settings_apply_arg: %s is NULL",
				s ? "arg" : "settings");
	if (strcmp(arg, "debug") == 0) {
		s->debug = true;
		return 0;
	}
	eq = strchr(arg, '=');
	len = eq ? (size_t)(eq - arg) : 0;
	if (eq && len < sizeof(name)) {
		memcpy(name, arg, len);
		name[len] = '\0';
		value = eq + 1;
		set = cfg_string_setting(name);
		if (set)
			return set(&src, value, s);
		if (cfg_int_range(name, &min, &max))
			return apply_int(&src, name, value, s);
		if (strcmp(name, "clear_if_stale") == 0)
			return apply_bool(&src, value, &s->clear_if_stale);
		if (strcmp(name, "events") == 0)
			return apply_events(&src, value, s);
	}
	return cfg_fail(&src, 0, 0,
			"unknown argument (expected debug or NAME=VALUE "
			"with NAME one of pool, mode, pool_dir, "
			"key_prefix, write, events, max_records, "
			"lock_timeout_ms, clear_if_stale, on_error, "
			"hash_key_file)");
}
