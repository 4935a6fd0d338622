/* fuzz_config_harness.c - fuzz_config_one(): any bytes as pam_kvp.conf
 * and as module arguments.
 *
 * The file: kvp_config_load either succeeds (found, every setting in its
 * range) or fails with KVP_ERR_CONFIG and a one-line message naming the
 * file and a line that is in it, leaving the defaults in *out; with a
 * service name ("su", "sshd") it succeeds or fails alike (every service
 * group is checked on every load); kvp_config_check agrees; and what
 * kvp_settings_format prints for loaded settings loads back to the very
 * same settings.
 *
 * The arguments: each line of the input (up to 32) through
 * kvp_settings_apply_arg, cumulatively: a rejected one leaves the
 * settings as they were, an accepted one leaves them valid, and the end
 * result also survives format and load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_harness.h"
#include "kvp/kvp.h"

#define MAX_LINES 32
#define MAX_LINE  512

static void check_valid(const kvp_settings *s, const char *what)
{
	size_t plen = strlen(s->key_prefix);

	FUZZ_CHECK(kvp_pool_name(s->pool) && kvp_mode_name(s->mode) &&
		       kvp_write_mode_name(s->write) &&
		       kvp_on_error_name(s->on_error),
		   "%s: an enum out of range", what);
	for (int i = 0; i < KVP_FIELD_COUNT; i++)
		FUZZ_CHECK(kvp_field_policy_name(s->fields[i]),
			   "%s: field %d's policy out of range", what, i);
	FUZZ_CHECK(s->max_records >= 1 && s->max_records <= 1024 &&
		       s->lock_timeout_ms <= KVP_MAX_LOCK_TIMEOUT_MS &&
		       (s->events >> KVP_EVENT_COUNT) == 0,
		   "%s: max_records %u, lock_timeout_ms %u, events %#x", what,
		   s->max_records, s->lock_timeout_ms, s->events);
	FUZZ_CHECK(plen >= 1 && plen <= KVP_KEY_PREFIX_MAX &&
		       strspn(s->key_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "abcdefghijklmnopqrstuvwxyz"
					     "0123456789_.-") == plen,
		   "%s: key_prefix '%s'", what, s->key_prefix);
	FUZZ_CHECK(s->pool_dir[0] == '/' && s->hash_key_file[0] == '/',
		   "%s: a path is not absolute", what);
}

static bool same(const kvp_settings *a, const kvp_settings *b, bool debug)
{
	return a->pool == b->pool && a->mode == b->mode &&
	       strcmp(a->pool_dir, b->pool_dir) == 0 &&
	       strcmp(a->key_prefix, b->key_prefix) == 0 &&
	       a->write == b->write && a->events == b->events &&
	       memcmp(a->fields, b->fields, sizeof(a->fields)) == 0 &&
	       a->max_records == b->max_records &&
	       a->lock_timeout_ms == b->lock_timeout_ms &&
	       a->clear_if_stale == b->clear_if_stale &&
	       a->on_error == b->on_error &&
	       strcmp(a->hash_key_file, b->hash_key_file) == 0 &&
	       (!debug || a->debug == b->debug);
}

/* kvp_settings_format's text loads back to the same settings ("debug",
 * a module argument, is only a comment there). */
static void round_trip(const kvp_settings *s, const char *what)
{
	const char *path = fuzz_path(2, "formatted.conf");
	char *text = kvp_settings_format(s);
	kvp_settings back;
	bool found = false;
	int r;

	FUZZ_CHECK(text, "%s: kvp_settings_format returned NULL", what);
	fuzz_write_file(path, text, strlen(text));
	r = kvp_config_load(path, NULL, &back, &found);
	FUZZ_CHECK(r == 0 && found,
		   "%s: formatted settings do not load: %s\n%s", what,
		   kvp_error_last()->message, text);
	FUZZ_CHECK(same(s, &back, false),
		   "%s: formatted settings load differently:\n%s", what, text);
	free(text);
}

static void check_error(int r, const char *path, const kvp_settings *s,
			size_t lines)
{
	const kvp_error *e = kvp_error_last();
	kvp_settings defaults;

	kvp_settings_defaults(&defaults);
	FUZZ_CHECK(r == KVP_ERR_CONFIG || r == KVP_ERR_NOMEM,
		   "load failed with %d: %s", r, kvp_error_last()->message);
	FUZZ_CHECK(e->code == r && e->message[0] && !strchr(e->message, '\n') &&
		       strcmp(e->path, path) == 0,
		   "error detail: code %d, path '%s', message '%s'", e->code,
		   e->path, e->message);
	FUZZ_CHECK(r != KVP_ERR_CONFIG || (e->line >= 1 && e->line <= lines),
		   "error on line %zu of a %zu-line file: %s", e->line, lines,
		   e->message);
	FUZZ_CHECK(same(s, &defaults, true),
		   "a failed load left other than the defaults");
}

static void check_file(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path(1, "pam_kvp.conf");
	const char *services[] = {"su", "sshd"};
	kvp_settings s, t;
	bool found = false;
	int r, rt;

	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	fuzz_write_file(path, data, size);
	r = kvp_config_load(path, NULL, &s, &found);
	FUZZ_CHECK(found == (r == 0), "found %d after %d", found, r);
	if (r == 0) {
		check_valid(&s, "load");
		round_trip(&s, "load");
	} else {
		check_error(r, path, &s, lines);
	}
	for (size_t i = 0; i < sizeof(services) / sizeof(*services); i++) {
		rt = kvp_config_load(path, services[i], &t, NULL);
		FUZZ_CHECK((rt == 0) == (r == 0),
			   "load for service %s gives %d, without %d",
			   services[i], rt, r);
		if (rt == 0) {
			check_valid(&t, services[i]);
			round_trip(&t, services[i]);
		}
	}
	rt = kvp_config_check(path);
	FUZZ_CHECK(rt == r, "check-config gives %d, load %d", rt, r);
}

static void check_args(const uint8_t *data, size_t size)
{
	kvp_settings s, before;
	char line[MAX_LINE + 1];
	size_t at = 0;

	kvp_settings_defaults(&s);
	for (int n = 0; n < MAX_LINES && at < size; n++) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = (nl ? (size_t)(nl - data) : size) - at;
		int r;

		memcpy(line, data + at, len < MAX_LINE ? len : MAX_LINE);
		line[len < MAX_LINE ? len : MAX_LINE] = '\0';
		at += len + 1;
		before = s;
		r = kvp_settings_apply_arg(&s, line);
		if (r < 0) {
			FUZZ_CHECK(r == KVP_ERR_CONFIG || r == KVP_ERR_NOMEM,
				   "argument '%s': %d", line, r);
			FUZZ_CHECK(same(&s, &before, true),
				   "rejected argument '%s' changed settings",
				   line);
		} else {
			check_valid(&s, line);
		}
	}
	round_trip(&s, "arguments");
}

int fuzz_config_one(const uint8_t *data, size_t size)
{
	check_file(data, size);
	check_args(data, size);
	return 0;
}
