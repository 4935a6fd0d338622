/* fault_shim.c - LD_PRELOAD shim for the fault-injection crash tests
 * (test_fault.c): it stops a libkvpcore writer at one exact write step,
 * as a SIGKILL landing there would, in the manner of SQLite's crash tests.
 *
 * Every pwrite, pwrite64, write, ftruncate or ftruncate64 on the pool
 * file (FAULT_FILE; matched by device and inode) is a step, numbered from
 * 1 and logged to FAULT_LOG (if set) as one line:
 *   <n> pwrite <offset> <length>      (write: at the file position)
 *   <n> ftruncate <length>
 * At step FAULT_AT (unset or 0: never) the call is cut as the kernel cuts
 * a buffered write when a fatal signal is pending - it copies page by page
 * in ascending file order and stops between two pages: FAULT_CUT=0 writes
 * nothing, FAULT_CUT=k > 0 the bytes up to the k-th page boundary after
 * the offset (all of them if the write ends first: "done, then killed");
 * an ftruncate is skipped (0) or done (> 0). Then "<n> cut <bytes>" is
 * logged and the process ends with _exit(77): no atexit handler, no
 * unlock, no close (the kernel drops the locks, as after SIGKILL).
 *
 * getrandom() is made deterministic (a counter stream from FAULT_SEED), so
 * that an event record's key id is the same in every run of one step.
 *
 * Built without sanitizers (rules.mk); test_fault.c sets
 * verify_asan_link_order=0 for an ASan-built helper that preloads it.
 */
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define EXPORT	   __attribute__((visibility("default")))
#define FAULT_EXIT 77

static long step;	/* steps seen so far */
static int log_fd = -2; /* -2: not opened yet; -1: no log */
static unsigned long long rand_state;
static bool rand_seeded;

/* libc's own function (abort if there is none: no write to report it). */
static void *real(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn)
		abort();
	return fn;
}

static ssize_t (*next_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*next_write)(int, const void *, size_t);
static int (*next_ftruncate)(int, off_t);

static void resolve(void)
{
	if (!next_pwrite) {
		next_pwrite = real("pwrite");
		next_write = real("write");
		next_ftruncate = real("ftruncate");
	}
}

static long env_long(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : 0;
}

static bool is_pool(int fd)
{
	const char *path = getenv("FAULT_FILE");
	struct stat a, b;

	return path && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void log_text(const char *line, int n, size_t size)
{
	if (log_fd == -2) {
		const char *path = getenv("FAULT_LOG");
		log_fd =
		    path && *path
			? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			       0600)
			: -1;
	}
	if (log_fd >= 0 && n > 0 && (size_t)n < size &&
	    next_write(log_fd, line, (size_t)n) != n)
		_exit(125);
}

#define LOG(...)                                                               \
	do {                                                                   \
		char line_[96];                                                \
		int n_ = snprintf(line_, sizeof(line_), __VA_ARGS__);          \
		log_text(line_, n_, sizeof(line_));                            \
	} while (0)

/* The bytes of a `len`-byte write at `off` that reach the file when the
 * kill comes after the cut'th page (0: none). */
static size_t cut_bytes(long long off, size_t len, long cut)
{
	long page = sysconf(_SC_PAGESIZE);
	long long boundary;

	if (page <= 0)
		page = 4096;
	if (cut <= 0)
		return 0;
	boundary = (off / page + cut) * page;
	return boundary - off >= (long long)len ? len
						: (size_t)(boundary - off);
}

/* One write step: counted and logged; at FAULT_AT, cut and end the
 * process. */
static void fault_write(int fd, const void *buf, size_t len, long long off,
			bool positional)
{
	size_t n, done = 0;

	LOG("%ld pwrite %lld %zu\n", ++step, off, len);
	if (step != env_long("FAULT_AT"))
		return;
	n = cut_bytes(off, len, env_long("FAULT_CUT"));
	while (done < n) {
		ssize_t w =
		    positional
			? next_pwrite(fd, (const char *)buf + done, n - done,
				      (off_t)(off + done))
			: next_write(fd, (const char *)buf + done, n - done);
		if (w <= 0 && errno != EINTR)
			_exit(124);
		if (w > 0)
			done += (size_t)w;
	}
	LOG("%ld cut %zu\n", step, n);
	_exit(FAULT_EXIT);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	resolve();
	if (len && is_pool(fd))
		fault_write(fd, buf, len, (long long)off, true);
	return next_pwrite(fd, buf, len, off);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	return pwrite(fd, buf, len, off);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	resolve();
	if (len && is_pool(fd)) {
		int fl = fcntl(fd, F_GETFL);
		struct stat st;
		long long off = lseek(fd, 0, SEEK_CUR);
		if (fl != -1 && (fl & O_APPEND) && fstat(fd, &st) == 0)
			off = (long long)st.st_size;
		fault_write(fd, buf, len, off, false);
	}
	return next_write(fd, buf, len);
}

EXPORT int ftruncate(int fd, off_t length)
{
	resolve();
	if (is_pool(fd)) {
		LOG("%ld ftruncate %lld\n", ++step, (long long)length);
		if (step == env_long("FAULT_AT")) {
			long cut = env_long("FAULT_CUT");
			if (cut > 0 && next_ftruncate(fd, length) == -1)
				_exit(124);
			LOG("%ld cut %d\n", step, cut > 0);
			_exit(FAULT_EXIT);
		}
	}
	return next_ftruncate(fd, length);
}

EXPORT int ftruncate64(int fd, off64_t length)
{
	return ftruncate(fd, length);
}

/* splitmix64 over a counter: the same bytes in every run. */
EXPORT ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	unsigned char *p = buf;

	(void)flags;
	if (!rand_seeded) {
		rand_state = (unsigned long long)env_long("FAULT_SEED");
		rand_seeded = true;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned long long z = (rand_state += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		p[i] = (unsigned char)(z ^ (z >> 31));
	}
	return (ssize_t)len;
}
