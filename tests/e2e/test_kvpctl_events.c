/* test_kvpctl_events.c - kvpctl events end to end on pam_kvp's own legacy
 * records (without --follow, see test_kvpctl_follow.c; the other schemas
 * and the filters are in test_kvpctl_events_diag.c): records written by
 * the library shown as a table oldest first, a session's open and close
 * as one row, and as JSON parsed back with jansson; records of no known
 * schema left out; records with our prefix but a foreign value or key
 * still shown, as malformed; hostile bytes escaped; --prefix; pool,
 * directory and prefix from the configuration file; empty and missing
 * pools; usage errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_fixture.h"
#include "kvpctl_run.h"
#include "test_util.h"

TestSuite(kvpctl_events, .init = kr_setup, .fini = kr_teardown);

#define HEADER "TIME  AGENT  KIND  NAME  RESULT  DURATION  MESSAGE\n"

static json_t *json_events(const char *const *args)
{
	char *out = kr_output(args);
	json_t *j = ef_parse(out);

	free(out);
	cr_assert(json_is_array(j), "not an array");
	return j;
}
#define JSON_EVENTS(...)                                                       \
	json_events((const char *const[]){"--dir", kr_dir, __VA_ARGS__, NULL})

/* A config file in kr_dir holding `text`; its path (malloc'd). */
static char *write_config(const char *text)
{
	char *path = tu_path(kr_dir, "pam_kvp.conf");

	tu_write_file(path, text, strlen(text));
	return path;
}

Test(kvpctl_events, table_is_oldest_first_whatever_the_file_order)
{
	char *out, *line;

	ef_put(KVP_EVENT_SESSION_OPEN, 20);
	ef_put(KVP_EVENT_AUTH_FAIL, 0);
	ef_put(KVP_EVENT_SESSION_CLOSE, 10);
	out = KR_OUT("events");
	cr_assert_eq(ef_lines(out), 4, "%s", out);
	line = ef_line(out, 0);
	cr_assert_eq(strncmp(line, "TIME ", 5), 0, "%s", line);
	free(line);
	/* The close is older than the open: not joined. */
	static const char *const order[][2] = {
	    {EF_TIME(05), "  event   auth_fail  "},
	    {EF_TIME(15), "  finish  session  "},
	    {EF_TIME(25), "  start   session  "},
	};
	for (size_t i = 0; i < 3; i++) {
		line = ef_line(out, i + 1);
		cr_assert_eq(strncmp(line, order[i][0], strlen(order[i][0])), 0,
			     "row %zu: %s", i, line);
		cr_assert_not_null(strstr(line, order[i][1]), "%s", line);
		free(line);
	}
	free(out);
}

Test(kvpctl_events, row_shows_every_column)
{
	kvp_event ev = ef_event(KVP_EVENT_SESSION_CLOSE, 0);

	ev.has_duration = true;
	ev.duration_s = 42.5;
	ef_record(NULL, &ev);
	kr_assert_output(
	    KR_OUT("events"),
	    "TIME                      AGENT    KIND    NAME     RESULT   "
	    "DURATION  MESSAGE\n"
	    "2024-01-02T03:04:05.000Z  PAM_KVP  finish  session  success   "
	    "42.500s  sshd user=alice rhost=192.0.2.7 tty=ssh\n");
}

Test(kvpctl_events, session_open_and_close_are_one_row)
{
	kvp_event ev = ef_event(KVP_EVENT_SESSION_CLOSE, 10);
	char *out;

	ef_put(KVP_EVENT_SESSION_OPEN, 0);
	ef_put(KVP_EVENT_AUTH, 5);
	ev.has_duration = true;
	ev.duration_s = 10.25;
	ef_record(NULL, &ev);
	out = KR_OUT("events");
	cr_assert_eq(ef_lines(out), 3, "%s", out);
	cr_assert_not_null(strstr(out, EF_TIME(05) "  PAM_KVP  start+finish  "
						   "session  success   "
						   "10.250s  sshd user=alice"),
			   "%s", out);
	free(out);
}

Test(kvpctl_events, durations_and_missing_fields)
{
	static const double secs[] = {5, 185, 7384};
	kvp_event ev;
	char *out;

	for (size_t i = 0; i < 3; i++) {
		ev = ef_event(KVP_EVENT_SESSION_CLOSE, (long long)i);
		ev.has_duration = true;
		ev.duration_s = secs[i];
		ef_record(NULL, &ev);
	}
	ev = (kvp_event){.version = KVP_EVENT_VERSION,
			 .type = KVP_EVENT_AUTH,
			 .time = {EF_T0 + 9, 0}};
	ef_record(NULL, &ev);
	out = KR_OUT("events");
	cr_assert_not_null(strstr(out, " 5.000s  "), "%s", out);
	cr_assert_not_null(strstr(out, " 3m05s  "), "%s", out);
	cr_assert_not_null(strstr(out, " 2h03m04s  "), "%s", out);
	/* Only the time and the event name: the rest is "-". */
	cr_assert_not_null(strstr(out,
				  "\n" EF_TIME(14) "  PAM_KVP  event   "
						   "auth     -               "
						   "-  -\n"),
			   "%s", out);
	free(out);
}

Test(kvpctl_events, records_of_no_known_schema_are_left_out)
{
	json_t *j;
	char *out;

	/* Left out: no schema the host's reader knows. */
	kr_plant("PAM_KVPX|auth|sshd|20240102T030405.000Z|00000001", "{}");
	kr_plant("pam_kvp|auth|sshd|20240102T030405.000Z|00000002", "{}");
	kr_plant("azure-init|x", "y");
	ef_put(KVP_EVENT_AUTH, 1);
	/* Shown, as malformed: cloud-init's and our prefix, wrong keys. */
	kr_plant("CLOUD_INIT|provisioning|1|20240102T030405.000Z|x",
		 "{\"v\":1,\"event\":\"auth\"}");
	kr_plant("PAM_KVP", "no bar after the prefix");

	out = KR_OUT("events");
	cr_assert_eq(ef_lines(out), 4, "%s", out);
	cr_assert_null(strstr(out, "PAM_KVPX"), "%s", out);
	cr_assert_null(strstr(out, "azure-init"), "%s", out);
	cr_assert_not_null(strstr(out, "  CLOUD_INIT  -     "), "%s", out);
	cr_assert_eq(kr_count(out, "malformed: "), 2, "%s", out);
	free(out);
	j = JSON_EVENTS("events", "--json");
	cr_assert_eq(json_array_size(j), 3);
	ef_assert_json_str(json_object_get(json_array_get(j, 0), "error"),
			   "malformed");
	ef_assert_json_str(json_object_get(json_array_get(j, 0), "schema"),
			   "cloud_init");
	json_decref(j);
}

Test(kvpctl_events, foreign_values_with_our_prefix_are_shown_not_dropped)
{
	struct kr_result r;
	char *line;

	kr_plant("PAM_KVP|auth|sshd|20240102T030406.000Z|deadbeef", "garbage{");
	kr_plant("PAM_KVP|weird", "[1,2]");
	kr_plant("PAM_KVP|auth|cron|20240102T030407.000Z|00000001",
		 "{\"v\":2,\"event\":\"auth\"}");
	ef_put(KVP_EVENT_AUTH, 0);

	KR_RUN(&r, "events");
	kr_assert_status(&r, 0);
	cr_assert_str_empty(r.err, "%s", r.err);
	cr_assert_eq(ef_lines(r.out), 5, "%s", r.out);
	/* No time in the key: sorted first, as the oldest. */
	line = ef_line(r.out, 1);
	cr_assert_not_null(strstr(line, "malformed: a pam_kvp key has 5 fields "
					"(1 record, key PAM_KVP|weird)"),
			   "%s", line);
	free(line);
	line = ef_line(r.out, 3);
	cr_assert_eq(strncmp(line, EF_TIME(06) "  PAM_KVP  -      auth  ", 48),
		     0, "%s", line);
	cr_assert_not_null(strstr(line,
				  "malformed: not a version 1 pam_kvp "
				  "event object (1 record, key "
				  "PAM_KVP|auth|sshd|20240102T030406.000Z|"
				  "deadbeef)"),
			   "%s", line);
	free(line);
	line = ef_line(r.out, 4);
	cr_assert_not_null(strstr(line, "malformed: not a version 1 pam_kvp "
					"event object (1 record, key "
					"PAM_KVP|auth|cron|"),
			   "%s", line);
	free(line);
	kr_free(&r);
}

Test(kvpctl_events, hostile_bytes_are_escaped_in_the_table)
{
	kvp_event ev = ef_event(KVP_EVENT_AUTH_FAIL, 0);
	struct kr_result r;

	ev.user = "\x1b[31mroot";
	ev.rhost = "evil\xff\xe2\x80\xae";
	ev.tty = "\xc2\x9b"
		 "2J";
	ev.service = "s\x07";
	ef_record(NULL, &ev);
	kr_plant("PAM_KVP|\x1b]0;pwn\x07|x\xfe|20240102T030406.000Z|1",
		 "\xff\x1b[2J");

	KR_RUN(&r, "events");
	kr_assert_status(&r, 0);
	ef_assert_terminal_safe(r.out, r.out_len);
	cr_assert_not_null(strstr(r.out, " user=\\x1b[31mroot "), "%s", r.out);
	/* The library stored U+FFFD for the invalid byte; RLO is escaped. */
	cr_assert_not_null(strstr(r.out, "evil\xef\xbf\xbd\\xe2\\x80\\xae"),
			   "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\\xc2\\x9b2J"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  s\\x07 user="), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "malformed: not a pam_kvp event name "
					 "(1 record, key PAM_KVP|"
					 "\\x1b]0;pwn\\x07|x\\xfe|"),
			   "%s", r.out);
	kr_free(&r);
}

/* Member `name` of the entry's pam_kvp value. */
static json_t *value_of(json_t *o, const char *name)
{
	return json_object_get(json_object_get(o, "value"), name);
}

Test(kvpctl_events, json_is_an_array_of_values_with_their_keys)
{
	kvp_record_list list;
	kvp_store *store = tu_store(kr_dir, KVP_MODE_SAFE);
	char *out;
	json_t *j;

	ef_put(KVP_EVENT_SESSION_OPEN, 2);
	ef_put(KVP_EVENT_AUTH, 1);
	ef_put(KVP_EVENT_SESSION_CLOSE, 3);
	cr_assert_eq(kvp_event_list(store, NULL, &list), 0);
	out = KR_OUT("events", "--json");
	/* "[", one object per line, "]". */
	cr_assert_eq(ef_lines(out), 5, "%s", out);
	cr_assert_eq(strncmp(out, "[\n{\"schema\":\"pam_kvp\",", 22), 0, "%s",
		     out);
	j = ef_parse(out);
	cr_assert_eq(json_array_size(j), 3);
	static const char *const names[][3] = {
	    {"auth", "event", "auth"},
	    {"session_open", "start", "session"},
	    {"session_close", "finish", "session"},
	};
	for (size_t i = 0; i < 3; i++) {
		json_t *o = json_array_get(j, i);
		ef_assert_json_str(json_object_get(o, "key"),
				   list.records[i].key);
		ef_assert_json_str(json_object_get(o, "agent"), "PAM_KVP");
		ef_assert_json_str(json_object_get(o, "kind"), names[i][1]);
		ef_assert_json_str(json_object_get(o, "name"), names[i][2]);
		ef_assert_json_str(json_object_get(o, "result"), "success");
		ef_assert_json_str(value_of(o, "event"), names[i][0]);
		ef_assert_json_str(value_of(o, "user"), "alice");
		ef_assert_json_str(value_of(o, "session"), EF_SESSION);
		cr_assert_eq(json_integer_value(value_of(o, "v")), 1);
		cr_assert_eq(json_integer_value(value_of(o, "pid")), 4242);
	}
	/* The session id joins open and close. */
	ef_assert_json_str(json_object_get(json_array_get(j, 1), "event_id"),
			   EF_SESSION);
	json_decref(j);
	free(out);
	kvp_record_list_free(&list);
	kvp_store_free(store);
}

Test(kvpctl_events, json_keeps_foreign_values_with_the_reason)
{
	struct kr_result r;
	json_t *j, *o, *rec;

	kr_plant("PAM_KVP|auth|\xfe|20240102T030406.000Z|1", "bad\xff value");
	KR_RUN(&r, "events", "--json");
	kr_assert_status(&r, 0);
	ef_assert_terminal_safe(r.out, r.out_len);
	j = ef_parse(r.out);
	cr_assert_eq(json_array_size(j), 1);
	o = json_array_get(j, 0);
	ef_assert_json_str(json_object_get(o, "key"),
			   "PAM_KVP|auth|\xef\xbf\xbd|20240102T030406.000Z|1");
	ef_assert_json_str(json_object_get(o, "error"), "malformed");
	ef_assert_json_str(json_object_get(o, "detail"),
			   "not a pam_kvp service token");
	rec = json_array_get(json_object_get(o, "records"), 0);
	ef_assert_json_str(json_object_get(rec, "key"),
			   "PAM_KVP|auth|\xef\xbf\xbd|20240102T030406.000Z|1");
	ef_assert_json_str(json_object_get(rec, "value"),
			   "bad\xef\xbf\xbd value");
	cr_assert_null(json_object_get(o, "value"));
	json_decref(j);
	kr_free(&r);
}

Test(kvpctl_events, json_escapes_controls_and_parses_back_to_the_same)
{
	kvp_event ev = ef_event(KVP_EVENT_AUTH, 0);
	struct kr_result r;
	json_t *j;

	ev.user = "\x1b[2J\xc2\x9b";
	ev.rhost = "\xe2\x80\xae"
		   "host";
	ef_record(NULL, &ev);
	KR_RUN(&r, "events", "--json");
	kr_assert_status(&r, 0);
	ef_assert_terminal_safe(r.out, r.out_len);
	j = ef_parse(r.out);
	ef_assert_json_str(value_of(json_array_get(j, 0), "user"),
			   "\x1b[2J\xc2\x9b");
	ef_assert_json_str(value_of(json_array_get(j, 0), "rhost"),
			   "\xe2\x80\xae"
			   "host");
	json_decref(j);
	kr_free(&r);
}

Test(kvpctl_events, empty_and_missing_pools_show_no_events)
{
	char *missing = tu_path(kr_dir, "no/such/dir");

	/* No pool file yet. */
	kr_assert_output(KR_OUT("events"), HEADER);
	kr_assert_output(KR_OUT("events", "--json"), "[]\n");
	cr_assert_eq(tu_file_size(kr_pool), -1, "events created the pool");
	/* An empty one. */
	tu_write_file(kr_pool, "", 0);
	kr_assert_output(KR_OUT("events"), HEADER);
	kr_assert_output(KR_OUT("events", "--json"), "[]\n");
	/* No directory either. */
	kr_assert_output(
	    kr_output((const char *const[]){"--dir", missing, "events", NULL}),
	    HEADER);
	free(missing);
}

Test(kvpctl_events, prefix_option_selects_the_records)
{
	kvp_settings *other = ef_settings();
	kvp_event ev = ef_event(KVP_EVENT_AUTH, 1);
	json_t *j;

	ef_set(other, "key_prefix=OTHER.1");
	ef_record(other, &ev);
	kvp_settings_free(other);
	ef_put(KVP_EVENT_SESSION_OPEN, 0);

	j = JSON_EVENTS("events", "--json");
	cr_assert_eq(json_array_size(j), 1);
	ef_assert_json_str(value_of(json_array_get(j, 0), "event"),
			   "session_open");
	json_decref(j);
	j = JSON_EVENTS("events", "--json", "--prefix", "OTHER.1");
	cr_assert_eq(json_array_size(j), 1);
	cr_assert_eq(strncmp(json_string_value(
				 json_object_get(json_array_get(j, 0), "key")),
			     "OTHER.1|auth|", 13),
		     0);
	json_decref(j);
	j = JSON_EVENTS("events", "--json", "--prefix=OTHER");
	cr_assert_eq(json_array_size(j), 0);
	json_decref(j);
}

Test(kvpctl_events, pool_dir_and_prefix_come_from_the_config)
{
	kvp_settings *s = ef_settings();
	kvp_event ev = ef_event(KVP_EVENT_SESSION_OPEN, 0);
	char *conf =
	    kr_fmt("pool_dir = \"%s\";\nkey_prefix = \"CFG\";\n", kr_dir);
	char *path = write_config(conf);
	json_t *j;

	ef_set(s, "key_prefix=CFG");
	ef_record(s, &ev);
	kvp_settings_free(s);
	ef_put(KVP_EVENT_AUTH, 1); /* PAM_KVP: not this config's */
	j = json_events(
	    (const char *const[]){"--config", path, "events", "--json", NULL});
	cr_assert_eq(json_array_size(j), 1);
	cr_assert_eq(strncmp(json_string_value(
				 json_object_get(json_array_get(j, 0), "key")),
			     "CFG|session_open|sshd|", 22),
		     0);
	json_decref(j);
	/* --prefix still wins over the file. */
	j = json_events((const char *const[]){
	    "--config", path, "events", "--json", "--prefix", "PAM_KVP", NULL});
	cr_assert_eq(json_array_size(j), 1);
	ef_assert_json_str(value_of(json_array_get(j, 0), "event"), "auth");
	json_decref(j);
	free(conf);
	free(path);
}

Test(kvpctl_events, pool_from_the_config_and_command_line_overrides)
{
	kvp_settings *s = ef_settings();
	kvp_event ev = ef_event(KVP_EVENT_AUTH, 0);
	char *conf = kr_fmt("pool = \"auto\";\npool_dir = \"%s\";\n", kr_dir);
	char *path = write_config(conf), *elsewhere = tu_mkdtemp();
	char *out;

	ef_set(s, "pool=auto");
	ef_record(s, &ev);
	kvp_settings_free(s);
	cr_assert_eq(tu_file_size(kr_pool), -1); /* not the guest pool */
	out =
	    kr_output((const char *const[]){"--config", path, "events", NULL});
	cr_assert_eq(ef_lines(out), 2, "%s", out);
	free(out);
	kr_assert_output(
	    kr_output((const char *const[]){"--config", path, "--pool", "guest",
					    "events", NULL}),
	    HEADER);
	kr_assert_output(
	    kr_output((const char *const[]){"--config", path, "--dir",
					    elsewhere, "events", NULL}),
	    HEADER);
	tu_rmtree(elsewhere);
	free(elsewhere);
	free(conf);
	free(path);
}

Test(kvpctl_events, bad_config_is_an_error_missing_config_the_defaults)
{
	char *path = write_config("pool = \"guest\";\nmax_records = 0;\n");
	char *missing = tu_path(kr_dir, "missing.conf");
	char *where = kr_fmt("%s:2: max_records", path);
	struct kr_result r;

	kr_runv(&r, NULL,
		(const char *const[]){"--config", path, "events", NULL});
	kr_assert_status(&r, 3);
	cr_assert_str_empty(r.out);
	kr_assert_error(&r, where);
	kr_free(&r);
	free(where);
	/* A missing file is the defaults: prefix PAM_KVP. */
	ef_put(KVP_EVENT_AUTH, 0);
	kr_runv(&r, NULL,
		(const char *const[]){"--config", missing, "--dir", kr_dir,
				      "events", NULL});
	kr_assert_status(&r, 0);
	cr_assert_eq(ef_lines(r.out), 2, "%s", r.out);
	kr_free(&r);
	free(path);
	free(missing);
}

Test(kvpctl_events, torn_tail_is_a_warning)
{
	struct kr_result r;

	ef_put(KVP_EVENT_AUTH, 0);
	tu_append_file(kr_pool, "partial", 7);
	KR_RUN(&r, "events");
	kr_assert_status(&r, 0);
	cr_assert_eq(ef_lines(r.out), 2, "%s", r.out);
	kr_assert_error(&r, "warning", kr_pool, "7 bytes");
	kr_free(&r);
}

Test(kvpctl_events, unreadable_pool_is_an_error_naming_it)
{
	struct kr_result r;
	char *file = tu_path(kr_dir, "file");

	tu_write_file(file, "x", 1);
	for (int follow = 0; follow < 2; follow++) {
		kr_runv(&r, NULL,
			(const char *const[]){"--dir", file, "events",
					      follow ? "--follow" : "--json",
					      NULL});
		kr_assert_status(&r, 3);
		cr_assert_str_empty(r.out);
		kr_assert_error(&r, file);
		kr_free(&r);
	}
	free(file);
}

Test(kvpctl_events, usage_errors_exit_2)
{
	static const char *const cases[][4] = {
	    {"--prefix", "a|b", NULL, "--prefix: 'a|b'"},
	    {"--prefix", "", NULL, "--prefix: ''"},
	    {"--prefix", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", NULL,
	     "is not 1 to 32"},
	    {"--interval", "100", NULL, "only used with --follow"},
	    {"--follow", "--interval", "0", "--interval: '0'"},
	    {"--follow", "--interval", "abc", "--interval: 'abc'"},
	    {"--follow", "--interval", "99999999999", "--interval: '9999"},
	    {"extra", NULL, NULL, "too many arguments"},
	    {"--prefix", NULL, NULL, "'--prefix' needs an argument"},
	    {"--json=1", NULL, NULL, "takes no argument"},
	    {"--since", "yesterday", NULL,
	     "--since: 'yesterday' is not a time"},
	    {"--since", "2026-02-30", NULL, "--since: '2026-02-30'"},
	    {"--since", "@-1", NULL, "--since: '@-1'"},
	    {"--kind", "begin", NULL, "--kind: 'begin' is not event, start"},
	    {"--agent", NULL, NULL, "'--agent' needs an argument"},
	};
	struct kr_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kr_runv(&r, NULL,
			(const char *const[]){"--dir", kr_dir, "events",
					      cases[i][0], cases[i][1],
					      cases[i][2], NULL});
		kr_assert_status(&r, 2);
		cr_assert_str_empty(r.out);
		kr_assert_error(&r, cases[i][3]);
		kr_free(&r);
	}
}

/* Failures folded out of the failure budget: a summary row, not a
 * malformed one, saying how many came from where. */
Test(kvpctl_events, a_failure_summary_is_a_readable_row)
{
	kvp_settings *s = ef_settings();
	char *out, *line;

	cr_assert_eq(kvp_settings_set(s, "max_failures=1"), 0);
	for (int i = 0; i < 3; i++) {
		kvp_event ev = ef_event(KVP_EVENT_AUTH_FAIL, i);
		ef_record(s, &ev);
	}
	kvp_settings_free(s);
	out = KR_OUT("events");
	cr_assert_eq(ef_lines(out), 2, "%s", out);
	cr_assert_eq(kr_count(out, "malformed"), 0, "%s", out);
	line = ef_line(out, 1);
	cr_assert_not_null(strstr(line, "  event  auth_fail_summary  "), "%s",
			   line);
	cr_assert_not_null(strstr(line, "3 failures rhost="), "%s", line);
	free(line);
	free(out);
}
