/* diag_cloudinit.c - cloud-init's KVP reporting records (its
 * HyperVKvpReportingHandler) as diagnostics.
 *
 * A value is compact JSON {"name","type","ts"[,"result"][,"duration"],
 * "msg"}. A message too long for one record is split: each chunk's value
 * is that object with "msg_i":<i> before "msg" and a slice of the escaped
 * JSON text of the message as "msg", cut anywhere, even inside an escape
 * sequence. So the slices are joined first and unescaped once; the rest of
 * every chunk must agree. The value's name and type must be the key's.
 * A message {"encoding":"gz+b64","data":...} (the "compressed" events of
 * cloud-init's Azure helper) is an envelope whose data is decoded (zlib
 * under that label in practice: the stream's magic decides).
 *
 * Two cases are read more leniently than azure-init's reader, because
 * cloud-init 22.4 (Debian 12) writes them: a finish without "duration"
 * (it has none yet), and a finish result other than SUCCESS/FAIL ("WARN"),
 * kept as result_text without a success/fail outcome.
 */
#include <jansson.h>
#include <string.h>

#include "diag/diag_internal.h"

#define MSG_MARK ",\"msg\":"

static int malformed(kvp_diag_entry *e, const char *detail)
{
	return diag_entry_fail(e, KVP_DIAG_ERR_MALFORMED, detail);
}

/* A chunk's value: its metadata (without msg_i, NULL when not JSON) and
 * the raw escaped slice of "msg". */
static json_t *chunk_parts(const kvp_record *rec, unsigned long long index,
			   struct diag_span *slice)
{
	const char *v = rec->value, *mark = NULL, *p = v;
	json_t *meta, *msg_i;
	size_t head;
	char *text;

	while ((p = memmem(p, rec->value_len - (size_t)(p - v), MSG_MARK,
			   strlen(MSG_MARK)))) {
		mark = p;
		p++;
	}
	if (!mark)
		return NULL;
	head = (size_t)(mark - v);
	slice->s = mark + strlen(MSG_MARK) + 1;
	if (rec->value_len < head + strlen(MSG_MARK) + 3 ||
	    slice->s[-1] != '"' || v[rec->value_len - 2] != '"' ||
	    v[rec->value_len - 1] != '}')
		return NULL;
	slice->len = (size_t)(v + rec->value_len - 2 - slice->s);
	text = malloc(head + 2);
	if (!text)
		return NULL;
	memcpy(text, v, head);
	memcpy(text + head, "}", 2);
	meta = json_loads(text, 0, NULL);
	free(text);
	msg_i = json_object_get(meta, "msg_i");
	if (!json_is_integer(msg_i) || json_integer_value(msg_i) < 0 ||
	    (unsigned long long)json_integer_value(msg_i) != index) {
		json_decref(meta);
		return NULL;
	}
	json_object_del(meta, "msg_i");
	return meta;
}

/* The chunks' metadata (the first one's, all equal) and the joined,
 * unescaped message; NULL metadata when malformed. */
static json_t *join_chunks(const kvp_record *recs, size_t n, json_t **msg)
{
	struct diag_buf quoted = {0};
	json_t *first = NULL;
	int r = diag_buf_add(&quoted, "\"", 1);

	*msg = NULL;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct diag_span slice;
		json_t *meta = chunk_parts(&recs[i], i, &slice);
		if (!meta || (first && !json_equal(first, meta))) {
			json_decref(meta);
			r = -1;
			break;
		}
		if (!first)
			first = meta;
		else
			json_decref(meta);
		r = diag_buf_add(&quoted, slice.s, slice.len);
	}
	if (r == 0)
		r = diag_buf_add(&quoted, "\"", 1);
	if (r == 0)
		*msg = json_loadb(quoted.data, quoted.len,
				  JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	diag_buf_free(&quoted);
	if (!json_is_string(*msg)) {
		json_decref(*msg);
		json_decref(first);
		*msg = NULL;
		return NULL;
	}
	return first;
}

static bool member_is(json_t *obj, const char *name, const char *s, size_t n)
{
	json_t *m = json_object_get(obj, name);

	return json_is_string(m) && json_string_length(m) == n &&
	       memcmp(json_string_value(m), s, n) == 0;
}

/* An envelope {"encoding":..,"data":..} in the message, decoded. */
static int envelope(json_t *msg, bool compressed, kvp_diag_entry *e,
		    struct diag_arena *a, bool *was)
{
	json_t *env = json_loadb(json_string_value(msg),
				 json_string_length(msg), 0, NULL);
	json_t *enc = json_object_get(env, "encoding");
	json_t *data = json_object_get(env, "data");
	struct diag_buf out = {0};
	int r = 0;

	*was = compressed || (enc && data);
	if (!*was) {
		json_decref(env);
		return 0;
	}
	if (!json_is_string(enc) || !json_is_string(data))
		malformed(e, "a compressed message is not an encoding "
			     "envelope");
	else if (strcmp(json_string_value(enc), "gz+b64") != 0)
		diag_entry_fail(e, KVP_DIAG_ERR_UNDECODABLE,
				"an envelope encoding other than gz+b64");
	else
		r = diag_payload_decode_envelope(json_string_value(data),
						 json_string_length(data), &out,
						 &e->detail);
	if (r == 0 && !e->error)
		diag_entry_fail(e, KVP_DIAG_ERR_UNDECODABLE, e->detail);
	if (r > 0) {
		e->encoding = "gz+b64";
		r = diag_entry_take_payload(e, a, &out);
	}
	diag_buf_free(&out);
	json_decref(env);
	return r < 0 ? r : 0;
}

/* "duration" as seconds: an integer exactly, a real rounded to
 * microseconds; false when invalid. */
static bool duration_of(json_t *d, kvp_diag_duration *out)
{
	if (json_is_integer(d) && json_integer_value(d) >= 0) {
		out->sec = (unsigned long long)json_integer_value(d);
		out->nsec = 0;
		return true;
	}
	return json_is_real(d) &&
	       diag_duration_from_seconds(json_real_value(d), out);
}

/* Kind-specific members: a start has no result or duration; a finish has a
 * result and maybe a duration; other types ignore them. */
static int outcome(json_t *meta, kvp_diag_entry *e, struct diag_arena *a)
{
	json_t *result = json_object_get(meta, "result");
	json_t *duration = json_object_get(meta, "duration");
	const char *rs = json_string_value(result);

	if (e->kind == KVP_DIAG_START && (result || duration))
		return malformed(e, "a start with a result or duration");
	if (e->kind != KVP_DIAG_FINISH)
		return 0;
	if (!rs)
		return malformed(e, "a finish without a result");
	e->result = strcmp(rs, "SUCCESS") == 0 ? KVP_DIAG_SUCCESS
		    : strcmp(rs, "FAIL") == 0  ? KVP_DIAG_FAIL
					       : KVP_DIAG_RESULT_NONE;
	e->result_text = diag_arena_dup(a, rs, strlen(rs));
	if (!e->result_text)
		return err_fail_nomem(NULL);
	e->has_duration = duration != NULL;
	if (duration && !duration_of(duration, &e->duration))
		return malformed(e, "duration is not a number of seconds");
	return 0;
}

static int decode(const struct diag_key *k, json_t *meta, json_t *msg,
		  kvp_diag_entry *e, struct diag_arena *a)
{
	json_t *ts = json_object_get(meta, "ts");
	char text[DIAG_TIME_SIZE];
	bool was_envelope;
	int r;

	if (!member_is(meta, "name", k->name.s, k->name.len) ||
	    !member_is(meta, "type", k->source_type.s, k->source_type.len))
		return malformed(e, "the value's name or type is not the "
				    "key's");
	if (!json_is_string(ts) ||
	    !diag_time_parse_rfc3339(json_string_value(ts),
				     json_string_length(ts), &e->time))
		return malformed(e, "ts is not an RFC 3339 time");
	e->has_time = true;
	diag_time_format(&e->time, diag_time_digits(&e->time), text);
	e->timestamp = diag_arena_dup(a, text, strlen(text));
	if (!e->timestamp)
		return err_fail_nomem(NULL);
	r = outcome(meta, e, a);
	if (r < 0 || e->error)
		return r;
	r = envelope(msg, member_is(meta, "type", "compressed", 10), e, a,
		     &was_envelope);
	if (r < 0 || e->error || was_envelope)
		return r;
	e->encoding = "none";
	return diag_entry_copy_payload(e, a, json_string_value(msg),
				       json_string_length(msg));
}

int diag_cloudinit_decode(const struct diag_key *k, const kvp_record *recs,
			  size_t n, bool chunked, kvp_diag_entry *e,
			  struct diag_arena *a)
{
	json_t *meta, *msg = NULL;
	int r;

	if (chunked) {
		meta = join_chunks(recs, n, &msg);
	} else {
		meta = json_loadb(recs[0].value, recs[0].value_len, 0, NULL);
		msg = json_incref(json_object_get(meta, "msg"));
		if (json_object_get(meta, "msg_i") || !json_is_string(msg)) {
			json_decref(meta);
			meta = NULL;
		}
	}
	if (!meta)
		r = malformed(e, chunked
				     ? "the chunks are not one cloud-init "
				       "message"
				     : "the value is not cloud-init's JSON");
	else
		r = decode(k, meta, msg, e, a);
	json_decref(meta);
	json_decref(msg);
	return r;
}
