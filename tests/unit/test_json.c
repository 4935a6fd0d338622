/* test_json.c - the listing reads and their JSON: dump() (on-disk order,
 * duplicates kept), entries() (unique keys in order of first appearance,
 * last write wins), dump_json() (entries as an object, parsed back with
 * jansson), and kvp_record_list_json() with escaping, U+FFFD for bytes
 * that are not UTF-8, and its array, object and pretty forms. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_util.h"

static struct tu_pool p;
static char *out;

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
	out = tu_path(p.dir, "dump.json");
}

static void teardown(void)
{
	free(out);
	tu_pool_teardown(&p);
}

static void expect_record(const kvp_record *r, const char *key,
			  const char *value)
{
	cr_assert_eq(r->key_len, strlen(key));
	cr_assert_str_eq(r->key, key);
	cr_assert_eq(r->value_len, strlen(value));
	cr_assert_str_eq(r->value, value);
}

static json_t *load_json(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	cr_assert_not_null(j, "%s:%d: %s", path, err.line, err.text);
	return j;
}

static const char *const dup_pool[] = {"a", "1", "b", "2", "a", "3",
				       "c", "4", "b", "5", NULL};

Test(dump, on_disk_order_with_duplicates, .init = setup, .fini = teardown)
{
	kvp_record_list list;

	tu_plant(p.path, dup_pool);
	cr_assert_eq(kvp_store_dump(p.store, &list), 0);
	cr_assert_eq(list.count, 5);
	cr_assert_eq(list.torn_bytes, 0);
	for (size_t i = 0; i < 5; i++)
		expect_record(&list.records[i], dup_pool[2 * i],
			      dup_pool[2 * i + 1]);
	kvp_record_list_free(&list);
	cr_assert_null(list.records);
	cr_assert_eq(list.count, 0);
	kvp_record_list_free(&list); /* twice is fine */
	kvp_record_list_free(NULL);
}

Test(dump, missing_file_is_empty_list, .init = setup, .fini = teardown)
{
	kvp_record_list list = {(kvp_record *)0x1, 7, 7};

	cr_assert_eq(kvp_store_dump(p.store, &list), 0);
	cr_assert_eq(list.count, 0);
	cr_assert_eq(list.torn_bytes, 0);
	kvp_record_list_free(&list);
	cr_assert_eq(kvp_store_entries(p.store, &list), 0);
	cr_assert_eq(list.count, 0);
	kvp_record_list_free(&list);
	cr_assert_eq(tu_file_size(p.path), -1);
	cr_assert_eq(kvp_store_dump(p.store, NULL), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_store_entries(p.store, NULL), KVP_ERR_INVALID_ARG);
}

Test(dump, full_width_fields_and_raw_bytes, .init = setup, .fini = teardown)
{
	unsigned char rec[2][KVP_RECORD_SIZE];
	char *key = tu_repeat('k', 512);
	char *value = tu_repeat('v', 2048);
	kvp_record_list list;

	tu_record_n(rec[0], key, 512, value, 2048);
	tu_record_n(rec[1], "\xFF\xFE", 2, "\xC0", 1);
	tu_write_file(p.path, rec, sizeof(rec));
	cr_assert_eq(kvp_store_dump(p.store, &list), 0);
	cr_assert_eq(list.count, 2);
	cr_assert_eq(list.records[0].key_len, 512);
	cr_assert_eq(list.records[0].key[512], '\0');
	cr_assert_eq(memcmp(list.records[0].key, key, 512), 0);
	cr_assert_eq(list.records[0].value_len, 2048);
	cr_assert_eq(list.records[0].value[2048], '\0');
	cr_assert_eq(memcmp(list.records[0].value, value, 2048), 0);
	expect_record(&list.records[1], "\xFF\xFE", "\xC0");
	kvp_record_list_free(&list);
	free(key);
	free(value);
}

Test(entries, dedup_last_wins_first_order, .init = setup, .fini = teardown)
{
	kvp_record_list list;

	tu_plant(p.path, dup_pool);
	cr_assert_eq(kvp_store_entries(p.store, &list), 0);
	cr_assert_eq(list.count, 3);
	expect_record(&list.records[0], "a", "3");
	expect_record(&list.records[1], "b", "5");
	expect_record(&list.records[2], "c", "4");
	kvp_record_list_free(&list);
}

Test(entries, safe_store_lists_unsafe_records, .init = setup, .fini = teardown)
{
	kvp_store *unsafe = tu_store(p.dir, KVP_MODE_UNSAFE);
	char *key = tu_repeat('x', 400);
	kvp_record_list list;

	cr_assert_eq(kvp_store_append(unsafe, key, "v"), 0);
	cr_assert_eq(kvp_store_entries(p.store, &list), 0);
	cr_assert_eq(list.count, 1);
	expect_record(&list.records[0], key, "v");
	kvp_record_list_free(&list);
	kvp_store_free(unsafe);
	free(key);
}

Test(dump_json, round_trip_with_data, .init = setup, .fini = teardown)
{
	json_t *j;
	struct stat st;

	tu_plant(p.path, dup_pool);
	cr_assert_eq(kvp_store_dump_json(p.store, out), 0, "%s",
		     kvp_error_last()->message);
	j = load_json(out);
	cr_assert(json_is_object(j));
	cr_assert_eq(json_object_size(j), 3);
	cr_assert_str_eq(json_string_value(json_object_get(j, "a")), "3");
	cr_assert_str_eq(json_string_value(json_object_get(j, "b")), "5");
	cr_assert_str_eq(json_string_value(json_object_get(j, "c")), "4");
	json_decref(j);
	cr_assert_eq(stat(out, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
}

Test(dump_json, empty_pool_and_missing_file, .init = setup, .fini = teardown)
{
	size_t len;
	unsigned char *text;

	cr_assert_eq(kvp_store_dump_json(p.store, out), 0);
	text = tu_read_file(out, &len);
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(text, "{}", 2), 0);
	free(text);
	cr_assert_eq(tu_file_size(p.path), -1, "dump_json created the pool");
	tu_write_file(p.path, "", 0);
	cr_assert_eq(kvp_store_dump_json(p.store, out), 0);
	json_t *j = load_json(out);
	cr_assert(json_is_object(j));
	cr_assert_eq(json_object_size(j), 0);
	json_decref(j);
}

Test(dump_json, replaces_existing_output, .init = setup, .fini = teardown)
{
	json_t *j;
	struct stat st;

	tu_write_file(out, "old junk that is longer than the new dump", 41);
	cr_assert_eq(chmod(out, 0644), 0);
	tu_plant(p.path, (const char *const[]){"k", "v", NULL});
	cr_assert_eq(kvp_store_dump_json(p.store, out), 0);
	j = load_json(out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "k")), "v");
	json_decref(j);
	cr_assert_eq(stat(out, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
}

Test(dump_json, invalid_output_path, .init = setup, .fini = teardown)
{
	char *missing = tu_path(p.dir, "no/such/dir/out.json");

	cr_assert_eq(kvp_store_dump_json(p.store, ""), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_store_dump_json(p.store, NULL), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_store_dump_json(p.store, missing), KVP_ERR_IO);
	cr_assert_eq(kvp_error_last()->sys_errno, ENOENT);
	cr_assert_str_eq(kvp_error_last()->path, missing);
	free(missing);
}

Test(dump_json, control_chars_and_invalid_utf8, .init = setup, .fini = teardown)
{
	unsigned char rec[2][KVP_RECORD_SIZE];
	const char k1[] = "tab\tnl\nq\"bs\\\x01";
	const char v1[] = "bell\x07 del\x7f esc\x1b";
	json_t *j;

	tu_record_n(rec[0], k1, sizeof(k1) - 1, v1, sizeof(v1) - 1);
	tu_record_n(rec[1], "bad\xFF", 4, "x\xC0y", 3);
	tu_write_file(p.path, rec, sizeof(rec));
	cr_assert_eq(kvp_store_dump_json(p.store, out), 0);
	j = load_json(out);
	cr_assert_eq(json_object_size(j), 2);
	cr_assert_str_eq(json_string_value(json_object_get(j, k1)), v1);
	cr_assert_str_eq(
	    json_string_value(json_object_get(j, "bad\xEF\xBF\xBD")),
	    "x\xEF\xBF\xBDy");
	json_decref(j);
}

static const kvp_record test_recs[] = {
    {"a", 1, "1", 1},
    {"ctl\x01", 4, "nl\n", 3},
    {"a", 1, "2", 1},
    {"bad\xFF", 4, "\xED\xA0\x80", 3},
};

static kvp_record_list test_list(void)
{
	return (kvp_record_list){(kvp_record *)test_recs, 4, 0};
}

Test(record_list_json, array_form)
{
	kvp_record_list list = test_list();
	char *text = kvp_record_list_json(&list, 0);
	json_error_t err;
	json_t *j;

	cr_assert_not_null(text);
	cr_assert_str_eq(text, "[{\"key\":\"a\",\"value\":\"1\"},"
			       "{\"key\":\"ctl\\u0001\",\"value\":\"nl\\n\"},"
			       "{\"key\":\"a\",\"value\":\"2\"},"
			       "{\"key\":\"bad\xEF\xBF\xBD\",\"value\":"
			       "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"}]");
	j = json_loads(text, 0, &err);
	cr_assert_not_null(j, "%s", err.text);
	cr_assert_eq(json_array_size(j), 4);
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(j, 1), "key")),
	    "ctl\x01");
	json_decref(j);
	free(text);
}

Test(record_list_json, object_form_later_duplicate_wins)
{
	kvp_record_list list = test_list();
	char *text = kvp_record_list_json(&list, KVP_JSON_OBJECT);
	json_error_t err;
	json_t *j;

	cr_assert_not_null(text);
	j = json_loads(text, 0, &err);
	cr_assert_not_null(j, "%s: %s", text, err.text);
	cr_assert(json_is_object(j));
	cr_assert_eq(json_object_size(j), 3);
	cr_assert_str_eq(json_string_value(json_object_get(j, "a")), "2");
	cr_assert_str_eq(json_string_value(json_object_get(j, "ctl\x01")),
			 "nl\n");
	cr_assert_null(strchr(text, '\n'), "compact form has no newline");
	json_decref(j);
	free(text);
}

Test(record_list_json, pretty_and_empty)
{
	kvp_record_list list = test_list();
	kvp_record_list empty = {NULL, 0, 0};
	char *text =
	    kvp_record_list_json(&list, KVP_JSON_OBJECT | KVP_JSON_PRETTY);
	json_t *j;

	cr_assert_not_null(text);
	cr_assert_neq(strstr(text, "\n  \"a\": \"2\""), NULL, "%s", text);
	j = json_loads(text, 0, NULL);
	cr_assert_eq(json_object_size(j), 3);
	json_decref(j);
	free(text);
	text = kvp_record_list_json(&empty, 0);
	cr_assert_str_eq(text, "[]");
	free(text);
	text = kvp_record_list_json(&empty, KVP_JSON_OBJECT);
	cr_assert_str_eq(text, "{}");
	free(text);
}
