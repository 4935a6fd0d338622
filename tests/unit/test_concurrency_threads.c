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
	cr_assert_gt(conc_readers_writers(CONC_THREADS), 0,
		     "the scenario checked no record");
}

Test(concurrency_threads, writers_distinct_keys)
{
	cr_assert_gt(conc_writers_distinct(CONC_THREADS), 0,
		     "the scenario checked no record");
}

Test(concurrency_threads, writers_shared_keys)
{
	cr_assert_gt(conc_writers_shared(CONC_THREADS), 0,
		     "the scenario checked no record");
}

Test(concurrency_threads, append_only)
{
	cr_assert_gt(conc_append_only(CONC_THREADS), 0,
		     "the scenario checked no record");
}

Test(concurrency_threads, mixed_insert_append_delete)
{
	cr_assert_gt(conc_mixed(CONC_THREADS), 0,
		     "the scenario checked no record");
}
