/* store.c - the store handle, its accessors and the read operations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/keyset.h"
#include "pool/pool_file.h"
#include "pool/record.h"
#include "pool/record_list.h"
#include "store/store_internal.h"

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

/* lstat the pool file: 0, 1 when missing, <0 on error or a non-file. */
static int stat_pool(const kvp_store *s, struct stat *st)
{
	if (lstat(s->path, st) == -1) {
		if (errno == ENOENT)
			return 1;
		return err_fail_errno(errno, s->path, "stat");
	}
	if (!S_ISREG(st->st_mode))
		return err_fail(KVP_ERR_CORRUPT, s->path, 0, 0,
				"not a regular file");
	return 0;
}

/* Open for reading and load. 0 loaded, 1 missing file (pf closed). */
static int load_for_read(const kvp_store *s, struct pool_file *pf)
{
	int r = pool_file_open(s, POOL_READ, pf);

	if (r != 0)
		return r;
	r = pool_file_load(pf);
	if (r < 0)
		pool_file_close(pf);
	return r;
}

int kvp_store_read(const kvp_store *s, const char *key, char **value,
		   size_t *value_len)
{
	return store_read_n(s, key, key ? strlen(key) : 0, value, value_len);
}

int store_read_n(const kvp_store *s, const char *key, size_t key_len,
		 char **value, size_t *value_len)
{
	struct pool_file pf;
	const unsigned char *found = NULL;
	size_t len;
	int r;

	if (!value)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"read: value is NULL");
	*value = NULL;
	if (!key || key_len == 0)
		return err_fail(KVP_ERR_EMPTY_KEY, s->path, 0, 0,
				"key is empty");
	if (memchr(key, '\0', key_len))
		return err_fail(KVP_ERR_KEY_CONTAINS_NULL, s->path, 0, key_len,
				"key contains a NUL byte");

	r = load_for_read(s, &pf);
	if (r < 0)
		return r;
	if (r == 1)
		return 0;
	for (size_t i = pf.count; i-- > 0;) {
		if (rec_key_is(pool_record(&pf, i), key, key_len)) {
			found = pool_record(&pf, i);
			break;
		}
	}
	if (!found) {
		pool_file_close(&pf);
		return 0;
	}
	len = rec_value_len(found);
	*value = malloc(len + 1);
	if (!*value) {
		pool_file_close(&pf);
		return err_fail_nomem(s->path);
	}
	memcpy(*value, rec_value(found), len);
	(*value)[len] = '\0';
	if (value_len)
		*value_len = len;
	pool_file_close(&pf);
	return 1;
}

int kvp_store_dump(const kvp_store *s, kvp_record_list *out)
{
	struct pool_file pf;
	int r;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"dump: out is NULL");
	memset(out, 0, sizeof(*out));
	r = load_for_read(s, &pf);
	if (r < 0)
		return r;
	if (r == 1)
		return 0;
	r = record_list_build(out, s->path, pf.count, pf.data);
	out->torn_bytes = pf.torn_bytes;
	pool_file_close(&pf);
	return r;
}

int kvp_store_entries(const kvp_store *s, kvp_record_list *out)
{
	struct pool_file pf;
	struct keyset ks;
	size_t *first = NULL, *last = NULL, unique = 0;
	int r;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"entries: out is NULL");
	memset(out, 0, sizeof(*out));
	r = load_for_read(s, &pf);
	if (r < 0)
		return r;
	if (r == 1)
		return 0;

	first = malloc((pf.count + 1) * sizeof(*first));
	last = malloc((pf.count + 1) * sizeof(*last));
	if (!first || !last || keyset_init(&ks, pf.count) < 0) {
		free(first);
		free(last);
		pool_file_close(&pf);
		return err_fail_nomem(s->path);
	}
	for (size_t i = 0; i < pf.count; i++) {
		const unsigned char *rec = pool_record(&pf, i);
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
	r = record_list_build_indexed(out, s->path, unique, pf.data, first,
				      last);
	out->torn_bytes = pf.torn_bytes;
	keyset_free(&ks);
	free(first);
	free(last);
	pool_file_close(&pf);
	return r;
}

int kvp_store_len(const kvp_store *s, size_t *out)
{
	struct pool_file pf;
	int r;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"len: out is NULL");
	*out = 0;
	/* Under the shared lock: hv_kvp_daemon rewrites a pool by truncating
	 * it first, so an unlocked stat could count a file mid-rewrite. */
	r = pool_file_open(s, POOL_READ, &pf);
	if (r != 0)
		return r < 0 ? r : 0;
	*out = pf.disk_count;
	pool_file_close(&pf);
	return 0;
}

int kvp_store_is_empty(const kvp_store *s)
{
	size_t n;
	int r = kvp_store_len(s, &n);

	return r < 0 ? r : n == 0;
}

int store_boot_time(long long *out)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	bool found = false;

	if (!f)
		return err_fail_errno(errno, "/proc/stat", "open");
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "btime %lld", out) == 1;
	fclose(f);
	if (!found)
		return err_fail(KVP_ERR_CORRUPT, "/proc/stat", 0, 0,
				"no btime line");
	return 0;
}

int store_is_stale_at(const kvp_store *s, long long boot_time)
{
	struct stat st;
	int r = stat_pool(s, &st);

	if (r != 0)
		return r < 0 ? r : 0;
	return (long long)st.st_mtim.tv_sec <= boot_time;
}

int kvp_store_is_stale(const kvp_store *s)
{
	long long boot;
	int r = store_boot_time(&boot);

	return r < 0 ? r : store_is_stale_at(s, boot);
}
