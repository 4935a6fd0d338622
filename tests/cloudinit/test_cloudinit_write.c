/* test_cloudinit_write.c - cloud-init's own reader (the handler's
 * _iterate_kvps, flock LOCK_EX, one 2560-byte record at a time, UTF-8
 * decode, NULs stripped) reads every record libkvpcore and kvpctl write,
 * exactly: multi-byte UTF-8, fields filled to the last byte (no NUL in
 * the field), a value overwritten in place by a shorter one, duplicates
 * swap-removed, batches, and cloud-init's own records moved by our
 * deletes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudinit_util.h"
#include "test_util.h"

static char *dir, *pool;
static kvp_store *safe, *unsafe;

static void setup(void)
{
	dir = tu_mkdtemp();
	pool = tu_path(dir, ".kvp_pool_1");
	safe = tu_store(dir, KVP_MODE_SAFE);
	unsafe = tu_store(dir, KVP_MODE_UNSAFE);
}

static void teardown(void)
{
	kvp_store_free(safe);
	kvp_store_free(unsafe);
	tu_rmtree(dir);
	free(dir);
	free(pool);
}

/* n bytes of UTF-8: copies of `unit` (1..4 bytes), then ASCII 'x'. */
static char *utf8_fill(const char *unit, size_t n)
{
	size_t u = strlen(unit), i = 0;
	char *s = malloc(n + 1);

	cr_assert_not_null(s);
	for (; i + u <= n; i += u)
		memcpy(s + i, unit, u);
	memset(s + i, 'x', n - i);
	s[n] = '\0';
	return s;
}

static void want(struct ci_recs *w, const char *key, const char *value)
{
	ci_recs_add(w, key, strlen(key), value, strlen(value));
}

/* cloud-init's reader returns `expect` (as a multiset) and the very
 * records kvp_store_dump() returns, in the same order. */
static void assert_cloudinit_reads(const struct ci_recs *expect)
{
	struct ci_recs ours, theirs;
	size_t missing, extra;

	ci_recs_dump(safe, &ours);
	ci_recs_cloudinit(pool, &theirs);
	ci_assert_same(&ours, &theirs, "cloud-init's reader vs our dump");
	ci_diff(expect, &theirs, &missing, &extra);
	cr_assert(missing == 0 && extra == 0,
		  "cloud-init read %zu records: %zu expected ones missing, "
		  "%zu unexpected",
		  theirs.n, missing, extra);
	ci_recs_free(&ours);
	ci_recs_free(&theirs);
}

#define OK(call)                                                               \
	cr_assert_geq((call), 0, "%s: %s", #call, kvp_error_last()->message)

Test(cloudinit_write, reads_libkvpcore_records, .init = setup, .fini = teardown)
{
	char *long_key = utf8_fill("é", KVP_KEY_FIELD_SIZE);	 /* 256 x é */
	char *long_value = utf8_fill("€", KVP_VALUE_FIELD_SIZE); /* + "xx" */
	char *safe_key = utf8_fill("🙂", KVP_SAFE_MAX_KEY_SIZE);
	char *safe_value = utf8_fill("名", KVP_SAFE_MAX_VALUE_SIZE);
	char *big = tu_repeat('b', 1000);
	kvp_pair batch[] = {{"chunk|0", 7, "first", 5},
			    {"chunk|1", 7, "second", 6},
			    {"chunk|2", 7, "third", 5}};
	struct ci_recs w = {0};

	OK(kvp_store_insert(safe, "plain", "value"));
	OK(kvp_store_insert(safe, "utf8|ключ|名前|🙂",
			    "значение ü € 🙂"));
	OK(kvp_store_insert(safe, "escapes", " \t\"quoted\"\\n\n\x01 "));
	OK(kvp_store_insert(safe, safe_key, safe_value));
	OK(kvp_store_insert(unsafe, long_key, long_value));
	OK(kvp_store_append(safe, "dup", "one"));
	OK(kvp_store_append(safe, "dup", "two"));
	OK(kvp_store_append_multiple(safe, batch, 3));
	/* In place, shorter: the rest of the old value must be zeroed. */
	OK(kvp_store_insert(safe, "shrink", big));
	OK(kvp_store_insert(safe, "shrink", "short"));
	/* First "dup" rewritten, the second swap-removed. */
	OK(kvp_store_insert(safe, "dup", "three"));
	cr_assert_eq(kvp_store_delete(safe, "plain"), 1);

	want(&w, "utf8|ключ|名前|🙂", "значение ü € 🙂");
	want(&w, "escapes", " \t\"quoted\"\\n\n\x01 ");
	want(&w, safe_key, safe_value);
	want(&w, long_key, long_value);
	want(&w, "dup", "three");
	want(&w, "chunk|0", "first");
	want(&w, "chunk|1", "second");
	want(&w, "chunk|2", "third");
	want(&w, "shrink", "short");
	assert_cloudinit_reads(&w);

	ci_recs_free(&w);
	free(long_key);
	free(long_value);
	free(safe_key);
	free(safe_value);
	free(big);
}

static void kvpctl(int status, const char *const *args)
{
	const char *argv[16] = {getenv("KVPCTL"), "--dir", dir};
	struct cp_result r;
	size_t n = 3;

	cr_assert_not_null(argv[0], "KVPCTL is not set (run via make)");
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cp_run(argv, CI_TIMEOUT_MS, &r);
	cr_assert_eq(r.status, status, "kvpctl %s: exit %d; stderr: %s",
		     argv[3], r.status, r.err);
	cp_result_free(&r);
}
#define KVPCTL(status, ...)                                                    \
	kvpctl((status), (const char *const[]){__VA_ARGS__, NULL})

Test(cloudinit_write, reads_kvpctl_records, .init = setup, .fini = teardown)
{
	char *long_key = utf8_fill("ü", KVP_KEY_FIELD_SIZE);
	char *long_value = utf8_fill("𝄞", KVP_VALUE_FIELD_SIZE);
	char *big = tu_repeat('b', 1000);
	struct ci_recs w = {0};

	KVPCTL(0, "set", "plain", "value");
	KVPCTL(0, "set", "utf8|ключ", "значение 🙂");
	KVPCTL(0, "--mode", "unsafe", "set", long_key, long_value);
	KVPCTL(0, "append", "dup", "one");
	KVPCTL(0, "append", "dup", "two");
	KVPCTL(0, "set", "shrink", big);
	KVPCTL(0, "set", "shrink", "short");
	KVPCTL(0, "set", "dup", "three");
	KVPCTL(0, "append", "gone", "soon");
	KVPCTL(0, "delete", "plain");
	KVPCTL(0, "delete", "gone");
	KVPCTL(1, "delete", "never");

	want(&w, "utf8|ключ", "значение 🙂");
	want(&w, long_key, long_value);
	want(&w, "dup", "three");
	want(&w, "shrink", "short");
	assert_cloudinit_reads(&w);

	ci_recs_free(&w);
	free(long_key);
	free(long_value);
	free(big);
}

/* Our deletes move cloud-init's last record into the hole: every one of
 * its records still reads back, whole, through its own reader. */
Test(cloudinit_write, deletes_move_cloudinit_records_whole, .init = setup,
     .fini = teardown)
{
	struct ci_recs wrote, w = {0};
	char key[32];
	json_t *doc;

	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "ours|%d", i);
		OK(kvp_store_append(safe, key, "v"));
	}
	doc = CI_RUN("publish", pool, "--events", "30", "--seed", "3",
		     "--no-truncate");
	ci_recs_published(doc, &wrote);
	json_decref(doc);
	for (int i = 0; i < 20; i += 2) {
		snprintf(key, sizeof(key), "ours|%d", i);
		if (i % 4)
			KVPCTL(0, "delete", key);
		else
			cr_assert_eq(kvp_store_delete(safe, key), 1);
	}
	for (size_t i = 0; i < wrote.n; i++)
		ci_recs_add(&w, wrote.v[i].key, wrote.v[i].key_len,
			    wrote.v[i].value, wrote.v[i].value_len);
	for (int i = 1; i < 20; i += 2) {
		snprintf(key, sizeof(key), "ours|%d", i);
		want(&w, key, "v");
	}
	assert_cloudinit_reads(&w);
	ci_recs_free(&wrote);
	ci_recs_free(&w);
}
