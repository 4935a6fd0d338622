/* test_config_args.c - kvp_settings_set: module arguments for every
 * setting, their override of the file, and every bad argument's message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_config_util.h"
#include "test_util.h"

/* The argument is refused with exactly "module argument 'ARG': msg", and
 * the settings are left as they were. */
static void assert_bad_arg(const char *arg, const char *msg)
{
	TC_AUTO kvp_settings *s = tc_new();
	TC_AUTO kvp_settings *before = tc_new();
	const kvp_error *e = kvp_error_last();
	char want[1024];

	cr_assert_eq(kvp_settings_set(s, arg), KVP_ERR_CONFIG, "%s", arg);
	snprintf(want, sizeof(want), "module argument '%s': %s", arg, msg);
	cr_assert_str_eq(e->message, want);
	cr_assert_eq(e->code, KVP_ERR_CONFIG);
	cr_assert_str_eq(e->path, "");
	cr_assert_eq(e->line, 0);
	tc_assert_settings_eq(s, before);
}

#define UNKNOWN_ARG                                                            \
	"unknown argument (expected debug or NAME=VALUE with NAME one of "     \
	"pool, mode, pool_dir, format, key_prefix, write, events, "            \
	"max_records, max_failures, lock_timeout_ms, clear_if_stale, "         \
	"on_error, hash_key_file, invalid_user)"

Test(config_args, pool_and_mode)
{
	TC_AUTO kvp_settings *s = tc_new();

	tc_set(s, "pool=auto_internal");
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_AUTO_INTERNAL);
	tc_set(s, "pool=0");
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_EXTERNAL);
	tc_set(s, "mode=unsafe");
	tc_is_str(s, "mode", "unsafe");
	tc_set(s, "mode=safe");
	tc_is_str(s, "mode", "safe");
}

Test(config_args, string_settings)
{
	TC_AUTO kvp_settings *s = tc_new();

	tc_set(s, "pool_dir=/tmp/kvp dir");
	cr_assert_str_eq(kvp_settings_pool_dir(s), "/tmp/kvp dir");
	tc_set(s, "key_prefix=LOGIN.v2");
	cr_assert_str_eq(kvp_settings_key_prefix(s), "LOGIN.v2");
	tc_set(s, "write=insert");
	tc_is_str(s, "write", "insert");
	tc_set(s, "on_error=fail");
	cr_assert(kvp_settings_on_error_fail(s));
	tc_set(s, "hash_key_file=/etc/k=v");
	tc_is_str(s, "hash_key_file", "/etc/k=v");
}

Test(config_args, events_list)
{
	TC_AUTO kvp_settings *s = tc_new();

	tc_set(s, "events=auth,session_open,session_close");
	tc_is(s, "events", "[\"auth\", \"session_open\", \"session_close\"]");
	tc_set(s, "events=password");
	tc_is(s, "events", "[\"password\"]");
	tc_set(s, "events=account,account");
	tc_is(s, "events", "[\"account\"]");
	tc_set(s, "events=");
	tc_is(s, "events", "[]");
	tc_set(s, "events=auth,auth_fail,account,session_open,"
		  "session_close,password");
	for (int i = 0; i < KVP_EVENT_COUNT; i++)
		cr_assert(kvp_settings_event_enabled(s, (kvp_event_type)i));
	cr_assert_not(kvp_settings_event_enabled(s, KVP_EVENT_COUNT));
}

Test(config_args, integers)
{
	TC_AUTO kvp_settings *s = tc_new();

	tc_set(s, "max_records=1");
	tc_is(s, "max_records", "1");
	tc_set(s, "max_records=1024");
	tc_is(s, "max_records", "1024");
	tc_set(s, "max_records=+8");
	tc_is(s, "max_records", "8");
	tc_set(s, "lock_timeout_ms=0");
	tc_is(s, "lock_timeout_ms", "0");
	tc_set(s, "lock_timeout_ms=60000");
	tc_is(s, "lock_timeout_ms", "60000");
}

Test(config_args, clear_if_stale_words)
{
	TC_AUTO kvp_settings *s = tc_new();

	tc_set(s, "clear_if_stale=no");
	tc_is(s, "clear_if_stale", "false");
	tc_set(s, "clear_if_stale=yes");
	tc_is(s, "clear_if_stale", "true");
	tc_set(s, "clear_if_stale=false");
	tc_is(s, "clear_if_stale", "false");
	tc_set(s, "clear_if_stale=true");
	tc_is(s, "clear_if_stale", "true");
}

Test(config_args, debug_sets_only_debug)
{
	TC_AUTO kvp_settings *s = tc_new();
	TC_AUTO kvp_settings *defaults = tc_new();
	char *a, *b;

	cr_assert_not(kvp_settings_debug(s));
	tc_set(s, "debug");
	cr_assert(kvp_settings_debug(s));
	a = kvp_settings_format(s);
	b = kvp_settings_format(defaults);
	cr_assert(a && b);
	cr_assert_eq(strlen(a),
		     strlen(b) + strlen("# debug (module argument)\n"));
	cr_assert_eq(strncmp(a, b, strlen(b)), 0);
	cr_assert_str_eq(a + strlen(b), "# debug (module argument)\n");
	free(a);
	free(b);
}

Test(config_args, last_argument_wins)
{
	TC_AUTO kvp_settings *s = tc_new();

	tc_set(s, "max_records=10");
	tc_set(s, "max_records=20");
	tc_is(s, "max_records", "20");
}

Test(config_args, arguments_override_the_file_and_its_service)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("pool = \"external\";\nmax_records = 10;\n"
		   "events = [\"auth\"];\nclear_if_stale = true;\n"
		   "services = { su = { mode = \"unsafe\"; }; };\n",
		   "su", &s);
	tc_is_str(s, "mode", "unsafe");
	tc_set(s, "pool=guest");
	tc_set(s, "max_records=30");
	tc_set(s, "events=session_open");
	tc_set(s, "clear_if_stale=no");
	tc_set(s, "mode=safe");
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_GUEST);
	tc_is(s, "max_records", "30");
	tc_is(s, "events", "[\"session_open\"]");
	tc_is(s, "clear_if_stale", "false");
	tc_is_str(s, "mode", "safe");
}

Test(config_args, unknown_arguments)
{
	assert_bad_arg("bogus", UNKNOWN_ARG);
	assert_bad_arg("bogus=1", UNKNOWN_ARG);
	assert_bad_arg("", UNKNOWN_ARG);
	assert_bad_arg("=guest", UNKNOWN_ARG);
	assert_bad_arg("pool", UNKNOWN_ARG);
	assert_bad_arg("DEBUG", UNKNOWN_ARG);
	assert_bad_arg("debug=1", UNKNOWN_ARG);
	assert_bad_arg("fields=user:hash", UNKNOWN_ARG);
	assert_bad_arg("services=su", UNKNOWN_ARG);
	assert_bad_arg("a_setting_name_longer_than_the_buffer_of_names=1",
		       UNKNOWN_ARG);
}

Test(config_args, module_arguments_are_not_settings)
{
	assert_bad_arg("config=/etc/security/pam_kvp.conf", UNKNOWN_ARG);
	assert_bad_arg("event=auth_fail", UNKNOWN_ARG);
	assert_bad_arg("event=auth", UNKNOWN_ARG);
}

Test(config_args, bad_enum_values)
{
	assert_bad_arg("pool=bogus", "must be external, guest, auto, "
				     "auto_external or auto_internal, got "
				     "'bogus'");
	assert_bad_arg("pool=", "must be external, guest, auto, "
				"auto_external or auto_internal, got ''");
	assert_bad_arg("mode=SAFE", "must be safe or unsafe, got 'SAFE'");
	assert_bad_arg("write=upsert",
		       "must be append or insert, got 'upsert'");
	assert_bad_arg("on_error=deny", "must be ignore or fail, got 'deny'");
	assert_bad_arg("clear_if_stale=maybe",
		       "must be yes, no, true or false, got 'maybe'");
	assert_bad_arg("clear_if_stale=1",
		       "must be yes, no, true or false, got '1'");
}

Test(config_args, bad_paths_and_prefixes)
{
	static const char *const reserved[] = {"DIAG",
					       "DIAG_V2",
					       "DIAG_V",
					       "CLOUD_INIT",
					       "PROVISIONING_REPORT",
					       "azure-init-0.1.1"};

	assert_bad_arg("pool_dir=relative/dir",
		       "must be an absolute path, got 'relative/dir'");
	assert_bad_arg("pool_dir=", "must not be empty");
	assert_bad_arg("hash_key_file=key",
		       "must be an absolute path, got 'key'");
	assert_bad_arg("key_prefix=", "must not be empty");
	assert_bad_arg("key_prefix=a|b",
		       "may only hold A-Z a-z 0-9 _ . -, got 'a|b'");
	assert_bad_arg("key_prefix=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456",
		       "longer than 32 characters (33)");
	/* The first key field of the host's other writers. */
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++) {
		char arg[64], msg[256];

		snprintf(arg, sizeof(arg), "key_prefix=%s", reserved[i]);
		snprintf(msg, sizeof(msg),
			 "must not name another writer's records (DIAG, "
			 "DIAG_V..., CLOUD_INIT, PROVISIONING_REPORT or "
			 "azure-init-...), got '%s'",
			 reserved[i]);
		assert_bad_arg(arg, msg);
	}
}

Test(config_args, format)
{
	TC_AUTO kvp_settings *s = tc_new();

	tc_is_str(s, "format", "diag");
	tc_set(s, "format=pam_kvp");
	tc_is_str(s, "format", "pam_kvp");
	tc_set(s, "format=diag");
	tc_is_str(s, "format", "diag");
	assert_bad_arg("format=DIAG", "must be diag or pam_kvp, got 'DIAG'");
	assert_bad_arg("format=", "must be diag or pam_kvp, got ''");
}

Test(config_args, bad_integers)
{
	assert_bad_arg("max_records=0", "must be between 1 and 1024, got 0");
	assert_bad_arg("max_records=1025",
		       "must be between 1 and 1024, got 1025");
	assert_bad_arg("max_records=-3", "must be between 1 and 1024, got -3");
	assert_bad_arg("max_records=99999999999999999999999",
		       "must be between 1 and 1024, got "
		       "99999999999999999999999");
	assert_bad_arg("max_records=4294967297",
		       "must be between 1 and 1024, got 4294967297");
	assert_bad_arg("lock_timeout_ms=-1",
		       "must be between 0 and 60000, got -1");
	assert_bad_arg("lock_timeout_ms=60001",
		       "must be between 0 and 60000, got 60001");
	assert_bad_arg("max_records=abc", "must be an integer, got 'abc'");
	assert_bad_arg("max_records=", "must be an integer, got ''");
	assert_bad_arg("max_records=10.5", "must be an integer, got '10.5'");
	assert_bad_arg("max_records= 10", "must be an integer, got ' 10'");
	assert_bad_arg("max_records=0x10", "must be an integer, got '0x10'");
	assert_bad_arg("lock_timeout_ms=1e3", "must be an integer, got '1e3'");
	assert_bad_arg("lock_timeout_ms=-", "must be an integer, got '-'");
}

Test(config_args, bad_event_lists)
{
	assert_bad_arg("events=auth,bogus",
		       "unknown event 'bogus' (expected auth, auth_fail, "
		       "account, session_open, session_close or password)");
	assert_bad_arg("events=auth,,session_open",
		       "empty event name in the list");
	assert_bad_arg("events=auth,", "empty event name in the list");
	assert_bad_arg("events=,auth", "empty event name in the list");
	assert_bad_arg("events=auth, session_open",
		       "unknown event ' session_open' (expected auth, "
		       "auth_fail, account, session_open, session_close or "
		       "password)");
}

Test(config_args, null_arguments)
{
	TC_AUTO kvp_settings *s = tc_new();

	cr_assert_eq(kvp_settings_set(NULL, "debug"), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_settings_set(s, NULL), KVP_ERR_INVALID_ARG);
}
