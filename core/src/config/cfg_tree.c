/* cfg_tree.c - a parsed pam_kvp.conf (libconfig's tree) over the
 * settings: each member found in the table, its libconfig type checked
 * here and its value by cfg_value.c. Errors name the full setting path
 * ("services.su.events[1]", "fields.user") and its line.
 *
 * The top level applies first, then the group services.<service>. Every
 * service group is checked on every load, against a scratch copy, so a
 * typo in one is found whatever service logs in. "fields" sets the keys
 * it names; "events" replaces the whole set. */
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config/settings.h"

struct walk {
	const char *path;
	struct cfg_scan *scan;
	const char *service;
	const config_setting_t *match; /* services.<service> */
};

static const char *type_name(const config_setting_t *st)
{
	switch (config_setting_type(st)) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT: return "an integer";
	case CONFIG_TYPE_INT64: return "a 64-bit integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

static int mismatch(const struct cfg_src *src, const char *want,
		    const config_setting_t *st)
{
	return cfg_fail(src, 0, 0, "must be %s, got %s", want, type_name(st));
}

/* Where `st` is: its line, and the setting path printed from fmt. */
static void __attribute__((format(printf, 4, 5)))
src_at(struct cfg_src *src, const struct walk *w, const config_setting_t *st,
       const char *fmt, ...)
{
	va_list ap;

	memset(src, 0, sizeof(*src));
	src->file = w->path;
	src->line = config_setting_source_line(st);
	va_start(ap, fmt);
	vsnprintf(src->name, sizeof(src->name), fmt, ap);
	va_end(ap);
}

static int set_int(struct walk *w, const struct cfg_setting *row,
		   const struct cfg_src *src, const config_setting_t *st,
		   kvp_settings *s)
{
	struct cfg_literal *lit =
	    cfg_scan_take(w->scan, config_setting_name(st), src->line);
	char text[48];

	if (!lit)
		return cfg_set_int(row, src, config_setting_get_int64(st), NULL,
				   s);
	/* libconfig holds a wrapped or clamped value: report the literal as
	 * written (far beyond any range). */
	snprintf(text, sizeof(text), "%.*s%s",
		 lit->text_len > 40 ? 40 : (int)lit->text_len, lit->text,
		 lit->text_len > 40 ? "..." : "");
	return cfg_set_int(
	    row, src, lit->text[0] == '-' ? LLONG_MIN : LLONG_MAX, text, s);
}

static int set_events(const struct walk *w, const struct cfg_setting *row,
		      const config_setting_t *st, const char *prefix,
		      kvp_settings *s)
{
	unsigned int *mask = CFG_AT(s, row, unsigned int);
	int r = 0;

	*mask = 0;
	for (int i = 0; r == 0 && i < config_setting_length(st); i++) {
		const config_setting_t *el = config_setting_get_elem(st, i);
		const char *name = config_setting_get_string(el);
		struct cfg_src src;

		src_at(&src, w, el, "%s%s[%d]", prefix, row->name, i);
		r = name ? cfg_add_event(row, &src, name, strlen(name), mask)
			 : mismatch(&src, "an event name (a string)", el);
	}
	return r;
}

static int set_map(const struct walk *w, const struct cfg_setting *row,
		   const config_setting_t *st, const char *prefix,
		   kvp_settings *s)
{
	char list[256];
	int r = 0;

	for (int i = 0; r == 0 && i < config_setting_length(st); i++) {
		const config_setting_t *m = config_setting_get_elem(st, i);
		const char *key = config_setting_name(m);
		const char *value = config_setting_get_string(m);
		struct cfg_src src;
		int at = 0;

		src_at(&src, w, m, "%s%s.%s", prefix, row->name, key);
		while (row->keys[at] && strcmp(row->keys[at], key) != 0)
			at++;
		/* The map's name is the plural of what its keys are. */
		if (!row->keys[at])
			r = cfg_fail(&src, 0, 0, "unknown %.*s (expected %s)",
				     (int)strlen(row->name) - 1, row->name,
				     cfg_list(list, sizeof(list), row->keys, "",
					      " or "));
		else if (!value)
			r = mismatch(&src,
				     cfg_list(list, sizeof(list), row->choices,
					      "\"", " or "),
				     m);
		else
			r = cfg_choice(row, &src, value,
				       CFG_AT(s, row, int) + at);
	}
	return r;
}

static int set_node(struct walk *w, const struct cfg_setting *row,
		    const struct cfg_src *src, const config_setting_t *st,
		    const char *prefix, kvp_settings *s)
{
	int type = config_setting_type(st);
	char want[128];

	switch (row->type) {
	case CFG_INT:
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			return mismatch(src, "an integer", st);
		return set_int(w, row, src, st, s);
	case CFG_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			return mismatch(src, "true or false", st);
		*CFG_AT(s, row, bool) = config_setting_get_bool(st) != 0;
		return 0;
	case CFG_EVENTS:
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			return mismatch(src, "a list of event names", st);
		return set_events(w, row, st, prefix, s);
	case CFG_MAP:
		snprintf(want, sizeof(want), "a group (%s = { %s = \"%s\"; })",
			 row->name, row->keys[0], row->choices[1]);
		if (type != CONFIG_TYPE_GROUP)
			return mismatch(src, want, st);
		return set_map(w, row, st, prefix, s);
	default:
		if (type != CONFIG_TYPE_STRING)
			return mismatch(src, "a string", st);
		return cfg_set_text(row, src, config_setting_get_string(st), s);
	}
}

static int apply_group(struct walk *w, const config_setting_t *group,
		       const char *prefix, kvp_settings *s);

static int apply_services(struct walk *w, const struct cfg_src *src,
			  const config_setting_t *st, const kvp_settings *s)
{
	int r = 0;

	if (!config_setting_is_group(st))
		return mismatch(src,
				"a group of service groups (services = { su = "
				"{ ... }; })",
				st);
	for (int i = 0; r == 0 && i < config_setting_length(st); i++) {
		const config_setting_t *svc = config_setting_get_elem(st, i);
		const char *name = config_setting_name(svc);
		char prefix[CFG_NAME_MAX];
		struct cfg_src ssrc;
		struct kvp_settings scratch = *s;

		src_at(&ssrc, w, svc, "services.%s", name);
		if (!config_setting_is_group(svc))
			return mismatch(&ssrc, "a group of settings", svc);
		snprintf(prefix, sizeof(prefix), "services.%s.", name);
		r = apply_group(w, svc, prefix, &scratch);
		if (w->service && strcmp(name, w->service) == 0)
			w->match = svc;
	}
	return r;
}

/* The members of a group: the top level (prefix "") or a service's. */
static int apply_group(struct walk *w, const config_setting_t *group,
		       const char *prefix, kvp_settings *s)
{
	int r = 0;

	for (int i = 0; r == 0 && i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		const struct cfg_setting *row = cfg_find(name, strlen(name));
		struct cfg_src src;

		src_at(&src, w, m, "%s%s", prefix, name);
		if (strcmp(name, "services") == 0)
			r = *prefix ? cfg_fail(&src, 0, 0,
					       "not allowed inside a service "
					       "group")
				    : apply_services(w, &src, m, s);
		else if (!row)
			r = cfg_fail(&src, 0, 0, "unknown setting");
		else
			r = set_node(w, row, &src, m, prefix, s);
	}
	return r;
}

int cfg_tree_apply(const char *path, const config_setting_t *root,
		   struct cfg_scan *scan, const char *service, kvp_settings *s)
{
	struct walk w = {.path = path, .scan = scan, .service = service};
	char prefix[CFG_NAME_MAX];
	int r = apply_group(&w, root, "", s);

	if (r == 0 && w.match) {
		snprintf(prefix, sizeof(prefix), "services.%s.", service);
		r = apply_group(&w, w.match, prefix, s);
	}
	/* An altered integer literal anywhere else is an error already (no
	 * other setting takes a number); should one have escaped, it must
	 * still not pass as its wrapped value. */
	for (size_t i = 0; r == 0 && i < scan->n_bad; i++) {
		struct cfg_src src = {.file = path, .line = scan->bad[i].line};

		if (!scan->bad[i].used)
			r = cfg_fail(&src, 0, 0, "integer %.*s is out of range",
				     (int)scan->bad[i].text_len,
				     scan->bad[i].text);
	}
	return r;
}
