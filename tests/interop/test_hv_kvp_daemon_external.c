/* test_hv_kvp_daemon_external.c - what the host writes through the real
 * hv_kvp_daemon, as libkvpcore reads it: SETs and DELETEs on the External
 * pool (.kvp_pool_0), the same operations on every pool, and how the
 * daemon's own file handling (first-match semantics, stale bytes left by
 * its rewrites, a read-modify-write split over two lock sessions) meets
 * libkvpcore's.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "hv_daemon.h"
#include "test_util.h"

TestSuite(interop_external, .fini = hv_stop_all);

static void ok(int r)
{
	cr_assert_eq(r, 0, "%s", kvp_error_last()->message);
}

static void assert_reads(kvp_store *s, const char *key, const char *want)
{
	char *v = NULL;
	int r = kvp_store_read(s, key, &v, NULL);

	if (!want) {
		cr_assert_eq(r, 0, "\"%.60s\" should be gone", key);
		return;
	}
	cr_assert_eq(r, 1, "\"%.60s\" not found (%d: %s)", key, r,
		     kvp_error_last()->message);
	cr_assert_str_eq(v, want, "value of \"%.60s\"", key);
	free(v);
}

/* Records the daemon appends are padded with whatever its record buffer
 * held (malloc'd, never cleared): not asserted, as it depends on the heap,
 * only reported. libkvpcore stops at the NUL either way. */
static void log_padding(const struct hv_daemon *d)
{
	char *path = hv_pool_path(d, KVP_POOL_EXTERNAL);
	size_t len, dirty = 0, first = 0;
	unsigned char *raw = tu_read_file(path, &len);

	for (size_t r = 0; r + KVP_RECORD_SIZE <= len; r += KVP_RECORD_SIZE) {
		const unsigned char *k = raw + r, *v = k + KVP_KEY_FIELD_SIZE;
		size_t kl = strnlen((const char *)k, KVP_KEY_FIELD_SIZE);
		size_t vl = strnlen((const char *)v, KVP_VALUE_FIELD_SIZE);

		for (size_t i = kl; i < KVP_KEY_FIELD_SIZE; i++)
			if (k[i] && !dirty++)
				first = r + i;
		for (size_t i = vl; i < KVP_VALUE_FIELD_SIZE; i++)
			if (v[i] && !dirty++)
				first = r + KVP_KEY_FIELD_SIZE + i;
	}
	if (dirty)
		cr_log_info("daemon-written pool: %zu non-zero padding bytes "
			    "after the NULs, first at offset %zu",
			    dirty, first);
	free(raw);
	free(path);
}

Test(interop_external, host_set_read_back)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_EXTERNAL, KVP_MODE_SAFE);
	/* The driver's maximums: 511 + 2047 bytes of text plus the NUL. */
	char *max_key = tu_repeat('k', HVW_KEY_SIZE - 1);
	char *max_value = tu_repeat('v', HVW_VALUE_SIZE - 1);
	const char *mb_key = "host|\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80";
	const char *mb_value = "v\xc3\xa4lue \xe2\x9c\x93 \xf0\x9d\x84\x9e";
	kvp_record_list dump;

	cr_assert_eq(hv_set(d, 0, "host|a", "alpha"), HVW_S_OK);
	cr_assert_eq(hv_set(d, 0, mb_key, mb_value), HVW_S_OK);
	cr_assert_eq(hv_set(d, 0, max_key, max_value), HVW_S_OK);
	cr_assert_eq(hv_set(d, 0, "host|empty", ""), HVW_S_OK);

	assert_reads(s, "host|a", "alpha");
	assert_reads(s, mb_key, mb_value);
	assert_reads(s, max_key, max_value);
	assert_reads(s, "host|empty", "");
	ok(kvp_store_dump(s, &dump));
	hv_assert_records_are(
	    &dump,
	    (const char *const[]){"host|a", "alpha", mb_key, mb_value, max_key,
				  max_value, "host|empty", "", NULL},
	    "after SETs");
	kvp_record_list_free(&dump);

	/* A SET of a present key changes it in place. */
	cr_assert_eq(hv_set(d, 0, "host|a", "changed"), HVW_S_OK);
	ok(kvp_store_dump(s, &dump));
	cr_assert_eq(dump.count, 4);
	cr_assert_str_eq(dump.records[0].key, "host|a");
	cr_assert_str_eq(dump.records[0].value, "changed");
	kvp_record_list_free(&dump);
	assert_reads(s, "host|a", "changed");
	log_padding(d);
	kvp_store_free(s);
	free(max_key);
	free(max_value);
}

Test(interop_external, host_delete_seen)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_EXTERNAL, KVP_MODE_SAFE);
	kvp_record_list dump;

	cr_assert_eq(hv_set(d, 0, "a", "1"), HVW_S_OK);
	cr_assert_eq(hv_set(d, 0, "b", "2"), HVW_S_OK);
	ok(kvp_store_insert(s, "ours", "guest-written"));
	cr_assert_eq(hv_set(d, 0, "c", "3"), HVW_S_OK);

	cr_assert_eq(hv_delete(d, 0, "b"), HVW_S_OK);
	assert_reads(s, "b", NULL);
	cr_assert_eq(hv_delete(d, 0, "ours"), HVW_S_OK);
	assert_reads(s, "ours", NULL);
	/* The daemon closes the gap by shifting (order kept), unlike
	 * libkvpcore's swap-remove. */
	ok(kvp_store_dump(s, &dump));
	hv_assert_records_are(&dump,
			      (const char *const[]){"a", "1", "c", "3", NULL},
			      "after DELETEs");
	kvp_record_list_free(&dump);
	cr_assert_eq(hv_delete(d, 0, "b"), HVW_S_CONT, "a second DELETE");
	cr_assert_eq(hv_delete(d, 0, "c"), HVW_S_OK, "the last record");
	cr_assert_eq(hv_delete(d, 0, "a"), HVW_S_OK, "the only record");
	cr_assert_eq(kvp_store_is_empty(s), 1);
	kvp_store_free(s);
}

/* SET and DELETE act on the FIRST record with the key; libkvpcore's read
 * and entries() report the LAST. With a key appended twice by the guest,
 * the host's SET and DELETE are invisible to libkvpcore's read. */
Test(interop_external, duplicates_first_match_vs_last_match)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_EXTERNAL, KVP_MODE_SAFE);
	kvp_record_list dump;

	ok(kvp_store_append(s, "dup", "v1"));
	ok(kvp_store_append(s, "dup", "v2"));
	cr_assert_eq(hv_set(d, 0, "dup", "v3"), HVW_S_OK);
	ok(kvp_store_dump(s, &dump));
	hv_assert_records_are(
	    &dump, (const char *const[]){"dup", "v3", "dup", "v2", NULL},
	    "SET changed the first");
	kvp_record_list_free(&dump);
	assert_reads(s, "dup", "v2");

	cr_assert_eq(hv_delete(d, 0, "dup"), HVW_S_OK);
	assert_reads(s, "dup", "v2");
	cr_assert_eq(kvp_store_delete(s, "dup"), 1);
	cr_assert_eq(kvp_store_is_empty(s), 1);
	kvp_store_free(s);
}

/* The daemon never clears a field before it copies a shorter string into
 * it, so bytes of an older value, even of a deleted record, stay in the
 * file after the terminating NUL. libkvpcore stops at the NUL. */
Test(interop_external, daemon_leaves_stale_bytes_after_nul)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_EXTERNAL, KVP_MODE_SAFE);
	char *path = hv_pool_path(d, KVP_POOL_EXTERNAL);
	unsigned char *raw;
	size_t len;

	cr_assert_eq(hv_set(d, 0, "k", "a-rather-long-value"), HVW_S_OK);
	cr_assert_eq(hv_set(d, 0, "k", "s"), HVW_S_OK);
	cr_assert_eq(hv_set(d, 0, "x", "secret-of-x"), HVW_S_OK);
	cr_assert_eq(hv_set(d, 0, "y", "1"), HVW_S_OK);
	cr_assert_eq(hv_delete(d, 0, "x"), HVW_S_OK); /* y moves up */

	raw = tu_read_file(path, &len);
	cr_assert_eq(len, 2 * KVP_RECORD_SIZE);
	cr_assert_eq(
	    memcmp(raw + KVP_KEY_FIELD_SIZE, "s\0rather-long-value", 19), 0,
	    "stale bytes of the old value after the NUL");
	cr_assert_eq(memcmp(raw + KVP_RECORD_SIZE + KVP_KEY_FIELD_SIZE,
			    "1\0cret-of-x", 11),
		     0, "bytes of the deleted record under y's value");
	free(raw);
	assert_reads(s, "k", "s");
	assert_reads(s, "y", "1");
	assert_reads(s, "x", NULL);
	kvp_store_free(s);
	free(path);
}

/* The daemon serves GET, SET and DELETE on every pool's file; only
 * ENUMERATE of the Auto pool (2) is made up from the system instead. */
Test(interop_external, host_operations_on_every_pool)
{
	struct hv_daemon *d = hv_start(0);
	static struct hv_reply r;

	for (int pool = 0; pool < KVP_POOL_COUNT; pool++) {
		kvp_store *s = hv_store(d, (kvp_pool)pool, KVP_MODE_SAFE);
		kvp_record_list view;

		cr_assert_eq(hv_set(d, pool, "probe", "here"), HVW_S_OK,
			     "SET pool %d", pool);
		assert_reads(s, "probe", "here");
		cr_assert_eq(hv_get(d, pool, "probe", HVW_VALUE_SIZE, &r),
			     HVW_S_OK, "GET pool %d", pool);
		cr_assert_str_eq(r.value, "here");
		hv_enumerate_all(d, pool, &view);
		if (pool == KVP_POOL_AUTO) {
			cr_assert_eq(view.count, 10, "intrinsic items");
			cr_assert_str_eq(view.records[0].key,
					 "FullyQualifiedDomainName");
			cr_assert_str_eq(view.records[1].value, "3.1",
					 "IntegrationServicesVersion is the "
					 "driver's registration version");
		} else {
			hv_assert_records_are(
			    &view, (const char *const[]){"probe", "here", NULL},
			    "ENUMERATE");
		}
		kvp_record_list_free(&view);
		cr_assert_eq(hv_delete(d, pool, "probe"), HVW_S_OK);
		assert_reads(s, "probe", NULL);
		kvp_store_free(s);
	}
}

/* A SET is two lock sessions: read the file under F_SETLKW, then lock
 * again, truncate and write back what it read plus the change. Between
 * them the daemon holds no lock, so libkvpcore's locked writes go through
 * (no timeout) and are then overwritten: an append is lost, a delete
 * undone, an update reverted. The shim stops the daemon in that gap. */
Test(interop_external, daemon_rewrite_undoes_writes_made_between_its_locks)
{
	struct hv_daemon *d = hv_start(HV_WITH_PAUSE);
	kvp_store *s = hv_store(d, KVP_POOL_EXTERNAL, KVP_MODE_SAFE);
	static struct hvw_msg set;
	static struct hv_reply r;
	kvp_record_list dump;

	kvp_store_set_lock_timeout(s, 500);
	ok(kvp_store_insert(s, "victim|del", "x"));
	ok(kvp_store_insert(s, "victim|upd", "old"));

	hv_pause_arm(d);
	hv_msg_set(&set, 0, "host|k", "v");
	hv_send(d, &set);
	hv_pause_wait(d);
	ok(kvp_store_append(s, "victim|app", "new"));
	cr_assert_eq(kvp_store_delete(s, "victim|del"), 1);
	ok(kvp_store_insert(s, "victim|upd", "new"));
	assert_reads(s, "victim|app", "new");
	hv_pause_release(d);
	hv_receive(d, HVW_OP_SET, &r);
	cr_assert_eq(r.error, HVW_S_OK);

	ok(kvp_store_dump(s, &dump));
	hv_assert_records_are(&dump,
			      (const char *const[]){"victim|del", "x",
						    "victim|upd", "old",
						    "host|k", "v", NULL},
			      "after the daemon's rewrite");
	kvp_record_list_free(&dump);
	kvp_store_free(s);
}
