/* pam_records.c - the records the module wrote, read back with
 * libkvpcore's kvp_event_list() and each value parsed with jansson; every
 * record read is checked against DESIGN.md section 5's shape. */
#include <criterion/criterion.h>
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

static void check(const kvp_record *r, kvp_mode mode, struct ph_rec *out)
{
	json_error_t err;
	char *event = key_part(r->key, 1);
	json_t *v;

	cr_assert_leq(r->key_len, KVP_SAFE_MAX_KEY_SIZE, "key too long: %s",
		      r->key);
	cr_assert_leq(r->value_len,
		      mode == KVP_MODE_SAFE ? KVP_SAFE_MAX_VALUE_SIZE
					    : KVP_VALUE_FIELD_SIZE,
		      "value of %s: %zu bytes, over the %s limit", r->key,
		      r->value_len, kvp_mode_name(mode));
	v = json_loadb(r->value, r->value_len, JSON_REJECT_DUPLICATES, &err);
	cr_assert_not_null(v, "value of %s is not JSON (%s): %s", r->key,
			   err.text, r->value);
	cr_assert(json_is_object(v), "value of %s is not an object", r->key);
	cr_assert_eq(json_integer_value(json_object_get(v, "v")), 1);
	cr_assert_str_eq(ph_str(v, "event"), event, "key %s, value %s", r->key,
			 r->value);
	free(event);
	out->key = strdup(r->key);
	out->raw = strndup(r->value, r->value_len);
	out->raw_len = r->value_len;
	out->value = v;
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
