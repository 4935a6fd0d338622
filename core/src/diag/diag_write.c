/* diag_write.c - the producer: one diagnostic as DIAG records. Every field
 * is checked before anything else, the payload is encoded, then split, the
 * keys are built (the longest is 242 bytes: a 32-byte agent, 48-byte name,
 * "finish", "zlib+b64", "success", a 20-digit duration and index 1022),
 * and kvp_diag_write appends them all with kvp_store_append_multiple: one
 * lock and one write, so no reader sees part of a group. diag_batch_build
 * is the same without the write, for a writer with its own transaction. */
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"

static int invalid(const char *field, const char *what)
{
	return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0, "diag: %s %s", field,
			what);
}

/* agent and name: 1..max bytes of UTF-8, no '|', no control character. */
static int check_text(const char *field, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0)
		return invalid(field, "is empty");
	if (n > max)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, max, n,
				"diag: %s is %zu bytes, more than %zu", field,
				n, max);
	if (strchr(s, '|'))
		return invalid(field, "holds '|', the key's separator");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return invalid(field, "holds a control character");
	if (!utf8_valid(s, n))
		return invalid(field, "is not valid UTF-8");
	return 0;
}

static int check_record(const kvp_diag_record *rec)
{
	int r;

	if ((r = check_text("agent", rec->agent, KVP_DIAG_MAX_AGENT)) < 0 ||
	    (r = check_text("name", rec->name, KVP_DIAG_MAX_NAME)) < 0)
		return r;
	if (rec->vm_id && !diag_uuid_canonical(rec->vm_id))
		return invalid("vm_id",
			       "is not a UUID (8-4-4-4-12 hex digits)");
	if (rec->event_id && !diag_uuid_canonical(rec->event_id))
		return invalid("event_id",
			       "is not a UUID (8-4-4-4-12 hex digits)");
	if (!kvp_diag_kind_name(rec->kind))
		return invalid("kind", "is not event, start or finish");
	if (!kvp_diag_result_name(rec->result))
		return invalid("result", "is not success or fail");
	if (rec->has_duration && rec->duration.nsec >= 1000000000u)
		return invalid("duration", "has 1000000000 or more ns");
	if (rec->kind == KVP_DIAG_START &&
	    (rec->result != KVP_DIAG_RESULT_NONE || rec->has_duration))
		return invalid("start", "takes no result and no duration");
	if (rec->kind == KVP_DIAG_FINISH &&
	    (rec->result == KVP_DIAG_RESULT_NONE || !rec->has_duration))
		return invalid("finish", "needs a result and a duration");
	return 0;
}

#define BASE_FIELDS 10

/* The fields joined with '|' into base; the length, or <0 when too long
 * for an index to follow. */
static int join_fields(const char *const f[BASE_FIELDS],
		       char base[KVP_DIAG_MAX_KEY + 1])
{
	size_t len[BASE_FIELDS], n = BASE_FIELDS - 1, at = 0;

	for (int i = 0; i < BASE_FIELDS; i++)
		n += len[i] = strlen(f[i]);
	/* Cannot happen with the field limits (242 bytes at most). */
	if (n + 5 > KVP_DIAG_MAX_KEY)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, KVP_DIAG_MAX_KEY,
				n + 5, "diag: the key is too long");
	for (int i = 0; i < BASE_FIELDS; i++) {
		if (i > 0)
			base[at++] = '|';
		memcpy(base + at, f[i], len[i]);
		at += len[i];
	}
	base[at] = '\0';
	return (int)at;
}

/* The key without its index: "DIAG|...|<duration>" into base; its length
 * or <0. */
static int build_base(const kvp_diag_record *rec, const kvp_diag_written *w,
		      char base[KVP_DIAG_MAX_KEY + 1])
{
	struct timespec now = rec->time;
	char ts[DIAG_TIME_SIZE], dur[DIAG_DURATION_SIZE] = "";
	const char *const f[BASE_FIELDS] = {
	    DIAG_PREFIX,
	    rec->agent,
	    w->vm_id,
	    kvp_diag_kind_name(rec->kind),
	    rec->name,
	    w->event_id,
	    ts,
	    kvp_diag_encoding_name(rec->encoding),
	    kvp_diag_result_name(rec->result),
	    dur};
	int r;

	if (now.tv_sec == 0 && now.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &now);
	r = diag_time_format(&now, 3, ts);
	if (r < 0)
		return r;
	if (rec->has_duration)
		diag_duration_format(&rec->duration, dur);
	return join_fields(f, base);
}

/* event_id and vm_id as given, or made. */
static int identify(const kvp_diag_record *rec, kvp_diag_written *w)
{
	int r = 0;

	/* Both checked by check_record: 36 characters and a NUL. */
	if (rec->event_id)
		memcpy(w->event_id, rec->event_id, KVP_UUID_SIZE);
	else
		r = kvp_uuid(w->event_id);
	if (rec->vm_id) {
		memcpy(w->vm_id, rec->vm_id, KVP_UUID_SIZE);
		w->vm_id_available = true;
	} else if (r == 0) {
		w->vm_id_available = kvp_diag_vm_id(w->vm_id) == 1;
	}
	return r;
}

/* The chunk ends of the encoded payload into *ends (malloc'd), their
 * count into *need. Counted first: an event's payload is one chunk, not
 * worth an array for the most there can be. 0 or <0. */
static int split_chunks(const kvp_diag_record *rec, const struct diag_buf *v,
			size_t **ends, size_t *need)
{
	bool text = rec->encoding == KVP_DIAG_ENC_NONE;

	*need = diag_payload_split(v->data, v->len, text, KVP_DIAG_MAX_CHUNK,
				   NULL, 0);
	if (*need > KVP_DIAG_MAX_CHUNKS)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, KVP_DIAG_MAX_CHUNKS,
				*need,
				"diag: the %s payload is %zu bytes stored, "
				"%zu chunks of at most %d bytes; the maximum "
				"is %d chunks",
				kvp_diag_encoding_name(rec->encoding), v->len,
				*need, KVP_DIAG_MAX_CHUNK, KVP_DIAG_MAX_CHUNKS);
	*ends = malloc(*need * sizeof(**ends));
	if (!*ends)
		return err_fail_nomem(NULL);
	diag_payload_split(v->data, v->len, text, KVP_DIAG_MAX_CHUNK, *ends,
			   *need);
	return 0;
}

/* "<base>|<i>" and its chunk for each of the `need` chunks. */
static int fill_pairs(struct diag_batch *b, const char *base, size_t base_len,
		      const size_t *ends, size_t need)
{
	size_t at = 0;

	b->pairs = calloc(need, sizeof(*b->pairs));
	b->keys = malloc(need * (KVP_DIAG_MAX_KEY + 1));
	if (!b->pairs || !b->keys)
		return err_fail_nomem(NULL);
	for (size_t i = 0; i < need; i++) {
		char *key = b->keys + i * (KVP_DIAG_MAX_KEY + 1), *end;
		memcpy(key, base, base_len);
		key[base_len] = '|';
		end = diag_put_uint(key + base_len + 1, i);
		*end = '\0';
		b->pairs[i] = (kvp_pair){key, (size_t)(end - key),
					 b->value.data + at, ends[i] - at};
		at = ends[i];
	}
	return 0;
}

int diag_batch_build(const kvp_diag_record *rec, struct diag_batch *b)
{
	char base[KVP_DIAG_MAX_KEY + 1];
	size_t need = 0, *ends = NULL;
	int r;

	memset(b, 0, sizeof(*b));
	if (!rec)
		return invalid("record", "is NULL");
	if ((r = check_record(rec)) < 0 ||
	    (r = diag_payload_encode(rec->encoding, rec->payload,
				     rec->payload_len, &b->value)) < 0 ||
	    (r = split_chunks(rec, &b->value, &ends, &need)) < 0)
		return r;
	r = identify(rec, &b->written);
	if (r == 0)
		r = build_base(rec, &b->written, base);
	if (r >= 0)
		r = fill_pairs(b, base, (size_t)r, ends, need);
	free(ends);
	b->count = r == 0 ? need : 0;
	b->written.chunks = b->count;
	return r;
}

void diag_batch_free(struct diag_batch *b)
{
	free(b->pairs);
	free(b->keys);
	diag_buf_free(&b->value);
	memset(b, 0, sizeof(*b));
}

int kvp_diag_write(const kvp_store *store, const kvp_diag_record *rec,
		   kvp_diag_written *out)
{
	struct diag_batch b;
	int r;

	if (!store)
		return invalid("store", "is NULL");
	r = diag_batch_build(rec, &b);
	if (r == 0)
		r = kvp_store_append_multiple(store, b.pairs, b.count);
	if (r == 0 && out)
		*out = b.written;
	diag_batch_free(&b);
	return r;
}
