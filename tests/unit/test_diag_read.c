/* test_diag_read.c - the reader on DIAG records: the spec's examples
 * (azure-init's doc/diagnostics.md), grouping by the key minus the chunk
 * index (members anywhere, in any order), the group errors with
 * azure-init's tokens (duplicate_chunk, incomplete_group, undecodable,
 * malformed, unsupported_version), every field's accepted and refused
 * forms, the encodings (strict base64, zlib, gzip, cloud-init's label
 * never applying to native records), unrelated keys, order, torn tails. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_diag_util.h"

TestSuite(diag_read, .init = td_setup, .fini = td_teardown);

#define SPEC_PREFIX                                                            \
	"DIAG|azure-init/0.1.1|3f2504e0-4f89-41d3-9a0c-0305e82c3301|"
#define SPEC_START                                                             \
	SPEC_PREFIX                                                            \
	"start|provision:run|8f3e9c4a-1b2c-4d5e-9f01-234567890abc|"            \
	"2026-08-31T12:34:56.789Z|none|||0"
#define SPEC_FINISH                                                            \
	SPEC_PREFIX "finish|provision:run|8f3e9c4a-1b2c-4d5e-9f01-"            \
		    "234567890abc|2026-08-31T12:34:57.101Z|none|success|"      \
		    "0.312000|0"
#define SPEC_EVENT                                                             \
	SPEC_PREFIX "event|example|9f3e9c4a-1b2c-4d5e-9f01-234567890abc|"      \
		    "2026-08-31T12:34:57.102Z|zlib+b64|||0"
#define KUSTO_ZLIB   "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4="
#define PYTHON_HELLO "H4sIAAAAAAAC/8tIzcnJBwCGphA2BQAAAA=="
/* gzip with a file name in its header: "cloud-init fixture\n\0\xff". */
#define PYTHON_FILENAME                                                        \
	"H4sICAAAAAAC/2RtZXNnAEvOyS9N0c3MyyxRSMusKCktSuVi+A8AokCfWhUAAAA="

Test(diag_read, the_spec_examples)
{
	kvp_diag_list *l;
	const kvp_diag_entry *e;

	TD_APPEND(SPEC_START, "starting", SPEC_FINISH, "provisioning succeeded",
		  SPEC_EVENT, KUSTO_ZLIB);
	l = td_read();
	cr_assert_eq(kvp_diag_list_count(l), 3);
	e = kvp_diag_list_get(l, 0);
	td_assert_payload(e, "starting", 8);
	cr_assert_eq(e->schema, KVP_DIAG_SCHEMA_DIAG);
	cr_assert_eq(e->kind, KVP_DIAG_START);
	cr_assert_str_eq(e->agent, "azure-init/0.1.1");
	cr_assert_str_eq(e->vm_id, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
	cr_assert_str_eq(e->name, "provision:run");
	cr_assert_str_eq(e->event_id, "8f3e9c4a-1b2c-4d5e-9f01-234567890abc");
	cr_assert_str_eq(e->timestamp, "2026-08-31T12:34:56.789Z");
	cr_assert(e->has_time && e->time.tv_sec == TD_SEC &&
		  e->time.tv_nsec == 789000000);
	cr_assert_str_eq(e->encoding, "none");
	cr_assert_eq(e->result, KVP_DIAG_RESULT_NONE);
	cr_assert_null(e->result_text);
	cr_assert_not(e->has_duration);
	cr_assert(e->payload_is_text);
	cr_assert_eq(e->record_count, 1);
	cr_assert_eq(e->position, 0);
	cr_assert_str_eq(e->records[0].key, SPEC_START);
	e = kvp_diag_list_get(l, 1);
	td_assert_payload(e, "provisioning succeeded", 22);
	cr_assert_eq(e->kind, KVP_DIAG_FINISH);
	cr_assert_eq(e->result, KVP_DIAG_SUCCESS);
	cr_assert_str_eq(e->result_text, "success");
	cr_assert(e->has_duration && e->duration.sec == 0 &&
		  e->duration.nsec == 312000000);
	e = kvp_diag_list_get(l, 2);
	td_assert_payload(e, "Test string 123", 15);
	cr_assert_eq(e->kind, KVP_DIAG_EVENT);
	cr_assert_str_eq(e->encoding, "zlib+b64");
	cr_assert_str_eq(e->event_id, "9f3e9c4a-1b2c-4d5e-9f01-234567890abc");
	cr_assert_null(kvp_diag_list_get(l, 3));
}

Test(diag_read, chunks_anywhere_in_any_order_are_one_entry)
{
	char *k0 = td_key("event", "test", "none", "", "", "0");
	char *k1 = td_key("event", "test", "none", "", "", "1");
	char *k2 = td_key("event", "test", "none", "", "", "2");
	kvp_diag_list *l;
	const kvp_diag_entry *e;

	TD_APPEND("unrelated", "x", k2, "ccc", SPEC_START, "starting", k0,
		  "aaa", "other", "y", k1, "bbb");
	l = td_read();
	cr_assert_eq(kvp_diag_list_count(l), 2);
	/* At its first record's position, before the spec's start. */
	e = kvp_diag_list_get(l, 0);
	td_assert_payload(e, "aaabbbccc", 9);
	cr_assert_eq(e->position, 1);
	cr_assert_eq(e->record_count, 3);
	cr_assert_str_eq(e->records[0].key, k0);
	cr_assert_str_eq(e->records[2].key, k2);
	cr_assert_eq(kvp_diag_list_get(l, 1)->position, 2);
	free(k0);
	free(k1);
	free(k2);
}

Test(diag_read, a_start_and_its_finish_are_separate_groups)
{
	TD_APPEND(SPEC_START, "a", SPEC_FINISH, "b");
	cr_assert_eq(kvp_diag_list_count(td_read()), 2);
}

/* The entry of the records {index, value, ...}: one group. */
static const kvp_diag_entry *group(const char *const *iv)
{
	for (size_t i = 0; iv[i]; i += 2) {
		char *k = td_key("event", "g", "none", "", "", iv[i]);
		TD_APPEND(k, iv[i + 1]);
		free(k);
	}
	return td_only();
}
#define GROUP(...) group((const char *const[]){__VA_ARGS__, NULL})

Test(diag_read, duplicate_and_missing_chunks)
{
	const kvp_diag_entry *e = GROUP("0", "a", "1", "b", "0", "c");

	td_assert_error(e, KVP_DIAG_ERR_DUPLICATE_CHUNK);
	cr_assert_eq(e->record_count, 3);
	/* A failed group keeps its records in file order. */
	cr_assert_str_eq(e->records[2].value, "c");
	cr_assert_str_eq(e->name, "g");
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	/* A duplicate is reported before a gap. */
	td_assert_error(GROUP("0", "a", "0", "b", "2", "c"),
			KVP_DIAG_ERR_DUPLICATE_CHUNK);
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	e = GROUP("1", "b", "2", "c");
	td_assert_error(e, KVP_DIAG_ERR_INCOMPLETE_GROUP);
	cr_assert_str_eq(e->detail, "no chunk 0");
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	td_assert_error(GROUP("0", "a", "2", "c"),
			KVP_DIAG_ERR_INCOMPLETE_GROUP);
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	/* Leading zeros are the same index. */
	td_assert_error(GROUP("0", "a", "00", "b"),
			KVP_DIAG_ERR_DUPLICATE_CHUNK);
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	td_assert_payload(GROUP("01", "b", "0", "a"), "ab", 2);
}

/* One record with key field `field` set to `value`: its entry. */
static const kvp_diag_entry *with_field(int field, const char *value,
					const char *payload)
{
	char *k = td_key_with(field, value);

	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND(k, payload);
	free(k);
	return td_only();
}

Test(diag_read, malformed_keys)
{
	static const struct {
		int field;
		const char *value;
	} bad[] = {
	    {1, ""},
	    {2, "vm-abc"},
	    {2, ""},
	    {3, "begin"},
	    {3, ""},
	    {4, ""},
	    {5, "8f3e9c4a-1b2c-4d5e-9f01-234567890ab"},
	    {5, "8f3e9c4a_1b2c_4d5e_9f01_234567890abc"},
	    {6, "2026-08-31T12:34:56.78Z"},
	    {6, "2026-08-31T12:34:56.7891Z"},
	    {6, "2026-08-31T12:34:56.789+00:00"},
	    {6, "2026-08-31t12:34:56.789z"},
	    {6, "2026-08-31 12:34:56.789Z"},
	    {6, "2026-02-29T00:00:00Z"},
	    {6, "2026-08-31T24:00:00Z"},
	    {6, "2026-08-31T12:60:00Z"},
	    {6, "2026-08-31T12:34:60Z"},
	    {6, "2026-08-31T12:34:56.Z"},
	    {6, "2026-8-31T12:34:56Z"},
	    {6, ""},
	    {7, ""},
	    {8, "ok"},
	    {8, "SUCCESS"},
	    {9, "-1"},
	    {9, "+1"},
	    {9, "1e3"},
	    {9, "1."},
	    {9, ".5"},
	    {9, "0.1234567890"},
	    {9, "18446744073709551616"},
	    {10, "x"},
	    {10, "-1"},
	    {10, ""},
	    {10, "18446744073709551616"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const kvp_diag_entry *e =
		    with_field(bad[i].field, bad[i].value, "v");
		cr_assert_eq(e->error, KVP_DIAG_ERR_MALFORMED,
			     "field %d = '%s': %s", bad[i].field, bad[i].value,
			     kvp_diag_error_token(e->error));
		cr_assert_eq(e->schema, KVP_DIAG_SCHEMA_DIAG);
		cr_assert_str_eq(e->records[0].value, "v");
	}
}

Test(diag_read, kind_result_and_duration_go_together)
{
	static const struct {
		const char *kind, *result, *duration;
		bool ok;
	} cases[] = {
	    {"start", "", "", true},
	    {"start", "success", "", false},
	    {"start", "", "1", false},
	    {"finish", "success", "0.5", true},
	    {"finish", "fail", "0", true},
	    {"finish", "", "1", false},
	    {"finish", "success", "", false},
	    {"event", "", "", true},
	    {"event", "fail", "", true},
	    {"event", "", "2.000000001", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *k = td_key(cases[i].kind, "k", "none", cases[i].result,
				 cases[i].duration, "0");
		const kvp_diag_entry *e;
		cr_assert_eq(kvp_store_clear(td_pool.store), 0);
		TD_APPEND(k, "v");
		e = td_only();
		cr_assert_eq(e->error,
			     cases[i].ok ? KVP_DIAG_OK : KVP_DIAG_ERR_MALFORMED,
			     "%s", k);
		free(k);
	}
	cr_assert(td_only()->duration.sec == 2 &&
		  td_only()->duration.nsec == 1);
}

Test(diag_read, accepted_forms_keep_their_spelling)
{
	static const struct {
		int field;
		const char *value;
	} good[] = {
	    {6, "2026-08-31T12:34:56Z"},
	    {6, "2026-08-31T12:34:56.789123Z"},
	    {6, "2026-08-31T12:34:56.789123456Z"},
	    {6, "2028-02-29T23:59:59Z"},
	    {2, "3F2504E0-4F89-41D3-9A0C-0305E82C3301"},
	    {2, "3f2504e04f8941d39a0c0305e82c3301"},
	    {5, "{8f3e9c4a-1b2c-4d5e-9f01-234567890abc}"},
	    {5, "urn:uuid:8f3e9c4a-1b2c-4d5e-9f01-234567890abc"},
	    {9, "0"},
	    {9, "18446744073709551615.999999999"},
	    {1, "an agent of any length, with spaces, é and /"},
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		const kvp_diag_entry *e =
		    with_field(good[i].field, good[i].value, "v");
		cr_assert_eq(e->error, KVP_DIAG_OK, "field %d = '%s': %s",
			     good[i].field, good[i].value, e->detail);
		if (good[i].field == 2)
			cr_assert_str_eq(e->vm_id, good[i].value);
		if (good[i].field == 5)
			cr_assert_str_eq(e->event_id, good[i].value);
		if (good[i].field == 6)
			cr_assert_str_eq(e->timestamp, good[i].value);
	}
	cr_assert_eq(
	    with_field(6, "2026-08-31T12:34:56.789123456Z", "v")->time.tv_nsec,
	    789123456);
}

Test(diag_read, field_counts)
{
	TD_APPEND("DIAG|a|b", "v");
	td_assert_error(td_only(), KVP_DIAG_ERR_MALFORMED);
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND("DIAG", "v");
	td_assert_error(td_only(), KVP_DIAG_ERR_MALFORMED);
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND(SPEC_START "|0", "v");
	td_assert_error(td_only(), KVP_DIAG_ERR_MALFORMED);
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND(SPEC_START "|0|0|0|0|0|0|0|0|0|0|0", "v");
	td_assert_error(td_only(), KVP_DIAG_ERR_MALFORMED);
}

Test(diag_read, unsupported_versions)
{
	kvp_diag_list *l;

	TD_APPEND("DIAG_V2|x|y|z|0", "a", "DIAG_V1|" TD_AGENT "|0", "b",
		  "DIAG_V", "c");
	l = td_read();
	cr_assert_eq(kvp_diag_list_count(l), 3);
	for (size_t i = 0; i < 3; i++) {
		td_assert_error(kvp_diag_list_get(l, i),
				KVP_DIAG_ERR_UNSUPPORTED_VERSION);
		cr_assert_eq(kvp_diag_list_get(l, i)->position, i);
	}
}

Test(diag_read, unrelated_keys_are_not_diagnostics)
{
	TD_APPEND("azure-init-0.1.1|" TD_VM "|INFO|provision|" TD_EV, "old",
		  "DIAGX|a", "b", "diag|a", "c", "PROVISIONING_REPORT|x", "d",
		  "PROVISIONING_REPORTS", "e", "CLOUD_INITX|1", "f", "plain",
		  "g", "pam_kvp|auth|sshd|20240102T030405.000Z|00000001", "h");
	cr_assert_eq(kvp_diag_list_count(td_read()), 0);
}

/* The entry of one record with this encoding and value. */
static const kvp_diag_entry *encoded(const char *enc, const char *value)
{
	char *k = td_key("event", "e", enc, "", "", "0");

	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND(k, value);
	free(k);
	return td_only();
}

Test(diag_read, encodings_decode)
{
	const kvp_diag_entry *e;

	td_assert_payload(encoded("zlib+b64", "eJzLSM3JyQcABiwCFQ=="), "hello",
			  5);
	td_assert_payload(encoded("gz+b64", PYTHON_HELLO), "hello", 5);
	td_assert_payload(encoded("gz+b64", "H4sIAAAAAAAC/wMAAAAAAAAAAAA="), "",
			  0);
	e = encoded("gz+b64", PYTHON_FILENAME);
	td_assert_payload(e, "cloud-init fixture\n\0\xff", 21);
	cr_assert_not(e->payload_is_text);
	/* Unicode text without an encoding. */
	td_assert_payload(encoded("none", "h\xc3\xa9llo | = \xf0\x9f\x98\x80"),
			  "h\xc3\xa9llo | = \xf0\x9f\x98\x80", 15);
}

Test(diag_read, undecodable_payloads)
{
	static const char *const bad[][2] = {
	    {"zlib+b64", "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4"},	/* padding */
	    {"zlib+b64", "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4=\n"}, /* newline */
	    {"zlib+b64", "eJwLSS0uUSgu KcrMS1cwNDIGACxqBQ4="},	/* space */
	    {"zlib+b64", "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ5="},	/* bits */
	    {"zlib+b64", "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ=="},	/* short */
	    {"zlib+b64", "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4A"},	/* trailing */
	    {"zlib+b64", "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ8="},	/* checksum */
	    {"zlib+b64", PYTHON_HELLO},				/* gzip */
	    {"zlib+b64", "!!!!"},
	    {"zlib+b64", "===="},
	    {"zlib+b64", "AA=A"},
	    {"zlib+b64", ""},
	    {"gz+b64", KUSTO_ZLIB}, /* native gz+b64 is never zlib */
	    {"gz+b64", "H4sIAAAAAAAC/8tIzcnJBwCGphA2BQAAAA=\n"},
	    {"gz+b64", "H4sIAAAAAAAC/8tIzcnJBwCGphA2BAAAAA=="}, /* size */
	    /* two members */
	    {"gz+b64", "H4sIAAAAAAAC/8tIzcnJBwCGphA2BQAAAB+LCAAAAAAAAv/LSM3JyQc"
		       "AhqYQNgUAAAA="},
	    {"zstd+b64", PYTHON_HELLO},
	    {"b64", "aGVsbG8="},
	    {"NONE", "text"},
	    {"none", "bad \xff utf-8"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const kvp_diag_entry *e = encoded(bad[i][0], bad[i][1]);
		cr_assert_eq(e->error, KVP_DIAG_ERR_UNDECODABLE, "%s '%s': %s",
			     bad[i][0], bad[i][1],
			     kvp_diag_error_token(e->error));
		cr_assert_str_eq(e->encoding, bad[i][0]);
	}
}

Test(diag_read, every_truncated_gzip_and_zlib_is_undecodable)
{
	static const unsigned char gz[] = {
	    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	    0xff, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86,
	    0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00};
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t end = 0; end < sizeof(gz); end++) {
		char v[64] = "";
		size_t o = 0;
		/* Standard padded base64 of gz[0..end). */
		for (size_t i = 0; i < end; i += 3) {
			unsigned int n = (unsigned int)gz[i] << 16;
			n |= i + 1 < end ? (unsigned int)gz[i + 1] << 8 : 0;
			n |= i + 2 < end ? gz[i + 2] : 0;
			v[o++] = b64[n >> 18];
			v[o++] = b64[(n >> 12) & 63];
			v[o++] = i + 1 < end ? b64[(n >> 6) & 63] : '=';
			v[o++] = i + 2 < end ? b64[n & 63] : '=';
		}
		cr_assert_eq(encoded("gz+b64", v)->error,
			     KVP_DIAG_ERR_UNDECODABLE, "%zu bytes: %s", end, v);
	}
}

Test(diag_read, missing_pool_and_torn_tail)
{
	kvp_diag_list *l = td_read();

	cr_assert_eq(kvp_diag_list_count(l), 0);
	cr_assert_eq(tu_file_size(td_pool.path), -1);
	TD_APPEND(SPEC_START, "starting");
	tu_append_file(td_pool.path, "torn", 4);
	l = td_read();
	cr_assert_eq(kvp_diag_list_count(l), 1);
	cr_assert_eq(kvp_diag_list_torn_bytes(l), 4);
	cr_assert_eq(kvp_diag_read(NULL, NULL, &l), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_diag_list_count(NULL), 0);
	cr_assert_null(kvp_diag_list_get(NULL, 0));
	kvp_diag_list_free(NULL);
}
