/* store_stale.c - staleness: a pool whose mtime is at or before the boot
 * time (btime of /proc/stat) was written in an earlier boot. is_stale
 * looks without a lock; clear_if_stale decides again under the exclusive
 * locks, on the mtime seen there, and the event writer runs the same edit
 * in its own transaction. */
#include <errno.h>
#include <stdio.h>

#include "store/store_edit.h"
#include "store/store_internal.h"

int store_boot_time(long long *out)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	bool found = false;

	if (!f)
		return err_fail_errno(errno, "/proc/stat", "open");
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "btime %lld", out) == 1;
	fclose(f);
	if (!found)
		return err_fail(KVP_ERR_CORRUPT, "/proc/stat", 0, 0,
				"no btime line");
	return 0;
}

int store_is_stale_at(const kvp_store *s, long long boot_time)
{
	long long mtime;
	/* A stat, no lock: it never waits, and it reports a symbolic link
	 * as "not a regular file" rather than refusing to open one. */
	int r = pool_stat_mtime(s, &mtime);

	if (r != 0)
		return r < 0 ? r : 0; /* a missing pool is not stale */
	return mtime <= boot_time;
}

int kvp_store_is_stale(const kvp_store *s)
{
	long long boot;
	int r = store_boot_time(&boot);

	return r < 0 ? r : store_is_stale_at(s, boot);
}

int store_edit_clear_if_stale(struct pool_txn *t, long long boot_time)
{
	int r;

	/* Decided on the mtime seen under the lock: a writer may have
	 * touched the file since anyone else looked. */
	if (t->mtime > boot_time)
		return 0;
	r = pool_txn_truncate(t, 0);
	return r < 0 ? r : 1;
}

int kvp_store_clear_if_stale(const kvp_store *s)
{
	struct pool_txn t;
	long long boot;
	int r = store_boot_time(&boot);

	if (r < 0)
		return r;
	/* As found: a pool that is not stale is left byte for byte. */
	r = pool_txn_begin(&t, s, POOL_WRITE, POOL_TXN_AS_FOUND);
	if (r != 0)
		return r < 0 ? r : 0;
	r = store_edit_clear_if_stale(&t, boot);
	pool_txn_end(&t);
	return r;
}
