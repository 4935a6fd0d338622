/* events_view.c - rows and JSON objects of `kvpctl events` (see
 * events_view.h).
 *
 * Columns: TIME (UTC, milliseconds), AGENT, KIND (event, start, finish,
 * or start+finish for a joined pair), NAME, RESULT (as stored: success,
 * fail, cloud-init's WARN, a report's error, a PAM error), DURATION
 * ("0.312s", "3m05s", "2h03m04s") and MESSAGE, last: the payload's first
 * line (at most MESSAGE_MAX bytes, "[+N bytes]" when more), a summary of
 * a pam_kvp record (legacy, or DIAG of agent "pam_kvp/..." whose payload
 * is its JSON object), "(N bytes, binary)", or for a group that could not be
 * decoded "<error token>: <why> (<n> records, key <first key>)". A field
 * that is missing shows as "-".
 *
 * JSON: {"schema","agent","vm_id","kind","name","event_id","timestamp",
 * "encoding","result","source_result","duration","source_type",
 * "payload","key","chunks"}, members left out when absent; a text payload
 * is a string, any other {"type":"bytes","encoding":"base64","data":..}
 * (already decompressed); a pam_kvp record has its JSON value as "value"
 * instead; a failed group has "error", "detail" and "records":
 * [{"key","value"}..]. */
#include <jansson.h>
#include <nettle/base64.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events_view.h"
#include "output.h"

enum { C_TIME, C_AGENT, C_KIND, C_NAME, C_RESULT, C_DURATION, C_MESSAGE };

static const char *const column_titles[EV_COLS] = {
    "TIME", "AGENT", "KIND", "NAME", "RESULT", "DURATION", "MESSAGE",
};
#define RIGHT_ALIGNED (1u << C_DURATION)
#define CELL_TEXT     64
#define MESSAGE_MAX   100

/* ---- order ---- */

static int by_time(const void *x, const void *y)
{
	const kvp_diag_entry *a = *(const kvp_diag_entry *const *)x;
	const kvp_diag_entry *b = *(const kvp_diag_entry *const *)y;
	int c = (a->has_time > b->has_time) - (a->has_time < b->has_time);

	if (c == 0 && a->has_time)
		c = (a->time.tv_sec > b->time.tv_sec) -
		    (a->time.tv_sec < b->time.tv_sec);
	if (c == 0 && a->has_time)
		c = (a->time.tv_nsec > b->time.tv_nsec) -
		    (a->time.tv_nsec < b->time.tv_nsec);
	if (c == 0)
		c = (a->position > b->position) - (a->position < b->position);
	return c;
}

void ev_sort(const kvp_diag_entry **entries, size_t n)
{
	qsort(entries, n, sizeof(*entries), by_time);
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Is `fin` the finish of the operation `start` began? */
static bool pair_of(const kvp_diag_entry *start, const kvp_diag_entry *fin)
{
	return !start->error && !fin->error && start->kind == KVP_DIAG_START &&
	       fin->kind == KVP_DIAG_FINISH && start->schema == fin->schema &&
	       start->event_id && same(start->event_id, fin->event_id) &&
	       same(start->agent, fin->agent) &&
	       same(start->vm_id, fin->vm_id) && same(start->name, fin->name);
}

/* ---- table cells ---- */

struct row {
	const kvp_diag_entry *e, *fin; /* fin: the joined finish, or NULL */
	char time[CELL_TEXT], duration[CELL_TEXT];
	char *message; /* malloc'd when made here */
};

static struct out_cell cell(const char *s)
{
	return s ? (struct out_cell){s, strlen(s)} : (struct out_cell){"-", 1};
}

static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));

static char *fmt(const char *format, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, format);
	if (vasprintf(&s, format, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static void duration_text(const kvp_diag_entry *e, char *buf)
{
	unsigned long long t = e->duration.sec + (e->duration.nsec >= 5e8);

	if (!e->has_duration)
		snprintf(buf, CELL_TEXT, "-");
	else if (e->duration.sec < 60)
		snprintf(buf, CELL_TEXT, "%llu.%03us", e->duration.sec,
			 e->duration.nsec / 1000000u);
	else if (t < 3600)
		snprintf(buf, CELL_TEXT, "%llum%02llus", t / 60, t % 60);
	else
		snprintf(buf, CELL_TEXT, "%lluh%02llum%02llus", t / 3600,
			 t / 60 % 60, t % 60);
}

static void time_text(const kvp_diag_entry *e, char *buf)
{
	struct tm tm;
	time_t sec = e->time.tv_sec;

	if (!e->has_time || !gmtime_r(&sec, &tm)) {
		snprintf(buf, CELL_TEXT, "-");
		return;
	}
	strftime(buf, CELL_TEXT, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), CELL_TEXT - strlen(buf), ".%03ldZ",
		 e->time.tv_nsec / 1000000L);
}

/* "1234 failures rhost=192.0.2.7 users=3 sources=1 last=<time>" from an
 * auth_fail_summary value (the TIME column is its first failure's). */
static char *failure_summary(json_t *v)
{
	json_t *rhost = json_object_get(v, "rhost"),
	       *last = json_object_get(v, "last");

	return fmt("%lld failures rhost=%s users=%lld sources=%lld last=%s",
		   (long long)json_integer_value(json_object_get(v, "count")),
		   json_is_string(rhost) ? json_string_value(rhost) : "-",
		   (long long)json_integer_value(json_object_get(v, "users")),
		   (long long)json_integer_value(json_object_get(v, "sources")),
		   json_is_string(last) ? json_string_value(last) : "-");
}

/* "sshd user=alice rhost=192.0.2.7 tty=ssh" from a pam_kvp value; NULL
 * when out of memory or, with `object_only`, when the payload is no JSON
 * object. */
static char *pam_summary(const kvp_diag_entry *e, bool object_only)
{
	static const char *const shown_fields[] = {"user", "rhost", "tty"};
	json_t *v = json_loads(e->payload, 0, NULL);
	json_t *svc = json_object_get(v, "service");
	json_t *event = json_object_get(v, "event");
	char *s;

	if (json_is_string(event) &&
	    strcmp(json_string_value(event), "auth_fail_summary") == 0) {
		s = failure_summary(v);
		json_decref(v);
		return s;
	}

	if (object_only && !json_is_object(v)) {
		json_decref(v);
		return NULL;
	}
	s = fmt("%s", json_is_string(svc) ? json_string_value(svc) : "-");

	for (size_t i = 0;
	     s && i < sizeof(shown_fields) / sizeof(*shown_fields); i++) {
		json_t *m = json_object_get(v, shown_fields[i]);
		char *more;
		if (!json_is_string(m))
			continue;
		more =
		    fmt("%s %s=%s", s, shown_fields[i], json_string_value(m));
		free(s);
		s = more;
	}
	json_decref(v);
	return s;
}

/* A DIAG record pam_kvp wrote: its payload is the legacy value. */
static bool pam_diag(const kvp_diag_entry *e)
{
	return e->schema == KVP_DIAG_SCHEMA_DIAG && e->agent &&
	       strncmp(e->agent, "pam_kvp/", 8) == 0 && e->payload_is_text &&
	       e->payload_len > 0 && e->payload[0] == '{';
}

/* The MESSAGE cell's text (malloc'd). */
static char *message_text(const kvp_diag_entry *e)
{
	const char *nl;
	char *summary;
	size_t n;

	if (e->error)
		return fmt("%s: %s (%zu record%s, key %s)",
			   kvp_diag_error_token(e->error),
			   e->detail ? e->detail : "-", e->record_count,
			   e->record_count == 1 ? "" : "s", e->records[0].key);
	if (e->schema == KVP_DIAG_SCHEMA_PAM_KVP)
		return pam_summary(e, false);
	if (pam_diag(e) && (summary = pam_summary(e, true)))
		return summary;
	if (!e->payload_is_text)
		return fmt("(%zu bytes, binary)", e->payload_len);
	nl = memchr(e->payload, '\n', e->payload_len);
	n = nl ? (size_t)(nl - e->payload) : e->payload_len;
	if (n > MESSAGE_MAX)
		for (n = MESSAGE_MAX;
		     n && ((unsigned char)e->payload[n] & 0xC0) == 0x80; n--)
			;
	if (n == e->payload_len)
		return fmt("%s", e->payload);
	return fmt("%.*s [+%zu bytes]", (int)n, e->payload, e->payload_len - n);
}

static const char *kind_text(const struct row *r)
{
	if (r->fin)
		return "start+finish";
	/* A key that did not parse has no kind to show. */
	if (r->e->error == KVP_DIAG_ERR_MALFORMED ||
	    r->e->error == KVP_DIAG_ERR_UNSUPPORTED_VERSION)
		return NULL;
	return kvp_diag_kind_name(r->e->kind);
}

static const char *result_text(const kvp_diag_entry *e)
{
	if (e->result_text)
		return e->result_text;
	return e->result ? kvp_diag_result_name(e->result) : NULL;
}

/* Fill the cells of one row; -1 when out of memory. */
static int row_cells(struct row *r, struct out_cell *c)
{
	const kvp_diag_entry *e = r->e, *last = r->fin ? r->fin : r->e;

	time_text(e, r->time);
	duration_text(last, r->duration);
	r->message = message_text(last->payload_len || !r->fin ? last : e);
	c[C_TIME] = cell(r->time);
	c[C_AGENT] = cell(e->agent);
	c[C_KIND] = cell(kind_text(r));
	c[C_NAME] = cell(e->name);
	c[C_RESULT] = cell(result_text(last));
	c[C_DURATION] = cell(r->duration);
	c[C_MESSAGE] = cell(r->message);
	return r->message ? 0 : -1;
}

int ev_print_table(FILE *f, const kvp_diag_entry *const *entries, size_t n,
		   struct ev_table *t)
{
	struct row *rows = calloc(n + 1, sizeof(*rows));
	struct out_cell *cells = calloc((n + 1) * EV_COLS, sizeof(*cells));
	bool *joined = calloc(n + 1, sizeof(*joined));
	size_t nrows = 0;
	int r = rows && cells && joined ? 0 : -1;

	for (size_t i = 0; r == 0 && i < n; i++) {
		struct row *row = &rows[nrows];
		if (joined[i])
			continue;
		row->e = entries[i];
		for (size_t j = i + 1; j < n && !row->fin; j++)
			if (!joined[j] && pair_of(entries[i], entries[j])) {
				row->fin = entries[j];
				joined[j] = true;
			}
		r = row_cells(row, cells + nrows * EV_COLS);
		nrows++;
	}
	if (r == 0)
		r = out_table_part(f, EV_COLS, column_titles, RIGHT_ALIGNED,
				   cells, nrows, t->col_width, !t->header_done);
	if (r == 0)
		t->header_done = true;
	for (size_t i = 0; rows && i < nrows; i++)
		free(rows[i].message);
	free(rows);
	free(cells);
	free(joined);
	return r;
}

/* ---- JSON ---- */

/* A string member (left out when s is NULL), made valid UTF-8. */
static int set_str(json_t *o, const char *name, const char *s, size_t len)
{
	char *u;
	int r;

	if (!s)
		return 0;
	u = out_utf8_dup(s, len);
	r = u ? json_object_set_new(o, name, json_stringn(u, strlen(u))) : -1;
	free(u);
	return r;
}
#define SET_STR(o, name, s) set_str((o), (name), (s), (s) ? strlen(s) : 0)

static json_t *bytes_object(const char *p, size_t n)
{
	char *b64 = malloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
	json_t *o;

	if (!b64)
		return NULL;
	base64_encode_raw(b64, n, (const uint8_t *)p);
	b64[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
	o = json_pack("{s:s,s:s,s:s}", "type", "bytes", "encoding", "base64",
		      "data", b64);
	free(b64);
	return o;
}

static int set_payload(json_t *o, const kvp_diag_entry *e)
{
	json_t *v;

	if (e->schema == KVP_DIAG_SCHEMA_PAM_KVP) {
		v = json_loads(e->payload, 0, NULL);
		return v ? json_object_set_new(o, "value", v) : -1;
	}
	if (e->payload_is_text)
		return json_object_set_new(
		    o, "payload", json_stringn(e->payload, e->payload_len));
	v = bytes_object(e->payload, e->payload_len);
	return v ? json_object_set_new(o, "payload", v) : -1;
}

static int set_records(json_t *o, const kvp_diag_entry *e)
{
	json_t *a = json_array();
	int r = a ? json_object_set_new(o, "records", a) : -1;

	for (size_t i = 0; r == 0 && i < e->record_count; i++) {
		const kvp_record *rec = &e->records[i];
		json_t *kv = json_object();
		r = kv ? json_array_append_new(a, kv) : -1;
		if (r == 0)
			r = set_str(kv, "key", rec->key, rec->key_len);
		if (r == 0)
			r = set_str(kv, "value", rec->value, rec->value_len);
	}
	return r;
}

static int set_outcome(json_t *o, const kvp_diag_entry *e)
{
	const char *res = e->result ? kvp_diag_result_name(e->result) : NULL;
	double d = (double)e->duration.sec + e->duration.nsec / 1e9;
	int r = SET_STR(o, "result", res);

	if (r == 0 && e->result_text && !same(e->result_text, res))
		r = SET_STR(o, "source_result", e->result_text);
	if (r == 0 && e->has_duration)
		r = json_object_set_new(o, "duration", json_real(d));
	return r;
}

/* The entry's object as compact JSON text (malloc'd), or NULL. */
static char *entry_json(const kvp_diag_entry *e)
{
	const kvp_record *first = &e->records[0];
	json_t *o = json_object();
	char *text = NULL;
	int r = o ? SET_STR(o, "schema", kvp_diag_schema_name(e->schema)) : -1;

	if (r == 0)
		r = SET_STR(o, "agent", e->agent);
	if (r == 0)
		r = SET_STR(o, "vm_id", e->vm_id);
	if (r == 0 && e->error != KVP_DIAG_ERR_MALFORMED &&
	    e->error != KVP_DIAG_ERR_UNSUPPORTED_VERSION)
		r = SET_STR(o, "kind", kvp_diag_kind_name(e->kind));
	if (r == 0)
		r = SET_STR(o, "name", e->name);
	if (r == 0)
		r = SET_STR(o, "event_id", e->event_id);
	if (r == 0)
		r = SET_STR(o, "timestamp", e->timestamp);
	if (r == 0)
		r = SET_STR(o, "encoding", e->encoding);
	if (r == 0)
		r = set_outcome(o, e);
	if (r == 0)
		r = SET_STR(o, "source_type", e->source_type);
	if (r == 0 && e->error) {
		r = SET_STR(o, "error", kvp_diag_error_token(e->error));
		if (r == 0)
			r = SET_STR(o, "detail", e->detail);
		if (r == 0)
			r = set_records(o, e);
	} else if (r == 0) {
		r = set_payload(o, e);
	}
	if (r == 0)
		r = set_str(o, "key", first->key, first->key_len);
	if (r == 0 && !e->error)
		r = json_object_set_new(
		    o, "chunks", json_integer((json_int_t)e->record_count));
	if (r == 0)
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
					 JSON_REAL_PRECISION(15));
	json_decref(o);
	return text;
}

int ev_print_json(FILE *f, const kvp_diag_entry *const *entries, size_t n,
		  bool array)
{
	char **text = calloc(n + 1, sizeof(*text));
	int r = text ? 0 : -1;

	/* Every object first, so that nothing is printed on failure. */
	for (size_t i = 0; r == 0 && i < n; i++)
		r = (text[i] = entry_json(entries[i])) ? 0 : -1;
	if (r == 0 && array)
		fputs(n ? "[\n" : "[", f);
	for (size_t i = 0; r == 0 && i < n; i++) {
		out_json(f, text[i]);
		fputs(array && i + 1 < n ? ",\n" : "\n", f);
	}
	if (r == 0 && array)
		fputs("]\n", f);
	for (size_t i = 0; text && i < n; i++)
		free(text[i]);
	free(text);
	return r;
}
