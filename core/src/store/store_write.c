/* store_write.c - insert, append, delete, clear: the reference store's
 * write semantics (same bytes for the same operations), under both locks.
 *
 * The edits are worked out in memory on one read of the file and written
 * back as few writes as possible; pool_file.c says why a crash part-way
 * never loses a record.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "util/keyset.h"
#include "pool/pool_file.h"
#include "pool/record.h"
#include "store/store_edit.h"
#include "store/store_internal.h"

int store_open_for_edit(const kvp_store *s, struct pool_file *pf,
			enum pool_access access, bool load)
{
	int r = pool_file_open(s, access, pf);

	if (r != 0)
		return r;
	r = pool_file_repair(pf);
	if (r == 0 && load) {
		r = pool_file_load(pf);
		/* What an interrupted commit left goes first (pool_file.c). */
		if (r == 0)
			pf->tombstones = pool_file_drop_tombstones(pf);
	}
	if (r < 0)
		pool_file_close(pf);
	return r;
}

static size_t count_unique_keys(const struct pool_file *pf, int *err)
{
	struct keyset ks;
	size_t n;
	bool added;

	*err = 0;
	if (keyset_init(&ks, pf->count) < 0) {
		*err = err_fail_nomem(pf->store->path);
		return 0;
	}
	for (size_t i = 0; i < pf->count; i++) {
		const unsigned char *rec = pool_record(pf, i);
		keyset_add(&ks, rec, rec_key_len(rec), 0, &added);
	}
	n = ks.count;
	keyset_free(&ks);
	return n;
}

int kvp_store_insert(const kvp_store *s, const char *key, const char *value)
{
	return store_insert_n(s, key, key ? strlen(key) : 0, value,
			      value ? strlen(value) : 0);
}

int store_insert_edit(struct pool_file *pf, const char *key, size_t key_len,
		      const char *value, size_t value_len)
{
	const char *path = pf->store->path;
	bool found = false;
	size_t unique = 0;
	int r = 0;

	for (size_t i = 0; i < pf->count;) {
		if (!rec_key_is(pool_record(pf, i), key, key_len)) {
			i++;
		} else if (!found) {
			pool_file_set_value(pf, i, value, value_len);
			found = true;
			i++;
		} else {
			/* The last record moves here: look at slot i again. */
			pool_file_remove(pf, i);
		}
	}
	if (found)
		return 0;

	/* Fewer records than the cap cannot hold the cap's keys. */
	if (pf->count >= KVP_MAX_UNIQUE_KEYS)
		unique = count_unique_keys(pf, &r);
	if (r < 0)
		return r;
	if (unique >= KVP_MAX_UNIQUE_KEYS)
		return err_fail(KVP_ERR_MAX_UNIQUE_KEYS, path,
				KVP_MAX_UNIQUE_KEYS, unique,
				"pool already holds %zu unique keys, the "
				"maximum of %d; a new key cannot be inserted",
				unique, KVP_MAX_UNIQUE_KEYS);
	return pool_file_push(pf, key, key_len, value, value_len);
}

int store_insert_n(const kvp_store *s, const char *key, size_t key_len,
		   const char *value, size_t value_len)
{
	struct pool_file pf;
	int r;

	if ((r = store_validate_key(s, key, key_len)) < 0 ||
	    (r = store_validate_value(s, value, value_len)) < 0)
		return r;
	r = store_open_for_edit(s, &pf, POOL_WRITE_CREATE, true);
	if (r < 0)
		return r;
	r = store_insert_edit(&pf, key, key_len, value, value_len);
	if (r == 0)
		r = pool_file_commit(&pf);
	pool_file_close(&pf);
	return r;
}

int kvp_store_append(const kvp_store *s, const char *key, const char *value)
{
	kvp_pair pair = {key, key ? strlen(key) : 0, value,
			 value ? strlen(value) : 0};

	return kvp_store_append_multiple(s, &pair, 1);
}

int kvp_store_delete(const kvp_store *s, const char *key)
{
	return store_delete_n(s, key, key ? strlen(key) : 0);
}

int store_delete_n(const kvp_store *s, const char *key, size_t key_len)
{
	struct pool_file pf;
	bool found = false;
	int r;

	if (!key && key_len)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"delete: key is NULL");
	r = store_open_for_edit(s, &pf, POOL_WRITE, true);
	if (r != 0)
		return r < 0 ? r : 0; /* missing file: nothing to delete */

	/* delete("") matches empty-key records, which opening removed. */
	found = key_len == 0 && pf.tombstones;
	for (size_t i = 0; i < pf.count;) {
		if (rec_key_is(pool_record(&pf, i), key, key_len)) {
			pool_file_remove(&pf, i);
			found = true;
		} else {
			i++;
		}
	}
	r = found || pf.tombstones ? pool_file_commit(&pf) : 0;
	pool_file_close(&pf);
	return r < 0 ? r : found;
}

int kvp_store_clear(const kvp_store *s)
{
	struct pool_file pf;
	int r = pool_file_open(s, POOL_WRITE, &pf);

	if (r != 0)
		return r < 0 ? r : 0;
	r = pool_file_truncate(&pf, 0);
	pool_file_close(&pf);
	return r;
}

int store_clear_if_stale_locked(struct pool_file *pf, long long boot_time)
{
	int r;

	/* Decided on the mtime seen under the lock: a writer may have
	 * touched the file since anyone else looked. */
	if (pf->mtime > boot_time)
		return 0;
	r = pool_file_truncate(pf, 0);
	return r < 0 ? r : 1;
}

int kvp_store_clear_if_stale(const kvp_store *s)
{
	struct pool_file pf;
	long long boot;
	int r = store_boot_time(&boot);

	if (r < 0)
		return r;
	r = pool_file_open(s, POOL_WRITE, &pf);
	if (r != 0)
		return r < 0 ? r : 0;
	r = store_clear_if_stale_locked(&pf, boot);
	pool_file_close(&pf);
	return r;
}
