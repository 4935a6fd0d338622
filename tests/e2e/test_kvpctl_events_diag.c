/* test_kvpctl_events_diag.c - kvpctl events on what the host reads from
 * every agent: the golden output of the spec's example records (azure-init's
 * doc/diagnostics.md), cloud-init's records and the provisioning report
 * beside pam_kvp's, groups that fail shown with their error token, the
 * filters --agent, --name, --since and --kind, and pam_kvp's own DIAG
 * records (a session one start+finish row with its duration, the legacy
 * records beside them). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_fixture.h"
#include "kvpctl_run.h"
#include "test_util.h"

TestSuite(kvpctl_events_diag, .init = kr_setup, .fini = kr_teardown);

#define AZ	"DIAG|azure-init/0.1.1|3f2504e0-4f89-41d3-9a0c-0305e82c3301|"
#define OP	"provision:run|8f3e9c4a-1b2c-4d5e-9f01-234567890abc|"
#define EX	"example|9f3e9c4a-1b2c-4d5e-9f01-234567890abc|"
#define VM	"3f2504e0-4f89-41d3-9a0c-0305e82c3301"
#define OPID	"8f3e9c4a-1b2c-4d5e-9f01-234567890abc"
#define EXID	"9f3e9c4a-1b2c-4d5e-9f01-234567890abc"
#define K_START AZ "start|" OP "2026-08-31T12:34:56.789Z|none|||0"
#define K_FINISH                                                               \
	AZ "finish|" OP "2026-08-31T12:34:57.101Z|none|success|0.312000|0"
#define K_EVENT AZ "event|" EX "2026-08-31T12:34:57.102Z|zlib+b64|||0"

/* The three records of the spec's example, in its order. */
static void plant_spec(void)
{
	kr_plant(K_START, "starting");
	kr_plant(K_FINISH, "provisioning succeeded");
	kr_plant(K_EVENT, "eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4=");
}

Test(kvpctl_events_diag, golden_table_of_the_spec_examples)
{
	plant_spec();
	kr_assert_output(
	    KR_OUT("events"),
	    "TIME                      AGENT             KIND          NAME    "
	    "       RESULT   DURATION  MESSAGE\n"
	    "2026-08-31T12:34:56.789Z  azure-init/0.1.1  start+finish  "
	    "provision:run  success    0.312s  provisioning succeeded\n"
	    "2026-08-31T12:34:57.102Z  azure-init/0.1.1  event         example "
	    "       -               -  Test string 123\n");
}

Test(kvpctl_events_diag, golden_json_of_the_spec_examples)
{
	plant_spec();
	kr_assert_output(
	    KR_OUT("events", "--json"),
	    "[\n"
	    "{\"schema\":\"diag\",\"agent\":\"azure-init/"
	    "0.1.1\",\"vm_id\":\"" VM "\",\"kind\":\"start\",\"name\":"
	    "\"provision:run\",\"event_id\":\"" OPID
	    "\",\"timestamp\":\"2026-08-31T12:34:56.789Z\",\"encoding\":"
	    "\"none\","
	    "\"payload\":\"starting\",\"key\":\"" K_START "\",\"chunks\":1},\n"
	    "{\"schema\":\"diag\",\"agent\":\"azure-init/"
	    "0.1.1\",\"vm_id\":\"" VM "\",\"kind\":\"finish\",\"name\":"
	    "\"provision:run\",\"event_id\":\"" OPID
	    "\",\"timestamp\":\"2026-08-31T12:34:57.101Z\",\"encoding\":"
	    "\"none\","
	    "\"result\":\"success\",\"duration\":0.312,\"payload\":"
	    "\"provisioning "
	    "succeeded\",\"key\":\"" K_FINISH "\",\"chunks\":1},\n"
	    "{\"schema\":\"diag\",\"agent\":\"azure-init/"
	    "0.1.1\",\"vm_id\":\"" VM
	    "\",\"kind\":\"event\",\"name\":\"example\",\"event_id\":\"" EXID
	    "\",\"timestamp\":\"2026-08-31T12:34:57.102Z\",\"encoding\":"
	    "\"zlib+b64\",\"payload\":\"Test string 123\",\"key\":\"" K_EVENT
	    "\",\"chunks\":1}\n"
	    "]\n");
}

#define CI_EV "b7a822ba-4eea-46c0-b559-e84396101132"
#define REPORT                                                                 \
	"result=error|reason=no ssh key|agent=Azure-Init/0.0.0|pps_type=None|" \
	"vm_id=" VM "|timestamp=2026-08-31T12:35:00+00:00"

/* One record of each other schema, and failed groups. */
static void plant_everyone(void)
{
	plant_spec();
	ef_put(KVP_EVENT_AUTH_FAIL, 0); /* 2024-01-02T03:04:05Z */
	kr_plant("CLOUD_INIT|1788179000|finish|init-network/config-ssh|" VM
		 "|" CI_EV,
		 "{\"name\":\"init-network/config-ssh\",\"type\":\"finish\","
		 "\"ts\":\"2026-08-31T14:34:58.5+02:00\",\"result\":\"WARN\","
		 "\"msg\":\"ssh keys \\u00e9\"}");
	kr_plant("PROVISIONING_REPORT", REPORT);
	kr_plant(AZ "event|broken|" EXID "|2026-08-31T12:35:01.000Z|none|||1",
		 "the second half");
	kr_plant("DIAG_V2|future|format", "?");
}

Test(kvpctl_events_diag, every_agent_in_one_table)
{
	char *out;

	plant_everyone();
	out = KR_OUT("events");
	cr_assert_eq(ef_lines(out), 8, "%s", out);
	cr_assert_not_null(strstr(out, "2024-01-02T03:04:05.000Z  PAM_KVP "),
			   "%s", out);
	cr_assert_not_null(
	    strstr(out, "2026-08-31T12:34:58.500Z  CLOUD_INIT        finish "
			"       init-network/config-ssh  WARN    "),
	    "%s", out);
	cr_assert_not_null(strstr(out, "ssh keys \xc3\xa9\n"), "%s", out);
	cr_assert_not_null(strstr(out, "2026-08-31T12:35:00.000Z  "
				       "Azure-Init/0.0.0  event         "
				       "PROVISIONING_REPORT      error   "),
			   "%s", out);
	cr_assert_not_null(strstr(out,
				  "incomplete_group: no chunk 0 (1 record, "
				  "key " AZ "event|broken|"),
			   "%s", out);
	/* Without a time: first. */
	cr_assert_not_null(strstr(out, "\n-                         -       "),
			   "%s", out);
	cr_assert_not_null(strstr(out, "unsupported_version: "), "%s", out);
	free(out);
}

/* The names of the entries `events --json ARGS` shows, one per line. */
static char *names(const char *const *args)
{
	const char *argv[16] = {"--dir", kr_dir, "events", "--json"};
	char *out, *list = calloc(1, 1);
	size_t n = 4;
	json_t *j;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	out = kr_output(argv);
	j = ef_parse(out);
	for (size_t i = 0; i < json_array_size(j); i++) {
		json_t *name = json_object_get(json_array_get(j, i), "name");
		char *more = kr_fmt(
		    "%s%s\n", list,
		    json_is_string(name) ? json_string_value(name) : "-");
		free(list);
		list = more;
	}
	json_decref(j);
	free(out);
	return list;
}
#define NAMES(...) names((const char *const[]){__VA_ARGS__, NULL})

Test(kvpctl_events_diag, filters)
{
	plant_everyone();
	kr_assert_output(NAMES("--agent", "azure-init"),
			 "provision:run\nprovision:run\nexample\nbroken\n");
	kr_assert_output(
	    NAMES("--agent", "azure-init/0.1.1", "--kind", "finish"),
	    "provision:run\n");
	kr_assert_output(NAMES("--agent", "azure"), "");
	kr_assert_output(NAMES("--agent", "CLOUD_INIT"),
			 "init-network/config-ssh\n");
	kr_assert_output(NAMES("--name", "provision:*"),
			 "provision:run\nprovision:run\n");
	kr_assert_output(NAMES("--name", "*ssh*", "--kind", "finish"),
			 "init-network/config-ssh\n");
	kr_assert_output(NAMES("--kind", "event", "--since", "2026-08-31"),
			 "example\nPROVISIONING_REPORT\nbroken\n");
	kr_assert_output(NAMES("--since", "2026-08-31T12:34:57.102Z"),
			 "example\ninit-network/config-ssh\n"
			 "PROVISIONING_REPORT\nbroken\n");
	kr_assert_output(NAMES("--since", "2026-08-31T14:35:00+02:00"),
			 "PROVISIONING_REPORT\nbroken\n");
	kr_assert_output(NAMES("--since", "2026-08-31T12:35:01"), "broken\n");
	kr_assert_output(NAMES("--since", "@1704164645"),
			 "auth_fail\nprovision:run\nprovision:run\nexample\n"
			 "init-network/config-ssh\nPROVISIONING_REPORT\n"
			 "broken\n");
	/* A failed group keeps what its key gives: --kind has no kind for
	 * an unsupported version. */
	kr_assert_output(NAMES("--kind", "event", "--name", "*"),
			 "auth_fail\nexample\nPROVISIONING_REPORT\nbroken\n");
}

Test(kvpctl_events_diag, json_errors_keep_every_record)
{
	json_t *j, *o;
	char *out;

	plant_everyone();
	kr_plant(AZ "event|broken|" EXID "|2026-08-31T12:35:01.000Z|none|||1",
		 "twice");
	out = KR_OUT("events", "--json", "--name", "broken");
	j = ef_parse(out);
	cr_assert_eq(json_array_size(j), 1);
	o = json_array_get(j, 0);
	ef_assert_json_str(json_object_get(o, "error"), "duplicate_chunk");
	ef_assert_json_str(json_object_get(o, "kind"), "event");
	cr_assert_eq(json_array_size(json_object_get(o, "records")), 2);
	ef_assert_json_str(
	    json_object_get(json_array_get(json_object_get(o, "records"), 1),
			    "value"),
	    "twice");
	cr_assert_null(json_object_get(o, "payload"));
	cr_assert_null(json_object_get(o, "chunks"));
	json_decref(j);
	free(out);
}

/* ---- pam_kvp's own DIAG records (format = "diag", the default) ---- */

/* A session of alice's (open at T0, closed 10.25 s later) and a failed
 * password 20 s in, written by the library as the module writes them;
 * with `legacy`, the same a day earlier in the legacy format too. */
static void pam_session(bool legacy)
{
	kvp_settings *s = ef_diag_settings();
	kvp_settings *old = ef_settings();
	kvp_event ev;

	for (int f = legacy ? 0 : 1; f < 2; f++) {
		long long day = f == 0 ? -86400 : 0;
		ev = ef_event(KVP_EVENT_SESSION_OPEN, day);
		ef_record(f == 0 ? old : s, &ev);
		ev = ef_event(KVP_EVENT_SESSION_CLOSE, day + 10);
		ev.has_duration = true;
		ev.duration_s = 10.25;
		ef_record(f == 0 ? old : s, &ev);
		ev = ef_event(KVP_EVENT_AUTH_FAIL, day + 20);
		ev.session = NULL;
		ev.result = "auth_err";
		ef_record(f == 0 ? old : s, &ev);
	}
	kvp_settings_free(s);
	kvp_settings_free(old);
}

Test(kvpctl_events_diag, pam_kvp_session_is_one_row_with_its_duration)
{
	pam_session(false);
	kr_assert_output(
	    KR_OUT("events"),
	    "TIME                      AGENT          KIND          NAME       "
	    "       RESULT   DURATION  MESSAGE\n"
	    "2024-01-02T03:04:05.000Z  pam_kvp/" KVP_VERSION
	    "  start+finish  pam:sshd:session  success   10.250s  sshd "
	    "user=alice rhost=192.0.2.7 tty=ssh\n"
	    "2024-01-02T03:04:25.000Z  pam_kvp/" KVP_VERSION
	    "  event         pam:sshd:auth     fail            -  sshd "
	    "user=alice rhost=192.0.2.7 tty=ssh\n");
}

/* The legacy records of an earlier day still show, as their own rows. */
Test(kvpctl_events_diag, pam_kvp_legacy_and_diag_records_together)
{
	char *out;

	pam_session(true);
	out = KR_OUT("events");
	cr_assert_eq(ef_lines(out), 5, "%s", out);
	cr_assert_not_null(strstr(out, "2024-01-01T03:04:05.000Z  PAM_KVP    "
				       "    start+finish  session           "
				       "success    10.250s  sshd user=alice "),
			   "%s", out);
	cr_assert_not_null(strstr(out, "2024-01-01T03:04:25.000Z  PAM_KVP    "
				       "    event         auth_fail         "
				       "auth_err         -  sshd user=alice "),
			   "%s", out);
	cr_assert_not_null(
	    strstr(out, "2024-01-02T03:04:05.000Z  pam_kvp/" KVP_VERSION
			"  start+finish  pam:sshd:session  "
			"success    10.250s  sshd user=alice "),
	    "%s", out);
	cr_assert_not_null(
	    strstr(out, "2024-01-02T03:04:25.000Z  pam_kvp/" KVP_VERSION
			"  event         pam:sshd:auth     "
			"fail             -  sshd user=alice "),
	    "%s", out);
	free(out);
}

/* --json: one object per record; start and finish share the event id
 * (the session id), the finish has the duration, the failure is an
 * event with result fail; the payload is the module's JSON value. */
Test(kvpctl_events_diag, pam_kvp_json)
{
	json_t *j, *start, *finish, *fail, *v;
	char *out;

	pam_session(false);
	out = KR_OUT("events", "--json");
	j = ef_parse(out);
	cr_assert_eq(json_array_size(j), 3, "%s", out);
	start = json_array_get(j, 0);
	finish = json_array_get(j, 1);
	fail = json_array_get(j, 2);
	for (size_t i = 0; i < 3; i++) {
		json_t *o = json_array_get(j, i);
		ef_assert_json_str(json_object_get(o, "schema"), "diag");
		ef_assert_json_str(json_object_get(o, "agent"),
				   "pam_kvp/" KVP_VERSION);
		ef_assert_json_str(json_object_get(o, "encoding"), "none");
		cr_assert_eq(json_integer_value(json_object_get(o, "chunks")),
			     1);
	}
	ef_assert_json_str(json_object_get(start, "kind"), "start");
	ef_assert_json_str(json_object_get(finish, "kind"), "finish");
	ef_assert_json_str(json_object_get(start, "event_id"), EF_SESSION);
	ef_assert_json_str(json_object_get(finish, "event_id"), EF_SESSION);
	ef_assert_json_str(json_object_get(start, "name"), "pam:sshd:session");
	ef_assert_json_str(json_object_get(finish, "name"), "pam:sshd:session");
	ef_assert_json_str(json_object_get(finish, "result"), "success");
	cr_assert_float_eq(json_real_value(json_object_get(finish, "duration")),
			   10.25, 1e-9);
	cr_assert_null(json_object_get(start, "duration"));
	ef_assert_json_str(json_object_get(fail, "kind"), "event");
	ef_assert_json_str(json_object_get(fail, "name"), "pam:sshd:auth");
	ef_assert_json_str(json_object_get(fail, "result"), "fail");
	cr_assert_str_neq(json_string_value(json_object_get(fail, "event_id")),
			  EF_SESSION);
	v = ef_parse(json_string_value(json_object_get(finish, "payload")));
	ef_assert_json_str(json_object_get(v, "event"), "session_close");
	ef_assert_json_str(json_object_get(v, "session"), EF_SESSION);
	json_decref(v);
	json_decref(j);
	free(out);
}
