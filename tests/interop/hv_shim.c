/* hv_shim.c - LD_PRELOAD shim that lets the real hv_kvp_daemon run without
 * Hyper-V, in the cwrap style: only what must change is intercepted, every
 * call passes through to libc (dlsym RTLD_NEXT).
 *
 * Device. The daemon's first open("/dev/vmbus/hv_kvp") returns the file
 * descriptor named by HV_SHIM_FD: one end of an AF_UNIX SOCK_SEQPACKET
 * socketpair, inherited across exec, whose other end the test ("the host")
 * holds. Like the character device, it keeps message boundaries, so the
 * daemon's read()/write()/poll() of one struct hv_kvp_msg work unchanged.
 * Every later open of the device fails with ENODEV: when the host hangs up,
 * the daemon's read fails, it reopens the device (its reset path), cannot,
 * and exits.
 *
 * Syslog. The daemon logs only to syslog; its lines are written to stderr
 * instead ("hv_kvp_daemon: <message>"), so a test captures them in a file
 * and the machine's log stays clean.
 *
 * Pool windows (optional, for the tests that study the daemon's locking).
 * A SET or DELETE is two lock sessions: read the pool file under the lock
 * (the fclose of that read already drops the POSIX lock), then lock again,
 * truncate and rewrite from memory. When HV_SHIM_WINDOW_FD is set, each
 * unlocked gap that ends in such a rewrite is appended to that fd as two
 * struct timespec (CLOCK_MONOTONIC: just before the read's fclose, just
 * after the next lock is granted), a superset of the real gap. When
 * HV_SHIM_PAUSE_FD is set (a socket), a byte 'A' received on it arms one
 * pause: after the next pool read the shim sends 'P' and blocks until it
 * receives 'C', leaving the daemon holding no lock.
 */
/* Fortified inline wrappers of open() and syslog() would clash with the
 * definitions below. */
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define DEVICE_PATH "/dev/vmbus/hv_kvp"
#define POOL_MARK   "/.kvp_pool_"

#define EXPORT __attribute__((visibility("default")))

/* Pool-window bookkeeping (the daemon is single-threaded). */
static FILE *pool_read_stream;	 /* the open "re" stream of a pool file */
static struct timespec read_end; /* just before that read's fclose */
static struct timespec lock_grant;
static bool read_pending; /* a read ended, no pool file opened since */
static bool lock_pending; /* ... and the next lock has been granted */
static bool device_handed_out;
static int (*next_fcntl)(int, int, ...);

static void *real(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn) {
		fprintf(stderr, "hv_shim: no next %s: %s\n", name, dlerror());
		abort();
	}
	return fn;
}

static int env_fd(const char *name)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 1 << 20)
		return -1;
	return (int)v;
}

/* The host's socket for the first open of the device; ENODEV after. */
static int device_open(int flags)
{
	struct stat st;
	int fd = env_fd("HV_SHIM_FD");

	if (device_handed_out || fd < 0 || fstat(fd, &st) == -1 ||
	    !S_ISSOCK(st.st_mode)) {
		errno = ENODEV;
		return -1;
	}
	device_handed_out = true;
	if (!next_fcntl)
		next_fcntl = real("fcntl");
	if (next_fcntl(fd, F_SETFD, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0) == -1)
		return -1;
	return fd;
}

static bool is_device(const char *path)
{
	return path && strcmp(path, DEVICE_PATH) == 0;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	va_list ap;
	mode_t mode;

	if (is_device(path))
		return device_open(flags);
	if (!next)
		next = real("open");
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return next(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	va_list ap;
	mode_t mode;

	if (is_device(path))
		return device_open(flags);
	if (!next)
		next = real("open64");
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return next(path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	static int (*next)(int, const char *, int, ...);
	va_list ap;
	mode_t mode;

	if (is_device(path))
		return device_open(flags);
	if (!next)
		next = real("openat");
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return next(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	static int (*next)(int, const char *, int, ...);
	va_list ap;
	mode_t mode;

	if (is_device(path))
		return device_open(flags);
	if (!next)
		next = real("openat64");
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return next(dirfd, path, flags, mode);
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* After a pool read: block if the test armed a pause (see the header). */
static void maybe_pause(void)
{
	int fd = env_fd("HV_SHIM_PAUSE_FD");
	char c;

	if (fd < 0 || recv(fd, &c, 1, MSG_DONTWAIT) != 1 || c != 'A')
		return;
	c = 'P';
	write_all(fd, &c, 1);
	while (recv(fd, &c, 1, 0) == 1 && c != 'C')
		;
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*next)(const char *, const char *);
	bool pool = path && strstr(path, POOL_MARK);
	FILE *f;

	if (!next)
		next = real("fopen");
	if (pool && mode[0] == 'w' && lock_pending) {
		int fd = env_fd("HV_SHIM_WINDOW_FD");
		struct timespec w[2] = {read_end, lock_grant};

		if (fd >= 0)
			write_all(fd, w, sizeof(w));
	}
	if (pool)
		read_pending = lock_pending = false;
	f = next(path, mode);
	if (pool && f && mode[0] == 'r')
		pool_read_stream = f;
	return f;
}

EXPORT int fclose(FILE *f)
{
	static int (*next)(FILE *);
	bool pool_read = f && f == pool_read_stream;
	int r;

	if (!next)
		next = real("fclose");
	/* Stamped before: closing the stream drops the POSIX lock (the
	 * daemon's own kvp_release_lock comes later), so the logged window
	 * starts no later than the real unlocked gap. */
	if (pool_read)
		clock_gettime(CLOCK_MONOTONIC, &read_end);
	r = next(f);
	if (pool_read) {
		pool_read_stream = NULL;
		read_pending = true;
		maybe_pause();
	}
	return r;
}

/* Every fcntl the daemon makes (F_SETLKW, F_SETLK) takes a pointer. */
EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	int r;

	if (!next_fcntl)
		next_fcntl = real("fcntl");
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	r = next_fcntl(fd, cmd, arg);
	if (r == 0 && cmd == F_SETLKW && read_pending && !lock_pending) {
		clock_gettime(CLOCK_MONOTONIC, &lock_grant);
		lock_pending = true;
	}
	return r;
}

static void log_line(const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	dprintf(STDERR_FILENO, "hv_kvp_daemon: %.*s\n", n, buf);
}

EXPORT void vsyslog(int prio, const char *fmt, va_list ap)
{
	(void)prio;
	log_line(fmt, ap);
}

EXPORT void syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

EXPORT void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(prio, fmt, ap);
}

EXPORT void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}
