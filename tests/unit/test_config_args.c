/* test_config_args.c - kvp_settings_apply_arg: module arguments for every
 * setting, their override of the file, and every bad argument's message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_config_util.h"
#include "test_util.h"

#define EV(e) (1u << KVP_EVENT_##e)

static kvp_settings defaults(void)
{
	kvp_settings s;

	kvp_settings_defaults(&s);
	return s;
}

static void apply_ok(kvp_settings *s, const char *arg)
{
	cr_assert_eq(kvp_settings_apply_arg(s, arg), 0, "%s: %s", arg,
		     kvp_error_last()->message);
}

/* The argument is refused with exactly "module argument 'ARG': msg", and
 * the settings are left as they were. */
static void assert_bad_arg(const char *arg, const char *msg)
{
	kvp_settings s = defaults(), before = s;
	const kvp_error *e = kvp_error_last();
	char want[1024];

	cr_assert_eq(kvp_settings_apply_arg(&s, arg), KVP_ERR_CONFIG, "%s",
		     arg);
	snprintf(want, sizeof(want), "module argument '%s': %s", arg, msg);
	cr_assert_str_eq(e->message, want);
	cr_assert_eq(e->code, KVP_ERR_CONFIG);
	cr_assert_str_eq(e->path, "");
	cr_assert_eq(e->line, 0);
	tc_assert_settings_eq(&s, &before);
}

#define UNKNOWN_ARG                                                            \
	"unknown argument (expected debug or NAME=VALUE with NAME one of "     \
	"pool, mode, pool_dir, key_prefix, write, events, max_records, "       \
	"lock_timeout_ms, clear_if_stale, on_error, hash_key_file)"

Test(config_args, pool_and_mode)
{
	kvp_settings s = defaults();

	apply_ok(&s, "pool=auto_internal");
	cr_assert_eq(s.pool, KVP_POOL_AUTO_INTERNAL);
	apply_ok(&s, "pool=0");
	cr_assert_eq(s.pool, KVP_POOL_EXTERNAL);
	apply_ok(&s, "mode=unsafe");
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE);
	apply_ok(&s, "mode=safe");
	cr_assert_eq(s.mode, KVP_MODE_SAFE);
}

Test(config_args, string_settings)
{
	kvp_settings s = defaults();

	apply_ok(&s, "pool_dir=/tmp/kvp dir");
	cr_assert_str_eq(s.pool_dir, "/tmp/kvp dir");
	apply_ok(&s, "key_prefix=LOGIN.v2");
	cr_assert_str_eq(s.key_prefix, "LOGIN.v2");
	apply_ok(&s, "write=insert");
	cr_assert_eq(s.write, KVP_WRITE_INSERT);
	apply_ok(&s, "on_error=fail");
	cr_assert_eq(s.on_error, KVP_ON_ERROR_FAIL);
	apply_ok(&s, "hash_key_file=/etc/k=v");
	cr_assert_str_eq(s.hash_key_file, "/etc/k=v");
}

Test(config_args, events_list)
{
	kvp_settings s = defaults();

	apply_ok(&s, "events=auth,session_open,session_close");
	cr_assert_eq(s.events, EV(AUTH) | EV(SESSION_OPEN) | EV(SESSION_CLOSE));
	apply_ok(&s, "events=password");
	cr_assert_eq(s.events, EV(PASSWORD));
	apply_ok(&s, "events=account,account");
	cr_assert_eq(s.events, EV(ACCOUNT));
	apply_ok(&s, "events=");
	cr_assert_eq(s.events, 0);
	apply_ok(&s, "events=auth,auth_fail,account,session_open,"
		     "session_close,password");
	cr_assert_eq(s.events, (1u << KVP_EVENT_COUNT) - 1);
}

Test(config_args, integers)
{
	kvp_settings s = defaults();

	apply_ok(&s, "max_records=1");
	cr_assert_eq(s.max_records, 1);
	apply_ok(&s, "max_records=1024");
	cr_assert_eq(s.max_records, 1024);
	apply_ok(&s, "max_records=+8");
	cr_assert_eq(s.max_records, 8);
	apply_ok(&s, "lock_timeout_ms=0");
	cr_assert_eq(s.lock_timeout_ms, 0);
	apply_ok(&s, "lock_timeout_ms=60000");
	cr_assert_eq(s.lock_timeout_ms, 60000);
}

Test(config_args, clear_if_stale_words)
{
	kvp_settings s = defaults();

	apply_ok(&s, "clear_if_stale=no");
	cr_assert_not(s.clear_if_stale);
	apply_ok(&s, "clear_if_stale=yes");
	cr_assert(s.clear_if_stale);
	apply_ok(&s, "clear_if_stale=false");
	cr_assert_not(s.clear_if_stale);
	apply_ok(&s, "clear_if_stale=true");
	cr_assert(s.clear_if_stale);
}

Test(config_args, debug_sets_only_debug)
{
	kvp_settings s = defaults(), want = defaults();

	apply_ok(&s, "debug");
	want.debug = true;
	tc_assert_settings_eq(&s, &want);
}

Test(config_args, last_argument_wins)
{
	kvp_settings s = defaults();

	apply_ok(&s, "max_records=10");
	apply_ok(&s, "max_records=20");
	cr_assert_eq(s.max_records, 20);
}

Test(config_args, arguments_override_the_file_and_its_service)
{
	kvp_settings s;

	tc_load_ok("pool = \"external\";\nmax_records = 10;\n"
		   "events = [\"auth\"];\nclear_if_stale = true;\n"
		   "services = { su = { mode = \"unsafe\"; }; };\n",
		   "su", &s);
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE);
	apply_ok(&s, "pool=guest");
	apply_ok(&s, "max_records=30");
	apply_ok(&s, "events=session_open");
	apply_ok(&s, "clear_if_stale=no");
	apply_ok(&s, "mode=safe");
	cr_assert_eq(s.pool, KVP_POOL_GUEST);
	cr_assert_eq(s.max_records, 30);
	cr_assert_eq(s.events, EV(SESSION_OPEN));
	cr_assert_not(s.clear_if_stale);
	cr_assert_eq(s.mode, KVP_MODE_SAFE);
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
	kvp_settings s = defaults();

	cr_assert_eq(kvp_settings_apply_arg(NULL, "debug"),
		     KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_settings_apply_arg(&s, NULL), KVP_ERR_INVALID_ARG);
}
