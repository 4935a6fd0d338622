/* store_bench.c - time per store operation, and single operations between
 * markers for counting their system calls (bench/syscalls.sh).
 *
 *   store_bench                 median and mean ns per op, tmpfs-free;
 *                               len-missing (a pool not there) is about
 *                               the cost of the directory walk
 *   store_bench --strace OP     set up, then run OP once between markers
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvp/kvp.h"

#define POOL_RECORDS 1000
#define RUNS	     2000

static void die(const char *what)
{
	fprintf(stderr, "store_bench: %s: %s\n", what,
		kvp_error_last()->message);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A pool of POOL_RECORDS records "key-N" with a 200-byte value. */
static void fill(kvp_store *s)
{
	static kvp_pair pairs[POOL_RECORDS];
	static char keys[POOL_RECORDS][32];
	static char value[201];

	memset(value, 'v', 200);
	for (int i = 0; i < POOL_RECORDS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key-%d", i);
		pairs[i] = (kvp_pair){keys[i], strlen(keys[i]), value, 200};
	}
	if (kvp_store_load(s, pairs, POOL_RECORDS) < 0)
		die("load");
}

enum op {
	OP_APPEND,
	OP_INSERT_NEW,
	OP_INSERT_EXISTING,
	OP_READ,
	OP_DELETE,
	OP_ENTRIES,
	OP_LEN,
	OP_LEN_MISSING,
	OP_COUNT
};
static const char *const op_names[OP_COUNT] = {
    "append",  "insert-new", "insert-existing", "read", "delete",
    "entries", "len",	     "len-missing",
};

/* A pool of the same directory that does not exist: len-missing is the
 * directory walk (util/trust.c) and one failing openat. */
static kvp_store *missing;

/* One operation against a 1000-record pool (append on an empty one). */
static void run_op(kvp_store *s, enum op op, int i)
{
	char key[32], *value = NULL;
	kvp_record_list list;
	size_t n;

	snprintf(key, sizeof(key), "new-%d", i);
	switch (op) {
	case OP_APPEND:
		if (kvp_store_append(s, key, "value") < 0)
			die("append");
		break;
	case OP_INSERT_NEW:
		if (kvp_store_insert(s, "fresh-key", "value") < 0)
			die("insert");
		break;
	case OP_INSERT_EXISTING:
		if (kvp_store_insert(s, "key-500", "value") < 0)
			die("insert");
		break;
	case OP_READ:
		if (kvp_store_read(s, "key-500", &value, NULL) != 1)
			die("read");
		free(value);
		break;
	case OP_DELETE:
		if (kvp_store_delete(s, "key-500") < 0)
			die("delete");
		break;
	case OP_ENTRIES:
		if (kvp_store_entries(s, &list) < 0)
			die("entries");
		kvp_record_list_free(&list);
		break;
	case OP_LEN:
		if (kvp_store_len(s, &n) < 0)
			die("len");
		break;
	case OP_LEN_MISSING:
		if (kvp_store_len(missing, &n) < 0 || n != 0)
			die("len of a missing pool");
		break;
	case OP_COUNT: break;
	}
}

/* Restore the 1000-record state an op changed (outside the timing). */
static void reset(kvp_store *s, enum op op)
{
	if (op == OP_INSERT_NEW)
		kvp_store_delete(s, "fresh-key");
	else if (op == OP_DELETE)
		kvp_store_append(s, "key-500", "value");
}

static void time_op(kvp_store *s, enum op op)
{
	static double samples[RUNS];
	double sum = 0;

	if (op == OP_APPEND)
		kvp_store_clear(s);
	else
		fill(s);
	for (int i = 0; i < RUNS; i++) {
		double t0 = now_ns();
		run_op(s, op, i);
		samples[i] = now_ns() - t0;
		sum += samples[i];
		reset(s, op);
		if (op == OP_APPEND && i % 1000 == 999)
			kvp_store_clear(s); /* stay far from huge files */
	}
	qsort(samples, RUNS, sizeof(samples[0]), cmp_double);
	printf("%-16s %10.1f %10.1f %10.1f\n", op_names[op],
	       samples[RUNS / 2] / 1000.0, sum / RUNS / 1000.0,
	       samples[RUNS * 99 / 100] / 1000.0);
}

static int strace_one(kvp_store *s, const char *name)
{
	for (int op = 0; op < OP_COUNT; op++) {
		if (strcmp(op_names[op], name) != 0)
			continue;
		if (op != OP_APPEND)
			fill(s);
		else if (kvp_store_append(s, "seed", "v") < 0)
			die("append"); /* measure an append to an existing file
					*/
		/* Markers the script looks for in the strace log. */
		access("/kvp-bench-start", F_OK);
		run_op(s, (enum op)op, 0);
		access("/kvp-bench-end", F_OK);
		return 0;
	}
	fprintf(stderr, "store_bench: unknown op %s\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/kvp-bench.XXXXXX";
	kvp_store *s;
	int r = 0;

	if (!mkdtemp(dir))
		return 1;
	if (kvp_store_new(&s, KVP_POOL_GUEST, dir, KVP_MODE_SAFE) < 0 ||
	    kvp_store_new(&missing, KVP_POOL_AUTO_INTERNAL, dir,
			  KVP_MODE_SAFE) < 0)
		die("new");
	if (argc == 3 && strcmp(argv[1], "--strace") == 0) {
		r = strace_one(s, argv[2]);
	} else {
		printf("store ops on %s (%d runs; pool of %d records, "
		       "append on an empty pool)\n",
		       dir, RUNS, POOL_RECORDS);
		printf("%-16s %10s %10s %10s\n", "op", "median us", "mean us",
		       "p99 us");
		for (int op = 0; op < OP_COUNT; op++)
			time_op(s, (enum op)op);
	}
	kvp_store_clear(s);
	unlink(kvp_store_path(s));
	rmdir(dir);
	kvp_store_free(s);
	kvp_store_free(missing);
	return r;
}
