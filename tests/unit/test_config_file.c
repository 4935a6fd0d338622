/* test_config_file.c - the config file as a file: unreadable, not a
 * regular file, too large, missing for kvp_settings_check_file; syntax errors
 * with their lines; and what libconfig 1.5 alone would accept silently or
 * leak on (@include, NUL bytes, unterminated comments, a string where no
 * value can be). Wrapped integers are in test_config_errors.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_config_util.h"
#include "test_util.h"

static int load_as_nobody(void *arg)
{
	const char *path = arg;
	const kvp_error *e = kvp_error_last();
	kvp_settings *s = NULL;
	bool found = true;
	int r = kvp_settings_new(&s);

	r = r ? r : kvp_settings_load(s, path, NULL, &found);
	kvp_settings_free(s);

	if (r != KVP_ERR_IO)
		return 1;
	if (e->sys_errno != EACCES)
		return 2;
	if (strcmp(e->path, path) != 0 || found)
		return 3;
	if (!strstr(e->message, path) ||
	    !strstr(e->message, "Permission denied"))
		return 4;
	return kvp_settings_check_file(path) == KVP_ERR_IO ? 0 : 5;
}

Test(config_file, unreadable_file_is_an_io_error)
{
	struct tc_conf c;

	if (geteuid() != 0)
		cr_skip_test("needs root to become nobody");
	tc_conf_write(&c, "pool = \"guest\";\n");
	cr_assert_eq(chmod(c.path, 0600), 0);
	cr_assert_eq(tu_run_as_nobody(load_as_nobody, c.path), 0);
	tc_conf_remove(&c);
}

/* The file steers where a root process writes: one that group, others
 * or another user could change is refused, as sshd's StrictModes does. */
static void assert_insecure(const struct tc_conf *c, const char *what,
			    const char *message)
{
	TC_AUTO kvp_settings *s = tc_new();
	TC_AUTO kvp_settings *defaults = tc_new();
	bool found = false;
	char want[1024];

	cr_assert_eq(kvp_settings_load(s, c->path, NULL, &found),
		     KVP_ERR_CONFIG, "%s: %s", what, kvp_error_last()->message);
	cr_assert_str_eq(kvp_error_last()->path, c->path);
	snprintf(want, sizeof(want), "%s: %s", c->path, message);
	cr_assert_str_eq(kvp_error_last()->message, want, "%s", what);
	tc_assert_settings_eq(s, defaults);
	cr_assert_eq(kvp_settings_check_file(c->path), KVP_ERR_CONFIG, "%s",
		     what);
}

Test(config_file, writable_by_others_is_refused)
{
	struct tc_conf c;
	TC_AUTO kvp_settings *s = tc_new();

	tc_conf_write(&c, "pool_dir = \"/etc\";\n");
	cr_assert_eq(chmod(c.path, 0646), 0);
	assert_insecure(&c, "mode 0646", "writable by others (mode 0646)");
	cr_assert_eq(chmod(c.path, 0620), 0);
	assert_insecure(&c, "mode 0620", "writable by group (mode 0620)");
	cr_assert_eq(chmod(c.path, 0644), 0); /* readable by all is fine */
	cr_assert_eq(kvp_settings_load(s, c.path, NULL, NULL), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_str_eq(kvp_settings_pool_dir(s), "/etc");
	tc_conf_remove(&c);
}

Test(config_file, owned_by_another_user_is_refused)
{
	struct tc_conf c;

	if (geteuid() != 0)
		cr_skip_test("needs root to chown");
	tc_conf_write(&c, "pool = \"guest\";\n");
	cr_assert_eq(chown(c.path, 65534, 65534), 0);
	cr_assert_eq(chmod(c.path, 0600), 0);
	assert_insecure(&c, "owned by nobody", "owned by uid 65534, not root");
	tc_conf_remove(&c);
}

Test(config_file, directory_is_an_io_error)
{
	char *dir = tu_mkdtemp();
	TC_AUTO kvp_settings *s = tc_new();
	bool found = true;

	cr_assert_eq(kvp_settings_load(s, dir, NULL, &found), KVP_ERR_IO);
	cr_assert_not(found);
	cr_assert_eq(kvp_error_last()->sys_errno, EISDIR);
	cr_assert_str_eq(kvp_error_last()->path, dir);
	cr_assert_eq(kvp_settings_check_file(dir), KVP_ERR_IO);
	tu_rmtree(dir);
	free(dir);
}

Test(config_file, fifo_is_refused_without_blocking, .timeout = 10)
{
	char *dir = tu_mkdtemp();
	char *path = tu_path(dir, "fifo.conf");
	TC_AUTO kvp_settings *s = tc_new();

	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(kvp_settings_load(s, path, NULL, NULL), KVP_ERR_IO);
	cr_assert_str_eq(kvp_error_last()->path, path);
	cr_assert(strstr(kvp_error_last()->message, "not a regular file"));
	tu_rmtree(dir);
	free(path);
	free(dir);
}

Test(config_file, path_through_a_file_is_an_io_error)
{
	struct tc_conf c;
	char *path;

	tc_conf_write(&c, "");
	path = tu_path(c.path, "x");
	cr_assert_eq(kvp_settings_check_file(path), KVP_ERR_IO);
	cr_assert_eq(kvp_error_last()->sys_errno, ENOTDIR);
	free(path);
	tc_conf_remove(&c);
}

Test(config_file, oversized_file_is_refused)
{
	struct tc_conf c;
	size_t big = 1024 * 1024 + 1;
	char *text = tu_repeat('#', big);
	TC_AUTO kvp_settings *s = tc_new();

	tc_conf_write(&c, "");
	tu_write_file(c.path, text, big);
	cr_assert_eq(kvp_settings_load(s, c.path, NULL, NULL), KVP_ERR_CONFIG);
	cr_assert_eq(kvp_error_last()->max, 1024 * 1024);
	cr_assert_eq(kvp_error_last()->actual, big);
	cr_assert_str_eq(kvp_error_last()->path, c.path);
	free(text);
	tc_conf_remove(&c);
}

Test(config_file, check_reports_missing_valid_and_invalid)
{
	struct tc_conf c;
	char *missing;

	tc_conf_write(&c, "max_records = 10;\n");
	cr_assert_eq(kvp_settings_check_file(c.path), 0);
	tu_write_file(c.path, "max_records = 0;\n", 17);
	cr_assert_eq(kvp_settings_check_file(c.path), KVP_ERR_CONFIG);
	cr_assert_eq(kvp_error_last()->line, 1);
	missing = tu_path(c.dir, "missing.conf");
	cr_assert_eq(kvp_settings_check_file(missing), KVP_ERR_IO);
	cr_assert_eq(kvp_error_last()->sys_errno, ENOENT);
	cr_assert_str_eq(kvp_error_last()->path, missing);
	free(missing);
	tc_conf_remove(&c);
}

Test(config_file, include_is_refused)
{
	struct tc_conf other;
	char *text = NULL;

	tc_conf_write(&other, "max_records = 3;\n");
	cr_assert(asprintf(&text, "pool = \"guest\";\n  @include \"%s\"\n",
			   other.path) > 0);
	tc_assert_load_error(text, NULL, 2,
			     "@include is not allowed (pam_kvp reads this one "
			     "file only)");
	free(text);
	tc_assert_load_error("# fine\n\n\n@include \"/etc/shadow\"\n", NULL, 4,
			     "@include is not allowed (pam_kvp reads this one "
			     "file only)");
	tc_conf_remove(&other);
}

Test(config_file, include_words_in_strings_and_comments_are_text)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("# @include \"/etc/shadow\"\n"
		   "// @include \"/etc/shadow\"\n"
		   "/*\n@include \"/etc/shadow\"\n*/\n"
		   "pool_dir = \"/x\n@include \\\"y\\\"\";\n",
		   NULL, &s);
	cr_assert_str_eq(kvp_settings_pool_dir(s), "/x\n@include \"y\"");
}

Test(config_file, nul_byte_is_refused)
{
	struct tc_conf c;
	TC_AUTO kvp_settings *s = tc_new();
	static const char text[] = "pool = \"guest\";\n\nmode = \"sa\0fe\";\n";

	tc_conf_write(&c, "");
	tu_write_file(c.path, text, sizeof(text) - 1);
	cr_assert_eq(kvp_settings_load(s, c.path, NULL, NULL), KVP_ERR_CONFIG);
	cr_assert_eq(kvp_error_last()->line, 3);
	cr_assert(
	    strstr(kvp_error_last()->message, ":3: NUL byte in the file"));
	tc_conf_remove(&c);
}

Test(config_file, unterminated_comment_is_refused)
{
	tc_assert_load_error("pool = \"auto\";\n/* max_records = 5;\n"
			     "mode = \"unsafe\";\n",
			     NULL, 2, "unterminated /* comment");
}

Test(config_file, syntax_errors_name_the_line)
{
	tc_assert_load_error("pool = \"guest\";\nmode \"safe\";\n", NULL, 2,
			     "syntax error");
	tc_assert_load_error("pool = \"guest\";\n\n\nmax_records = ;\n", NULL,
			     4, "syntax error");
	tc_assert_load_error("fields = { user = \"hash\";\n", NULL, 2,
			     "syntax error");
	tc_assert_load_error("pool = 'guest';\n", NULL, 1, "syntax error");
}

/* libconfig 1.5 leaks a string that is the token of a syntax error: the
 * scan reports these itself (valgrind checks there is no leak). */
Test(config_file, string_where_no_value_can_be_is_a_syntax_error)
{
	tc_assert_load_error("max_records = 5 \"x\";\n", NULL, 1,
			     "syntax error");
	tc_assert_load_error("events = [\"auth\"]\n  \"x\";\n", NULL, 2,
			     "syntax error");
	tc_assert_load_error("pool = \"guest\", \"auto\";\n", NULL, 1,
			     "syntax error");
	tc_assert_load_error("fields = { \"user\" = \"hash\"; };\n", NULL, 1,
			     "syntax error");
	tc_assert_load_error("clear_if_stale = true \"x\";\n", NULL, 1,
			     "syntax error");
}

Test(config_file, strings_in_every_value_position)
{
	TC_AUTO kvp_settings *s = NULL;

	tc_load_ok("events = ( \"auth\" /* c */ ,\n # c\n \"acc\" \"ount\",\n"
		   "  \"password\" );\n"
		   "fields = { user = \"hash\", tty: \"omit\" };\n"
		   "pool = \"au\"\n  \"to\";\n",
		   NULL, &s);
	tc_is(s, "events", "[\"auth\", \"account\", \"password\"]");
	tc_is_str(s, "user", "hash");
	tc_is_str(s, "tty", "omit");
	cr_assert_eq(kvp_settings_pool(s), KVP_POOL_AUTO);
}

Test(config_file, libconfig_errors_name_the_line)
{
	tc_assert_load_error("pool = \"guest\";\nmode = \"safe\";\n"
			     "pool = \"auto\";\n",
			     NULL, 3, "duplicate setting name");
	tc_assert_load_error("\nevents = [\"auth\", 1];\n", NULL, 2,
			     "mismatched element type in array");
}
