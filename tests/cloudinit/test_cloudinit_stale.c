/* test_cloudinit_stale.c - cloud-init's truncate-if-stale (done once per
 * process when its KVP handler is built) against our clear_if_stale.
 *
 * cloud-init truncates when mtime < time.time() - /proc/uptime (a float),
 * with open(path, "w") and no lock; libkvpcore clears when the mtime's
 * seconds <= btime of /proc/stat, under both exclusive locks. They agree
 * on a file from before boot and on one written since; they can differ
 * within the second of boot and where /proc/uptime is virtualised
 * (containers), which is why only those two cases are asserted here.
 *
 * And cloud-init's check and truncation are two steps without a lock: a
 * record written between them (after our own clear_if_stale) is erased.
 * Shown deterministically by pausing the driver between the two steps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cloudinit_util.h"
#include "test_util.h"

#define RECORDS 5

static char *dir_ci, *dir_lib, *dir_ctl;
static struct cp_child paused;

static void setup(void)
{
	dir_ci = tu_mkdtemp();
	dir_lib = tu_mkdtemp();
	dir_ctl = tu_mkdtemp();
}

static void teardown(void)
{
	cp_kill(&paused);
	tu_rmtree(dir_ci);
	tu_rmtree(dir_lib);
	tu_rmtree(dir_ctl);
	free(dir_ci);
	free(dir_lib);
	free(dir_ctl);
}

/* The same RECORDS records in each directory's guest pool, mtime `when`
 * (seconds since the epoch; < 0 leaves it at now). */
static char *plant(const char *dir, long long when)
{
	const char *kv[2 * RECORDS + 1] = {"a", "1", "b", "2", "c",
					   "3", "d", "4", "e", "5"};
	char *path = tu_path(dir, ".kvp_pool_1");

	tu_plant(path, kv);
	if (when >= 0)
		tu_set_mtime(path, when);
	return path;
}

struct verdicts {
	int cloudinit_cleared, lib_stale, lib_cleared, kvpctl_cleared;
	double cloudinit_boot;
};

static struct verdicts judge(long long when)
{
	char *p_ci = plant(dir_ci, when), *p_lib = plant(dir_lib, when),
	     *p_ctl = plant(dir_ctl, when);
	const char *argv[] = {getenv("KVPCTL"), "--dir",      dir_ctl,
			      "clear",		"--if-stale", NULL};
	const off_t full = RECORDS * KVP_RECORD_SIZE;
	kvp_store *s = tu_store(dir_lib, KVP_MODE_SAFE);
	struct verdicts v;
	struct cp_result r;
	json_t *doc;
	off_t size;

	doc = CI_RUN("stale", p_ci);
	cr_assert_eq(json_integer_value(json_object_get(doc, "size_before")),
		     full);
	size = json_integer_value(json_object_get(doc, "size_after"));
	cr_assert(size == 0 || size == full, "cloud-init left %lld bytes",
		  (long long)size);
	v.cloudinit_cleared = size == 0;
	v.cloudinit_boot = json_real_value(json_object_get(doc, "boot_time"));
	json_decref(doc);

	v.lib_stale = kvp_store_is_stale(s);
	v.lib_cleared = kvp_store_clear_if_stale(s);
	cr_assert(v.lib_stale >= 0 && v.lib_cleared >= 0, "%s",
		  kvp_error_last()->message);
	cr_assert_eq(tu_file_size(p_lib), v.lib_cleared ? 0 : full);
	kvp_store_free(s);

	cr_assert_not_null(argv[0], "KVPCTL is not set (run via make)");
	cp_run(argv, CI_TIMEOUT_MS, &r);
	cr_assert_eq(r.status, 0, "kvpctl clear --if-stale: %s", r.err);
	cp_result_free(&r);
	size = tu_file_size(p_ctl);
	cr_assert(size == 0 || size == full);
	v.kvpctl_cleared = size == 0;

	free(p_ci);
	free(p_lib);
	free(p_ctl);
	return v;
}

Test(cloudinit_stale, both_clear_a_file_from_before_boot, .init = setup,
     .fini = teardown)
{
	struct verdicts v = judge(0); /* mtime 1970-01-01 */

	cr_assert(v.cloudinit_cleared, "cloud-init kept a 1970 pool");
	cr_assert_eq(v.lib_stale, 1);
	cr_assert_eq(v.lib_cleared, 1);
	cr_assert(v.kvpctl_cleared, "kvpctl clear --if-stale kept it");
}

Test(cloudinit_stale, both_keep_a_file_written_since_boot, .init = setup,
     .fini = teardown)
{
	struct verdicts v = judge(-1); /* mtime now */
	long long btime = tu_boot_time();

	cr_assert_not(v.cloudinit_cleared, "cloud-init cleared a fresh pool");
	cr_assert_eq(v.lib_stale, 0);
	cr_assert_eq(v.lib_cleared, 0);
	cr_assert_not(v.kvpctl_cleared, "kvpctl clear --if-stale cleared it");

	/* The two boot times, for the record (not asserted: see above). */
	cr_log_info("boot time: cloud-init %.3f, btime %lld (%+.3f s)",
		    v.cloudinit_boot, btime, v.cloudinit_boot - (double)btime);
}

Test(cloudinit_stale, its_unlocked_truncate_erases_a_record_written_meanwhile,
     .init = setup, .fini = teardown)
{
	char *path = plant(dir_lib, 0);
	kvp_store *s = tu_store(dir_lib, KVP_MODE_SAFE);
	char *line, *value = NULL;
	json_t *doc;

	ci_start(&paused,
		 (const char *const[]){"stale", path, "--pause", NULL});
	line = cp_read_line(&paused, CI_TIMEOUT_MS);
	cr_assert_str_eq(line, "checked");
	free(line);

	/* pam_kvp's first write after boot: clear the stale pool, append. */
	cr_assert_eq(kvp_store_clear_if_stale(s), 1);
	cr_assert_eq(kvp_store_append(s, "PAM_KVP|session_open", "{}"), 0);
	cr_assert_eq(tu_file_size(path), KVP_RECORD_SIZE);

	cp_send(&paused, "go");
	line = cp_read_line(&paused, CI_TIMEOUT_MS);
	cr_assert_eq(cp_finish(&paused, CI_TIMEOUT_MS), 0);
	doc = json_loads(line, 0, NULL);
	cr_assert_not_null(doc, "%s", line);
	cr_assert_eq(json_integer_value(json_object_get(doc, "size_after")), 0);
	json_decref(doc);
	free(line);
	cr_assert_eq(kvp_store_read(s, "PAM_KVP|session_open", &value, NULL), 0,
		     "the record survived: cloud-init now locks?");
	kvp_store_free(s);
	free(path);
}
