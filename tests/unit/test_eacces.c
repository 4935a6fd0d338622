/* test_eacces.c - permission-denied paths. CI runs as root, which ignores
 * file permissions, so each case forks a child that drops to nobody
 * (tu_run_as_nobody) and makes the call there; the child's exit code says
 * whether it failed with KVP_ERR_IO and sys_errno EACCES. The child first
 * checks that nobody can reach the test directory, so EACCES from an
 * unreachable $TMPDIR cannot pass for the case under test. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h" /* store_is_stale_at */
#include "test_util.h"

enum scenario {
	FILE_UNREADABLE, /* pool file 0600 root in a 0755 dir */
	DIR_CLOSED,	 /* pool dir 0700 root: even stat fails */
	DIR_UNWRITABLE,	 /* no pool file, dir 0755 root: create fails */
	DIR_UNCREATABLE, /* pool dir missing, its parent 0755 root */
	JSON_UNWRITABLE, /* dump_json into a 0755 root dir */
};

enum op {
	OP_READ,
	OP_DUMP,
	OP_ENTRIES,
	OP_LEN,
	OP_IS_EMPTY,
	OP_IS_STALE,
	OP_IS_STALE_AT,
	OP_INSERT,
	OP_APPEND,
	OP_DELETE,
	OP_CLEAR,
	OP_CLEAR_IF_STALE,
	OP_APPEND_MULTIPLE,
	OP_DELETE_MULTIPLE,
	OP_LOAD,
	OP_DUMP_JSON,
};

struct child_arg {
	const kvp_store *store;
	const char *base;      /* the test's temp dir: nobody must reach it */
	const char *must_stat; /* a path nobody must be able to stat, or NULL */
	const char *out;       /* dump_json output */
	int op;
};

enum verdict {
	SAW_EACCES = 0,
	NO_BASE = 10,	/* nobody cannot reach the temp dir */
	NO_STAT = 11,	/* nobody cannot stat what it should */
	SUCCEEDED = 20, /* the call did not fail */
	OTHER_CODE = 21,
	OTHER_ERRNO = 22,
};

static int run_op(const struct child_arg *a)
{
	const kvp_pair pair = {"k", 1, "v", 1};
	const char *const keys[] = {"k"};
	const kvp_store *s = a->store;
	kvp_record_list list;
	char *value = NULL;
	size_t n;

	switch (a->op) {
	case OP_READ: return kvp_store_read(s, "k", &value, NULL);
	case OP_DUMP: return kvp_store_dump(s, &list);
	case OP_ENTRIES: return kvp_store_entries(s, &list);
	case OP_LEN: return kvp_store_len(s, &n);
	case OP_IS_EMPTY: return kvp_store_is_empty(s);
	case OP_IS_STALE: return kvp_store_is_stale(s);
	case OP_IS_STALE_AT: return store_is_stale_at(s, 1LL << 40);
	case OP_INSERT: return kvp_store_insert(s, "k", "v");
	case OP_APPEND: return kvp_store_append(s, "k", "v");
	case OP_DELETE: return kvp_store_delete(s, "k");
	case OP_CLEAR: return kvp_store_clear(s);
	case OP_CLEAR_IF_STALE: return kvp_store_clear_if_stale(s);
	case OP_APPEND_MULTIPLE: return kvp_store_append_multiple(s, &pair, 1);
	case OP_DELETE_MULTIPLE:
		return kvp_store_delete_multiple(s, keys, 1, &n);
	case OP_LOAD: return kvp_store_load(s, &pair, 1);
	case OP_DUMP_JSON: return kvp_store_dump_json(s, a->out);
	}
	return 0;
}

/* Runs as nobody; nothing here may use Criterion's asserts. */
static int child(void *arg)
{
	const struct child_arg *a = arg;
	struct stat st;
	int r;

	if (access(a->base, X_OK) != 0)
		return NO_BASE;
	if (a->must_stat && stat(a->must_stat, &st) != 0)
		return NO_STAT;
	r = run_op(a);
	if (r >= 0)
		return SUCCEEDED;
	if (r != KVP_ERR_IO || kvp_error_last()->code != KVP_ERR_IO)
		return OTHER_CODE;
	if (kvp_error_last()->sys_errno != EACCES)
		return OTHER_ERRNO;
	return SAW_EACCES;
}

struct eacces_case {
	int scenario;
	int op;
	char name[24];
};

#define CASE(s, o)                                                             \
	{                                                                      \
		s, o, #o                                                       \
	}

ParameterizedTestParameters(eacces, denied)
{
	static struct eacces_case cases[] = {
	    CASE(FILE_UNREADABLE, OP_READ),
	    CASE(FILE_UNREADABLE, OP_DUMP),
	    CASE(FILE_UNREADABLE, OP_ENTRIES),
	    CASE(FILE_UNREADABLE, OP_INSERT),
	    CASE(FILE_UNREADABLE, OP_APPEND),
	    CASE(FILE_UNREADABLE, OP_DELETE),
	    CASE(FILE_UNREADABLE, OP_CLEAR),
	    CASE(FILE_UNREADABLE, OP_CLEAR_IF_STALE),
	    CASE(FILE_UNREADABLE, OP_APPEND_MULTIPLE),
	    CASE(FILE_UNREADABLE, OP_DELETE_MULTIPLE),
	    CASE(FILE_UNREADABLE, OP_LOAD),
	    CASE(FILE_UNREADABLE, OP_DUMP_JSON),
	    CASE(DIR_CLOSED, OP_LEN),
	    CASE(DIR_CLOSED, OP_IS_EMPTY),
	    CASE(DIR_CLOSED, OP_IS_STALE),
	    CASE(DIR_CLOSED, OP_IS_STALE_AT),
	    CASE(DIR_CLOSED, OP_READ),
	    CASE(DIR_CLOSED, OP_DELETE),
	    CASE(DIR_CLOSED, OP_INSERT),
	    CASE(DIR_UNWRITABLE, OP_INSERT),
	    CASE(DIR_UNWRITABLE, OP_APPEND),
	    CASE(DIR_UNWRITABLE, OP_APPEND_MULTIPLE),
	    CASE(DIR_UNWRITABLE, OP_LOAD),
	    CASE(DIR_UNCREATABLE, OP_INSERT),
	    CASE(JSON_UNWRITABLE, OP_DUMP_JSON),
	};
	return cr_make_param_array(struct eacces_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

static char *base, *pool_dir, *out_dir, *out, *pool;
static kvp_store *store;

static void teardown(void)
{
	kvp_store_free(store);
	tu_rmtree(base);
	free(base);
	free(pool_dir);
	free(out_dir);
	free(out);
	free(pool);
}

ParameterizedTest(struct eacces_case *c, eacces, denied, .fini = teardown,
		  .timeout = 20)
{
	const char *const kv[] = {"k", "root's", NULL};
	struct child_arg arg;
	int verdict;

	if (geteuid() != 0)
		cr_skip_test("needs root to switch to nobody");
	base = tu_mkdtemp(); /* 0755: nobody may traverse it */
	pool_dir = tu_path(base, "pool");
	out_dir = tu_path(base, "out");
	out = tu_path(out_dir, "dump.json");
	cr_assert_eq(mkdir(out_dir, 0755), 0);
	cr_assert_eq(mkdir(pool_dir, 0755), 0);
	if (c->scenario == DIR_UNCREATABLE) {
		char *parent = pool_dir;
		pool_dir = tu_path(parent, "sub/dir");
		free(parent);
	}
	store = tu_store(pool_dir, KVP_MODE_SAFE);
	pool = tu_path(pool_dir, ".kvp_pool_1");
	if (c->scenario == FILE_UNREADABLE || c->scenario == DIR_CLOSED) {
		tu_plant(pool, kv);
		cr_assert_eq(chmod(pool, 0600), 0);
	}
	if (c->scenario == DIR_CLOSED)
		cr_assert_eq(chmod(pool_dir, 0700), 0);
	if (c->scenario == FILE_UNREADABLE) {
		/* dump_json must fail on reading the pool, not the output. */
		cr_assert_eq(chmod(out_dir, 0777), 0);
	}

	arg = (struct child_arg){
	    .store = store,
	    .base = base,
	    .must_stat = c->scenario == FILE_UNREADABLE ? pool : NULL,
	    .out = out,
	    .op = c->op,
	};
	verdict = tu_run_as_nobody(child, &arg);
	cr_assert_eq(verdict, SAW_EACCES,
		     "%s: verdict %d (10 no base, 11 no "
		     "stat, 20 succeeded, 21 other code, 22 other errno)",
		     c->name, verdict);

	/* Whatever nobody tried, root's data is intact. */
	if (c->scenario == FILE_UNREADABLE || c->scenario == DIR_CLOSED)
		tu_assert_records(pool, kv);
	else
		cr_assert_eq(tu_file_size(pool), -1);
	cr_assert_eq(tu_file_size(out), -1);
}
