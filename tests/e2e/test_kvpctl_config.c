/* test_kvpctl_config.c - kvpctl check-config end to end, like `sshd -t`:
 * a valid file is silent (exit 0); --print shows the effective settings
 * as a file that loads back to the same; --service applies a service
 * group; every kind of error is one line "FILE:LINE: setting: problem"
 * with exit 3, as are missing, unreadable (for root without its file
 * capabilities) and non-regular files; usage errors exit 2. Also the global
 * --config option and the help text. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event_fixture.h"
#include "kvpctl_run.h"
#include "test_util.h"

TestSuite(kvpctl_config, .init = kr_setup, .fini = kr_teardown);

/* Every setting, each set away from its default. */
static const char full_config[] =
    "# a complete pam_kvp.conf\n"
    "pool = \"auto\";\n"
    "mode = \"unsafe\";\n"
    "pool_dir = \"/var/tmp/kvp\";\n"
    "key_prefix = \"SITE_1\";\n"
    "write = \"insert\";\n"
    "events = [\"auth\", \"password\"];\n"
    "fields = { user = \"hash\"; rhost = \"omit\"; };\n"
    "hash_key_file = \"/etc/security/other.key\";\n"
    "max_records = 7;\n"
    "lock_timeout_ms = 50;\n"
    "clear_if_stale = false;\n"
    "on_error = \"fail\";\n"
    "services = {\n"
    "  su = { events = [\"session_open\"]; max_records = 9; };\n"
    "};\n";

/* `text` as file `name` in kr_dir; its path (malloc'd). */
static char *conf(const char *name, const char *text)
{
	char *path = tu_path(kr_dir, name);

	tu_write_file(path, text, strlen(text));
	return path;
}

#define RUN(r, ...) kr_runv((r), NULL, (const char *const[]){__VA_ARGS__, NULL})
#define OUT(...)    kr_output((const char *const[]){__VA_ARGS__, NULL})

/* check-config of `text` must fail with one line naming
 * "<file>:<line>: <setting>" and holding `problem`. */
static void expect_config_error(const char *text, int line, const char *setting,
				const char *problem)
{
	char *path = conf("bad.conf", text);
	char *where = kr_fmt("%s:%d: %s", path, line, setting);
	struct kr_result r;

	RUN(&r, "check-config", path);
	kr_assert_status(&r, 3);
	cr_assert_str_empty(r.out, "%s", r.out);
	kr_assert_error(&r, where, problem);
	kr_free(&r);
	free(where);
	free(path);
}

Test(kvpctl_config, valid_file_is_silent)
{
	char *path = conf("ok.conf", full_config);
	struct kr_result r;

	RUN(&r, "check-config", path);
	kr_assert_status(&r, 0);
	cr_assert_str_empty(r.out, "%s", r.out);
	cr_assert_str_empty(r.err, "%s", r.err);
	kr_free(&r);
	free(path);
}

Test(kvpctl_config, print_shows_the_effective_settings)
{
	char *path = conf("ok.conf", full_config);
	char *out = OUT("check-config", "--print", path);
	static const char *const lines[] = {
	    "pool = \"auto\";\n",
	    "mode = \"unsafe\";\n",
	    "pool_dir = \"/var/tmp/kvp\";\n",
	    "key_prefix = \"SITE_1\";\n",
	    "write = \"insert\";\n",
	    "events = [\"auth\", \"password\"];\n",
	    "\tuser = \"hash\";\n",
	    "\trhost = \"omit\";\n",
	    "\ttty = \"plain\";\n",
	    "max_records = 7;\n",
	    "lock_timeout_ms = 50;\n",
	    "clear_if_stale = false;\n",
	    "on_error = \"fail\";\n",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		cr_assert_not_null(strstr(out, lines[i]), "no '%s' in:\n%s",
				   lines[i], out);
	free(out);
	free(path);
}

Test(kvpctl_config, print_output_loads_back_to_the_same_settings)
{
	char *path = conf("ok.conf", full_config);
	char *printed = tu_path(kr_dir, "printed.conf");
	char *first = OUT("check-config", "--print", path), *again;

	kr_ok((const char *const[]){"check-config", "--print", path, NULL});
	tu_write_file(printed, first, strlen(first));
	kr_ok((const char *const[]){"check-config", printed, NULL});
	again = OUT("check-config", printed, "--print");
	cr_assert_str_eq(again, first);
	free(again);
	free(first);
	free(printed);
	free(path);
}

Test(kvpctl_config, empty_file_prints_the_library_defaults)
{
	char *path = conf("empty.conf", "# nothing set\n");
	kvp_settings *s = NULL;
	char *expected;

	cr_assert_eq(kvp_settings_new(&s), 0);
	expected = kvp_settings_format(s);
	kvp_settings_free(s);
	cr_assert_not_null(expected);
	kr_assert_output(OUT("check-config", "--print", path), expected);
	free(expected);
	free(path);
}

Test(kvpctl_config, service_option_applies_its_group)
{
	char *path = conf("ok.conf", full_config);
	char *su = OUT("check-config", path, "--service", "su");
	char *sshd = OUT("check-config", "--service=sshd", path);

	cr_assert_not_null(strstr(su, "events = [\"session_open\"];\n"), "%s",
			   su);
	cr_assert_not_null(strstr(su, "max_records = 9;\n"), "%s", su);
	cr_assert_not_null(strstr(su, "key_prefix = \"SITE_1\";\n"), "%s", su);
	/* A service without a group gets the file's settings. */
	cr_assert_not_null(strstr(sshd, "events = [\"auth\", \"password\"];\n"),
			   "%s", sshd);
	cr_assert_not_null(strstr(sshd, "max_records = 7;\n"), "%s", sshd);
	free(su);
	free(sshd);
	free(path);
}

Test(kvpctl_config, print_escapes_terminal_controls_and_loads_back)
{
	/* libconfig \x escapes: ESC, BEL and the C1 CSI as UTF-8. */
	char *path = conf("ok.conf", "pool_dir = \"/tmp/a\\x1b]0;t\\x07\\xc2"
				     "\\x9b\\\\z\";\n");
	char *printed = tu_path(kr_dir, "printed.conf");
	struct kr_result r;
	char *again;

	RUN(&r, "check-config", "--print", path);
	kr_assert_status(&r, 0);
	ef_assert_terminal_safe(r.out, r.out_len);
	cr_assert_not_null(
	    strstr(r.out,
		   "pool_dir = \"/tmp/a\\x1b]0;t\\x07\\xc2\\x9b\\\\z\";"),
	    "%s", r.out);
	tu_write_file(printed, r.out, r.out_len);
	again = OUT("check-config", "--print", printed);
	cr_assert_str_eq(again, r.out);
	free(again);
	kr_free(&r);
	free(printed);
	free(path);
}

Test(kvpctl_config, setting_errors_name_file_line_and_setting)
{
	expect_config_error("pool = \"guest\";\nbogus = 1;\n", 2, "bogus",
			    "unknown setting");
	expect_config_error("mode = 5;\n", 1, "mode", "must be a string");
	expect_config_error("\n\nmax_records = 5000;\n", 3, "max_records",
			    "5000");
	expect_config_error("lock_timeout_ms = 70000;\n", 1, "lock_timeout_ms",
			    "70000");
	expect_config_error("pool = \"nope\";\n", 1, "pool", "'nope'");
	expect_config_error("write = \"upsert\";\n", 1, "write", "'upsert'");
	expect_config_error("pool_dir = \"relative\";\n", 1, "pool_dir",
			    "absolute");
	expect_config_error("key_prefix = \"a|b\";\n", 1, "key_prefix",
			    "'a|b'");
	expect_config_error("clear_if_stale = \"yes\";\n", 1, "clear_if_stale",
			    "");
}

Test(kvpctl_config, list_and_group_errors_name_the_element)
{
	expect_config_error("events = [\"auth\", \"x\"];\n", 1, "events[1]",
			    "'x'");
	expect_config_error("fields = {\n  user = \"bogus\";\n};\n", 2,
			    "fields.user", "'bogus'");
	expect_config_error("fields = { shoe = \"hash\"; };\n", 1,
			    "fields.shoe", "");
	expect_config_error(
	    "services = {\n  su = {\n    bogus = 1;\n  };\n};\n", 3,
	    "services.su.bogus", "unknown setting");
	expect_config_error("services = {\n  su = {\n    max_records = 0;\n  "
			    "};\n};\n",
			    3, "services.su.max_records", "");
}

Test(kvpctl_config, syntax_errors_and_includes_name_the_line)
{
	char *path = conf("bad.conf", "pool = \"guest\";\nmode = ;\n");
	char *where = kr_fmt("%s:2:", path);
	struct kr_result r;

	RUN(&r, "check-config", path);
	kr_assert_status(&r, 3);
	kr_assert_error(&r, where);
	kr_free(&r);
	free(where);
	free(path);
	expect_config_error("@include \"/etc/passwd\"\n", 1, "@include",
			    "not allowed");
}

Test(kvpctl_config, missing_file_and_directory_are_errors_naming_them)
{
	char *missing = tu_path(kr_dir, "missing.conf");
	struct kr_result r;

	RUN(&r, "check-config", missing);
	kr_assert_status(&r, 3);
	cr_assert_str_empty(r.out);
	kr_assert_error(&r, missing, "No such file");
	kr_free(&r);
	RUN(&r, "check-config", kr_dir);
	kr_assert_status(&r, 3);
	kr_assert_error(&r, kr_dir, "Is a directory");
	kr_free(&r);
	free(missing);
}

#define NO_CAPS 124 /* the child could not drop its capabilities */

/* kvpctl check-config PATH as root, but with CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH dropped from the bounding set before exec (so the
 * program never has them): file permissions then bind root too. Not as
 * nobody (tu_run_as_nobody): under `make check-valgrind` the traced
 * kvpctl could not write its log as nobody. Stderr goes to err_path.
 * Returns the exit status. */
static int check_without_dac(const char *path, const char *err_path)
{
	char *argv[] = {getenv("KVPCTL"), "check-config", (char *)path, NULL};
	int status;
	pid_t pid;

	cr_assert_not_null(argv[0], "KVPCTL is not set");
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(err_path,
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(125);
		if (prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0 ||
		    prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0) != 0)
			_exit(NO_CAPS);
		execv(argv[0], argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "kvpctl did not exit normally");
	return WEXITSTATUS(status);
}

Test(kvpctl_config, unreadable_file_is_an_error_naming_it)
{
	char *path = conf("secret.conf", full_config);
	char *err_path = tu_path(kr_dir, "stderr");
	unsigned char *err;
	size_t len;
	int status;

	cr_assert_eq(chmod(path, 0), 0);
	status = check_without_dac(path, err_path);
	if (status == NO_CAPS)
		cr_skip_test("cannot drop CAP_DAC_OVERRIDE here");
	err = tu_read_file(err_path, &len);
	cr_assert_not_null(err);
	cr_assert_eq(status, 3, "exit %d: %.*s", status, (int)len, err);
	cr_assert_not_null(memmem(err, len, path, strlen(path)), "%.*s",
			   (int)len, err);
	cr_assert_not_null(memmem(err, len, "Permission denied", 17), "%.*s",
			   (int)len, err);
	cr_assert(len > 0 && memchr(err, '\n', len) == err + len - 1,
		  "not one line: %.*s", (int)len, err);
	free(err);
	free(err_path);
	free(path);
}

Test(kvpctl_config, global_config_option_names_the_file)
{
	char *good = conf("ok.conf", full_config);
	char *bad = conf("bad.conf", "max_records = 0;\n");
	char *out = OUT("--config", good, "check-config", "--print");
	struct kr_result r;

	cr_assert_not_null(strstr(out, "max_records = 7;"), "%s", out);
	free(out);
	RUN(&r, "-c", bad, "check-config");
	kr_assert_status(&r, 3);
	kr_assert_error(&r, bad, ":1: max_records");
	kr_free(&r);
	free(good);
	free(bad);
}

Test(kvpctl_config, usage_errors_exit_2)
{
	static const struct {
		const char *args[5], *fragment;
	} cases[] = {
	    {{"check-config", "a", "b"}, "too many arguments"},
	    {{"--config", "a", "check-config", "b"}, "not both"},
	    {{"check-config", "--service", ""}, "service name is empty"},
	    {{"check-config", "--service"}, "needs an argument"},
	    {{"check-config", "--print=yes"}, "takes no argument"},
	    {{"check-config", "--bogus"}, "unknown option"},
	    {{"--config", "", "check-config"}, "--config"},
	    {{"--config", "x", "list"}, "--config is not used"},
	    {{"--config"}, "needs an argument"},
	};
	struct kr_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kr_runv(&r, NULL, cases[i].args);
		kr_assert_status(&r, 2);
		cr_assert_str_empty(r.out);
		kr_assert_error(&r, cases[i].fragment);
		kr_free(&r);
	}
}

Test(kvpctl_config, help_describes_events_check_config_and_config)
{
	static const char *const words[] = {
	    "events",	"check-config", "--config",
	    "--follow", "--prefix",	"--interval",
	    "--print",	"--service",	"configuration file",
	};
	char *help = OUT("--help");
	char *cmd = OUT("check-config", "--help");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_assert_not_null(strstr(help, words[i]), "help lacks '%s'",
				   words[i]);
	cr_assert_not_null(strstr(cmd, "--service NAME"), "%s", cmd);
	free(help);
	free(cmd);
	help = OUT("events", "--help");
	cr_assert_not_null(strstr(help, "--interval MS"), "%s", help);
	cr_assert_not_null(strstr(help, "--prefix PREFIX"), "%s", help);
	free(help);
}
