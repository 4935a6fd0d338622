/* diag_value.c - the values of the two single-record schemas: the platform's
 * PROVISIONING_REPORT ('|'-separated CSV of key=value fields, double
 * quotes around a field holding '|', '"' or a newline) and pam_kvp's
 * legacy JSON event values (DESIGN.md section 5). */
#include <jansson.h>
#include <string.h>

#include "diag/diag_internal.h"

static int malformed(kvp_diag_entry *e, const char *detail)
{
	return diag_entry_fail(e, KVP_DIAG_ERR_MALFORMED, detail);
}

/* ---- PROVISIONING_REPORT ---- */

/* The next CSV field at *p (up to end) unquoted into out. 1 when a '|'
 * followed it (*p moves past it), 0 at the end, -1 when the quoting is
 * broken, KVP_ERR_NOMEM. */
static int csv_field(const char **p, const char *end, struct diag_buf *out)
{
	const char *s = *p;
	int r;

	out->len = 0;
	if ((r = diag_buf_add(out, "", 0)) < 0)
		return r;
	if (s < end && *s == '"') {
		for (s++;
		     s < end && !(*s == '"' && (s + 1 == end || s[1] != '"'));
		     s++) {
			s += *s == '"'; /* "" is one quote */
			if ((r = diag_buf_add(out, s, 1)) < 0)
				return r;
		}
		if (s++ == end)
			return -1;
	} else {
		const char *bar = memchr(s, '|', (size_t)(end - s));
		const char *stop = bar ? bar : end;
		if (memchr(s, '\n', (size_t)(stop - s)) ||
		    memchr(s, '"', (size_t)(stop - s)))
			return -1;
		if ((r = diag_buf_add(out, s, (size_t)(stop - s))) < 0)
			return r;
		s = stop;
	}
	if (s < end && *s != '|')
		return -1;
	*p = s < end ? s + 1 : s;
	return s < end;
}

static const char *const report_required[] = {"result", "agent", "vm_id",
					      "pps_type", "timestamp"};
#define REQUIRED (sizeof(report_required) / sizeof(report_required[0]))

/* Keep one field of the report; false when a required one repeats. */
static bool report_member(const char *name, const char *value,
			  const char **seen, const char **reason,
			  const char **doc_url)
{
	for (size_t i = 0; i < REQUIRED; i++)
		if (strcmp(name, report_required[i]) == 0) {
			if (seen[i])
				return false;
			seen[i] = value;
			return true;
		}
	if (strcmp(name, "reason") == 0 ||
	    strcmp(name, "documentation_url") == 0) {
		const char **slot = name[0] == 'r' ? reason : doc_url;
		bool again = *slot != NULL;
		*slot = value;
		return !again;
	}
	return true;
}

static bool pps_type_known(const char *s)
{
	static const char *const pps_types[] = {
	    "None", "PreprovisionedOSDisk", "Running", "Savable", "Unknown"};

	for (size_t i = 0; i < sizeof(pps_types) / sizeof(pps_types[0]); i++)
		if (strcmp(s, pps_types[i]) == 0)
			return true;
	return false;
}

static int report_fields(const kvp_record *rec, kvp_diag_entry *e,
			 struct diag_arena *a, const char **seen)
{
	const char *p = rec->value, *end = rec->value + rec->value_len;
	const char *reason = NULL, *doc_url = NULL;
	struct diag_buf f = {0};
	int more = 1;

	while (more > 0 && !e->error) {
		char *eq, *name;
		more = csv_field(&p, end, &f);
		if (more < 0) {
			if (more == -1)
				malformed(e, "the report is not '|'-separated "
					     "CSV");
			break;
		}
		eq = strchr(f.data, '=');
		if (!eq) {
			malformed(e, "a report field without '='");
			break;
		}
		name = diag_arena_dup(a, f.data, f.len);
		if (!name) {
			more = KVP_ERR_NOMEM;
			break;
		}
		name[eq - f.data] = '\0';
		if (!report_member(name, name + (eq - f.data) + 1, seen,
				   &reason, &doc_url))
			malformed(e, "a report field that must be unique "
				     "repeats");
	}
	diag_buf_free(&f);
	if (more < -1)
		return more;
	if (!e->error && seen[0] && strcmp(seen[0], "error") == 0 && !reason)
		malformed(e, "an error report without a reason");
	return 0;
}

int diag_report_decode(const kvp_record *rec, kvp_diag_entry *e,
		       struct diag_arena *a)
{
	const char *seen[REQUIRED] = {0};
	int r = report_fields(rec, e, a, seen);

	if (r < 0 || e->error)
		return r;
	for (size_t i = 0; i < REQUIRED; i++)
		if (!seen[i])
			return malformed(e, "a required report field is "
					    "missing");
	if (strcmp(seen[0], "success") != 0 && strcmp(seen[0], "error") != 0)
		return malformed(e, "result is not success or error");
	if (!pps_type_known(seen[3]))
		return malformed(e, "pps_type is not a pre-provisioning type");
	e->has_time =
	    diag_time_parse_rfc3339(seen[4], strlen(seen[4]), &e->time);
	if (!e->has_time)
		return malformed(e, "timestamp is not RFC 3339");
	e->agent = seen[1];
	e->vm_id = seen[2];
	e->timestamp = seen[4];
	e->name = DIAG_REPORT_KEY;
	e->kind = KVP_DIAG_EVENT;
	e->result = seen[0][0] == 's' ? KVP_DIAG_SUCCESS : KVP_DIAG_FAIL;
	e->result_text = seen[0];
	e->encoding = "none";
	return diag_entry_copy_payload(e, a, rec->value, rec->value_len);
}

/* ---- pam_kvp's legacy records ---- */

int diag_legacy_decode(const struct diag_key *k, const kvp_record *rec,
		       kvp_diag_entry *e, struct diag_arena *a)
{
	json_t *v = json_loadb(rec->value, rec->value_len, 0, NULL);
	json_t *session = json_object_get(v, "session");
	json_t *result = json_object_get(v, "result");
	json_t *dur = json_object_get(v, "duration_s");
	json_t *ver = json_object_get(v, "v");
	char text[DIAG_TIME_SIZE];
	int r = 0;

	if (!json_is_object(v) || !json_is_integer(ver) ||
	    json_integer_value(ver) != 1) {
		json_decref(v);
		return malformed(e, "not a version 1 pam_kvp event object");
	}
	if (k->kind_value != KVP_DIAG_EVENT)
		e->name = "session";
	diag_time_format(&e->time, 3, text);
	e->timestamp = diag_arena_dup(a, text, strlen(text));
	if (json_is_string(session) && json_string_length(session))
		e->event_id = diag_arena_dup(a, json_string_value(session),
					     json_string_length(session));
	if (json_is_string(result)) {
		e->result_text = diag_arena_dup(a, json_string_value(result),
						json_string_length(result));
		e->result = strcmp(json_string_value(result), "success") == 0
				? KVP_DIAG_SUCCESS
				: KVP_DIAG_FAIL;
		r = e->result_text ? 0 : KVP_ERR_NOMEM;
	}
	e->has_duration =
	    json_is_number(dur) &&
	    diag_duration_from_seconds(json_number_value(dur), &e->duration);
	json_decref(v);
	if (r < 0 || !e->timestamp || !e->event_id)
		return err_fail_nomem(NULL);
	e->encoding = "none";
	return diag_entry_copy_payload(e, a, rec->value, rec->value_len);
}
