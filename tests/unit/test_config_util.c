/* test_config_util.c - see test_config_util.h. */
#include <criterion/criterion.h>
#include <stdarg.h>
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

void tc_load_ok(const char *text, const char *service, kvp_settings *out)
{
	struct tc_conf c;
	bool found = false;
	int r;

	tc_conf_write(&c, text);
	r = kvp_config_load(c.path, service, out, &found);
	cr_assert_eq(r, 0, "load failed (%d): %s\n--- file:\n%s", r,
		     kvp_error_last()->message, text);
	cr_assert(found);
	tc_conf_remove(&c);
}

void tc_assert_load_error(const char *text, const char *service, size_t line,
			  const char *msg)
{
	const kvp_error *e = kvp_error_last();
	kvp_settings s, defaults;
	struct tc_conf c;
	bool found = true;
	char *want = NULL;
	int r;

	tc_conf_write(&c, text);
	memset(&s, 0x5a, sizeof(s));
	r = kvp_config_load(c.path, service, &s, &found);
	cr_assert_eq(r, KVP_ERR_CONFIG, "want KVP_ERR_CONFIG, got %d (%s)\n%s",
		     r, kvp_error_last()->message, text);
	cr_assert_not(found);
	cr_assert_eq(e->code, KVP_ERR_CONFIG);
	cr_assert_str_eq(e->path, c.path);
	cr_assert_eq(e->line, line, "line %zu, want %zu (%s)", e->line, line,
		     e->message);
	cr_assert(asprintf(&want, "%s:%zu: %s", c.path, line, msg) > 0);
	cr_assert_str_eq(e->message, want);
	kvp_settings_defaults(&defaults);
	tc_assert_settings_eq(&s, &defaults);
	free(want);
	tc_conf_remove(&c);
}

void tc_assert_settings_eq(const kvp_settings *a, const kvp_settings *b)
{
	cr_assert_eq(a->pool, b->pool);
	cr_assert_eq(a->mode, b->mode);
	cr_assert_str_eq(a->pool_dir, b->pool_dir);
	cr_assert_str_eq(a->key_prefix, b->key_prefix);
	cr_assert_eq(a->write, b->write);
	cr_assert_eq(a->events, b->events, "events %#x != %#x", a->events,
		     b->events);
	for (int i = 0; i < KVP_FIELD_COUNT; i++)
		cr_assert_eq(a->fields[i], b->fields[i], "field %s",
			     kvp_field_name((kvp_field)i));
	cr_assert_eq(a->max_records, b->max_records);
	cr_assert_eq(a->lock_timeout_ms, b->lock_timeout_ms);
	cr_assert_eq(a->clear_if_stale, b->clear_if_stale);
	cr_assert_eq(a->on_error, b->on_error);
	cr_assert_str_eq(a->hash_key_file, b->hash_key_file);
	cr_assert_eq(a->debug, b->debug);
}

unsigned int tc_events(int first, ...)
{
	unsigned int mask = 0;
	va_list ap;

	va_start(ap, first);
	for (int e = first; e >= 0; e = va_arg(ap, int))
		mask |= 1u << e;
	va_end(ap);
	return mask;
}
