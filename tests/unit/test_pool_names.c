/* test_pool_names.c - pools and modes by name and number, file names, the
 * default directory, how a store derives its path from a directory, the
 * store's accessors, and the arguments kvp_store_new() refuses. Nothing
 * here writes a pool file (kvp_store_new() without a directory points at
 * /var/lib/hyperv, which must stay untouched). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "util/internal.h" /* pool_max_*_size, struct kvp_store */

static const char *const file_names[] = {
    ".kvp_pool_0", ".kvp_pool_1", ".kvp_pool_2", ".kvp_pool_3", ".kvp_pool_4"};
static const char *const names[] = {"external", "guest", "auto",
				    "auto_external", "auto_internal"};

Test(pool_names, file_names_of_all_five_pools)
{
	cr_assert_eq(KVP_POOL_COUNT, 5);
	for (int p = 0; p < KVP_POOL_COUNT; p++)
		cr_assert_str_eq(kvp_pool_file_name((kvp_pool)p),
				 file_names[p]);
	cr_assert_eq(KVP_POOL_EXTERNAL, 0);
	cr_assert_eq(KVP_POOL_GUEST, 1);
	cr_assert_eq(KVP_POOL_AUTO, 2);
	cr_assert_eq(KVP_POOL_AUTO_EXTERNAL, 3);
	cr_assert_eq(KVP_POOL_AUTO_INTERNAL, 4);
}

Test(pool_names, unknown_pool_has_no_names)
{
	cr_assert_null(kvp_pool_file_name((kvp_pool)5));
	cr_assert_null(kvp_pool_file_name((kvp_pool)-1));
	cr_assert_null(kvp_pool_name((kvp_pool)5));
	cr_assert_null(kvp_pool_name((kvp_pool)-1));
}

Test(pool_names, names_round_trip)
{
	for (int p = 0; p < KVP_POOL_COUNT; p++) {
		kvp_pool out = (kvp_pool)99;
		cr_assert_str_eq(kvp_pool_name((kvp_pool)p), names[p]);
		cr_assert_eq(kvp_pool_from_name(names[p], &out), 0);
		cr_assert_eq(out, (kvp_pool)p);
	}
}

Test(pool_names, numbers_name_pools)
{
	const char *digits[] = {"0", "1", "2", "3", "4"};

	for (int p = 0; p < KVP_POOL_COUNT; p++) {
		kvp_pool out = (kvp_pool)99;
		cr_assert_eq(kvp_pool_from_name(digits[p], &out), 0);
		cr_assert_eq(out, (kvp_pool)p);
	}
}

struct bad_name {
	char name[24];
};

ParameterizedTestParameters(pool_names, bad_names_rejected)
{
	static struct bad_name cases[] = {
	    {""},	{"5"},		{"-1"},		 {"01"},
	    {"10"},	{"Guest"},	{"GUEST"},	 {" guest"},
	    {"guest "}, {"gues"},	{"guests"},	 {"auto-external"},
	    {"1.0"},	{"kvp_pool_1"}, {".kvp_pool_1"},
	};
	return cr_make_param_array(struct bad_name, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_name *c, pool_names, bad_names_rejected)
{
	kvp_pool out = (kvp_pool)77;

	kvp_error_clear();
	cr_assert_eq(kvp_pool_from_name(c->name, &out), KVP_ERR_INVALID_ARG,
		     "'%s' was accepted", c->name);
	cr_assert_eq(out, (kvp_pool)77, "out written on failure");
	cr_assert_eq(kvp_error_last()->code, KVP_ERR_INVALID_ARG);
	cr_assert_neq(strstr(kvp_error_last()->message, "unknown pool"), NULL,
		      "%s", kvp_error_last()->message);
}

Test(pool_names, null_arguments_rejected)
{
	kvp_pool out;
	kvp_mode m;

	cr_assert_eq(kvp_pool_from_name(NULL, &out), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_pool_from_name("guest", NULL), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_mode_from_name(NULL, &m), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_mode_from_name("safe", NULL), KVP_ERR_INVALID_ARG);
}

Test(pool_names, default_dir)
{
	cr_assert_str_eq(KVP_DEFAULT_DIR, "/var/lib/hyperv");
}

Test(pool_names, modes_and_limits)
{
	kvp_mode m = (kvp_mode)9;

	cr_assert_str_eq(kvp_mode_name(KVP_MODE_SAFE), "safe");
	cr_assert_str_eq(kvp_mode_name(KVP_MODE_UNSAFE), "unsafe");
	cr_assert_null(kvp_mode_name((kvp_mode)2));
	cr_assert_eq(kvp_mode_from_name("safe", &m), 0);
	cr_assert_eq(m, KVP_MODE_SAFE);
	cr_assert_eq(kvp_mode_from_name("unsafe", &m), 0);
	cr_assert_eq(m, KVP_MODE_UNSAFE);
	m = (kvp_mode)9;
	cr_assert_eq(kvp_mode_from_name("Safe", &m), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_mode_from_name("", &m), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_mode_from_name("unsafe!", &m), KVP_ERR_INVALID_ARG);
	cr_assert_eq(m, (kvp_mode)9);
	cr_assert_eq(pool_max_key_size(KVP_MODE_SAFE), 254);
	cr_assert_eq(pool_max_value_size(KVP_MODE_SAFE), 1022);
	cr_assert_eq(pool_max_key_size(KVP_MODE_UNSAFE), 512);
	cr_assert_eq(pool_max_value_size(KVP_MODE_UNSAFE), 2048);
	cr_assert_eq(pool_max_key_size((kvp_mode)2), 0);
	cr_assert_eq(pool_max_value_size((kvp_mode)-1), 0);
	cr_assert_eq(KVP_RECORD_SIZE, 2560);
	cr_assert_eq(KVP_MAX_UNIQUE_KEYS, 1024);
}

Test(pool_names, null_dir_is_the_default_dir)
{
	kvp_store *s = NULL;

	cr_assert_eq(kvp_store_new(&s, KVP_POOL_GUEST, NULL, KVP_MODE_SAFE), 0);
	cr_assert_str_eq(kvp_store_path(s), "/var/lib/hyperv/.kvp_pool_1");
	cr_assert_eq(kvp_store_pool(s), KVP_POOL_GUEST);
	cr_assert_eq(kvp_store_mode(s), KVP_MODE_SAFE);
	kvp_store_free(s);
	cr_assert_eq(
	    kvp_store_new(&s, KVP_POOL_AUTO_EXTERNAL, NULL, KVP_MODE_UNSAFE),
	    0);
	cr_assert_str_eq(kvp_store_path(s), "/var/lib/hyperv/.kvp_pool_3");
	kvp_store_free(s);
}

Test(pool_names, new_derives_path_for_every_pool)
{
	char *dir = tu_mkdtemp();

	for (int p = 0; p < KVP_POOL_COUNT; p++) {
		kvp_store *s = NULL;
		char *want = tu_path(dir, file_names[p]);
		cr_assert_eq(kvp_store_new(&s, (kvp_pool)p, dir, KVP_MODE_SAFE),
			     0);
		cr_assert_str_eq(kvp_store_path(s), want);
		cr_assert_eq(kvp_store_pool(s), (kvp_pool)p);
		/* Construction opens and creates nothing. */
		cr_assert_eq(tu_file_size(want), -1);
		kvp_store_free(s);
		free(want);
	}
	tu_rmtree(dir);
	free(dir);
}

struct dir_case {
	char dir[32];
	char path[48];
};

ParameterizedTestParameters(pool_names, trailing_slashes)
{
	static struct dir_case cases[] = {
	    {"/srv/kvp", "/srv/kvp/.kvp_pool_1"},
	    {"/srv/kvp/", "/srv/kvp/.kvp_pool_1"},
	    {"/srv/kvp///", "/srv/kvp/.kvp_pool_1"},
	    {"/", "/.kvp_pool_1"},
	    {"///", "/.kvp_pool_1"},
	    {"rel", "rel/.kvp_pool_1"},
	    {"rel/", "rel/.kvp_pool_1"},
	};
	return cr_make_param_array(struct dir_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct dir_case *c, pool_names, trailing_slashes)
{
	kvp_store *s = NULL;

	cr_assert_eq(kvp_store_new(&s, KVP_POOL_GUEST, c->dir, KVP_MODE_SAFE),
		     0);
	cr_assert_str_eq(kvp_store_path(s), c->path);
	kvp_store_free(s);
}

Test(pool_names, accessors)
{
	kvp_store *s = NULL;

	cr_assert_eq(kvp_store_new(&s, KVP_POOL_AUTO, "/nonexistent/dir",
				   KVP_MODE_UNSAFE),
		     0);
	cr_assert_eq(kvp_store_pool(s), KVP_POOL_AUTO);
	cr_assert_eq(kvp_store_mode(s), KVP_MODE_UNSAFE);
	cr_assert_str_eq(kvp_store_path(s), "/nonexistent/dir/.kvp_pool_2");
	cr_assert_eq(kvp_store_max_key_size(s), 512);
	cr_assert_eq(kvp_store_max_value_size(s), 2048);
	kvp_store_free(s);
	cr_assert_eq(kvp_store_new(&s, KVP_POOL_EXTERNAL, "/x", KVP_MODE_SAFE),
		     0);
	cr_assert_eq(kvp_store_max_key_size(s), 254);
	cr_assert_eq(kvp_store_max_value_size(s), 1022);
	kvp_store_free(s);
}

/* What the lock tests rely on (test_locks.c shows the waits). */
Test(pool_names, lock_timeout_setter)
{
	kvp_store *s = NULL;

	cr_assert_eq(kvp_store_new(&s, KVP_POOL_GUEST, "/x", KVP_MODE_SAFE), 0);
	cr_assert_eq(s->lock_timeout_ms, KVP_DEFAULT_LOCK_TIMEOUT_MS);
	cr_assert_eq(KVP_DEFAULT_LOCK_TIMEOUT_MS, 2000);
	kvp_store_set_lock_timeout(s, 0);
	cr_assert_eq(s->lock_timeout_ms, 0);
	kvp_store_set_lock_timeout(s, 150);
	cr_assert_eq(s->lock_timeout_ms, 150);
	kvp_store_free(s);
}

static void expect_new_fails(kvp_pool pool, const char *dir, kvp_mode mode,
			     const char *needle)
{
	kvp_store *s = (kvp_store *)0x1;

	kvp_error_clear();
	cr_assert_eq(kvp_store_new(&s, pool, dir, mode), KVP_ERR_INVALID_ARG);
	cr_assert_null(s, "*out must be NULL after a failure");
	cr_assert_eq(kvp_error_last()->code, KVP_ERR_INVALID_ARG);
	cr_assert_neq(strstr(kvp_error_last()->message, needle), NULL, "%s",
		      kvp_error_last()->message);
}

Test(pool_names, invalid_pool_rejected)
{
	expect_new_fails((kvp_pool)5, "/x", KVP_MODE_SAFE, "pool");
	expect_new_fails((kvp_pool)-1, "/x", KVP_MODE_SAFE, "pool");
}

Test(pool_names, invalid_mode_rejected)
{
	expect_new_fails(KVP_POOL_GUEST, "/x", (kvp_mode)2, "mode");
	expect_new_fails(KVP_POOL_GUEST, "/x", (kvp_mode)-1, "mode");
}

Test(pool_names, empty_dir_rejected)
{
	expect_new_fails(KVP_POOL_GUEST, "", KVP_MODE_SAFE, "directory");
}

Test(pool_names, overlong_dir_rejected)
{
	char *dir = tu_repeat('d', ERR_PATH_MAX);

	dir[0] = '/';
	expect_new_fails(KVP_POOL_GUEST, dir, KVP_MODE_SAFE, "too long");
	free(dir);
}

Test(pool_names, null_out_rejected_and_free_null)
{
	cr_assert_eq(kvp_store_new(NULL, KVP_POOL_GUEST, "/x", KVP_MODE_SAFE),
		     KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_store_new(NULL, KVP_POOL_GUEST, NULL, KVP_MODE_SAFE),
		     KVP_ERR_INVALID_ARG);
	kvp_store_free(NULL);
}
