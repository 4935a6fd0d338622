/* test_diag_sources.c - the reader on the other writers' records: how
 * cloud-init's (both key forms, msg_i chunks joined before unescaping, its
 * compressed-event envelope of zlib or gzip data), the provisioning
 * report's and pam_kvp's legacy records map to diagnostics, and which of
 * them are malformed or undecodable. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_diag_util.h"

TestSuite(diag_sources, .init = td_setup, .fini = td_teardown);

#define CI_VM		   "0e5e179d-5341-478b-8456-fbb90621bdf8"
#define CI_EV		   "b7a822ba-4eea-46c0-b559-e84396101132"
#define CI_TS		   "2026-07-27T23:33:24.339006+02:00"
#define CI_OLD(type, name) "CLOUD_INIT|100|" type "|" name "|" CI_EV
#define CI_NEW(type, name) "CLOUD_INIT|100|" type "|" name "|" CI_VM "|" CI_EV
#define CI_VALUE(type, name, rest)                                             \
	"{\"name\":\"" name "\",\"type\":\"" type "\",\"ts\":\"" CI_TS         \
	"\"" rest "}"

static const kvp_diag_entry *one(const char *key, const char *value)
{
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND(key, value);
	return td_only();
}

Test(diag_sources, cloud_init_both_key_forms)
{
	const kvp_diag_entry *e =
	    one(CI_OLD("start", "test"),
		CI_VALUE("start", "test", ",\"msg\":\"message\""));

	td_assert_payload(e, "message", 7);
	cr_assert_eq(e->schema, KVP_DIAG_SCHEMA_CLOUD_INIT);
	cr_assert_str_eq(e->agent, "CLOUD_INIT");
	cr_assert_null(e->vm_id);
	cr_assert_eq(e->kind, KVP_DIAG_START);
	cr_assert_str_eq(e->name, "test");
	cr_assert_str_eq(e->event_id, CI_EV);
	cr_assert_str_eq(e->source_type, "start");
	cr_assert_str_eq(e->encoding, "none");
	/* ts converted to UTC. */
	cr_assert_str_eq(e->timestamp, "2026-07-27T21:33:24.339006Z");
	cr_assert_eq(e->time.tv_sec, 1785195204LL - 2 * 3600);
	e = one(CI_NEW("event", "test"),
		CI_VALUE("event", "test", ",\"msg\":\"message\""));
	td_assert_payload(e, "message", 7);
	cr_assert_str_eq(e->vm_id, CI_VM);
	cr_assert_eq(e->kind, KVP_DIAG_EVENT);
}

Test(diag_sources, cloud_init_types_and_outcomes)
{
	const kvp_diag_entry *e;

	e = one(CI_NEW("finish", "test"),
		CI_VALUE("finish", "test",
			 ",\"result\":\"FAIL\",\"duration\":0.1234,\"msg\":"
			 "\"failed\""));
	cr_assert_eq(e->error, KVP_DIAG_OK, "%s", e->detail);
	cr_assert_eq(e->kind, KVP_DIAG_FINISH);
	cr_assert_eq(e->result, KVP_DIAG_FAIL);
	cr_assert_str_eq(e->result_text, "FAIL");
	cr_assert(e->has_duration && e->duration.sec == 0 &&
		  e->duration.nsec == 123400000);
	e = one(
	    CI_NEW("finish", "test"),
	    CI_VALUE("finish", "test",
		     ",\"result\":\"SUCCESS\",\"duration\":7,\"msg\":\"\""));
	cr_assert_eq(e->result, KVP_DIAG_SUCCESS);
	cr_assert(e->duration.sec == 7 && e->duration.nsec == 0);
	/* cloud-init 22.4 (Debian 12): a finish without a duration. */
	e = one(CI_OLD("finish", "test"),
		CI_VALUE("finish", "test",
			 ",\"result\":\"SUCCESS\",\"msg\":\"x\""));
	cr_assert_eq(e->error, KVP_DIAG_OK, "%s", e->detail);
	cr_assert_not(e->has_duration);
	/* WARN is kept as stored, neither success nor fail. */
	e = one(
	    CI_OLD("finish", "test"),
	    CI_VALUE("finish", "test", ",\"result\":\"WARN\",\"msg\":\"x\""));
	cr_assert_eq(e->error, KVP_DIAG_OK, "%s", e->detail);
	cr_assert_eq(e->result, KVP_DIAG_RESULT_NONE);
	cr_assert_str_eq(e->result_text, "WARN");
	/* Other types are events, outcome ignored. */
	e = one(CI_OLD("diagnostic", "diagnostic message"),
		CI_VALUE("diagnostic", "diagnostic message",
			 ",\"result\":\"SUCCESS\",\"msg\":\"x\""));
	cr_assert_eq(e->kind, KVP_DIAG_EVENT);
	cr_assert_eq(e->result, KVP_DIAG_RESULT_NONE);
	cr_assert_str_eq(e->source_type, "diagnostic");
}

Test(diag_sources, cloud_init_chunks_are_joined_before_unescaping)
{
	/* "a\u00e9b\"c" escaped, cut inside \u00e9 and inside \". */
	const char *v0 =
	    CI_VALUE("start", "long", ",\"msg_i\":0,\"msg\":\"a\\u00\"");
	const char *v1 =
	    CI_VALUE("start", "long", ",\"msg_i\":1,\"msg\":\"e9b\\\"");
	const char *v2 =
	    CI_VALUE("start", "long", ",\"msg_i\":2,\"msg\":\"\"c\"");
	const kvp_diag_entry *e;

	TD_APPEND(CI_OLD("start", "long") "|2", v2,
		  CI_OLD("start", "long") "|0", v0,
		  CI_OLD("start", "long") "|1", v1);
	e = td_only();
	td_assert_payload(e,
			  "a\xc3\xa9"
			  "b\"c",
			  6);
	cr_assert_eq(e->record_count, 3);
	cr_assert_str_eq(e->name, "long");
	/* The current key form, with the VM id. */
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND(CI_NEW("start", "long") "|0", v0,
		  CI_NEW("start", "long") "|1", v1,
		  CI_NEW("start", "long") "|2", v2);
	td_assert_payload(td_only(),
			  "a\xc3\xa9"
			  "b\"c",
			  6);
	cr_assert_str_eq(td_only()->vm_id, CI_VM);
	/* A chunk missing: the group is incomplete. */
	cr_assert_eq(kvp_store_clear(td_pool.store), 0);
	TD_APPEND(CI_NEW("start", "long") "|0", v0,
		  CI_NEW("start", "long") "|2", v2);
	td_assert_error(td_only(), KVP_DIAG_ERR_INCOMPLETE_GROUP);
}

Test(diag_sources, cloud_init_malformed)
{
	static const char *const bad[][2] = {
	    /* msg_i disagrees with the key's index */
	    {CI_OLD("start", "t") "|0",
	     CI_VALUE("start", "t", ",\"msg_i\":1,\"msg\":\"x\"")},
	    /* a single record with msg_i */
	    {CI_OLD("start", "t"),
	     CI_VALUE("start", "t", ",\"msg_i\":0,\"msg\":\"x\"")},
	    /* a chunk without msg_i */
	    {CI_OLD("start", "t") "|0",
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    /* name or type not the key's */
	    {CI_OLD("start", "t"), CI_VALUE("start", "u", ",\"msg\":\"x\"")},
	    {CI_OLD("start", "t"), CI_VALUE("event", "t", ",\"msg\":\"x\"")},
	    /* no msg, msg not a string, not JSON, no ts, bad ts */
	    {CI_OLD("start", "t"), CI_VALUE("start", "t", "")},
	    {CI_OLD("start", "t"), CI_VALUE("start", "t", ",\"msg\":1")},
	    {CI_OLD("start", "t"), "not json"},
	    {CI_OLD("start", "t"),
	     "{\"name\":\"t\",\"type\":\"start\",\"msg\":\"x\"}"},
	    {CI_OLD("start", "t"),
	     "{\"name\":\"t\",\"type\":\"start\",\"ts\":\"yesterday\",\"msg\":"
	     "\"x\"}"},
	    /* a start with an outcome, a finish without a result, a bad
	     * duration */
	    {CI_OLD("start", "t"),
	     CI_VALUE("start", "t", ",\"result\":\"SUCCESS\",\"msg\":\"x\"")},
	    {CI_OLD("finish", "t"), CI_VALUE("finish", "t", ",\"msg\":\"x\"")},
	    {CI_OLD("finish", "t"),
	     CI_VALUE("finish", "t",
		      ",\"result\":\"FAIL\",\"duration\":-1.5,\"msg\":\"x\"")},
	    {CI_OLD("finish", "t"),
	     CI_VALUE("finish", "t",
		      ",\"result\":\"FAIL\",\"duration\":\"1\",\"msg\":\"x\"")},
	    /* keys */
	    {"CLOUD_INIT|100|start|t",
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    {"CLOUD_INIT|1x0|start|t|" CI_EV,
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    {"CLOUD_INIT||start|t|" CI_EV,
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    {"CLOUD_INIT|100|start|t|not-a-uuid",
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    {"CLOUD_INIT|100|start|t|vm|" CI_EV,
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    {CI_NEW("start", "t") "|x",
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    {CI_NEW("start", "t") "|0|1",
	     CI_VALUE("start", "t", ",\"msg\":\"x\"")},
	    /* a compressed event whose message is no envelope */
	    {CI_OLD("compressed", "dmesg"),
	     CI_VALUE("compressed", "dmesg", ",\"msg\":\"plain\"")},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const kvp_diag_entry *e = one(bad[i][0], bad[i][1]);
		cr_assert_eq(e->error, KVP_DIAG_ERR_MALFORMED, "%zu: %s %s: %s",
			     i, bad[i][0], bad[i][1],
			     kvp_diag_error_token(e->error));
		cr_assert_eq(e->schema, KVP_DIAG_SCHEMA_CLOUD_INIT);
	}
}

/* A compressed event of cloud-init's Azure helper with this envelope
 * (JSON text, escaped once more as the message). */
#define ENVELOPE(data)                                                         \
	CI_VALUE(                                                              \
	    "compressed", "dmesg",                                             \
	    ",\"msg\":\"{\\\"encoding\\\": \\\"gz+b64\\\", \\\"data\\\": "     \
	    "\\\"" data "\\\"}\"")

Test(diag_sources, cloud_init_envelopes_hold_zlib_or_gzip)
{
	const kvp_diag_entry *e;

	/* zlib under the gz+b64 label, base64 line-wrapped: as cloud-init
	 * writes it. */
	e = one(CI_OLD("compressed", "dmesg"),
		ENVELOPE("eJxLzskvTdHNzMssUcjJT1fIycxL5WL4DwBe0ggs\\\\n"));
	td_assert_payload(e, "cloud-init log line\n\0\xff", 22);
	cr_assert_str_eq(e->encoding, "gz+b64");
	cr_assert_not(e->payload_is_text);
	e = one(CI_OLD("compressed", "dmesg"),
		ENVELOPE("H4sIAAAAAAACA0uvyixQyMwrzkxJBQDi6xJrCwAAAA==\\\\n"));
	td_assert_payload(e, "gzip inside", 11);
	/* An envelope in an ordinary event's message counts too. */
	e = one(
	    CI_OLD("event", "x"),
	    CI_VALUE("event", "x",
		     ",\"msg\":\"{\\\"encoding\\\":\\\"gz+b64\\\",\\\"data\\\":"
		     "\\\"eJzLSM3JyQcABiwCFQ==\\\"}\""));
	td_assert_payload(e, "hello", 5);
	e = one(CI_OLD("compressed", "dmesg"), ENVELOPE("not base64!"));
	td_assert_error(e, KVP_DIAG_ERR_UNDECODABLE);
	e = one(CI_OLD("compressed", "dmesg"), ENVELOPE("aGVsbG8="));
	td_assert_error(e, KVP_DIAG_ERR_UNDECODABLE);
	e = one(
	    CI_OLD("compressed", "dmesg"),
	    CI_VALUE("compressed", "dmesg",
		     ",\"msg\":\"{\\\"encoding\\\":\\\"zstd\\\",\\\"data\\\":"
		     "\\\"\\\"}\""));
	td_assert_error(e, KVP_DIAG_ERR_UNDECODABLE);
}

#define REPORT_OK                                                              \
	"result=success|agent=Azure-Init/0.0.0|pps_type=None|vm_id=00000000-"  \
	"0000-0000-0000-000000000abc|timestamp=2026-06-17T00:00:00+00:00"

Test(diag_sources, provisioning_report)
{
	const kvp_diag_entry *e = one("PROVISIONING_REPORT", REPORT_OK);
	const char *err =
	    "result=error|\"reason=bad | \"\"quoted\"\" config\"|agent=a|"
	    "extra=1|extra=2|pps_type=Savable|vm_id=v|timestamp=2026-06-17T00:"
	    "00:00Z|documentation_url=https://aka.ms/x";

	td_assert_payload(e, REPORT_OK, strlen(REPORT_OK));
	cr_assert_eq(e->schema, KVP_DIAG_SCHEMA_REPORT);
	cr_assert_str_eq(e->agent, "Azure-Init/0.0.0");
	cr_assert_str_eq(e->vm_id, "00000000-0000-0000-0000-000000000abc");
	cr_assert_str_eq(e->name, "PROVISIONING_REPORT");
	cr_assert_eq(e->kind, KVP_DIAG_EVENT);
	cr_assert_eq(e->result, KVP_DIAG_SUCCESS);
	cr_assert_str_eq(e->timestamp, "2026-06-17T00:00:00+00:00");
	cr_assert(e->has_time);
	e = one("PROVISIONING_REPORT", err);
	cr_assert_eq(e->error, KVP_DIAG_OK, "%s", e->detail);
	cr_assert_eq(e->result, KVP_DIAG_FAIL);
	cr_assert_str_eq(e->result_text, "error");
	cr_assert_str_eq(e->vm_id, "v");
}

Test(diag_sources, malformed_reports)
{
	static const char *const bad[] = {
	    "result=error|agent=a|pps_type=None|vm_id=v|timestamp=2026-06-"
	    "17T00:"
	    "00:00Z", /* no reason */
	    "result=success|agent=a|vm_id=v|timestamp=2026-06-17T00:00:00Z",
	    REPORT_OK "|agent=again",
	    REPORT_OK "|reason=a|reason=b",
	    "result=ok|agent=a|pps_type=None|vm_id=v|timestamp=2026-06-17T00:"
	    "00:"
	    "00Z",
	    "result=success|agent=a|pps_type=Other|vm_id=v|timestamp=2026-06-"
	    "17T"
	    "00:00:00Z",
	    "result=success|agent=a|pps_type=None|vm_id=v|timestamp=today",
	    REPORT_OK "|no equals sign",
	    REPORT_OK "|x=\"unterminated",
	    REPORT_OK "|x=\"quoted\"tail",
	    REPORT_OK "|",
	    "",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const kvp_diag_entry *e = one("PROVISIONING_REPORT", bad[i]);
		cr_assert_eq(e->error, KVP_DIAG_ERR_MALFORMED, "%s: %s", bad[i],
			     kvp_diag_error_token(e->error));
	}
}

static void legacy(kvp_event_type type, const char *result, double duration,
		   const char *prefix)
{
	kvp_settings *s = NULL;
	char arg[600];
	kvp_event ev = {
	    .version = KVP_EVENT_VERSION,
	    .type = type,
	    .time = {(time_t)TD_SEC, 789000000L},
	    .service = "sshd",
	    .user = "alice",
	    .session = TD_EV,
	    .result = result,
	    .has_duration = duration >= 0,
	    .duration_s = duration,
	    .pid = -1,
	    .uid = -1,
	    .host = "h",
	    .boot_id = "b",
	};

	cr_assert_eq(kvp_settings_new(&s), 0);
	snprintf(arg, sizeof(arg), "pool_dir=%s", td_pool.dir);
	cr_assert_eq(kvp_settings_set(s, arg), 0, "%s",
		     kvp_error_last()->message);
	if (prefix) {
		snprintf(arg, sizeof(arg), "key_prefix=%s", prefix);
		cr_assert_eq(kvp_settings_set(s, arg), 0);
	}
	cr_assert_eq(kvp_settings_set(s, "clear_if_stale=no"), 0);
	cr_assert_eq(kvp_settings_set(s, "format=pam_kvp"), 0);
	cr_assert_eq(kvp_event_record(s, &ev), 0, "%s",
		     kvp_error_last()->message);
	kvp_settings_free(s);
}

Test(diag_sources, pam_kvp_legacy_records)
{
	kvp_diag_list *l;
	const kvp_diag_entry *e;

	legacy(KVP_EVENT_SESSION_OPEN, "success", -1, NULL);
	legacy(KVP_EVENT_SESSION_CLOSE, "success", 42.5, NULL);
	legacy(KVP_EVENT_AUTH_FAIL, "Authentication failure", -1, NULL);
	legacy(KVP_EVENT_AUTH, "success", -1, "OTHER");
	l = td_read();
	cr_assert_eq(kvp_diag_list_count(l), 3);
	e = kvp_diag_list_get(l, 0);
	cr_assert_eq(e->error, KVP_DIAG_OK, "%s", e->detail);
	cr_assert_eq(e->schema, KVP_DIAG_SCHEMA_PAM_KVP);
	cr_assert_str_eq(e->agent, "PAM_KVP");
	cr_assert_eq(e->kind, KVP_DIAG_START);
	cr_assert_str_eq(e->name, "session");
	cr_assert_str_eq(e->source_type, "session_open");
	cr_assert_str_eq(e->event_id, TD_EV);
	cr_assert_str_eq(e->timestamp, TD_TS);
	cr_assert_eq(e->time.tv_sec, TD_SEC);
	cr_assert_null(e->vm_id);
	cr_assert_eq(e->payload[0], '{');
	cr_assert_eq(e->payload_len, e->records[0].value_len);
	e = kvp_diag_list_get(l, 1);
	cr_assert_eq(e->kind, KVP_DIAG_FINISH);
	cr_assert_str_eq(e->name, "session");
	cr_assert_eq(e->result, KVP_DIAG_SUCCESS);
	cr_assert(e->has_duration && e->duration.sec == 42 &&
		  e->duration.nsec == 500000000);
	e = kvp_diag_list_get(l, 2);
	cr_assert_eq(e->kind, KVP_DIAG_EVENT);
	cr_assert_str_eq(e->name, "auth_fail");
	cr_assert_eq(e->result, KVP_DIAG_FAIL);
	cr_assert_str_eq(e->result_text, "Authentication failure");
	/* Another prefix reads the other records. */
	cr_assert_eq(kvp_diag_read(td_pool.store, "OTHER", &l), 0);
	cr_assert_eq(kvp_diag_list_count(l), 1);
	cr_assert_str_eq(kvp_diag_list_get(l, 0)->agent, "OTHER");
	cr_assert_str_eq(kvp_diag_list_get(l, 0)->name, "auth");
	kvp_diag_list_free(l);
}

Test(diag_sources, malformed_legacy_records)
{
	static const char *const bad[][2] = {
	    {"PAM_KVP|auth|sshd|20240102T030405.000Z|deadbeef", "garbage{"},
	    {"PAM_KVP|auth|sshd|20240102T030405.000Z|deadbeef", "[1,2]"},
	    {"PAM_KVP|auth|sshd|20240102T030405.000Z|deadbeef", "{\"v\":2}"},
	    {"PAM_KVP|weird", "{\"v\":1}"},
	    {"PAM_KVP", "{\"v\":1}"},
	    {"PAM_KVP|login|sshd|20240102T030405.000Z|deadbeef", "{\"v\":1}"},
	    {"PAM_KVP|auth|s d|20240102T030405.000Z|deadbeef", "{\"v\":1}"},
	    {"PAM_KVP|auth|sshd|2024-01-02T03:04:05Z|deadbeef", "{\"v\":1}"},
	    {"PAM_KVP|auth|sshd|20241302T030405.000Z|deadbeef", "{\"v\":1}"},
	    {"PAM_KVP|auth|sshd|20240102T030405.000Z|DEADBEEF", "{\"v\":1}"},
	    {"PAM_KVP|auth|sshd|20240102T030405.000Z|1", "{\"v\":1}"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const kvp_diag_entry *e = one(bad[i][0], bad[i][1]);
		cr_assert_eq(e->error, KVP_DIAG_ERR_MALFORMED, "%s %s: %s",
			     bad[i][0], bad[i][1],
			     kvp_diag_error_token(e->error));
		cr_assert_str_eq(e->agent, "PAM_KVP");
	}
	/* A well-formed one, for contrast. */
	cr_assert_eq(
	    one("PAM_KVP|auth|sshd|20240102T030405.000Z|deadbeef", "{\"v\":1}")
		->error,
	    KVP_DIAG_OK);
}
