/* kvp_oneop.c - one libkvpcore write, for the fault-injection tests
 * (tests/crash/test_fault.c), which run it with tests/crash/fault_shim.so
 * preloaded to stop it at a chosen write step:
 *
 *   kvp_oneop DIR insert KEY VALUE
 *   kvp_oneop DIR delete KEY
 *   kvp_oneop DIR delmul KEY...
 *   kvp_oneop DIR append KEY VALUE
 *   kvp_oneop DIR appmul KEY VALUE [KEY VALUE]...
 *   kvp_oneop DIR load [KEY VALUE]...
 *   kvp_oneop DIR event PREFIX MAX_RECORDS
 *   kvp_oneop DIR clear_if_stale
 *
 * on the guest pool in DIR (Safe mode). "event" is kvp_event_record of a
 * session_open with fixed fields (time, pid, host...: the record is the
 * same in every run), written with write = "insert" in the legacy format
 * (format = "pam_kvp": the fault suite knows records by key prefix). Exits 0
 * when the call succeeded, 1 when it failed (the error on stderr), 2 on a usage
 * error.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvp/kvp.h"

#define EVENT_TIME 1700000500LL
#define BAD_ARGS   INT_MIN

/* Apply the module argument "name=value" to s. */
static int set(kvp_settings *s, const char *name, const char *value)
{
	char arg[8192];

	snprintf(arg, sizeof(arg), "%s=%s", name, value);
	return kvp_settings_set(s, arg);
}

static int event(const char *dir, const char *prefix, const char *max)
{
	kvp_settings *s = NULL;
	kvp_event ev = KVP_EVENT_INIT;
	int r;

	if ((r = kvp_settings_new(&s)) < 0 ||
	    (r = set(s, "pool_dir", dir)) < 0 ||
	    (r = set(s, "format", "pam_kvp")) < 0 ||
	    (r = set(s, "key_prefix", prefix)) < 0 ||
	    (r = set(s, "max_records", max)) < 0 ||
	    (r = set(s, "clear_if_stale", "no")) < 0 ||
	    (r = set(s, "lock_timeout_ms", "5000")) < 0 ||
	    (r = set(s, "write", "insert")) < 0) {
		kvp_settings_free(s);
		return r;
	}
	ev.type = KVP_EVENT_SESSION_OPEN;
	ev.time.tv_sec = (time_t)EVENT_TIME;
	ev.service = "sshd";
	ev.user = "alice";
	ev.tty = "pts/1";
	ev.pid = 4242;
	ev.uid = 1000;
	ev.result = "success";
	ev.host = "fault-host";
	ev.boot_id = "fault-boot";
	r = kvp_event_record(s, &ev);
	kvp_settings_free(s);
	return r;
}

/* argv[0..n) as KEY VALUE pairs. */
static kvp_pair *pairs_of(char **argv, int n)
{
	kvp_pair *p = calloc((size_t)n / 2 + 1, sizeof(*p));

	for (int i = 0; p && i + 1 < n; i += 2)
		p[i / 2] = (kvp_pair){argv[i], strlen(argv[i]), argv[i + 1],
				      strlen(argv[i + 1])};
	return p;
}

static int run(kvp_store *st, const char *dir, const char *op, int argc,
	       char **argv)
{
	kvp_pair *pairs;
	int r;

	if (strcmp(op, "insert") == 0 && argc == 2)
		return kvp_store_insert(st, argv[0], argv[1]);
	if (strcmp(op, "delete") == 0 && argc == 1)
		return kvp_store_delete(st, argv[0]);
	if (strcmp(op, "delmul") == 0 && argc > 0)
		return kvp_store_delete_multiple(st, (const char *const *)argv,
						 (size_t)argc, NULL);
	if (strcmp(op, "append") == 0 && argc == 2)
		return kvp_store_append(st, argv[0], argv[1]);
	if (strcmp(op, "event") == 0 && argc == 2)
		return event(dir, argv[0], argv[1]);
	if (strcmp(op, "clear_if_stale") == 0 && argc == 0)
		return kvp_store_clear_if_stale(st);
	if ((strcmp(op, "appmul") != 0 && strcmp(op, "load") != 0) ||
	    argc % 2 || !(pairs = pairs_of(argv, argc)))
		return BAD_ARGS;
	if (strcmp(op, "load") == 0)
		r = kvp_store_load(st, pairs, (size_t)argc / 2);
	else
		r = kvp_store_append_multiple(st, pairs, (size_t)argc / 2);
	free(pairs);
	return r;
}

int main(int argc, char **argv)
{
	kvp_store *st = NULL;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: kvp_oneop DIR OP ARGS...\n");
		return 2;
	}
	if (kvp_store_new(&st, KVP_POOL_GUEST, argv[1], KVP_MODE_SAFE)) {
		fprintf(stderr, "kvp_oneop: %s\n", kvp_error_last()->message);
		return 1;
	}
	kvp_store_set_lock_timeout(st, 5000);
	r = run(st, argv[1], argv[2], argc - 3, argv + 3);
	kvp_store_free(st);
	if (r == BAD_ARGS) {
		fprintf(stderr, "kvp_oneop: bad arguments for %s\n", argv[2]);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "kvp_oneop %s: %s\n", argv[2],
			kvp_error_last()->message);
		return 1;
	}
	return 0;
}
