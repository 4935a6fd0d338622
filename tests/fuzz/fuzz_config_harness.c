/* fuzz_config_harness.c - fuzz_config_one(): any bytes as pam_kvp.conf
 * and as module arguments. kvp_settings is opaque and valid by
 * construction; what it holds is compared through kvp_settings_format.
 *
 * The file: kvp_settings_load either succeeds (found) or fails with
 * KVP_ERR_CONFIG and a one-line message naming the file and a line that
 * is in it, leaving the settings as they were (the defaults); with a
 * service name ("su", "sshd") it succeeds or fails alike (every service
 * group is checked on every load); kvp_settings_check_file agrees; and
 * what kvp_settings_format prints for loaded settings loads back to the
 * very same settings.
 *
 * The arguments: each line of the input (up to 32) through
 * kvp_settings_set, cumulatively: a rejected one leaves the settings as
 * they were, an accepted one leaves them printable, and the end result
 * also survives format and load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_harness.h"
#include "kvp/kvp.h"

#define MAX_LINES 32
#define MAX_LINE  512

static kvp_settings *new_settings(void)
{
	kvp_settings *s = NULL;

	FUZZ_CHECK(kvp_settings_new(&s) == 0, "kvp_settings_new: %s",
		   kvp_error_last()->message);
	return s;
}

/* The settings as text; without the "debug" comment unless `debug`. */
static char *text_of(const kvp_settings *s, bool debug)
{
	char *text = kvp_settings_format(s), *comment;

	FUZZ_CHECK(text, "kvp_settings_format returned NULL");
	comment = debug ? NULL : strstr(text, "# debug (module argument)\n");
	if (comment)
		*comment = '\0';
	return text;
}

static bool same(const kvp_settings *a, const kvp_settings *b, bool debug)
{
	char *ta = text_of(a, debug), *tb = text_of(b, debug);
	bool eq = strcmp(ta, tb) == 0;

	free(ta);
	free(tb);
	return eq;
}

/* kvp_settings_format's text loads back to the same settings ("debug",
 * a module argument, is only a comment there). */
static void round_trip(const kvp_settings *s, const char *what)
{
	const char *path = fuzz_path(2, "formatted.conf");
	char *text = text_of(s, true);
	kvp_settings *back = new_settings();
	bool found = false;
	int r;

	fuzz_write_file(path, text, strlen(text));
	r = kvp_settings_load(back, path, NULL, &found);
	FUZZ_CHECK(r == 0 && found,
		   "%s: formatted settings do not load: %s\n%s", what,
		   kvp_error_last()->message, text);
	FUZZ_CHECK(same(s, back, false),
		   "%s: formatted settings load differently:\n%s", what, text);
	free(text);
	kvp_settings_free(back);
}

static void check_error(int r, const char *path, const kvp_settings *s,
			size_t lines)
{
	const kvp_error *e = kvp_error_last();
	kvp_settings *defaults = new_settings();

	FUZZ_CHECK(r == KVP_ERR_CONFIG || r == KVP_ERR_NOMEM,
		   "load failed with %d: %s", r, kvp_error_last()->message);
	FUZZ_CHECK(e->code == r && e->message[0] && !strchr(e->message, '\n') &&
		       strcmp(e->path, path) == 0,
		   "error detail: code %d, path '%s', message '%s'", e->code,
		   e->path, e->message);
	FUZZ_CHECK(r != KVP_ERR_CONFIG || (e->line >= 1 && e->line <= lines),
		   "error on line %zu of a %zu-line file: %s", e->line, lines,
		   e->message);
	FUZZ_CHECK(same(s, defaults, true),
		   "a failed load left other than the defaults");
	kvp_settings_free(defaults);
}

static void check_file(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path(1, "pam_kvp.conf");
	const char *services[] = {"su", "sshd"};
	kvp_settings *s = new_settings();
	bool found = false;
	size_t lines = 1;
	int r, rt;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	fuzz_write_file(path, data, size);
	r = kvp_settings_load(s, path, NULL, &found);
	FUZZ_CHECK(found == (r == 0), "found %d after %d", found, r);
	if (r == 0)
		round_trip(s, "load");
	else
		check_error(r, path, s, lines);
	kvp_settings_free(s);
	for (size_t i = 0; i < sizeof(services) / sizeof(*services); i++) {
		kvp_settings *t = new_settings();

		rt = kvp_settings_load(t, path, services[i], NULL);
		FUZZ_CHECK((rt == 0) == (r == 0),
			   "load for service %s gives %d, without %d",
			   services[i], rt, r);
		if (rt == 0)
			round_trip(t, services[i]);
		kvp_settings_free(t);
	}
	rt = kvp_settings_check_file(path);
	FUZZ_CHECK(rt == r, "check-config gives %d, load %d", rt, r);
}

static void check_args(const uint8_t *data, size_t size)
{
	kvp_settings *s = new_settings();
	char line[MAX_LINE + 1], *before, *after;
	size_t at = 0;

	for (int n = 0; n < MAX_LINES && at < size; n++) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = (nl ? (size_t)(nl - data) : size) - at;
		int r;

		memcpy(line, data + at, len < MAX_LINE ? len : MAX_LINE);
		line[len < MAX_LINE ? len : MAX_LINE] = '\0';
		at += len + 1;
		before = text_of(s, true);
		r = kvp_settings_set(s, line);
		after = text_of(s, true);
		if (r < 0) {
			FUZZ_CHECK(r == KVP_ERR_CONFIG || r == KVP_ERR_NOMEM,
				   "argument '%s': %d", line, r);
			FUZZ_CHECK(strcmp(before, after) == 0,
				   "rejected argument '%s' changed settings",
				   line);
		}
		free(before);
		free(after);
	}
	round_trip(s, "arguments");
	kvp_settings_free(s);
}

int fuzz_config_one(const uint8_t *data, size_t size)
{
	check_file(data, size);
	check_args(data, size);
	return 0;
}
