/* test_reference_model.c - the store against an independent model of the
 * reference store (libazureinit-kvp), byte for byte.
 *
 * The model below is written the way the reference's Rust code works, one
 * record at a time on an in-memory copy of the file: insert walks the
 * records, overwrites the value of the first match in place and
 * swap-removes every later match (the last record moves into the slot,
 * the file shrinks by one record, the same slot is examined again); only
 * when the key is absent does it check the 1024 unique-key cap and append.
 * delete swap-removes every match; append writes at the end. Our own
 * additions are modelled too: batches, and the torn tail that every writer
 * cuts first. Thousands of random operation sequences (seeded, over a
 * small key alphabet so that duplicates and removals are frequent) run
 * against the real store and the model, and the pool file must equal the
 * model's buffer after every single operation. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h" /* store_*_n */
#include "test_util.h"

#define RS KVP_RECORD_SIZE
#define KS KVP_KEY_FIELD_SIZE

/* --- the model ------------------------------------------------------------ */

struct model {
	unsigned char *buf;
	size_t len; /* bytes, a torn tail included */
	size_t cap;
	bool exists;
};

static size_t m_count(const struct model *m)
{
	return m->len / RS;
}

static unsigned char *m_rec(const struct model *m, size_t i)
{
	return m->buf + i * RS;
}

static void m_grow(struct model *m, size_t len)
{
	if (len > m->cap) {
		m->cap = len * 2;
		m->buf = realloc(m->buf, m->cap);
		cr_assert_not_null(m->buf);
	}
}

/* The key field decoded as the reference does: bytes up to the first NUL
 * of the 512-byte field. */
static bool m_key_eq(const unsigned char *rec, const char *key, size_t len)
{
	size_t n = 0;

	while (n < KS && rec[n] != 0)
		n++;
	return n == len && memcmp(rec, key, len) == 0;
}

static void m_push(struct model *m, const char *k, size_t kl, const char *v,
		   size_t vl)
{
	m_grow(m, m->len + RS);
	memset(m->buf + m->len, 0, RS);
	memcpy(m->buf + m->len, k, kl);
	memcpy(m->buf + m->len + KS, v, vl);
	m->len += RS;
}

/* swap_remove(i): the last record into slot i, then drop the last. */
static void m_remove(struct model *m, size_t i)
{
	size_t last = m_count(m) - 1;

	if (i != last)
		memcpy(m_rec(m, i), m_rec(m, last), RS);
	m->len -= RS;
}

/* What every writer does once it holds the file: cut a torn tail. */
static void m_open_for_write(struct model *m)
{
	m->len -= m->len % RS;
	m->exists = true;
}

static size_t m_unique(const struct model *m)
{
	size_t unique = 0;

	for (size_t i = 0; i < m_count(m); i++) {
		const unsigned char *r = m_rec(m, i);
		size_t kl = strnlen((const char *)r, KS);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = m_key_eq(m_rec(m, j), (const char *)r, kl);
		unique += !seen;
	}
	return unique;
}

static int m_insert(struct model *m, const char *k, size_t kl, const char *v,
		    size_t vl)
{
	bool found = false;
	size_t i = 0;

	m_open_for_write(m);
	while (i < m_count(m)) {
		if (!m_key_eq(m_rec(m, i), k, kl)) {
			i++;
		} else if (!found) {
			memset(m_rec(m, i) + KS, 0, RS - KS);
			memcpy(m_rec(m, i) + KS, v, vl);
			found = true;
			i++;
		} else {
			m_remove(m, i); /* examine slot i again */
		}
	}
	if (found)
		return 0;
	if (m_unique(m) >= KVP_MAX_UNIQUE_KEYS)
		return KVP_ERR_MAX_UNIQUE_KEYS;
	m_push(m, k, kl, v, vl);
	return 0;
}

static int m_delete_where(struct model *m, const char *const *keys,
			  const size_t *lens, size_t nkeys)
{
	size_t i = 0;
	int removed = 0;

	if (!m->exists)
		return 0;
	m_open_for_write(m);
	while (i < m_count(m)) {
		bool hit = false;
		for (size_t k = 0; k < nkeys && !hit; k++)
			hit = m_key_eq(m_rec(m, i), keys[k], lens[k]);
		if (hit) {
			m_remove(m, i);
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

/* Index of the last record with the key, or -1. */
static long m_read(const struct model *m, const char *k, size_t kl)
{
	for (size_t i = m_count(m); i-- > 0;)
		if (m_key_eq(m_rec(m, i), k, kl))
			return (long)i;
	return -1;
}

/* --- the random run ------------------------------------------------------- */

static uint64_t rng;

static uint64_t next(void) /* splitmix64 */
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return (size_t)(next() % n);
}

#define NKEYS 7
static char keys[NKEYS][KS + 1];
static size_t key_lens[NKEYS];
static char values[8][KVP_VALUE_FIELD_SIZE + 1];

static struct tu_pool p;
static struct model m;

static void setup(void)
{
	const char *small[] = {"a", "b", "c", "ab", "\xC3\xA9"};

	tu_pool_setup(&p, KVP_MODE_UNSAFE);
	for (int i = 0; i < 5; i++)
		strcpy(keys[i], small[i]);
	/* Full-width key (no terminator on disk) and its 511-byte prefix. */
	memset(keys[5], 'k', KS - 1);
	memset(keys[6], 'k', KS);
	for (int i = 0; i < NKEYS; i++)
		key_lens[i] = strlen(keys[i]);
	memset(&m, 0, sizeof(m));
}

static void teardown(void)
{
	free(m.buf);
	tu_pool_teardown(&p);
}

/* A random value in one of the scratch slots. */
static const char *random_value(int slot, size_t *len)
{
	size_t r = below(10), n;

	n = r < 7   ? below(13)
	    : r < 9 ? 1 + below(100)
		    : KVP_VALUE_FIELD_SIZE - below(2);
	for (size_t i = 0; i < n; i++)
		values[slot][i] = (char)('a' + below(26));
	values[slot][n] = '\0';
	*len = n;
	return values[slot];
}

static void check_file(const char *what, uint64_t seed, int seq, int step)
{
	size_t len;
	unsigned char *file = tu_read_file(p.path, &len);
	size_t diff = 0;

	if (!m.exists) {
		free(file);
		cr_assert_null(file,
			       "seed %llu seq %d step %d (%s): file exists",
			       (unsigned long long)seed, seq, step, what);
		return;
	}
	cr_assert_not_null(file, "seed %llu seq %d step %d (%s): no file",
			   (unsigned long long)seed, seq, step, what);
	while (diff < len && diff < m.len && file[diff] == m.buf[diff])
		diff++;
	free(file);
	cr_assert(len == m.len && diff == len,
		  "seed %llu seq %d step %d (%s): file %zu bytes, model %zu, "
		  "first difference at byte %zu (record %zu)",
		  (unsigned long long)seed, seq, step, what, len, m.len, diff,
		  diff / RS);
}

static void check_reads(const char *what)
{
	size_t k = below(NKEYS), n = 99, vlen = 0;
	long at = m_read(&m, keys[k], key_lens[k]);
	char *got = NULL;
	int r = kvp_store_read(p.store, keys[k], &got, &vlen);

	cr_assert_eq(r, at >= 0, "%s: read of key %zu", what, k);
	if (at >= 0) {
		const unsigned char *v = m_rec(&m, (size_t)at) + KS;
		cr_assert_eq(vlen, strnlen((const char *)v, RS - KS), "%s",
			     what);
		cr_assert_eq(memcmp(got, v, vlen), 0, "%s", what);
	}
	free(got);
	cr_assert_eq(kvp_store_len(p.store, &n), 0);
	cr_assert_eq(n, m_count(&m), "%s: len", what);
}

static const char *one_op(void)
{
	size_t kl, vl, k = below(NKEYS), op = below(100);
	const char *v;
	int r, want;

	if (op < 28) {
		v = random_value(0, &vl);
		want = m_insert(&m, keys[k], key_lens[k], v, vl);
		r = kvp_store_insert(p.store, keys[k], v);
		cr_assert_eq(r, want, "insert: %s", kvp_error_last()->message);
		return "insert";
	}
	if (op < 52) {
		v = random_value(0, &vl);
		m_open_for_write(&m);
		m_push(&m, keys[k], key_lens[k], v, vl);
		cr_assert_eq(kvp_store_append(p.store, keys[k], v), 0);
		return "append";
	}
	if (op < 66) {
		want = m_delete_where(&m, (const char *const[]){keys[k]},
				      &key_lens[k], 1) > 0;
		cr_assert_eq(kvp_store_delete(p.store, keys[k]), want);
		return "delete";
	}
	if (op < 75) {
		kvp_pair pairs[4];
		size_t n = 1 + below(4);
		for (size_t i = 0; i < n; i++) {
			size_t pk = below(NKEYS);
			v = random_value((int)i, &vl);
			pairs[i] = (kvp_pair){keys[pk], key_lens[pk], v, vl};
		}
		m_open_for_write(&m);
		for (size_t i = 0; i < n; i++)
			m_push(&m, pairs[i].key, pairs[i].key_len,
			       pairs[i].value, pairs[i].value_len);
		cr_assert_eq(kvp_store_append_multiple(p.store, pairs, n), 0);
		return "append_multiple";
	}
	if (op < 82) {
		const char *dk[3];
		size_t dl[3], n = 1 + below(3), removed = 99;
		for (size_t i = 0; i < n; i++) {
			size_t pk = below(NKEYS);
			dk[i] = keys[pk];
			dl[i] = key_lens[pk];
		}
		want = m_delete_where(&m, dk, dl, n);
		cr_assert_eq(
		    kvp_store_delete_multiple(p.store, dk, n, &removed), 0);
		cr_assert_eq(removed, (size_t)want, "delete_multiple count");
		return "delete_multiple";
	}
	if (op < 86) {
		kvp_pair pairs[6];
		size_t n = below(7);
		for (size_t i = 0; i < n; i++) {
			size_t pk = below(NKEYS);
			v = random_value((int)i, &vl);
			pairs[i] = (kvp_pair){keys[pk], key_lens[pk], v, vl};
		}
		m_open_for_write(&m);
		m.len = 0;
		for (size_t i = 0; i < n; i++)
			m_push(&m, pairs[i].key, pairs[i].key_len,
			       pairs[i].value, pairs[i].value_len);
		cr_assert_eq(kvp_store_load(p.store, pairs, n), 0);
		return "load";
	}
	if (op < 89) {
		if (m.exists)
			m.len = 0;
		cr_assert_eq(kvp_store_clear(p.store), 0);
		return "clear";
	}
	if (op < 94) {
		/* A writer died mid-record: a partial record at the end. */
		unsigned char junk[RS];
		if (m.len % RS)
			return "tear (skipped: already torn)";
		kl = 1 + below(RS - 1);
		for (size_t i = 0; i < kl; i++)
			junk[i] = (unsigned char)next();
		tu_append_file(p.path, junk, kl);
		m_grow(&m, m.len + kl);
		memcpy(m.buf + m.len, junk, kl);
		m.len += kl;
		m.exists = true;
		return "tear";
	}
	/* Rejected writes change nothing, not even a torn tail. */
	switch (below(4)) {
	case 0:
		cr_assert_eq(store_insert_n(p.store, keys[k], key_lens[k],
					    "\xE0\x80", 2),
			     KVP_ERR_INVALID_UTF8);
		return "invalid insert";
	case 1: {
		char *big = tu_repeat('v', KVP_VALUE_FIELD_SIZE + 1);
		r = kvp_store_append(p.store, keys[k], big);
		free(big);
		cr_assert_eq(r, KVP_ERR_VALUE_TOO_LARGE);
		return "invalid append";
	}
	case 2: {
		kvp_pair pairs[2] = {{"ok", 2, "v", 1}, {"", 0, "v", 1}};
		cr_assert_eq(kvp_store_append_multiple(p.store, pairs, 2),
			     KVP_ERR_EMPTY_KEY);
		return "invalid append_multiple";
	}
	default: {
		kvp_pair pairs[2] = {{"ok", 2, "v", 1}, {"a\0", 2, "v", 1}};
		cr_assert_eq(kvp_store_load(p.store, pairs, 2),
			     KVP_ERR_KEY_CONTAINS_NULL);
		return "invalid load";
	}
	}
}

struct seed_case {
	uint64_t seed;
};

ParameterizedTestParameters(reference_model, random_sequences)
{
	static struct seed_case cases[8];

	for (size_t i = 0; i < 8; i++)
		cases[i].seed = 0x5EED0000ULL + i;
	return cr_make_param_array(struct seed_case, cases, 8);
}

#define SEQUENCES 250

ParameterizedTest(struct seed_case *c, reference_model, random_sequences,
		  .init = setup, .fini = teardown, .timeout = 600)
{
	rng = c->seed;
	for (int seq = 0; seq < SEQUENCES; seq++) {
		int steps = 1 + (int)below(60);

		unlink(p.path);
		m.len = 0;
		m.exists = false;
		for (int step = 0; step < steps; step++) {
			const char *what = one_op();
			check_file(what, c->seed, seq, step);
			check_reads(what);
		}
	}
}

/* The model's own cap path, against the store at the cap. */
Test(reference_model, cap_matches, .init = setup, .fini = teardown)
{
	char key[16];

	for (int i = 0; i < KVP_MAX_UNIQUE_KEYS; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		m_push(&m, key, strlen(key), "v", 1);
	}
	m.exists = true;
	tu_write_file(p.path, m.buf, m.len);
	cr_assert_eq(m_insert(&m, "new", 3, "v", 1), KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(kvp_store_insert(p.store, "new", "v"),
		     KVP_ERR_MAX_UNIQUE_KEYS);
	cr_assert_eq(m_insert(&m, "key7", 4, "w", 1), 0);
	cr_assert_eq(kvp_store_insert(p.store, "key7", "w"), 0);
	tu_assert_file_is(p.path, m.buf, m.len);
}
