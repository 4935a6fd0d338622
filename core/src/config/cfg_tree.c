/* cfg_tree.c - a parsed pam_kvp.conf (libconfig's tree) over the
 * settings: each member found in the table, its libconfig type checked
 * here, its value by cfg_value.c. Errors name the full setting path
 * ("services.su.events[1]", "fields.user") and its line.
 *
 * The top level applies first, then services.<service>. Every service
 * group is checked on every load, against a scratch copy, so a typo in
 * one is found whatever service logs in. "fields" sets the keys it
 * names; "events" replaces the whole set. */
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config/settings.h"

struct walk {
	const char *path;
	struct cfg_scan *scan;
};

/* The setting path of `st` into out[size]: "services.su.events[1]". */
static size_t path_of(const config_setting_t *st, char *out, size_t size)
{
	const config_setting_t *up = config_setting_parent(st);
	size_t n = config_setting_is_root(up) ? 0 : path_of(up, out, size);
	const char *name = config_setting_name(st);

	if (name)
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "." : "",
				      name);
	else
		n += (size_t)snprintf(out + n, size - n, "[%d]",
				      config_setting_index(st));
	return n < size ? n : size - 1;
}

/* Where `st` is, for messages. */
static struct cfg_src src_of(const struct walk *w, const config_setting_t *st)
{
	struct cfg_src src = {.file = w->path,
			      .line = config_setting_source_line(st)};

	path_of(st, src.name, sizeof(src.name));
	return src;
}

static int mismatch(const struct cfg_src *src, const char *want,
		    const config_setting_t *st)
{
	static const char *const setting_types[] = {
	    "nothing",		"a group",  "an integer",
	    "a 64-bit integer", "a float",  "a string",
	    "a boolean",	"an array", "a list"};

	/* Indexed by libconfig's CONFIG_TYPE_NONE..CONFIG_TYPE_LIST. */
	return cfg_fail(src, 0, 0, "must be %s, got %s", want,
			setting_types[config_setting_type(st)]);
}

static int set_int(const struct walk *w, const struct cfg_setting *row,
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

/* The members of an "events" list or a "fields" group. */
static int set_members(const struct walk *w, const struct cfg_setting *row,
		       const config_setting_t *st, kvp_settings *s)
{
	bool map = row->type == CFG_MAP;
	char list[256];
	int r = 0;

	if (!map)
		*CFG_AT(s, row, unsigned int) = 0;
	for (int i = 0; r == 0 && i < config_setting_length(st); i++) {
		const config_setting_t *m = config_setting_get_elem(st, i);
		const char *value = config_setting_get_string(m);
		struct cfg_src src = src_of(w, m);
		int k = 0, v;

		while (map && row->keys[k] &&
		       strcmp(row->keys[k], config_setting_name(m)) != 0)
			k++;
		/* The map's name is the plural of what its keys are. */
		if (map && !row->keys[k])
			r = cfg_fail(&src, 0, 0, "unknown %.*s (expected %s)",
				     (int)strlen(row->name) - 1, row->name,
				     cfg_list(list, row->keys, "", " or "));
		else if (!value)
			r = mismatch(
			    &src,
			    map ? cfg_list(list, row->choices, "\"", " or ")
				: "an event name (a string)",
			    m);
		else
			r = cfg_pick(row, &src, value, strlen(value), &v);
		if (r == 0 && map)
			CFG_AT(s, row, int)[k] = v;
		else if (r == 0)
			*CFG_AT(s, row, unsigned int) |= 1u << v;
	}
	return r;
}

static int set_node(const struct walk *w, const struct cfg_setting *row,
		    const struct cfg_src *src, const config_setting_t *st,
		    kvp_settings *s)
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
		return set_members(w, row, st, s);
	case CFG_MAP:
		snprintf(want, sizeof(want), "a group (%s = { %s = \"%s\"; })",
			 row->name, row->keys[0], row->choices[1]);
		if (type != CONFIG_TYPE_GROUP)
			return mismatch(src, want, st);
		return set_members(w, row, st, s);
	default:
		if (type != CONFIG_TYPE_STRING)
			return mismatch(src, "a string", st);
		return cfg_set_text(row, src, config_setting_get_string(st), s);
	}
}

static int apply_group(const struct walk *w, const config_setting_t *group,
		       kvp_settings *s);

/* Check every service group, against a scratch copy. */
static int check_services(const struct walk *w, const struct cfg_src *src,
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
		struct cfg_src ssrc = src_of(w, svc);
		struct kvp_settings scratch = *s;

		r = config_setting_is_group(svc)
			? apply_group(w, svc, &scratch)
			: mismatch(&ssrc, "a group of settings", svc);
	}
	return r;
}

/* The members of a group: the top level or a service's. */
static int apply_group(const struct walk *w, const config_setting_t *group,
		       kvp_settings *s)
{
	int r = 0;

	for (int i = 0; r == 0 && i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		const struct cfg_setting *row = cfg_find(name, strlen(name));
		struct cfg_src src = src_of(w, m);

		if (row)
			r = set_node(w, row, &src, m, s);
		else if (strcmp(name, "services") != 0)
			r = cfg_fail(&src, 0, 0, "unknown setting");
		else if (!config_setting_is_root(group))
			r = cfg_fail(&src, 0, 0,
				     "not allowed inside a service group");
		else
			r = check_services(w, &src, m, s);
	}
	return r;
}

int cfg_tree_apply(const char *path, const config_setting_t *root,
		   struct cfg_scan *scan, const char *service, kvp_settings *s)
{
	const struct walk w = {.path = path, .scan = scan};
	config_setting_t *services =
	    config_setting_get_member(root, "services");
	int r = apply_group(&w, root, s);

	if (r == 0 && services && service &&
	    (services = config_setting_get_member(services, service)))
		r = apply_group(&w, services, s);
	/* An altered literal anywhere else is an error already (no other
	 * setting takes a number); should one escape, it must still not
	 * pass as its wrapped value. */
	for (size_t i = 0; r == 0 && i < scan->n_bad; i++) {
		struct cfg_src src = {.file = path, .line = scan->bad[i].line};

		if (!scan->bad[i].used)
			r = cfg_fail(&src, 0, 0, "integer %.*s is out of range",
				     (int)scan->bad[i].text_len,
				     scan->bad[i].text);
	}
	return r;
}
