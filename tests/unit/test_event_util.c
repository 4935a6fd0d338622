/* test_event_util.c - see test_event_util.h. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_event_util.h"

kvp_settings *te_settings(const char *dir)
{
	kvp_settings *s = NULL;

	cr_assert_eq(kvp_settings_new(&s), 0);
	te_set(s, "pool_dir=%s", dir);
	te_set(s, "hash_key_file=%s/secret.key", dir);
	return s;
}

void te_set(kvp_settings *s, const char *fmt, ...)
{
	char *arg = NULL;
	va_list ap;

	va_start(ap, fmt);
	cr_assert(vasprintf(&arg, fmt, ap) > 0);
	va_end(ap);
	cr_assert_eq(kvp_settings_set(s, arg), 0, "%s: %s", arg,
		     kvp_error_last()->message);
	free(arg);
}

void te_field(kvp_settings *s, const char *field, const char *policy)
{
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "pam_kvp.conf");
	char *text = NULL;
	bool found = false;

	cr_assert(
	    asprintf(&text, "fields = { %s = \"%s\"; };\n", field, policy) > 0);
	tu_write_file(path, text, strlen(text));
	cr_assert_eq(kvp_settings_load(s, path, NULL, &found), 0, "%s",
		     kvp_error_last()->message);
	cr_assert(found);
	tu_rmtree(dir);
	free(text);
	free(path);
	free(dir);
}

kvp_mode te_mode(const kvp_settings *s)
{
	char *text = kvp_settings_format(s);
	kvp_mode mode;

	cr_assert_not_null(text);
	mode = strstr(text, "\nmode = \"unsafe\";\n") ? KVP_MODE_UNSAFE
						      : KVP_MODE_SAFE;
	free(text);
	return mode;
}

void te_event(kvp_event *ev)
{
	*ev = (kvp_event)KVP_EVENT_INIT;
	ev->type = KVP_EVENT_SESSION_OPEN;
	ev->time.tv_sec = 1795559626; /* 2026-11-24T22:33:46Z */
	ev->time.tv_nsec = 123456789;
	ev->service = "sshd";
	ev->user = "alice";
	ev->rhost = "203.0.113.7";
	ev->tty = "ssh";
	ev->pid = 4242;
	ev->uid = 1000;
	ev->session = "0b6e0c3e-53c5-4a0e-9a7e-3f1d2c4b5a69";
	ev->result = "success";
	ev->host = "vm1";
	ev->boot_id = "6f1c0b4e-2d0e-4a8f-b5a2-8e1e4f6d7c90";
}

void te_encode(const kvp_settings *s, const kvp_event *ev, char *key,
	       char *value)
{
	int r = event_encode(s, ev, key, KVP_KEY_FIELD_SIZE + 1, value,
			     KVP_VALUE_FIELD_SIZE + 1);

	cr_assert_eq(r, 0, "encode: %d %s", r, kvp_error_last()->message);
	cr_assert_leq(strlen(key), pool_max_key_size(te_mode(s)));
	cr_assert_leq(strlen(value), pool_max_value_size(te_mode(s)),
		      "value of %zu bytes", strlen(value));
}

json_t *te_parse(const char *value)
{
	json_error_t err;
	json_t *obj = json_loads(value, JSON_REJECT_DUPLICATES, &err);

	cr_assert_not_null(obj, "not JSON (%s): %s", err.text, value);
	cr_assert(json_is_object(obj), "not an object: %s", value);
	return obj;
}

json_t *te_encode_parse(const kvp_settings *s, const kvp_event *ev, char *key)
{
	char k[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];

	te_encode(s, ev, key ? key : k, value);
	return te_parse(value);
}

void te_assert_members(json_t *obj, const char *const *names)
{
	size_t i = 0;
	const char *name;
	json_t *v;

	json_object_foreach(obj, name, v)
	{
		(void)v;
		cr_assert_not_null(names[i], "unexpected member \"%s\"", name);
		cr_assert_str_eq(name, names[i], "member %zu", i);
		i++;
	}
	cr_assert_null(names[i], "member \"%s\" missing", names[i]);
}

const char *te_str(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	cr_assert(json_is_string(v), "\"%s\" is not a string member", name);
	return json_string_value(v);
}

bool te_has(json_t *obj, const char *name)
{
	return json_object_get(obj, name) != NULL;
}

void te_key_parts(const char *key, char parts[5][KVP_KEY_FIELD_SIZE + 1])
{
	const char *p = key;

	for (int i = 0; i < 5; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		cr_assert(i == 4 ? !bar : bar != NULL, "key %s: part %d", key,
			  i);
		memcpy(parts[i], p, n);
		parts[i][n] = '\0';
		p += n + 1;
	}
}

bool te_matches(const char *s, const char *re)
{
	regex_t rx;
	int r;

	cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	r = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	return r == 0;
}

char *te_key(const char *prefix, const char *time, const char *id)
{
	char *k = NULL;

	cr_assert(asprintf(&k, "%s|session_open|sshd|%s|%s", prefix, time, id) >
		  0);
	return k;
}
