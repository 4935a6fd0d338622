/* kvp_writer.c - a libkvpcore writer for the crash tests (tests/crash/):
 * it loops doing store writes with self-checking values (peer_record.h)
 * until it is killed, and logs every operation to a side file just
 * before the call and just after it returned.
 *
 *   kvp_writer DIR LOG SEED FIRST_SEQ MODE MAX_RECORDS
 *
 * DIR holds the guest pool (.kvp_pool_1). Operation i gets the sequence
 * number FIRST_SEQ + i, and every value it writes is
 * pr_make_value(key, "s<seq>"). MODE picks the mix of operations:
 *   mix     insert of W|0..W|7 (existing or absent keys), delete of W|k
 *           or of one of its own appends, append of WA|<seq>, insert of a
 *           new key WI|<seq>, append_multiple of 2..8 records
 *           WB|<seq>|<i>, delete_multiple of such a batch, and
 *           kvp_event_record (key prefix CRASH, service "s<seq>", a key
 *           time derived from seq, MAX_RECORDS as max_records);
 *   batch   append_multiple of 32..160 records (one large pwrite, so a
 *           kill often lands inside it), and delete_multiple of its
 *           oldest batch whenever two are live;
 *   inplace mostly inserts of the existing keys W|0..W|7 (in-place
 *           overwrites), some deletes and appends.
 *
 * Log lines, each one write(2) on an O_APPEND file (a kill cannot lose a
 * line written before it; a line cut by the kill has no newline):
 *   B <seq> ins|insnew|del|app KEY     before the call
 *   B <seq> mul|dmul WB|<t> <n>        keys WB|<t>|0 .. WB|<t>|<n-1>
 *   B <seq> ev CRASH                    kvp_event_record
 *   E <seq> <rc>                        after the call returned
 *
 * Prints "ready" on stdout before the first operation. Exits 0 after
 * MAX_OPS operations (the test kills it long before), 1 when a call
 * fails, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvp/kvp.h"
#include "peer_record.h"

#define MAX_OPS	    100000
#define W_KEYS	    8
#define LIVE_MAX    64
#define EVENT_EPOCH 1700000000LL

struct writer {
	const char *dir;
	int log_fd;
	kvp_store *store;
	unsigned long long rng;
	long seq;
	unsigned int max_records;
	long live_app[LIVE_MAX]; /* WA|<seq> appended by this process */
	size_t n_app;
	long live_batch[LIVE_MAX][2]; /* {seq, n} of WB batches */
	size_t n_batch;
};

static unsigned long long next_rand(struct writer *w)
{
	/* splitmix64 */
	unsigned long long z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long pick(struct writer *w, long lo, long hi)
{
	return lo + (long)(next_rand(w) % (unsigned long long)(hi - lo + 1));
}

static void log_line(struct writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_line(struct writer *w, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    write(w->log_fd, line, (size_t)n) != n) {
		fprintf(stderr, "kvp_writer: log write failed: %s\n",
			strerror(errno));
		exit(1);
	}
}

static void done(struct writer *w, int rc)
{
	log_line(w, "E %ld %d\n", w->seq, rc);
	if (rc < 0) {
		fprintf(stderr, "kvp_writer: op %ld failed: %s\n", w->seq,
			kvp_error_last()->message);
		exit(1);
	}
}

static void value_of(const char *key, long seq, char *out)
{
	char note[32];

	snprintf(note, sizeof(note), "s%ld", seq);
	pr_make_value(out, key, note);
}

static void op_insert(struct writer *w, const char *key, const char *op)
{
	char value[PR_VALUE_MAX + 1];

	value_of(key, w->seq, value);
	log_line(w, "B %ld %s %s\n", w->seq, op, key);
	done(w, kvp_store_insert(w->store, key, value));
}

static void op_delete(struct writer *w, const char *key)
{
	log_line(w, "B %ld del %s\n", w->seq, key);
	done(w, kvp_store_delete(w->store, key));
}

static void op_append(struct writer *w)
{
	char key[48], value[PR_VALUE_MAX + 1];

	snprintf(key, sizeof(key), "WA|%ld", w->seq);
	value_of(key, w->seq, value);
	log_line(w, "B %ld app %s\n", w->seq, key);
	done(w, kvp_store_append(w->store, key, value));
	if (w->n_app < LIVE_MAX)
		w->live_app[w->n_app++] = w->seq;
}

static void op_append_multiple(struct writer *w, long n)
{
	kvp_pair *pairs = calloc((size_t)n, sizeof(*pairs));
	char(*keys)[48] = calloc((size_t)n, sizeof(*keys));
	char(*values)[PR_VALUE_MAX + 1] = calloc((size_t)n, sizeof(*values));

	if (!pairs || !keys || !values) {
		fprintf(stderr, "kvp_writer: out of memory\n");
		exit(1);
	}
	for (long i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "WB|%ld|%ld", w->seq, i);
		value_of(keys[i], w->seq, values[i]);
		pairs[i] = (kvp_pair){keys[i], strlen(keys[i]), values[i],
				      strlen(values[i])};
	}
	log_line(w, "B %ld mul WB|%ld %ld\n", w->seq, w->seq, n);
	done(w, kvp_store_append_multiple(w->store, pairs, (size_t)n));
	if (w->n_batch < LIVE_MAX) {
		w->live_batch[w->n_batch][0] = w->seq;
		w->live_batch[w->n_batch++][1] = n;
	}
	free(pairs);
	free(keys);
	free(values);
}

/* delete_multiple of the oldest live batch. */
static void op_delete_batch(struct writer *w)
{
	long bseq = w->live_batch[0][0], n = w->live_batch[0][1];
	char(*keys)[48] = calloc((size_t)n, sizeof(*keys));
	const char **ptrs = calloc((size_t)n, sizeof(*ptrs));

	if (!keys || !ptrs) {
		fprintf(stderr, "kvp_writer: out of memory\n");
		exit(1);
	}
	for (long i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "WB|%ld|%ld", bseq, i);
		ptrs[i] = keys[i];
	}
	log_line(w, "B %ld dmul WB|%ld %ld\n", w->seq, bseq, n);
	done(w, kvp_store_delete_multiple(w->store, ptrs, (size_t)n, NULL));
	memmove(w->live_batch, w->live_batch + 1,
		--w->n_batch * sizeof(w->live_batch[0]));
	free(keys);
	free(ptrs);
}

/* Apply the module argument printf(fmt, ...) to s, or fail the run. */
static void __attribute__((format(printf, 2, 3)))
set(kvp_settings *s, const char *fmt, ...)
{
	char arg[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(arg, sizeof(arg), fmt, ap);
	va_end(ap);
	if (kvp_settings_set(s, arg) < 0) {
		fprintf(stderr, "kvp_writer: %s\n", kvp_error_last()->message);
		exit(1);
	}
}

static void op_event(struct writer *w)
{
	kvp_settings *s = NULL;
	kvp_event ev = KVP_EVENT_INIT;
	char service[32];

	if (kvp_settings_new(&s) < 0) {
		fprintf(stderr, "kvp_writer: %s\n", kvp_error_last()->message);
		exit(1);
	}
	set(s, "pool_dir=%s", w->dir);
	/* The crash model reads the operation from the legacy key
	 * (CRASH|session_open|s<seq>|...): format = "pam_kvp". */
	set(s, "format=pam_kvp");
	set(s, "key_prefix=CRASH");
	set(s, "max_records=%u", w->max_records);
	set(s, "clear_if_stale=no");
	set(s, "lock_timeout_ms=10000");
	set(s, "write=%s", w->seq % 2 ? "insert" : "append");
	snprintf(service, sizeof(service), "s%ld", w->seq);
	ev.type = KVP_EVENT_SESSION_OPEN;
	/* Key times follow seq, so "oldest" means lowest seq. */
	ev.time.tv_sec = (time_t)(EVENT_EPOCH + w->seq / 1000);
	ev.time.tv_nsec = (long)(w->seq % 1000) * 1000000L;
	ev.service = service;
	ev.user = "crash";
	ev.tty = "pts/0";
	ev.pid = getpid();
	ev.uid = 0;
	ev.result = "success";
	ev.host = "crash-host";
	ev.boot_id = "crash-boot";
	log_line(w, "B %ld ev CRASH\n", w->seq);
	done(w, kvp_event_record(s, &ev));
	kvp_settings_free(s);
}

static void w_key(struct writer *w, char *key, size_t size)
{
	snprintf(key, size, "W|%ld", pick(w, 0, W_KEYS - 1));
}

static void step_mix(struct writer *w)
{
	long dice = pick(w, 0, 99);
	char key[48];

	if (dice < 25) {
		w_key(w, key, sizeof(key));
		op_insert(w, key, "ins");
	} else if (dice < 37) {
		w_key(w, key, sizeof(key));
		op_delete(w, key);
	} else if (dice < 45 && w->n_app > 0) {
		size_t i = (size_t)pick(w, 0, (long)w->n_app - 1);
		snprintf(key, sizeof(key), "WA|%ld", w->live_app[i]);
		w->live_app[i] = w->live_app[--w->n_app];
		op_delete(w, key);
	} else if (dice < 60) {
		op_append(w);
	} else if (dice < 66) {
		snprintf(key, sizeof(key), "WI|%ld", w->seq);
		op_insert(w, key, "insnew");
	} else if (dice < 76) {
		op_append_multiple(w, pick(w, 2, 8));
	} else if (dice < 83 && w->n_batch > 0) {
		op_delete_batch(w);
	} else {
		op_event(w);
	}
}

static void step_batch(struct writer *w)
{
	if (w->n_batch >= 2)
		op_delete_batch(w);
	else
		op_append_multiple(w, pick(w, 32, 160));
}

static void step_inplace(struct writer *w)
{
	long dice = pick(w, 0, 99);
	char key[48];

	w_key(w, key, sizeof(key));
	if (dice < 80)
		op_insert(w, key, "ins");
	else if (dice < 90)
		op_delete(w, key);
	else
		op_append(w);
}

static long number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "kvp_writer: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct writer w = {0};
	void (*step)(struct writer *);

	if (argc != 7) {
		fprintf(stderr, "usage: kvp_writer DIR LOG SEED FIRST_SEQ "
				"mix|batch|inplace MAX_RECORDS\n");
		return 2;
	}
	w.dir = argv[1];
	w.rng = (unsigned long long)number(argv[3]);
	w.seq = number(argv[4]);
	w.max_records = (unsigned int)number(argv[6]);
	if (strcmp(argv[5], "mix") == 0)
		step = step_mix;
	else if (strcmp(argv[5], "batch") == 0)
		step = step_batch;
	else if (strcmp(argv[5], "inplace") == 0)
		step = step_inplace;
	else
		return 2;
	w.log_fd =
	    open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (w.log_fd < 0 ||
	    kvp_store_new(&w.store, KVP_POOL_GUEST, w.dir, KVP_MODE_SAFE)) {
		fprintf(stderr, "kvp_writer: setup failed\n");
		return 1;
	}
	kvp_store_set_lock_timeout(w.store, 10000);
	if (printf("ready\n") < 0 || fflush(stdout) != 0)
		return 1;
	for (long i = 0; i < MAX_OPS; i++, w.seq++)
		step(&w);
	kvp_store_free(w.store);
	close(w.log_fd);
	return 0;
}
