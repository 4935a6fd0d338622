/* test_config_errors.c - every kind of config error surfaces as one
 * syslog line naming file:line: and the setting, the login is unaffected
 * (the module returns PAM_IGNORE, so the stack's result is the other
 * modules'), and with on_error=fail as a module argument the PAM call
 * gets the stack's error code. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pam_harness.h"
#include "test_util.h"

/* By value: Criterion re-executes its workers, pointers would dangle. */
struct bad_conf {
	char text[160];	   /* the whole file */
	char where[48];	   /* ":LINE: setting" after the file name */
	char message[120]; /* the rest of the line */
};

static struct bad_conf kinds[] = {
    {"mode = \"safe\";\nmax_records = ;\n", ":2:", "syntax error"},
    {"pool = \"guest\";\ncolour = \"blue\";\n", ":2: colour",
     "unknown setting"},
    {"max_records = \"many\";\n", ":1: max_records",
     "must be an integer, got a string"},
    {"pool = 1;\n", ":1: pool", "must be a string, got an integer"},
    {"\n\nmax_records = 5000;\n", ":3: max_records",
     "must be between 1 and 1024, got 5000"},
    {"lock_timeout_ms = -1;\n", ":1: lock_timeout_ms",
     "must be between 0 and 60000, got -1"},
    {"max_records = 4294967297;\n", ":1: max_records",
     "must be between 1 and 1024, got 4294967297"},
    {"pool = \"nowhere\";\n", ":1: pool",
     "must be external, guest, auto, auto_external or auto_internal, got "
     "'nowhere'"},
    {"mode = \"risky\";\n", ":1: mode", "must be safe or unsafe, got 'risky'"},
    {"write = \"overwrite\";\n", ":1: write",
     "must be append or insert, got 'overwrite'"},
    {"on_error = \"maybe\";\n", ":1: on_error",
     "must be ignore or fail, got 'maybe'"},
    {"events = [\"auth\",\n  \"logout\"];\n", ":2: events[1]",
     "unknown event 'logout'"},
    {"events = \"auth\";\n", ":1: events",
     "must be a list of event names, got a string"},
    {"fields = { shoe = \"plain\"; };\n", ":1: fields.shoe", "unknown field"},
    {"fields = {\n  user = \"encrypt\";\n};\n", ":2: fields.user",
     "must be plain, hash or omit, got 'encrypt'"},
    {"pool_dir = \"var/lib/hyperv\";\n", ":1: pool_dir",
     "must be an absolute path, got 'var/lib/hyperv'"},
    {"hash_key_file = \"\";\n", ":1: hash_key_file", "must not be empty"},
    {"key_prefix = \"PAM|KVP\";\n", ":1: key_prefix",
     "may only hold A-Z a-z 0-9 _ . -, got 'PAM|KVP'"},
    {"clear_if_stale = \"yes\";\n", ":1: clear_if_stale",
     "must be true or false, got a string"},
    {"pool = \"guest\";\n@include \"/etc/passwd\"\n",
     ":2:", "@include is not allowed"},
    {"pool = \"guest\";\n/* never closed\nmode = \"safe\";\n",
     ":2:", "unterminated /* comment"},
    {"services = {\n  su = {\n    colour = 1;\n  };\n};\n",
     ":3: services.su.colour", "unknown setting"},
    {"services = { su = { services = { }; }; };\n", ":1: services.su.services",
     "not allowed inside a service group"},
    {"services = 5;\n", ":1: services", "must be a group of service groups"},
};

ParameterizedTestParameters(config_errors, each_kind)
{
	return cr_make_param_array(struct bad_conf, kinds,
				   sizeof(kinds) / sizeof(kinds[0]));
}

static void setup(void)
{
	ph_init();
	ph_service_all("open", "required", "");
	ph_service_all("closed", "required", "on_error=fail");
}

ParameterizedTest(struct bad_conf *kind, config_errors, each_kind,
		  .init = setup, .fini = ph_fini)
{
	char *where = NULL;

	cr_assert(asprintf(&where, "%s%s", ph.conf, kind->where) > 0);
	ph_config_raw(ph.conf, kind->text);

	/* Fail open: the login goes on, one line says what is wrong. */
	cr_assert_eq(ph_call("open", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect("session_open event not recorded: ", where, kind->message,
		      NULL);
	/* Fail closed: on_error=fail as an argument holds even though the
	 * file could not be read. */
	ph_log_clear();
	cr_assert_eq(ph_call("closed", PAMTEST_OPEN_SESSION), PAM_SESSION_ERR);
	ph_log_expect(where, kind->message, NULL);
	cr_expect_eq(tu_file_size(ph.pool), -1, "nothing may be recorded");
	free(where);
}

TestSuite(config_fail, .init = setup, .fini = ph_fini);

static void bad_config(void)
{
	ph_config_raw(ph.conf, "max_records = 0;\n");
}

Test(config_fail, nul_byte_in_the_file)
{
	static const char text[] = "pool = \"guest\";\nmode\0 = \"safe\";\n";

	tu_write_file(ph.conf, text, sizeof(text) - 1);
	chmod(ph.conf, 0644);
	cr_assert_eq(ph_call("open", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect(ph.conf, ":2: NUL byte in the file", NULL);
}

Test(config_fail, config_path_is_a_directory)
{
	ph_service("dir", "session required {KVP_BARE} config={ROOT}\n"
			  "session required {PERMIT}\n");
	cr_assert_eq(ph_call("dir", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect(ph.root, "Is a directory", NULL);
}

Test(config_fail, auth_gets_auth_err)
{
	bad_config();
	cr_assert_eq(ph_call("open", PAMTEST_AUTHENTICATE), PAM_SUCCESS);
	ph_log_expect("auth event not recorded", "max_records", NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("closed", PAMTEST_AUTHENTICATE), PAM_AUTH_ERR);
	ph_log_expect("auth event not recorded", NULL);
}

Test(config_fail, account_gets_perm_denied)
{
	bad_config();
	cr_assert_eq(ph_call("open", PAMTEST_ACCOUNT), PAM_SUCCESS);
	ph_log_expect("account event not recorded", "max_records", NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("closed", PAMTEST_ACCOUNT), PAM_PERM_DENIED);
	ph_log_expect("account event not recorded", NULL);
}

Test(config_fail, session_close_gets_session_err)
{
	bad_config();
	cr_assert_eq(ph_call("open", PAMTEST_CLOSE_SESSION), PAM_SUCCESS);
	ph_log_expect("session_close event not recorded", NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("closed", PAMTEST_CLOSE_SESSION), PAM_SESSION_ERR);
	ph_log_expect("session_close event not recorded", NULL);
}

Test(config_fail, password_gets_authtok_err)
{
	bad_config();
	cr_assert_eq(ph_call("open", PAMTEST_CHAUTHTOK), PAM_SUCCESS);
	/* One line: the preliminary phase records nothing. */
	ph_log_expect("password event not recorded", NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("closed", PAMTEST_CHAUTHTOK), PAM_AUTHTOK_ERR);
	ph_log_expect("password event not recorded", NULL);
}

Test(config_fail, auth_fail_still_fails_with_a_broken_file)
{
	ph_config_raw(ph.conf, "colour = 1;\n");
	ph_service("deny", "auth [default=die] {KVP} event=auth_fail\n"
			   "auth required {PERMIT}\n");
	cr_assert_eq(ph_call("deny", PAMTEST_AUTHENTICATE), PAM_AUTH_ERR);
	ph_log_expect("auth_fail event not recorded", ":1: colour", NULL);
}

Test(config_fail, a_broken_files_own_on_error_is_not_applied)
{
	/* A file is applied entirely or not at all: only an argument can
	 * make a broken file deny logins. */
	ph_config_raw(ph.conf, "on_error = \"fail\";\ncolour = 1;\n");
	cr_assert_eq(ph_call("open", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect(":2: colour", NULL);
}
