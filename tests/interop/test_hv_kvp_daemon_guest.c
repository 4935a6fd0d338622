/* test_hv_kvp_daemon_guest.c - records libkvpcore writes into the guest pool
 * (.kvp_pool_1) as the real hv_kvp_daemon hands them to the host:
 * ENUMERATE returns every record, in file order, byte for byte, within the
 * driver's UTF-16 limits; GET finds each key (its first record); the daemon
 * re-reads the file on every request, skips a torn tail and copies
 * full-width fields unchanged. Also the daemon's own start and end: the
 * registration handshake, the pool files it creates, its exit on hang-up.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hv_daemon.h"
#include "test_util.h"

TestSuite(interop_guest, .fini = hv_stop_all);

/* n copies of the UTF-8 sequence `u`, then `tail`; malloc'd. */
static char *repeat_utf8(const char *u, size_t n, const char *tail)
{
	size_t ul = strlen(u), tl = strlen(tail);
	char *s = malloc(n * ul + tl + 1);

	cr_assert_not_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, u, ul);
	memcpy(s + n * ul, tail, tl + 1);
	return s;
}

static void ok(int r)
{
	cr_assert_eq(r, 0, "%s", kvp_error_last()->message);
}

/* The driver's limits on what it can pass on: key <= 254 and value <= 1022
 * UTF-16 units, valid UTF-8, and the padding after each string is zero. */
static void assert_host_can_take(struct hv_daemon *d, int pool, size_t count)
{
	static struct hv_reply r;

	for (size_t i = 0; i < count; i++) {
		long ku, vu;

		cr_assert_eq(hv_enumerate(d, pool, (uint32_t)i, &r), HVW_S_OK);
		ku = hv_utf16_units(r.key, r.key_len);
		vu = hv_utf16_units(r.value, r.value_len);
		cr_assert(ku > 0 && ku <= 254, "record %zu key: %ld units", i,
			  ku);
		cr_assert(vu >= 0 && vu <= 1022, "record %zu value: %ld units",
			  i, vu);
		for (size_t b = r.key_len; b < sizeof(r.raw_key); b++)
			cr_assert_eq(r.raw_key[b], 0, "record %zu key pad", i);
		for (size_t b = r.value_len; b < sizeof(r.raw_value); b++)
			cr_assert_eq(r.raw_value[b], 0, "record %zu value pad",
				     i);
	}
}

/* GET (asking for the whole value) of every key returns the value of its
 * first record in the list. */
static void assert_get_finds_first(struct hv_daemon *d,
				   const kvp_record_list *view)
{
	static struct hv_reply r;

	for (size_t i = 0; i < view->count; i++) {
		const kvp_record *rec = &view->records[i];
		bool first = true;

		for (size_t k = 0; k < i && first; k++)
			first = strcmp(view->records[k].key, rec->key) != 0;
		if (!first)
			continue;
		cr_assert_eq(
		    hv_get(d, KVP_POOL_GUEST, rec->key, HVW_VALUE_SIZE, &r),
		    HVW_S_OK, "GET %.60s", rec->key);
		cr_assert_eq(r.value_len, rec->value_len, "GET %.60s",
			     rec->key);
		cr_assert_str_eq(r.value, rec->value, "GET %.60s", rec->key);
	}
}

Test(interop_guest, every_write_kind_enumerated_exactly)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_GUEST, KVP_MODE_SAFE);
	char *max_key = tu_repeat('k', KVP_SAFE_MAX_KEY_SIZE);
	char *max_value = tu_repeat('v', KVP_SAFE_MAX_VALUE_SIZE);
	/* 127 x U+00E9 = 254 bytes; 340 x U+20AC + U+00E9 = 1022 bytes. */
	char *mb_key = repeat_utf8("\xc3\xa9", 127, "");
	char *mb_value = repeat_utf8("\xe2\x82\xac", 340, "\xc3\xa9");
	/* 4-byte sequences (UTF-16 surrogate pairs): 255 x U+1D11E + "ab". */
	char *astral = repeat_utf8("\xf0\x9d\x84\x9e", 255, "ab");
	const char *cjk =
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e|\xf0\x9f\x98\x80";
	const kvp_pair batch[] = {
	    {"batch|0", 7, "b0", 2},
	    {"batch|1", 7, "b1", 2},
	    {"batch|2", 7, "", 0},
	};
	kvp_record_list daemon_view, dump;

	ok(kvp_store_insert(s, "alpha", "1"));
	ok(kvp_store_insert(s, "beta", "2"));
	ok(kvp_store_insert(s, "alpha", "1b")); /* in place */
	ok(kvp_store_append(s, "gamma", "3"));
	ok(kvp_store_append(s, "gamma", "3b")); /* a duplicate key */
	ok(kvp_store_append_multiple(s, batch, 3));
	ok(kvp_store_insert(s, "doomed", "x"));
	ok(kvp_store_insert(s, max_key, max_value));
	ok(kvp_store_insert(s, mb_key, mb_value));
	ok(kvp_store_append(s, cjk, astral));
	cr_assert_eq(kvp_store_delete(s, "doomed"), 1); /* last moves in */

	{
		const char *const want[] = {
		    "alpha",   "1b",	"beta",	   "2",	      "gamma",
		    "3",       "gamma", "3b",	   "batch|0", "b0",
		    "batch|1", "b1",	"batch|2", "",	      cjk,
		    astral,    max_key, max_value, mb_key,    mb_value,
		    NULL};

		hv_enumerate_all(d, KVP_POOL_GUEST, &daemon_view);
		ok(kvp_store_dump(s, &dump));
		hv_assert_records_are(&daemon_view, want, "daemon enumerate");
		hv_assert_same_records(&daemon_view, &dump,
				       "daemon enumerate vs kvp_store_dump");
	}
	assert_host_can_take(d, KVP_POOL_GUEST, daemon_view.count);
	assert_get_finds_first(d, &daemon_view);

	kvp_record_list_free(&daemon_view);
	kvp_record_list_free(&dump);
	kvp_store_free(s);
	free(max_key);
	free(max_value);
	free(mb_key);
	free(mb_value);
	free(astral);
}

/* GET: the daemon answers from the FIRST record with the key and copies
 * only the value_size bytes the request names, which the driver leaves 0:
 * through a real driver the host gets found / not found and an empty
 * value. libkvpcore's read returns the LAST record's value. */
Test(interop_guest, get_by_key)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_GUEST, KVP_MODE_SAFE);
	char *max_value = tu_repeat('m', KVP_SAFE_MAX_VALUE_SIZE);
	const char *mb = "cl\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80";
	static struct hv_reply r;
	char *v = NULL;

	ok(kvp_store_insert(s, "one", "uno"));
	ok(kvp_store_insert(s, mb, max_value));
	ok(kvp_store_append(s, "dup", "first"));
	ok(kvp_store_append(s, "dup", "second"));

	cr_assert_eq(hv_get(d, KVP_POOL_GUEST, "one", 0, &r), HVW_S_OK);
	cr_assert_eq(r.value_len, 0, "driver-shaped GET got \"%s\"", r.value);

	cr_assert_eq(hv_get(d, KVP_POOL_GUEST, "one", 2048, &r), HVW_S_OK);
	cr_assert_str_eq(r.value, "uno");
	cr_assert_eq(hv_get(d, KVP_POOL_GUEST, mb, 2048, &r), HVW_S_OK);
	cr_assert_str_eq(r.value, max_value);
	cr_assert_eq(kvp_store_read(s, mb, &v, NULL), 1);
	cr_assert_str_eq(v, r.value);
	free(v);

	cr_assert_eq(hv_get(d, KVP_POOL_GUEST, "dup", 2048, &r), HVW_S_OK);
	cr_assert_str_eq(r.value, "first", "daemon GET takes the first match");
	cr_assert_eq(kvp_store_read(s, "dup", &v, NULL), 1);
	cr_assert_str_eq(v, "second", "libkvpcore read takes the last match");
	free(v);

	cr_assert_eq(hv_get(d, KVP_POOL_GUEST, "missing", 2048, &r),
		     HVW_S_CONT);
	cr_assert_eq(hv_get(d, KVP_POOL_GUEST, "on", 2048, &r), HVW_S_CONT,
		     "a prefix must not match (key_size counts the NUL)");
	kvp_store_free(s);
	free(max_value);
}

/* No caching: each request re-reads the file, so an update, a swap-remove
 * or a clear by libkvpcore shows in the very next reply. */
Test(interop_guest, changes_seen_by_next_request)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_GUEST, KVP_MODE_SAFE);
	kvp_record_list view;

	ok(kvp_store_insert(s, "a", "1"));
	ok(kvp_store_insert(s, "b", "2"));
	ok(kvp_store_insert(s, "c", "3"));
	hv_enumerate_all(d, KVP_POOL_GUEST, &view);
	hv_assert_records_are(
	    &view, (const char *const[]){"a", "1", "b", "2", "c", "3", NULL},
	    "before");
	kvp_record_list_free(&view);

	ok(kvp_store_insert(s, "b", "two"));
	cr_assert_eq(kvp_store_delete(s, "a"), 1);
	hv_enumerate_all(d, KVP_POOL_GUEST, &view);
	hv_assert_records_are(&view,
			      (const char *const[]){"c", "3", "b", "two", NULL},
			      "after update and swap-remove");
	kvp_record_list_free(&view);

	ok(kvp_store_clear(s));
	hv_enumerate_all(d, KVP_POOL_GUEST, &view);
	cr_assert_eq(view.count, 0);
	kvp_store_free(s);
}

/* Unsafe mode fills both fields to the wire maximum with no terminator;
 * the daemon copies the whole fields, so the host side sees all of them
 * (the driver then takes strlen() of the key, which runs into the value:
 * the reason Safe mode exists). */
Test(interop_guest, unsafe_full_width_fields_copied_whole)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_GUEST, KVP_MODE_UNSAFE);
	char *key = tu_repeat('K', KVP_KEY_FIELD_SIZE);
	char *value = tu_repeat('V', KVP_VALUE_FIELD_SIZE);
	static struct hv_reply r;

	ok(kvp_store_append(s, key, value));
	ok(kvp_store_append(s, "next", "intact"));
	cr_assert_eq(hv_enumerate(d, KVP_POOL_GUEST, 0, &r), HVW_S_OK);
	cr_assert_eq(memcmp(r.raw_key, key, KVP_KEY_FIELD_SIZE), 0);
	cr_assert_eq(memcmp(r.raw_value, value, KVP_VALUE_FIELD_SIZE), 0);
	cr_assert_eq(r.key_len, KVP_KEY_FIELD_SIZE);
	cr_assert_eq(r.value_len, KVP_VALUE_FIELD_SIZE);
	cr_assert_eq(hv_enumerate(d, KVP_POOL_GUEST, 1, &r), HVW_S_OK);
	cr_assert_str_eq(r.key, "next");
	cr_assert_str_eq(r.value, "intact");
	cr_assert_eq(hv_enumerate(d, KVP_POOL_GUEST, 2, &r), HVW_S_CONT);
	kvp_store_free(s);
	free(key);
	free(value);
}

/* A partial last record (a writer died mid-record) is invisible to the
 * daemon (it fread()s whole records) and reported, not returned, by
 * libkvpcore; libkvpcore's next write drops it. */
Test(interop_guest, torn_tail_skipped_by_both)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_GUEST, KVP_MODE_SAFE);
	char *path = hv_pool_path(d, KVP_POOL_GUEST);
	unsigned char rec[KVP_RECORD_SIZE];
	kvp_record_list view, dump;

	ok(kvp_store_append(s, "whole|0", "zero"));
	ok(kvp_store_append(s, "whole|1", "one"));
	tu_record(rec, "torn|2", "two");
	tu_append_file(path, rec, 1000);

	hv_enumerate_all(d, KVP_POOL_GUEST, &view);
	ok(kvp_store_dump(s, &dump));
	cr_assert_eq(dump.torn_bytes, 1000);
	hv_assert_same_records(&view, &dump, "with a torn tail");
	cr_assert_eq(view.count, 2);
	kvp_record_list_free(&view);
	kvp_record_list_free(&dump);

	ok(kvp_store_append(s, "whole|2", "two"));
	cr_assert_eq(tu_file_size(path), 3 * KVP_RECORD_SIZE);
	hv_enumerate_all(d, KVP_POOL_GUEST, &view);
	hv_assert_records_are(&view,
			      (const char *const[]){"whole|0", "zero",
						    "whole|1", "one", "whole|2",
						    "two", NULL},
			      "after the next append");
	kvp_record_list_free(&view);
	kvp_store_free(s);
	free(path);
}

/* At start the daemon creates all five pool files (O_CREAT, 0644 under
 * the service's umask 022) and keeps a descriptor of each open for its
 * locks. A pool readable by every local user shows the logins and lets
 * any user block every write with a lock on a read-only descriptor, so a
 * libkvpcore write makes the pool 0600; the daemon (root) goes on serving
 * it through its open descriptor, our record included. */
Test(interop_guest, daemon_creates_every_pool_world_readable_we_make_ours_0600)
{
	struct hv_daemon *d = hv_start(0);
	kvp_store *s = hv_store(d, KVP_POOL_GUEST, KVP_MODE_SAFE);
	static struct hv_reply r;
	struct stat st;

	for (int pool = 0; pool < KVP_POOL_COUNT; pool++) {
		char *path = hv_pool_path(d, (kvp_pool)pool);

		cr_assert_eq(stat(path, &st), 0, "%s was not created", path);
		cr_assert(S_ISREG(st.st_mode));
		cr_assert_eq(st.st_mode & 07777, 0644, "%s: mode %o", path,
			     st.st_mode & 07777);
		cr_assert_eq(st.st_size, 0);
		free(path);
	}
	ok(kvp_store_append(s, "PAM_KVP|auth|sshd", "{}"));
	cr_assert_eq(stat(kvp_store_path(s), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(hv_enumerate(d, KVP_POOL_GUEST, 0, &r), HVW_S_OK);
	cr_assert_str_eq(r.key, "PAM_KVP|auth|sshd");
	cr_assert_str_eq(r.value, "{}");
	kvp_store_free(s);
}

/* The handshake, and the end: when the device read fails (here: the host
 * hangs up) the daemon closes and reopens the device, its reset path
 * after hibernation; the shim refuses a second open, so it exits 1. */
Test(interop_guest, registers_then_exits_when_the_host_hangs_up)
{
	struct hv_daemon *d = hv_start(0);
	static struct hv_reply r;
	char *log;
	int status;

	cr_assert_eq(hv_enumerate(d, KVP_POOL_AUTO, 1, &r), HVW_S_OK);
	cr_assert_str_eq(r.key, "IntegrationServicesVersion");
	cr_assert_str_eq(r.value, d->lic_version);
	status = hv_stop(d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1,
		  "wait status 0x%x", status);
	log = hv_log(d);
	cr_assert_not_null(strstr(log, "KVP LIC Version: 3.1"), "%s", log);
	cr_assert_not_null(strstr(log, "read failed"), "%s", log);
	cr_assert_not_null(strstr(log, "open /dev/vmbus/hv_kvp failed; "
				       "error: 19"),
			   "%s", log);
	free(log);
}
