/* test_diag_write.c - the DIAG producer (kvp_diag_write): the key's eleven
 * fields and their forms, every field's check (nothing written when one
 * fails), the limits (agent 32 and name 48 bytes, chunks of 1022 bytes cut
 * on UTF-8 boundaries, 1023 chunks accepted and 1024 refused, the longest
 * key), encode-then-split round trips of every encoding, and that only
 * DIAG keys are ever written. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_diag_util.h"

TestSuite(diag_write, .init = td_setup, .fini = td_teardown);

static char *key_of(const char *kind, const kvp_diag_written *w,
		    const char *tail)
{
	char *s = NULL;

	cr_assert_geq(
	    asprintf(&s, "DIAG|" TD_AGENT "|" TD_VM "|%s|test|%s|" TD_TS "|%s",
		     kind, w->event_id, tail),
	    0);
	return s;
}

Test(diag_write, event_key_has_the_eleven_fields)
{
	kvp_diag_record rec = td_record();
	kvp_diag_written w;
	kvp_record_list l;
	char *want;

	rec.payload = "hi";
	rec.payload_len = 2;
	w = td_write(&rec);
	cr_assert_eq(w.chunks, 1);
	cr_assert_str_eq(w.vm_id, TD_VM);
	cr_assert(w.vm_id_available);
	/* A new random (version 4) event id. */
	cr_assert_eq(strlen(w.event_id), 36);
	cr_assert_eq(w.event_id[14], '4', "%s", w.event_id);
	l = td_dump();
	cr_assert_eq(l.count, 1);
	want = key_of("event", &w, "none|||0");
	cr_assert_str_eq(l.records[0].key, want);
	cr_assert_str_eq(l.records[0].value, "hi");
	free(want);
	kvp_record_list_free(&l);
}

Test(diag_write, finish_and_start_fields)
{
	kvp_diag_record rec = td_record();
	kvp_diag_written w;
	kvp_record_list l;
	char *want;

	rec.kind = KVP_DIAG_START;
	rec.event_id = "8F3E9C4A-1B2C-4D5E-9F01-234567890ABC"; /* kept */
	w = td_write(&rec);
	cr_assert_str_eq(w.event_id, rec.event_id);
	rec.kind = KVP_DIAG_FINISH;
	rec.result = KVP_DIAG_SUCCESS;
	rec.has_duration = true;
	rec.duration = (kvp_diag_duration){0, 312000000};
	td_write(&rec);
	rec.result = KVP_DIAG_FAIL;
	/* Lower digits than microseconds are dropped. */
	rec.duration = (kvp_diag_duration){42, 123456789};
	td_write(&rec);
	rec.kind = KVP_DIAG_EVENT;
	rec.duration = (kvp_diag_duration){ULLONG_MAX, 999999999};
	td_write(&rec);
	l = td_dump();
	cr_assert_eq(l.count, 4);
	want = key_of("start", &w, "none|||0");
	cr_assert_str_eq(l.records[0].key, want);
	free(want);
	want = key_of("finish", &w, "none|success|0.312000|0");
	cr_assert_str_eq(l.records[1].key, want);
	free(want);
	want = key_of("finish", &w, "none|fail|42.123456|0");
	cr_assert_str_eq(l.records[2].key, want);
	free(want);
	want = key_of("event", &w, "none|fail|18446744073709551615.999999|0");
	cr_assert_str_eq(l.records[3].key, want);
	free(want);
	kvp_record_list_free(&l);
}

Test(diag_write, timestamp_is_utc_milliseconds_and_now_by_default)
{
	kvp_diag_record rec = td_record();
	struct timespec before, after;
	const kvp_diag_entry *e;
	kvp_record_list l;

	rec.time = (struct timespec){0, 0};
	clock_gettime(CLOCK_REALTIME, &before);
	td_write(&rec);
	clock_gettime(CLOCK_REALTIME, &after);
	e = td_only();
	cr_assert_eq(strlen(e->timestamp), 24, "%s", e->timestamp);
	cr_assert_eq(e->timestamp[23], 'Z');
	cr_assert_geq(e->time.tv_sec, before.tv_sec);
	cr_assert_leq(e->time.tv_sec, after.tv_sec);
	/* Whole seconds still get three digits. */
	rec.time = (struct timespec){(time_t)TD_SEC, 0};
	td_write(&rec);
	l = td_dump();
	cr_assert_not_null(
	    strstr(l.records[1].key, "|2026-08-31T12:34:56.000Z|"), "%s",
	    l.records[1].key);
	kvp_record_list_free(&l);
}

Test(diag_write, every_field_is_checked_before_the_pool_is_touched)
{
	static const char agent33[] = "abcdefghijklmnopqrstuvwxyz0123456";
	char name49[50];
	kvp_diag_record r;

	memset(name49, 'n', 49);
	name49[49] = '\0';
	TD_APPEND("existing", "record");
#define REFUSED(change, part)                                                  \
	do {                                                                   \
		r = td_record();                                               \
		change;                                                        \
		td_refused(&r, part);                                          \
	} while (0)
	REFUSED(r.agent = NULL, "agent is empty");
	REFUSED(r.agent = "", "agent is empty");
	REFUSED(r.agent = agent33, "agent is 33 bytes, more than 32");
	REFUSED(r.agent = "a|b", "agent holds '|'");
	REFUSED(r.agent = "a\x1b[2J", "agent holds a control character");
	REFUSED(r.agent = "a\xff", "agent is not valid UTF-8");
	REFUSED(r.name = NULL, "name is empty");
	REFUSED(r.name = name49, "name is 49 bytes, more than 48");
	REFUSED(r.name = "x|y", "name holds '|'");
	REFUSED(r.name = "x\ny", "name holds a control character");
	REFUSED(r.vm_id = "vm-abc", "vm_id is not a UUID");
	REFUSED(r.vm_id = "{" TD_VM "}", "vm_id is not a UUID");
	REFUSED(r.event_id = "3f2504e04f8941d39a0c0305e82c3301",
		"event_id is not a UUID");
	REFUSED(r.event_id = TD_EV "0", "event_id is not a UUID");
	REFUSED(r.kind = (kvp_diag_kind)7, "kind is not");
	REFUSED(r.result = (kvp_diag_result)9, "result is not");
	REFUSED((r.kind = KVP_DIAG_START, r.result = KVP_DIAG_SUCCESS),
		"start takes no result");
	REFUSED((r.kind = KVP_DIAG_START, r.has_duration = true),
		"start takes no result and no duration");
	REFUSED((r.kind = KVP_DIAG_FINISH, r.has_duration = true),
		"finish needs a result and a duration");
	REFUSED((r.kind = KVP_DIAG_FINISH, r.result = KVP_DIAG_FAIL),
		"finish needs a result and a duration");
	REFUSED((r.has_duration = true, r.duration.nsec = 1000000000u),
		"duration has 1000000000");
	REFUSED((r.payload = "a\0b", r.payload_len = 3), "holds a NUL byte");
	REFUSED((r.payload = "ok\xc3", r.payload_len = 3),
		"not valid UTF-8 (first bad byte at offset 2)");
	REFUSED((r.payload = NULL, r.payload_len = 1), "payload is NULL");
	REFUSED(r.encoding = (kvp_diag_encoding)5, "unknown encoding");
	REFUSED(r.time.tv_sec = -1, "outside the years 1970-9999");
	REFUSED(r.time.tv_sec = 253402300800LL, "outside the years 1970-9999");
#undef REFUSED
	cr_assert_eq(kvp_diag_write(NULL, &r, NULL), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_diag_write(td_pool.store, NULL, NULL),
		     KVP_ERR_INVALID_ARG);
}

Test(diag_write, field_limits_count_bytes)
{
	char agent[33] = "", name[49];
	kvp_diag_record rec = td_record();

	for (int i = 0; i < 16; i++)
		strcat(agent, "\xc3\xa9"); /* é: 16 characters, 32 bytes */
	memset(name, 'n', 48);
	name[48] = '\0';
	rec.agent = agent;
	rec.name = name;
	td_write(&rec);
	cr_assert_str_eq(td_only()->agent, agent);
	cr_assert_str_eq(td_only()->name, name);
}

/* n bytes of `unit` repeated (malloc'd). */
static char *fill(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *s = malloc(n + 1);

	cr_assert_not_null(s);
	for (size_t i = 0; i < n; i++)
		s[i] = unit[i % u];
	s[n] = '\0';
	return s;
}

/* Write a text payload; assert the chunk lengths and the round trip. */
static void chunks_are(const char *payload, const size_t *lens, size_t n)
{
	kvp_diag_record rec = td_record();
	kvp_record_list l;

	rec.payload = payload;
	rec.payload_len = strlen(payload);
	cr_assert_eq(td_write(&rec).chunks, n);
	l = td_dump();
	cr_assert_eq(l.count, n);
	for (size_t i = 0; i < n; i++) {
		char tail[24];
		snprintf(tail, sizeof(tail), "|%zu", i);
		cr_assert_eq(l.records[i].value_len, lens[i], "chunk %zu: %zu",
			     i, l.records[i].value_len);
		cr_assert_str_eq(l.records[i].key + l.records[i].key_len -
				     strlen(tail),
				 tail);
	}
	td_assert_payload(td_only(), payload, strlen(payload));
	kvp_record_list_free(&l);
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
}

Test(diag_write, text_is_split_into_1022_byte_chunks_on_utf8_boundaries)
{
	char *s;

	chunks_are("", (const size_t[]){0}, 1);
	s = fill("x", 1022);
	chunks_are(s, (const size_t[]){1022}, 1);
	free(s);
	s = fill("x", 1023);
	chunks_are(s, (const size_t[]){1022, 1}, 2);
	free(s);
	s = fill("\xc3\xa9", 1200); /* 2-byte characters fit 1022 exactly */
	chunks_are(s, (const size_t[]){1022, 178}, 2);
	free(s);
	s = fill("\xe2\x82\xac", 1200); /* 3 bytes: 340 fit, 1020 */
	chunks_are(s, (const size_t[]){1020, 180}, 2);
	free(s);
	s = fill("\xf0\x9f\x99\x82", 2048); /* 4 bytes: 255 fit, 1020 */
	chunks_are(s, (const size_t[]){1020, 1020, 8}, 3);
	free(s);
}

Test(diag_write, chunk_1023_is_accepted_and_1024_refused, .timeout = 60)
{
	size_t max = (size_t)KVP_DIAG_MAX_CHUNKS * KVP_DIAG_MAX_CHUNK;
	kvp_diag_record rec = td_record();
	char *s = fill("0123456789abcdef", max + 1);
	const kvp_diag_entry *e;
	kvp_record_list l;

	rec.payload = s;
	rec.payload_len = max + 1;
	td_refused(&rec, "1024 chunks of at most 1022 bytes; the maximum is "
			 "1023 chunks");
	cr_assert_eq(kvp_error_last()->max, 1023);
	cr_assert_eq(kvp_error_last()->actual, 1024);
	cr_assert_eq(tu_file_size(td_pool.path), -1);
	rec.payload_len = max;
	cr_assert_eq(td_write(&rec).chunks, 1023);
	l = td_dump();
	cr_assert_eq(l.count, 1023);
	/* Appended in chunk order, adjacent; the last index is 1022. */
	for (size_t i = 0; i < l.count; i++) {
		char tail[24];
		snprintf(tail, sizeof(tail), "|%zu", i);
		cr_assert_str_eq(l.records[i].key + l.records[i].key_len -
				     strlen(tail),
				 tail);
	}
	kvp_record_list_free(&l);
	e = td_only();
	td_assert_payload(e, s, max);
	cr_assert_eq(e->record_count, 1023);
	free(s);
}

Test(diag_write, the_longest_key_fits)
{
	char agent[33], name[49], *s;
	kvp_diag_record rec = td_record();
	size_t max = (size_t)KVP_DIAG_MAX_CHUNKS * KVP_DIAG_MAX_CHUNK;
	kvp_record_list l;

	memset(agent, 'a', 32);
	agent[32] = '\0';
	memset(name, 'n', 48);
	name[48] = '\0';
	rec.agent = agent;
	rec.name = name;
	rec.kind = KVP_DIAG_FINISH;
	rec.result = KVP_DIAG_SUCCESS;
	rec.has_duration = true;
	rec.duration = (kvp_diag_duration){ULLONG_MAX, 999999999};
	/* zlib+b64: the longest encoding token, one chunk. */
	rec.encoding = KVP_DIAG_ENC_ZLIB_B64;
	td_write(&rec);
	/* none (4 bytes shorter), 1023 chunks: a 4-digit last index. */
	s = fill("x", max);
	rec.encoding = KVP_DIAG_ENC_NONE;
	rec.payload = s;
	rec.payload_len = max;
	td_write(&rec);
	l = td_dump();
	cr_assert_eq(l.count, 1024);
	cr_assert_eq(l.records[0].key_len, 242 - 3, "%s", l.records[0].key);
	cr_assert_eq(l.records[1023].key_len, 242 - 4, "%s",
		     l.records[1023].key);
	cr_assert_leq(242, KVP_DIAG_MAX_KEY);
	kvp_record_list_free(&l);
	free(s);
}

Test(diag_write, every_encoding_round_trips)
{
	static const kvp_diag_encoding encs[] = {
	    KVP_DIAG_ENC_NONE, KVP_DIAG_ENC_ZLIB_B64, KVP_DIAG_ENC_GZ_B64};
	static const char *const magic[] = {NULL, "eJ", "H4sI"};
	static const size_t sizes[] = {0, 1024, 100 * 1024};
	unsigned char *bin = malloc(100 * 1024);
	char *text = fill("log line \xc3\xa9\n", 100 * 1024);

	cr_assert_not_null(bin);
	for (size_t i = 0; i < 100 * 1024; i++)
		bin[i] = (unsigned char)(i * 7 + i / 256);
	for (size_t e = 0; e < 3; e++)
		for (size_t s = 0; s < 3; s++)
			for (int binary = 0; binary < (e ? 2 : 1); binary++) {
				kvp_diag_record rec = td_record();
				const void *p = binary ? (void *)bin : text;
				const kvp_diag_entry *got;
				kvp_record_list l;
				size_t n = sizes[s];
				/* Cut the text on a character boundary. */
				while (!binary && n &&
				       ((unsigned char)text[n] & 0xC0) == 0x80)
					n--;
				rec.encoding = encs[e];
				rec.payload = p;
				rec.payload_len = n;
				td_write(&rec);
				got = td_only();
				td_assert_payload(got, p, n);
				cr_assert_str_eq(
				    got->encoding,
				    kvp_diag_encoding_name(encs[e]));
				l = td_dump();
				if (magic[e])
					cr_assert_eq(
					    strncmp(l.records[0].value,
						    magic[e], strlen(magic[e])),
					    0, "%s", l.records[0].value);
				kvp_record_list_free(&l);
				cr_assert_eq(kvp_store_clear(td_pool.store), 0);
			}
	free(bin);
	free(text);
}

Test(diag_write, only_diag_keys_are_written)
{
	static const char *const agents[] = {"DIAG_V2", "CLOUD_INIT",
					     "PROVISIONING_REPORT",
					     "azure-init-0.1.1", "PAM_KVP"};
	kvp_diag_record rec = td_record();
	kvp_diag_list *list;
	kvp_record_list l;
	char *big = fill("z", 3000);

	for (size_t i = 0; i < sizeof(agents) / sizeof(*agents); i++) {
		rec.agent = agents[i];
		rec.name = agents[i];
		rec.payload = big;
		rec.payload_len = 3000;
		rec.encoding = (kvp_diag_encoding)(i % 3);
		td_write(&rec);
	}
	l = td_dump();
	for (size_t i = 0; i < l.count; i++)
		cr_assert_eq(strncmp(l.records[i].key, "DIAG|", 5), 0, "%s",
			     l.records[i].key);
	kvp_record_list_free(&l);
	list = td_read();
	cr_assert_eq(kvp_diag_list_count(list), 5);
	for (size_t i = 0; i < 5; i++) {
		const kvp_diag_entry *e = kvp_diag_list_get(list, i);
		cr_assert_eq(e->schema, KVP_DIAG_SCHEMA_DIAG);
		td_assert_payload(e, big, 3000);
		cr_assert_str_eq(e->agent, agents[i]);
	}
	free(big);
}

Test(diag_write, chunks_follow_existing_records_in_one_batch)
{
	kvp_diag_record rec = td_record();
	char *s = fill("y", 2500);
	kvp_record_list l;

	TD_APPEND("first", "1");
	rec.payload = s;
	rec.payload_len = 2500;
	td_write(&rec);
	TD_APPEND("last", "2");
	l = td_dump();
	cr_assert_eq(l.count, 5);
	cr_assert_str_eq(l.records[0].key, "first");
	for (size_t i = 1; i < 4; i++)
		cr_assert_eq(l.records[i].key[l.records[i].key_len - 1],
			     (char)('0' + i - 1));
	cr_assert_str_eq(l.records[4].key, "last");
	kvp_record_list_free(&l);
	free(s);
}

Test(diag_write, names_of_the_enums)
{
	cr_assert_str_eq(kvp_diag_kind_name(KVP_DIAG_FINISH), "finish");
	cr_assert_null(kvp_diag_kind_name((kvp_diag_kind)3));
	cr_assert_str_eq(kvp_diag_encoding_name(KVP_DIAG_ENC_GZ_B64), "gz+b64");
	cr_assert_str_eq(kvp_diag_result_name(KVP_DIAG_RESULT_NONE), "");
	cr_assert_str_eq(kvp_diag_result_name(KVP_DIAG_FAIL), "fail");
	cr_assert_str_eq(kvp_diag_schema_name(KVP_DIAG_SCHEMA_CLOUD_INIT),
			 "cloud_init");
	cr_assert_str_eq(kvp_diag_error_token(KVP_DIAG_ERR_UNSUPPORTED_VERSION),
			 "unsupported_version");
	cr_assert_str_eq(kvp_diag_error_token(KVP_DIAG_ERR_INCOMPLETE_GROUP),
			 "incomplete_group");
	cr_assert_str_eq(kvp_diag_error_token(KVP_DIAG_ERR_DUPLICATE_CHUNK),
			 "duplicate_chunk");
	cr_assert_str_eq(kvp_diag_error_token(KVP_DIAG_ERR_UNDECODABLE),
			 "undecodable");
	cr_assert_str_eq(kvp_diag_error_token(KVP_DIAG_ERR_MALFORMED),
			 "malformed");
	cr_assert_null(kvp_diag_error_token((kvp_diag_error)6));
}

Test(diag_write, duration_and_time_parsers)
{
	static const char *const bad[] = {"",	 "-1",		 "+1", "1e3",
					  "1.",	 ".5",		 " 1", "1 ",
					  "0x1", "0.1234567890", "NaN"};
	kvp_diag_duration d;
	struct timespec t;

	cr_assert_eq(kvp_diag_duration_parse("0.312", &d), 0);
	cr_assert(d.sec == 0 && d.nsec == 312000000);
	cr_assert_eq(
	    kvp_diag_duration_parse("18446744073709551615.123456789", &d), 0);
	cr_assert(d.sec == ULLONG_MAX && d.nsec == 123456789);
	cr_assert_eq(kvp_diag_duration_parse("18446744073709551616", &d),
		     KVP_ERR_INVALID_ARG);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(kvp_diag_duration_parse(bad[i], &d),
			     KVP_ERR_INVALID_ARG, "'%s'", bad[i]);
	cr_assert_eq(
	    kvp_diag_time_parse("2026-07-27T23:33:24.339006+02:00", &t), 0);
	cr_assert(t.tv_sec == 1785195204LL - 2 * 3600 && t.tv_nsec == 339006000,
		  "%lld", (long long)t.tv_sec);
	cr_assert_eq(kvp_diag_time_parse("2026-02-29T00:00:00Z", &t),
		     KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_diag_time_parse("2028-02-29T00:00:00Z", &t), 0);
}
