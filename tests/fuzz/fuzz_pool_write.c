/* fuzz_pool_write.c - the write half of the pool harness: insert, delete
 * and kvp_event_record on a copy of the input, each of which must leave
 * whole records and every record it does not own byte for byte (the
 * promises are listed in fuzz_pool_harness.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "fuzz_pool.h"

#define VALUE "fuzz-value"
/* The new event record's key starts so, in each format. */
#define EVENT_KEY_START	 "PAM_KVP|auth|fuzz|20240101T000000.000Z|"
#define EVENT_DIAG_START "DIAG|pam_kvp/" KVP_VERSION "|"
#define EVENT_DIAG_PART	 "|event|pam:fuzz:auth|"

/* A key as the C-string calls take it: p[len] is its NUL (the keys come
 * from kvp_store_dump(), whose key fields end at their first NUL). */
struct key {
	const char *p;
	size_t len;
};

static int cmp_rec(const void *x, const void *y)
{
	return memcmp(*(const unsigned char *const *)x,
		      *(const unsigned char *const *)y, REC);
}

/* The records of a[0..an) and b[0..bn) that `skip` does not pick, equal
 * as multisets of 2560-byte records. */
static void same_others(const uint8_t *a, size_t an, const uint8_t *b,
			size_t bn, bool (*skip)(const unsigned char *, void *),
			void *arg, const char *what)
{
	const unsigned char **pa = calloc(an + 1, sizeof(*pa));
	const unsigned char **pb = calloc(bn + 1, sizeof(*pb));
	size_t na = 0, nb = 0;

	FUZZ_CHECK(pa && pb, "out of memory");
	/* Empty-key records are what an interrupted commit leaves: every
	 * writer that scans the pool removes them, and none may remain. */
	for (size_t i = 0; i < an; i++)
		if (a[i * REC] != '\0' && !skip(a + i * REC, arg))
			pa[na++] = a + i * REC;
	for (size_t i = 0; i < bn; i++) {
		FUZZ_CHECK(b[i * REC] != '\0', "%s left an empty-key record",
			   what);
		if (!skip(b + i * REC, arg))
			pb[nb++] = b + i * REC;
	}
	qsort(pa, na, sizeof(*pa), cmp_rec);
	qsort(pb, nb, sizeof(*pb), cmp_rec);
	FUZZ_CHECK(na == nb, "%s: %zu other records became %zu", what, na, nb);
	for (size_t i = 0; i < na; i++)
		FUZZ_CHECK(memcmp(pa[i], pb[i], REC) == 0,
			   "%s changed another record", what);
	free(pa);
	free(pb);
}

static bool has_key(const unsigned char *rec, void *arg)
{
	const struct key *k = arg;

	return fuzz_key_is(rec, k->p, k->len);
}

/* The pool file after a write: whole records only. */
static unsigned char *read_whole(const kvp_store *s, size_t *count)
{
	size_t len;
	unsigned char *raw = fuzz_read_file(kvp_store_path(s), &len);

	FUZZ_CHECK(len % REC == 0, "a write left %zu torn bytes", len % REC);
	*count = len / REC;
	return raw;
}

static bool rejected(int r)
{
	return r == KVP_ERR_EMPTY_KEY || r == KVP_ERR_KEY_TOO_LARGE ||
	       r == KVP_ERR_INVALID_UTF8 || r == KVP_ERR_KEY_CONTAINS_NULL;
}

static void check_insert(const kvp_store *out, const uint8_t *base, size_t n,
			 size_t file_len, struct key *k)
{
	int r = kvp_store_insert(out, k->p, VALUE);
	unsigned char *after;
	size_t an, len, found = 0;
	char *value = NULL;

	if (rejected(r)) {
		after = fuzz_read_file(kvp_store_path(out), &len);
		FUZZ_CHECK(len == file_len && memcmp(after, base, len) == 0,
			   "a rejected insert (%d) changed the file", r);
		free(after);
		k->p = "fuzz-key";
		k->len = strlen(k->p);
		r = kvp_store_insert(out, k->p, VALUE);
	}
	FUZZ_CHECK(r == 0, "insert: %s", kvp_error_last()->message);
	after = read_whole(out, &an);
	for (size_t i = 0; i < an; i++) {
		const unsigned char *rec = after + i * REC;
		if (!fuzz_key_is(rec, k->p, k->len))
			continue;
		found++;
		FUZZ_CHECK(
		    strcmp((const char *)rec + KVP_KEY_FIELD_SIZE, VALUE) == 0,
		    "the inserted key has another value");
	}
	FUZZ_CHECK(found == 1, "the inserted key is there %zu times", found);
	FUZZ_CHECK(kvp_store_read(out, k->p, &value, NULL) == 1 &&
		       strcmp(value, VALUE) == 0,
		   "read after insert");
	free(value);
	same_others(base, n, after, an, has_key, k, "insert");
	free(after);
}

static bool has_either(const unsigned char *rec, void *arg)
{
	const struct key *k = arg;

	return fuzz_key_is(rec, k[0].p, k[0].len) ||
	       fuzz_key_is(rec, k[1].p, k[1].len);
}

static size_t count_picked(const uint8_t *base, size_t n,
			   bool (*pick)(const unsigned char *, void *),
			   void *arg)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += pick(base + i * REC, arg);
	return c;
}

/* What a scanning writer removes besides its own work: empty-key records,
 * which only an interrupted commit makes. */
static bool gone_with_key(const unsigned char *rec, void *arg)
{
	return rec[0] == '\0' || has_key(rec, arg);
}

static bool gone_with_either(const unsigned char *rec, void *arg)
{
	return rec[0] == '\0' || has_either(rec, arg);
}

/* delete of k[0], then delete_multiple of k[0] and k[1], each on a fresh
 * copy of the input: exactly the records of those keys go, and the
 * empty-key records (which count as matches only for a "" key). */
static void check_deletes(const kvp_store *out, const uint8_t *base, size_t n,
			  size_t file_len, struct key *k)
{
	size_t expect = count_picked(base, n, has_key, k), an, removed = 99;
	size_t gone = count_picked(base, n, gone_with_key, k);
	const char *keys[2] = {k[0].p, k[1].p};
	unsigned char *after;
	int r;

	fuzz_write_file(kvp_store_path(out), base, file_len);
	r = kvp_store_delete(out, k[0].p);
	FUZZ_CHECK(r == (expect > 0), "delete of a key with %zu records: %d",
		   expect, r);
	after = read_whole(out, &an);
	FUZZ_CHECK(an == n - gone, "delete left %zu of %zu records", an, n);
	same_others(base, n, after, an, has_key, k, "delete");
	free(after);

	fuzz_write_file(kvp_store_path(out), base, file_len);
	expect = count_picked(base, n, has_either, k);
	gone = count_picked(base, n, gone_with_either, k);
	r = kvp_store_delete_multiple(out, keys, 2, &removed);
	FUZZ_CHECK(r == 0 && removed == expect,
		   "delete_multiple: %d, removed %zu of %zu", r, removed,
		   expect);
	after = read_whole(out, &an);
	FUZZ_CHECK(an == n - gone, "delete_multiple left %zu of %zu", an, n);
	same_others(base, n, after, an, has_either, k, "delete_multiple");
	free(after);
}

/* 0: not ours; 1: a record of ours (auth, session, ...); 2: a failure
 * or a failure summary (the library's classifier, in either format). */
static int budget_class(const unsigned char *rec)
{
	static kvp_settings *defaults;
	struct event_key_info info;

	if (!defaults)
		FUZZ_CHECK(kvp_settings_new(&defaults) == 0, "settings");
	if (event_key_classify(rec, defaults, &info) != 1)
		return 0;
	return info.type == KVP_EVENT_AUTH_FAIL ? 2 : 1;
}

static bool budgeted(const unsigned char *rec, void *unused)
{
	(void)unused;
	return budget_class(rec) != 0;
}

static void set(kvp_settings *s, const char *arg)
{
	FUZZ_CHECK(kvp_settings_set(s, arg) == 0, "%s: %s", arg,
		   kvp_error_last()->message);
}

static void check_event(const kvp_store *out, const uint8_t *data, size_t size)
{
	kvp_settings *s = NULL;
	kvp_event ev = {.version = KVP_EVENT_VERSION,
			.type = KVP_EVENT_AUTH,
			.time = {1704067200, 0},
			.service = "fuzz",
			.user = "u",
			.pid = 1,
			.uid = 0,
			.result = "success",
			.host = "h",
			.boot_id = "b"};
	unsigned char *before, *after;
	size_t bn, an, mine = 0, mine_new = 0, failures = 0;
	unsigned int max = 1 + (size ? data[0] % 4u : 0);
	bool legacy;
	char arg[4200];
	int r;

	FUZZ_CHECK(kvp_settings_new(&s) == 0, "settings: %s",
		   kvp_error_last()->message);
	snprintf(arg, sizeof(arg), "pool_dir=%s", kvp_store_path(out));
	*strrchr(arg, '/') = '\0';
	set(s, arg);
	snprintf(arg, sizeof(arg), "max_records=%u", max);
	set(s, arg);
	set(s, size > 1 && data[1] & 1 ? "write=insert" : "write=append");
	legacy = size > 1 && data[1] & 2;
	set(s, legacy ? "format=pam_kvp" : "format=diag");
	set(s, "clear_if_stale=no");
	set(s, "lock_timeout_ms=0");
	before = read_whole(out, &bn);
	r = kvp_event_record(s, &ev);
	FUZZ_CHECK(r == 0, "event: %s", kvp_error_last()->message);
	after = read_whole(out, &an);
	for (size_t i = 0; i < an; i++) {
		const unsigned char *rec = after + i * REC;
		mine += budget_class(rec) == 1;
		failures += budget_class(rec) == 2;
		if (legacy)
			mine_new += strncmp((const char *)rec, EVENT_KEY_START,
					    strlen(EVENT_KEY_START)) == 0;
		else
			mine_new +=
			    strncmp((const char *)rec, EVENT_DIAG_START,
				    strlen(EVENT_DIAG_START)) == 0 &&
			    memmem(rec, KVP_KEY_FIELD_SIZE, EVENT_DIAG_PART,
				   strlen(EVENT_DIAG_PART)) &&
			    memmem(rec, KVP_KEY_FIELD_SIZE,
				   "|2024-01-01T00:00:00.000Z|", 26);
	}
	FUZZ_CHECK(mine <= max, "%zu of our records, max %u", mine, max);
	FUZZ_CHECK(failures <= 128, "%zu of our failures, max 128", failures);
	FUZZ_CHECK(mine_new >= 1, "the new event record is missing");
	same_others(before, bn, after, an, budgeted, NULL, "event");
	free(before);
	free(after);
	kvp_settings_free(s);
}

void fuzz_pool_writes(const uint8_t *data, size_t size,
		      const kvp_record_list *dump)
{
	static kvp_store *out;
	size_t n = size / REC;
	/* Cutting a torn tail costs a writer a 2 ms settle wait: keep it
	 * in a sixteenth of the inputs only. */
	size_t len = (size % REC) % 16 == 1 ? size : n * REC;
	struct key k = {"fuzz-key", 8},
		   del[2] = {{"fuzz-key", 8}, {"fuzz-key-2", 10}};

	if (!out)
		out = fuzz_store("out");
	for (size_t i = 0; i < 2 && i < dump->count; i++)
		del[i] = (struct key){dump->records[i].key,
				      dump->records[i].key_len};
	if (dump->count && dump->records[0].key_len)
		k = del[0];
	fuzz_write_file(kvp_store_path(out), data, len);
	check_insert(out, data, n, len, &k);
	check_deletes(out, data, n, n * REC, del);
	check_event(out, data, size);
}
