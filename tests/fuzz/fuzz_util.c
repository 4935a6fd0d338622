/* fuzz_util.c - the fuzz harnesses' private directory and file helpers
 * (see fuzz_harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_harness.h"

static char dir[256];
static pid_t owner;

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: check failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_dir(void)
{
	/* Only the process that made it: forks (Criterion) inherit atexit. */
	if (dir[0] && getpid() == owner)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	const char *bases[] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};

	if (dir[0])
		return dir;
	for (size_t i = 0; i < sizeof(bases) / sizeof(*bases); i++) {
		if (!bases[i] || !*bases[i])
			continue;
		snprintf(dir, sizeof(dir), "%s/kvp-fuzz.XXXXXX", bases[i]);
		if (mkdtemp(dir))
			break;
		dir[0] = '\0';
	}
	FUZZ_CHECK(dir[0], "no temporary directory: %s", strerror(errno));
	owner = getpid();
	atexit(remove_dir);
	return dir;
}

const char *fuzz_path(int slot, const char *name)
{
	static char paths[4][512];

	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", fuzz_dir(), name);
	return paths[slot];
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;

	FUZZ_CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	while (len) {
		ssize_t n = write(fd, p, len);
		FUZZ_CHECK(n > 0, "write %s: %s", path, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

unsigned char *fuzz_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *buf;
	size_t done = 0;

	FUZZ_CHECK(fd >= 0 && fstat(fd, &st) == 0, "open %s: %s", path,
		   strerror(errno));
	buf = malloc((size_t)st.st_size + 1);
	FUZZ_CHECK(buf, "out of memory");
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
		FUZZ_CHECK(n > 0, "read %s", path);
		done += (size_t)n;
	}
	close(fd);
	*len = done;
	return buf;
}
