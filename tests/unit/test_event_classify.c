/* test_event_classify.c - event_key_classify(), the one test of which
 * records are ours: what we write in both formats, DIAG keys of ours and
 * of others (agents, names, kinds and results, malformed keys), legacy
 * keys under our prefix or not, and the sortable time it gives. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "test_event_util.h"

#define SESSION "0b6e0c3e-53c5-4a0e-9a7e-3f1d2c4b5a69"
#define TIME	"2026-11-24T22:33:46.123Z"

static kvp_settings *s;
static kvp_event ev;
static char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];

static void setup(void)
{
	s = te_settings("/nonexistent");
	te_event(&ev);
}

static void teardown(void)
{
	kvp_settings_free(s);
}

TestSuite(event_classify, .init = setup, .fini = teardown);

static int classify(const char *k, struct event_key_info *info)
{
	unsigned char rec[KVP_RECORD_SIZE];

	tu_record(rec, k, "{}");
	return event_key_classify(rec, s, info);
}

Test(event_classify, what_we_write)
{
	static const char *const formats[] = {"diag", "pam_kvp"};
	struct event_key_info info;

	for (size_t f = 0; f < 2; f++) {
		te_set(s, "format=%s", formats[f]);
		for (int t = 0; t < KVP_EVENT_COUNT; t++) {
			for (int dur = 0; dur < 2; dur++) {
				ev.type = (kvp_event_type)t;
				ev.has_duration = dur;
				ev.duration_s = 3.0;
				te_encode(s, &ev, key, value);
				memset(&info, 0xa5, sizeof(info));
				cr_assert_eq(classify(key, &info), 1, "%s",
					     key);
				cr_assert_eq(info.type, (kvp_event_type)t, "%s",
					     key);
				cr_assert_not(info.summary);
				cr_assert_str_eq(info.time,
						 "20261124T223346.123Z");
			}
		}
	}
}

Test(event_classify, diag_keys)
{
	static const struct {
		const char *agent, *kind, *name, *ts;
		int ours;
		kvp_event_type type;
		const char *time;
	} cases[] = {
	    {"pam_kvp/0.1.0", "event", "pam:sshd:auth", TIME, 1, KVP_EVENT_AUTH,
	     "20261124T223346.123Z"},
	    {"pam_kvp/9", "start", "pam:login:session",
	     "2026-11-24T22:33:46.123456789Z", 1, KVP_EVENT_SESSION_OPEN,
	     "20261124T223346.123Z"},
	    {"pam_kvp/0.1.0", "finish", "pam:su:session",
	     "2026-11-24T22:33:46Z", 1, KVP_EVENT_SESSION_CLOSE,
	     "20261124T223346.000Z"},
	    {"pam_kvp/0.1.0", "event", "pam:su:session", TIME, 1,
	     KVP_EVENT_SESSION_CLOSE, "20261124T223346.123Z"},
	    {"pam_kvp/0.1.0", "event", "pam:su:account", TIME, 1,
	     KVP_EVENT_ACCOUNT, "20261124T223346.123Z"},
	    {"pam_kvp/0.1.0", "event", "pam:su:password", TIME, 1,
	     KVP_EVENT_PASSWORD, "20261124T223346.123Z"},
	    {"azure-init/0.1.1", "event", "pam:sshd:auth", TIME, 0, 0, ""},
	    {"pam_kvp", "event", "pam:sshd:auth", TIME, 0, 0, ""},
	    {"pam_kvpx/1", "event", "pam:sshd:auth", TIME, 0, 0, ""},
	    {"pam_kvp/0.1.0", "event", "provision:run", TIME, 0, 0, ""},
	    {"pam_kvp/0.1.0", "event", "pam:sshd:login", TIME, 0, 0, ""},
	    {"pam_kvp/0.1.0", "start", "pam:sshd:auth", TIME, 0, 0, ""},
	    {"pam_kvp/0.1.0", "finish", "pam:sshd:account", TIME, 0, 0, ""},
	    {"pam_kvp/0.1.0", "event", "pam:s.d:x:auth", TIME, 0, 0, ""},
	    {"pam_kvp/0.1.0", "event", "pam::auth", TIME, 0, 0, ""},
	    {"pam_kvp/0.1.0", "event", "pam:sshd:auth", "2026-11-24", 0, 0, ""},
	};
	struct event_key_info info;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *k = te_diag_key(cases[i].agent, cases[i].kind,
				      cases[i].name, cases[i].ts, SESSION);
		cr_assert_eq(classify(k, &info), cases[i].ours, "%s", k);
		if (cases[i].ours) {
			cr_assert_eq(info.type, cases[i].type, "%s", k);
			cr_assert_str_eq(info.time, cases[i].time, "%s", k);
			cr_assert_not(info.summary);
		}
		free(k);
	}
	/* A failed auth: result fail. */
	cr_assert_eq(classify("DIAG|pam_kvp/0.1.0|" TE_VM_ID
			      "|event|pam:sshd:auth|" SESSION "|" TIME
			      "|none|fail||0",
			      &info),
		     1);
	cr_assert_eq(info.type, KVP_EVENT_AUTH_FAIL);
	/* Not DIAG at all, or an unknown version of it. */
	cr_assert_eq(classify("DIAG_V2|pam_kvp/0.1.0|" TE_VM_ID
			      "|event|pam:sshd:auth|" SESSION "|" TIME
			      "|none|fail||0",
			      &info),
		     0);
	cr_assert_eq(classify("DIAG", &info), 0);
	cr_assert_eq(classify("CLOUD_INIT|1|start|x|" SESSION, &info), 0);
}

Test(event_classify, legacy_keys)
{
	static const struct {
		const char *key;
		int ours;
		kvp_event_type type;
		const char *time;
	} cases[] = {
	    {"PAM_KVP|auth_fail|sshd|20261124T223346.123Z|deadbeef", 1,
	     KVP_EVENT_AUTH_FAIL, "20261124T223346.123Z"},
	    {"PAM_KVP|session_close|x|20000101T000000.000Z|00000000", 1,
	     KVP_EVENT_SESSION_CLOSE, "20000101T000000.000Z"},
	    /* Our prefix but not our key format: not ours (never counted,
	     * evicted or folded). */
	    {"PAM_KVP|junk", 0, 0, ""},
	    {"PAM_KVP|", 0, 0, ""},
	    {"PAM_KVP|auth|sshd|2026-11-24T22:33:46Z|deadbeef", 0, 0, ""},
	    {"PAM_KVP|auth_fail_summary|all|20261124T223346.123Z|deadbeef", 1,
	     KVP_EVENT_AUTH_FAIL, "20261124T223346.123Z"},
	    {"PAM_KVP", 0, 0, ""},
	    {"PAM_KVPX|auth|sshd|20261124T223346.123Z|deadbeef", 0, 0, ""},
	    {"pam_kvp|auth|sshd|20261124T223346.123Z|deadbeef", 0, 0, ""},
	};
	struct event_key_info info;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cr_assert_eq(classify(cases[i].key, &info), cases[i].ours, "%s",
			     cases[i].key);
		if (!cases[i].ours)
			continue;
		cr_assert_eq(info.type, cases[i].type, "%s", cases[i].key);
		cr_assert_str_eq(info.time, cases[i].time, "%s", cases[i].key);
	}
	/* The prefix is the settings'. */
	te_set(s, "key_prefix=SITE");
	cr_assert_eq(classify("PAM_KVP|auth|s|20261124T223346.123Z|00", &info),
		     0);
	cr_assert_eq(classify("SITE|auth|s|20261124T223346.123Z|00", &info), 1);
	/* DIAG records of ours are ours whatever the prefix. */
	cr_assert_eq(classify("DIAG|pam_kvp/0.1.0|" TE_VM_ID
			      "|event|pam:sshd:auth|" SESSION "|" TIME
			      "|none|success||0",
			      &info),
		     1);
}
