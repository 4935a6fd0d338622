/* test_trust_file.c - the pool file's own checks, made on the fstat under
 * the locks (pool/pool_open.c): a hard link (to a root file, say) and a
 * file owned by another user are refused by every operation, reader or
 * writer, with the file byte for byte, mode and owner as they were; a
 * writer makes a pool of ours 0600 (hv_kvp_daemon creates them 0644), so
 * no other user can open it any more to take a lock that blocks every
 * write, and does so without a change of mtime and only when needed. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

static const char *const kv[] = {"k", "root's", NULL};

static struct tu_pool p;

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (chown, and a user to drop to)");
	tu_pool_setup(&p, KVP_MODE_SAFE);
}

static void teardown(void)
{
	tu_pool_teardown(&p);
}

static uid_t nobody(void)
{
	struct passwd *pw = getpwnam("nobody");

	cr_assert_not_null(pw, "no user nobody");
	return pw->pw_uid;
}

static struct stat stat_of(const char *path)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	return st;
}

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
	kvp_record_list list = {0};
	char *value = NULL;
	size_t n;
	int r = -1000;

	switch (op) {
	case OP_READ: r = kvp_store_read(s, "k", &value, NULL); break;
	case OP_DUMP: r = kvp_store_dump(s, &list); break;
	case OP_ENTRIES: r = kvp_store_entries(s, &list); break;
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
	free(value);
	if (r >= 0 && (op == OP_DUMP || op == OP_ENTRIES))
		kvp_record_list_free(&list);
	return r;
}

struct op_case {
	int op;
};

static void expect_refused(int op, const char *needle)
{
	const kvp_error *e = kvp_error_last();
	int r;

	kvp_error_clear();
	r = run_op(p.store, op);
	cr_assert_eq(r, KVP_ERR_CORRUPT, "%s returned %d: %s", op_names[op], r,
		     e->message);
	cr_assert_str_eq(e->path, p.path);
	cr_assert_not_null(strstr(e->message, needle), "%s: '%s' not in '%s'",
			   op_names[op], needle, e->message);
	cr_assert_null(strchr(e->message, '\n'));
}

ParameterizedTestParameters(trust_file, hard_link_refused)
{
	static struct op_case cases[OP_COUNT];

	for (int i = 0; i < OP_COUNT; i++)
		cases[i].op = i;
	return cr_make_param_array(struct op_case, cases, OP_COUNT);
}

/* The pool path a hard link to a root file (its size no multiple of a
 * record, so a writer's repair would cut it): untouched by everyone. */
ParameterizedTest(struct op_case *c, trust_file, hard_link_refused,
		  .init = setup, .fini = teardown)
{
	static const char secret[] =
	    "root:$y$j9T$not-for-the-host:19000::::::\n";
	char *victim = tu_path(p.dir, "shadow");
	struct stat before, after;

	tu_write_file(victim, secret, sizeof(secret) - 1);
	cr_assert_eq(chmod(victim, 0640), 0);
	tu_set_mtime(victim, 0); /* stale: clear_if_stale would act */
	cr_assert_eq(link(victim, p.path), 0);
	before = stat_of(victim);
	expect_refused(c->op, "has 2 hard links");
	tu_assert_file_is(victim, secret, sizeof(secret) - 1);
	after = stat_of(victim);
	cr_assert_eq(after.st_mode, before.st_mode, "mode changed to %o",
		     after.st_mode & 07777);
	cr_assert_eq(after.st_nlink, 2);
	cr_assert_eq(after.st_mtim.tv_sec, 0);
	free(victim);
}

ParameterizedTestParameters(trust_file, foreign_owner_refused)
{
	static struct op_case cases[OP_COUNT];

	for (int i = 0; i < OP_COUNT; i++)
		cases[i].op = i;
	return cr_make_param_array(struct op_case, cases, OP_COUNT);
}

/* An attacker's pool (nobody, 0666): nobody writes what root reads, so
 * root neither writes it nor reads it, and leaves mode and owner. */
ParameterizedTest(struct op_case *c, trust_file, foreign_owner_refused,
		  .init = setup, .fini = teardown)
{
	const char *const planted[] = {"k", "attacker's", NULL};
	struct stat st;

	tu_plant(p.path, planted);
	cr_assert_eq(chown(p.path, nobody(), nobody()), 0);
	cr_assert_eq(chmod(p.path, 0666), 0);
	tu_set_mtime(p.path, 0);
	expect_refused(c->op, "owned by uid");
	cr_assert_not_null(strstr(kvp_error_last()->message, ", not root"));
	tu_assert_records(p.path, planted);
	st = stat_of(p.path);
	cr_assert_eq(st.st_mode & 07777, 0666);
	cr_assert_eq(st.st_uid, nobody());
	cr_assert_eq(st.st_mtim.tv_sec, 0);
}

/* ---- the mode: 0644 -> 0600, then closed to other users ---- */

struct user_arg {
	const char *base;
	const char *pool;
	const kvp_store *store;
};

enum verdict {
	OPENED_AND_LOCKED = 0,
	SAW_EACCES = 1,
	NO_BASE = 10, /* nobody cannot reach the temp dir: proves nothing */
	OTHER = 20,
};

/* As nobody: open the pool read-only and take the exclusive flock on that
 * descriptor (what blocked every write). */
static int open_as_user(void *arg)
{
	const struct user_arg *a = arg;
	int fd, r;

	if (access(a->base, X_OK) != 0)
		return NO_BASE;
	fd = open(a->pool, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? SAW_EACCES : OTHER;
	r = flock(fd, LOCK_EX | LOCK_NB) == 0 ? OPENED_AND_LOCKED : OTHER;
	close(fd);
	return r;
}

static int len_as_user(void *arg)
{
	const struct user_arg *a = arg;
	size_t n;

	if (access(a->base, X_OK) != 0)
		return NO_BASE;
	if (kvp_store_len(a->store, &n) == KVP_ERR_IO &&
	    kvp_error_last()->sys_errno == EACCES)
		return SAW_EACCES;
	return OTHER;
}

Test(trust_file, root_pool_0644_made_0600_then_closed_to_users, .init = setup,
     .fini = teardown)
{
	struct user_arg a = {p.dir, p.path, p.store};
	struct stat st;

	tu_plant(p.path, kv);
	cr_assert_eq(chmod(p.path, 0644), 0);
	/* As hv_kvp_daemon leaves it: any user can open and lock it. */
	cr_assert_eq(tu_run_as_nobody(open_as_user, &a), OPENED_AND_LOCKED);

	cr_assert_eq(kvp_store_append(p.store, "k2", "v"), 0, "%s",
		     kvp_error_last()->message);
	st = stat_of(p.path);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	cr_assert_eq(st.st_uid, 0);
	tu_assert_records(
	    p.path, (const char *const[]){"k", "root's", "k2", "v", NULL});

	cr_assert_eq(tu_run_as_nobody(open_as_user, &a), SAW_EACCES);
	cr_assert_eq(tu_run_as_nobody(len_as_user, &a), SAW_EACCES);
}

/* fchmod changes the ctime only: a pool from an earlier boot stays stale
 * after a write that changed nothing else, and clear_if_stale still
 * clears it. */
Test(trust_file, mode_fix_keeps_the_mtime, .init = setup, .fini = teardown)
{
	tu_plant(p.path, kv);
	cr_assert_eq(chmod(p.path, 0644), 0);
	tu_set_mtime(p.path, 0);
	cr_assert_eq(kvp_store_delete(p.store, "absent"), 0);
	cr_assert_eq(stat_of(p.path).st_mode & 07777, 0600);
	cr_assert_eq(stat_of(p.path).st_mtim.tv_sec, 0);
	cr_assert_eq(kvp_store_is_stale(p.store), 1);
	cr_assert_eq(kvp_store_clear_if_stale(p.store), 1);
	cr_assert_eq(tu_file_size(p.path), 0);
}

/* A pool already 0600 gets no fchmod: its ctime does not move. */
Test(trust_file, no_fchmod_when_already_0600, .init = setup, .fini = teardown)
{
	struct stat before, after;

	tu_plant(p.path, kv);
	before = stat_of(p.path);
	cr_assert_eq(before.st_mode & 07777, 0600);
	cr_assert_eq(kvp_store_delete(p.store, "absent"), 0);
	after = stat_of(p.path);
	cr_assert_eq(after.st_ctim.tv_sec, before.st_ctim.tv_sec);
	cr_assert_eq(after.st_ctim.tv_nsec, before.st_ctim.tv_nsec);
	tu_assert_records(p.path, kv);
}

/* ---- a user as the caller ---- */

/* A user's writer trusts only its own pool (root's 0666 one in the user's
 * directory is refused); its readers trust root's as well. */
static int user_rules(void *arg)
{
	const struct user_arg *a = arg;
	char want[128];
	size_t n;

	if (access(a->base, X_OK) != 0)
		return NO_BASE;
	snprintf(want, sizeof(want), "%s: owned by uid 0, not uid %ld", a->pool,
		 (long)geteuid());
	if (kvp_store_append(a->store, "k", "user's") != KVP_ERR_CORRUPT)
		return 2;
	if (strcmp(kvp_error_last()->message, want) != 0)
		return 3;
	if (kvp_store_len(a->store, &n) != 0 || n != 1)
		return 4;
	return 0;
}

Test(trust_file, user_writes_only_its_own_pool, .init = setup, .fini = teardown)
{
	char *mine = tu_path(p.dir, "mine");
	char *pool = tu_path(mine, ".kvp_pool_1");
	kvp_store *s = tu_store(mine, KVP_MODE_SAFE);
	struct user_arg a = {p.dir, pool, s};

	cr_assert_eq(mkdir(mine, 0755), 0);
	cr_assert_eq(chown(mine, nobody(), nobody()), 0);
	tu_plant(pool, kv);
	cr_assert_eq(chmod(pool, 0666), 0);
	cr_assert_eq(tu_run_as_nobody(user_rules, &a), 0);
	tu_assert_records(pool, kv);
	cr_assert_eq(stat_of(pool).st_mode & 07777, 0666);
	kvp_store_free(s);
	free(pool);
	free(mine);
}
