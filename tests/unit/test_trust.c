/* test_trust.c - the directories above a pool (util/trust.c, through the
 * store): each from "/" must be owned by root (or by the caller) and
 * writable by no one else, a root-owned sticky directory excepted, and
 * none may be a symbolic link. A refusal is one line naming the directory
 * and what is wrong, for readers and writers alike, and nothing is
 * written or created. Missing directories are made 0755 with mkdirat and
 * fchmod. The rules themselves (trust_stat) are tested on struct stat
 * values first. The pool file's own checks: test_trust_file.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "util/internal.h"
#include "util/trust.h"

static const char *const kv[] = {"k", "root's", NULL};

static uid_t nobody(void)
{
	struct passwd *pw = getpwnam("nobody");

	cr_assert_not_null(pw, "no user nobody");
	return pw->pw_uid;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (chown, and root's rules)");
}

/* One line: the path, then each needle. */
static void expect_refusal(int r, int code, const char *path,
			   const char *needle)
{
	const kvp_error *e = kvp_error_last();

	cr_assert_eq(r, code, "returned %d (%s)", r, e->message);
	cr_assert_eq(e->code, code);
	cr_assert_str_eq(e->path, path, "path %s, message %s", e->path,
			 e->message);
	cr_assert_not_null(strstr(e->message, needle), "'%s' not in '%s'",
			   needle, e->message);
	cr_assert_eq(strncmp(e->message, path, strlen(path)), 0, "%s",
		     e->message);
	cr_assert_null(strchr(e->message, '\n'), "not one line: %s",
		       e->message);
}

/* ---- the rules on one stat result ---- */

static struct stat st_of(mode_t type, mode_t mode, uid_t uid, nlink_t links)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = type | mode;
	st.st_uid = uid;
	st.st_nlink = links;
	return st;
}

static void rule(struct stat st, unsigned int rules, const char *needle)
{
	int r;

	kvp_error_clear();
	/* Any code: the config loader passes KVP_ERR_CONFIG. */
	r = trust_stat(&st, "/x", rules, KVP_ERR_CONFIG);
	if (!needle) {
		cr_assert_eq(r, 0, "%s", kvp_error_last()->message);
		return;
	}
	expect_refusal(r, KVP_ERR_CONFIG, "/x", needle);
}

Test(trust, stat_rules_as_root)
{
	const unsigned int dir = TRUST_OWNER | TRUST_NOT_SHARED;
	const unsigned int file = TRUST_REGULAR | TRUST_ONE_LINK | TRUST_OWNER;

	need_root();
	rule(st_of(S_IFDIR, 0755, 0, 2), dir, NULL);
	rule(st_of(S_IFDIR, 0700, 0, 2), dir, NULL);
	rule(st_of(S_IFDIR, 0777, 0, 2), dir, "writable by others (mode 0777)");
	rule(st_of(S_IFDIR, 0775, 0, 2), dir, "writable by group (mode 0775)");
	rule(st_of(S_IFDIR, 01777, 0, 2), dir, NULL); /* /tmp */
	rule(st_of(S_IFDIR, 01777, 1000, 2), dir,
	     "owned by uid 1000, not root");
	rule(st_of(S_IFDIR, 0755, 1000, 2), dir, "owned by uid 1000, not root");
	rule(st_of(S_IFREG, 01777, 0, 1), dir,
	     "writable by others (mode 1777)"); /* sticky: directories only */
	rule(st_of(S_IFREG, 0644, 0, 1), file, NULL);
	rule(st_of(S_IFREG, 0666, 0, 1), file, NULL); /* mode not asked */
	rule(st_of(S_IFREG, 0600, 0, 2), file, "has 2 hard links");
	rule(st_of(S_IFREG, 0600, 0, 0), file, "has 0 hard links");
	rule(st_of(S_IFIFO, 0600, 0, 1), file, "not a regular file");
	rule(st_of(S_IFREG, 0600, 65534, 1), file,
	     "owned by uid 65534, not root");
	rule(st_of(S_IFREG, 0600, 65534, 1), TRUST_OWNER_SELF,
	     "owned by uid 65534, not root");
}

/* As a user: root's and our own are trusted; TRUST_OWNER_SELF only ours. */
static int rules_as_user(void *arg)
{
	const unsigned int dir = TRUST_OWNER | TRUST_NOT_SHARED;
	uid_t me = geteuid();
	char want[96];
	struct stat st;

	(void)arg;
	st = st_of(S_IFDIR, 0755, 0, 2);
	if (trust_stat(&st, "/x", dir, KVP_ERR_CORRUPT) != 0)
		return 1;
	st = st_of(S_IFDIR, 0700, me, 2);
	if (trust_stat(&st, "/x", dir, KVP_ERR_CORRUPT) != 0)
		return 2;
	st = st_of(S_IFDIR, 0755, 4242, 2);
	snprintf(want, sizeof(want),
		 "/x: owned by uid 4242, not root or uid %ld", (long)me);
	if (trust_stat(&st, "/x", dir, KVP_ERR_CORRUPT) != KVP_ERR_CORRUPT ||
	    strcmp(kvp_error_last()->message, want) != 0)
		return 3;
	st = st_of(S_IFREG, 0600, 0, 1);
	snprintf(want, sizeof(want), "/x: owned by uid 0, not uid %ld",
		 (long)me);
	if (trust_stat(&st, "/x", TRUST_OWNER_SELF, KVP_ERR_CORRUPT) !=
		KVP_ERR_CORRUPT ||
	    strcmp(kvp_error_last()->message, want) != 0)
		return 4;
	return 0;
}

Test(trust, stat_rules_as_a_user)
{
	need_root();
	cr_assert_eq(tu_run_as_nobody(rules_as_user, NULL), 0);
}

/* ---- the directories above the pool, through the store ---- */

static char *base;

static void setup(void)
{
	base = tu_mkdtemp();
}

static void teardown(void)
{
	tu_rmtree(base);
	free(base);
}

enum dir_case {
	DIR_OWNED_BY_NOBODY,
	DIR_0777,
	DIR_0775,
	DIR_STICKY_OWNED_BY_NOBODY,
	PARENT_0777,
	PARENT_OWNED_BY_NOBODY,
	PARENT_SYMLINK,
	DIR_SYMLINK,
};

struct walk_case {
	int what;
	bool write; /* append, else len */
	char name[48];
};

#define WALK(w)                                                                \
	{w, true, #w " append"},                                               \
	{                                                                      \
		w, false, #w " len"                                            \
	}

ParameterizedTestParameters(trust, untrusted_directory_refused)
{
	static struct walk_case cases[] = {
	    WALK(DIR_OWNED_BY_NOBODY),
	    WALK(DIR_0777),
	    WALK(DIR_0775),
	    WALK(DIR_STICKY_OWNED_BY_NOBODY),
	    WALK(PARENT_0777),
	    WALK(PARENT_OWNED_BY_NOBODY),
	    WALK(PARENT_SYMLINK),
	    WALK(DIR_SYMLINK),
	};
	return cr_make_param_array(struct walk_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

/* base/real/pool holds root's pool. The store names it through base/real
 * (DIR_*: pool_dir is base/real/pool; PARENT_*: its parent base/real is
 * the bad one) or through a symbolic link. */
ParameterizedTest(struct walk_case *c, trust, untrusted_directory_refused,
		  .init = setup, .fini = teardown)
{
	char *real = tu_path(base, "real");
	char *dir = tu_path(real, "pool");
	char *pool = tu_path(dir, ".kvp_pool_1");
	char *link = tu_path(base, "link");
	char *store_dir = strdup(dir), *bad = dir;
	const char *needle = NULL;
	kvp_store *s;
	size_t n;
	int r;

	need_root();
	cr_assert_eq(mkdir(real, 0755), 0);
	cr_assert_eq(mkdir(dir, 0755), 0);
	tu_plant(pool, kv);
	switch (c->what) {
	case DIR_OWNED_BY_NOBODY:
		cr_assert_eq(chown(dir, nobody(), nobody()), 0);
		needle = "not root";
		break;
	case DIR_0777:
		cr_assert_eq(chmod(dir, 0777), 0);
		needle = "writable by others (mode 0777)";
		break;
	case DIR_0775:
		cr_assert_eq(chmod(dir, 0775), 0);
		needle = "writable by group (mode 0775)";
		break;
	case DIR_STICKY_OWNED_BY_NOBODY:
		cr_assert_eq(chown(dir, nobody(), nobody()), 0);
		cr_assert_eq(chmod(dir, 01777), 0);
		needle = "not root";
		break;
	case PARENT_0777:
		cr_assert_eq(chmod(real, 0777), 0);
		bad = real;
		needle = "writable by others (mode 0777)";
		break;
	case PARENT_OWNED_BY_NOBODY:
		cr_assert_eq(chown(real, nobody(), nobody()), 0);
		bad = real;
		needle = "not root";
		break;
	case PARENT_SYMLINK: /* base/link -> real; pool_dir base/link/pool */
		cr_assert_eq(symlink(real, link), 0);
		free(store_dir);
		store_dir = tu_path(link, "pool");
		bad = link;
		needle = "symbolic link";
		break;
	case DIR_SYMLINK: /* base/link -> real/pool; pool_dir base/link */
		cr_assert_eq(symlink(dir, link), 0);
		free(store_dir);
		store_dir = strdup(link);
		bad = link;
		needle = "symbolic link";
		break;
	}
	s = tu_store(store_dir, KVP_MODE_SAFE);
	kvp_error_clear();
	r = c->write ? kvp_store_append(s, "k", "attacker's")
		     : kvp_store_len(s, &n);
	if (c->what == PARENT_SYMLINK || c->what == DIR_SYMLINK) {
		expect_refusal(r, KVP_ERR_IO, bad, needle);
		cr_assert_eq(kvp_error_last()->sys_errno, ELOOP);
	} else {
		expect_refusal(r, KVP_ERR_CORRUPT, bad, needle);
	}
	tu_assert_records(pool, kv);
	kvp_store_free(s);
	free(store_dir);
	free(link);
	free(pool);
	free(dir);
	free(real);
}

/* /tmp is 1777 root: its entries can be replaced only by their owners. */
Test(trust, root_sticky_directory_trusted, .init = setup, .fini = teardown)
{
	char *pool = tu_path(base, ".kvp_pool_1");
	kvp_store *s = tu_store(base, KVP_MODE_SAFE);

	need_root();
	cr_assert_eq(chmod(base, 01777), 0);
	cr_assert_eq(kvp_store_append(s, "k", "v"), 0, "%s",
		     kvp_error_last()->message);
	tu_assert_records(pool, (const char *const[]){"k", "v", NULL});
	kvp_store_free(s);
	free(pool);
}

/* A missing chain is not made below a directory others can write. */
Test(trust, nothing_created_below_an_untrusted_directory, .init = setup,
     .fini = teardown)
{
	char *dir = tu_path(base, "a/b");
	char *a = tu_path(base, "a");
	kvp_store *s = tu_store(dir, KVP_MODE_SAFE);

	need_root();
	cr_assert_eq(chmod(base, 0777), 0);
	expect_refusal(kvp_store_append(s, "k", "v"), KVP_ERR_CORRUPT, base,
		       "writable by others");
	cr_assert_eq(tu_file_size(a), -1, "created below a 0777 directory");
	kvp_store_free(s);
	free(a);
	free(dir);
}

/* Readers of a missing directory see an empty pool, as before; writers
 * that do not create (delete) succeed without making it. */
Test(trust, missing_directory_reads_empty, .init = setup, .fini = teardown)
{
	char *dir = tu_path(base, "no/such");
	char *no = tu_path(base, "no");
	kvp_store *s = tu_store(dir, KVP_MODE_SAFE);
	size_t n = 7;

	cr_assert_eq(kvp_store_len(s, &n), 0, "%s", kvp_error_last()->message);
	cr_assert_eq(n, 0);
	cr_assert_eq(kvp_store_is_stale(s), 0);
	cr_assert_eq(kvp_store_delete(s, "k"), 0);
	cr_assert_eq(kvp_store_clear(s), 0);
	cr_assert_eq(tu_file_size(no), -1);
	kvp_store_free(s);
	free(no);
	free(dir);
}

/* pool_dir "/" itself: no component to walk, "/" is opened. */
Test(trust, root_directory_as_pool_dir)
{
	kvp_store *s = tu_store("/", KVP_MODE_SAFE);
	size_t n = 7;

	if (tu_file_size("/.kvp_pool_1") != -1)
		cr_skip_test("/.kvp_pool_1 exists here");
	cr_assert_eq(kvp_store_len(s, &n), 0, "%s", kvp_error_last()->message);
	cr_assert_eq(n, 0);
	kvp_store_free(s);
}

/* A relative pool_dir is walked from "/" through the working directory,
 * "." and ".." included; the working directory's own trust counts. */
Test(trust, relative_directory_walked_from_root, .init = setup,
     .fini = teardown)
{
	char *pool = tu_path(base, "b/c/.kvp_pool_1");
	kvp_store *s = tu_store("a/.././b/c", KVP_MODE_SAFE);
	struct stat st;

	need_root();
	cr_assert_eq(chdir(base), 0);
	cr_assert_eq(mkdir("a", 0755), 0);
	cr_assert_eq(kvp_store_append(s, "k", "v"), 0, "%s",
		     kvp_error_last()->message);
	tu_assert_records(pool, (const char *const[]){"k", "v", NULL});
	cr_assert_eq(stat("b", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);

	cr_assert_eq(chmod(base, 0777), 0);
	expect_refusal(kvp_store_append(s, "k", "v2"), KVP_ERR_CORRUPT, base,
		       "writable by others");
	tu_assert_records(pool, (const char *const[]){"k", "v", NULL});
	cr_assert_eq(chdir("/"), 0);
	kvp_store_free(s);
	free(pool);
}

/* mkdirat then fchmod on the new directory's descriptor: 0755 under any
 * umask, each new directory owned by the caller; test_permissions.c
 * covers the umasks as root, this one a user in its own directory. */
static int create_as_user(void *dir)
{
	kvp_store *s = NULL;
	char *pool = NULL;
	struct stat st;

	umask(077);
	if (kvp_store_new(&s, KVP_POOL_GUEST, dir, KVP_MODE_SAFE) != 0 ||
	    kvp_store_append(s, "k", "v") != 0)
		return 1;
	if (stat(dir, &st) != 0 || (st.st_mode & 07777) != 0755 ||
	    st.st_uid != geteuid())
		return 2;
	if (asprintf(&pool, "%s/.kvp_pool_1", (char *)dir) < 0 ||
	    stat(pool, &st) != 0 || (st.st_mode & 07777) != 0600 ||
	    st.st_uid != geteuid())
		return 3;
	free(pool);
	kvp_store_free(s);
	return 0;
}

Test(trust, user_creates_in_its_own_directory, .init = setup, .fini = teardown)
{
	char *mine = tu_path(base, "mine");
	char *dir = tu_path(mine, "x/y");

	need_root();
	cr_assert_eq(mkdir(mine, 0755), 0);
	cr_assert_eq(chown(mine, nobody(), nobody()), 0);
	cr_assert_eq(tu_run_as_nobody(create_as_user, dir), 0);
	free(dir);
	free(mine);
}

/* ---- the fast check by path (trust_check_dir) ---- */

Test(trust, check_by_path_accepts_a_trusted_directory_and_makes_it_absolute,
     .init = setup, .fini = teardown)
{
	char *dir = tu_path(base, "ok"), *abs = NULL, *cwd = getcwd(NULL, 0);

	need_root();
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert(trust_check_dir(dir, &abs));
	cr_assert_str_eq(abs, dir);
	free(abs);
	/* A relative path is taken from the working directory. */
	cr_assert_eq(chdir(base), 0);
	cr_assert(trust_check_dir("ok", &abs));
	cr_assert_str_eq(abs + strlen(abs) - 3, "/ok");
	cr_assert_eq(abs[0], '/');
	free(abs);
	cr_assert_eq(chdir(cwd), 0);
	free(cwd);
	free(dir);
}

Test(trust, check_by_path_leaves_every_doubt_to_the_walk, .init = setup,
     .fini = teardown)
{
	char *good = tu_path(base, "good"), *shared = tu_path(base, "shared");
	char *link = tu_path(base, "link"), *theirs = tu_path(base, "theirs");
	char *missing = tu_path(base, "missing"), *up, *abs = (char *)1;

	need_root();
	cr_assert_eq(mkdir(good, 0755), 0);
	cr_assert_eq(mkdir(shared, 0777), 0);
	cr_assert_eq(chmod(shared, 0777), 0);
	cr_assert_eq(mkdir(theirs, 0755), 0);
	cr_assert_eq(chown(theirs, nobody(), nobody()), 0);
	cr_assert_eq(symlink(good, link), 0);
	cr_assert_gt(asprintf(&up, "%s/../good", good), 0);
	const char *refused[] = {shared, link, theirs, missing, up};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cr_assert_not(trust_check_dir(refused[i], &abs), "%s",
			      refused[i]);
		cr_assert_null(abs, "%s", refused[i]);
		abs = (char *)1;
	}
	free(up);
	free(good);
	free(shared);
	free(link);
	free(theirs);
	free(missing);
}

/* A verdict is reused for a second at most: a directory made shared after
 * it passed is refused once the second is over. The memo is of one path,
 * and of one uid when a directory on the path is not root's. */
Test(trust, check_by_path_is_remembered_for_a_second_only, .init = setup,
     .fini = teardown)
{
	char *dir = tu_path(base, "memo"), *other = tu_path(base, "other");
	char *abs = NULL;
	struct timespec pause = {1, 200 * 1000 * 1000};

	need_root();
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(mkdir(other, 0755), 0);
	cr_assert(trust_check_dir(dir, &abs));
	cr_assert_str_eq(abs, dir);
	free(abs);
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(chmod(other, 0777), 0);
	/* Another path is checked at once. */
	cr_assert_not(trust_check_dir(other, &abs), "not the remembered path");
	nanosleep(&pause, NULL);
	cr_assert_not(trust_check_dir(dir, &abs), "the memo outlived 1 s");
	cr_assert_null(abs);
	free(dir);
	free(other);
}

/* A path with a directory of uid nobody passes for nobody only: the
 * verdict remembered for nobody is not reused for another uid. */
Test(trust, check_by_path_memo_is_for_the_uid_it_was_made_for, .init = setup,
     .fini = teardown)
{
	char *dir = tu_path(base, "nobodys"), *abs = NULL;

	need_root();
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(chown(dir, nobody(), nobody()), 0);
	cr_assert_eq(seteuid(nobody()), 0);
	cr_assert(trust_check_dir(dir, &abs), "nobody's own directory");
	free(abs);
	cr_assert_eq(seteuid(0), 0);
	cr_assert_not(trust_check_dir(dir, &abs), "root: owned by nobody");
	free(dir);
}
