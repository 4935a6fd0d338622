/* test_config_format.c - kvp_settings_format (its text reads back to the
 * same settings) and the names of events, fields, policies, write modes
 * and on_error values. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "test_config_util.h"
#include "test_util.h"

/* Format, load the text back, compare. */
static void assert_round_trip(const kvp_settings *s)
{
	char *text = kvp_settings_format(s);
	kvp_settings back, want = *s;

	cr_assert_not_null(text);
	tc_load_ok(text, NULL, &back);
	want.debug = false; /* a module argument, not a file setting */
	tc_assert_settings_eq(&back, &want);
	free(text);
}

Test(config_format, defaults_round_trip)
{
	kvp_settings s;

	kvp_settings_defaults(&s);
	assert_round_trip(&s);
}

Test(config_format, defaults_text)
{
	kvp_settings s;
	char *text;

	kvp_settings_defaults(&s);
	text = kvp_settings_format(&s);
	cr_assert_not_null(text);
	cr_assert_str_eq(text,
			 "# pam_kvp effective settings\n"
			 "pool = \"guest\";\n"
			 "mode = \"safe\";\n"
			 "pool_dir = \"/var/lib/hyperv\";\n"
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
			 "max_records = 512;\n"
			 "lock_timeout_ms = 200;\n"
			 "clear_if_stale = true;\n"
			 "on_error = \"ignore\";\n"
			 "hash_key_file = \"/etc/security/pam_kvp.key\";\n");
	free(text);
}

Test(config_format, every_setting_changed_round_trips)
{
	kvp_settings s;

	kvp_settings_defaults(&s);
	s.pool = KVP_POOL_AUTO_INTERNAL;
	s.mode = KVP_MODE_UNSAFE;
	strcpy(s.pool_dir, "/srv/kvp \"quoted\" back\\slash/\xc3\xa9");
	strcpy(s.key_prefix, "A.b-C_9");
	s.write = KVP_WRITE_INSERT;
	s.events = 1u << KVP_EVENT_AUTH | 1u << KVP_EVENT_PASSWORD;
	s.fields[KVP_FIELD_USER] = KVP_FIELD_HASH;
	s.fields[KVP_FIELD_RHOST] = KVP_FIELD_OMIT;
	s.fields[KVP_FIELD_HOST] = KVP_FIELD_HASH;
	s.max_records = 1;
	s.lock_timeout_ms = 60000;
	s.clear_if_stale = false;
	s.on_error = KVP_ON_ERROR_FAIL;
	strcpy(s.hash_key_file, "/k/tab\there/nl\nx/\x7f");
	assert_round_trip(&s);
}

Test(config_format, every_event_set_round_trips)
{
	kvp_settings s;

	kvp_settings_defaults(&s);
	for (unsigned int m = 0; m < 1u << KVP_EVENT_COUNT; m++) {
		s.events = m;
		assert_round_trip(&s);
	}
}

Test(config_format, every_pool_and_policy_round_trips)
{
	kvp_settings s;

	kvp_settings_defaults(&s);
	for (int p = 0; p < KVP_POOL_COUNT; p++) {
		s.pool = (kvp_pool)p;
		for (int f = 0; f < KVP_FIELD_COUNT; f++)
			s.fields[f] = (kvp_field_policy)((p + f) % 3);
		assert_round_trip(&s);
	}
}

Test(config_format, empty_events_and_debug)
{
	kvp_settings s;
	char *text;

	kvp_settings_defaults(&s);
	s.events = 0;
	s.debug = true;
	text = kvp_settings_format(&s);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "\nevents = [];\n"));
	cr_assert(strstr(text, "\n# debug (module argument)\n"));
	free(text);
	assert_round_trip(&s);
}

Test(config_format, loaded_settings_round_trip)
{
	kvp_settings s;

	tc_load_ok("pool = \"auto\"; events = [\"account\"];\n"
		   "fields = { tty = \"omit\"; };\n"
		   "services = { su = { max_records = 9; write = \"insert\"; "
		   "}; };\n",
		   "su", &s);
	assert_round_trip(&s);
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
	kvp_event_type t;

	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		cr_assert_str_eq(kvp_event_type_name((kvp_event_type)i),
				 want[i]);
		cr_assert_eq(kvp_event_type_from_name(want[i], &t), 0);
		cr_assert_eq(t, (kvp_event_type)i);
	}
	cr_assert_null(kvp_event_type_name(KVP_EVENT_COUNT));
	cr_assert_null(kvp_event_type_name((kvp_event_type)-1));
}

Test(config_names, unknown_event_names)
{
	kvp_event_type t = KVP_EVENT_PASSWORD;

	cr_assert_eq(kvp_event_type_from_name("session", &t),
		     KVP_ERR_INVALID_ARG);
	cr_assert(strstr(kvp_error_last()->message, "unknown event 'session'"));
	cr_assert_eq(t, KVP_EVENT_PASSWORD);
	cr_assert_eq(kvp_event_type_from_name("", &t), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_type_from_name("AUTH", &t), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_type_from_name(NULL, &t), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_type_from_name("auth", NULL),
		     KVP_ERR_INVALID_ARG);
}

Test(config_names, fields_policies_write_on_error)
{
	static const char *const fields[KVP_FIELD_COUNT] = {
	    "user", "ruser", "rhost", "tty", "host",
	};

	for (int i = 0; i < KVP_FIELD_COUNT; i++)
		cr_assert_str_eq(kvp_field_name((kvp_field)i), fields[i]);
	cr_assert_null(kvp_field_name(KVP_FIELD_COUNT));
	cr_assert_str_eq(kvp_field_policy_name(KVP_FIELD_PLAIN), "plain");
	cr_assert_str_eq(kvp_field_policy_name(KVP_FIELD_HASH), "hash");
	cr_assert_str_eq(kvp_field_policy_name(KVP_FIELD_OMIT), "omit");
	cr_assert_null(kvp_field_policy_name((kvp_field_policy)3));
	cr_assert_str_eq(kvp_write_mode_name(KVP_WRITE_APPEND), "append");
	cr_assert_str_eq(kvp_write_mode_name(KVP_WRITE_INSERT), "insert");
	cr_assert_null(kvp_write_mode_name((kvp_write_mode)2));
	cr_assert_str_eq(kvp_on_error_name(KVP_ON_ERROR_IGNORE), "ignore");
	cr_assert_str_eq(kvp_on_error_name(KVP_ON_ERROR_FAIL), "fail");
	cr_assert_null(kvp_on_error_name((kvp_on_error)-1));
}
