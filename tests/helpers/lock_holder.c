/* lock_holder.c - the pool's other writers, for the lock tests.
 *
 *   lock_holder posix|ofd|flock|both read|write PATH [SECONDS]
 *	Open PATH (created 0600 if missing, never truncated), take the lock
 *	(both = flock then an OFD lock, as libkvpcore does), print "ready",
 *	hold it until killed or SECONDS (may be fractional) pass.
 *   lock_holder daemon PATH ROUNDS PAUSE_US [SIDELOCK]
 *	hv_kvp_daemon's update, ROUNDS times: F_SETLKW F_WRLCK on the whole
 *	file, read every whole record, set record "HV|daemon" to
 *	"round=<r>", truncate and write all records back in 4 KiB writes,
 *	unlock, sleep PAUSE_US.
 *   lock_holder cloudinit PATH ID ROUNDS BATCH PAUSE_US [SIDELOCK]
 *	cloud-init's KVP handler, ROUNDS times: open O_APPEND, flock
 *	LOCK_EX, write BATCH records "CI|<ID>|<seq>" through an 8 KiB buffer
 *	(a full buffer is written, then PAUSE_US of sleep), flush, unlock,
 *	close, sleep PAUSE_US.
 *   lock_holder cloudinit-step PATH ID BATCH
 *	One such batch that stops after its first 8 KiB write (mid-record
 *	when BATCH >= 4), prints "mid" and waits for a line on stdin before
 *	writing the rest.
 *   lock_holder torn PATH BYTES
 *	Take both exclusive locks, append the first BYTES of record
 *	"TORN|0|0", then die by SIGKILL (a writer crashing mid-record).
 *
 * The daemon and cloud-init modes print "ready" when they start and
 * "done <records>" when they finish. Given SIDELOCK, each round also holds
 * flock(LOCK_EX) on that file: it keeps the two foreign writers (which do
 * not exclude each other and would lose each other's records) apart while
 * leaving the pool file's own locks exactly as the real programs take them.
 * Exit status: 0 done, 1 a system call failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "peer_record.h"

#define CHUNK	   8192 /* Python's io.DEFAULT_BUFFER_SIZE */
#define DAEMON_KEY "HV|daemon"

static const char *prog = "lock_holder";

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s posix|ofd|flock|both read|write PATH [SECONDS]\n"
		"       %s daemon PATH ROUNDS PAUSE_US [SIDELOCK]\n"
		"       %s cloudinit PATH ID ROUNDS BATCH PAUSE_US [SIDELOCK]\n"
		"       %s cloudinit-step PATH ID BATCH\n"
		"       %s torn PATH BYTES\n",
		prog, prog, prog, prog, prog);
	exit(2);
}

static long number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0)
		usage();
	return v;
}

static void say(const char *line)
{
	if (printf("%s\n", line) < 0 || fflush(stdout) != 0)
		die("stdout");
}

static void sleep_ns(long long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL,
			      .tv_nsec = ns % 1000000000LL};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int open_pool(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		die(path);
	return fd;
}

static void write_all(int fd, const void *buf, size_t len, off_t *offset)
{
	const char *p = buf;

	while (len) {
		ssize_t n =
		    offset ? pwrite(fd, p, len, *offset) : write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write");
		p += n;
		len -= (size_t)n;
		if (offset)
			*offset += n;
	}
}

static void lock_fcntl(int fd, int cmd, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET};

	while (fcntl(fd, cmd, &fl) == -1)
		if (errno != EINTR)
			die("fcntl");
}

static void lock_flock(int fd, int op)
{
	while (flock(fd, op) == -1)
		if (errno != EINTR)
			die("flock");
}

static int side_lock(const char *path)
{
	int fd;

	if (!path)
		return -1;
	fd = open_pool(path, O_RDWR);
	lock_flock(fd, LOCK_EX);
	return fd;
}

static void side_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static int hold(int argc, char **argv)
{
	const char *family = argv[1];
	bool write = strcmp(argv[2], "write") == 0;
	bool fl = strcmp(family, "flock") == 0 || strcmp(family, "both") == 0;
	bool ofd = strcmp(family, "ofd") == 0 || strcmp(family, "both") == 0;
	bool posix = strcmp(family, "posix") == 0;
	double seconds = argc > 4 ? strtod(argv[4], NULL) : -1;
	int fd;

	if (argc < 4 || argc > 5 || (!fl && !ofd && !posix) ||
	    (!write && strcmp(argv[2], "read") != 0))
		usage();
	fd = open_pool(argv[3], O_RDWR);
	if (fl)
		lock_flock(fd, write ? LOCK_EX : LOCK_SH);
	if (ofd || posix)
		lock_fcntl(fd, ofd ? F_OFD_SETLKW : F_SETLKW,
			   write ? F_WRLCK : F_RDLCK);
	say("ready");
	if (seconds >= 0)
		sleep_ns((long long)(seconds * 1e9));
	else
		for (;;)
			pause();
	return 0;
}

/* The whole records of the file, read from offset 0; *count gets them. */
static unsigned char *read_records(int fd, size_t *count, size_t extra)
{
	struct stat st;
	unsigned char *buf;
	size_t done = 0, size;

	if (fstat(fd, &st) == -1)
		die("fstat");
	size = (size_t)st.st_size;
	buf = malloc(size + extra * KVP_RECORD_SIZE + 1);
	if (!buf)
		die("malloc");
	while (done < size) {
		ssize_t n = pread(fd, buf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*count = done / KVP_RECORD_SIZE;
	return buf;
}

static int daemon_mode(int argc, char **argv)
{
	long rounds, pause_us;
	int fd;

	if (argc < 5 || argc > 6)
		usage();
	rounds = number(argv[3]);
	pause_us = number(argv[4]);
	fd = open_pool(argv[2], O_RDWR); /* kept open, as the daemon does */
	say("ready");
	for (long r = 1; r <= rounds; r++) {
		int side = side_lock(argc > 5 ? argv[5] : NULL);
		size_t n, slot;
		unsigned char *recs;
		char value[64];
		off_t off = 0;

		lock_fcntl(fd, F_SETLKW, F_WRLCK);
		recs = read_records(fd, &n, 1);
		for (slot = 0; slot < n; slot++)
			if (strcmp((char *)recs + slot * KVP_RECORD_SIZE,
				   DAEMON_KEY) == 0)
				break;
		if (slot == n)
			n++;
		snprintf(value, sizeof(value), "round=%ld", r);
		pr_encode(recs + slot * KVP_RECORD_SIZE, DAEMON_KEY, value);
		/* fopen("w") then fwrite: truncate, then buffered writes. */
		if (ftruncate(fd, 0) == -1)
			die("ftruncate");
		for (size_t done = 0; done < n * KVP_RECORD_SIZE;) {
			size_t len = n * KVP_RECORD_SIZE - done;
			if (len > 4096)
				len = 4096;
			write_all(fd, recs + done, len, &off);
			done += len;
		}
		free(recs);
		lock_fcntl(fd, F_SETLK, F_UNLCK);
		side_unlock(side);
		sleep_ns(pause_us * 1000LL);
	}
	close(fd);
	printf("done %ld\n", rounds);
	return 0;
}

/* Python's BufferedWriter, roughly: bytes collect in an 8 KiB buffer and
 * go out one full buffer at a time. */
struct buffered {
	int fd;
	unsigned char buf[CHUNK];
	size_t used;
	long pause_us;
	int (*after_chunk)(void);
};

static void buffered_flush(struct buffered *b)
{
	write_all(b->fd, b->buf, b->used, NULL);
	b->used = 0;
}

static void buffered_write(struct buffered *b, const unsigned char *p,
			   size_t len)
{
	while (len) {
		size_t n = CHUNK - b->used < len ? CHUNK - b->used : len;
		memcpy(b->buf + b->used, p, n);
		b->used += n;
		p += n;
		len -= n;
		if (b->used == CHUNK) {
			buffered_flush(b);
			if (b->after_chunk)
				b->after_chunk();
			b->after_chunk = NULL;
			sleep_ns(b->pause_us * 1000LL);
		}
	}
}

/* One cloud-init batch: records "CI|<id>|<seq>".. appended under flock. */
static void cloudinit_batch(const char *path, long id, long *seq, long batch,
			    long pause_us, int (*after_chunk)(void))
{
	static struct buffered b;
	unsigned char rec[KVP_RECORD_SIZE];
	char key[64], value[PR_VALUE_MAX + 1];

	b.fd = open_pool(path, O_WRONLY | O_APPEND); /* open(path, "ab") */
	b.used = 0;
	b.pause_us = pause_us;
	b.after_chunk = after_chunk;
	lock_flock(b.fd, LOCK_EX);
	for (long i = 0; i < batch; i++, (*seq)++) {
		snprintf(key, sizeof(key), "CI|%ld|%ld", id, *seq);
		pr_make_value(value, key, "ci");
		pr_encode(rec, key, value);
		buffered_write(&b, rec, sizeof(rec));
	}
	buffered_flush(&b);
	lock_flock(b.fd, LOCK_UN);
	close(b.fd);
}

static int cloudinit_mode(int argc, char **argv)
{
	long id, rounds, batch, pause_us, seq = 0;

	if (argc < 7 || argc > 8)
		usage();
	id = number(argv[3]);
	rounds = number(argv[4]);
	batch = number(argv[5]);
	pause_us = number(argv[6]);
	say("ready");
	for (long r = 0; r < rounds; r++) {
		int side = side_lock(argc > 7 ? argv[7] : NULL);
		cloudinit_batch(argv[2], id, &seq, batch, pause_us, NULL);
		side_unlock(side);
		sleep_ns(pause_us * 1000LL);
	}
	printf("done %ld\n", seq);
	return 0;
}

/* After the first chunk: tell the test, wait for its go-ahead. */
static int stop_mid_batch(void)
{
	char line[16];

	say("mid");
	if (!fgets(line, sizeof(line), stdin))
		die("stdin closed before the go-ahead");
	return 0;
}

static int cloudinit_step_mode(int argc, char **argv)
{
	long seq = 0;

	if (argc != 5)
		usage();
	cloudinit_batch(argv[2], number(argv[3]), &seq, number(argv[4]), 0,
			stop_mid_batch);
	printf("done %ld\n", seq);
	return 0;
}

static int torn_mode(int argc, char **argv)
{
	unsigned char rec[KVP_RECORD_SIZE];
	char value[PR_VALUE_MAX + 1];
	long bytes;
	int fd;

	if (argc != 4)
		usage();
	bytes = number(argv[3]);
	if (bytes > KVP_RECORD_SIZE)
		usage();
	fd = open_pool(argv[2], O_WRONLY | O_APPEND);
	lock_flock(fd, LOCK_EX);
	lock_fcntl(fd, F_OFD_SETLKW, F_WRLCK);
	pr_make_value(value, "TORN|0|0", "torn");
	pr_encode(rec, "TORN|0|0", value);
	write_all(fd, rec, (size_t)bytes, NULL);
	raise(SIGKILL);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "daemon") == 0)
		return daemon_mode(argc, argv);
	if (strcmp(argv[1], "cloudinit") == 0)
		return cloudinit_mode(argc, argv);
	if (strcmp(argv[1], "cloudinit-step") == 0)
		return cloudinit_step_mode(argc, argv);
	if (strcmp(argv[1], "torn") == 0)
		return torn_mode(argc, argv);
	if (argc < 3)
		usage();
	return hold(argc, argv);
}
