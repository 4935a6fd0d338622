/* test_hv_kvp_daemon_append.c - the load: 8 processes append 1000
 * events each to the guest pool through libkvpcore while the real
 * hv_kvp_daemon serves the host's enumeration the whole time. Every record
 * the daemon hands out meanwhile must be whole; at the end all 8000 are
 * there, once each, whole, each process's in its own order, and the
 * daemon's view matches libkvpcore's dump.
 *
 * Cost note: the daemon re-reads the whole file for every request, so one
 * full enumeration of N records reads N files of up to N records (a full
 * pass over 8000 would take minutes). While the writers run, the host
 * alternates between the newest record (by file size) and a sweep from the
 * start; at the end it compares a sample of indexes, the last record and
 * the end with libkvpcore's dump.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_daemon.h"
#include "hv_workers.h"
#include "peer_record.h"
#include "test_util.h"

#define PROCS	      8
#define EVENTS	      1000
#define TOTAL	      (PROCS * EVENTS)
#define SAMPLE_STRIDE 97
#define DEADLINE_MS   180000 /* for the whole write phase */

static void cleanup(void)
{
	hw_kill_all();
	hv_stop_all();
}

TestSuite(interop_append, .fini = cleanup);

struct run {
	char pool_dir[4096];
	int failed_at[PROCS]; /* seq + 1 of a failed append, 0 if none */
	int error[PROCS];
	char message[PROCS][256];
	int64_t elapsed_ns[PROCS];
	int64_t slowest_call_ns[PROCS];
};

static void event_key(char *out, size_t cap, int proc, int seq)
{
	snprintf(out, cap, "PAM_KVP|ev|%d|%04d", proc, seq);
}

static int appender(int proc, void *arg)
{
	struct run *run = arg;
	kvp_store *s = NULL;
	char key[64], value[PR_VALUE_MAX + 1], note[16];
	int64_t t0 = hw_now_ns();

	if (kvp_store_new(&s, KVP_POOL_GUEST, run->pool_dir, KVP_MODE_SAFE) !=
	    0)
		return 1;
	kvp_store_set_lock_timeout(s, 30000);
	snprintf(note, sizeof(note), "p%d", proc);
	for (int seq = 0; seq < EVENTS; seq++) {
		int r;

		int64_t c0 = hw_now_ns();

		event_key(key, sizeof(key), proc, seq);
		pr_make_value(value, key, note);
		r = kvp_store_append(s, key, value);
		if (hw_now_ns() - c0 > run->slowest_call_ns[proc])
			run->slowest_call_ns[proc] = hw_now_ns() - c0;
		if (r != 0) {
			run->failed_at[proc] = seq + 1;
			run->error[proc] = r;
			snprintf(run->message[proc], sizeof(run->message[proc]),
				 "%s", kvp_error_last()->message);
			kvp_store_free(s);
			return 1;
		}
	}
	run->elapsed_ns[proc] = hw_now_ns() - t0;
	kvp_store_free(s);
	return 0;
}

/* Which (proc, seq) a record is, if it is one of ours and whole. */
static bool parse_event(const char *key, size_t key_len, const char *value,
			size_t value_len, int *proc, int *seq)
{
	char note[16], want[16];

	if (sscanf(key, "PAM_KVP|ev|%d|%d", proc, seq) != 2 || *proc < 0 ||
	    *proc >= PROCS || *seq < 0 || *seq >= EVENTS)
		return false;
	snprintf(want, sizeof(want), "p%d", *proc);
	return pr_value_ok(key, key_len, value, value_len, note,
			   sizeof(note)) &&
	       strcmp(note, want) == 0;
}

Test(interop_append, eight_procs_thousand_events_while_enumerating)
{
	struct hv_daemon *d = hv_start(0);
	struct run *run = hw_shared(sizeof(*run));
	kvp_store *s = hv_store(d, KVP_POOL_GUEST, KVP_MODE_SAFE);
	static struct hv_reply r;
	static unsigned char seen[PROCS][EVENTS];
	int last_seq[PROCS], failed = 0, proc, seq;
	uint32_t newest = 0, sweep = 0;
	char *path = hv_pool_path(d, KVP_POOL_GUEST);
	unsigned long probes = 0, whole = 0;
	double t0, t_write, t_check;
	int64_t slowest = 0, slowest_call = 0;
	unsigned long during;
	kvp_record_list dump;

	snprintf(run->pool_dir, sizeof(run->pool_dir), "%s", d->pool_dir);
	hw_spawn(PROCS, appender, run);
	t0 = hv_now_ms();
	hw_go();
	/* The host, until every writer is done, alternately: the newest
	 * record (where a torn write would show), and a sweep from the
	 * start. */
	while (!hw_done(&failed)) {
		bool sweeping = probes & 1;
		off_t size = tu_file_size(path);
		uint32_t index, err;

		cr_assert_lt(hv_now_ms() - t0, DEADLINE_MS,
			     "writers still running after %d ms", DEADLINE_MS);
		if (!sweeping && size < KVP_RECORD_SIZE) {
			probes++;
			continue;
		}
		index =
		    sweeping ? sweep : (uint32_t)(size / KVP_RECORD_SIZE) - 1;
		err = hv_enumerate(d, KVP_POOL_GUEST, index, &r);
		probes++;
		if (err == HVW_S_CONT && sweeping) {
			sweep = 0;
			continue;
		}
		cr_assert_eq(err, HVW_S_OK, "enumerate %u: 0x%x", index, err);
		cr_assert(parse_event(r.key, r.key_len, r.value, r.value_len,
				      &proc, &seq),
			  "daemon handed out a torn or foreign record at %u: "
			  "\"%.80s\"",
			  index, r.key);
		whole++;
		if (sweeping)
			sweep += SAMPLE_STRIDE;
		else if (index > newest)
			newest = index;
	}
	t_write = hv_now_ms() - t0;
	during = d->requests;
	for (int p = 0; p < PROCS; p++)
		cr_assert_eq(run->failed_at[p], 0,
			     "writer %d failed at event %d: %s (%s)", p,
			     run->failed_at[p] - 1, run->message[p],
			     kvp_error_name(run->error[p]));
	cr_assert_eq(failed, 0, "%d writer processes failed", failed);

	/* libkvpcore's view: all 8000, whole, once each, in each writer's
	 * order. */
	cr_assert_eq(kvp_store_dump(s, &dump), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(dump.torn_bytes, 0);
	cr_assert_eq(dump.count, TOTAL, "%zu records, expected %d", dump.count,
		     TOTAL);
	for (int p = 0; p < PROCS; p++)
		last_seq[p] = -1;
	for (size_t i = 0; i < dump.count; i++) {
		const kvp_record *rec = &dump.records[i];

		cr_assert(parse_event(rec->key, rec->key_len, rec->value,
				      rec->value_len, &proc, &seq),
			  "record %zu torn or foreign: \"%.80s\"", i, rec->key);
		cr_assert_eq(seen[proc][seq], 0, "%s twice", rec->key);
		seen[proc][seq] = 1;
		cr_assert_gt(seq, last_seq[proc], "%s out of order", rec->key);
		last_seq[proc] = seq;
	}

	/* The daemon's view of the final file: a sample of indexes, the
	 * last record, and the end. */
	t0 = hv_now_ms();
	for (uint32_t i = 0; i < TOTAL; i += SAMPLE_STRIDE) {
		cr_assert_eq(hv_enumerate(d, KVP_POOL_GUEST, i, &r), HVW_S_OK);
		cr_assert_str_eq(r.key, dump.records[i].key, "index %u", i);
		cr_assert_str_eq(r.value, dump.records[i].value, "index %u", i);
	}
	cr_assert_eq(hv_enumerate(d, KVP_POOL_GUEST, TOTAL - 1, &r), HVW_S_OK);
	cr_assert_str_eq(r.key, dump.records[TOTAL - 1].key);
	cr_assert_eq(hv_enumerate(d, KVP_POOL_GUEST, TOTAL, &r), HVW_S_CONT);
	t_check = hv_now_ms() - t0;

	for (int p = 0; p < PROCS; p++) {
		if (run->elapsed_ns[p] > slowest)
			slowest = run->elapsed_ns[p];
		if (run->slowest_call_ns[p] > slowest_call)
			slowest_call = run->slowest_call_ns[p];
	}
	cr_log_info(
	    "8 x %d appends beside the daemon: %.0f ms (slowest "
	    "writer %.0f ms, slowest append %.1f ms); %lu enumerate "
	    "requests served meanwhile, "
	    "%lu whole records checked (newest probed: index %u); final "
	    "daemon sample %d requests in %.0f ms",
	    EVENTS, t_write, (double)slowest / 1e6, (double)slowest_call / 1e6,
	    during, whole, newest, TOTAL / SAMPLE_STRIDE + 3, t_check);
	kvp_record_list_free(&dump);
	kvp_store_free(s);
	free(path);
}
