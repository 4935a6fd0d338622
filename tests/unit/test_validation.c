/* test_validation.c - the write-side checks of insert and append: key and
 * value size limits at their boundaries in both modes, empty keys, NUL
 * bytes, strict UTF-8, and the error detail a rejected write leaves. A
 * rejected write must leave the pool file exactly as it was. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h" /* store_*_n */
#include "test_util.h"

enum op { OP_INSERT, OP_APPEND };
enum field { F_KEY, F_VALUE };

static struct tu_pool safe_pool, unsafe_pool;

static void setup(void)
{
	tu_pool_setup(&safe_pool, KVP_MODE_SAFE);
	tu_pool_setup(&unsafe_pool, KVP_MODE_UNSAFE);
}

static void teardown(void)
{
	tu_pool_teardown(&safe_pool);
	tu_pool_teardown(&unsafe_pool);
}

static struct tu_pool *pool_of(kvp_mode mode)
{
	return mode == KVP_MODE_SAFE ? &safe_pool : &unsafe_pool;
}

static int do_write(const kvp_store *s, int op, const char *k, size_t kl,
		    const char *v, size_t vl)
{
	const kvp_pair pair = {k, kl, v, vl};

	return op == OP_INSERT ? store_insert_n(s, k, kl, v, vl)
			       : kvp_store_append_multiple(s, &pair, 1);
}

/* An existing pool whose bytes a rejected write must not change. */
static const char *const before[] = {"existing", "record", NULL};

static void expect_rejected(struct tu_pool *p, int r, int code)
{
	cr_assert_eq(r, code, "got %d (%s), expected %s", r, kvp_error_name(r),
		     kvp_error_name(code));
	cr_assert_eq(kvp_error_last()->code, code);
	cr_assert_str_eq(kvp_error_last()->path, p->path);
	cr_assert_neq(strstr(kvp_error_last()->message, p->path), NULL, "%s",
		      kvp_error_last()->message);
	tu_assert_records(p->path, before);
}

/* --- size boundaries ---------------------------------------------------- */

struct size_case {
	int mode;
	int op;
	int field;
	size_t len;
	int expect;
};

ParameterizedTestParameters(validation, size_boundary)
{
	static struct size_case cases[4 * 2 * 3];
	static const struct {
		int mode, field;
		size_t limit;
	} limits[] = {
	    {KVP_MODE_SAFE, F_KEY, 254},
	    {KVP_MODE_SAFE, F_VALUE, 1022},
	    {KVP_MODE_UNSAFE, F_KEY, 512},
	    {KVP_MODE_UNSAFE, F_VALUE, 2048},
	};
	size_t n = 0;

	for (size_t l = 0; l < 4; l++)
		for (int op = OP_INSERT; op <= OP_APPEND; op++)
			for (size_t d = 0; d < 3; d++) {
				size_t len = limits[l].limit - 1 + d;
				int too_large = limits[l].field == F_KEY
						    ? KVP_ERR_KEY_TOO_LARGE
						    : KVP_ERR_VALUE_TOO_LARGE;
				cases[n++] = (struct size_case){
				    limits[l].mode, op, limits[l].field, len,
				    d == 2 ? too_large : 0};
			}
	return cr_make_param_array(struct size_case, cases, n);
}

ParameterizedTest(struct size_case *c, validation, size_boundary, .init = setup,
		  .fini = teardown)
{
	struct tu_pool *p = pool_of(c->mode);
	char *big = tu_repeat(c->field == F_KEY ? 'k' : 'v', c->len);
	const char *key = c->field == F_KEY ? big : "key";
	const char *value = c->field == F_VALUE ? big : "value";
	size_t limit = c->field == F_KEY ? kvp_store_max_key_size(p->store)
					 : kvp_store_max_value_size(p->store);
	char *got = NULL;
	size_t got_len = 0;
	int r;

	tu_plant(p->path, before);
	r = do_write(p->store, c->op, key, strlen(key), value, strlen(value));
	if (c->expect) {
		char num[32];
		expect_rejected(p, r, c->expect);
		cr_assert_eq(kvp_error_last()->max, limit);
		cr_assert_eq(kvp_error_last()->actual, c->len);
		snprintf(num, sizeof(num), "%zu", limit);
		cr_assert_neq(strstr(kvp_error_last()->message, num), NULL,
			      "%s", kvp_error_last()->message);
		snprintf(num, sizeof(num), "%zu", c->len);
		cr_assert_neq(strstr(kvp_error_last()->message, num), NULL,
			      "%s", kvp_error_last()->message);
	} else {
		unsigned char rec[KVP_RECORD_SIZE];
		size_t len;
		unsigned char *file;

		cr_assert_eq(r, 0, "%s", kvp_error_last()->message);
		cr_assert_eq(kvp_store_read(p->store, key, &got, &got_len), 1);
		cr_assert_eq(got_len, strlen(value));
		cr_assert_str_eq(got, value);
		/* The record is the second one, written byte for byte. */
		file = tu_read_file(p->path, &len);
		cr_assert_eq(len, 2 * KVP_RECORD_SIZE);
		tu_record_n(rec, key, strlen(key), value, strlen(value));
		cr_assert_eq(memcmp(file + KVP_RECORD_SIZE, rec, sizeof(rec)),
			     0);
		free(file);
	}
	free(got);
	free(big);
}

Test(validation, key_checked_before_value, .init = setup, .fini = teardown)
{
	char *key = tu_repeat('k', 255);
	char *value = tu_repeat('v', 1023);

	tu_plant(safe_pool.path, before);
	expect_rejected(&safe_pool,
			kvp_store_insert(safe_pool.store, key, value),
			KVP_ERR_KEY_TOO_LARGE);
	expect_rejected(&safe_pool,
			kvp_store_insert(safe_pool.store, "", value),
			KVP_ERR_EMPTY_KEY);
	free(key);
	free(value);
}

Test(validation, size_counts_bytes_not_characters, .init = setup,
     .fini = teardown)
{
	char key[256 * 3 + 1] = "";
	char *got = NULL;

	/* 127 two-byte characters: exactly 254 bytes. */
	for (int i = 0; i < 127; i++)
		strcat(key, "\xC3\xA9");
	cr_assert_eq(kvp_store_insert(safe_pool.store, key, "v"), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(kvp_store_read(safe_pool.store, key, &got, NULL), 1);
	free(got);
	/* 85 three-byte characters: 255 bytes, one too many. */
	key[0] = '\0';
	for (int i = 0; i < 85; i++)
		strcat(key, "\xE2\x82\xAC");
	tu_plant(safe_pool.path, before);
	expect_rejected(&safe_pool, kvp_store_append(safe_pool.store, key, "v"),
			KVP_ERR_KEY_TOO_LARGE);
	cr_assert_eq(kvp_error_last()->actual, 255);
}

/* --- empty key, NUL bytes ----------------------------------------------- */

struct shape_case {
	int op;
	char key[8];
	size_t key_len;
	char value[8];
	size_t value_len;
	int expect;
};

ParameterizedTestParameters(validation, shape)
{
	static struct shape_case cases[] = {
	    {OP_INSERT, "", 0, "v", 1, KVP_ERR_EMPTY_KEY},
	    {OP_APPEND, "", 0, "v", 1, KVP_ERR_EMPTY_KEY},
	    {OP_INSERT, "a\0b", 3, "v", 1, KVP_ERR_KEY_CONTAINS_NULL},
	    {OP_APPEND, "a\0b", 3, "v", 1, KVP_ERR_KEY_CONTAINS_NULL},
	    {OP_INSERT, "\0", 1, "v", 1, KVP_ERR_KEY_CONTAINS_NULL},
	    {OP_APPEND, "ab\0", 3, "v", 1, KVP_ERR_KEY_CONTAINS_NULL},
	    {OP_INSERT, "k", 1, "v\0w", 3, KVP_ERR_VALUE_CONTAINS_NULL},
	    {OP_APPEND, "k", 1, "v\0w", 3, KVP_ERR_VALUE_CONTAINS_NULL},
	    {OP_INSERT, "k", 1, "\0", 1, KVP_ERR_VALUE_CONTAINS_NULL},
	    {OP_APPEND, "k", 1, "vw\0", 3, KVP_ERR_VALUE_CONTAINS_NULL},
	};
	return cr_make_param_array(struct shape_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct shape_case *c, validation, shape, .init = setup,
		  .fini = teardown)
{
	for (int mode = KVP_MODE_SAFE; mode <= KVP_MODE_UNSAFE; mode++) {
		struct tu_pool *p = pool_of(mode);
		tu_plant(p->path, before);
		expect_rejected(p,
				do_write(p->store, c->op, c->key, c->key_len,
					 c->value, c->value_len),
				c->expect);
	}
}

Test(validation, null_key_is_empty, .init = setup, .fini = teardown)
{
	tu_plant(safe_pool.path, before);
	expect_rejected(&safe_pool,
			kvp_store_insert(safe_pool.store, NULL, "v"),
			KVP_ERR_EMPTY_KEY);
	expect_rejected(&safe_pool,
			kvp_store_append(safe_pool.store, NULL, "v"),
			KVP_ERR_EMPTY_KEY);
}

Test(validation, rejected_write_creates_no_file, .init = setup,
     .fini = teardown)
{
	char *big = tu_repeat('v', 1023);

	cr_assert_eq(kvp_store_insert(safe_pool.store, "", "v"),
		     KVP_ERR_EMPTY_KEY);
	cr_assert_eq(kvp_store_append(safe_pool.store, "k", big),
		     KVP_ERR_VALUE_TOO_LARGE);
	cr_assert_eq(store_insert_n(safe_pool.store, "k", 1, "\xFF", 1),
		     KVP_ERR_INVALID_UTF8);
	cr_assert_eq(tu_file_size(safe_pool.path), -1);
	free(big);
}

Test(validation, empty_value_is_allowed, .init = setup, .fini = teardown)
{
	char *got = NULL;
	size_t len = 99;

	cr_assert_eq(kvp_store_insert(safe_pool.store, "k", ""), 0);
	cr_assert_eq(kvp_store_append(safe_pool.store, "j", ""), 0);
	cr_assert_eq(kvp_store_read(safe_pool.store, "k", &got, &len), 1);
	cr_assert_eq(len, 0);
	cr_assert_str_eq(got, "");
	free(got);
	tu_assert_records(safe_pool.path,
			  (const char *const[]){"k", "", "j", "", NULL});
}

/* --- UTF-8 -------------------------------------------------------------- */

struct utf8_case {
	char name[24];
	char bytes[8];
	size_t len;
	int op;
	int field;
};

ParameterizedTestParameters(validation, invalid_utf8)
{
	static const struct {
		const char *name, *bytes;
	} bad[] = {
	    {"overlong_2", "\xC0\xAF"},
	    {"overlong_3", "\xE0\x80\xAF"},
	    {"overlong_4", "\xF0\x80\x80\xAF"},
	    {"surrogate_high", "\xED\xA0\x80"},
	    {"surrogate_low", "\xED\xBF\xBF"},
	    {"truncated_mid", "a\xE2\x82z"},
	    {"truncated_end", "ab\xE2\x82"},
	    {"byte_ff", "\xFF"},
	    {"byte_fe", "x\xFE"},
	    {"lone_continuation", "\x80"},
	    {"above_10ffff", "\xF4\x90\x80\x80"},
	};
	static struct utf8_case cases[11 * 4];
	size_t n = 0;

	for (size_t b = 0; b < 11; b++)
		for (int op = OP_INSERT; op <= OP_APPEND; op++)
			for (int f = F_KEY; f <= F_VALUE; f++) {
				struct utf8_case *c = &cases[n++];
				snprintf(c->name, sizeof(c->name), "%s",
					 bad[b].name);
				c->len = strlen(bad[b].bytes);
				memcpy(c->bytes, bad[b].bytes, c->len);
				c->op = op;
				c->field = f;
			}
	return cr_make_param_array(struct utf8_case, cases, n);
}

ParameterizedTest(struct utf8_case *c, validation, invalid_utf8, .init = setup,
		  .fini = teardown)
{
	const char *key = c->field == F_KEY ? c->bytes : "key";
	size_t key_len = c->field == F_KEY ? c->len : 3;
	const char *value = c->field == F_VALUE ? c->bytes : "value";
	size_t value_len = c->field == F_VALUE ? c->len : 5;

	for (int mode = KVP_MODE_SAFE; mode <= KVP_MODE_UNSAFE; mode++) {
		struct tu_pool *p = pool_of(mode);
		tu_plant(p->path, before);
		cr_log_info("case %s", c->name);
		expect_rejected(
		    p,
		    do_write(p->store, c->op, key, key_len, value, value_len),
		    KVP_ERR_INVALID_UTF8);
		cr_assert_neq(strstr(kvp_error_last()->message,
				     c->field == F_KEY ? "key" : "value"),
			      NULL, "%s", kvp_error_last()->message);
	}
}

struct valid_case {
	char text[32];
	int op;
};

ParameterizedTestParameters(validation, valid_multibyte)
{
	static struct valid_case cases[] = {
	    {"caf\xC3\xA9", OP_INSERT},
	    {"caf\xC3\xA9", OP_APPEND},
	    {"\xE2\x82\xAC"
	     "100",
	     OP_INSERT},
	    {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", OP_APPEND},
	    {"smile \xF0\x9F\x98\x80", OP_INSERT},
	    {"\xF4\x8F\xBF\xBF max", OP_APPEND},
	    {"\xEF\xBF\xBD replacement", OP_INSERT},
	    {"\xED\x9F\xBF below surrogates", OP_APPEND},
	};
	return cr_make_param_array(struct valid_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct valid_case *c, validation, valid_multibyte,
		  .init = setup, .fini = teardown)
{
	char *got = NULL;
	size_t len;

	/* The same text as key and as value. */
	cr_assert_eq(do_write(safe_pool.store, c->op, c->text, strlen(c->text),
			      c->text, strlen(c->text)),
		     0, "%s", kvp_error_last()->message);
	cr_assert_eq(kvp_store_read(safe_pool.store, c->text, &got, &len), 1);
	cr_assert_eq(len, strlen(c->text));
	cr_assert_str_eq(got, c->text);
	free(got);
	tu_assert_records(safe_pool.path,
			  (const char *const[]){c->text, c->text, NULL});
}
