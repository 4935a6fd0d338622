/* test_cloudinit_locks.c - which locks keep cloud-init's KVP handler and
 * our writers apart, shown step by step (no timing: every step waits for
 * an explicit signal, each wait bounded).
 *
 * - Our lock pair (flock, then an OFD lock: lock_holder "both", as
 *   libkvpcore takes them) stops cloud-init's append: /proc/locks shows it
 *   blocked in flock until we let go, and then nothing is lost.
 * - An fcntl lock alone (OFD or classic POSIX, hv_kvp_daemon's family)
 *   does not stop it: cloud-init appends while the lock is held.
 * - cloud-init's reader holding its flock makes kvpctl and libkvpcore
 *   time out (bounded), and they work once it lets go.
 * - Negative control: a writer that takes no lock, snapshots the pool,
 *   and writes back its edit (a swap-remove and a truncate) after
 *   cloud-init appended, erases exactly those appended records, and the
 *   check used by the race test reports them lost.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cloudinit_util.h"
#include "test_util.h"

static char *dir, *pool;
static kvp_store *store;
static struct cp_child cloudinit, holder;

static void setup(void)
{
	dir = tu_mkdtemp();
	pool = tu_path(dir, ".kvp_pool_1");
	store = tu_store(dir, KVP_MODE_SAFE);
}

static void teardown(void)
{
	cp_kill(&cloudinit);
	cp_kill(&holder);
	kvp_store_free(store);
	tu_rmtree(dir);
	free(dir);
	free(pool);
}

/* Ask cloud-init to publish n events and wait until they are written;
 * returns how many records it has written in all. */
static size_t publish_flushed(int n)
{
	char cmd[32], *reply;
	size_t records = 0;

	snprintf(cmd, sizeof(cmd), "publish %d", n);
	cp_send(&cloudinit, cmd);
	reply = ci_ask(&cloudinit, "flush");
	cr_assert_eq(sscanf(reply, "flushed %zu", &records), 1, "%s", reply);
	free(reply);
	return records;
}

static void start_holder(const char *family)
{
	char *path = tu_helper("lock_holder");
	char *line;

	cp_start(&holder,
		 (const char *const[]){path, family, "write", pool, NULL});
	line = cp_read_line(&holder, CI_TIMEOUT_MS);
	cr_assert_str_eq(line, "ready", "lock_holder: %s", line);
	free(line);
	free(path);
}

/* True when /proc/locks shows `pid` waiting for a flock on `path`. */
static int flock_waiter(pid_t pid, const char *path)
{
	FILE *f = fopen("/proc/locks", "r");
	char line[256];
	struct stat st;
	int found = 0;

	cr_assert_not_null(f, "/proc/locks");
	cr_assert_eq(stat(path, &st), 0);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "-> FLOCK ");
		char kind[16], mode[16];
		unsigned int maj, min;
		unsigned long ino;
		long who;
		if (p && sscanf(p, "-> FLOCK %15s %15s %ld %x:%x:%lu", kind,
				mode, &who, &maj, &min, &ino) == 6)
			found =
			    who == (long)pid && ino == (unsigned long)st.st_ino;
	}
	fclose(f);
	return found;
}

static int has_output(struct cp_child *c)
{
	struct pollfd pfd = {.fd = c->out, .events = POLLIN};

	return c->len > 0 || poll(&pfd, 1, 0) > 0;
}

Test(cloudinit_locks, our_lock_pair_stops_the_handler, .init = setup,
     .fini = teardown)
{
	struct timespec nap = {0, 1000000};
	struct ci_recs wrote, ours;
	size_t before, after;
	char *reply;
	json_t *doc;
	int waited = 0;

	ci_serve(&cloudinit, pool, 5);
	before = publish_flushed(3);
	start_holder("both");
	cp_send(&cloudinit, "publish 2");
	cp_send(&cloudinit, "flush");

	/* Its publish thread must end up blocked in flock(LOCK_EX). */
	while (!flock_waiter(cloudinit.pid, pool)) {
		cr_assert_lt(waited++, CI_TIMEOUT_MS,
			     "cloud-init never waited for our flock");
		nanosleep(&nap, NULL);
	}
	cr_assert_not(has_output(&cloudinit), "flushed while we held the lock");
	cr_assert_eq(tu_file_size(pool), (off_t)(before * KVP_RECORD_SIZE));

	cp_kill(&holder); /* our locks go with it */
	reply = cp_read_line(&cloudinit, CI_TIMEOUT_MS);
	cr_assert_eq(sscanf(reply, "flushed %zu", &after), 1, "%s", reply);
	cr_assert_gt(after, before + 1);
	free(reply);

	doc = ci_serve_stop(&cloudinit);
	ci_recs_published(doc, &wrote);
	json_decref(doc);
	ci_recs_dump(store, &ours);
	ci_assert_same(&wrote, &ours, "pool after the wait");
	ci_recs_free(&wrote);
	ci_recs_free(&ours);
}

static void fcntl_lock_alone(const char *family)
{
	size_t before, after;

	ci_serve(&cloudinit, pool, 6);
	before = publish_flushed(1);
	start_holder(family);
	after = publish_flushed(2); /* bounded: fails if it blocks */
	cr_assert_gt(after, before + 1);
	cr_assert(cp_alive(&holder), "lock_holder let go early");
	cr_assert_eq(tu_file_size(pool), (off_t)(after * KVP_RECORD_SIZE));
}

Test(cloudinit_locks, an_ofd_lock_alone_does_not_stop_it, .init = setup,
     .fini = teardown)
{
	fcntl_lock_alone("ofd");
}

Test(cloudinit_locks, a_posix_lock_alone_does_not_stop_it, .init = setup,
     .fini = teardown)
{
	fcntl_lock_alone("posix");
}

static struct cp_result kvpctl(const char *const *args)
{
	const char *argv[16] = {getenv("KVPCTL"), "--dir", dir};
	struct cp_result r;
	size_t n = 3;

	cr_assert_not_null(argv[0], "KVPCTL is not set (run via make)");
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cp_run(argv, CI_TIMEOUT_MS, &r);
	return r;
}

Test(cloudinit_locks, its_reader_makes_ours_wait, .init = setup,
     .fini = teardown)
{
	struct cp_result r;
	struct ci_recs theirs;
	char *reply;
	char *value = NULL;

	ci_serve(&cloudinit, pool, 7);
	publish_flushed(3);
	reply = ci_ask(&cloudinit, "hold");
	cr_assert_str_eq(reply, "held");
	free(reply);

	r = kvpctl(
	    (const char *const[]){"--timeout", "200", "set", "k", "v", NULL});
	cr_assert_eq(r.status, 3, "kvpctl set: exit %d; stderr: %s", r.status,
		     r.err);
	cr_assert_not_null(strstr(r.err, "lock timeout"), "%s", r.err);
	cp_result_free(&r);
	kvp_store_set_lock_timeout(store, 100);
	cr_assert_eq(kvp_store_append(store, "k", "v"), KVP_ERR_LOCK_TIMEOUT);
	cr_assert_eq(kvp_store_read(store, "k", &value, NULL),
		     KVP_ERR_LOCK_TIMEOUT);

	reply = ci_ask(&cloudinit, "release");
	cr_assert_str_eq(reply, "released 3");
	free(reply);
	r = kvpctl(
	    (const char *const[]){"--timeout", "200", "set", "k", "v", NULL});
	cr_assert_eq(r.status, 0, "kvpctl set: exit %d; stderr: %s", r.status,
		     r.err);
	cp_result_free(&r);
	ci_recs_cloudinit(pool, &theirs);
	cr_assert_eq(theirs.n, 4);
	cr_assert_str_eq(theirs.v[3].key, "k");
	cr_assert_str_eq(theirs.v[3].value, "v");
	ci_recs_free(&theirs);
}

/* The edit an insert or delete makes, done the wrong way: on a snapshot
 * taken earlier without any lock, written back without any lock. */
static void unlocked_delete_first(const unsigned char *snap, size_t len)
{
	int fd = open(pool, O_WRONLY | O_CLOEXEC);
	size_t n = len / KVP_RECORD_SIZE;

	cr_assert(fd >= 0 && n >= 2);
	cr_assert_eq(
	    pwrite(fd, snap + (n - 1) * KVP_RECORD_SIZE, KVP_RECORD_SIZE, 0),
	    KVP_RECORD_SIZE);
	cr_assert_eq(ftruncate(fd, (off_t)((n - 1) * KVP_RECORD_SIZE)), 0);
	close(fd);
}

Test(cloudinit_locks, negative_control_unlocked_writer_loses_records,
     .init = setup, .fini = teardown)
{
	struct ci_recs wrote, dump, ci_in_pool = {0};
	size_t first, second, len, missing, extra;
	unsigned char *snap;
	json_t *doc;

	cr_assert_eq(kvp_store_insert(store, "OUR|victim", "v"), 0);
	ci_serve(&cloudinit, pool, 8);
	first = publish_flushed(4);
	snap = tu_read_file(pool, &len);
	second = publish_flushed(3);
	cr_assert_gt(second, first);
	unlocked_delete_first(snap, len);
	free(snap);

	doc = ci_serve_stop(&cloudinit);
	ci_recs_published(doc, &wrote);
	json_decref(doc);
	ci_recs_dump(store, &dump);
	for (size_t i = 0; i < dump.n; i++)
		if (ci_has_prefix(&dump.v[i], "CLOUD_INIT|"))
			ci_recs_add(&ci_in_pool, dump.v[i].key,
				    dump.v[i].key_len, dump.v[i].value,
				    dump.v[i].value_len);
	ci_diff(&wrote, &ci_in_pool, &missing, &extra);
	cr_assert_eq(missing, second - first,
		     "the check found %zu of the %zu erased records", missing,
		     second - first);
	cr_assert_eq(extra, 0);
	ci_recs_free(&wrote);
	ci_recs_free(&dump);
	ci_recs_free(&ci_in_pool);
}
