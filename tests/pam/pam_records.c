/* pam_records.c - the records the module wrote, read back with
 * libkvpcore's kvp_event_list() and each value parsed with jansson; every
 * record read is checked against DESIGN.md section 5's shape: a legacy key
 * against the value's event, a DIAG key field by field against the value
 * (ph_check_diag), and every DIAG record of ours must decode in the host's
 * reader (kvp_diag_read). */
#include <criterion/criterion.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "pam_internal.h"
#include "test_util.h"

/* The n-th '|'-separated part of a key, malloc'd. */
static char *key_part(const char *key, int n)
{
	const char *p = key, *end;

	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	cr_assert_not_null(p, "key '%s' has no part %d", key, n);
	end = strchr(p, '|');
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

static bool matches(const char *s, const char *re)
{
	regex_t rx;
	int r;

	cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	r = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	return r == 0;
}

#define UUID_RE "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

char *ph_field(const char *key, int n)
{
	return key_part(key, n);
}

void ph_check_diag(const char *key, const json_t *v)
{
	const char *event = ph_str(v, "event"), *what = event;
	const char *kind = "event", *result = "success";
	const char *service = ph_str(v, "service"), *session;
	json_t *dur = json_object_get(v, "duration_s");
	char *f[11], re[128];
	bool nil;

	cr_assert_not_null(event, "no event in the value of %s", key);
	cr_assert_not_null(ph_str(v, "time"), "no time in the value of %s",
			   key);

	cr_assert(matches(key, "^DIAG\\|([^|]*\\|){9}[^|]*$"),
		  "not 11 fields: %s", key);
	for (int i = 0; i < 11; i++)
		f[i] = key_part(key, i);
	if (strcmp(event, "auth_fail") == 0) {
		what = "auth";
		result = "fail";
	} else if (strcmp(event, "session_open") == 0) {
		kind = "start";
		what = "session";
		result = "";
	} else if (strcmp(event, "session_close") == 0) {
		kind = dur && !signbit(json_number_value(dur)) ? "finish"
							       : "event";
		what = "session";
	}
	cr_assert_str_eq(f[1], PH_AGENT, "%s", key);
	cr_assert(matches(f[2], "^" UUID_RE "$"), "vm_id of %s", key);
	nil = strcmp(f[2], PH_NIL_UUID) == 0;
	cr_assert_eq(nil, json_is_true(json_object_get(v, "vm_id_unavailable")),
		     "vm_id %s, value of %s", f[2], key);
	cr_assert_str_eq(f[3], kind, "%s", key);
	/* The service as a token, at most 35 bytes: exact when the
	 * value's service is one already. */
	snprintf(re, sizeof(re), "^pam:[A-Za-z0-9._-]{1,35}:%s$", what);
	cr_assert(matches(f[4], re), "name of %s", key);
	if (service && matches(service, "^[A-Za-z0-9._-]{1,35}$")) {
		snprintf(re, sizeof(re), "pam:%s:%s", service, what);
		cr_assert_str_eq(f[4], re, "%s", key);
	}
	cr_assert(matches(f[5], "^" UUID_RE "$"), "event_id of %s", key);
	session = ph_str(v, "session");
	if (session)
		cr_assert_str_eq(f[5], session, "%s", key);
	cr_assert_str_eq(f[6], ph_str(v, "time"), "%s", key);
	cr_assert_str_eq(f[7], "none", "%s", key);
	cr_assert_str_eq(f[8], result, "%s", key);
	if (strcmp(kind, "finish") == 0) {
		cr_assert(matches(f[9], "^[0-9]+\\.[0-9]{6}$"), "%s", key);
		cr_assert_leq(fabs(strtod(f[9], NULL) - json_number_value(dur)),
			      0.00051, "%s", key);
	} else {
		cr_assert_str_eq(f[9], "", "%s", key);
	}
	cr_assert_str_eq(f[10], "0", "%s", key);
	for (int i = 0; i < 11; i++)
		free(f[i]);
}

static void check(const kvp_record *r, kvp_mode mode, struct ph_rec *out)
{
	json_error_t err;
	bool diag = strncmp(r->key, "DIAG|", 5) == 0;
	json_t *v;

	cr_assert_leq(r->key_len, KVP_SAFE_MAX_KEY_SIZE, "key too long: %s",
		      r->key);
	/* A DIAG value is one record's, 1022 bytes, in either mode. */
	cr_assert_leq(r->value_len,
		      mode == KVP_MODE_SAFE || diag ? KVP_SAFE_MAX_VALUE_SIZE
						    : KVP_VALUE_FIELD_SIZE,
		      "value of %s: %zu bytes, over the %s limit", r->key,
		      r->value_len, kvp_mode_name(mode));
	v = json_loadb(r->value, r->value_len, JSON_REJECT_DUPLICATES, &err);
	cr_assert_not_null(v, "value of %s is not JSON (%s): %s", r->key,
			   err.text, r->value);
	cr_assert(json_is_object(v), "value of %s is not an object", r->key);
	cr_assert_eq(json_integer_value(json_object_get(v, "v")), 1);
	if (diag) {
		ph_check_diag(r->key, v);
	} else {
		char *event = key_part(r->key, 1);
		cr_assert_str_eq(ph_str(v, "event"), event, "key %s, value %s",
				 r->key, r->value);
		free(event);
	}
	out->key = strdup(r->key);
	out->raw = strndup(r->value, r->value_len);
	out->raw_len = r->value_len;
	out->value = v;
}

/* The host's reader decodes every DIAG record of ours. */
static void check_reader(const kvp_store *store, const char *prefix)
{
	kvp_diag_list *list = NULL;

	cr_assert_eq(kvp_diag_read(store, prefix, &list), 0, "%s",
		     kvp_error_last()->message);
	for (size_t i = 0; i < kvp_diag_list_count(list); i++) {
		const kvp_diag_entry *e = kvp_diag_list_get(list, i);
		if (e->schema != KVP_DIAG_SCHEMA_DIAG || !e->agent ||
		    strcmp(e->agent, PH_AGENT) != 0)
			continue;
		cr_assert_eq(e->error, KVP_DIAG_OK, "%s: %s", e->records[0].key,
			     e->detail);
		cr_assert_eq(e->record_count, 1);
		cr_assert(e->payload_is_text);
	}
	kvp_diag_list_free(list);
}

void ph_recs_in(const char *dir, kvp_pool pool, const char *prefix,
		kvp_mode mode, struct ph_recs *out)
{
	kvp_store *store = NULL;
	kvp_record_list list = {0};

	memset(out, 0, sizeof(*out));
	cr_assert_eq(kvp_store_new(&store, pool, dir, KVP_MODE_UNSAFE), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(kvp_event_list(store, prefix, &list), 0, "%s",
		     kvp_error_last()->message);
	out->r = calloc(list.count + 1, sizeof(*out->r));
	cr_assert_not_null(out->r);
	for (size_t i = 0; i < list.count; i++)
		check(&list.records[i], mode, &out->r[i]);
	out->n = list.count;
	kvp_record_list_free(&list);
	check_reader(store, prefix);
	kvp_store_free(store);
}

void ph_recs(struct ph_recs *out)
{
	ph_recs_in(ph.pool_dir, KVP_POOL_GUEST, NULL, KVP_MODE_SAFE, out);
}

void ph_recs_free(struct ph_recs *recs)
{
	for (size_t i = 0; i < recs->n; i++) {
		free(recs->r[i].key);
		free(recs->r[i].raw);
		json_decref(recs->r[i].value);
	}
	free(recs->r);
	memset(recs, 0, sizeof(*recs));
}

size_t ph_count(void)
{
	struct ph_recs recs;
	size_t n;

	ph_recs(&recs);
	n = recs.n;
	ph_recs_free(&recs);
	return n;
}

json_t *ph_one(const char *event)
{
	struct ph_recs recs;
	json_t *found = NULL;
	size_t n = 0;

	ph_recs(&recs);
	for (size_t i = 0; i < recs.n; i++) {
		if (strcmp(ph_str(recs.r[i].value, "event"), event) != 0)
			continue;
		if (n++ == 0)
			found = json_incref(recs.r[i].value);
	}
	ph_recs_free(&recs);
	cr_assert_eq(n, 1, "%zu %s records, expected one", n, event);
	return found;
}

const char *ph_str(const json_t *obj, const char *name)
{
	json_t *m = json_object_get(obj, name);

	if (!m)
		return NULL;
	cr_assert(json_is_string(m), "\"%s\" is not a string", name);
	return json_string_value(m);
}

bool ph_file_has(const char *path, const char *needle, size_t len)
{
	size_t size;
	unsigned char *data = tu_read_file(path, &size);
	bool found = data && memmem(data, size, needle, len) != NULL;

	free(data);
	return found;
}
