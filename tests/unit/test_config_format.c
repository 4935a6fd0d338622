/* test_config_format.c - kvp_settings_format (its text reads back to the
 * same settings) and the names of events. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_config_util.h"
#include "test_util.h"

/* Format, load the text back, compare (debug, a module argument, is
 * only a comment in the file). */
static void assert_round_trip(const kvp_settings *s)
{
	char *text = kvp_settings_format(s), *back_text, *debug;
	TC_AUTO kvp_settings *back = NULL;

	cr_assert_not_null(text);
	tc_load_ok(text, NULL, &back);
	cr_assert_not(kvp_settings_debug(back));
	back_text = kvp_settings_format(back);
	cr_assert_not_null(back_text);
	debug = strstr(text, "# debug (module argument)\n");
	if (debug)
		*debug = '\0';
	cr_assert_str_eq(back_text, text);
	free(back_text);
	free(text);
}

Test(config_format, defaults_round_trip)
{
	TC_AUTO kvp_settings *s = tc_new();

	assert_round_trip(s);
}

Test(config_format, defaults_text)
{
	TC_AUTO kvp_settings *s = tc_new();
	char *text = kvp_settings_format(s);

	cr_assert_not_null(text);
	cr_assert_str_eq(text,
			 "# pam_kvp effective settings\n"
			 "pool = \"guest\";\n"
			 "mode = \"safe\";\n"
			 "pool_dir = \"/var/lib/hyperv\";\n"
			 "format = \"diag\";\n"
			 "key_prefix = \"PAM_KVP\";\n"
			 "write = \"append\";\n"
			 "events = [\"auth_fail\", \"session_open\", "
			 "\"session_close\"];\n"
			 "fields = {\n"
			 "\tuser = \"plain\";\n"
			 "\truser = \"plain\";\n"
			 "\trhost = \"plain\";\n"
			 "\ttty = \"plain\";\n"
			 "\thost = \"plain\";\n"
			 "};\n"
			 "max_records = 256;\n"
			 "max_failures = 128;\n"
			 "lock_timeout_ms = 200;\n"
			 "clear_if_stale = true;\n"
			 "on_error = \"ignore\";\n"
			 "hash_key_file = \"/etc/security/pam_kvp.key\";\n"
			 "invalid_user = \"mask\";\n");
	free(text);
}

Test(config_format, every_setting_changed_round_trips)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("fields = { user = \"hash\"; rhost = \"omit\"; "
		   "host = \"hash\"; };",
		   NULL, &s);
	tc_set(s, "pool=auto_internal");
	tc_set(s, "mode=unsafe");
	tc_set(s, "pool_dir=/srv/kvp \"quoted\" back\\slash/\xc3\xa9");
	tc_set(s, "format=pam_kvp");
	tc_set(s, "key_prefix=A.b-C_9");
	tc_set(s, "write=insert");
	tc_set(s, "events=auth,password");
	tc_set(s, "max_records=1");
	tc_set(s, "max_failures=1024");
	tc_set(s, "lock_timeout_ms=60000");
	tc_set(s, "clear_if_stale=no");
	tc_set(s, "on_error=fail");
	tc_set(s, "invalid_user=hash");
	tc_set(s, "hash_key_file=/k/tab\there/nl\nx/\x7f");
	tc_is_str(s, "user", "hash");
	tc_is_str(s, "rhost", "omit");
	tc_is(s, "hash_key_file", "\"/k/tab\\x09here/nl\\x0ax/\\x7f\"");
	assert_round_trip(s);
}

Test(config_format, every_event_set_round_trips)
{
	TC_AUTO kvp_settings *s = tc_new();
	char arg[128];

	for (unsigned int m = 0; m < 1u << KVP_EVENT_COUNT; m++) {
		int n = snprintf(arg, sizeof(arg), "events=");

		for (int i = 0; i < KVP_EVENT_COUNT; i++)
			if (m >> i & 1)
				n += snprintf(
				    arg + n, sizeof(arg) - (size_t)n, "%s%s",
				    n > 7 ? "," : "",
				    kvp_event_type_name((kvp_event_type)i));
		tc_set(s, arg);
		for (int i = 0; i < KVP_EVENT_COUNT; i++)
			cr_assert_eq(
			    kvp_settings_event_enabled(s, (kvp_event_type)i),
			    (m >> i & 1) != 0, "%s", arg);
		assert_round_trip(s);
	}
}

Test(config_format, every_pool_and_policy_round_trips)
{
	static const char *const fields[] = {"user", "ruser", "rhost", "tty",
					     "host"};
	static const char *const policies[] = {"plain", "hash", "omit"};
	TC_AUTO kvp_settings *s = NULL;
	char text[256], arg[32];

	for (int p = 0; p < KVP_POOL_COUNT; p++) {
		int n = snprintf(text, sizeof(text), "fields = {");

		for (int f = 0; f < 5; f++)
			n += snprintf(text + n, sizeof(text) - (size_t)n,
				      " %s = \"%s\";", fields[f],
				      policies[(p + f) % 3]);
		snprintf(text + n, sizeof(text) - (size_t)n, " };");
		tc_load_ok(text, NULL, &s);
		snprintf(arg, sizeof(arg), "pool=%d", p);
		tc_set(s, arg);
		cr_assert_eq(kvp_settings_pool(s), (kvp_pool)p);
		assert_round_trip(s);
	}
}

Test(config_format, empty_events_and_debug)
{
	TC_AUTO kvp_settings *s = tc_new();
	char *text;

	tc_set(s, "events=");
	tc_set(s, "debug");
	text = kvp_settings_format(s);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "\nevents = [];\n"));
	cr_assert(strstr(text, "\n# debug (module argument)\n"));
	free(text);
	assert_round_trip(s);
}

Test(config_format, loaded_settings_round_trip)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("pool = \"auto\"; events = [\"account\"];\n"
		   "fields = { tty = \"omit\"; };\n"
		   "services = { su = { max_records = 9; write = \"insert\"; "
		   "}; };\n",
		   "su", &s);
	assert_round_trip(s);
}

Test(config_format, null_settings)
{
	cr_assert_null(kvp_settings_format(NULL));
}

Test(config_names, events)
{
	static const char *const want[KVP_EVENT_COUNT] = {
	    "auth",	    "auth_fail",     "account",
	    "session_open", "session_close", "password",
	};
	char arg[32];

	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		TC_AUTO kvp_settings *s = tc_new();

		cr_assert_str_eq(kvp_event_type_name((kvp_event_type)i),
				 want[i]);
		snprintf(arg, sizeof(arg), "events=%s", want[i]);
		tc_set(s, arg);
		for (int j = 0; j < KVP_EVENT_COUNT; j++)
			cr_assert_eq(
			    kvp_settings_event_enabled(s, (kvp_event_type)j),
			    i == j);
	}
	cr_assert_null(kvp_event_type_name(KVP_EVENT_COUNT));
	cr_assert_null(kvp_event_type_name((kvp_event_type)-1));
}

Test(config_names, unknown_event_names_are_refused)
{
	static const char *const bad[] = {"session", "", "AUTH"};
	char arg[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		TC_AUTO kvp_settings *s = tc_new();

		snprintf(arg, sizeof(arg), "events=auth,%s", bad[i]);
		cr_assert_eq(kvp_settings_set(s, arg), KVP_ERR_CONFIG);
		cr_assert(
		    bad[i][0]
			? strstr(kvp_error_last()->message, "unknown event")
			: strstr(kvp_error_last()->message, "empty event"),
		    "%s", kvp_error_last()->message);
		tc_is(s, "events",
		      "[\"auth_fail\", \"session_open\", \"session_close\"]");
	}
}
