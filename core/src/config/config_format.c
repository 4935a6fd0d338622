/* config_format.c - kvp_settings_format: effective settings as a
 * pam_kvp.conf that kvp_config_load reads back to the same settings (what
 * `kvpctl check-config --print` shows). "debug" is a module argument, not
 * a file setting: it appears as a comment. */
#include <stdio.h>
#include <stdlib.h>

#include "config/config_internal.h"

static const char *or_invalid(const char *name)
{
	return name ? name : "(invalid)";
}

/* A libconfig string literal: quote and backslash escaped, control
 * characters as \xNN; other bytes (UTF-8) as they are. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_setting(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s = ", name);
	put_string(f, value);
	fputs(";\n", f);
}

static void put_events(FILE *f, unsigned int events)
{
	const char *sep = "";

	fputs("events = [", f);
	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		if (!(events & 1u << i))
			continue;
		fprintf(f, "%s\"%s\"", sep,
			kvp_event_type_name((kvp_event_type)i));
		sep = ", ";
	}
	fputs("];\n", f);
}

static void put_fields(FILE *f, const kvp_field_policy *fields)
{
	fputs("fields = {\n", f);
	for (int i = 0; i < KVP_FIELD_COUNT; i++)
		fprintf(f, "\t%s = \"%s\";\n", kvp_field_name((kvp_field)i),
			or_invalid(kvp_field_policy_name(fields[i])));
	fputs("};\n", f);
}

char *kvp_settings_format(const kvp_settings *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!s)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs("# pam_kvp effective settings\n", f);
	put_setting(f, "pool", or_invalid(kvp_pool_name(s->pool)));
	put_setting(f, "mode", or_invalid(kvp_mode_name(s->mode)));
	put_setting(f, "pool_dir", s->pool_dir);
	put_setting(f, "key_prefix", s->key_prefix);
	put_setting(f, "write", or_invalid(kvp_write_mode_name(s->write)));
	put_events(f, s->events);
	put_fields(f, s->fields);
	fprintf(f, "max_records = %u;\n", s->max_records);
	fprintf(f, "lock_timeout_ms = %u;\n", s->lock_timeout_ms);
	fprintf(f, "clear_if_stale = %s;\n",
		s->clear_if_stale ? "true" : "false");
	put_setting(f, "on_error", or_invalid(kvp_on_error_name(s->on_error)));
	put_setting(f, "hash_key_file", s->hash_key_file);
	if (s->debug)
		fputs("# debug (module argument)\n", f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
