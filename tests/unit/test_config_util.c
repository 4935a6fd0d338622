/* test_config_util.c - see test_config_util.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_config_util.h"
#include "test_util.h"

void tc_conf_write(struct tc_conf *c, const char *text)
{
	c->dir = tu_mkdtemp();
	c->path = tu_path(c->dir, "pam_kvp.conf");
	tu_write_file(c->path, text, strlen(text));
}

void tc_conf_remove(struct tc_conf *c)
{
	tu_rmtree(c->dir);
	free(c->dir);
	free(c->path);
	c->dir = c->path = NULL;
}

void tc_free(kvp_settings **s)
{
	kvp_settings_free(*s);
	*s = NULL;
}

kvp_settings *tc_new(void)
{
	kvp_settings *s = NULL;

	cr_assert_eq(kvp_settings_new(&s), 0, "%s", kvp_error_last()->message);
	cr_assert_not_null(s);
	return s;
}

void tc_load_ok(const char *text, const char *service, kvp_settings **s)
{
	struct tc_conf c;
	bool found = false;
	int r;

	tc_free(s);
	*s = tc_new();
	tc_conf_write(&c, text);
	r = kvp_settings_load(*s, c.path, service, &found);
	cr_assert_eq(r, 0, "load failed (%d): %s\n--- file:\n%s", r,
		     kvp_error_last()->message, text);
	cr_assert(found);
	tc_conf_remove(&c);
}

void tc_assert_load_error(const char *text, const char *service, size_t line,
			  const char *msg)
{
	const kvp_error *e = kvp_error_last();
	TC_AUTO kvp_settings *s = tc_new();
	TC_AUTO kvp_settings *defaults = tc_new();
	struct tc_conf c;
	bool found = true;
	char *want = NULL;
	int r;

	tc_conf_write(&c, text);
	r = kvp_settings_load(s, c.path, service, &found);
	cr_assert_eq(r, KVP_ERR_CONFIG, "want KVP_ERR_CONFIG, got %d (%s)\n%s",
		     r, kvp_error_last()->message, text);
	cr_assert_not(found);
	cr_assert_eq(e->code, KVP_ERR_CONFIG);
	cr_assert_str_eq(e->path, c.path);
	cr_assert_eq(e->line, line, "line %zu, want %zu (%s)", e->line, line,
		     e->message);
	cr_assert(asprintf(&want, "%s:%zu: %s", c.path, line, msg) > 0);
	cr_assert_str_eq(e->message, want);
	tc_assert_settings_eq(s, defaults);
	free(want);
	tc_conf_remove(&c);
}

void tc_set(kvp_settings *s, const char *arg)
{
	cr_assert_eq(kvp_settings_set(s, arg), 0, "%s: %s", arg,
		     kvp_error_last()->message);
}

void tc_assert_settings_eq(const kvp_settings *a, const kvp_settings *b)
{
	char *ta = kvp_settings_format(a), *tb = kvp_settings_format(b);

	cr_assert(ta && tb);
	cr_assert_str_eq(ta, tb);
	free(ta);
	free(tb);
}

void tc_is(const kvp_settings *s, const char *name, const char *want)
{
	char *text = kvp_settings_format(s), *line, *value = NULL;
	size_t n = strlen(name);

	cr_assert_not_null(text);
	for (line = text; line; line = strchr(line, '\n')) {
		line += strspn(line, "\n\t");
		if (strncmp(line, name, n) == 0 &&
		    strncmp(line + n, " = ", 3) == 0) {
			value = line + n + 3;
			break;
		}
	}
	cr_assert_not_null(value, "no setting %s in:\n%s", name, text);
	*strchr(value, '\n') = '\0';
	cr_assert(strlen(value) > 0 && value[strlen(value) - 1] == ';');
	value[strlen(value) - 1] = '\0';
	cr_assert_str_eq(value, want, "%s", name);
	free(text);
}

void tc_is_str(const kvp_settings *s, const char *name, const char *want)
{
	char *quoted = NULL;

	cr_assert(asprintf(&quoted, "\"%s\"", want) > 0);
	tc_is(s, name, quoted);
	free(quoted);
}
