/* test_config_errors.c - every kind of bad value for every setting of
 * pam_kvp.conf: KVP_ERR_CONFIG naming the file, the line and the full
 * setting path, with the exact message, and the defaults left in place. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_config_util.h"
#include "test_util.h"

#define ERR(text, line, msg) tc_assert_load_error(text, NULL, line, msg)

Test(config_errors, message_of_the_header_example)
{
	ERR("# pam_kvp.conf\n\npool = \"guest\";\nmode = \"safe\";\n\n"
	    "# growth\nmax_records = 5000;\n",
	    7, "max_records: must be between 1 and 1024, got 5000");
}

Test(config_errors, unknown_top_level_settings)
{
	ERR("pool = \"guest\";\nbogus = 1;\n", 2, "bogus: unknown setting");
	ERR("Pool = \"guest\";\n", 1, "Pool: unknown setting");
	ERR("debug = true;\n", 1, "debug: unknown setting");
	ERR("config = \"/x\";\n", 1, "config: unknown setting");
	ERR("event = \"auth\";\n", 1, "event: unknown setting");
	ERR("max_record = 5;\n", 1, "max_record: unknown setting");
	ERR("pool_dirs = { x = 1; };\n", 1, "pool_dirs: unknown setting");
}

Test(config_errors, pool)
{
	ERR("pool = \"bogus\";", 1,
	    "pool: must be external, guest, auto, auto_external or "
	    "auto_internal, got 'bogus'");
	ERR("pool = \"Guest\";", 1,
	    "pool: must be external, guest, auto, auto_external or "
	    "auto_internal, got 'Guest'");
	ERR("pool = \"5\";", 1,
	    "pool: must be external, guest, auto, auto_external or "
	    "auto_internal, got '5'");
	ERR("pool = 1;", 1, "pool: must be a string, got an integer");
	ERR("pool = [\"guest\"];", 1, "pool: must be a string, got an array");
}

Test(config_errors, mode)
{
	ERR("\nmode = \"Safe\";", 2,
	    "mode: must be safe or unsafe, got 'Safe'");
	ERR("mode = \"\";", 1, "mode: must be safe or unsafe, got ''");
	ERR("mode = true;", 1, "mode: must be a string, got a boolean");
}

Test(config_errors, write)
{
	ERR("write = \"upsert\";", 1,
	    "write: must be append or insert, got 'upsert'");
	ERR("write = 1.5;", 1, "write: must be a string, got a float");
}

Test(config_errors, on_error)
{
	ERR("on_error = \"deny\";", 1,
	    "on_error: must be ignore or fail, got 'deny'");
	ERR("on_error = ( \"fail\" );", 1,
	    "on_error: must be a string, got a list");
}

Test(config_errors, pool_dir)
{
	ERR("pool_dir = \"var/lib/hyperv\";", 1,
	    "pool_dir: must be an absolute path, got 'var/lib/hyperv'");
	ERR("pool_dir = \"\";", 1, "pool_dir: must not be empty");
	ERR("pool_dir = { a = 1; };", 1,
	    "pool_dir: must be a string, got a group");
}

Test(config_errors, pool_dir_too_long)
{
	char *dir = tu_repeat('d', 4096);
	char *text = NULL;

	dir[0] = '/';
	cr_assert(asprintf(&text, "\n\npool_dir = \"%s\";\n", dir) > 0);
	ERR(text, 3, "pool_dir: longer than 4095 bytes (4096)");
	cr_assert_eq(kvp_error_last()->max, 4095);
	cr_assert_eq(kvp_error_last()->actual, 4096);
	free(text);
	free(dir);
}

Test(config_errors, hash_key_file)
{
	char *file = tu_repeat('k', 4096 + 10);
	char *text = NULL;

	ERR("hash_key_file = \"pam_kvp.key\";", 1,
	    "hash_key_file: must be an absolute path, got 'pam_kvp.key'");
	ERR("hash_key_file = \"\";", 1, "hash_key_file: must not be empty");
	ERR("hash_key_file = 0;", 1,
	    "hash_key_file: must be a string, got an integer");
	file[0] = '/';
	cr_assert(asprintf(&text, "hash_key_file = \"%s\";\n", file) > 0);
	ERR(text, 1, "hash_key_file: longer than 4095 bytes (4106)");
	free(text);
	free(file);
}

Test(config_errors, key_prefix)
{
	ERR("key_prefix = \"\";", 1, "key_prefix: must not be empty");
	ERR("key_prefix = \"PAM|KVP\";", 1,
	    "key_prefix: may only hold A-Z a-z 0-9 _ . -, got 'PAM|KVP'");
	ERR("key_prefix = \"PAM KVP\";", 1,
	    "key_prefix: may only hold A-Z a-z 0-9 _ . -, got 'PAM KVP'");
	ERR("key_prefix = \"P\xc3\xa4M\";", 1,
	    "key_prefix: may only hold A-Z a-z 0-9 _ . -, got 'P\xc3\xa4M'");
	ERR("key_prefix = \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\";", 1,
	    "key_prefix: longer than 32 characters (33)");
	cr_assert_eq(kvp_error_last()->max, 32);
	cr_assert_eq(kvp_error_last()->actual, 33);
	ERR("key_prefix = 7;", 1,
	    "key_prefix: must be a string, got an integer");
	/* Near misses of the reserved schemas are fine (test_config_load). */
	ERR("key_prefix = \"CLOUD_INIT\";", 1,
	    "key_prefix: must not name another writer's records (DIAG, "
	    "DIAG_V..., CLOUD_INIT, PROVISIONING_REPORT or azure-init-...), "
	    "got 'CLOUD_INIT'");
	ERR("services = { su = { key_prefix = \"DIAG_V1\"; }; };", 1,
	    "services.su.key_prefix: must not name another writer's records "
	    "(DIAG, DIAG_V..., CLOUD_INIT, PROVISIONING_REPORT or "
	    "azure-init-...), got 'DIAG_V1'");
}

Test(config_errors, format)
{
	ERR("format = \"legacy\";", 1,
	    "format: must be diag or pam_kvp, got 'legacy'");
	ERR("format = 1;", 1, "format: must be a string, got an integer");
}

Test(config_errors, control_characters_do_not_break_the_message_line)
{
	ERR("mode = \"a\\nb\\tc\";", 1,
	    "mode: must be safe or unsafe, got 'a?b?c'");
}

Test(config_errors, events_wrong_types)
{
	ERR("events = \"auth\";", 1,
	    "events: must be a list of event names, got a string");
	ERR("events = { auth = true; };", 1,
	    "events: must be a list of event names, got a group");
	ERR("events = [1, 2];", 1,
	    "events[0]: must be an event name (a string), got an integer");
	ERR("events = (\"auth\",\n  true);", 2,
	    "events[1]: must be an event name (a string), got a boolean");
	ERR("events = ((\"auth\"));", 1,
	    "events[0]: must be an event name (a string), got a list");
}

Test(config_errors, events_unknown_name_names_the_element)
{
	ERR("events = [\n  \"auth\",\n  \"bogus\",\n  \"password\"\n];\n", 3,
	    "events[1]: unknown event 'bogus' (expected auth, auth_fail, "
	    "account, session_open, session_close or password)");
	ERR("events = [\"\"];", 1,
	    "events[0]: unknown event '' (expected auth, auth_fail, account, "
	    "session_open, session_close or password)");
	ERR("events = [\"Auth\"];", 1,
	    "events[0]: unknown event 'Auth' (expected auth, auth_fail, "
	    "account, session_open, session_close or password)");
}

Test(config_errors, fields)
{
	ERR("fields = \"plain\";", 1,
	    "fields: must be a group (fields = { user = \"hash\"; }), got a "
	    "string");
	ERR("fields = [\"user\"];", 1,
	    "fields: must be a group (fields = { user = \"hash\"; }), got an "
	    "array");
	ERR("fields = {\n  user = \"plain\";\n  pid = \"omit\";\n};", 3,
	    "fields.pid: unknown field (expected user, ruser, rhost, tty or "
	    "host)");
	ERR("fields = { user = \"encrypt\"; };", 1,
	    "fields.user: must be plain, hash or omit, got 'encrypt'");
	ERR("fields = {\n rhost = true; };", 2,
	    "fields.rhost: must be \"plain\", \"hash\" or \"omit\", got a "
	    "boolean");
	ERR("fields = { tty = { a = 1; }; };", 1,
	    "fields.tty: must be \"plain\", \"hash\" or \"omit\", got a group");
}

Test(config_errors, max_records_range)
{
	ERR("max_records = 0;", 1,
	    "max_records: must be between 1 and 1024, got 0");
	ERR("max_records = 1025;", 1,
	    "max_records: must be between 1 and 1024, got 1025");
	ERR("max_records = -1;", 1,
	    "max_records: must be between 1 and 1024, got -1");
	ERR("max_records = 2048L;", 1,
	    "max_records: must be between 1 and 1024, got 2048");
	ERR("max_records = -2147483648;", 1,
	    "max_records: must be between 1 and 1024, got -2147483648");
}

Test(config_errors, max_records_wrong_types)
{
	ERR("max_records = \"10\";", 1,
	    "max_records: must be an integer, got a string");
	ERR("max_records = 10.0;", 1,
	    "max_records: must be an integer, got a float");
	ERR("max_records = 1e2;", 1,
	    "max_records: must be an integer, got a float");
	ERR("max_records = true;", 1,
	    "max_records: must be an integer, got a boolean");
	ERR("max_records = [10];", 1,
	    "max_records: must be an integer, got an array");
}

/* libconfig 1.5 keeps these as wrapped or clamped ints (4294967297 reads
 * as 1, which is in range): the literal as written must be refused. */
Test(config_errors, integers_libconfig_would_wrap)
{
	ERR("max_records = 4294967297;", 1,
	    "max_records: must be between 1 and 1024, got 4294967297");
	ERR("\nmax_records = 99999999999;", 2,
	    "max_records: must be between 1 and 1024, got 99999999999");
	ERR("max_records = 2147483648;", 1,
	    "max_records: must be between 1 and 1024, got 2147483648");
	ERR("max_records = -4294967295;", 1,
	    "max_records: must be between 1 and 1024, got -4294967295");
	ERR("lock_timeout_ms = 0x100000064;", 1,
	    "lock_timeout_ms: must be between 0 and 60000, got 0x100000064");
	ERR("lock_timeout_ms = 0xFFFFFFFF;", 1,
	    "lock_timeout_ms: must be between 0 and 60000, got 0xFFFFFFFF");
	ERR("max_records\n  =\n  4294967297;", 1,
	    "max_records: must be between 1 and 1024, got 4294967297");
}

Test(config_errors, integers_beyond_64_bits)
{
	ERR("max_records = 99999999999L;", 1,
	    "max_records: must be between 1 and 1024, got 99999999999");
	ERR("max_records = 18446744073709551617L;", 1,
	    "max_records: must be between 1 and 1024, got "
	    "18446744073709551617L");
	ERR("lock_timeout_ms = 123456789012345678901234567890123456789012345;",
	    1,
	    "lock_timeout_ms: must be between 0 and 60000, got "
	    "1234567890123456789012345678901234567890...");
	ERR("services = { su = { max_records = 9223372036854775808L; }; };", 1,
	    "services.su.max_records: must be between 1 and 1024, got "
	    "9223372036854775808L");
}

Test(config_errors, lock_timeout_ms)
{
	ERR("lock_timeout_ms = -1;", 1,
	    "lock_timeout_ms: must be between 0 and 60000, got -1");
	ERR("lock_timeout_ms = 60001;", 1,
	    "lock_timeout_ms: must be between 0 and 60000, got 60001");
	ERR("lock_timeout_ms = \"200\";", 1,
	    "lock_timeout_ms: must be an integer, got a string");
	ERR("lock_timeout_ms = 0.5;", 1,
	    "lock_timeout_ms: must be an integer, got a float");
}

Test(config_errors, clear_if_stale)
{
	ERR("clear_if_stale = 1;", 1,
	    "clear_if_stale: must be true or false, got an integer");
	ERR("clear_if_stale = \"yes\";", 1,
	    "clear_if_stale: must be true or false, got a string");
	ERR("clear_if_stale = \"true\";", 1,
	    "clear_if_stale: must be true or false, got a string");
}

Test(config_errors, services_shape)
{
	ERR("services = \"su\";", 1,
	    "services: must be a group of service groups (services = { su = "
	    "{ ... }; }), got a string");
	ERR("services = ( { events = []; } );", 1,
	    "services: must be a group of service groups (services = { su = "
	    "{ ... }; }), got a list");
	ERR("services = {\n  su = [\"auth\"];\n};", 2,
	    "services.su: must be a group of settings, got an array");
	ERR("services = { su = { services = {}; }; };", 1,
	    "services.su.services: not allowed inside a service group");
}

Test(config_errors, services_unknown_setting)
{
	ERR("services = {\n  su = {\n    events = [];\n    bogus = 1;\n  };\n"
	    "};\n",
	    4, "services.su.bogus: unknown setting");
	ERR("services = { su = { debug = true; }; };", 1,
	    "services.su.debug: unknown setting");
}

Test(config_errors, services_bad_values_use_the_full_path)
{
	tc_assert_load_error("services = {\n"
			     "  su = { events = [\"auth\",\n\"bogus\"]; };\n"
			     "};\n",
			     "su", 3,
			     "services.su.events[1]: unknown event 'bogus' "
			     "(expected auth, auth_fail, account, "
			     "session_open, session_close or password)");
	ERR("services = { sshd = { fields = { user = \"x\"; }; }; };", 1,
	    "services.sshd.fields.user: must be plain, hash or omit, got 'x'");
	ERR("services = { sshd = { fields = { uid = \"omit\"; }; }; };", 1,
	    "services.sshd.fields.uid: unknown field (expected user, ruser, "
	    "rhost, tty or host)");
	ERR("services = { sshd = { pool = 1; }; };", 1,
	    "services.sshd.pool: must be a string, got an integer");
	ERR("services = { sshd = { clear_if_stale = 0; }; };", 1,
	    "services.sshd.clear_if_stale: must be true or false, got an "
	    "integer");
	ERR("services = { sshd = { key_prefix = \"a b\"; }; };", 1,
	    "services.sshd.key_prefix: may only hold A-Z a-z 0-9 _ . -, got "
	    "'a b'");
}

Test(config_errors, the_first_error_in_file_order_is_reported)
{
	ERR("services = { su = { bogus = 1; }; };\nmax_records = 0;\n", 1,
	    "services.su.bogus: unknown setting");
	ERR("pool = \"x\";\nservices = { su = { bogus = 1; }; };\n", 1,
	    "pool: must be external, guest, auto, auto_external or "
	    "auto_internal, got 'x'");
	ERR("mode = \"safe\";\nwrite = \"x\";\non_error = \"y\";\n", 2,
	    "write: must be append or insert, got 'x'");
}
