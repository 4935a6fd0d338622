/* raw_pool.c - see raw_pool.h. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "peer_record.h"
#include "raw_pool.h"
#include "test_util.h"

const char *raw_check_record(const char *key, size_t key_len, const char *value,
			     size_t value_len)
{
	if (key_len == strlen(RAW_DAEMON_KEY) &&
	    memcmp(key, RAW_DAEMON_KEY, key_len) == 0) {
		if (value_len < 7 || memcmp(value, "round=", 6) != 0 ||
		    strspn(value + 6, "0123456789") != value_len - 6)
			return "daemon record with a bad value";
		return NULL;
	}
	if (!pr_value_ok(key, key_len, value, value_len, NULL, 0))
		return "value is not the one written for its key";
	return NULL;
}

/* Length of a field's text; false when a byte follows its NUL padding. */
static bool field_text(const unsigned char *f, size_t size, size_t *len)
{
	const unsigned char *nul = memchr(f, '\0', size);

	*len = nul ? (size_t)(nul - f) : size;
	for (size_t i = *len; i < size; i++)
		if (f[i] != '\0')
			return false;
	return true;
}

void raw_pool_load(const char *path, struct raw_pool *out)
{
	size_t size;
	unsigned char *data = tu_read_file(path, &size);

	memset(out, 0, sizeof(*out));
	cr_assert_eq(size % KVP_RECORD_SIZE, 0,
		     "%s: size %zu is not a multiple of %d (torn record)", path,
		     size, KVP_RECORD_SIZE);
	out->count = size / KVP_RECORD_SIZE;
	out->recs = calloc(out->count + 1, sizeof(*out->recs));
	cr_assert_not_null(out->recs);
	for (size_t i = 0; i < out->count; i++) {
		const unsigned char *rec = data + i * KVP_RECORD_SIZE;
		struct raw_record *r = &out->recs[i];
		const char *bad;

		cr_assert(field_text(rec, KVP_KEY_FIELD_SIZE, &r->key_len) &&
			      field_text(rec + KVP_KEY_FIELD_SIZE,
					 KVP_VALUE_FIELD_SIZE, &r->value_len),
			  "%s: record %zu has bytes after its NUL padding",
			  path, i);
		memcpy(r->key, rec, r->key_len);
		memcpy(r->value, rec + KVP_KEY_FIELD_SIZE, r->value_len);
		bad = raw_check_record(r->key, r->key_len, r->value,
				       r->value_len);
		cr_assert_null(bad, "%s: record %zu (key \"%.60s\"): %s", path,
			       i, r->key, bad);
		pr_value_ok(r->key, r->key_len, r->value, r->value_len, r->note,
			    sizeof(r->note));
	}
	free(data);
}

void raw_pool_free(struct raw_pool *p)
{
	free(p->recs);
	memset(p, 0, sizeof(*p));
}

size_t raw_pool_count(const struct raw_pool *p, const char *key, size_t *first)
{
	size_t n = 0;

	if (first)
		*first = p->count;
	for (size_t i = 0; i < p->count; i++) {
		if (strcmp(p->recs[i].key, key) != 0)
			continue;
		if (n++ == 0 && first)
			*first = i;
	}
	return n;
}

size_t raw_pool_count_prefix(const struct raw_pool *p, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (size_t i = 0; i < p->count; i++)
		n += strncmp(p->recs[i].key, prefix, len) == 0;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void raw_pool_assert_unique(const struct raw_pool *p, const char *prefix)
{
	size_t len = strlen(prefix), n = 0;
	char **keys = calloc(p->count + 1, sizeof(*keys));

	cr_assert_not_null(keys);
	for (size_t i = 0; i < p->count; i++)
		if (strncmp(p->recs[i].key, prefix, len) == 0)
			keys[n++] = p->recs[i].key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 1; i < n; i++)
		cr_assert_str_neq(keys[i - 1], keys[i],
				  "key \"%s\" is in the pool twice", keys[i]);
	free(keys);
}
