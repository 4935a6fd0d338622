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
	conc_readers_writers(CONC_PROCS);
}

Test(concurrency_procs, writers_distinct_keys)
{
	conc_writers_distinct(CONC_PROCS);
}

Test(concurrency_procs, writers_shared_keys)
{
	conc_writers_shared(CONC_PROCS);
}

Test(concurrency_procs, append_only)
{
	conc_append_only(CONC_PROCS);
}

Test(concurrency_procs, mixed_insert_append_delete)
{
	conc_mixed(CONC_PROCS);
}
