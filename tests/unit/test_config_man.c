/* test_config_man.c - pam_kvp.conf(5) agrees with the settings table: the
 * settings it lists are the ones the library knows (kvp_settings_format
 * prints every one), its written-out defaults are the library's, and the
 * valid values its ERRORS section quotes are those the library's
 * messages list. A setting added to the table without its man page
 * entry, or a changed default or choice, fails here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_config_util.h"
#include "test_util.h"

#ifndef KVP_SRCDIR
#define KVP_SRCDIR "."
#endif
#define MAN_PAGE KVP_SRCDIR "/man/pam_kvp.conf.5.scd"

static char *read_man(void)
{
	size_t len;
	char *text = (char *)tu_read_file(MAN_PAGE, &len);

	cr_assert_not_null(text, "cannot read %s", MAN_PAGE);
	text = realloc(text, len + 1);
	cr_assert_not_null(text);
	text[len] = '\0';
	return text;
}

/* The part of `text` from the line starting with `from` to the next
 * line starting with `to` (malloc'd). */
static char *section(const char *text, const char *from, const char *to)
{
	const char *start = strstr(text, from), *end;

	cr_assert_not_null(start, "no '%s' in %s", from, MAN_PAGE);
	end = strstr(start + strlen(from), to);
	cr_assert_not_null(end, "no '%s' after '%s' in %s", to, from, MAN_PAGE);
	return strndup(start, (size_t)(end - start));
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, trimmed, non-empty lines of `text` joined by '\n' (malloc'd);
 * lines starting with `skip` are left out. */
static char *sorted_lines(const char *text, const char *skip)
{
	char *copy = strdup(text), *line, *save = NULL, *out;
	char **lines = NULL;
	size_t n = 0, size = 1;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (!*line || (skip && strncmp(line, skip, strlen(skip)) == 0))
			continue;
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		lines[n++] = line;
		size += strlen(line) + 1;
	}
	qsort(lines, n, sizeof(*lines), by_text);
	out = calloc(1, size);
	for (size_t i = 0; i < n; i++)
		strcat(strcat(out, lines[i]), "\n");
	free(lines);
	free(copy);
	return out;
}

/* Text with scdoc's markup ('*', '\') removed and blanks squeezed. */
static char *plain(const char *text)
{
	char *out = calloc(1, strlen(text) + 1), *o = out;

	for (const char *p = text; *p; p++) {
		if (*p == '*' || *p == '\\')
			continue;
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			if (o > out && o[-1] != ' ')
				*o++ = ' ';
			continue;
		}
		*o++ = *p;
	}
	return out;
}

Test(config_man, settings_listed_are_the_table)
{
	TC_AUTO kvp_settings *s = tc_new();
	char *man = read_man(), *settings = section(man, "# SETTINGS", "\n# ");
	char *text = kvp_settings_format(s), *line, *save = NULL;
	size_t listed = 0, known = 0;

	/* Every setting printed is listed as "*name* = ". */
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char want[64];

		if (!strchr("abcdefghijklmnopqrstuvwxyz", line[0]))
			continue;
		known++;
		snprintf(want, sizeof(want),
			 "\n*%.*s* = ", (int)strcspn(line, " "), line);
		cr_assert_not_null(strstr(settings, want), "%s lists no '%s'",
				   MAN_PAGE, want + 1);
	}
	/* And nothing else but the services groups. */
	for (line = settings; (line = strstr(line, "\n*")); line++)
		listed += strstr(line + 2, "* = ") ==
			  line + 2 + strcspn(line + 2, "*");
	cr_assert_eq(listed, known + 1,
		     "%s lists %zu settings, the library has %zu and services",
		     MAN_PAGE, listed, known);
	cr_assert_not_null(strstr(settings, "\n*services* = "));
	free(text);
	free(settings);
	free(man);
}

Test(config_man, written_out_defaults_are_the_library_defaults)
{
	TC_AUTO kvp_settings *s = tc_new();
	char *man = read_man();
	char *block =
	    section(strstr(man, "The defaults, written out"), "```", "\n```");
	char *text = kvp_settings_format(s);
	char *want = sorted_lines(text, "#"), *got = sorted_lines(block, "```");

	cr_assert_str_eq(got, want, "%s: the defaults are\n%s", MAN_PAGE, text);
	free(want);
	free(got);
	free(text);
	free(block);
	free(man);
}

/* The list of valid values in the library's message for a bad `arg` (or
 * file `conf`), from `from` up to `to`, is quoted in the man page. */
static void assert_quoted(const char *man, const char *arg, const char *conf,
			  const char *from, const char *to)
{
	TC_AUTO kvp_settings *s = tc_new();
	struct tc_conf c;
	const char *msg, *start, *end;

	if (conf) {
		tc_conf_write(&c, conf);
		cr_assert_eq(kvp_settings_load(s, c.path, NULL, NULL),
			     KVP_ERR_CONFIG);
		tc_conf_remove(&c);
	} else {
		cr_assert_eq(kvp_settings_set(s, arg), KVP_ERR_CONFIG);
	}
	msg = kvp_error_last()->message;
	start = strstr(msg, from);
	cr_assert_not_null(start, "%s", msg);
	end = strstr(start, to);
	cr_assert_not_null(end, "%s", msg);
	cr_assert_not_null(
	    memmem(man, strlen(man), start, (size_t)(end - start) + strlen(to)),
	    "%s does not say: %.*s", MAN_PAGE, (int)(end - start + strlen(to)),
	    start);
}

Test(config_man, valid_values_in_errors_are_the_table)
{
	char *text = read_man(), *man = plain(text);

	assert_quoted(man, "pool=x", NULL, "must be", ", got");
	assert_quoted(man, "mode=x", NULL, "must be", ", got");
	assert_quoted(man, "write=x", NULL, "must be", ", got");
	assert_quoted(man, "on_error=x", NULL, "must be", ", got");
	assert_quoted(man, "clear_if_stale=x", NULL, "must be", ", got");
	assert_quoted(man, "max_records=0", NULL, "must be", ", got");
	assert_quoted(man, "events=x", NULL, "(expected", ")");
	assert_quoted(man, NULL, "fields = { x = \"plain\"; };", "unknown",
		      ")");
	assert_quoted(man, NULL, "fields = { user = \"x\"; };", "must be",
		      ", got");
	assert_quoted(man, NULL, "fields = { user = 1; };", "must be", ", got");
	free(man);
	free(text);
}
