/* test_cloudinit_read.c - libkvpcore and kvpctl read every record that
 * cloud-init's real KVP handler writes, byte for byte.
 *
 * What the handler wrote is known exactly: the driver hands back the bytes
 * of every batch it appended. The events cover everything it encodes:
 * start and finish events, descriptions split into several records
 * (msg_i), non-ASCII names in the key, JSON escapes in the value, and
 * names long enough that cloud-init cuts the key at its 512-byte field (no
 * NUL terminator; the chunks of one event then share one key).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudinit_util.h"
#include "test_util.h"

static char *dir, *pool;
static kvp_store *store;

static void setup(void)
{
	dir = tu_mkdtemp();
	pool = tu_path(dir, ".kvp_pool_1");
	store = tu_store(dir, KVP_MODE_SAFE);
}

static void teardown(void)
{
	kvp_store_free(store);
	tu_rmtree(dir);
	free(dir);
	free(pool);
}

/* Let cloud-init publish `events` events of `kinds` (all kinds when "")
 * into the pool; what it wrote goes to *wrote. */
static void publish(const char *events, const char *kinds,
		    struct ci_recs *wrote)
{
	json_t *doc = CI_RUN("publish", pool, "--events", events, "--seed", "7",
			     "--kinds", kinds);

	ci_recs_published(doc, wrote);
	cr_assert_gt(wrote->n, 0);
	json_decref(doc);
}

static size_t count_key_len(const struct ci_recs *r, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].key_len == len;
	return n;
}

Test(cloudinit_read, dump_is_what_the_handler_wrote, .init = setup,
     .fini = teardown)
{
	struct ci_recs wrote, ours, theirs;
	size_t len = 0;

	publish("400", "", &wrote);
	cr_assert_gt(wrote.n, 400, "no event was split into several records");
	cr_assert_gt(count_key_len(&wrote, KVP_KEY_FIELD_SIZE), 0,
		     "no key filled its whole field");

	ci_recs_dump(store, &ours);
	ci_assert_same(&wrote, &ours,
		       "kvp_store_dump vs what cloud-init wrote");
	cr_assert_eq(kvp_store_len(store, &len), 0);
	cr_assert_eq(len, wrote.n);
	cr_assert_eq(tu_file_size(pool), (off_t)(wrote.n * KVP_RECORD_SIZE));

	/* And the handler's own reader agrees with both. */
	ci_recs_cloudinit(pool, &theirs);
	ci_assert_same(&theirs, &ours, "kvp_store_dump vs cloud-init's reader");
	ci_recs_free(&wrote);
	ci_recs_free(&ours);
	ci_recs_free(&theirs);
}

/* entries(): each key once, in order of its first record, with the value
 * of its last one; computed here from what the handler wrote. */
static void expected_entries(const struct ci_recs *wrote, struct ci_recs *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < wrote->n; i++) {
		const struct ci_rec *w = &wrote->v[i];
		size_t j = 0;
		while (j < out->n &&
		       !(out->v[j].key_len == w->key_len &&
			 !memcmp(out->v[j].key, w->key, w->key_len)))
			j++;
		if (j == out->n) {
			ci_recs_add(out, w->key, w->key_len, w->value,
				    w->value_len);
			continue;
		}
		free(out->v[j].value);
		out->v[j].value = strdup(w->value);
		out->v[j].value_len = w->value_len;
		cr_assert_not_null(out->v[j].value);
	}
}

Test(cloudinit_read, entries_and_read_take_the_last_record, .init = setup,
     .fini = teardown)
{
	struct ci_recs wrote, want, got;
	kvp_record_list list = {0};

	/* Long names: cut keys shared by the chunks of one event. */
	publish("60", "longname,long,utf8,short,finish", &wrote);
	expected_entries(&wrote, &want);
	cr_assert_lt(want.n, wrote.n, "no key repeated");

	cr_assert_eq(kvp_store_entries(store, &list), 0, "%s",
		     kvp_error_last()->message);
	ci_recs_list(&list, &got);
	kvp_record_list_free(&list);
	ci_assert_same(&want, &got, "kvp_store_entries");

	for (size_t i = 0; i < want.n; i++) {
		char *value = NULL;
		size_t value_len = 0;
		cr_assert_eq(
		    kvp_store_read(store, want.v[i].key, &value, &value_len), 1,
		    "read %.80s: %s", want.v[i].key, kvp_error_last()->message);
		cr_assert_eq(value_len, want.v[i].value_len);
		cr_assert_eq(memcmp(value, want.v[i].value, value_len), 0,
			     "read %.80s", want.v[i].key);
		free(value);
	}
	ci_recs_free(&wrote);
	ci_recs_free(&want);
	ci_recs_free(&got);
}

/* A name ending in "é" right at the field's end: cloud-init cuts the key
 * inside that character, leaving invalid UTF-8 (its own reader then fails
 * on the record). Reads accept any bytes, so libkvpcore still returns it
 * exactly. */
Test(cloudinit_read, key_cut_inside_a_character, .init = setup,
     .fini = teardown)
{
	struct ci_recs wrote, ours;
	char *value = NULL;
	size_t value_len = 0;

	publish("3", "cututf8", &wrote);
	cr_assert_eq(wrote.n, 3);
	for (size_t i = 0; i < wrote.n; i++) {
		cr_assert_eq(wrote.v[i].key_len, KVP_KEY_FIELD_SIZE);
		cr_assert_eq((unsigned char)wrote.v[i].key[511], 0xc3);
	}
	ci_recs_dump(store, &ours);
	ci_assert_same(&wrote, &ours, "kvp_store_dump of cut keys");
	cr_assert_eq(kvp_store_read(store, wrote.v[0].key, &value, &value_len),
		     1, "%s", kvp_error_last()->message);
	cr_assert_eq(value_len, wrote.v[2].value_len, "not the last record");
	cr_assert_eq(memcmp(value, wrote.v[2].value, value_len), 0);
	free(value);
	ci_recs_free(&wrote);
	ci_recs_free(&ours);
}

static char *kvpctl_out(const char *const *args)
{
	const char *argv[16] = {getenv("KVPCTL"), "--dir", dir};
	struct cp_result r;
	size_t n = 3;
	char *out;

	cr_assert_not_null(argv[0], "KVPCTL is not set (run via make)");
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cp_run(argv, CI_TIMEOUT_MS, &r);
	cr_assert_eq(r.status, 0, "kvpctl %s: exit %d; stderr: %s", argv[3],
		     r.status, r.err);
	out = r.out;
	r.out = NULL;
	cp_result_free(&r);
	return out;
}

Test(cloudinit_read, kvpctl_dump_and_get, .init = setup, .fini = teardown)
{
	struct ci_recs wrote, got = {0};
	char *out = NULL;
	json_error_t e;
	json_t *doc, *rec;
	size_t i;

	publish("150", "", &wrote);
	out = kvpctl_out((const char *const[]){"dump", "--json", NULL});
	doc = json_loads(out, 0, &e);
	cr_assert(json_is_array(doc), "kvpctl dump --json: %s", e.text);
	free(out);
	json_array_foreach(doc, i, rec)
	{
		json_t *k = json_object_get(rec, "key");
		json_t *v = json_object_get(rec, "value");
		cr_assert(json_is_string(k) && json_is_string(v));
		ci_recs_add(&got, json_string_value(k), json_string_length(k),
			    json_string_value(v), json_string_length(v));
	}
	json_decref(doc);
	ci_assert_same(&wrote, &got, "kvpctl dump --json");

	/* get --raw prints the exact bytes of a key's last value; take
	 * eight keys spread over the pool. */
	for (i = 0; i < wrote.n; i += wrote.n / 8 + 1) {
		const struct ci_rec *last = &wrote.v[i];
		for (size_t j = i + 1; j < wrote.n; j++)
			if (wrote.v[j].key_len == last->key_len &&
			    !memcmp(wrote.v[j].key, last->key, last->key_len))
				last = &wrote.v[j];
		out = kvpctl_out(
		    (const char *const[]){"get", "--raw", last->key, NULL});
		cr_assert_str_eq(out, last->value, "get %.80s", last->key);
		free(out);
	}
	ci_recs_free(&wrote);
	ci_recs_free(&got);
}
