/* test_pool_commit.c - pool_txn_commit()'s writes, counted and read byte
 * for byte: a run of neighbouring refilled slots (POOL_SLOT_MOVED) is
 * written with three pwrites in all (the run with every key[0] and
 * value[0] NUL, then every value[0], then every key[0]); a lone slot with
 * three when it crosses a page, one when it does not. The crash suite
 * (tests/crash) proves these writes safe when cut; this one proves how
 * many there are, and that the transaction's records are left intact.
 *
 * The count: this binary links libkvpcore's objects statically
 * (LIB_INTERNAL), so the pwrite() defined here is the one the library
 * calls. It passes every call through to the system call and logs those
 * on the watched descriptor (the transaction's), with a copy of the bytes;
 * it can also fail the n-th of them with EIO.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pool/pool_txn.h"
#include "test_util.h"

#define RS	KVP_RECORD_SIZE
#define VAL0	KVP_KEY_FIELD_SIZE
#define MAX_LOG 64

struct wlog {
	off_t off;
	size_t len;
	unsigned char *bytes;
};

static int watch_fd = -1;
static size_t n_log, fail_at; /* fail_at: 1-based; 0: never */
static struct wlog wlog[MAX_LOG];

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (fd == watch_fd && n_log < MAX_LOG) {
		struct wlog *w = &wlog[n_log++];
		w->off = off;
		w->len = len;
		w->bytes = malloc(len ? len : 1);
		if (w->bytes)
			memcpy(w->bytes, buf, len);
		if (n_log == fail_at) {
			errno = EIO;
			return -1;
		}
	}
	return syscall(SYS_pwrite64, fd, buf, len, off);
}

static struct tu_pool p;
static size_t page;

static void setup(void)
{
	long n = sysconf(_SC_PAGESIZE);

	page = n > 0 ? (size_t)n : 4096;
	tu_pool_setup(&p, KVP_MODE_SAFE);
	watch_fd = -1;
	n_log = fail_at = 0;
}

static void teardown(void)
{
	for (size_t i = 0; i < n_log && i < MAX_LOG; i++)
		free(wlog[i].bytes);
	tu_pool_teardown(&p);
}

static bool crosses(size_t slot)
{
	return slot * RS / page != (slot * RS + RS - 1) / page;
}

/* A pool of `n` records "R|<i>" = "value <i>", begun as a loaded writer;
 * its records into *recs (malloc'd). */
static void begin(struct pool_txn *t, size_t n, unsigned char **recs)
{
	unsigned char *buf = calloc(n, RS);
	char key[32], value[32];

	cr_assert_not_null(buf);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "R|%zu", i);
		snprintf(value, sizeof(value), "value %zu", i);
		tu_record(buf + i * RS, key, value);
	}
	tu_write_file(p.path, buf, n * RS);
	cr_assert_eq(pool_txn_begin(t, p.store, POOL_WRITE, POOL_TXN_LOAD), 0,
		     "%s", kvp_error_last()->message);
	cr_assert_eq(t->count, n);
	watch_fd = t->fd;
	*recs = buf;
}

/* Swap-remove slots `slots` (ascending) as pool_txn_remove does, in
 * memory (`model`) and in the transaction. */
static size_t remove_slots(struct pool_txn *t, unsigned char *model,
			   size_t count, const size_t *slots, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = slots[k];
		cr_assert_lt(i, count);
		if (i != count - 1)
			memcpy(model + i * RS, model + (count - 1) * RS, RS);
		count--;
		pool_txn_remove(t, i);
	}
	cr_assert_eq(t->count, count);
	return count;
}

/* Write `w` covers [from, from + len) of the file and its bytes are the
 * model's, except byte 0 (key[0]) and byte VAL0 (value[0]) of each slot
 * it touches, which must be NUL when `key0_nul` / `val0_nul`. */
static void assert_write(const struct wlog *w, const unsigned char *model,
			 size_t from, size_t len, bool key0_nul, bool val0_nul,
			 const char *what)
{
	cr_assert_eq((size_t)w->off, from, "%s: at %lld, not %zu", what,
		     (long long)w->off, from);
	cr_assert_eq(w->len, len, "%s: %zu bytes, not %zu", what, w->len, len);
	cr_assert_not_null(w->bytes);
	for (size_t b = 0; b < len; b++) {
		size_t at = from + b, in = at % RS;
		unsigned char want = model[at];
		if ((in == 0 && key0_nul) || (in == VAL0 && val0_nul))
			want = '\0';
		cr_assert_eq(w->bytes[b], want,
			     "%s: file byte %zu (slot %zu, byte %zu) is %#x, "
			     "not %#x",
			     what, at, at / RS, in, w->bytes[b], want);
	}
}

static void assert_file(const unsigned char *model, size_t count)
{
	tu_assert_file_is(p.path, model, count * RS);
}

/* Eight neighbouring holes, slots 4..11 (several of them crossing a page):
 * three writes, as the file's top comment says, and nothing else. */
Test(pool_commit, run_of_holes_three_writes, .init = setup, .fini = teardown)
{
	static const size_t slots[] = {4, 5, 6, 7, 8, 9, 10, 11};
	struct pool_txn t;
	unsigned char *model;
	size_t count, from = 4 * RS, n = 8;

	begin(&t, 40, &model);
	count = remove_slots(&t, model, 40, slots, n);
	cr_assert_eq(pool_txn_commit(&t), 0, "%s", kvp_error_last()->message);
	cr_assert_eq(n_log, 3, "%zu pwrites for one run of %zu holes", n_log,
		     n);
	assert_write(&wlog[0], model, from, n * RS, true, true,
		     "1: the whole run");
	assert_write(&wlog[1], model, from + VAL0, (n - 1) * RS + 1, true,
		     false, "2: the value[0] bytes");
	assert_write(&wlog[2], model, from, (n - 1) * RS + 1, false, false,
		     "3: the key[0] bytes");
	/* The transaction's records are whole again (key[0], value[0]). */
	cr_assert(memcmp(t.data, model, count * RS) == 0);
	for (size_t i = 0; i < count; i++)
		cr_assert_eq(t.dirty[i], POOL_SLOT_CLEAN);
	pool_txn_end(&t);
	assert_file(model, count);
	free(model);
}

/* Runs split by clean slots are written apart; a lone hole takes three
 * writes when it crosses a page, one when it does not. */
Test(pool_commit, runs_and_lone_holes, .init = setup, .fini = teardown)
{
	static const size_t slots[] = {2, 3, 6, 8, 13, 14, 15};
	struct pool_txn t;
	unsigned char *model;
	size_t count, want = 0, w = 0;

	cr_assert(crosses(6) != crosses(8) || page != 4096,
		  "slot 6 crosses a 4 KiB page, slot 8 does not");
	begin(&t, 30, &model);
	count = remove_slots(&t, model, 30, slots, 7);
	want = 3 /* 2..3 */ + (crosses(6) ? 3 : 1) + (crosses(8) ? 3 : 1) +
	       3 /* 13..15 */;
	cr_assert_eq(pool_txn_commit(&t), 0, "%s", kvp_error_last()->message);
	cr_assert_eq(n_log, want, "%zu pwrites, not %zu", n_log, want);
	assert_write(&wlog[w++], model, 2 * RS, 2 * RS, true, true, "2..3 #1");
	assert_write(&wlog[w++], model, 2 * RS + VAL0, RS + 1, true, false,
		     "2..3 #2");
	assert_write(&wlog[w++], model, 2 * RS, RS + 1, false, false,
		     "2..3 #3");
	for (size_t s = 6; s <= 8; s += 2) {
		if (!crosses(s)) {
			assert_write(&wlog[w++], model, s * RS, RS, false,
				     false, "lone hole within a page");
			continue;
		}
		assert_write(&wlog[w++], model, s * RS, RS, true, true,
			     "lone crossing hole #1");
		assert_write(&wlog[w++], model, s * RS + VAL0, 1, false, false,
			     "lone crossing hole #2");
		assert_write(&wlog[w++], model, s * RS, 1, false, false,
			     "lone crossing hole #3");
	}
	assert_write(&wlog[w++], model, 13 * RS, 3 * RS, true, true,
		     "13..15 #1");
	cr_assert(memcmp(t.data, model, count * RS) == 0);
	pool_txn_end(&t);
	assert_file(model, count);
	free(model);
}

/* A failed write inside a run: the error names the file, and the
 * transaction's records get their key[0] and value[0] back. */
Test(pool_commit, failed_write_restores_records, .init = setup,
     .fini = teardown)
{
	static const size_t slots[] = {1, 2, 3, 4};
	struct pool_txn t;
	unsigned char *model;
	size_t count;

	for (size_t at = 1; at <= 3; at++) {
		for (size_t i = 0; i < n_log; i++)
			free(wlog[i].bytes);
		n_log = 0;
		fail_at = at;
		begin(&t, 12, &model);
		count = remove_slots(&t, model, 12, slots, 4);
		cr_assert_eq(pool_txn_commit(&t), KVP_ERR_IO);
		cr_assert_eq(n_log, at);
		cr_assert_eq(kvp_error_last()->sys_errno, EIO);
		cr_assert(strstr(kvp_error_last()->message, p.path),
			  "message: %s", kvp_error_last()->message);
		cr_assert(memcmp(t.data, model, count * RS) == 0,
			  "records changed after a failed write %zu", at);
		pool_txn_end(&t);
		free(model);
	}
}
