/* test_fuzz_regressions.c - every input the fuzzers ever crashed on
 * (tests/fuzz/regressions/{pool,config}/) and the seed corpus
 * (tests/fuzz/corpus/{pool,config}/), replayed through the same harness
 * functions as the libFuzzer targets, with the ordinary build of
 * libkvpcore. A harness abort()s on a broken promise: Criterion reports
 * that test as crashed, and the file's name is on stderr.
 *
 * The directories are found under $KVP_SRCDIR (default: this source
 * tree, compiled in). Files whose name starts with '.' or is README are
 * skipped.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_harness.h"

#ifndef KVP_SRCDIR
#define KVP_SRCDIR "."
#endif

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int keep(const struct dirent *d)
{
	return d->d_name[0] != '.' && strncmp(d->d_name, "README", 6) != 0;
}

static char current[8192];

/* A crash (abort, sanitizer, segfault) names the input first. */
static void name_input(int sig)
{
	static const char what[] = "crashed on input: ";

	if (write(STDERR_FILENO, what, sizeof(what) - 1) < 0 ||
	    write(STDERR_FILENO, current, strlen(current)) < 0 ||
	    write(STDERR_FILENO, "\n", 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Replay every file of <srcdir>/tests/fuzz/<sub>; returns how many. */
static size_t replay(const char *sub, int (*one)(const uint8_t *, size_t))
{
	const char *src = getenv("KVP_SRCDIR");
	struct dirent **names = NULL;
	char dir[4096];
	int n;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s",
		 src && *src ? src : KVP_SRCDIR, sub);
	n = scandir(dir, &names, keep, by_name);
	if (n < 0)
		return 0; /* a regression directory may not exist yet */
	signal(SIGABRT, name_input);
	signal(SIGSEGV, name_input);
	for (int i = 0; i < n; i++) {
		size_t len;
		unsigned char *data;

		snprintf(current, sizeof(current), "%s/%s", dir,
			 names[i]->d_name);
		data = fuzz_read_file(current, &len);
		one(data, len);
		free(data);
		free(names[i]);
	}
	free(names);
	return (size_t)n;
}

Test(fuzz_regressions, pool)
{
	replay("regressions/pool", fuzz_pool_one);
}

Test(fuzz_regressions, config)
{
	replay("regressions/config", fuzz_config_one);
}

Test(fuzz_corpus, pool)
{
	cr_assert_gt(replay("corpus/pool", fuzz_pool_one), 0,
		     "no seed corpus in tests/fuzz/corpus/pool");
}

Test(fuzz_corpus, config)
{
	cr_assert_gt(replay("corpus/config", fuzz_config_one), 0,
		     "no seed corpus in tests/fuzz/corpus/config");
}
