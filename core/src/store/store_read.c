/* store_read.c - the read operations: read, dump, entries, len. Each is one
 * pool transaction under the shared locks, with one read of the file. */
#include <stdlib.h>
#include <string.h>

#include "util/keyset.h"
#include "pool/record.h"
#include "pool/record_list.h"
#include "store/store_edit.h"
#include "store/store_internal.h"

int kvp_store_read(const kvp_store *s, const char *key, char **value,
		   size_t *value_len)
{
	return store_read_n(s, key, key ? strlen(key) : 0, value, value_len);
}

/* The value of `rec` into a new NUL-terminated string; 1, or NoMem. */
static int copy_value(const kvp_store *s, const unsigned char *rec,
		      char **value, size_t *value_len)
{
	size_t len = rec_value_len(rec);

	*value = malloc(len + 1);
	if (!*value)
		return err_fail_nomem(s->path);
	memcpy(*value, rec_value(rec), len);
	(*value)[len] = '\0';
	if (value_len)
		*value_len = len;
	return 1;
}

int store_read_n(const kvp_store *s, const char *key, size_t key_len,
		 char **value, size_t *value_len)
{
	struct pool_txn t;
	int r;

	if (!value)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"read: value is NULL");
	*value = NULL;
	r = store_check_key(s, key, key_len);
	if (r < 0)
		return r;
	r = pool_txn_begin(&t, s, POOL_READ, POOL_TXN_LOAD);
	if (r != 0)
		return r < 0 ? r : 0; /* a missing pool holds no key */
	for (size_t i = t.count; i-- > 0;) {
		if (rec_key_is(pool_txn_record(&t, i), key, key_len)) {
			r = copy_value(s, pool_txn_record(&t, i), value,
				       value_len);
			break;
		}
	}
	pool_txn_end(&t);
	return r;
}

/* Every record, in file order. */
static int list_all(const struct pool_txn *t, kvp_record_list *out)
{
	return rec_list_build(out, t->store->path, t->count, t->data);
}

/* One entry per key, at its first slot, with its last record's value. */
static int list_unique(const struct pool_txn *t, kvp_record_list *out)
{
	const char *path = t->store->path;
	size_t *first, *last, unique = 0;
	struct keyset ks;
	int r;

	first = malloc((t->count + 1) * sizeof(*first));
	last = malloc((t->count + 1) * sizeof(*last));
	if (!first || !last || keyset_init(&ks, t->count) < 0) {
		free(first);
		free(last);
		return err_fail_nomem(path);
	}
	for (size_t i = 0; i < t->count; i++) {
		const unsigned char *rec = pool_txn_record(t, i);
		bool added;
		struct keyset_entry *e =
		    keyset_add(&ks, rec, rec_key_len(rec), unique, &added);
		if (added) {
			first[unique] = i;
			last[unique] = i;
			unique++;
		} else {
			last[e->payload] = i;
		}
	}
	r = rec_list_build_indexed(out, path, unique, t->data, first, last);
	keyset_free(&ks);
	free(first);
	free(last);
	return r;
}

/* The loaded pool as a list made by `build`, with its torn tail's size;
 * a missing pool gives an empty list. */
static int read_list(const kvp_store *s, kvp_record_list *out, const char *op,
		     int (*build)(const struct pool_txn *, kvp_record_list *))
{
	struct pool_txn t;
	int r;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"%s: out is NULL", op);
	memset(out, 0, sizeof(*out));
	r = pool_txn_begin(&t, s, POOL_READ, POOL_TXN_LOAD);
	if (r != 0)
		return r < 0 ? r : 0;
	r = build(&t, out);
	out->torn_bytes = t.torn_bytes;
	pool_txn_end(&t);
	return r;
}

int kvp_store_dump(const kvp_store *s, kvp_record_list *out)
{
	return read_list(s, out, "dump", list_all);
}

int kvp_store_entries(const kvp_store *s, kvp_record_list *out)
{
	return read_list(s, out, "entries", list_unique);
}

int kvp_store_len(const kvp_store *s, size_t *out)
{
	struct pool_txn t;
	int r;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"len: out is NULL");
	*out = 0;
	/* Under the shared lock: hv_kvp_daemon rewrites a pool by truncating
	 * it first, so an unlocked stat could count a file mid-rewrite. */
	r = pool_txn_begin(&t, s, POOL_READ, 0);
	if (r != 0)
		return r < 0 ? r : 0;
	*out = t.disk_count;
	pool_txn_end(&t);
	return 0;
}

int kvp_store_is_empty(const kvp_store *s)
{
	size_t n;
	int r = kvp_store_len(s, &n);

	return r < 0 ? r : n == 0;
}
