/* test_permissions.c - what the store does to and refuses at the pool's
 * path: a new file is 0600 whatever the umask, a missing directory tree is
 * created 0755, an existing file is made 0600 by every writer and left
 * alone by readers, a symbolic link at the pool path is refused (ELOOP)
 * for reads and writes with its target untouched, and a FIFO or a
 * directory there is an error, not a hang. Ownership, hard links and the
 * directories above the pool: test_trust.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static mode_t mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/* Every operation that may touch the file; returns its result. */
enum op {
	OP_READ,
	OP_DUMP,
	OP_ENTRIES,
	OP_LEN,
	OP_IS_STALE,
	OP_INSERT,
	OP_APPEND,
	OP_DELETE,
	OP_CLEAR,
	OP_CLEAR_IF_STALE,
	OP_APPEND_MULTIPLE,
	OP_DELETE_MULTIPLE,
	OP_LOAD,
	OP_COUNT
};

static const char *const op_names[] = {
    "read",	"dump",		  "entries",	     "len",
    "is_stale", "insert",	  "append",	     "delete",
    "clear",	"clear_if_stale", "append_multiple", "delete_multiple",
    "load",
};

static int run_op(const kvp_store *s, int op)
{
	const kvp_pair pair = {"k", 1, "v", 1};
	const char *const keys[] = {"k"};
	kvp_record_list list;
	char *value = NULL;
	size_t n;
	int r = -1000;

	switch (op) {
	case OP_READ:
		r = kvp_store_read(s, "k", &value, NULL);
		free(value);
		break;
	case OP_DUMP:
		r = kvp_store_dump(s, &list);
		kvp_record_list_free(&list);
		break;
	case OP_ENTRIES:
		r = kvp_store_entries(s, &list);
		kvp_record_list_free(&list);
		break;
	case OP_LEN: r = kvp_store_len(s, &n); break;
	case OP_IS_STALE: r = kvp_store_is_stale(s); break;
	case OP_INSERT: r = kvp_store_insert(s, "k", "v"); break;
	case OP_APPEND: r = kvp_store_append(s, "k", "v"); break;
	case OP_DELETE: r = kvp_store_delete(s, "k"); break;
	case OP_CLEAR: r = kvp_store_clear(s); break;
	case OP_CLEAR_IF_STALE: r = kvp_store_clear_if_stale(s); break;
	case OP_APPEND_MULTIPLE:
		r = kvp_store_append_multiple(s, &pair, 1);
		break;
	case OP_DELETE_MULTIPLE:
		r = kvp_store_delete_multiple(s, keys, 1, &n);
		break;
	case OP_LOAD: r = kvp_store_load(s, &pair, 1); break;
	}
	return r;
}

Test(permissions, new_file_0600_under_umask_0, .init = setup, .fini = teardown)
{
	umask(0);
	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	cr_assert_eq(mode_of(p.path), 0600);
}

Test(permissions, new_file_0600_under_umask_077, .init = setup,
     .fini = teardown)
{
	umask(077);
	cr_assert_eq(kvp_store_append(p.store, "k", "v"), 0);
	cr_assert_eq(mode_of(p.path), 0600);
}

Test(permissions, new_file_0600_under_umask_0777, .init = setup,
     .fini = teardown)
{
	umask(0777);
	cr_assert_eq(kvp_store_load(p.store, NULL, 0), 0);
	cr_assert_eq(mode_of(p.path), 0600);
}

struct umask_case {
	mode_t mask;
};

ParameterizedTestParameters(permissions, missing_dirs_created_0755)
{
	static struct umask_case cases[] = {{022}, {0}, {077}, {027}};
	return cr_make_param_array(struct umask_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct umask_case *c, permissions, missing_dirs_created_0755,
		  .init = setup, .fini = teardown)
{
	char *a = tu_path(p.dir, "a");
	char *ab = tu_path(a, "b");
	char *abc = tu_path(ab, "c");
	char *file = tu_path(abc, ".kvp_pool_1");
	kvp_store *s = tu_store(abc, KVP_MODE_SAFE);

	umask(c->mask);
	cr_assert_eq(kvp_store_insert(s, "k", "v"), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(mode_of(a), 0755);
	cr_assert_eq(mode_of(ab), 0755);
	cr_assert_eq(mode_of(abc), 0755);
	cr_assert_eq(mode_of(file), 0600);
	tu_assert_records(file, (const char *const[]){"k", "v", NULL});
	/* The existing temp dir's own mode is not touched. */
	cr_assert_eq(mode_of(p.dir), 0755);
	kvp_store_free(s);
	free(a);
	free(ab);
	free(abc);
	free(file);
}

Test(permissions, existing_dir_mode_left_alone, .init = setup, .fini = teardown)
{
	cr_assert_eq(chmod(p.dir, 0711), 0);
	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), 0);
	cr_assert_eq(mode_of(p.dir), 0711);
}

struct mode_case {
	mode_t mode;
	int op;
};

ParameterizedTestParameters(permissions, existing_file_made_0600_by_writers)
{
	static struct mode_case cases[] = {
	    {0644, OP_INSERT},		{0644, OP_APPEND},
	    {0644, OP_DELETE},		{0640, OP_LOAD},
	    {0666, OP_CLEAR},		{0604, OP_APPEND_MULTIPLE},
	    {0400, OP_INSERT},		{0644, OP_CLEAR_IF_STALE},
	    {0644, OP_DELETE_MULTIPLE}, {04755, OP_APPEND},
	};
	return cr_make_param_array(struct mode_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

/* hv_kvp_daemon creates the pools 0644: any local user could then read
 * the logins, and open the file to take a lock that blocks every write.
 * Every write transaction makes a pool of ours 0600, even one that
 * changes nothing (delete of an absent key, clear_if_stale of a fresh
 * pool) and without touching its bytes' mtime. */
ParameterizedTest(struct mode_case *c, permissions,
		  existing_file_made_0600_by_writers, .init = setup,
		  .fini = teardown)
{
	tu_plant(p.path, (const char *const[]){"k", "old", NULL});
	cr_assert_eq(chmod(p.path, c->mode), 0);
	cr_assert_geq(run_op(p.store, c->op), 0, "%s: %s", op_names[c->op],
		      kvp_error_last()->message);
	cr_assert_eq(mode_of(p.path), 0600, "%s left mode %o", op_names[c->op],
		     mode_of(p.path));
}

ParameterizedTestParameters(permissions, existing_file_mode_left_by_readers)
{
	static struct mode_case cases[] = {
	    {0644, OP_READ}, {0644, OP_DUMP},	  {0640, OP_ENTRIES},
	    {0666, OP_LEN},  {0604, OP_IS_STALE},
	};
	return cr_make_param_array(struct mode_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct mode_case *c, permissions,
		  existing_file_mode_left_by_readers, .init = setup,
		  .fini = teardown)
{
	tu_plant(p.path, (const char *const[]){"k", "old", NULL});
	cr_assert_eq(chmod(p.path, c->mode), 0);
	cr_assert_geq(run_op(p.store, c->op), 0, "%s: %s", op_names[c->op],
		      kvp_error_last()->message);
	cr_assert_eq(mode_of(p.path), c->mode, "%s changed the mode",
		     op_names[c->op]);
}

struct op_case {
	int op;
};

ParameterizedTestParameters(permissions, symlink_refused)
{
	static struct op_case cases[OP_COUNT];

	for (int i = 0; i < OP_COUNT; i++)
		cases[i].op = i;
	return cr_make_param_array(struct op_case, cases, OP_COUNT);
}

ParameterizedTest(struct op_case *c, permissions, symlink_refused,
		  .init = setup, .fini = teardown, .timeout = 10)
{
	char *target = tu_path(p.dir, "target");
	const char *const kv[] = {"k", "target", NULL};
	struct stat st;
	int r;

	tu_plant(target, kv);
	cr_assert_eq(chmod(target, 0600), 0);
	tu_set_mtime(target, 0); /* stale, so clear_if_stale would act */
	cr_assert_eq(symlink(target, p.path), 0);
	kvp_error_clear();
	r = run_op(p.store, c->op);
	cr_assert_lt(r, 0, "%s followed the symlink (%d)", op_names[c->op], r);
	if (c->op == OP_IS_STALE) {
		/* stat-only: lstat sees a link, "not a regular file" */
		cr_assert_eq(kvp_error_last()->code, KVP_ERR_CORRUPT, "%s: %s",
			     op_names[c->op], kvp_error_last()->message);
	} else {
		cr_assert_eq(kvp_error_last()->code, KVP_ERR_IO, "%s: %s",
			     op_names[c->op], kvp_error_last()->message);
		cr_assert_eq(kvp_error_last()->sys_errno, ELOOP, "%s: %s",
			     op_names[c->op], kvp_error_last()->message);
	}
	cr_assert_str_eq(kvp_error_last()->path, p.path);
	tu_assert_records(target, kv);
	cr_assert_eq(mode_of(target), 0600);
	cr_assert_eq(lstat(p.path, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link itself was replaced");
	free(target);
}

Test(permissions, dangling_symlink_not_followed, .init = setup,
     .fini = teardown)
{
	char *target = tu_path(p.dir, "nowhere");
	char *got = NULL;

	cr_assert_eq(symlink(target, p.path), 0);
	cr_assert_eq(kvp_store_insert(p.store, "k", "v"), KVP_ERR_IO);
	cr_assert_eq(kvp_error_last()->sys_errno, ELOOP);
	cr_assert_eq(kvp_store_append(p.store, "k", "v"), KVP_ERR_IO);
	cr_assert_eq(kvp_store_read(p.store, "k", &got, NULL), KVP_ERR_IO);
	cr_assert_eq(tu_file_size(target), -1, "created through the link");
	free(target);
}

ParameterizedTestParameters(permissions, fifo_is_an_error_not_a_hang)
{
	static struct op_case cases[OP_COUNT];

	for (int i = 0; i < OP_COUNT; i++)
		cases[i].op = i;
	return cr_make_param_array(struct op_case, cases, OP_COUNT);
}

ParameterizedTest(struct op_case *c, permissions, fifo_is_an_error_not_a_hang,
		  .init = setup, .fini = teardown, .timeout = 10)
{
	struct stat st;

	cr_assert_eq(mkfifo(p.path, 0600), 0);
	cr_assert_lt(run_op(p.store, c->op), 0, "%s accepted a FIFO",
		     op_names[c->op]);
	cr_assert_str_eq(kvp_error_last()->path, p.path);
	cr_assert_eq(lstat(p.path, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
}

ParameterizedTestParameters(permissions, directory_is_an_error)
{
	static struct op_case cases[OP_COUNT];

	for (int i = 0; i < OP_COUNT; i++)
		cases[i].op = i;
	return cr_make_param_array(struct op_case, cases, OP_COUNT);
}

ParameterizedTest(struct op_case *c, permissions, directory_is_an_error,
		  .init = setup, .fini = teardown, .timeout = 10)
{
	struct stat st;

	cr_assert_eq(mkdir(p.path, 0755), 0);
	cr_assert_lt(run_op(p.store, c->op), 0, "%s accepted a directory",
		     op_names[c->op]);
	cr_assert_str_eq(kvp_error_last()->path, p.path);
	cr_assert_eq(lstat(p.path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
}
