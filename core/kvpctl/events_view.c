/* events_view.c - rows and JSON objects of `kvpctl events` (see
 * events_view.h).
 *
 * Columns: TIME (the value's "time"), EVENT, SERVICE, USER, RHOST, TTY,
 * SESSION (the first 8 characters of the session id), DURATION
 * (session_close: "42.5s", "3m05s", "2h03m04s") and RESULT, last so that
 * the long text of an unreadable record does not widen the others. A
 * member that is missing shows as "-"; one of an unexpected JSON type is
 * shown as its number or true/false, or as "{...}" / "[...]". */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "events_view.h"
#include "output.h"

enum {
	C_TIME,
	C_EVENT,
	C_SERVICE,
	C_USER,
	C_RHOST,
	C_TTY,
	C_SESSION,
	C_DURATION,
	C_RESULT,
};

static const char *const titles[EV_COLS] = {
    "TIME", "EVENT",   "SERVICE",  "USER",   "RHOST",
    "TTY",  "SESSION", "DURATION", "RESULT",
};
#define RIGHT_ALIGNED (1u << C_DURATION)

/* The value's member behind each column. */
static const char *const members[EV_COLS] = {
    "time", "event",   "service",    "user",   "rhost",
    "tty",  "session", "duration_s", "result",
};

#define SESSION_SHORT 8
#define CELL_TEXT     48

/* One row: the parsed value its cells point into, the text of the cells
 * made here, and an unreadable record's RESULT cell. */
struct row {
	json_t *value;
	char text[EV_COLS][CELL_TEXT];
	char *note;
};

/* The record's value as one of our event objects in *value, or NULL with
 * the reason in *why. 0, or -1 when out of memory. */
static int parse_value(const kvp_record *rec, json_t **value, const char **why)
{
	json_error_t e;
	json_t *j = json_loadb(rec->value, rec->value_len, JSON_DECODE_ANY, &e);
	json_t *v;

	*value = NULL;
	if (!j) {
		*why = "not JSON";
		return json_error_code(&e) == json_error_out_of_memory ? -1 : 0;
	}
	v = json_object_get(j, "v");
	if (!json_is_object(j))
		*why = "not a JSON object";
	else if (!json_is_integer(v) || json_integer_value(v) != 1)
		*why = "not a version 1 event";
	else
		*value = j;
	if (!*value)
		json_decref(j);
	return 0;
}

static struct out_cell text_cell(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct out_cell text_cell(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, CELL_TEXT, fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[0] = '\0';
	return (struct out_cell){buf, strlen(buf)};
}

/* A member as a cell: a string's bytes (pointing into the value), else
 * its text in buf. */
static struct out_cell member_cell(json_t *m, char *buf)
{
	if (json_is_string(m))
		return (struct out_cell){json_string_value(m),
					 json_string_length(m)};
	if (json_is_integer(m))
		return text_cell(buf, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(m));
	if (json_is_real(m))
		return text_cell(buf, "%g", json_real_value(m));
	if (json_is_boolean(m))
		return text_cell(buf, "%s", json_is_true(m) ? "true" : "false");
	if (json_is_object(m))
		return text_cell(buf, "{...}");
	if (json_is_array(m))
		return text_cell(buf, "[...]");
	return text_cell(buf, "-");
}

static struct out_cell duration_cell(json_t *m, char *buf)
{
	double d = json_number_value(m);
	long long t;

	if (!json_is_number(m))
		return member_cell(m, buf);
	if (!isfinite(d) || d < 0 || d >= 1e9)
		return text_cell(buf, "%gs", d);
	if (d < 60)
		return text_cell(buf, "%.1fs", d);
	t = (long long)(d + 0.5);
	if (t < 3600)
		return text_cell(buf, "%lldm%02llds", t / 60, t % 60);
	return text_cell(buf, "%lldh%02lldm%02llds", t / 3600, t / 60 % 60,
			 t % 60);
}

/* The first SESSION_SHORT bytes of the session id, cut on a UTF-8
 * boundary. */
static struct out_cell short_session(struct out_cell c)
{
	const unsigned char *s = (const unsigned char *)c.s;
	size_t n = SESSION_SHORT;

	if (c.len <= n)
		return c;
	while (n > 0 && (s[n] & 0xC0) == 0x80)
		n--;
	return (struct out_cell){c.s, n};
}

static void value_row(struct row *row, struct out_cell *cells)
{
	for (size_t c = 0; c < EV_COLS; c++) {
		json_t *m = json_object_get(row->value, members[c]);
		cells[c] = c == C_DURATION ? duration_cell(m, row->text[c])
					   : member_cell(m, row->text[c]);
	}
	if (json_is_string(json_object_get(row->value, "session")))
		cells[C_SESSION] = short_session(cells[C_SESSION]);
}

/* "YYYYMMDDTHHMMSS.mmmZ" (a key's time) as RFC 3339 into buf, or false. */
static bool key_time(const char *s, size_t len, char *buf)
{
	static const char shape[] = "dddddddd"
				    "Tdddddd.dddZ";

	if (len != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < len; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9'
				    : s[i] != shape[i])
			return false;
	snprintf(buf, CELL_TEXT, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.3sZ", s,
		 s + 4, s + 6, s + 9, s + 11, s + 13, s + 16);
	return true;
}

/* A record whose value is not ours: TIME, EVENT and SERVICE from its key
 * when it has our key's five fields, and the reason and the raw key as
 * RESULT. 0, or -1 when out of memory. */
static int unreadable_row(const kvp_record *rec, const char *why,
			  struct row *row, struct out_cell *cells)
{
	const char *part[6], *p = rec->key, *end = rec->key + rec->key_len;
	size_t plen[6], n = 0, head;

	for (size_t c = 0; c < EV_COLS; c++)
		cells[c] = text_cell(row->text[c], "-");
	for (; n < 6; n++) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		part[n] = p;
		plen[n] = (size_t)((bar ? bar : end) - p);
		if (!bar)
			break;
		p = bar + 1;
	}
	if (n == 4) { /* five fields: four bars */
		char *t = row->text[C_TIME];
		cells[C_EVENT] = (struct out_cell){part[1], plen[1]};
		cells[C_SERVICE] = (struct out_cell){part[2], plen[2]};
		if (key_time(part[3], plen[3], t))
			cells[C_TIME] = (struct out_cell){t, strlen(t)};
	}
	head = strlen("unreadable (") + strlen(why) + strlen("): ");
	row->note = malloc(head + rec->key_len + 1);
	if (!row->note)
		return -1;
	snprintf(row->note, head + 1, "unreadable (%s): ", why);
	memcpy(row->note + head, rec->key, rec->key_len);
	cells[C_RESULT] = (struct out_cell){row->note, head + rec->key_len};
	return 0;
}

static int make_row(const kvp_record *rec, struct row *row,
		    struct out_cell *cells)
{
	const char *why = NULL;

	if (parse_value(rec, &row->value, &why) < 0)
		return -1;
	if (!row->value)
		return unreadable_row(rec, why, row, cells);
	value_row(row, cells);
	return 0;
}

int ev_print_table(FILE *f, const kvp_record_list *list, const bool *which,
		   size_t *col_width, bool header)
{
	struct row *rows = calloc(list->count + 1, sizeof(*rows));
	struct out_cell *cells =
	    calloc((list->count + 1) * EV_COLS, sizeof(*cells));
	size_t n = 0;
	int r = rows && cells ? 0 : -1;

	for (size_t i = 0; r == 0 && i < list->count; i++) {
		if (which && !which[i])
			continue;
		r = make_row(&list->records[i], &rows[n], cells + n * EV_COLS);
		n++;
	}
	if (r == 0)
		r = out_table_part(f, EV_COLS, titles, RIGHT_ALIGNED, cells, n,
				   col_width, header);
	for (size_t i = 0; rows && i < n; i++) {
		json_decref(rows[i].value);
		free(rows[i].note);
	}
	free(rows);
	free(cells);
	return r;
}

/* {"key": .., <the value's members>}, or {"key": .., "error": ..,
 * "value": ..} when the value is not ours; as compact JSON text (malloc'd)
 * or NULL when out of memory. */
static char *record_json(const kvp_record *rec)
{
	json_t *obj = json_object(), *value = NULL;
	char *key = out_utf8_dup(rec->key, rec->key_len), *raw = NULL;
	const char *why = NULL;
	char *text = NULL;
	int r = obj && key ? parse_value(rec, &value, &why) : -1;

	if (r == 0)
		r = json_object_set_new(obj, "key", json_string(key));
	if (r == 0 && value) {
		r = json_object_update_missing(obj, value);
	} else if (r == 0) {
		raw = out_utf8_dup(rec->value, rec->value_len);
		r = json_object_set_new(obj, "error", json_string(why));
		if (r == 0)
			r = json_object_set_new(obj, "value",
						raw ? json_string(raw) : NULL);
	}
	if (r == 0)
		text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
					   JSON_REAL_PRECISION(15));
	json_decref(value);
	json_decref(obj);
	free(key);
	free(raw);
	return text;
}

int ev_print_json(FILE *f, const kvp_record_list *list, const bool *which,
		  bool array)
{
	char **text = calloc(list->count + 1, sizeof(*text));
	size_t n = 0;
	int r = text ? 0 : -1;

	/* Every object first, so that nothing is printed on failure. */
	for (size_t i = 0; r == 0 && i < list->count; i++) {
		if (which && !which[i])
			continue;
		text[n] = record_json(&list->records[i]);
		r = text[n++] ? 0 : -1;
	}
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
