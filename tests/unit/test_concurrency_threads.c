/* test_concurrency_threads.c - 8 threads of one process sharing one store
 * and one pool file; the scenarios are in conc_insert.c and conc_edit.c.
 * Each operation opens the file itself, and both of its locks (flock and
 * the OFD fcntl lock) belong to that open file description, so threads
 * exclude each other as processes do; a classic POSIX lock would not. */
#include <criterion/criterion.h>

#include "conc.h"

TestSuite(concurrency_threads, .init = conc_setup, .fini = conc_teardown,
	  .timeout = 120);

Test(concurrency_threads, readers_writers)
{
	conc_readers_writers(CONC_THREADS);
}

Test(concurrency_threads, writers_distinct_keys)
{
	conc_writers_distinct(CONC_THREADS);
}

Test(concurrency_threads, writers_shared_keys)
{
	conc_writers_shared(CONC_THREADS);
}

Test(concurrency_threads, append_only)
{
	conc_append_only(CONC_THREADS);
}

Test(concurrency_threads, mixed_insert_append_delete)
{
	conc_mixed(CONC_THREADS);
}
