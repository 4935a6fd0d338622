/* test_concurrency_procs.c - 8 forked processes writing and reading one
 * pool file; the scenarios are in conc_insert.c and conc_edit.c. Processes
 * exclude each other through both locks (flock, then the OFD fcntl lock), as
 * libkvpcore does against cloud-init and hv_kvp_daemon. */
#include <criterion/criterion.h>

#include "conc.h"

TestSuite(concurrency_procs, .init = conc_setup, .fini = conc_teardown,
	  .timeout = 120);

Test(concurrency_procs, readers_writers)
{
	cr_assert_gt(conc_readers_writers(CONC_PROCS), 0,
		     "the scenario checked no record");
}

Test(concurrency_procs, writers_distinct_keys)
{
	cr_assert_gt(conc_writers_distinct(CONC_PROCS), 0,
		     "the scenario checked no record");
}

Test(concurrency_procs, writers_shared_keys)
{
	cr_assert_gt(conc_writers_shared(CONC_PROCS), 0,
		     "the scenario checked no record");
}

Test(concurrency_procs, append_only)
{
	cr_assert_gt(conc_append_only(CONC_PROCS), 0,
		     "the scenario checked no record");
}

Test(concurrency_procs, mixed_insert_append_delete)
{
	cr_assert_gt(conc_mixed(CONC_PROCS), 0,
		     "the scenario checked no record");
}
