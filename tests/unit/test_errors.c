/* test_errors.c - the error detail: kvp_error_name() for every code, the
 * one-line message of each kind of failure (naming the file, the limit
 * and the actual size where there are some), kvp_error_clear(), and the
 * detail being per thread and kept across successful calls. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h" /* store_*_n */
#include "test_util.h"

static struct tu_pool p;

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
}

static void teardown(void)
{
	tu_pool_teardown(&p);
}

struct name_case {
	int code;
	char name[32];
};

ParameterizedTestParameters(errors, names)
{
	static struct name_case cases[] = {
	    {KVP_OK, "Ok"},
	    {KVP_ERR_EMPTY_KEY, "EmptyKey"},
	    {KVP_ERR_KEY_CONTAINS_NULL, "KeyContainsNull"},
	    {KVP_ERR_KEY_TOO_LARGE, "KeyTooLarge"},
	    {KVP_ERR_VALUE_TOO_LARGE, "ValueTooLarge"},
	    {KVP_ERR_VALUE_CONTAINS_NULL, "ValueContainsNull"},
	    {KVP_ERR_MAX_UNIQUE_KEYS, "MaxUniqueKeysExceeded"},
	    {KVP_ERR_IO, "Io"},
	    {KVP_ERR_INVALID_UTF8, "InvalidUtf8"},
	    {KVP_ERR_LOCK_TIMEOUT, "LockTimeout"},
	    {KVP_ERR_CORRUPT, "Corrupt"},
	    {KVP_ERR_INVALID_ARG, "InvalidArgument"},
	    {KVP_ERR_NOMEM, "OutOfMemory"},
	    {KVP_ERR_CONFIG, "Config"},
	    {1, "Unknown"},
	    {-14, "Unknown"},
	    {-1000, "Unknown"},
	};
	return cr_make_param_array(struct name_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct name_case *c, errors, names)
{
	cr_assert_str_eq(kvp_error_name(c->code), c->name);
}

Test(errors, codes_are_distinct_negatives)
{
	const int codes[] = {
	    KVP_ERR_EMPTY_KEY,
	    KVP_ERR_KEY_CONTAINS_NULL,
	    KVP_ERR_KEY_TOO_LARGE,
	    KVP_ERR_VALUE_TOO_LARGE,
	    KVP_ERR_VALUE_CONTAINS_NULL,
	    KVP_ERR_MAX_UNIQUE_KEYS,
	    KVP_ERR_IO,
	    KVP_ERR_INVALID_UTF8,
	    KVP_ERR_LOCK_TIMEOUT,
	    KVP_ERR_CORRUPT,
	    KVP_ERR_INVALID_ARG,
	    KVP_ERR_NOMEM,
	    KVP_ERR_CONFIG,
	};
	const size_t n = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(codes[i], 0);
		cr_assert_str_neq(kvp_error_name(codes[i]), "Unknown");
		for (size_t j = i + 1; j < n; j++)
			cr_assert_neq(codes[i], codes[j]);
	}
}

/* The failing call's message: one line, starting with the pool's path,
 * holding every one of `needles`. */
static void expect_message(int r, int code, const char *const *needles)
{
	const kvp_error *e = kvp_error_last();

	cr_assert_eq(r, code, "got %s, expected %s", kvp_error_name(r),
		     kvp_error_name(code));
	cr_assert_eq(e->code, code);
	cr_assert_null(strchr(e->message, '\n'), "%s", e->message);
	cr_assert_eq(strncmp(e->message, p.path, strlen(p.path)), 0, "%s",
		     e->message);
	cr_assert_str_eq(e->path, p.path);
	for (size_t i = 0; needles[i]; i++)
		cr_assert_neq(strstr(e->message, needles[i]), NULL,
			      "'%s' not in '%s'", needles[i], e->message);
}

#define NEEDLES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One record through the batch call, the way to pass explicit lengths. */
static int append_pair(const kvp_store *s, const char *k, size_t kl,
		       const char *v, size_t vl)
{
	const kvp_pair pair = {k, kl, v, vl};

	return kvp_store_append_multiple(s, &pair, 1);
}

Test(errors, validation_messages, .init = setup, .fini = teardown)
{
	char *key = tu_repeat('k', 300);
	char *value = tu_repeat('v', 1500);

	expect_message(kvp_store_insert(p.store, "", "v"), KVP_ERR_EMPTY_KEY,
		       NEEDLES("empty"));
	cr_assert_eq(kvp_error_last()->sys_errno, 0);
	expect_message(store_insert_n(p.store, "a\0", 2, "v", 1),
		       KVP_ERR_KEY_CONTAINS_NULL, NEEDLES("key", "NUL"));
	expect_message(kvp_store_insert(p.store, key, "v"),
		       KVP_ERR_KEY_TOO_LARGE,
		       NEEDLES("key", "300", "254", "safe"));
	cr_assert_eq(kvp_error_last()->max, 254);
	cr_assert_eq(kvp_error_last()->actual, 300);
	expect_message(kvp_store_append(p.store, "k", value),
		       KVP_ERR_VALUE_TOO_LARGE,
		       NEEDLES("value", "1500", "1022", "safe"));
	cr_assert_eq(kvp_error_last()->max, 1022);
	cr_assert_eq(kvp_error_last()->actual, 1500);
	expect_message(append_pair(p.store, "k", 1, "a\0", 2),
		       KVP_ERR_VALUE_CONTAINS_NULL, NEEDLES("value", "NUL"));
	expect_message(append_pair(p.store, "k", 1, "ab\xFF", 3),
		       KVP_ERR_INVALID_UTF8, NEEDLES("value", "UTF-8", "2"));
	expect_message(append_pair(p.store, "\xC3", 1, "v", 1),
		       KVP_ERR_INVALID_UTF8, NEEDLES("key", "UTF-8"));
	free(key);
	free(value);
}

Test(errors, unique_key_cap_message, .init = setup, .fini = teardown)
{
	unsigned char *buf = calloc(1024, KVP_RECORD_SIZE);
	char key[16];

	for (int i = 0; i < 1024; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		tu_record(buf + (size_t)i * KVP_RECORD_SIZE, key, "v");
	}
	tu_write_file(p.path, buf, 1024 * KVP_RECORD_SIZE);
	free(buf);
	expect_message(kvp_store_insert(p.store, "new", "v"),
		       KVP_ERR_MAX_UNIQUE_KEYS, NEEDLES("1024", "unique"));
	cr_assert_eq(kvp_error_last()->max, 1024);
}

Test(errors, io_message_names_errno, .init = setup, .fini = teardown)
{
	char *target = tu_path(p.dir, "target");

	tu_write_file(target, "x", 1);
	cr_assert_eq(symlink(target, p.path), 0);
	expect_message(kvp_store_insert(p.store, "k", "v"), KVP_ERR_IO,
		       NEEDLES("symbolic link", strerror(ELOOP)));
	cr_assert_eq(kvp_error_last()->sys_errno, ELOOP);
	free(target);
}

Test(errors, corrupt_message, .init = setup, .fini = teardown)
{
	char *got = NULL;

	cr_assert_eq(mkdir(p.path, 0755), 0);
	expect_message(kvp_store_read(p.store, "k", &got, NULL),
		       KVP_ERR_CORRUPT, NEEDLES("not a regular file"));
}

Test(errors, lock_timeout_message, .init = setup, .fini = teardown,
     .timeout = 10)
{
	int fd;

	tu_plant(p.path, (const char *const[]){"k", "v", NULL});
	fd = open(p.path, O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	kvp_store_set_lock_timeout(p.store, 50);
	expect_message(kvp_store_insert(p.store, "k", "w"),
		       KVP_ERR_LOCK_TIMEOUT, NEEDLES("lock", "50 ms"));
	close(fd);
	tu_assert_records(p.path, (const char *const[]){"k", "v", NULL});
}

Test(errors, invalid_argument_message)
{
	kvp_store *s;

	cr_assert_eq(kvp_store_new(&s, (kvp_pool)7, "/x", KVP_MODE_SAFE),
		     KVP_ERR_INVALID_ARG);
	cr_assert_neq(strstr(kvp_error_last()->message, "7"), NULL);
	cr_assert_str_eq(kvp_error_last()->path, "");
	cr_assert_eq(kvp_error_last()->sys_errno, 0);
}

Test(errors, clear_resets_everything, .init = setup, .fini = teardown)
{
	const kvp_error *e;
	char *key = tu_repeat('k', 300);

	cr_assert_eq(kvp_store_insert(p.store, key, "v"),
		     KVP_ERR_KEY_TOO_LARGE);
	kvp_error_clear();
	e = kvp_error_last();
	cr_assert_eq(e->code, KVP_OK);
	cr_assert_eq(e->sys_errno, 0);
	cr_assert_eq(e->max, 0);
	cr_assert_eq(e->actual, 0);
	cr_assert_eq(e->line, 0);
	cr_assert_str_eq(e->path, "");
	cr_assert_str_eq(e->message, "");
	free(key);
}

Test(errors, success_keeps_last_failure, .init = setup, .fini = teardown)
{
	cr_assert_eq(kvp_store_insert(p.store, "", "v"), KVP_ERR_EMPTY_KEY);
	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	cr_assert_eq(kvp_error_last()->code, KVP_ERR_EMPTY_KEY);
	/* The next failure replaces it entirely. */
	cr_assert_eq(store_insert_n(p.store, "k", 1, "\0", 1),
		     KVP_ERR_VALUE_CONTAINS_NULL);
	cr_assert_eq(kvp_error_last()->code, KVP_ERR_VALUE_CONTAINS_NULL);
}

struct thread_view {
	struct tu_pool *pool;
	int clean;	     /* no error at the start */
	const char *message; /* where its message lives */
	const char *main_message;
};

static void *fail_in_thread(void *arg)
{
	struct thread_view *v = arg;
	const kvp_error *e = kvp_error_last();

	/* A new thread starts with no error, whatever the others did, and
	 * its strings are "" rather than NULL before anything failed. */
	v->clean = e->code == KVP_OK && e->path && e->message &&
		   e->path[0] == '\0' && e->message[0] == '\0';
	kvp_store_append(v->pool->store, "", "v");
	v->message = kvp_error_last()->message;
	v->clean = v->clean && strstr(v->message, "empty") &&
		   strcmp(v->main_message, v->message) != 0;
	return NULL;
}

Test(errors, detail_is_per_thread, .init = setup, .fini = teardown)
{
	struct thread_view v = {.pool = &p};
	pthread_t t;
	char *key = tu_repeat('k', 300);

	cr_assert_eq(kvp_store_insert(p.store, key, "v"),
		     KVP_ERR_KEY_TOO_LARGE);
	v.main_message = kvp_error_last()->message;
	cr_assert_eq(pthread_create(&t, NULL, fail_in_thread, &v), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert(v.clean, "the threads' details were mixed");
	cr_assert_neq(v.message, v.main_message, "one buffer for two threads");
	cr_assert_eq(kvp_error_last()->code, KVP_ERR_KEY_TOO_LARGE);
	cr_assert_eq(kvp_error_last()->actual, 300);
	free(key);
}
