/* test_event_diag.c - events as DIAG records (format = "diag", the
 * default): the key of every event type (kind, name, result, duration),
 * one event id for a session's start and finish, fresh ones otherwise,
 * the service in the name, the longest key, the VM id (read, byte-swapped
 * on Gen1, nil and "vm_id_unavailable" when unreadable, read once), the
 * timestamp; and what the host's reader makes of our records. The
 * classifier of our records is test_event_classify.c's. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_event_util.h"

#define SESSION "0b6e0c3e-53c5-4a0e-9a7e-3f1d2c4b5a69"
#define TIME	"2026-11-24T22:33:46.123Z"
#define UUID4_RE                                                               \
	"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}" \
	"$"

static struct tu_pool p;
static kvp_settings *s;
static kvp_event ev;
static char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];
static struct te_diag d;

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
	s = te_settings(p.dir);
	te_event(&ev);
}

static void teardown(void)
{
	kvp_settings_free(s);
	tu_pool_teardown(&p);
}

TestSuite(event_diag, .init = setup, .fini = teardown);

/* Encode ev (te_assert_diag checks the key against the value) and split
 * the key into d. */
static void encode(void)
{
	te_encode(s, &ev, key, value);
	te_diag_parts(key, &d);
}

Test(event_diag, default_format_is_diag)
{
	cr_assert(te_diag(s));
	encode();
	cr_assert_str_eq(key, "DIAG|pam_kvp/" KVP_VERSION "|" TE_VM_ID
			      "|start|pam:sshd:session|" SESSION "|" TIME
			      "|none|||0");
}

Test(event_diag, agent_is_the_projects_version)
{
	encode();
	cr_assert_str_eq(d.f[TE_D_AGENT], "pam_kvp/" KVP_VERSION);
	cr_assert(te_matches(d.f[TE_D_AGENT], "^pam_kvp/[0-9]+\\.[0-9]+"), "%s",
		  d.f[TE_D_AGENT]);
	cr_assert_leq(strlen(d.f[TE_D_AGENT]), 32);
}

Test(event_diag, every_event_type)
{
	static const struct {
		kvp_event_type type;
		const char *kind, *name, *result, *duration;
	} want[KVP_EVENT_COUNT] = {
	    {KVP_EVENT_AUTH, "event", "pam:sshd:auth", "success", ""},
	    {KVP_EVENT_AUTH_FAIL, "event", "pam:sshd:auth", "fail", ""},
	    {KVP_EVENT_ACCOUNT, "event", "pam:sshd:account", "success", ""},
	    {KVP_EVENT_SESSION_OPEN, "start", "pam:sshd:session", "", ""},
	    {KVP_EVENT_SESSION_CLOSE, "finish", "pam:sshd:session", "success",
	     "42.500000"},
	    {KVP_EVENT_PASSWORD, "event", "pam:sshd:password", "success", ""},
	};

	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		ev.type = want[i].type;
		ev.has_duration = ev.type == KVP_EVENT_SESSION_CLOSE;
		ev.duration_s = 42.5;
		encode();
		cr_assert_str_eq(d.f[TE_D_KIND], want[i].kind, "%s", key);
		cr_assert_str_eq(d.f[TE_D_NAME], want[i].name, "%s", key);
		cr_assert_str_eq(d.f[TE_D_RESULT], want[i].result, "%s", key);
		cr_assert_str_eq(d.f[TE_D_DURATION], want[i].duration, "%s",
				 key);
		cr_assert_str_eq(d.f[TE_D_EVENT_ID], SESSION, "%s", key);
		cr_assert_str_eq(d.f[TE_D_TIME], TIME);
		cr_assert_str_eq(d.f[TE_D_ENCODING], "none");
		cr_assert_str_eq(d.f[TE_D_INDEX], "0");
	}
}

/* Open and close of one session: one event id (the session's), the
 * finish with the module's own measurement, 6 fraction digits. */
Test(event_diag, session_is_a_start_and_finish_pair)
{
	struct te_diag open;

	ev.type = KVP_EVENT_SESSION_OPEN;
	encode();
	open = d;
	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.has_duration = true;
	ev.duration_s = 12.3456784;
	ev.time.tv_sec += 12;
	encode();
	cr_assert_str_eq(open.f[TE_D_KIND], "start");
	cr_assert_str_eq(d.f[TE_D_KIND], "finish");
	cr_assert_str_eq(d.f[TE_D_EVENT_ID], open.f[TE_D_EVENT_ID]);
	cr_assert_str_eq(d.f[TE_D_NAME], open.f[TE_D_NAME]);
	cr_assert_str_eq(d.f[TE_D_AGENT], open.f[TE_D_AGENT]);
	cr_assert_str_eq(d.f[TE_D_VM], open.f[TE_D_VM]);
	cr_assert_str_eq(d.f[TE_D_DURATION], "12.345678");
	cr_assert_str_eq(d.f[TE_D_RESULT], "success");
	cr_assert_str_eq(d.f[TE_D_TIME], "2026-11-24T22:33:58.123Z");
}

Test(event_diag, duration_digits)
{
	static const struct {
		double s;
		const char *text;
	} cases[] = {
	    {0, "0.000000"},
	    {0.0000004, "0.000000"},
	    {0.0000005, "0.000001"},
	    {0.312, "0.312000"},
	    {86400.0016, "86400.001600"},
	    {31536000.999, "31536000.999000"},
	};

	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.has_duration = true;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		ev.duration_s = cases[i].s;
		encode();
		cr_assert_str_eq(d.f[TE_D_DURATION], cases[i].text, "%.9f",
				 cases[i].s);
	}
}

/* A close without a duration DIAG can hold (none, negative, NaN, beyond
 * 2^64 microseconds) cannot be a finish: an event of the session. */
Test(event_diag, close_without_a_duration_is_an_event)
{
	static const double bad[] = {-1.0, -1e-3, NAN, INFINITY, 1e14};

	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.has_duration = false;
	encode();
	cr_assert_str_eq(d.f[TE_D_KIND], "event");
	cr_assert_str_eq(d.f[TE_D_NAME], "pam:sshd:session");
	cr_assert_str_eq(d.f[TE_D_RESULT], "success");
	cr_assert_str_eq(d.f[TE_D_DURATION], "");
	cr_assert_str_eq(d.f[TE_D_EVENT_ID], SESSION);
	ev.has_duration = true;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ev.duration_s = bad[i];
		encode();
		cr_assert_str_eq(d.f[TE_D_KIND], "event", "%g", bad[i]);
		cr_assert_str_eq(d.f[TE_D_DURATION], "");
	}
}

/* Without a session id (or with one that is no UUID) every event gets
 * its own random event id. */
Test(event_diag, events_without_a_session_get_fresh_ids)
{
	static const char *const not_uuid[] = {NULL, "", "abc", SESSION "0",
					       "{" SESSION "}"};
	char seen[8][KVP_KEY_FIELD_SIZE + 1];

	ev.type = KVP_EVENT_AUTH_FAIL;
	for (size_t i = 0; i < sizeof(not_uuid) / sizeof(*not_uuid); i++) {
		ev.session = not_uuid[i];
		encode();
		cr_assert(te_matches(d.f[TE_D_EVENT_ID], UUID4_RE), "%s", key);
		memcpy(seen[i], d.f[TE_D_EVENT_ID], sizeof(seen[i]));
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(seen[i], seen[j]);
	}
	/* Any case of the hyphenated form is a UUID, taken as given. */
	ev.session = "0B6E0C3E-53C5-4A0E-9A7E-3F1D2C4B5A69";
	encode();
	cr_assert_str_eq(d.f[TE_D_EVENT_ID], ev.session);
}

Test(event_diag, service_in_the_name)
{
	static const struct {
		const char *service, *token;
	} cases[] = {
	    {"sshd", "sshd"},		{"su -l", "su_-l"},
	    {"a|b:c", "a_b_c"}, /* no key separator, no name separator */
	    {"AZaz09._-", "AZaz09._-"}, {"caf\xc3\xa9", "caf__"},
	    {"\x01\x7f", "__"},		{"", "unknown"},
	    {NULL, "unknown"},
	};
	char want[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		ev.service = cases[i].service;
		encode();
		snprintf(want, sizeof(want), "pam:%s:session", cases[i].token);
		cr_assert_str_eq(d.f[TE_D_NAME], want);
	}
}

/* The service is cut to 35 bytes: the longest name, "password"'s, is
 * the format's 48. */
Test(event_diag, longest_name_is_48_bytes)
{
	char *svc = tu_repeat('s', 200), want[128];

	ev.service = svc;
	ev.type = KVP_EVENT_PASSWORD;
	encode();
	snprintf(want, sizeof(want), "pam:%.35s:password", svc);
	cr_assert_str_eq(d.f[TE_D_NAME], want);
	cr_assert_eq(strlen(d.f[TE_D_NAME]), 48);
	svc[35] = '\0';
	encode();
	cr_assert_str_eq(d.f[TE_D_NAME], want, "35 bytes are kept whole");
	ev.type = KVP_EVENT_SESSION_OPEN;
	encode();
	cr_assert_eq(strlen(d.f[TE_D_NAME]), 47);
	free(svc);
}

/* The longest key: a finish (47-byte name) with the longest duration a
 * DIAG key holds (20 digits of microseconds: just under 2^64), at the
 * last millisecond of year 9999. 204 bytes and the version's length:
 * 209 with "0.1.0", 228 with a 32-byte agent, within 254. */
Test(event_diag, longest_key)
{
	char *svc = tu_repeat('\x7f', 1000);

	ev.service = svc;
	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.has_duration = true;
	ev.duration_s = 18446744073709.5;
	ev.time.tv_sec = 253402300799LL;
	ev.time.tv_nsec = 999999999;
	encode();
	/* 20 digits (the double's nearest microsecond count). */
	cr_assert(te_matches(d.f[TE_D_DURATION], "^18446744073709\\.[0-9]{6}$"),
		  "%s", d.f[TE_D_DURATION]);
	cr_assert_str_eq(d.f[TE_D_TIME], "9999-12-31T23:59:59.999Z");
	cr_assert_eq(strlen(key), 196 + strlen(TE_AGENT), "%zu: %s",
		     strlen(key), key);
	cr_assert_leq(196 + 32, KVP_DIAG_MAX_KEY);
	cr_log_info("longest DIAG key: %zu bytes: %s", strlen(key), key);
	/* One more microsecond no longer fits 2^64 us: no finish. */
	ev.duration_s = 18446744073709.6;
	encode();
	cr_assert_str_eq(d.f[TE_D_KIND], "event");
	free(svc);
}

/* Both modes, both formats: a key of at most 254 bytes. */
Test(event_diag, key_within_254_in_both_modes_and_formats)
{
	static const char *const settings[] = {"mode=safe", "mode=unsafe",
					       "format=pam_kvp", "mode=safe"};
	char *svc = tu_repeat('x', 1000);

	ev.service = svc;
	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.has_duration = true;
	ev.duration_s = 18446744073709.5;
	for (size_t i = 0; i < 4; i++) {
		te_set(s, "%s", settings[i]);
		if (i == 2)
			te_set(s, "key_prefix=%s",
			       "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP");
		te_encode(s, &ev, key, value);
		cr_assert_leq(strlen(key), 254, "%s: %s", settings[i], key);
	}
	free(svc);
}

static bool vm_id_unavailable(void)
{
	json_t *v = te_parse(value);
	bool set = json_is_true(json_object_get(v, "vm_id_unavailable"));

	json_decref(v);
	return set;
}

Test(event_diag, vm_id_as_read_on_gen2)
{
	encode();
	cr_assert_str_eq(d.f[TE_D_VM], TE_VM_ID);
	cr_assert_not(vm_id_unavailable());
}

Test(event_diag, vm_id_byte_swapped_on_gen1)
{
	te_sysroot("550E8400-E29B-41D4-A716-446655440000\n", false);
	encode();
	cr_assert_str_eq(d.f[TE_D_VM], "00840e55-9be2-d441-a716-446655440000");
}

/* Unreadable: the nil UUID in the key, never a non-UUID, and the value
 * says so. */
Test(event_diag, vm_id_unreadable_is_the_nil_uuid)
{
	te_sysroot(NULL, true);
	encode();
	cr_assert_str_eq(d.f[TE_D_VM], TE_NIL);
	cr_assert(vm_id_unavailable());
}

Test(event_diag, vm_id_not_a_uuid_is_the_nil_uuid)
{
	te_sysroot("Not Settable\n", true);
	encode();
	cr_assert_str_eq(d.f[TE_D_VM], TE_NIL);
	cr_assert(vm_id_unavailable());
}

/* The legacy format has no VM id, and says nothing about it. */
Test(event_diag, legacy_value_has_no_vm_id_member)
{
	json_t *v;

	te_sysroot(NULL, true);
	te_set(s, "format=pam_kvp");
	te_encode(s, &ev, key, value);
	v = te_parse(value);
	cr_assert_not(te_has(v, "vm_id_unavailable"));
	json_decref(v);
}

/* Read at the first event and kept for the process. */
Test(event_diag, vm_id_read_once_per_process)
{
	encode();
	cr_assert_str_eq(d.f[TE_D_VM], TE_VM_ID);
	te_sysroot(NULL, true);
	encode();
	cr_assert_str_eq(d.f[TE_D_VM], TE_VM_ID);
	cr_assert_not(vm_id_unavailable());
}

Test(event_diag, timestamp_is_the_values_time)
{
	ev.time.tv_nsec = 999999;
	encode();
	cr_assert_str_eq(d.f[TE_D_TIME], "2026-11-24T22:33:46.000Z");
	ev.time.tv_sec = 0;
	ev.time.tv_nsec = 1000000;
	encode();
	cr_assert_str_eq(d.f[TE_D_TIME], "1970-01-01T00:00:00.001Z");
}

Test(event_diag, time_zero_means_now)
{
	json_t *v;

	ev.time = (struct timespec){0, 0};
	encode();
	v = te_parse(value);
	cr_assert_str_eq(d.f[TE_D_TIME], te_str(v, "time"));
	cr_assert(te_matches(d.f[TE_D_TIME],
			     "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
			     "[0-9]{2}\\.[0-9]{3}Z$"));
	cr_assert_gt(strcmp(d.f[TE_D_TIME], "2026-"), 0, "%s", key);
	json_decref(v);
}

/* DIAG timestamps start in 1970; the legacy key's in year 1000. */
Test(event_diag, time_before_1970_refused)
{
	ev.time.tv_sec = -1;
	cr_assert_eq(
	    event_encode(s, &ev, key, sizeof(key), value, sizeof(value)),
	    KVP_ERR_INVALID_ARG);
	te_set(s, "format=pam_kvp");
	cr_assert_eq(
	    event_encode(s, &ev, key, sizeof(key), value, sizeof(value)), 0);
}

/* Only DIAG keys, and never a schema the host gives to another writer. */
Test(event_diag, never_another_writers_key)
{
	for (int t = 0; t < KVP_EVENT_COUNT; t++) {
		ev.type = (kvp_event_type)t;
		ev.has_duration = t == KVP_EVENT_SESSION_CLOSE;
		encode();
		cr_assert_eq(strncmp(key, "DIAG|", 5), 0);
		cr_assert_neq(strncmp(key, "DIAG_V", 6), 0);
		cr_assert_neq(strncmp(key, "CLOUD_INIT", 10), 0);
		cr_assert_neq(strncmp(key, "azure-init-", 11), 0);
		cr_assert_str_neq(key, "PROVISIONING_REPORT");
	}
}

/* ---- what the host's reader sees ---- */

Test(event_diag, the_reader_sees_a_session_and_a_failure)
{
	kvp_diag_list *list = NULL;
	const kvp_diag_entry *e[3];

	ev.type = KVP_EVENT_AUTH_FAIL;
	ev.session = NULL;
	ev.result = "auth_err";
	cr_assert_eq(kvp_event_record(s, &ev), 0);
	ev.session = SESSION;
	ev.result = "success";
	ev.type = KVP_EVENT_SESSION_OPEN;
	cr_assert_eq(kvp_event_record(s, &ev), 0);
	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.has_duration = true;
	ev.duration_s = 1.25;
	cr_assert_eq(kvp_event_record(s, &ev), 0);

	cr_assert_eq(kvp_diag_read(p.store, NULL, &list), 0);
	cr_assert_eq(kvp_diag_list_count(list), 3);
	for (size_t i = 0; i < 3; i++) {
		e[i] = kvp_diag_list_get(list, i);
		cr_assert_eq(e[i]->schema, KVP_DIAG_SCHEMA_DIAG);
		cr_assert_eq(e[i]->error, KVP_DIAG_OK, "%s", e[i]->detail);
		cr_assert_str_eq(e[i]->agent, TE_AGENT);
		cr_assert_str_eq(e[i]->vm_id, TE_VM_ID);
		cr_assert(e[i]->payload_is_text);
		cr_assert_str_eq(e[i]->encoding, "none");
	}
	cr_assert_eq(e[0]->kind, KVP_DIAG_EVENT);
	cr_assert_str_eq(e[0]->name, "pam:sshd:auth");
	cr_assert_eq(e[0]->result, KVP_DIAG_FAIL);
	cr_assert_eq(e[1]->kind, KVP_DIAG_START);
	cr_assert_eq(e[2]->kind, KVP_DIAG_FINISH);
	cr_assert_str_eq(e[1]->event_id, SESSION);
	cr_assert_str_eq(e[2]->event_id, SESSION);
	cr_assert_str_eq(e[1]->name, e[2]->name);
	cr_assert_eq(e[2]->result, KVP_DIAG_SUCCESS);
	cr_assert(e[2]->has_duration);
	cr_assert_eq(e[2]->duration.sec, 1);
	cr_assert_eq(e[2]->duration.nsec, 250000000u);
	cr_assert(strstr(e[2]->payload, "\"event\":\"session_close\""));
	kvp_diag_list_free(list);
}
