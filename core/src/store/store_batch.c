/* store_batch.c - the merged reference store's batch writes: many records
 * under one lock, everything validated before the file is touched. */
#include <stdlib.h>
#include <string.h>

#include "util/keyset.h"
#include "pool/pool_file.h"
#include "pool/record.h"
#include "store/store_edit.h"

static int validate_pairs(const kvp_store *s, const kvp_pair *pairs,
			  size_t count)
{
	int r;

	if (!pairs && count)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"pairs is NULL");
	for (size_t i = 0; i < count; i++) {
		if ((r = store_validate_key(s, pairs[i].key,
					    pairs[i].key_len)) < 0 ||
		    (r = store_validate_value(s, pairs[i].value,
					      pairs[i].value_len)) < 0)
			return r;
	}
	return 0;
}

int kvp_store_append_multiple(const kvp_store *s, const kvp_pair *pairs,
			      size_t count)
{
	struct pool_file pf;
	int r = validate_pairs(s, pairs, count);

	if (r < 0 || count == 0)
		return r;
	r = store_open_for_edit(s, &pf, POOL_WRITE_CREATE, false);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < count; i++)
		r = pool_file_push(&pf, pairs[i].key, pairs[i].key_len,
				   pairs[i].value, pairs[i].value_len);
	if (r == 0)
		r = pool_file_commit(&pf);
	pool_file_close(&pf);
	return r;
}

int kvp_store_delete_multiple(const kvp_store *s, const char *const *keys,
			      size_t count, size_t *removed)
{
	struct pool_file pf;
	struct keyset ks;
	size_t gone = 0;
	bool added;
	int r;

	if (removed)
		*removed = 0;
	if (!keys && count)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"keys is NULL");
	if (count == 0)
		return 0;
	if (keyset_init(&ks, count) < 0)
		return err_fail_nomem(s->path);
	for (size_t i = 0; i < count; i++) {
		if (!keys[i]) {
			keyset_free(&ks);
			return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
					"keys[%zu] is NULL", i);
		}
		keyset_add(&ks, keys[i], strlen(keys[i]), 0, &added);
	}

	r = store_open_for_edit(s, &pf, POOL_WRITE, true);
	if (r != 0) {
		keyset_free(&ks);
		return r < 0 ? r : 0;
	}
	/* Opening removed the empty-key records: they count if "" is listed. */
	if (keyset_contains(&ks, "", 0))
		gone = pf.tombstones;
	for (size_t i = 0; i < pf.count;) {
		const unsigned char *rec = pool_record(&pf, i);
		if (keyset_contains(&ks, rec, rec_key_len(rec))) {
			pool_file_remove(&pf, i);
			gone++;
		} else {
			i++;
		}
	}
	r = gone || pf.tombstones ? pool_file_commit(&pf) : 0;
	pool_file_close(&pf);
	keyset_free(&ks);
	if (r == 0 && removed)
		*removed = gone;
	return r;
}

int kvp_store_load(const kvp_store *s, const kvp_pair *pairs, size_t count)
{
	struct pool_file pf;
	struct keyset ks;
	bool added;
	int r = validate_pairs(s, pairs, count);

	if (r < 0)
		return r;
	if (keyset_init(&ks, count) < 0)
		return err_fail_nomem(s->path);
	for (size_t i = 0; i < count; i++)
		keyset_add(&ks, pairs[i].key, pairs[i].key_len, 0, &added);
	if (ks.count > KVP_MAX_UNIQUE_KEYS) {
		size_t unique = ks.count;
		keyset_free(&ks);
		return err_fail(KVP_ERR_MAX_UNIQUE_KEYS, s->path,
				KVP_MAX_UNIQUE_KEYS, unique,
				"load holds %zu unique keys, more than the "
				"maximum of %d",
				unique, KVP_MAX_UNIQUE_KEYS);
	}
	keyset_free(&ks);

	r = store_open_for_edit(s, &pf, POOL_WRITE_CREATE, false);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < count; i++)
		r = pool_file_push(&pf, pairs[i].key, pairs[i].key_len,
				   pairs[i].value, pairs[i].value_len);
	if (r == 0)
		r = pool_file_replace(&pf);
	pool_file_close(&pf);
	return r;
}
