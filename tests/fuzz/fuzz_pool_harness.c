/* fuzz_pool_harness.c - fuzz_pool_one(): any bytes as a guest pool file,
 * through every read path and, on a copy, the write paths.
 *
 * Reads (the input is pool "in"): dump returns one record per whole
 * 2560 bytes, each field the bytes up to its first NUL (all 512 / 2048
 * when there is none), and the rest as torn_bytes; entries has each key
 * once with its last record's value; read of a key (the first records'
 * keys, the input's first bytes, fixed ones) finds exactly the last
 * record with it or nothing, and rejects an empty key (a key is a C
 * string: the input's bytes count up to their first NUL);
 * len counts the whole records; the event list holds exactly the records
 * whose key starts "PAM_KVP|"; every JSON form parses back.
 * Writes (pool "out", a copy of the input's whole records; its torn tail
 * kept for a sixteenth of the inputs, as cutting it costs the writer a
 * 2 ms settle wait): insert of a key of the input (or "fuzz-key") leaves
 * whole records, the key once with the new value, and every other record
 * byte for byte; a rejected key leaves the file as it was; delete and
 * delete_multiple (of the first records' keys, on fresh copies) remove
 * every record of those keys and nothing else; kvp_event_record
 * with a small max_records leaves at most that many of our records (of
 * the key format the budgets count: fuzz_pool_write.c), the new one
 * among them, and everything else as it was - except
 * empty-key records, which only an interrupted commit makes and which
 * every one of these scanning writers must remove.
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_pool.h"

size_t fuzz_field_len(const unsigned char *f, size_t size)
{
	const unsigned char *nul = memchr(f, '\0', size);

	return nul ? (size_t)(nul - f) : size;
}

bool fuzz_key_is(const unsigned char *rec, const void *key, size_t len)
{
	return len <= KVP_KEY_FIELD_SIZE &&
	       (len == KVP_KEY_FIELD_SIZE || rec[len] == '\0') &&
	       memcmp(rec, key, len) == 0;
}

bool fuzz_ours(const unsigned char *rec, void *unused)
{
	size_t n = strlen(OUR_PREFIX); /* "PAM_KVP|": "PAM_KVP|" is ours */

	(void)unused;
	return fuzz_field_len(rec, KVP_KEY_FIELD_SIZE) >= n &&
	       memcmp(rec, OUR_PREFIX, n) == 0;
}

kvp_store *fuzz_store(const char *name)
{
	const char *dir = fuzz_path(0, name);
	kvp_store *s = NULL;

	FUZZ_CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST, "mkdir %s", dir);
	FUZZ_CHECK(kvp_store_new(&s, KVP_POOL_GUEST, dir, KVP_MODE_UNSAFE) == 0,
		   "%s", kvp_error_last()->message);
	kvp_store_set_lock_timeout(s, 0); /* nobody else holds it */
	return s;
}

static void check_dump(const kvp_store *s, const uint8_t *data, size_t size,
		       kvp_record_list *dump)
{
	FUZZ_CHECK(kvp_store_dump(s, dump) == 0, "%s",
		   kvp_error_last()->message);
	FUZZ_CHECK(dump->count == size / REC && dump->torn_bytes == size % REC,
		   "%zu records + %zu torn of %zu bytes", dump->count,
		   dump->torn_bytes, size);
	for (size_t i = 0; i < dump->count; i++) {
		const unsigned char *rec = data + i * REC;
		const kvp_record *r = &dump->records[i];

		FUZZ_CHECK(r->key_len ==
				   fuzz_field_len(rec, KVP_KEY_FIELD_SIZE) &&
			       memcmp(r->key, rec, r->key_len) == 0 &&
			       r->key[r->key_len] == '\0',
			   "record %zu: key", i);
		rec += KVP_KEY_FIELD_SIZE;
		FUZZ_CHECK(r->value_len ==
				   fuzz_field_len(rec, KVP_VALUE_FIELD_SIZE) &&
			       memcmp(r->value, rec, r->value_len) == 0 &&
			       r->value[r->value_len] == '\0',
			   "record %zu: value", i);
	}
}

/* Index of the last record whose key field is `key` (empty too), or -1. */
static long last_with(const uint8_t *data, size_t count, const void *key,
		      size_t len)
{
	for (size_t i = count; i-- > 0;)
		if (fuzz_field_len(data + i * REC, KVP_KEY_FIELD_SIZE) == len &&
		    memcmp(data + i * REC, key, len) == 0)
			return (long)i;
	return -1;
}

static void check_entries(const kvp_store *s, const uint8_t *data,
			  const kvp_record_list *dump)
{
	kvp_record_list e;
	size_t distinct = 0;

	FUZZ_CHECK(kvp_store_entries(s, &e) == 0, "%s",
		   kvp_error_last()->message);
	for (size_t i = 0; i < dump->count; i++)
		distinct += last_with(data, i, dump->records[i].key,
				      dump->records[i].key_len) < 0;
	FUZZ_CHECK(e.count == distinct, "%zu entries, %zu keys", e.count,
		   distinct);
	for (size_t i = 0; i < e.count; i++) {
		long last = last_with(data, dump->count, e.records[i].key,
				      e.records[i].key_len);
		const kvp_record *want;

		FUZZ_CHECK(last >= 0, "entry %zu has no record", i);
		want = &dump->records[last];
		FUZZ_CHECK(want->value_len == e.records[i].value_len &&
			       memcmp(want->value, e.records[i].value,
				      want->value_len) == 0,
			   "entry %zu is not its key's last value", i);
	}
	kvp_record_list_free(&e);
}

/* Read the key bytes[0..n) as a C string: up to the first NUL. */
static void check_read(const kvp_store *s, const uint8_t *data, size_t count,
		       const void *bytes, size_t n)
{
	char *value = NULL, *key = strndup(bytes, n);
	size_t value_len = 0, len;
	long last;
	int r;

	FUZZ_CHECK(key, "out of memory");
	len = strlen(key);
	r = kvp_store_read(s, key, &value, &value_len);
	last = len ? last_with(data, count, key, len) : -1;
	if (len == 0)
		FUZZ_CHECK(r == KVP_ERR_EMPTY_KEY, "empty key: %d", r);
	else if (last < 0)
		FUZZ_CHECK(r == 0 && !value, "absent key: %d", r);
	else {
		const unsigned char *v =
		    data + (size_t)last * REC + KVP_KEY_FIELD_SIZE;
		FUZZ_CHECK(r == 1 && value_len == fuzz_field_len(v, 2048) &&
			       memcmp(value, v, value_len) == 0 &&
			       value[value_len] == '\0',
			   "read of record %ld's key: %d", last, r);
	}
	free(value);
	free(key);
}

static void check_reads(const kvp_store *s, const uint8_t *data, size_t size,
			const kvp_record_list *dump)
{
	size_t n = size < 600 ? size : 600;

	for (size_t i = 0; i < dump->count && i < 4; i++)
		check_read(s, data, dump->count, dump->records[i].key,
			   dump->records[i].key_len);
	check_read(s, data, dump->count, data, n);
	check_read(s, data, dump->count, "PAM_KVP", 7);
	check_read(s, data, dump->count, "", 0);
}

static void check_json_text(char *text, bool object, size_t count)
{
	json_error_t err;
	json_t *j;

	FUZZ_CHECK(text, "kvp_record_list_json returned NULL");
	j = json_loads(text, 0, &err);
	FUZZ_CHECK(j, "JSON does not parse: %s", err.text);
	if (object)
		FUZZ_CHECK(json_is_object(j) && json_object_size(j) <= count,
			   "not an object of at most %zu", count);
	else
		FUZZ_CHECK(json_is_array(j) && json_array_size(j) == count,
			   "not an array of %zu", count);
	json_decref(j);
	free(text);
}

static void check_other_reads(const kvp_store *s, const uint8_t *data,
			      const kvp_record_list *dump)
{
	const char *out = fuzz_path(1, "dump.json");
	kvp_record_list ev;
	size_t len = 99, mine = 0;
	json_error_t err;
	json_t *j;

	FUZZ_CHECK(kvp_store_len(s, &len) == 0 && len == dump->count, "len %zu",
		   len);
	FUZZ_CHECK(kvp_store_is_empty(s) == (dump->count == 0), "is_empty");
	FUZZ_CHECK(kvp_event_list(s, NULL, &ev) == 0, "%s",
		   kvp_error_last()->message);
	for (size_t i = 0; i < dump->count; i++)
		mine += fuzz_ours(data + i * REC, NULL);
	FUZZ_CHECK(ev.count == mine, "%zu events of %zu", ev.count, mine);
	for (size_t i = 0; i < ev.count; i++)
		FUZZ_CHECK(strncmp(ev.records[i].key, OUR_PREFIX, 8) == 0,
			   "event %zu is not ours", i);
	kvp_record_list_free(&ev);

	check_json_text(kvp_record_list_json(dump, 0), false, dump->count);
	check_json_text(kvp_record_list_json(dump, KVP_JSON_OBJECT), true,
			dump->count);
	FUZZ_CHECK(kvp_store_dump_json(s, out) == 0, "%s",
		   kvp_error_last()->message);
	j = json_load_file(out, 0, &err);
	FUZZ_CHECK(j && json_is_object(j), "dump_json: %s", err.text);
	json_decref(j);
}

int fuzz_pool_one(const uint8_t *data, size_t size)
{
	static kvp_store *in;
	kvp_record_list dump;

	if (!in)
		in = fuzz_store("in");
	fuzz_write_file(kvp_store_path(in), data, size);
	check_dump(in, data, size, &dump);
	check_entries(in, data, &dump);
	check_reads(in, data, size, &dump);
	check_other_reads(in, data, &dump);
	fuzz_pool_writes(data, size, &dump);
	kvp_record_list_free(&dump);
	return 0;
}
