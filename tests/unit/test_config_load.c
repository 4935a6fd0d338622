/* test_config_load.c - kvp_config_load: the defaults, a missing file,
 * every setting's valid values and the libconfig syntax they may be
 * written in, and the shipped conf/pam_kvp.conf. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_config_util.h"
#include "test_util.h"

#define EV(e) (1u << KVP_EVENT_##e)

Test(config_load, defaults_are_the_documented_ones)
{
	kvp_settings s;

	memset(&s, 0x77, sizeof(s));
	kvp_settings_defaults(&s);
	cr_assert_eq(s.pool, KVP_POOL_GUEST);
	cr_assert_eq(s.mode, KVP_MODE_SAFE);
	cr_assert_str_eq(s.pool_dir, "/var/lib/hyperv");
	cr_assert_str_eq(s.key_prefix, "PAM_KVP");
	cr_assert_eq(s.write, KVP_WRITE_APPEND);
	cr_assert_eq(s.events,
		     EV(AUTH_FAIL) | EV(SESSION_OPEN) | EV(SESSION_CLOSE));
	for (int i = 0; i < KVP_FIELD_COUNT; i++)
		cr_assert_eq(s.fields[i], KVP_FIELD_PLAIN);
	cr_assert_eq(s.max_records, 512);
	cr_assert_eq(s.lock_timeout_ms, 200);
	cr_assert(s.clear_if_stale);
	cr_assert_eq(s.on_error, KVP_ON_ERROR_IGNORE);
	cr_assert_str_eq(s.hash_key_file, "/etc/security/pam_kvp.key");
	cr_assert_not(s.debug);
}

Test(config_load, missing_file_gives_defaults_and_not_found)
{
	char *dir = tu_mkdtemp();
	char *path = tu_path(dir, "absent.conf");
	kvp_settings s, defaults;
	bool found = true;

	memset(&s, 0x5a, sizeof(s));
	cr_assert_eq(kvp_config_load(path, "sshd", &s, &found), 0);
	cr_assert_not(found);
	kvp_settings_defaults(&defaults);
	tc_assert_settings_eq(&s, &defaults);
	cr_assert_eq(kvp_config_load(path, NULL, &s, NULL), 0);
	tu_rmtree(dir);
	free(path);
	free(dir);
}

Test(config_load, empty_file_is_found_and_gives_defaults)
{
	kvp_settings s, defaults;

	tc_load_ok("", NULL, &s);
	kvp_settings_defaults(&defaults);
	tc_assert_settings_eq(&s, &defaults);
	tc_load_ok("# only a comment\n\n// and another\n/* and a block */\n",
		   "sshd", &s);
	tc_assert_settings_eq(&s, &defaults);
}

Test(config_load, null_path_means_the_default_path)
{
	kvp_settings s;
	bool found = true;

	if (access(KVP_CONFIG_DEFAULT_PATH, F_OK) == 0)
		cr_skip_test("%s exists on this machine",
			     KVP_CONFIG_DEFAULT_PATH);
	cr_assert_eq(kvp_config_load(NULL, NULL, &s, &found), 0);
	cr_assert_not(found);
	cr_assert_eq(kvp_config_check(NULL), KVP_ERR_IO);
	cr_assert_str_eq(kvp_error_last()->path, KVP_CONFIG_DEFAULT_PATH);
	cr_assert_eq(kvp_error_last()->sys_errno, ENOENT);
}

Test(config_load, null_out_is_invalid_argument)
{
	bool found = true;

	cr_assert_eq(kvp_config_load("/nonexistent", NULL, NULL, &found),
		     KVP_ERR_INVALID_ARG);
	cr_assert_not(found);
}

Test(config_load, every_setting_at_once)
{
	kvp_settings s;

	tc_load_ok("pool = \"auto_external\";\n"
		   "mode = \"unsafe\";\n"
		   "pool_dir = \"/run/kvp\";\n"
		   "key_prefix = \"My.Login_1-x\";\n"
		   "write = \"insert\";\n"
		   "events = [\"auth\", \"account\", \"password\"];\n"
		   "fields = { user = \"hash\"; ruser = \"omit\"; rhost = "
		   "\"hash\"; tty = \"omit\"; host = \"plain\"; };\n"
		   "max_records = 77;\n"
		   "lock_timeout_ms = 1500;\n"
		   "clear_if_stale = false;\n"
		   "on_error = \"fail\";\n"
		   "hash_key_file = \"/etc/kvp.secret\";\n",
		   NULL, &s);
	cr_assert_eq(s.pool, KVP_POOL_AUTO_EXTERNAL);
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE);
	cr_assert_str_eq(s.pool_dir, "/run/kvp");
	cr_assert_str_eq(s.key_prefix, "My.Login_1-x");
	cr_assert_eq(s.write, KVP_WRITE_INSERT);
	cr_assert_eq(s.events, EV(AUTH) | EV(ACCOUNT) | EV(PASSWORD));
	cr_assert_eq(s.fields[KVP_FIELD_USER], KVP_FIELD_HASH);
	cr_assert_eq(s.fields[KVP_FIELD_RUSER], KVP_FIELD_OMIT);
	cr_assert_eq(s.fields[KVP_FIELD_RHOST], KVP_FIELD_HASH);
	cr_assert_eq(s.fields[KVP_FIELD_TTY], KVP_FIELD_OMIT);
	cr_assert_eq(s.fields[KVP_FIELD_HOST], KVP_FIELD_PLAIN);
	cr_assert_eq(s.max_records, 77);
	cr_assert_eq(s.lock_timeout_ms, 1500);
	cr_assert_not(s.clear_if_stale);
	cr_assert_eq(s.on_error, KVP_ON_ERROR_FAIL);
	cr_assert_str_eq(s.hash_key_file, "/etc/kvp.secret");
	cr_assert_not(s.debug);
}

Test(config_load, every_pool_name_and_number)
{
	static const char *const names[] = {"external", "guest", "auto",
					    "auto_external", "auto_internal"};
	char text[64];
	kvp_settings s;

	for (int i = 0; i < KVP_POOL_COUNT; i++) {
		snprintf(text, sizeof(text), "pool = \"%s\";\n", names[i]);
		tc_load_ok(text, NULL, &s);
		cr_assert_eq(s.pool, (kvp_pool)i, "%s", names[i]);
		snprintf(text, sizeof(text), "pool = \"%d\";\n", i);
		tc_load_ok(text, NULL, &s);
		cr_assert_eq(s.pool, (kvp_pool)i, "pool %d", i);
	}
}

Test(config_load, mode_write_and_on_error_values)
{
	kvp_settings s;

	tc_load_ok("mode = \"safe\"; write = \"append\"; on_error = "
		   "\"ignore\";",
		   NULL, &s);
	cr_assert_eq(s.mode, KVP_MODE_SAFE);
	cr_assert_eq(s.write, KVP_WRITE_APPEND);
	cr_assert_eq(s.on_error, KVP_ON_ERROR_IGNORE);
	tc_load_ok("mode = \"unsafe\"; write = \"insert\"; on_error = "
		   "\"fail\";",
		   NULL, &s);
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE);
	cr_assert_eq(s.write, KVP_WRITE_INSERT);
	cr_assert_eq(s.on_error, KVP_ON_ERROR_FAIL);
}

Test(config_load, each_event_alone)
{
	char text[64];
	kvp_settings s;

	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		snprintf(text, sizeof(text), "events = [\"%s\"];",
			 kvp_event_type_name((kvp_event_type)i));
		tc_load_ok(text, NULL, &s);
		cr_assert_eq(s.events, 1u << i, "%s", text);
	}
}

Test(config_load, events_as_list_array_empty_and_repeated)
{
	kvp_settings s;

	tc_load_ok("events = [];", NULL, &s);
	cr_assert_eq(s.events, 0);
	tc_load_ok("events = ();", NULL, &s);
	cr_assert_eq(s.events, 0);
	tc_load_ok("events = (\"auth\", \"session_close\");", NULL, &s);
	cr_assert_eq(s.events, EV(AUTH) | EV(SESSION_CLOSE));
	tc_load_ok("events = [\"auth\", \"auth\"];", NULL, &s);
	cr_assert_eq(s.events, EV(AUTH));
	tc_load_ok("events = [\"auth\", \"auth_fail\", \"account\", "
		   "\"session_open\", \"session_close\", \"password\"];",
		   NULL, &s);
	cr_assert_eq(s.events, (1u << KVP_EVENT_COUNT) - 1);
}

Test(config_load, fields_not_named_keep_their_policy)
{
	kvp_settings s;

	tc_load_ok("fields = { rhost = \"hash\"; };", NULL, &s);
	cr_assert_eq(s.fields[KVP_FIELD_RHOST], KVP_FIELD_HASH);
	cr_assert_eq(s.fields[KVP_FIELD_USER], KVP_FIELD_PLAIN);
	cr_assert_eq(s.fields[KVP_FIELD_RUSER], KVP_FIELD_PLAIN);
	cr_assert_eq(s.fields[KVP_FIELD_TTY], KVP_FIELD_PLAIN);
	cr_assert_eq(s.fields[KVP_FIELD_HOST], KVP_FIELD_PLAIN);
	tc_load_ok("fields = {};", NULL, &s);
	for (int i = 0; i < KVP_FIELD_COUNT; i++)
		cr_assert_eq(s.fields[i], KVP_FIELD_PLAIN);
}

Test(config_load, every_field_every_policy)
{
	static const char *const policies[] = {"plain", "hash", "omit"};
	char text[80];
	kvp_settings s;

	for (int f = 0; f < KVP_FIELD_COUNT; f++) {
		for (int p = 0; p < 3; p++) {
			snprintf(text, sizeof(text),
				 "fields = { %s = \"%s\"; };",
				 kvp_field_name((kvp_field)f), policies[p]);
			tc_load_ok(text, NULL, &s);
			cr_assert_eq(s.fields[f], (kvp_field_policy)p, "%s",
				     text);
		}
	}
}

Test(config_load, integer_bounds_are_inclusive)
{
	kvp_settings s;

	tc_load_ok("max_records = 1; lock_timeout_ms = 0;", NULL, &s);
	cr_assert_eq(s.max_records, 1);
	cr_assert_eq(s.lock_timeout_ms, 0);
	tc_load_ok("max_records = 1024; lock_timeout_ms = 60000;", NULL, &s);
	cr_assert_eq(s.max_records, 1024);
	cr_assert_eq(s.lock_timeout_ms, 60000);
}

Test(config_load, integer_forms_libconfig_allows)
{
	kvp_settings s;

	/* 64-bit, hex and signed literals within range are fine. */
	tc_load_ok("max_records = 10L; lock_timeout_ms = 0x10;", NULL, &s);
	cr_assert_eq(s.max_records, 10);
	cr_assert_eq(s.lock_timeout_ms, 16);
	tc_load_ok("max_records = +5; lock_timeout_ms = 0xEA60;", NULL, &s);
	cr_assert_eq(s.max_records, 5);
	cr_assert_eq(s.lock_timeout_ms, 60000);
}

Test(config_load, clear_if_stale_both_ways)
{
	kvp_settings s;

	tc_load_ok("clear_if_stale = false;", NULL, &s);
	cr_assert_not(s.clear_if_stale);
	tc_load_ok("clear_if_stale = true;", NULL, &s);
	cr_assert(s.clear_if_stale);
	tc_load_ok("clear_if_stale = FALSE;", NULL, &s);
	cr_assert_not(s.clear_if_stale);
}

Test(config_load, longest_paths_and_prefix_fit)
{
	char *dir = tu_repeat('d', KVP_CONFIG_PATH_MAX - 1);
	char *prefix = tu_repeat('P', KVP_KEY_PREFIX_MAX);
	char *text = NULL;
	kvp_settings s;

	dir[0] = '/';
	cr_assert(asprintf(&text,
			   "pool_dir = \"%s\";\nhash_key_file = \"%s\";\n"
			   "key_prefix = \"%s\";\n",
			   dir, dir, prefix) > 0);
	tc_load_ok(text, NULL, &s);
	cr_assert_str_eq(s.pool_dir, dir);
	cr_assert_str_eq(s.hash_key_file, dir);
	cr_assert_str_eq(s.key_prefix, prefix);
	free(text);
	free(prefix);
	free(dir);
}

Test(config_load, key_prefix_character_set)
{
	kvp_settings s;

	tc_load_ok("key_prefix = \"azAZ09_.-\";", NULL, &s);
	cr_assert_str_eq(s.key_prefix, "azAZ09_.-");
	tc_load_ok("key_prefix = \"x\";", NULL, &s);
	cr_assert_str_eq(s.key_prefix, "x");
}

Test(config_load, libconfig_syntax_variants)
{
	kvp_settings s;

	tc_load_ok("pool: \"auto\"\n"
		   "mode = \"unsafe\", // trailing comment\n"
		   "# hash comment\n"
		   "/* block\n comment */ max_records =\n  9;\n"
		   "fields: { tty: \"omit\" };\n",
		   NULL, &s);
	cr_assert_eq(s.pool, KVP_POOL_AUTO);
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE);
	cr_assert_eq(s.max_records, 9);
	cr_assert_eq(s.fields[KVP_FIELD_TTY], KVP_FIELD_OMIT);
}

Test(config_load, strings_with_escapes_and_utf8)
{
	kvp_settings s;

	tc_load_ok("pool_dir = \"/var/lib/h\\\"q\\\\b/\xc3\xa9t\xc3\xa9 x\";\n"
		   "hash_key_file = \"/k\" \"ey\";\n",
		   NULL, &s);
	cr_assert_str_eq(s.pool_dir, "/var/lib/h\"q\\b/\xc3\xa9t\xc3\xa9 x");
	cr_assert_str_eq(s.hash_key_file, "/key");
}

Test(config_load, error_leaves_the_defaults_not_half_a_file)
{
	struct tc_conf c;
	kvp_settings s, defaults;

	tc_conf_write(&c, "pool = \"auto\";\nmode = \"unsafe\";\n"
			  "max_records = 0;\n");
	cr_assert_eq(kvp_config_load(c.path, NULL, &s, NULL), KVP_ERR_CONFIG);
	kvp_settings_defaults(&defaults);
	tc_assert_settings_eq(&s, &defaults);
	tc_conf_remove(&c);
}

Test(config_load, shipped_default_config_is_clean_and_the_defaults)
{
	const char *path = "conf/pam_kvp.conf";
	kvp_settings s, defaults;
	bool found = false;

	if (access(path, R_OK) != 0)
		cr_skip_test("%s not present (run from the repository root)",
			     path);
	cr_assert_eq(kvp_config_check(path), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(kvp_config_load(path, "sshd", &s, &found), 0, "%s",
		     kvp_error_last()->message);
	cr_assert(found);
	kvp_settings_defaults(&defaults);
	tc_assert_settings_eq(&s, &defaults);
}
