/* config_tree.c - a parsed pam_kvp.conf (libconfig's tree) into a
 * kvp_settings: each setting's type checked here, its value through the
 * checks of config_value.c. Errors name the full setting path, e.g.
 * "services.su.events[1]" or "fields.user", and the line it is on.
 *
 * Order: the top level applies over the defaults, then the group
 * services.<service> over that. Every service group is checked on every
 * load, against a scratch copy, so a typo in one is found whatever
 * service is logging in. "fields" sets the policy of the fields it names
 * and leaves the others as they were; "events" replaces the whole set. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

struct walk {
	const char *path;
	struct cfg_scan *scan;
	const char *service;
	const config_setting_t *match; /* services.<service> */
	char match_prefix[CFG_NAME_MAX];
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

static int apply_int(struct walk *w, const struct cfg_src *src,
		     const config_setting_t *st, const char *name,
		     kvp_settings *s)
{
	struct cfg_literal *lit;
	char text[48];
	int type = config_setting_type(st);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return cfg_fail(src, 0, 0, "must be an integer, got %s",
				type_name(st));
	lit = cfg_scan_take(w->scan, name, src->line);
	if (lit) {
		/* libconfig holds a wrapped or clamped value: report the
		 * literal as written (far beyond any of our ranges). */
		snprintf(text, sizeof(text), "%.*s%s",
			 lit->text_len > 40 ? 40 : (int)lit->text_len,
			 lit->text, lit->text_len > 40 ? "..." : "");
		return cfg_set_int(src, name,
				   lit->text[0] == '-' ? LLONG_MIN : LLONG_MAX,
				   text, s);
	}
	if (type == CONFIG_TYPE_INT)
		return cfg_set_int(src, name, config_setting_get_int(st), NULL,
				   s);
	return cfg_set_int(src, name, config_setting_get_int64(st), NULL, s);
}

static int apply_events(const struct walk *w, const struct cfg_src *src,
			const config_setting_t *st, const char *prefix,
			kvp_settings *s)
{
	unsigned int mask = 0;
	int n;

	if (!config_setting_is_array(st) && !config_setting_is_list(st))
		return cfg_fail(src, 0, 0,
				"must be a list of event names, got %s",
				type_name(st));
	n = config_setting_length(st);
	for (int i = 0; i < n; i++) {
		const config_setting_t *el =
		    config_setting_get_elem(st, (unsigned)i);
		struct cfg_src esrc;
		int r;

		src_at(&esrc, w, el, "%sevents[%d]", prefix, i);
		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			return cfg_fail(&esrc, 0, 0,
					"must be an event name (a string), "
					"got %s",
					type_name(el));
		r = cfg_add_event(&esrc, config_setting_get_string(el), &mask);
		if (r < 0)
			return r;
	}
	s->events = mask;
	return 0;
}

static int apply_fields(const struct walk *w, const struct cfg_src *src,
			const config_setting_t *st, const char *prefix,
			kvp_settings *s)
{
	kvp_field_policy fields[KVP_FIELD_COUNT];
	int n;

	if (!config_setting_is_group(st))
		return cfg_fail(src, 0, 0,
				"must be a group (fields = { user = "
				"\"hash\"; }), got %s",
				type_name(st));
	memcpy(fields, s->fields, sizeof(fields));
	n = config_setting_length(st);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m =
		    config_setting_get_elem(st, (unsigned)i);
		const char *name = config_setting_name(m);
		struct cfg_src msrc;
		kvp_field field;

		src_at(&msrc, w, m, "%sfields.%s", prefix, name);
		if (!cfg_field_from_name(name, &field))
			return cfg_fail(&msrc, 0, 0,
					"unknown field (expected user, "
					"ruser, rhost, tty or host)");
		if (config_setting_type(m) != CONFIG_TYPE_STRING)
			return cfg_fail(&msrc, 0, 0,
					"must be \"plain\", \"hash\" or "
					"\"omit\", got %s",
					type_name(m));
		if (!cfg_policy_from_name(config_setting_get_string(m),
					  &fields[field]))
			return cfg_fail(&msrc, 0, 0,
					"must be plain, hash or omit, got "
					"'%s'",
					config_setting_get_string(m));
	}
	memcpy(s->fields, fields, sizeof(fields));
	return 0;
}

static int apply_group(struct walk *w, const config_setting_t *group,
		       const char *prefix, kvp_settings *s, bool top);

static int apply_services(struct walk *w, const struct cfg_src *src,
			  const config_setting_t *st, const kvp_settings *s)
{
	int n;

	if (!config_setting_is_group(st))
		return cfg_fail(src, 0, 0,
				"must be a group of service groups "
				"(services = { su = { ... }; }), got %s",
				type_name(st));
	n = config_setting_length(st);
	for (int i = 0; i < n; i++) {
		const config_setting_t *svc =
		    config_setting_get_elem(st, (unsigned)i);
		const char *name = config_setting_name(svc);
		char prefix[CFG_NAME_MAX];
		struct cfg_src ssrc;
		kvp_settings scratch = *s;
		int r;

		src_at(&ssrc, w, svc, "services.%s", name);
		if (!config_setting_is_group(svc))
			return cfg_fail(&ssrc, 0, 0,
					"must be a group of settings, got %s",
					type_name(svc));
		snprintf(prefix, sizeof(prefix), "services.%s.", name);
		r = apply_group(w, svc, prefix, &scratch, false);
		if (r < 0)
			return r;
		if (w->service && strcmp(name, w->service) == 0) {
			w->match = svc;
			memcpy(w->match_prefix, prefix, sizeof(prefix));
		}
	}
	return 0;
}

static int apply_setting(struct walk *w, const config_setting_t *m,
			 const char *prefix, kvp_settings *s, bool top)
{
	const char *name = config_setting_name(m);
	struct cfg_src src;
	cfg_string_fn set;
	long long min, max;

	src_at(&src, w, m, "%s%s", prefix, name);
	if (strcmp(name, "services") == 0) {
		if (!top)
			return cfg_fail(&src, 0, 0,
					"not allowed inside a service "
					"group");
		return apply_services(w, &src, m, s);
	}
	set = cfg_string_setting(name);
	if (set) {
		if (config_setting_type(m) != CONFIG_TYPE_STRING)
			return cfg_fail(&src, 0, 0, "must be a string, got %s",
					type_name(m));
		return set(&src, config_setting_get_string(m), s);
	}
	if (cfg_int_range(name, &min, &max))
		return apply_int(w, &src, m, name, s);
	if (strcmp(name, "clear_if_stale") == 0) {
		if (config_setting_type(m) != CONFIG_TYPE_BOOL)
			return cfg_fail(&src, 0, 0,
					"must be true or false, got %s",
					type_name(m));
		s->clear_if_stale = config_setting_get_bool(m) != 0;
		return 0;
	}
	if (strcmp(name, "events") == 0)
		return apply_events(w, &src, m, prefix, s);
	if (strcmp(name, "fields") == 0)
		return apply_fields(w, &src, m, prefix, s);
	return cfg_fail(&src, 0, 0, "unknown setting");
}

static int apply_group(struct walk *w, const config_setting_t *group,
		       const char *prefix, kvp_settings *s, bool top)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		int r = apply_setting(
		    w, config_setting_get_elem(group, (unsigned)i), prefix, s,
		    top);
		if (r < 0)
			return r;
	}
	return 0;
}

int cfg_apply_root(const char *path, const config_setting_t *root,
		   struct cfg_scan *scan, const char *service, kvp_settings *s)
{
	struct walk w = {.path = path, .scan = scan, .service = service};
	int r = apply_group(&w, root, "", s, true);

	if (r == 0 && w.match)
		r = apply_group(&w, w.match, w.match_prefix, s, false);
	/* Every altered integer literal belongs to an integer setting and was
	 * reported there, or sits where no number is allowed. Should one
	 * have escaped both, it must still not pass as its wrapped value. */
	for (size_t i = 0; r == 0 && i < scan->n_bad; i++) {
		const struct cfg_literal *lit = &scan->bad[i];
		struct cfg_src src = {.file = path, .line = lit->line};

		if (!lit->used)
			r = cfg_fail(&src, 0, 0, "integer %.*s is out of range",
				     (int)lit->text_len, lit->text);
	}
	return r;
}
