/* pool_edit.c - a transaction's edits, made in memory on the loaded
 * records and marked per slot for pool_txn_commit(): swap-remove (one
 * slot, or every match of a predicate), replace a value, queue an append.
 */
#include <stdlib.h>
#include <string.h>

#include "pool/pool_txn.h"
#include "pool/record.h"

void pool_txn_remove(struct pool_txn *t, size_t i)
{
	size_t last = t->count - 1;

	if (i != last) {
		memcpy(pool_txn_record(t, i), pool_txn_record(t, last),
		       KVP_RECORD_SIZE);
		t->dirty[i] = POOL_SLOT_MOVED;
	}
	t->count = last;
}

size_t pool_txn_remove_if(struct pool_txn *t, size_t from,
			  pool_txn_match *match, void *ctx)
{
	size_t removed = 0;

	for (size_t i = from; i < t->count;) {
		if (match(pool_txn_record(t, i), ctx)) {
			pool_txn_remove(t, i); /* look at slot i again */
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

struct key_ref {
	const char *key;
	size_t len;
};

static bool has_key(const unsigned char *rec, void *ctx)
{
	const struct key_ref *k = ctx;

	return rec_key_is(rec, k->key, k->len);
}

size_t pool_txn_remove_key(struct pool_txn *t, size_t from, const char *key,
			   size_t len)
{
	struct key_ref k = {key, len};

	return pool_txn_remove_if(t, from, has_key, &k);
}

size_t pool_txn_find_key(const struct pool_txn *t, size_t from, const char *key,
			 size_t len)
{
	size_t i = from;

	while (i < t->count && !rec_key_is(pool_txn_record(t, i), key, len))
		i++;
	return i;
}

void pool_txn_set_value(struct pool_txn *t, size_t i, const char *value,
			size_t len)
{
	unsigned char *field = pool_txn_record(t, i) + KVP_KEY_FIELD_SIZE;

	memset(field, 0, KVP_VALUE_FIELD_SIZE);
	if (len)
		memcpy(field, value, len);
	if (t->dirty[i] == POOL_SLOT_CLEAN)
		t->dirty[i] = POOL_SLOT_VALUE;
}

int pool_txn_push(struct pool_txn *t, const char *key, size_t key_len,
		  const char *value, size_t value_len)
{
	if (t->tail_count == t->tail_cap) {
		size_t cap = t->tail_cap ? t->tail_cap * 2 : 1;
		unsigned char *tail = realloc(t->tail, cap * KVP_RECORD_SIZE);
		if (!tail)
			return err_fail_nomem(t->store->path);
		t->tail = tail;
		t->tail_cap = cap;
	}
	rec_encode(t->tail + t->tail_count * KVP_RECORD_SIZE, key, key_len,
		   value, value_len);
	t->tail_count++;
	return 0;
}
