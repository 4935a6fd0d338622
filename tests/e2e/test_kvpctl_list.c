/* test_kvpctl_list.c - kvpctl end to end: list and dump as tables and as
 * JSON (parsed back with jansson), and the escaping of bytes that must
 * never reach a terminal raw (invalid UTF-8, C0/C1 controls, bidi
 * controls, backslashes) in list, dump, get and in the JSON output. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvpctl_run.h"
#include "test_util.h"

TestSuite(kvpctl_list, .init = kr_setup, .fini = kr_teardown);

static json_t *parse_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "bad JSON (%s at line %d): %s", e.text, e.line,
			   text);
	return j;
}

static json_t *json_output(const char *const *args)
{
	char *out = kr_output(args);
	json_t *j = parse_json(out);

	free(out);
	return j;
}
#define JSON_OUT(...)                                                          \
	json_output((const char *const[]){"--dir", kr_dir, __VA_ARGS__, NULL})

static void assert_json_str(json_t *j, const char *expected)
{
	cr_assert(json_is_string(j));
	cr_assert_eq(json_string_length(j), strlen(expected));
	cr_assert_eq(memcmp(json_string_value(j), expected, strlen(expected)),
		     0, "got '%s', expected '%s'", json_string_value(j),
		     expected);
}

/* Neither raw ESC, nor a C1 CSI, nor an invalid byte may be printed. */
static void assert_terminal_safe(const char *out, size_t len)
{
	cr_assert_not(kr_has_byte(out, len, 0x1b), "raw ESC in: %s", out);
	cr_assert_not(kr_has_byte(out, len, 0xff), "raw 0xff in: %s", out);
	cr_assert_null(memmem(out, len, "\xc2\x9b", 2), "raw CSI in: %s", out);
	cr_assert_null(memmem(out, len, "\xe2\x80\xae", 3), "raw RLO in: %s",
		       out);
}

/* Records of every kind of unsafe byte. */
static void plant_hostile(void)
{
	kr_plant("esc\x1b[31m", "v\xff\\");
	kr_plant("c1", "\xc2\x9b"
		       "2J \xe2\x80\xae"
		       "RTL");
	kr_plant("ws", "tab\there\nnl");
}

Test(kvpctl_list, list_is_an_aligned_table_with_a_header)
{
	KR_OK("set", "a", "1");
	KR_OK("set", "longer-key", "two words");
	kr_assert_output(KR_OUT("list"), "KEY         VALUE\n"
					 "a           1\n"
					 "longer-key  two words\n");
}

Test(kvpctl_list, list_dedups_last_write_wins_dump_keeps_duplicates)
{
	kr_plant("a", "1");
	kr_plant("a", "2");
	kr_plant("bb", "3");
	kr_plant("a", "4");
	kr_assert_output(KR_OUT("list"), "KEY  VALUE\n"
					 "a    4\n"
					 "bb   3\n");
	kr_assert_output(KR_OUT("dump"), "INDEX  KEY  VALUE\n"
					 "    0  a    1\n"
					 "    1  a    2\n"
					 "    2  bb   3\n"
					 "    3  a    4\n");
}

Test(kvpctl_list, dump_index_column_is_right_aligned)
{
	char key[16];

	for (int i = 0; i < 11; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		kr_plant(key, "v");
	}
	char *out = KR_OUT("dump");
	cr_assert_not_null(strstr(out, "\n    9  k9   v\n   10  k10  v\n"),
			   "%s", out);
	free(out);
}

Test(kvpctl_list, list_json_is_an_object_last_write_wins)
{
	json_t *j;

	kr_plant("a", "1");
	kr_plant("b", "2");
	kr_plant("a", "3");
	j = JSON_OUT("list", "--json");
	cr_assert(json_is_object(j));
	cr_assert_eq(json_object_size(j), 2);
	assert_json_str(json_object_get(j, "a"), "3");
	assert_json_str(json_object_get(j, "b"), "2");
	json_decref(j);
}

Test(kvpctl_list, dump_json_is_an_array_in_file_order)
{
	static const char *const keys[] = {"a", "b", "a"};
	static const char *const values[] = {"1", "2", "3"};
	json_t *j;

	for (int i = 0; i < 3; i++)
		kr_plant(keys[i], values[i]);
	j = JSON_OUT("dump", "--json");
	cr_assert(json_is_array(j));
	cr_assert_eq(json_array_size(j), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *rec = json_array_get(j, i);
		cr_assert(json_is_object(rec));
		cr_assert_eq(json_object_size(rec), 2);
		assert_json_str(json_object_get(rec, "key"), keys[i]);
		assert_json_str(json_object_get(rec, "value"), values[i]);
	}
	json_decref(j);
}

Test(kvpctl_list, wide_characters_keep_the_table_aligned)
{
	kr_plant("日本", "x");
	kr_plant("a", "y");
	kr_assert_output(KR_OUT("list"), "KEY   VALUE\n"
					 "日本  x\n"
					 "a     y\n");
}

Test(kvpctl_list, list_table_escapes_unsafe_bytes)
{
	struct kr_result r;

	plant_hostile();
	KR_RUN(&r, "list");
	kr_assert_status(&r, 0);
	assert_terminal_safe(r.out, r.out_len);
	cr_assert_str_eq(r.out, "KEY          VALUE\n"
				"esc\\x1b[31m  v\\xff\\\\\n"
				"c1           \\xc2\\x9b2J \\xe2\\x80\\xaeRTL\n"
				"ws           tab\\x09here\\x0anl\n");
	kr_free(&r);
}

Test(kvpctl_list, dump_table_escapes_unsafe_bytes)
{
	struct kr_result r;

	plant_hostile();
	KR_RUN(&r, "dump");
	kr_assert_status(&r, 0);
	assert_terminal_safe(r.out, r.out_len);
	cr_assert_str_eq(r.out,
			 "INDEX  KEY          VALUE\n"
			 "    0  esc\\x1b[31m  v\\xff\\\\\n"
			 "    1  c1           \\xc2\\x9b2J \\xe2\\x80\\xaeRTL\n"
			 "    2  ws           tab\\x09here\\x0anl\n");
	kr_free(&r);
}

Test(kvpctl_list, get_escapes_unless_raw)
{
	struct kr_result r;

	plant_hostile();
	kr_assert_output(KR_OUT("get", "esc\x1b[31m"), "v\\xff\\\\\n");
	kr_assert_output(KR_OUT("get", "c1"),
			 "\\xc2\\x9b2J \\xe2\\x80\\xaeRTL\n");
	kr_assert_output(KR_OUT("get", "ws"), "tab\\x09here\\x0anl\n");

	KR_RUN(&r, "get", "--raw", "esc\x1b[31m");
	kr_assert_status(&r, 0);
	cr_assert_eq(r.out_len, 3);
	cr_assert_eq(memcmp(r.out, "v\xff\\", 3), 0);
	kr_free(&r);
}

Test(kvpctl_list, list_json_replaces_invalid_utf8_and_escapes_controls)
{
	struct kr_result r;
	json_t *j;

	plant_hostile();
	KR_RUN(&r, "list", "--json");
	kr_assert_status(&r, 0);
	assert_terminal_safe(r.out, r.out_len);
	j = parse_json(r.out);
	cr_assert_eq(json_object_size(j), 3);
	assert_json_str(json_object_get(j, "esc\x1b[31m"), "v\xef\xbf\xbd\\");
	assert_json_str(json_object_get(j, "c1"), "\xc2\x9b"
						  "2J \xe2\x80\xae"
						  "RTL");
	assert_json_str(json_object_get(j, "ws"), "tab\there\nnl");
	json_decref(j);
	kr_free(&r);
}

Test(kvpctl_list, dump_json_replaces_invalid_utf8_in_keys_and_values)
{
	struct kr_result r;
	json_t *j;

	kr_plant("bad\xfe"
		 "key",
		 "bad\xc3"
		 "value");
	kr_plant("esc\x1b", "\x7f");
	KR_RUN(&r, "dump", "--json");
	kr_assert_status(&r, 0);
	assert_terminal_safe(r.out, r.out_len);
	cr_assert_not(kr_has_byte(r.out, r.out_len, 0xfe));
	cr_assert_not(kr_has_byte(r.out, r.out_len, 0x7f));
	j = parse_json(r.out);
	cr_assert_eq(json_array_size(j), 2);
	assert_json_str(json_object_get(json_array_get(j, 0), "key"),
			"bad\xef\xbf\xbdkey");
	assert_json_str(json_object_get(json_array_get(j, 0), "value"),
			"bad\xef\xbf\xbdvalue");
	assert_json_str(json_object_get(json_array_get(j, 1), "key"),
			"esc\x1b");
	assert_json_str(json_object_get(json_array_get(j, 1), "value"), "\x7f");
	json_decref(j);
	kr_free(&r);
}

Test(kvpctl_list, valid_utf8_text_is_printed_as_is)
{
	KR_OK("set", "ключ", "значение ✓");
	kr_assert_output(KR_OUT("get", "ключ"), "значение ✓\n");
	kr_assert_output(KR_OUT("list"), "KEY   VALUE\n"
					 "ключ  значение ✓\n");
}

Test(kvpctl_list, full_size_fields_without_terminator_are_shown_whole)
{
	unsigned char rec[KVP_RECORD_SIZE];
	json_t *j;

	memset(rec, 'k', KVP_KEY_FIELD_SIZE);
	memset(rec + KVP_KEY_FIELD_SIZE, 'v', KVP_VALUE_FIELD_SIZE);
	tu_write_file(kr_pool, rec, sizeof(rec));
	j = JSON_OUT("dump", "--json");
	cr_assert_eq(
	    json_string_length(json_object_get(json_array_get(j, 0), "key")),
	    KVP_KEY_FIELD_SIZE);
	cr_assert_eq(
	    json_string_length(json_object_get(json_array_get(j, 0), "value")),
	    KVP_VALUE_FIELD_SIZE);
	json_decref(j);
}

Test(kvpctl_list, torn_tail_is_skipped_with_a_warning)
{
	struct kr_result r;

	kr_plant("a", "1");
	tu_append_file(kr_pool, "partial", 7);
	KR_RUN(&r, "list");
	kr_assert_status(&r, 0);
	cr_assert_str_eq(r.out, "KEY  VALUE\na    1\n");
	kr_assert_error(&r, "warning", kr_pool, "partial", "7 bytes");
	kr_free(&r);
}
