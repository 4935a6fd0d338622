/* test_read.c - kvp_store_read(): the last record of a key wins, reads
 * apply no mode limit and accept any bytes, full-width fields without a
 * terminator decode exactly, and a missing key or file is "not found"
 * (the file is never created by a read). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h" /* store_*_n */
#include "test_util.h"

static struct tu_pool p;

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
}

static void teardown(void)
{
	tu_pool_teardown(&p);
}

Test(read, missing_file_is_not_found_and_not_created, .init = setup,
     .fini = teardown)
{
	char *got = (char *)0x1;
	size_t len = 7;

	cr_assert_eq(kvp_store_read(p.store, "k", &got, &len), 0);
	cr_assert_null(got);
	cr_assert_eq(tu_file_size(p.path), -1);
}

Test(read, missing_key_is_not_found, .init = setup, .fini = teardown)
{
	char *got = (char *)0x1;

	tu_plant(p.path, (const char *const[]){"a", "1", "ab", "2", NULL});
	cr_assert_eq(kvp_store_read(p.store, "b", &got, NULL), 0);
	cr_assert_null(got);
	cr_assert_eq(kvp_store_read(p.store, "abc", &got, NULL), 0);
	/* Over-limit and over-field keys are simply absent, not errors. */
	char *long_key = tu_repeat('a', 600);
	cr_assert_eq(kvp_store_read(p.store, long_key, &got, NULL), 0);
	free(long_key);
}

Test(read, empty_file_is_not_found, .init = setup, .fini = teardown)
{
	char *got = NULL;

	tu_write_file(p.path, "", 0);
	cr_assert_eq(kvp_store_read(p.store, "k", &got, NULL), 0);
	cr_assert_eq(tu_file_size(p.path), 0);
}

Test(read, returns_last_record_and_length, .init = setup, .fini = teardown)
{
	char *got = NULL;
	size_t len = 0;

	tu_plant(p.path, (const char *const[]){"k", "one", "j", "x", "k",
					       "three", NULL});
	cr_assert_eq(kvp_store_read(p.store, "k", &got, &len), 1);
	cr_assert_str_eq(got, "three");
	cr_assert_eq(len, 5);
	free(got);
}

Test(read, safe_store_reads_keys_written_in_unsafe_mode, .init = setup,
     .fini = teardown)
{
	kvp_store *unsafe = tu_store(p.dir, KVP_MODE_UNSAFE);
	char *key = tu_repeat('K', 300);
	char *value = tu_repeat('V', 2000);
	char *got = NULL;
	size_t len = 0;

	cr_assert_eq(kvp_store_insert(unsafe, key, value), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(kvp_store_insert(p.store, key, "x"),
		     KVP_ERR_KEY_TOO_LARGE);
	cr_assert_eq(kvp_store_read(p.store, key, &got, &len), 1);
	cr_assert_eq(len, 2000);
	cr_assert_str_eq(got, value);
	free(got);
	kvp_store_free(unsafe);
	free(key);
	free(value);
}

Test(read, full_width_fields_without_terminator, .init = setup,
     .fini = teardown)
{
	unsigned char rec[2][KVP_RECORD_SIZE];
	char *key = tu_repeat('k', 512);
	char *value = tu_repeat('v', 2048);
	char *got = NULL;
	size_t len = 0;

	/* A 512-byte key beside a 511-byte one: neither may match the
	 * other, and the full value must not run into the next record. */
	tu_record_n(rec[0], key, 512, value, 2048);
	tu_record_n(rec[1], key, 511, "short", 5);
	tu_write_file(p.path, rec, sizeof(rec));

	cr_assert_eq(kvp_store_read(p.store, key, &got, &len), 1);
	cr_assert_eq(len, 2048);
	cr_assert_eq(strlen(got), 2048);
	cr_assert_eq(memcmp(got, value, 2048), 0);
	free(got);
	key[511] = '\0';
	cr_assert_eq(kvp_store_read(p.store, key, &got, &len), 1);
	cr_assert_str_eq(got, "short");
	free(got);
	key[510] = '\0';
	cr_assert_eq(kvp_store_read(p.store, key, &got, &len), 0);
	free(key);
	free(value);
}

Test(read, invalid_utf8_on_disk_returned_as_is, .init = setup, .fini = teardown)
{
	unsigned char rec[KVP_RECORD_SIZE];
	const char key[] = "bad\xFF\xC0";
	const char value[] = "\xED\xA0\x80\xFE-raw";
	char *got = NULL;
	size_t len = 0;

	tu_record_n(rec, key, sizeof(key) - 1, value, sizeof(value) - 1);
	tu_write_file(p.path, rec, sizeof(rec));
	cr_assert_eq(kvp_store_read(p.store, key, &got, &len), 1);
	cr_assert_eq(len, sizeof(value) - 1);
	cr_assert_eq(memcmp(got, value, len), 0);
	free(got);
}

Test(read, field_stops_at_first_nul, .init = setup, .fini = teardown)
{
	unsigned char rec[KVP_RECORD_SIZE];
	char *got = NULL;
	size_t len = 0;

	/* Junk after the terminators belongs to no key or value. */
	tu_record(rec, "key", "val");
	memcpy(rec + 10, "hidden", 6);
	memcpy(rec + KVP_KEY_FIELD_SIZE + 10, "hidden", 6);
	tu_write_file(p.path, rec, sizeof(rec));
	cr_assert_eq(kvp_store_read(p.store, "key", &got, &len), 1);
	cr_assert_eq(len, 3);
	cr_assert_str_eq(got, "val");
	free(got);
	cr_assert_eq(kvp_store_read(p.store, "hidden", &got, &len), 0);
}

Test(read, rejects_empty_key_and_nul, .init = setup, .fini = teardown)
{
	char *got = (char *)0x1;

	tu_plant(p.path, (const char *const[]){"a", "1", NULL});
	cr_assert_eq(kvp_store_read(p.store, "", &got, NULL),
		     KVP_ERR_EMPTY_KEY);
	cr_assert_null(got);
	cr_assert_eq(kvp_store_read(p.store, NULL, &got, NULL),
		     KVP_ERR_EMPTY_KEY);
	cr_assert_eq(store_read_n(p.store, "a\0b", 3, &got, NULL),
		     KVP_ERR_KEY_CONTAINS_NULL);
	cr_assert_eq(kvp_error_last()->code, KVP_ERR_KEY_CONTAINS_NULL);
	cr_assert_eq(store_read_n(p.store, "a", 0, &got, NULL),
		     KVP_ERR_EMPTY_KEY);
}

Test(read, null_value_pointer_rejected, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_read(p.store, "a", NULL, NULL),
		     KVP_ERR_INVALID_ARG);
}

Test(read, read_n_uses_explicit_length, .init = setup, .fini = teardown)
{
	char *got = NULL;

	tu_plant(p.path, (const char *const[]){"abc", "1", "ab", "2", NULL});
	cr_assert_eq(store_read_n(p.store, "abcdef", 2, &got, NULL), 1);
	cr_assert_str_eq(got, "2");
	free(got);
	cr_assert_eq(store_read_n(p.store, "abcdef", 3, &got, NULL), 1);
	cr_assert_str_eq(got, "1");
	free(got);
}

Test(read, key_is_case_and_byte_exact, .init = setup, .fini = teardown)
{
	char *got = NULL;

	tu_plant(p.path, (const char *const[]){"Key", "1", NULL});
	cr_assert_eq(kvp_store_read(p.store, "key", &got, NULL), 0);
	cr_assert_eq(kvp_store_read(p.store, "Key ", &got, NULL), 0);
	cr_assert_eq(kvp_store_read(p.store, "Key", &got, NULL), 1);
	free(got);
}
