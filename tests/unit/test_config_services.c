/* test_config_services.c - per-service overrides in pam_kvp.conf: the
 * group services.<name> applies over the top level for that service only,
 * and every service group is checked on every load. */
#include <criterion/criterion.h>

#include "test_config_util.h"

#define EV(e) (1u << KVP_EVENT_##e)

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
	kvp_settings s;

	tc_load_ok(services_conf, "su", &s);
	cr_assert_eq(s.events, EV(SESSION_OPEN));
	cr_assert_eq(s.max_records, 7);
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE); /* top level, after services */
	cr_assert_eq(s.on_error, KVP_ON_ERROR_IGNORE);
	cr_assert_eq(s.fields[KVP_FIELD_RHOST], KVP_FIELD_PLAIN);

	tc_load_ok(services_conf, "sshd", &s);
	cr_assert_eq(s.events, EV(AUTH_FAIL));
	cr_assert_eq(s.max_records, 100);
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE);
	cr_assert_eq(s.on_error, KVP_ON_ERROR_FAIL);
	cr_assert_eq(s.fields[KVP_FIELD_RHOST], KVP_FIELD_HASH);
	cr_assert_eq(s.fields[KVP_FIELD_USER], KVP_FIELD_PLAIN);
}

Test(config_services, no_service_or_other_service_gets_the_top_level)
{
	kvp_settings a, b;

	tc_load_ok(services_conf, NULL, &a);
	cr_assert_eq(a.events, EV(AUTH_FAIL));
	cr_assert_eq(a.max_records, 100);
	cr_assert_eq(a.on_error, KVP_ON_ERROR_IGNORE);
	tc_load_ok(services_conf, "login", &b);
	tc_assert_settings_eq(&a, &b);
	/* Names match exactly. */
	tc_load_ok(services_conf, "SU", &b);
	tc_assert_settings_eq(&a, &b);
	tc_load_ok(services_conf, "", &b);
	tc_assert_settings_eq(&a, &b);
}

Test(config_services, service_override_wins_wherever_it_is_written)
{
	kvp_settings s;

	tc_load_ok("services = { su = { pool = \"auto\"; }; };\n"
		   "pool = \"external\";\n",
		   "su", &s);
	cr_assert_eq(s.pool, KVP_POOL_AUTO);
}

Test(config_services, service_can_set_every_setting)
{
	kvp_settings s;

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
	cr_assert_eq(s.pool, KVP_POOL_AUTO_INTERNAL);
	cr_assert_eq(s.mode, KVP_MODE_UNSAFE);
	cr_assert_str_eq(s.pool_dir, "/srv");
	cr_assert_str_eq(s.key_prefix, "GDM");
	cr_assert_eq(s.write, KVP_WRITE_INSERT);
	cr_assert_eq(s.events, 0);
	cr_assert_eq(s.fields[KVP_FIELD_HOST], KVP_FIELD_OMIT);
	cr_assert_eq(s.max_records, 3);
	cr_assert_eq(s.lock_timeout_ms, 4);
	cr_assert_not(s.clear_if_stale);
	cr_assert_eq(s.on_error, KVP_ON_ERROR_FAIL);
	cr_assert_str_eq(s.hash_key_file, "/k");
}

Test(config_services, service_fields_merge_over_top_level_fields)
{
	kvp_settings s;

	tc_load_ok("fields = { user = \"hash\"; tty = \"omit\"; };\n"
		   "services = { su = { fields = { tty = \"plain\"; }; }; };\n",
		   "su", &s);
	cr_assert_eq(s.fields[KVP_FIELD_USER], KVP_FIELD_HASH);
	cr_assert_eq(s.fields[KVP_FIELD_TTY], KVP_FIELD_PLAIN);
}

Test(config_services, empty_services_and_empty_service_group)
{
	kvp_settings s, defaults;

	kvp_settings_defaults(&defaults);
	tc_load_ok("services = {};", "su", &s);
	tc_assert_settings_eq(&s, &defaults);
	tc_load_ok("services = { su = {}; };", "su", &s);
	tc_assert_settings_eq(&s, &defaults);
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
