/* test_hv_kvp_daemon_concurrency.c - libkvpcore writers and the real
 * hv_kvp_daemon on one pool file at once: the External pool, which the
 * daemon rewrites (truncate + fwrite) for every host SET and DELETE.
 *
 * 4 processes x 2 threads insert, append (single and batched) and delete
 * keys of their own, logging each call's start and end; meanwhile the host
 * SETs and DELETEs its keys and enumerates the pool. At the end:
 *   - the daemon's enumeration equals kvp_store_dump(), record by record;
 *   - every record is whole (peer_record.h values), known, and unique;
 *   - the host's keys are exactly what its SETs and DELETEs left;
 *   - every writer's key is in the state its last call left, or else the
 *     calls since the state it is in all overlapped one of the daemon's
 *     unlocked read-modify-write gaps (logged by the shim). The daemon
 *     drops what lands in such a gap (see interop_external::
 *     daemon_rewrite_undoes_writes_made_between_its_locks); anything else
 *     missing, stale or resurrected fails the test.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conc_model.h"
#include "hv_daemon.h"
#include "hv_workers.h"
#include "peer_record.h"
#include "test_util.h"

#define DEADLINE_MS 120000 /* for the whole run */

struct writer_arg {
	struct shared *sh;
	kvp_store *store;
	int w;
};

static void cleanup(void)
{
	hw_kill_all();
	hv_stop_all();
}

TestSuite(interop_concurrency, .fini = cleanup);

/* The key and value a call writes; the note names the call ("s<seq>"). */
static void op_plan(int w, int seq, struct op *op)
{
	int cyc = seq / 6;

	switch (seq % 6) {
	case 0:
		op->kind = OP_APPEND;
		snprintf(op->key[0], KEY_MAX, "w%d|a%d", w, seq);
		break;
	case 1:
		op->kind = OP_INSERT;
		snprintf(op->key[0], KEY_MAX, "w%d|i%d", w, cyc % IKEYS);
		break;
	case 2:
		op->kind = OP_BATCH;
		snprintf(op->key[0], KEY_MAX, "w%d|a%d.0", w, seq);
		snprintf(op->key[1], KEY_MAX, "w%d|a%d.1", w, seq);
		break;
	case 3:
		op->kind = OP_DELETE;
		snprintf(op->key[0], KEY_MAX, "w%d|i%d", w, (cyc + 3) % IKEYS);
		break;
	case 4:
		op->kind = OP_INSERT;
		snprintf(op->key[0], KEY_MAX, "w%d|i%d", w, (cyc + 1) % IKEYS);
		break;
	default:
		op->kind = OP_DELETE;
		snprintf(op->key[0], KEY_MAX, "w%d|a%d", w, seq - 5);
		break;
	}
}

static int run_op(kvp_store *s, const struct op *op, const char *note)
{
	char v0[PR_VALUE_MAX + 1], v1[PR_VALUE_MAX + 1];
	kvp_pair pairs[2];

	switch (op->kind) {
	case OP_APPEND:
		pr_make_value(v0, op->key[0], note);
		return kvp_store_append(s, op->key[0], v0);
	case OP_INSERT:
		pr_make_value(v0, op->key[0], note);
		return kvp_store_insert(s, op->key[0], v0);
	case OP_BATCH:
		pairs[0] = (kvp_pair){op->key[0], strlen(op->key[0]), v0,
				      pr_make_value(v0, op->key[0], note)};
		pairs[1] = (kvp_pair){op->key[1], strlen(op->key[1]), v1,
				      pr_make_value(v1, op->key[1], note)};
		return kvp_store_append_multiple(s, pairs, 2);
	default: return kvp_store_delete(s, op->key[0]) < 0 ? -1 : 0;
	}
}

static void *writer(void *p)
{
	struct writer_arg *a = p;
	char note[16];

	for (int seq = 0; seq < OPS; seq++) {
		struct op *op = &a->sh->ops[a->w][seq];

		op_plan(a->w, seq, op);
		snprintf(note, sizeof(note), "s%d", seq);
		op->t0 = hw_now_ns();
		op->result = run_op(a->store, op, note);
		op->t1 = hw_now_ns();
		if (op->result != 0) {
			snprintf(a->sh->message[a->w], 256, "%s %s: %s",
				 op->kind == OP_DELETE ? "delete" : "write",
				 op->key[0], kvp_error_last()->message);
			return p;
		}
		/* Spread the calls over the host's activity. */
		nanosleep(
		    &(struct timespec){.tv_nsec =
					   200000 + (seq * 7919 % 9) * 100000},
		    NULL);
	}
	return NULL;
}

static int writer_process(int proc, void *arg)
{
	struct shared *sh = arg;
	struct writer_arg args[THREADS];
	pthread_t tid[THREADS];
	kvp_store *s = NULL;
	int bad = 0;

	if (kvp_store_new(&s, KVP_POOL_EXTERNAL, sh->pool_dir, KVP_MODE_SAFE) !=
	    0)
		return 1;
	kvp_store_set_lock_timeout(s, 30000);
	for (int t = 0; t < THREADS; t++) {
		args[t] = (struct writer_arg){sh, s, proc * THREADS + t};
		if (pthread_create(&tid[t], NULL, writer, &args[t]) != 0)
			return 1;
	}
	for (int t = 0; t < THREADS; t++) {
		void *ret;

		pthread_join(tid[t], &ret);
		bad |= ret != NULL;
	}
	kvp_store_free(s);
	return bad;
}

static void host_round(struct hv_daemon *d, int round, int model[HKEYS],
		       unsigned long *passes)
{
	char key[KEY_MAX], note[16], value[PR_VALUE_MAX + 1];
	int k = round % HKEYS;

	snprintf(key, sizeof(key), "host|%d", k);
	snprintf(note, sizeof(note), "r%d", round);
	pr_make_value(value, key, note);
	cr_assert_eq(hv_set(d, 0, key, value), HVW_S_OK, "SET %s", key);
	model[k] = round;
	if (round % 3 == 2) {
		k = (round * 7 + 3) % HKEYS;
		snprintf(key, sizeof(key), "host|%d", k);
		cr_assert_eq(hv_delete(d, 0, key),
			     model[k] >= 0 ? HVW_S_OK : HVW_S_CONT, "DELETE %s",
			     key);
		model[k] = -1;
	}
	if (round % 8 == 7) {
		kvp_record_list view;

		hv_enumerate_all(d, 0, &view);
		for (size_t i = 0; i < view.count; i++)
			cr_assert_not_null(
			    conc_note_of(&view.records[i], note, sizeof(note)),
			    "daemon handed out a torn record "
			    "\"%.60s\"",
			    view.records[i].key);
		kvp_record_list_free(&view);
		(*passes)++;
	}
}

Test(interop_concurrency, writers_beside_host_set_delete_enumerate)
{
	struct hv_daemon *d = hv_start(HV_WITH_WINDOWS);
	struct shared *sh = hw_shared(sizeof(*sh));
	kvp_store *s = hv_store(d, KVP_POOL_EXTERNAL, KVP_MODE_SAFE);
	int model[HKEYS], failed = 0, round = 0;
	unsigned long passes = 0;
	struct conc_stats st = {0};
	double t0, elapsed;
	int64_t slowest = 0;

	for (int k = 0; k < HKEYS; k++)
		model[k] = -1;
	snprintf(sh->pool_dir, sizeof(sh->pool_dir), "%s", d->pool_dir);
	hw_spawn(PROCS, writer_process, sh);
	t0 = hv_now_ms();
	hw_go();
	while (!hw_done(&failed) || round < MIN_ROUNDS) {
		cr_assert_lt(hv_now_ms() - t0, DEADLINE_MS,
			     "writers still running after %d ms", DEADLINE_MS);
		host_round(d, round++, model, &passes);
	}
	elapsed = hv_now_ms() - t0;
	for (int w = 0; w < WRITERS; w++)
		cr_assert_eq(sh->message[w][0], '\0', "writer %d: %s", w,
			     sh->message[w]);
	cr_assert_eq(failed, 0, "%d writer processes failed", failed);

	conc_check_final(d, s, sh, model, &st);
	for (int w = 0; w < WRITERS; w++)
		for (int seq = 0; seq < OPS; seq++)
			if (sh->ops[w][seq].t1 - sh->ops[w][seq].t0 > slowest)
				slowest =
				    sh->ops[w][seq].t1 - sh->ops[w][seq].t0;
	cr_log_info("pool 0: %d writers x %d calls beside %d host rounds "
		    "(%d SET, %d DELETE, %lu full enumerations), %lu daemon "
		    "requests in %.0f ms; slowest call %.1f ms; final %zu "
		    "records; %zu daemon rewrite gaps logged; %zu writer calls "
		    "undone by a gap (%zu keys affected)",
		    WRITERS, OPS, round, round, round / 3, passes, d->requests,
		    elapsed, (double)slowest / 1e6, st.records, st.windows,
		    st.undone_calls, st.affected_keys);
	kvp_store_free(s);
}
