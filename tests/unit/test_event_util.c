/* test_event_util.c - see test_event_util.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag/diag_internal.h"
#include "test_event_util.h"

static char *sysroot;

static void sysroot_remove(void)
{
	if (sysroot)
		tu_rmtree(sysroot);
	free(sysroot);
	sysroot = NULL;
}

void te_sysroot(const char *smbios, bool efi)
{
	char *path;

	if (!sysroot)
		atexit(sysroot_remove);
	else
		tu_rmtree(sysroot);
	free(sysroot);
	sysroot = tu_mkdtemp();
	path = tu_path(sysroot, "sys");
	cr_assert_eq(mkdir(path, 0755), 0);
	free(path);
	if (smbios) {
		static const char *const dirs[] = {"sys/class", "sys/class/dmi",
						   "sys/class/dmi/id"};
		for (size_t i = 0; i < 3; i++) {
			path = tu_path(sysroot, dirs[i]);
			cr_assert_eq(mkdir(path, 0755), 0);
			free(path);
		}
		path = tu_path(sysroot, "sys/class/dmi/id/product_uuid");
		tu_write_file(path, smbios, strlen(smbios));
		free(path);
	}
	if (efi) {
		path = tu_path(sysroot, "sys/firmware");
		cr_assert_eq(mkdir(path, 0755), 0);
		free(path);
		path = tu_path(sysroot, "sys/firmware/efi");
		cr_assert_eq(mkdir(path, 0755), 0);
		free(path);
	}
	setenv("KVP_TEST_SYSROOT", sysroot, 1);
}

kvp_settings *te_settings(const char *dir)
{
	kvp_settings *s = NULL;

	if (!sysroot)
		te_sysroot(TE_VM_ID "\n", true);
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

bool te_diag(const kvp_settings *s)
{
	char *text = kvp_settings_format(s);
	bool diag;

	cr_assert_not_null(text);
	diag = strstr(text, "\nformat = \"diag\";\n") != NULL;
	cr_assert(diag || strstr(text, "\nformat = \"pam_kvp\";\n"));
	free(text);
	return diag;
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
	if (te_diag(s))
		te_assert_diag(key, value);
	else
		cr_assert(te_matches(key, TE_KEY_RE_ANY), "key %s", key);
}

void te_diag_parts(const char *key, struct te_diag *out)
{
	const char *p = key;

	for (int i = 0; i < 11; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		cr_assert(i == 10 ? !bar : bar != NULL, "key %s: field %d", key,
			  i);
		memcpy(out->f[i], p, n);
		out->f[i][n] = '\0';
		p += n + 1;
	}
}

/* What the value's event maps to: kind, <what>, result. */
static void mapping(const char *event, bool has_duration, const char **kind,
		    const char **what, const char **result)
{
	*kind = "event";
	*result = "success";
	*what = event;
	if (strcmp(event, "auth_fail") == 0) {
		*what = "auth";
		*result = "fail";
	} else if (strcmp(event, "session_open") == 0) {
		*kind = "start";
		*what = "session";
		*result = "";
	} else if (strcmp(event, "session_close") == 0) {
		*kind = has_duration ? "finish" : "event";
		*what = "session";
	}
}

void te_assert_diag(const char *key, const char *value)
{
	struct te_diag d;
	struct diag_key k;
	json_t *v = te_parse(value), *dur = json_object_get(v, "duration_s");
	const char *kind, *what, *result, *session;
	char re[64];

	cr_assert_leq(strlen(key), 254, "key of %zu bytes", strlen(key));
	cr_assert_leq(strlen(value), 1022, "value of %zu bytes", strlen(value));
	diag_key_parse(key, strlen(key), "PAM_KVP", &k);
	cr_assert_eq(k.schema, KVP_DIAG_SCHEMA_DIAG, "%s", key);
	cr_assert_eq(k.error, KVP_DIAG_OK, "%s: %s", key,
		     k.detail ? k.detail : "");
	te_diag_parts(key, &d);
	cr_assert_str_eq(d.f[0], "DIAG");
	cr_assert_str_eq(d.f[TE_D_AGENT], TE_AGENT);
	cr_assert(diag_uuid_canonical(d.f[TE_D_VM]), "%s", key);
	cr_assert_eq(strcmp(d.f[TE_D_VM], TE_NIL) == 0,
		     json_is_true(json_object_get(v, "vm_id_unavailable")),
		     "vm_id %s, value %s", d.f[TE_D_VM], value);
	/* A duration DIAG can hold (not negative, microseconds below 2^64)
	 * makes a session_close a finish. */
	mapping(te_str(v, "event"),
		dur && !signbit(json_number_value(dur)) &&
		    json_number_value(dur) * 1e6 + 0.5 < 18446744073709551616.0,
		&kind, &what, &result);
	cr_assert_str_eq(d.f[TE_D_KIND], kind, "%s", key);
	cr_assert_str_eq(d.f[TE_D_RESULT], result, "%s", key);
	/* The service token's own rules are test_event_diag.c's. */
	snprintf(re, sizeof(re), "^pam:[A-Za-z0-9._-]{1,35}:%s$", what);
	cr_assert(te_matches(d.f[TE_D_NAME], re), "%s", key);
	cr_assert_leq(strlen(d.f[TE_D_NAME]), 48);
	cr_assert(diag_uuid_canonical(d.f[TE_D_EVENT_ID]), "%s", key);
	session = te_has(v, "session") ? te_str(v, "session") : NULL;
	if (session && diag_uuid_canonical(session))
		cr_assert_str_eq(d.f[TE_D_EVENT_ID], session, "%s", key);
	cr_assert_str_eq(d.f[TE_D_TIME], te_str(v, "time"), "%s", key);
	cr_assert_str_eq(d.f[TE_D_ENCODING], "none");
	if (strcmp(kind, "finish") == 0) {
		/* 6 fraction digits, the value's duration_s within 1 ms
		 * (the value rounds to milliseconds). */
		double got = strtod(d.f[TE_D_DURATION], NULL);
		cr_assert(te_matches(d.f[TE_D_DURATION], "^[0-9]+\\.[0-9]{6}$"),
			  "%s", key);
		cr_assert_leq(got - json_number_value(dur), 0.00051, "%s", key);
		cr_assert_geq(got - json_number_value(dur), -0.00051, "%s",
			      key);
	} else {
		cr_assert_str_eq(d.f[TE_D_DURATION], "", "%s", key);
	}
	cr_assert_str_eq(d.f[TE_D_INDEX], "0");
	json_decref(v);
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

bool te_ours(const char *key)
{
	return strncmp(key, "PAM_KVP|", 8) == 0 ||
	       strncmp(key, "DIAG|pam_kvp/", 13) == 0;
}

char *te_diag_key(const char *agent, const char *kind, const char *name,
		  const char *timestamp, const char *event_id)
{
	bool finish = strcmp(kind, "finish") == 0;
	bool start = strcmp(kind, "start") == 0;
	char *k = NULL;

	cr_assert(asprintf(&k, "DIAG|%s|%s|%s|%s|%s|%s|none|%s|%s|0", agent,
			   TE_VM_ID, kind, name, event_id, timestamp,
			   start ? "" : "success",
			   finish ? "1.000000" : "") > 0);
	return k;
}

char *te_key(const char *prefix, const char *time, const char *id)
{
	char *k = NULL;

	cr_assert(asprintf(&k, "%s|session_open|sshd|%s|%s", prefix, time, id) >
		  0);
	return k;
}
