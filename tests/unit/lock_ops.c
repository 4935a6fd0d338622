/* lock_ops.c - see lock_ops.h. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock_ops.h"
#include "peers.h"
#include "test_util.h"

void lock_fixture_setup(struct lock_fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->dir = tu_mkdtemp();
	f->store = tu_store(f->dir, KVP_MODE_SAFE);
	f->path = strdup(kvp_store_path(f->store));
	f->json = tu_path(f->dir, "out.json");
	cr_assert_not_null(f->path);
	pr_make_value(f->value0, "K|0|0", "new");
	lock_fixture_seed(f);
}

void lock_fixture_teardown(struct lock_fixture *f)
{
	kvp_store_free(f->store);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f->json);
	memset(f, 0, sizeof(*f));
}

void lock_fixture_seed(struct lock_fixture *f)
{
	unsigned char recs[3 * KVP_RECORD_SIZE];
	char key[32], value[PR_VALUE_MAX + 1];

	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "K|0|%d", i);
		pr_make_value(value, key, "seed");
		pr_encode(recs + i * KVP_RECORD_SIZE, key, value);
	}
	tu_write_file(f->path, recs, sizeof(recs));
}

const char *lock_op_name(enum lock_op op)
{
	switch (op) {
	case OP_READ: return "read";
	case OP_DUMP: return "dump";
	case OP_ENTRIES: return "entries";
	case OP_DUMP_JSON: return "dump_json";
	case OP_INSERT: return "insert";
	case OP_INSERT_NEW: return "insert (new key)";
	case OP_APPEND: return "append";
	case OP_APPEND_MULTIPLE: return "append_multiple";
	case OP_DELETE: return "delete";
	case OP_DELETE_MULTIPLE: return "delete_multiple";
	case OP_CLEAR: return "clear";
	case OP_CLEAR_IF_STALE: return "clear_if_stale";
	case OP_LOAD: return "load";
	default: return "?";
	}
}

/* A pair whose value is pr_make_value(key, note); `value` is its buffer. */
static kvp_pair pair(const char *key, const char *note, char *value)
{
	size_t len = pr_make_value(value, key, note);

	return (kvp_pair){key, strlen(key), value, len};
}

int lock_op_run(struct lock_fixture *f, enum lock_op op)
{
	static const char *const two[] = {"K|0|1", "K|0|2"};
	char v1[PR_VALUE_MAX + 1], v2[PR_VALUE_MAX + 1];
	kvp_pair pairs[2];
	kvp_record_list l;
	char *value = NULL;
	size_t n;
	int r;

	switch (op) {
	case OP_READ:
		r = kvp_store_read(f->store, "K|0|0", &value, NULL);
		free(value);
		return r;
	case OP_DUMP:
	case OP_ENTRIES:
		r = op == OP_DUMP ? kvp_store_dump(f->store, &l)
				  : kvp_store_entries(f->store, &l);
		kvp_record_list_free(&l);
		return r;
	case OP_DUMP_JSON: return kvp_store_dump_json(f->store, f->json);
	case OP_INSERT: return kvp_store_insert(f->store, "K|0|0", f->value0);
	case OP_INSERT_NEW:
		pairs[0] = pair("K|9|0", "new", v1);
		return kvp_store_insert(f->store, pairs[0].key, v1);
	case OP_APPEND:
		pairs[0] = pair("K|2|0", "app", v1);
		return kvp_store_append(f->store, pairs[0].key, v1);
	case OP_APPEND_MULTIPLE:
		pairs[0] = pair("K|3|0", "app", v1);
		pairs[1] = pair("K|3|1", "app", v2);
		return kvp_store_append_multiple(f->store, pairs, 2);
	case OP_DELETE: return kvp_store_delete(f->store, "K|0|1");
	case OP_DELETE_MULTIPLE:
		return kvp_store_delete_multiple(f->store, two, 2, &n);
	case OP_CLEAR: return kvp_store_clear(f->store);
	case OP_CLEAR_IF_STALE: return kvp_store_clear_if_stale(f->store);
	case OP_LOAD:
		pairs[0] = pair("K|0|0", "load", v1);
		return kvp_store_load(f->store, pairs, 1);
	default: cr_assert_fail("unknown operation %d", (int)op);
	}
	return -1;
}

void lock_expect_timeout(struct lock_fixture *f, enum lock_op op,
			 unsigned int timeout_ms, unsigned int margin_ms,
			 const char *why)
{
	const char *name = lock_op_name(op);
	size_t before_len, after_len;
	unsigned char *before = tu_read_file(f->path, &before_len), *after;
	const kvp_error *e;
	char want[32];
	double t0, ms;
	int r;

	kvp_store_set_lock_timeout(f->store, timeout_ms);
	kvp_error_clear();
	t0 = peers_now_ms();
	r = lock_op_run(f, op);
	ms = peers_now_ms() - t0;
	cr_assert_eq(r, KVP_ERR_LOCK_TIMEOUT, "%s: %s returned %d (%s)", why,
		     name, r, kvp_error_last()->message);
	cr_assert_geq(ms, (double)timeout_ms,
		      "%s: %s gave up after %.1f ms, before its %u ms", why,
		      name, ms, timeout_ms);
	cr_assert_lt(ms, (double)(timeout_ms + margin_ms),
		     "%s: %s returned after %.1f ms, timeout %u ms", why, name,
		     ms, timeout_ms);
	e = kvp_error_last();
	cr_assert_eq(e->code, KVP_ERR_LOCK_TIMEOUT);
	cr_assert_str_eq(e->path, f->path);
	snprintf(want, sizeof(want), " %u ms", timeout_ms);
	cr_assert(strstr(e->message, f->path) && strstr(e->message, want),
		  "%s: message lacks the path or \"%s\": %s", name, want,
		  e->message);
	after = tu_read_file(f->path, &after_len);
	cr_assert(before_len == after_len &&
		      memcmp(before, after, before_len) == 0,
		  "%s: %s changed the pool file without its lock", why, name);
	free(before);
	free(after);
	if (op == OP_DUMP_JSON)
		cr_assert_neq(access(f->json, F_OK), 0,
			      "dump_json wrote its file without the lock");
	cr_log_info("%s: %s timed out after %.1f ms (timeout %u ms)", why, name,
		    ms, timeout_ms);
}

void lock_expect_ok(struct lock_fixture *f, enum lock_op op,
		    unsigned int timeout_ms, const char *why)
{
	int r;

	kvp_store_set_lock_timeout(f->store, timeout_ms);
	r = lock_op_run(f, op);
	cr_assert_geq(r, 0, "%s: %s failed: %s", why, lock_op_name(op),
		      kvp_error_last()->message);
}
