/* store.c - the store handle: which pool file, in which mode, with which
 * lock timeout; its constructor, destructor and accessors. The operations
 * are in store_read.c, store_write.c, store_batch.c and store_stale.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/internal.h"

int kvp_store_new(kvp_store **out, kvp_pool pool, const char *dir,
		  kvp_mode mode)
{
	const char *name = kvp_pool_file_name(pool);
	kvp_store *s;
	size_t dlen;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_store_new: out is NULL");
	*out = NULL;
	if (!name)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"unknown pool %d", (int)pool);
	if (!kvp_mode_name(mode))
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"unknown mode %d", (int)mode);
	if (!dir)
		dir = KVP_DEFAULT_DIR;
	if (!*dir)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"pool directory is empty");
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (dlen + 1 + strlen(name) >= ERR_PATH_MAX)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, ERR_PATH_MAX - 1,
				dlen + 1 + strlen(name),
				"pool directory path too long");

	s = calloc(1, sizeof(*s));
	if (!s)
		return err_fail_nomem(dir);
	s->pool = pool;
	s->mode = mode;
	s->lock_timeout_ms = KVP_DEFAULT_LOCK_TIMEOUT_MS;
	s->dir = strndup(dir, dlen);
	if (s->dir && asprintf(&s->path, "%s%s%s", s->dir,
			       strcmp(s->dir, "/") == 0 ? "" : "/", name) < 0)
		s->path = NULL;
	if (!s->dir || !s->path) {
		kvp_store_free(s);
		return err_fail_nomem(dir);
	}
	*out = s;
	return 0;
}

void kvp_store_free(kvp_store *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s->path);
	free(s);
}

kvp_pool kvp_store_pool(const kvp_store *s)
{
	return s->pool;
}

kvp_mode kvp_store_mode(const kvp_store *s)
{
	return s->mode;
}

const char *kvp_store_path(const kvp_store *s)
{
	return s->path;
}

size_t kvp_store_max_key_size(const kvp_store *s)
{
	return pool_max_key_size(s->mode);
}

size_t kvp_store_max_value_size(const kvp_store *s)
{
	return pool_max_value_size(s->mode);
}

void kvp_store_set_lock_timeout(kvp_store *s, unsigned int ms)
{
	s->lock_timeout_ms = ms;
}
