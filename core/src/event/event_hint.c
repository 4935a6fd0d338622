/* event_hint.c - the scan-free trigger of the budget pass: one short
 * line kept in the pool file's extended attribute "user.pam_kvp.hint",
 * written only under the pool's exclusive locks, right after a pass:
 *
 *   pam_kvp hint 2 <identity> <after> <trigger>
 *
 * <identity> is 16 hex digits, the FNV-1a hash of what the hint was made
 * for: the boot_id, the file's st_dev and st_ino, the key prefix, the two
 * budgets and clear_if_stale. <after> is the count of records in the file
 * the pass left, and <trigger> is `after` plus the fewest appends that
 * could take one of our budgets past its cap. While the identity is the
 * same and after <= (records in the file now) < trigger, every record
 * added since the pass was one append (ours or another writer's), so an
 * event may append too, knowing only fstat's size. A count below `after`
 * means someone removed records (kvpctl clear, hv_kvp_daemon's delete,
 * cloud-init's clear): then, as with no hint, a bad one, another identity
 * or a count at the trigger, the event makes a pass. The caps are exact
 * as long as other writers do not remove records and add as many between
 * two passes (nothing can tell that from fstat); then they hold again at
 * the next pass. The hash is no defence and needs none: only root can set
 * the attribute; a chance collision (2^-64) would only delay one pass.
 *
 * Why an attribute: it is read with one fgetxattr on the descriptor the
 * event already holds (a file beside the pool cost an open, a read and a
 * close per event), it goes with the inode (a new pool file has none), and
 * a user.* attribute of a root-owned 0600 pool only root can set. It is
 * removed before a pass commits, so a pass killed part-way leaves none.
 * Why so short: ext4 keeps a value of up to about 60 bytes inside a
 * 256-byte inode; a longer one goes to a block of its own, and removing
 * that cost 60-120 us per pass here (2-3 us inside the inode).
 *
 * A file system without user attributes (ramfs; tmpfs before Linux 6.6)
 * keeps the same line in a file beside the pool instead,
 * "<pool_dir>/.pam_kvp_<N>.hint" for ".kvp_pool_<N>", opened O_NOFOLLOW |
 * O_NONBLOCK (a FIFO or a link planted there reads as no hint).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "event/event_internal.h"
#include "pool/pool_txn.h"

#define HINT_HEAD  "pam_kvp hint 2 "
#define HINT_SIZE  128
#define POOL_NAME  ".kvp_pool_"
#define OPEN_FLAGS (O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
#define XATTR_NAME "user.pam_kvp.hint"

void event_hint_init(struct event_hint_file *h, const struct pool_txn *t)
{
	const char *base = strrchr(t->store->path, '/');
	const char *n = base ? base + 1 : t->store->path;

	if (strncmp(n, POOL_NAME, sizeof(POOL_NAME) - 1) == 0)
		n += sizeof(POOL_NAME) - 1;
	snprintf(h->path, sizeof(h->path), "%s/.pam_kvp_%s.hint", t->store->dir,
		 n);
	h->fd = -1;
	h->pool_fd = t->fd;
	h->in_file = false;
	h->broken = false;
}

static bool no_xattrs(int err)
{
	return err == ENOTSUP || err == EOPNOTSUPP;
}

/* The hint's text into buf (NUL-terminated): its length, or <= 0. */
static ssize_t hint_read(struct event_hint_file *h, char *buf, size_t size)
{
	ssize_t len = fgetxattr(h->pool_fd, XATTR_NAME, buf, size - 1);
	int fd;

	if (len < 0 && no_xattrs(errno)) {
		h->in_file = true;
		if ((fd = open(h->path, O_RDONLY | OPEN_FLAGS)) < 0)
			return -1;
		len = pread(fd, buf, size - 1, 0);
		close(fd);
	}
	if (len > 0)
		buf[len] = '\0';
	return len;
}

static const char *boot_text(const char *boot_id)
{
	/* A boot_id is a UUID; anything else cannot be checked. */
	return boot_id && *boot_id && strlen(boot_id) < 64 &&
		       !strpbrk(boot_id, " \n")
		   ? boot_id
		   : "-";
}

/* FNV-1a, 64 bits, of what the hint is made for. */
static uint64_t identity(const struct pool_txn *t, const kvp_settings *s,
			 const char *boot_id)
{
	char text[512];
	uint64_t h = 0xcbf29ce484222325ULL;
	int len =
	    snprintf(text, sizeof(text), "%s %llu %llu %s %u %u %d",
		     boot_text(boot_id), t->dev, t->ino, s->key_prefix,
		     s->max_records, s->max_failures, (int)s->clear_if_stale);

	if (len < 0 || (size_t)len >= sizeof(text))
		len = 0; /* cannot happen: prefix and boot_id are bounded */
	for (int i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

bool event_hint_allows_append(struct event_hint_file *h,
			      const struct pool_txn *t, const kvp_settings *s,
			      const char *boot_id)
{
	char buf[HINT_SIZE], want[sizeof(HINT_HEAD) + 17];
	size_t after = 0, trigger = 0, head;
	ssize_t len = hint_read(h, buf, sizeof(buf));
	int n = 0;

	if (len <= 0)
		return false;
	/* The head and identity must be as this event would write them;
	 * the two counts must end the line. */
	head = (size_t)snprintf(want, sizeof(want), HINT_HEAD "%016" PRIx64,
				identity(t, s, boot_id));
	if ((size_t)len <= head || memcmp(buf, want, head) != 0 ||
	    buf[head] != ' ' ||
	    sscanf(buf + head, " %zu %zu%n", &after, &trigger, &n) != 2 ||
	    head + (size_t)n + 1 != (size_t)len || buf[len - 1] != '\n')
		return false;
	return after <= t->disk_count && t->disk_count < trigger &&
	       trigger - after <= (size_t)s->max_records + s->max_failures;
}

void event_hint_invalidate(struct event_hint_file *h)
{
	struct stat st;

	if (!h->in_file) {
		if (fremovexattr(h->pool_fd, XATTR_NAME) == 0 ||
		    errno == ENODATA)
			return;
		if (!no_xattrs(errno)) {
			/* Still there: the pass must not leave it standing. */
			h->broken = true;
			return;
		}
		h->in_file = true;
	}
	if (h->fd < 0)
		h->fd = open(h->path, O_RDWR | O_CREAT | OPEN_FLAGS, 0600);
	if (h->fd < 0)
		return;
	if (fstat(h->fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    ftruncate(h->fd, 0) == -1)
		event_hint_close(h);
}

void event_hint_write(struct event_hint_file *h, const struct pool_txn *t,
		      const kvp_settings *s, const char *boot_id,
		      size_t trigger)
{
	char buf[HINT_SIZE];
	int len =
	    snprintf(buf, sizeof(buf), HINT_HEAD "%016" PRIx64 " %zu %zu\n",
		     identity(t, s, boot_id), t->disk_count, trigger);

	if (len <= 0 || (size_t)len >= sizeof(buf) || h->broken) {
		event_hint_close(h);
		return;
	}
	if (!h->in_file) {
		if (fsetxattr(h->pool_fd, XATTR_NAME, buf, (size_t)len, 0) ==
		    -1)
			errno = 0; /* the next event passes */
	} else if (h->fd >= 0 && pwrite(h->fd, buf, (size_t)len, 0) != len &&
		   ftruncate(h->fd, 0) == -1) {
		/* A short write leaves a line without its end: no hint. */
		errno = 0;
	}
	event_hint_close(h);
}

void event_hint_close(struct event_hint_file *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}
