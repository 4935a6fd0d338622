/* crash_snap.c - a snapshot of the pool after a writer was killed: the
 * raw bytes, what kvp_store_dump (a locked reader) returns, and every
 * record classified and self-checked (crash.h lists the record kinds),
 * an empty-key record ("tombstone") by its value, which must be empty or
 * the whole value of one of the records (naming its key and op). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crash.h"
#include "peer_record.h"
#include "test_util.h"

void crash_expected_record(unsigned char rec[KVP_RECORD_SIZE], const char *key,
			   long seq)
{
	char value[PR_VALUE_MAX + 1], note[32];

	snprintf(note, sizeof(note), "s%ld", seq);
	pr_make_value(value, key, note);
	pr_encode(rec, key, value);
}

/* "<prefix><number>" followed by `tail` (a string the rest must equal,
 * or NULL for "anything, returned in *rest"). */
static bool parse_num(const char *s, const char *prefix, long *out,
		      const char **rest)
{
	size_t plen = strlen(prefix);
	char *end;

	if (strncmp(s, prefix, plen) != 0 || s[plen] < '0' || s[plen] > '9')
		return false;
	*out = strtol(s + plen, &end, 10);
	*rest = end;
	return true;
}

/* The note "s<seq>" of a W* value. */
static bool note_seq(const struct crash_rec *r, long *seq)
{
	char note[64];
	const char *rest;

	if (!pr_value_ok(r->key, r->key_len, r->value, r->value_len, note,
			 sizeof(note)))
		return false;
	return parse_num(note, "s", seq, &rest) && *rest == '\0';
}

static const char *check_fixed_note(const struct crash_rec *r, const char *want)
{
	char note[64];

	if (!pr_value_ok(r->key, r->key_len, r->value, r->value_len, note,
			 sizeof(note)))
		return "value is not the key's self-checking value";
	return strcmp(note, want) == 0 ? NULL : "value has the wrong note";
}

/* The time a key and a value of event op `seq` carry. */
static void event_times(long seq, char want_key[40], char want_text[40])
{
	time_t t = (time_t)(CRASH_EPOCH + seq / 1000);
	long ms = seq % 1000;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(want_key, 40, "%Y%m%dT%H%M%S", &tm);
	snprintf(want_key + 15, 40 - 15, ".%03ldZ", ms);
	strftime(want_text, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(want_text + 19, 40 - 19, ".%03ldZ", ms);
}

/* The JSON value kvp_event_record made for event op `seq`. */
static const char *check_event_value(const char *value, size_t len, long seq)
{
	const char *service, *time_text;
	char want_key[40], want_text[40], svc[32];
	json_t *root, *v;
	json_error_t err;
	const char *why = NULL;

	event_times(seq, want_key, want_text);
	root = json_loadb(value, len, 0, &err);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return "event value is not a JSON object";
	}
	snprintf(svc, sizeof(svc), "s%ld", seq);
	service = json_string_value(json_object_get(root, "service"));
	time_text = json_string_value(json_object_get(root, "time"));
	v = json_object_get(root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		why = "event value has no \"v\":1";
	else if (!json_is_string(json_object_get(root, "event")) ||
		 strcmp(json_string_value(json_object_get(root, "event")),
			"session_open") != 0)
		why = "event value has the wrong event";
	else if (!service || strcmp(service, svc) != 0)
		why = "event value's service does not match its key";
	else if (!time_text || strcmp(time_text, want_text) != 0)
		why = "event value's time does not match its key";
	else if (!json_is_string(json_object_get(root, "host")) ||
		 strcmp(json_string_value(json_object_get(root, "host")),
			"crash-host") != 0)
		why = "event value's host is wrong";
	json_decref(root);
	return why;
}

/* CRASH|session_open|s<seq>|<YYYYMMDDTHHMMSS.mmmZ>|<8 hex> with the
 * JSON value kvp_event_record made for it. */
static const char *check_event(struct crash_rec *r)
{
	char want_key[40], want_text[40];
	const char *rest;

	if (!parse_num(r->key, "CRASH|session_open|s", &r->seq, &rest) ||
	    strlen(rest) != 1 + 20 + 1 + 8 || rest[0] != '|' || rest[21] != '|')
		return "event key is malformed";
	for (int i = 22; i < 30; i++)
		if (!strchr("0123456789abcdef", rest[i]))
			return "event key id is not 8 hex digits";
	event_times(r->seq, want_key, want_text);
	if (memcmp(rest + 1, want_key, 20) != 0)
		return "event key time does not match its seq";
	return check_event_value(r->value, r->value_len, r->seq);
}

/* An empty-key record: its value must be empty or the whole value of a
 * record (whose key and op it names: r->owner, r->owner_cls, r->seq). */
static const char *check_tombstone(struct crash_rec *r)
{
	struct crash_rec o = {.value = r->value, .value_len = r->value_len};
	const char *hash, *svc, *why;
	long seq;

	r->cls = REC_TOMB;
	r->owner_cls = REC_BAD;
	if (r->value_len == 0)
		return NULL;
	if (r->value[0] == '{') {
		svc = strstr(r->value, "\"service\":\"s");
		if (!svc || sscanf(svc + 12, "%ld", &seq) != 1)
			return "tombstone value is no event value";
		why = check_event_value(r->value, r->value_len, seq);
		if (why)
			return why;
		snprintf(r->owner, sizeof(r->owner), "CRASH|...");
		r->owner_cls = REC_CRASH;
		r->seq = seq;
		return NULL;
	}
	hash = memchr(r->value, '#', r->value_len);
	if (!hash || (size_t)(hash - r->value) >= sizeof(r->owner))
		return "tombstone value is no record's value";
	memcpy(r->owner, r->value, (size_t)(hash - r->value));
	r->owner[hash - r->value] = '\0';
	o.key = r->owner;
	o.key_len = strlen(r->owner);
	why = crash_rec_classify(&o);
	if (why)
		return why;
	r->owner_cls = o.cls;
	r->seq = o.seq;
	return NULL;
}

const char *crash_rec_classify(struct crash_rec *r)
{
	const char *rest;
	long seq, idx;

	if (r->key_len == 0)
		return check_tombstone(r);
	if (r->value_len == 0)
		return "a key with an empty value (a value rewrite that was "
		       "cut, with only value[0] NUL?)";
	if (parse_num(r->key, "FOREIGN|", &r->seq, &rest) && !*rest) {
		r->cls = REC_FOREIGN;
		return check_fixed_note(r, "foreign");
	}
	if (parse_num(r->key, "T|", &r->seq, &rest) && !*rest) {
		r->cls = REC_T;
		return check_fixed_note(r, "t");
	}
	if (strncmp(r->key, "CRASH|", 6) == 0) {
		r->cls = REC_CRASH;
		return check_event(r);
	}
	if (parse_num(r->key, "W|", &idx, &rest) && !*rest &&
	    idx < CRASH_W_KEYS)
		r->cls = REC_W;
	else if (parse_num(r->key, "WA|", &seq, &rest) && !*rest)
		r->cls = REC_WA;
	else if (parse_num(r->key, "WI|", &seq, &rest) && !*rest)
		r->cls = REC_WI;
	else if (parse_num(r->key, "WB|", &seq, &rest) &&
		 parse_num(rest, "|", &idx, &rest) && !*rest)
		r->cls = REC_WB;
	else
		return "unknown key";
	if (!note_seq(r, &r->seq))
		return "value is not the key's self-checking value";
	if (r->cls != REC_W && r->seq != seq)
		return "value was written by another op than its key names";
	return NULL;
}

/* A field holds `s` (len bytes) up to its first NUL. */
static bool field_is(const unsigned char *field, size_t size, const char *s,
		     size_t len)
{
	return len <= size && memcmp(field, s, len) == 0 &&
	       (len == size || field[len] == '\0');
}

static int by_key_then_seq(const void *a, const void *b)
{
	const struct crash_rec *x = *(struct crash_rec *const *)a;
	const struct crash_rec *y = *(struct crash_rec *const *)b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The file's bytes, and the whole records of the file as they are
 * when no writer runs. */
static void take_raw(struct crash_snap *snap, const kvp_store *store)
{
	size_t len;

	snap->raw = tu_read_file(kvp_store_path(store), &snap->raw_len);
	cr_assert_eq(snap->count, snap->raw_len / KVP_RECORD_SIZE,
		     "dump returned %zu records of a %zu-byte file",
		     snap->count, snap->raw_len);
	cr_assert_eq(snap->torn, snap->raw_len % KVP_RECORD_SIZE,
		     "dump reports %zu torn bytes of a %zu-byte file",
		     snap->torn, snap->raw_len);
	cr_assert_eq(kvp_store_len(store, &len), 0);
	cr_assert_eq(len, snap->count);
}

void crash_rec_describe(const struct crash_snap *snap, size_t slot, char *buf,
			size_t size)
{
	const struct crash_rec *r = &snap->recs[slot];
	size_t off = slot * KVP_RECORD_SIZE;

	snprintf(buf, size,
		 "record %zu (file bytes %zu..%zu, pages %zu..%zu) key "
		 "'%.60s' value '%.40s...': %s",
		 slot, off, off + KVP_RECORD_SIZE - 1, off / 4096,
		 (off + KVP_RECORD_SIZE - 1) / 4096, r->key, r->value,
		 r->why		      ? r->why
		 : r->cls == REC_TOMB ? "an empty key, but not the page split "
					"of a slot rewrite"
				      : "whole");
}

size_t crash_snap_take(struct crash_snap *snap, const kvp_store *store,
		       bool live)
{
	memset(snap, 0, sizeof(*snap));
	cr_assert_eq(kvp_store_dump(store, &snap->list), 0, "dump: %s",
		     kvp_error_last()->message);
	snap->count = snap->list.count;
	snap->torn = snap->list.torn_bytes;
	if (!live)
		take_raw(snap, store);

	snap->recs = calloc(snap->count + 1, sizeof(*snap->recs));
	snap->by_key = calloc(snap->count + 1, sizeof(*snap->by_key));
	cr_assert(snap->recs && snap->by_key);
	for (size_t i = 0; i < snap->count; i++) {
		struct crash_rec *r = &snap->recs[i];
		const kvp_record *kr = &snap->list.records[i];
		unsigned char rec[KVP_RECORD_SIZE];

		r->key = kr->key;
		r->key_len = kr->key_len;
		r->value = kr->value;
		r->value_len = kr->value_len;
		r->slot = i;
		/* The reader returns exactly the file's fields; every
		 * record we write is NUL-padded after them. */
		tu_record_n(rec, kr->key, kr->key_len, kr->value,
			    kr->value_len);
		cr_assert(live || (field_is(snap->raw + i * KVP_RECORD_SIZE,
					    KVP_KEY_FIELD_SIZE, kr->key,
					    kr->key_len) &&
				   field_is(snap->raw + i * KVP_RECORD_SIZE +
						KVP_KEY_FIELD_SIZE,
					    KVP_VALUE_FIELD_SIZE, kr->value,
					    kr->value_len)),
			  "dump's record %zu differs from the file", i);
		r->why = crash_rec_classify(r);
		/* A tombstone's bytes after its NULs are pieces of two
		 * records: crash_slot.c explains them. */
		if (!r->why && !live && r->cls != REC_TOMB &&
		    memcmp(rec, snap->raw + i * KVP_RECORD_SIZE,
			   KVP_RECORD_SIZE) != 0)
			r->why = "bytes after a field's NUL are not NUL";
		if (r->why) {
			r->cls = REC_BAD;
			snap->n_bad++;
			continue;
		}
		if (r->cls == REC_TOMB) {
			snap->n_tomb++;
			continue;
		}
		snap->by_key[snap->n_keyed++] = r;
		if (r->cls == REC_CRASH)
			snap->crash_count++;
	}
	qsort(snap->by_key, snap->n_keyed, sizeof(*snap->by_key),
	      by_key_then_seq);
	return snap->n_bad;
}

void crash_snap_free(struct crash_snap *snap)
{
	free(snap->raw);
	free(snap->recs);
	free(snap->by_key);
	kvp_record_list_free(&snap->list);
	memset(snap, 0, sizeof(*snap));
}

size_t crash_snap_find(const struct crash_snap *snap, const char *key,
		       struct crash_rec *const **first)
{
	size_t lo = 0, hi = snap->n_keyed, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(snap->by_key[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = snap->by_key + lo;
	while (lo + n < snap->n_keyed &&
	       strcmp(snap->by_key[lo + n]->key, key) == 0)
		n++;
	return n;
}
