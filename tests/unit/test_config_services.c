/* test_config_services.c - per-service overrides in pam_kvp.conf: the
 * group services.<name> applies over the top level for that service only,
 * and every service group is checked on every load. */
#include <criterion/criterion.h>

#include "test_config_util.h"

static const char services_conf[] =
    "events = [\"auth_fail\"];\n"
    "max_records = 100;\n"
    "services = {\n"
    "  su = { events = [\"session_open\"]; max_records = 7; };\n"
    "  sshd = { fields = { rhost = \"hash\"; }; on_error = \"fail\"; };\n"
    "};\n"
    "mode = \"unsafe\";\n";

Test(config_services, service_override_applies_to_its_service_only)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok(services_conf, "su", &s);
	tc_is(s, "events", "[\"session_open\"]");
	tc_is(s, "max_records", "7");
	tc_is_str(s, "mode", "unsafe"); /* top level, after services */
	tc_is_str(s, "on_error", "ignore");
	tc_is_str(s, "rhost", "plain");

	tc_load_ok(services_conf, "sshd", &s);
	tc_is(s, "events", "[\"auth_fail\"]");
	tc_is(s, "max_records", "100");
	tc_is_str(s, "mode", "unsafe");
	tc_is_str(s, "on_error", "fail");
	tc_is_str(s, "rhost", "hash");
	tc_is_str(s, "user", "plain");
}

Test(config_services, no_service_or_other_service_gets_the_top_level)
{
	TC_AUTO kvp_settings *a = NULL;
	TC_AUTO kvp_settings *b = NULL;

	tc_load_ok(services_conf, NULL, &a);
	tc_is(a, "events", "[\"auth_fail\"]");
	tc_is(a, "max_records", "100");
	tc_is_str(a, "on_error", "ignore");
	tc_load_ok(services_conf, "login", &b);
	tc_assert_settings_eq(a, b);
	/* Names match exactly. */
	tc_load_ok(services_conf, "SU", &b);
	tc_assert_settings_eq(a, b);
	tc_load_ok(services_conf, "", &b);
	tc_assert_settings_eq(a, b);
}

Test(config_services, service_override_wins_wherever_it_is_written)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("services = { su = { pool = \"auto\"; }; };\n"
		   "pool = \"external\";\n",
		   "su", &s);
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_AUTO);
}

Test(config_services, service_can_set_every_setting)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("services = { gdm-password = {\n"
		   "  pool = \"auto_internal\"; mode = \"unsafe\";\n"
		   "  pool_dir = \"/srv\"; key_prefix = \"GDM\";\n"
		   "  write = \"insert\"; events = [];\n"
		   "  fields = { host = \"omit\"; };\n"
		   "  max_records = 3; lock_timeout_ms = 4;\n"
		   "  clear_if_stale = false; on_error = \"fail\";\n"
		   "  hash_key_file = \"/k\";\n"
		   "}; };\n",
		   "gdm-password", &s);
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_AUTO_INTERNAL);
	tc_is_str(s, "mode", "unsafe");
	cr_assert_str_eq(kvp_settings_pool_dir(s), "/srv");
	cr_assert_str_eq(kvp_settings_key_prefix(s), "GDM");
	tc_is_str(s, "write", "insert");
	tc_is(s, "events", "[]");
	tc_is_str(s, "host", "omit");
	tc_is(s, "max_records", "3");
	tc_is(s, "lock_timeout_ms", "4");
	tc_is(s, "clear_if_stale", "false");
	tc_is_str(s, "on_error", "fail");
	tc_is_str(s, "hash_key_file", "/k");
}

Test(config_services, service_fields_merge_over_top_level_fields)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("fields = { user = \"hash\"; tty = \"omit\"; };\n"
		   "services = { su = { fields = { tty = \"plain\"; }; }; };\n",
		   "su", &s);
	tc_is_str(s, "user", "hash");
	tc_is_str(s, "tty", "plain");
}

Test(config_services, empty_services_and_empty_service_group)
{
	TC_AUTO kvp_settings *s = NULL;
	TC_AUTO kvp_settings *defaults = tc_new();

	tc_load_ok("services = {};", "su", &s);
	tc_assert_settings_eq(s, defaults);
	tc_load_ok("services = { su = {}; };", "su", &s);
	tc_assert_settings_eq(s, defaults);
}

Test(config_services, other_service_groups_are_still_checked)
{
	tc_assert_load_error("services = {\n"
			     "  su = { events = [\"session_open\"]; };\n"
			     "  sshd = { max_records = 0; };\n"
			     "};\n",
			     "su", 3,
			     "services.sshd.max_records: must be between 1 "
			     "and 1024, got 0");
	tc_assert_load_error("services = {\n"
			     "  sshd = { bogus = 1; };\n"
			     "};\n",
			     NULL, 2, "services.sshd.bogus: unknown setting");
}
