/* store_json.c - pool records as JSON, through jansson. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/internal.h"

/* A JSON string of arbitrary bytes: invalid UTF-8 replaced first, since
 * jansson only takes valid UTF-8. */
static json_t *bytes_to_json(const char *s, size_t len)
{
	size_t n;
	char *clean = utf8_lossy(s, len, &n);
	json_t *j;

	if (!clean)
		return NULL;
	j = json_stringn_nocheck(clean, n);
	free(clean);
	return j;
}

/* {"key":..,"value":..}; the _new setters take over key and value even
 * when they fail, so nothing leaks on any path. */
static json_t *record_object(json_t *key, json_t *value)
{
	json_t *obj = json_object();

	if (!obj || !key || !value) {
		json_decref(obj);
		json_decref(key);
		json_decref(value);
		return NULL;
	}
	if (json_object_set_new_nocheck(obj, "key", key) < 0 ||
	    json_object_set_new_nocheck(obj, "value", value) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static int add_record(json_t *root, const kvp_record *r, int flags)
{
	json_t *value = bytes_to_json(r->value, r->value_len);
	size_t klen;
	char *key;
	int failed;

	if (!(flags & KVP_JSON_OBJECT))
		return json_array_append_new(
		    root,
		    record_object(bytes_to_json(r->key, r->key_len), value));
	key = utf8_lossy(r->key, r->key_len, &klen);
	if (!key || !value) {
		free(key);
		json_decref(value);
		return -1;
	}
	failed = json_object_setn_new_nocheck(root, key, klen, value);
	free(key);
	return failed;
}

static json_t *list_to_json(const kvp_record_list *list, int flags)
{
	json_t *root = flags & KVP_JSON_OBJECT ? json_object() : json_array();

	for (size_t i = 0; root && i < list->count; i++) {
		if (add_record(root, &list->records[i], flags) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

char *kvp_record_list_json(const kvp_record_list *list, int flags)
{
	json_t *root = list_to_json(list, flags);
	size_t dump_flags = JSON_PRESERVE_ORDER;
	char *text;

	if (!root)
		return NULL;
	dump_flags |= flags & KVP_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT;
	text = json_dumps(root, dump_flags);
	json_decref(root);
	return text;
}

/* Write `text` to `path` atomically: a temporary file beside it, then
 * rename, so a reader never sees half a dump. */
static int write_file_atomic(const char *path, const char *text)
{
	size_t len = strlen(text);
	char *tmp = NULL;
	int fd, r = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return err_fail_nomem(path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = err_fail_errno(errno, path, "cannot create temporary file");
		free(tmp);
		return r;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_fail_errno(errno, path, "write");
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) == -1 && r == 0)
		r = err_fail_errno(errno, path, "close");
	if (r == 0 && rename(tmp, path) == -1)
		r = err_fail_errno(errno, path, "rename");
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

int kvp_store_dump_json(const kvp_store *s, const char *path)
{
	kvp_record_list list;
	char *text;
	int r;

	if (!path || !*path)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"dump_json: output path is empty");
	r = kvp_store_entries(s, &list);
	if (r < 0)
		return r;
	text = kvp_record_list_json(&list, KVP_JSON_OBJECT);
	kvp_record_list_free(&list);
	if (!text)
		return err_fail_nomem(path);
	r = write_file_atomic(path, text);
	free(text);
	return r;
}
