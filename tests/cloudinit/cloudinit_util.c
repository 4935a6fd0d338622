/* cloudinit_util.c - see cloudinit_util.h.
 *
 * The driver runs as `/bin/sh -c 'exec "$0" "$@"' /usr/bin/python3 ...`:
 * the shell execs the interpreter at once, and `make check-valgrind`
 * (--trace-children-skip=*sh) then leaves cloud-init's Python alone while
 * still tracing kvpctl. The script is found in $KVP_SRCDIR/tests/cloudinit,
 * KVP_SRCDIR defaulting to the source tree the test was built in (set by
 * tests/cloudinit/rules.mk). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudinit_util.h"

#ifndef KVP_SRCDIR
#error "KVP_SRCDIR must name the source tree (tests/cloudinit/rules.mk)"
#endif

/* Debian's cloud-init package installs its modules for this interpreter. */
#define CI_PYTHON   "/usr/bin/python3"
#define CI_MAX_ARGS 32

static void driver_argv(const char **argv, const char *const *args)
{
	static char script[4096];
	const char *src = getenv("KVP_SRCDIR");
	size_t n = 0;

	if (!src || !*src)
		src = KVP_SRCDIR;
	snprintf(script, sizeof(script),
		 "%s/tests/cloudinit/cloudinit_driver.py", src);
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = "exec \"$0\" \"$@\"";
	argv[n++] = CI_PYTHON;
	argv[n++] = script;
	for (; *args; args++) {
		cr_assert(n < CI_MAX_ARGS - 1);
		argv[n++] = *args;
	}
	argv[n] = NULL;
}

static json_t *parse_json(const char *text, const char *what)
{
	json_error_t e;
	json_t *doc = json_loads(text, JSON_ALLOW_NUL, &e);

	cr_assert_not_null(doc, "%s: not JSON (%s at %d): %.300s", what, e.text,
			   e.position, text);
	cr_assert(json_is_object(doc), "%s: not a JSON object", what);
	return doc;
}

json_t *ci_run(const char *const *args)
{
	const char *argv[CI_MAX_ARGS];
	struct cp_result r;
	char *last;
	json_t *doc;

	driver_argv(argv, args);
	cp_run(argv, CI_TIMEOUT_MS, &r);
	cr_assert_eq(r.status, 0,
		     "cloudinit_driver.py %s: exit %d; stderr:\n%s", args[0],
		     r.status, r.err);
	while (r.out_len && r.out[r.out_len - 1] == '\n')
		r.out[--r.out_len] = '\0';
	last = strrchr(r.out, '\n');
	doc = parse_json(last ? last + 1 : r.out, args[0]);
	cp_result_free(&r);
	return doc;
}

void ci_start(struct cp_child *c, const char *const *args)
{
	const char *argv[CI_MAX_ARGS];

	driver_argv(argv, args);
	cp_start(c, argv);
}

void ci_serve(struct cp_child *c, const char *pool, int seed)
{
	char seed_s[16];
	char *line;

	snprintf(seed_s, sizeof(seed_s), "%d", seed);
	ci_start(c,
		 (const char *const[]){"serve", pool, "--seed", seed_s, NULL});
	line = cp_read_line(c, CI_TIMEOUT_MS);
	cr_assert_str_eq(line, "ready", "cloudinit_driver.py serve: %s", line);
	free(line);
}

char *ci_ask(struct cp_child *c, const char *cmd)
{
	cp_send(c, cmd);
	return cp_read_line(c, CI_TIMEOUT_MS);
}

json_t *ci_serve_stop(struct cp_child *c)
{
	char *line = ci_ask(c, "stop");
	json_t *doc = parse_json(line, "serve stop");
	int status = cp_finish(c, CI_TIMEOUT_MS);

	free(line);
	cr_assert_eq(status, 0, "cloudinit_driver.py serve: exit %d", status);
	return doc;
}

static char *dup_bytes(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	cr_assert_not_null(d);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void ci_recs_add(struct ci_recs *r, const char *key, size_t key_len,
		 const char *value, size_t value_len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		cr_assert_not_null(r->v);
	}
	r->v[r->n++] = (struct ci_rec){dup_bytes(key, key_len), key_len,
				       dup_bytes(value, value_len), value_len};
}

void ci_recs_free(struct ci_recs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].value);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static const json_t *records_of(const json_t *doc)
{
	const json_t *recs = json_object_get(doc, "records");

	cr_assert(json_is_array(recs), "reply without \"records\": %s",
		  json_string_value(json_object_get(doc, "error")));
	return recs;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	cr_assert_fail("bad hex digit '%c' in a publish reply", c);
	return 0;
}

static size_t unhex(const char *hex, char *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		out[i] =
		    (char)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
	return n;
}

void ci_recs_published(const json_t *doc, struct ci_recs *out)
{
	const json_t *recs = records_of(doc), *pair;
	char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];
	size_t i;

	memset(out, 0, sizeof(*out));
	json_array_foreach(recs, i, pair)
	{
		const char *k = json_string_value(json_array_get(pair, 0));
		const char *v = json_string_value(json_array_get(pair, 1));
		cr_assert(k && v && strlen(k) <= 2 * KVP_KEY_FIELD_SIZE &&
			  strlen(v) <= 2 * KVP_VALUE_FIELD_SIZE);
		size_t kl = unhex(k, key), vl = unhex(v, value);
		ci_recs_add(out, key, kl, value, vl);
	}
}

void ci_recs_read(const json_t *doc, struct ci_recs *out)
{
	const json_t *recs = records_of(doc), *rec;
	size_t i;

	memset(out, 0, sizeof(*out));
	json_array_foreach(recs, i, rec)
	{
		const json_t *k = json_object_get(rec, "key");
		const json_t *v = json_object_get(rec, "value");
		cr_assert(json_is_string(k) && json_is_string(v));
		ci_recs_add(out, json_string_value(k), json_string_length(k),
			    json_string_value(v), json_string_length(v));
	}
}

void ci_recs_list(const kvp_record_list *list, struct ci_recs *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < list->count; i++)
		ci_recs_add(out, list->records[i].key, list->records[i].key_len,
			    list->records[i].value, list->records[i].value_len);
}

void ci_recs_dump(const kvp_store *store, struct ci_recs *out)
{
	kvp_record_list list = {0};

	cr_assert_eq(kvp_store_dump(store, &list), 0, "dump: %s",
		     kvp_error_last()->message);
	cr_assert_eq(list.torn_bytes, 0, "dump: torn tail of %zu bytes",
		     list.torn_bytes);
	ci_recs_list(&list, out);
	kvp_record_list_free(&list);
}

void ci_recs_cloudinit(const char *path, struct ci_recs *out)
{
	json_t *doc = CI_RUN("read", path);

	ci_recs_read(doc, out);
	json_decref(doc);
}

static int same(const struct ci_rec *a, const struct ci_rec *b)
{
	return a->key_len == b->key_len && a->value_len == b->value_len &&
	       memcmp(a->key, b->key, a->key_len) == 0 &&
	       memcmp(a->value, b->value, a->value_len) == 0;
}

void ci_assert_same(const struct ci_recs *want, const struct ci_recs *got,
		    const char *what)
{
	for (size_t i = 0; i < want->n && i < got->n; i++) {
		const struct ci_rec *w = &want->v[i], *g = &got->v[i];
		cr_assert(same(w, g),
			  "%s: record %zu differs:\n"
			  "  want key (%zu bytes) %.120s\n"
			  "  got  key (%zu bytes) %.120s\n"
			  "  want value (%zu bytes) %.120s\n"
			  "  got  value (%zu bytes) %.120s",
			  what, i, w->key_len, w->key, g->key_len, g->key,
			  w->value_len, w->value, g->value_len, g->value);
	}
	cr_assert_eq(got->n, want->n, "%s: %zu records, expected %zu", what,
		     got->n, want->n);
}

static int cmp_rec(const void *pa, const void *pb)
{
	const struct ci_rec *a = pa, *b = pb;
	size_t kl = a->key_len < b->key_len ? a->key_len : b->key_len;
	size_t vl = a->value_len < b->value_len ? a->value_len : b->value_len;
	int c = memcmp(a->key, b->key, kl);

	if (c || a->key_len != b->key_len)
		return c ? c : (a->key_len < b->key_len ? -1 : 1);
	c = memcmp(a->value, b->value, vl);
	if (c || a->value_len != b->value_len)
		return c ? c : (a->value_len < b->value_len ? -1 : 1);
	return 0;
}

static struct ci_rec *sorted_copy(const struct ci_recs *r)
{
	struct ci_rec *v = malloc((r->n ? r->n : 1) * sizeof(*v));

	cr_assert_not_null(v);
	if (r->n)
		memcpy(v, r->v, r->n * sizeof(*v));
	qsort(v, r->n, sizeof(*v), cmp_rec);
	return v;
}

void ci_diff(const struct ci_recs *want, const struct ci_recs *got,
	     size_t *missing, size_t *extra)
{
	struct ci_rec *w = sorted_copy(want), *g = sorted_copy(got);
	size_t i = 0, j = 0;

	*missing = *extra = 0;
	while (i < want->n || j < got->n) {
		int c = i == want->n  ? 1
			: j == got->n ? -1
				      : cmp_rec(&w[i], &g[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			(*missing)++;
			i++;
		} else {
			(*extra)++;
			j++;
		}
	}
	free(w);
	free(g);
}

int ci_has_prefix(const struct ci_rec *rec, const char *prefix)
{
	size_t n = strlen(prefix);

	return rec->key_len >= n && memcmp(rec->key, prefix, n) == 0;
}
