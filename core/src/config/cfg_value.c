/* cfg_value.c - values of the table's settings as text: checked and
 * stored (module arguments, defaults, and the file's values through
 * cfg_tree.c) with messages that list the valid values from the table,
 * and printed back as a pam_kvp.conf (kvp_settings_format). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings.h"
#include "util/token.h"

/* The words of a boolean module argument, true ones first in each pair. */
static const char *const bools[] = {"yes", "no", "true", "false", NULL};
static const struct cfg_setting bool_words = {.choices = bools};

int cfg_fail(const struct cfg_src *src, size_t max, size_t actual,
	     const char *fmt, ...)
{
	char text[1024], msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (src->file)
		snprintf(msg, sizeof(msg), "%s:%zu: %s%s%s", src->file,
			 src->line, src->name, src->name[0] ? ": " : "", text);
	else
		snprintf(msg, sizeof(msg), "module argument '%s': %s", src->arg,
			 text);
	/* Values are quoted in messages: keep the message one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	err_fail(KVP_ERR_CONFIG, NULL, max, actual, "%s", msg);
	if (src->file)
		err_set_location(src->file, src->line);
	return KVP_ERR_CONFIG;
}

const char *cfg_list(char *out, const char *const *names, const char *quote,
		     const char *last)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; names[i] && at < 256; i++)
		at +=
		    (size_t)snprintf(out + at, 256 - at, "%s%s%s%s",
				     i == 0 ? "" : (names[i + 1] ? ", " : last),
				     quote, names[i], quote);
	return out;
}

int cfg_pick(const struct cfg_setting *row, const struct cfg_src *src,
	     const char *name, size_t len, int *out)
{
	char list[256];
	int i = 0;

	while (row->choices[i] && (strlen(row->choices[i]) != len ||
				   memcmp(row->choices[i], name, len) != 0))
		i++;
	if (!row->choices[i] && row->numbered && len == 1 && name[0] >= '0' &&
	    name[0] - '0' < i)
		i = name[0] - '0';
	if (!row->choices[i])
		i = -1;
	cfg_list(list, row->choices, "", " or ");
	if (i < 0 && row->type == CFG_EVENTS)
		return cfg_fail(src, 0, 0, "unknown event '%.*s' (expected %s)",
				(int)len, name, list);
	if (i < 0)
		return cfg_fail(src, 0, 0, "must be %s, got '%.*s'", list,
				(int)len, name);
	*out = i;
	return 0;
}

int cfg_set_int(const struct cfg_setting *row, const struct cfg_src *src,
		long long value, const char *text, kvp_settings *s)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", value);
	if (value < row->min || value > row->max)
		return cfg_fail(src, 0, 0,
				"must be between %lld and %lld, got %s",
				row->min, row->max, text ? text : num);
	*CFG_AT(s, row, unsigned int) = (unsigned int)value;
	return 0;
}

/* A path or the key prefix into its char array. */
static int set_string(const struct cfg_setting *row, const struct cfg_src *src,
		      const char *v, char *out)
{
	size_t len = strlen(v);
	enum token_fault fault =
	    row->type == CFG_PREFIX ? token_prefix_check(v) : TOKEN_OK;

	if (len == 0)
		return cfg_fail(src, 0, 0, "must not be empty");
	if (fault == TOKEN_TOO_LONG)
		return cfg_fail(src, KVP_KEY_PREFIX_MAX, len,
				"longer than %d characters (%zu)",
				KVP_KEY_PREFIX_MAX, len);
	if (fault == TOKEN_BAD_CHAR)
		return cfg_fail(src, 0, 0,
				"may only hold A-Z a-z 0-9 _ . -, got '%s'", v);
	if (fault == TOKEN_RESERVED)
		return cfg_fail(src, 0, 0,
				"must not name another writer's records "
				"(" TOKEN_RESERVED_LIST "), got '%s'",
				v);
	if (row->type == CFG_PATH && v[0] != '/')
		return cfg_fail(src, 0, 0, "must be an absolute path, got '%s'",
				v);
	if (row->type == CFG_PATH && len >= KVP_CONFIG_PATH_MAX)
		return cfg_fail(src, KVP_CONFIG_PATH_MAX - 1, len,
				"longer than %d bytes (%zu)",
				KVP_CONFIG_PATH_MAX - 1, len);
	memcpy(out, v, len + 1);
	return 0;
}

/* "a,b,c": the whole set of events; "" is none. */
static int set_events(const struct cfg_setting *row, const struct cfg_src *src,
		      const char *text, unsigned int *out)
{
	unsigned int mask = 0;
	int r = 0, i;
	size_t n;

	for (const char *p = text; *text && r == 0; p += n + 1) {
		n = strcspn(p, ",");
		r = n ? cfg_pick(row, src, p, n, &i)
		      : cfg_fail(src, 0, 0, "empty event name in the list");
		mask |= r == 0 ? 1u << i : 0;
		if (!p[n])
			break;
	}
	if (r == 0)
		*out = mask;
	return r;
}

int cfg_set_text(const struct cfg_setting *row, const struct cfg_src *src,
		 const char *text, kvp_settings *s)
{
	const char *digits = text + (*text == '-' || *text == '+');
	char *end;
	long long v;
	int i, r = 0;

	switch (row->type) {
	case CFG_CHOICE:
		return cfg_pick(row, src, text, strlen(text),
				CFG_AT(s, row, int));
	case CFG_INT:
		v = strtoll(text, &end, 10); /* clamped: out of any range */
		if (*digits < '0' || *digits > '9' || *end)
			return cfg_fail(src, 0, 0,
					"must be an integer, got '%s'", text);
		return cfg_set_int(row, src, v, text, s);
	case CFG_BOOL:
		r = cfg_pick(&bool_words, src, text, strlen(text), &i);
		if (r == 0)
			*CFG_AT(s, row, bool) = i % 2 == 0;
		return r;
	case CFG_MAP: /* the default: every key */
		for (int k = 0; r == 0 && row->keys[k]; k++)
			r = cfg_pick(row, src, text, strlen(text),
				     CFG_AT(s, row, int) + k);
		return r;
	case CFG_EVENTS:
		return set_events(row, src, text, CFG_AT(s, row, unsigned int));
	default: return set_string(row, src, text, CFG_AT(s, row, char));
	}
}

int kvp_settings_set(kvp_settings *s, const char *arg)
{
	struct cfg_src src = {.arg = arg};
	const struct cfg_setting *row = NULL;
	const char *eq = arg ? strchr(arg, '=') : NULL, *names[32];
	char list[256];
	size_t n = 0;

	if (!s || !arg)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_settings_set: NULL argument");
	if (strcmp(arg, "debug") == 0) {
		s->debug = true;
		return 0;
	}
	if (eq)
		row = cfg_find(arg, (size_t)(eq - arg));
	if (row && row->type != CFG_MAP)
		return cfg_set_text(row, &src, eq + 1, s);
	for (row = cfg_table; row->name; row++)
		if (row->type != CFG_MAP)
			names[n++] = row->name;
	names[n] = NULL;
	return cfg_fail(&src, 0, 0,
			"unknown argument (expected debug or NAME=VALUE with "
			"NAME one of %s)",
			cfg_list(list, names, "", ", "));
}

/* A libconfig string literal: quote and backslash escaped, control
 * characters as \xNN, other bytes (UTF-8) as they are. */
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

static void put_value(FILE *f, const struct cfg_setting *row,
		      const kvp_settings *s)
{
	const char *sep = "";

	switch (row->type) {
	case CFG_CHOICE:
		put_string(f, row->choices[*CFG_AT(s, row, const int)]);
		break;
	case CFG_INT:
		fprintf(f, "%u", *CFG_AT(s, row, const unsigned int));
		break;
	case CFG_BOOL:
		fputs(*CFG_AT(s, row, const bool) ? "true" : "false", f);
		break;
	case CFG_EVENTS:
		fputc('[', f);
		for (int i = 0; row->choices[i]; i++)
			if (*CFG_AT(s, row, const unsigned int) >> i & 1) {
				fprintf(f, "%s\"%s\"", sep, row->choices[i]);
				sep = ", ";
			}
		fputc(']', f);
		break;
	case CFG_MAP:
		fputs("{\n", f);
		for (int k = 0; row->keys[k]; k++)
			fprintf(f, "\t%s = \"%s\";\n", row->keys[k],
				row->choices[CFG_AT(s, row, const int)[k]]);
		fputc('}', f);
		break;
	default: put_string(f, CFG_AT(s, row, const char));
	}
}

char *kvp_settings_format(const kvp_settings *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = s ? open_memstream(&buf, &len) : NULL;
	bool failed;

	if (!f)
		return NULL;
	fputs("# pam_kvp effective settings\n", f);
	for (const struct cfg_setting *row = cfg_table; row->name; row++) {
		fprintf(f, "%s = ", row->name);
		put_value(f, row, s);
		fputs(";\n", f);
	}
	if (s->debug)
		fputs("# debug (module argument)\n", f);
	failed = ferror(f) != 0;
	if (fclose(f) != 0 || failed) {
		free(buf);
		return NULL;
	}
	return buf;
}
