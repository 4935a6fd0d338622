/* test_config_load.c - kvp_settings_new and kvp_settings_load: the
 * defaults, a missing file, every setting's valid values and the
 * libconfig syntax they may be written in, and the shipped
 * conf/pam_kvp.conf. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_config_util.h"
#include "test_util.h"

Test(config_load, defaults_are_the_documented_ones)
{
	TC_AUTO kvp_settings *s = tc_new();

	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_GUEST);
	tc_is_str(s, "mode", "safe");
	cr_assert_str_eq(kvp_settings_pool_dir(s), "/var/lib/hyperv");
	cr_assert_str_eq(kvp_settings_key_prefix(s), "PAM_KVP");
	tc_is_str(s, "write", "append");
	tc_is(s, "events",
	      "[\"auth_fail\", \"session_open\", \"session_close\"]");
	for (int i = 0; i < KVP_EVENT_COUNT; i++)
		cr_assert_eq(kvp_settings_event_enabled(s, (kvp_event_type)i),
			     i == KVP_EVENT_AUTH_FAIL ||
				 i == KVP_EVENT_SESSION_OPEN ||
				 i == KVP_EVENT_SESSION_CLOSE);
	tc_is_str(s, "user", "plain");
	tc_is_str(s, "ruser", "plain");
	tc_is_str(s, "rhost", "plain");
	tc_is_str(s, "tty", "plain");
	tc_is_str(s, "host", "plain");
	cr_assert(kvp_settings_user_plain(s));
	tc_is(s, "max_records", "256");
	tc_is(s, "max_failures", "128");
	tc_is(s, "lock_timeout_ms", "200");
	tc_is(s, "clear_if_stale", "true");
	tc_is_str(s, "on_error", "ignore");
	cr_assert_not(kvp_settings_on_error_fail(s));
	tc_is_str(s, "hash_key_file", "/etc/security/pam_kvp.key");
	tc_is_str(s, "invalid_user", "mask");
	cr_assert_not(kvp_settings_debug(s));
}

Test(config_load, missing_file_gives_defaults_and_not_found)
{
	char *dir = tu_mkdtemp();
	char *path = tu_path(dir, "absent.conf");
	TC_AUTO kvp_settings *s = tc_new();
	TC_AUTO kvp_settings *defaults = tc_new();
	bool found = true;

	cr_assert_eq(kvp_settings_load(s, path, "sshd", &found), 0);
	cr_assert_not(found);
	tc_assert_settings_eq(s, defaults);
	cr_assert_eq(kvp_settings_load(s, path, NULL, NULL), 0);
	tu_rmtree(dir);
	free(path);
	free(dir);
}

Test(config_load, missing_file_leaves_the_settings_as_they_were)
{
	char *dir = tu_mkdtemp();
	char *path = tu_path(dir, "absent.conf");
	TC_AUTO kvp_settings *s = tc_new();

	tc_set(s, "max_records=7");
	cr_assert_eq(kvp_settings_load(s, path, NULL, NULL), 0);
	tc_is(s, "max_records", "7");
	tu_rmtree(dir);
	free(path);
	free(dir);
}

Test(config_load, empty_file_is_found_and_gives_defaults)
{
	TC_AUTO kvp_settings *s = NULL;
	TC_AUTO kvp_settings *defaults = tc_new();

	tc_load_ok("", NULL, &s);
	tc_assert_settings_eq(s, defaults);
	tc_load_ok("# only a comment\n\n// and another\n/* and a block */\n",
		   "sshd", &s);
	tc_assert_settings_eq(s, defaults);
}

Test(config_load, null_path_means_the_default_path)
{
	TC_AUTO kvp_settings *s = tc_new();
	bool found = true;

	if (access(KVP_CONFIG_DEFAULT_PATH, F_OK) == 0)
		cr_skip_test("%s exists on this machine",
			     KVP_CONFIG_DEFAULT_PATH);
	cr_assert_eq(kvp_settings_load(s, NULL, NULL, &found), 0);
	cr_assert_not(found);
	cr_assert_eq(kvp_settings_check_file(NULL), KVP_ERR_IO);
	cr_assert_str_eq(kvp_error_last()->path, KVP_CONFIG_DEFAULT_PATH);
	cr_assert_eq(kvp_error_last()->sys_errno, ENOENT);
}

Test(config_load, null_settings_are_invalid_arguments)
{
	bool found = true;

	cr_assert_eq(kvp_settings_load(NULL, "/nonexistent", NULL, &found),
		     KVP_ERR_INVALID_ARG);
	cr_assert_not(found);
	cr_assert_eq(kvp_settings_new(NULL), KVP_ERR_INVALID_ARG);
	kvp_settings_free(NULL);
}

Test(config_load, every_setting_at_once)
{
	TC_AUTO kvp_settings *s = NULL;

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
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_AUTO_EXTERNAL);
	tc_is_str(s, "mode", "unsafe");
	cr_assert_str_eq(kvp_settings_pool_dir(s), "/run/kvp");
	cr_assert_str_eq(kvp_settings_key_prefix(s), "My.Login_1-x");
	tc_is_str(s, "write", "insert");
	tc_is(s, "events", "[\"auth\", \"account\", \"password\"]");
	tc_is_str(s, "user", "hash");
	cr_assert_not(kvp_settings_user_plain(s));
	tc_is_str(s, "ruser", "omit");
	tc_is_str(s, "rhost", "hash");
	tc_is_str(s, "tty", "omit");
	tc_is_str(s, "host", "plain");
	tc_is(s, "max_records", "77");
	tc_is(s, "lock_timeout_ms", "1500");
	tc_is(s, "clear_if_stale", "false");
	cr_assert(kvp_settings_on_error_fail(s));
	tc_is_str(s, "hash_key_file", "/etc/kvp.secret");
	cr_assert_not(kvp_settings_debug(s));
}

Test(config_load, every_pool_name_and_number)
{
	static const char *const names[] = {"external", "guest", "auto",
					    "auto_external", "auto_internal"};
	TC_AUTO kvp_settings *s = NULL;
	char text[64];

	for (int i = 0; i < KVP_POOL_COUNT; i++) {
		snprintf(text, sizeof(text), "pool = \"%s\";\n", names[i]);
		tc_load_ok(text, NULL, &s);
		cr_assert_eq(kvp_settings_pool(s), (kvp_pool)i, "%s", names[i]);
		snprintf(text, sizeof(text), "pool = \"%d\";\n", i);
		tc_load_ok(text, NULL, &s);
		cr_assert_eq(kvp_settings_pool(s), (kvp_pool)i, "pool %d", i);
	}
}

Test(config_load, mode_write_and_on_error_values)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("mode = \"safe\"; write = \"append\"; on_error = "
		   "\"ignore\";",
		   NULL, &s);
	tc_is_str(s, "mode", "safe");
	tc_is_str(s, "write", "append");
	tc_is_str(s, "on_error", "ignore");
	tc_load_ok("mode = \"unsafe\"; write = \"insert\"; on_error = "
		   "\"fail\";",
		   NULL, &s);
	tc_is_str(s, "mode", "unsafe");
	tc_is_str(s, "write", "insert");
	tc_is_str(s, "on_error", "fail");
}

Test(config_load, each_event_alone)
{
	TC_AUTO kvp_settings *s = NULL;
	char text[64];

	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		snprintf(text, sizeof(text), "events = [\"%s\"];",
			 kvp_event_type_name((kvp_event_type)i));
		tc_load_ok(text, NULL, &s);
		for (int j = 0; j < KVP_EVENT_COUNT; j++)
			cr_assert_eq(
			    kvp_settings_event_enabled(s, (kvp_event_type)j),
			    i == j, "%s", text);
	}
}

Test(config_load, events_as_list_array_empty_and_repeated)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("events = [];", NULL, &s);
	tc_is(s, "events", "[]");
	tc_load_ok("events = ();", NULL, &s);
	tc_is(s, "events", "[]");
	tc_load_ok("events = (\"auth\", \"session_close\");", NULL, &s);
	tc_is(s, "events", "[\"auth\", \"session_close\"]");
	tc_load_ok("events = [\"auth\", \"auth\"];", NULL, &s);
	tc_is(s, "events", "[\"auth\"]");
	tc_load_ok("events = [\"auth\", \"auth_fail\", \"account\", "
		   "\"session_open\", \"session_close\", \"password\"];",
		   NULL, &s);
	tc_is(s, "events",
	      "[\"auth\", \"auth_fail\", \"account\", \"session_open\", "
	      "\"session_close\", \"password\"]");
}

Test(config_load, fields_not_named_keep_their_policy)
{
	TC_AUTO kvp_settings *s = NULL;
	TC_AUTO kvp_settings *defaults = tc_new();

	tc_load_ok("fields = { rhost = \"hash\"; };", NULL, &s);
	tc_is_str(s, "rhost", "hash");
	tc_is_str(s, "user", "plain");
	tc_is_str(s, "ruser", "plain");
	tc_is_str(s, "tty", "plain");
	tc_is_str(s, "host", "plain");
	tc_load_ok("fields = {};", NULL, &s);
	tc_assert_settings_eq(s, defaults);
}

Test(config_load, every_field_every_policy)
{
	static const char *const fields[] = {"user", "ruser", "rhost", "tty",
					     "host"};
	static const char *const policies[] = {"plain", "hash", "omit"};
	TC_AUTO kvp_settings *s = NULL;
	char text[80];

	for (int f = 0; f < 5; f++) {
		for (int p = 0; p < 3; p++) {
			snprintf(text, sizeof(text),
				 "fields = { %s = \"%s\"; };", fields[f],
				 policies[p]);
			tc_load_ok(text, NULL, &s);
			tc_is_str(s, fields[f], policies[p]);
		}
	}
}

Test(config_load, integer_bounds_are_inclusive)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("max_records = 1; lock_timeout_ms = 0;", NULL, &s);
	tc_is(s, "max_records", "1");
	tc_is(s, "lock_timeout_ms", "0");
	tc_load_ok("max_records = 1024; lock_timeout_ms = 60000;", NULL, &s);
	tc_is(s, "max_records", "1024");
	tc_is(s, "lock_timeout_ms", "60000");
}

Test(config_load, integer_forms_libconfig_allows)
{
	TC_AUTO kvp_settings *s = NULL;

	/* 64-bit, hex and signed literals within range are fine. */
	tc_load_ok("max_records = 10L; lock_timeout_ms = 0x10;", NULL, &s);
	tc_is(s, "max_records", "10");
	tc_is(s, "lock_timeout_ms", "16");
	tc_load_ok("max_records = +5; lock_timeout_ms = 0xEA60;", NULL, &s);
	tc_is(s, "max_records", "5");
	tc_is(s, "lock_timeout_ms", "60000");
}

Test(config_load, clear_if_stale_both_ways)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("clear_if_stale = false;", NULL, &s);
	tc_is(s, "clear_if_stale", "false");
	tc_load_ok("clear_if_stale = true;", NULL, &s);
	tc_is(s, "clear_if_stale", "true");
	tc_load_ok("clear_if_stale = FALSE;", NULL, &s);
	tc_is(s, "clear_if_stale", "false");
}

Test(config_load, longest_paths_and_prefix_fit)
{
	char *dir = tu_repeat('d', 4095);
	char *prefix = tu_repeat('P', KVP_KEY_PREFIX_MAX);
	char *text = NULL;
	TC_AUTO kvp_settings *s = NULL;

	dir[0] = '/';
	cr_assert(asprintf(&text,
			   "pool_dir = \"%s\";\nhash_key_file = \"%s\";\n"
			   "key_prefix = \"%s\";\n",
			   dir, dir, prefix) > 0);
	tc_load_ok(text, NULL, &s);
	cr_assert_str_eq(kvp_settings_pool_dir(s), dir);
	tc_is_str(s, "hash_key_file", dir);
	cr_assert_str_eq(kvp_settings_key_prefix(s), prefix);
	free(text);
	free(prefix);
	free(dir);
}

Test(config_load, key_prefix_character_set)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("key_prefix = \"azAZ09_.-\";", NULL, &s);
	cr_assert_str_eq(kvp_settings_key_prefix(s), "azAZ09_.-");
	tc_load_ok("key_prefix = \"x\";", NULL, &s);
	cr_assert_str_eq(
	    kvp_settings_key_prefix(s),
	    "x"); /* Near the reserved schemas (DIAG, DIAG_V..., CLOUD_INIT,
		   * PROVISIONING_REPORT, azure-init-...) but none of them. */
	tc_load_ok("key_prefix = \"diag\";", NULL, &s);
	cr_assert_str_eq(kvp_settings_key_prefix(s), "diag");
	tc_load_ok("key_prefix = \"DIAGX\";", NULL, &s);
	cr_assert_str_eq(kvp_settings_key_prefix(s), "DIAGX");
	tc_load_ok("key_prefix = \"DIAG_\";", NULL, &s);
	cr_assert_str_eq(kvp_settings_key_prefix(s), "DIAG_");
	tc_load_ok("key_prefix = \"CLOUD_INIT_2\";", NULL, &s);
	cr_assert_str_eq(kvp_settings_key_prefix(s), "CLOUD_INIT_2");
	tc_load_ok("key_prefix = \"azure-init\";", NULL, &s);
	cr_assert_str_eq(kvp_settings_key_prefix(s), "azure-init");
}

Test(config_load, libconfig_syntax_variants)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("pool: \"auto\"\n"
		   "mode = \"unsafe\", // trailing comment\n"
		   "# hash comment\n"
		   "/* block\n comment */ max_records =\n  9;\n"
		   "fields: { tty: \"omit\" };\n",
		   NULL, &s);
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_AUTO);
	tc_is_str(s, "mode", "unsafe");
	tc_is(s, "max_records", "9");
	tc_is_str(s, "tty", "omit");
}

Test(config_load, strings_with_escapes_and_utf8)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("pool_dir = \"/var/lib/h\\\"q\\\\b/\xc3\xa9t\xc3\xa9 x\";\n"
		   "hash_key_file = \"/k\" \"ey\";\n",
		   NULL, &s);
	cr_assert_str_eq(kvp_settings_pool_dir(s),
			 "/var/lib/h\"q\\b/\xc3\xa9t\xc3\xa9 x");
	tc_is_str(s, "hash_key_file", "/key");
}

Test(config_load, error_leaves_the_settings_not_half_a_file)
{
	struct tc_conf c;
	TC_AUTO kvp_settings *s = tc_new();
	TC_AUTO kvp_settings *before = tc_new();

	tc_set(s, "max_records=3");
	tc_set(before, "max_records=3");
	tc_conf_write(&c, "pool = \"auto\";\nmode = \"unsafe\";\n"
			  "max_records = 0;\n");
	cr_assert_eq(kvp_settings_load(s, c.path, NULL, NULL), KVP_ERR_CONFIG);
	tc_assert_settings_eq(s, before);
	tc_conf_remove(&c);
}

Test(config_load, file_applies_over_the_settings)
{
	TC_AUTO kvp_settings *s = tc_new();
	struct tc_conf c;

	tc_set(s, "max_records=3");
	tc_set(s, "mode=unsafe");
	tc_conf_write(&c, "mode = \"safe\";\n");
	cr_assert_eq(kvp_settings_load(s, c.path, NULL, NULL), 0);
	tc_is(s, "max_records", "3");
	tc_is_str(s, "mode", "safe");
	tc_conf_remove(&c);
}

Test(config_load, shipped_default_config_is_clean_and_the_defaults)
{
	const char *path = "conf/pam_kvp.conf";
	TC_AUTO kvp_settings *s = tc_new();
	TC_AUTO kvp_settings *defaults = tc_new();
	bool found = false;

	if (access(path, R_OK) != 0)
		cr_skip_test("%s not present (run from the repository root)",
			     path);
	cr_assert_eq(kvp_settings_check_file(path), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(kvp_settings_load(s, path, "sshd", &found), 0, "%s",
		     kvp_error_last()->message);
	cr_assert(found);
	tc_assert_settings_eq(s, defaults);
}
