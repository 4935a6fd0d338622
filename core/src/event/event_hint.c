/* event_hint.c - the scan-free trigger of the budget pass: a small file
 * beside the pool, "<pool_dir>/.pam_kvp_<N>.hint" for ".kvp_pool_<N>",
 * written only under the pool's exclusive locks, right after a pass:
 *
 *   pam_kvp hint 1 boot=<boot_id> dev=<st_dev> ino=<st_ino>
 *   prefix=<key_prefix> records=<max_records> failures=<max_failures>
 *   stale=<0|1> after=<records in the file> trigger=<count>
 *
 * (one line). `trigger` is `after` plus the fewest appends that could take
 * one of our budgets past its cap. While the boot, the file and the
 * settings are the same and after <= (records in the file now) < trigger,
 * every record added since the pass was one append (ours or another
 * writer's), so an event may append too, knowing only fstat's size. A
 * count below `after` means someone removed records (kvpctl clear,
 * hv_kvp_daemon's delete, cloud-init's clear): then, as with no hint, a
 * bad one, another boot or a count at the trigger, the event makes a
 * pass. The caps are exact as long as other writers do not remove records
 * and add as many between two passes (nothing can tell that from fstat);
 * then they hold again at the next pass.
 *
 * The hint is opened O_NOFOLLOW | O_NONBLOCK (a FIFO or a link planted
 * there reads as no hint) in the pool's directory, whose writers could
 * replace the pool itself; it is emptied before a pass commits, so a pass
 * killed part-way leaves no hint behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/event_internal.h"
#include "pool/pool_txn.h"

#define HINT_FORMAT                                                            \
	"pam_kvp hint 1 boot=%s dev=%llu ino=%llu prefix=%s records=%u "       \
	"failures=%u stale=%d after=%zu trigger=%zu\n"
#define HINT_SIZE  512
#define POOL_NAME  ".kvp_pool_"
#define OPEN_FLAGS (O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)

void event_hint_init(struct event_hint_file *h, const struct pool_txn *t)
{
	const char *base = strrchr(t->store->path, '/');
	const char *n = base ? base + 1 : t->store->path;

	if (strncmp(n, POOL_NAME, sizeof(POOL_NAME) - 1) == 0)
		n += sizeof(POOL_NAME) - 1;
	snprintf(h->path, sizeof(h->path), "%s/.pam_kvp_%s.hint", t->store->dir,
		 n);
	h->fd = -1;
}

static const char *boot_text(const char *boot_id)
{
	/* A boot_id is a UUID; anything else cannot be checked. */
	return boot_id && *boot_id && strlen(boot_id) < 64 &&
		       !strpbrk(boot_id, " \n")
		   ? boot_id
		   : "-";
}

bool event_hint_allows_append(struct event_hint_file *h,
			      const struct pool_txn *t, const kvp_settings *s,
			      const char *boot_id)
{
	char buf[HINT_SIZE], want[HINT_SIZE];
	size_t after = 0, trigger = 0;
	int fd = open(h->path, O_RDONLY | OPEN_FLAGS), n, head;
	ssize_t len;

	if (fd < 0)
		return false;
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	/* Everything but the two counts must be as this event would write
	 * it; the counts must end the line. */
	head = snprintf(want, sizeof(want), HINT_FORMAT, boot_text(boot_id),
			t->dev, t->ino, s->key_prefix, s->max_records,
			s->max_failures, (int)s->clear_if_stale, (size_t)0,
			(size_t)0);
	head -= (int)sizeof(" after=0 trigger=0\n") - 1;
	if (head <= 0 || len <= head || memcmp(buf, want, (size_t)head) != 0 ||
	    sscanf(buf + head, " after=%zu trigger=%zu%n", &after, &trigger,
		   &n) != 2 ||
	    (size_t)(head + n) + 1 != (size_t)len || buf[len - 1] != '\n')
		return false;
	return after <= t->disk_count && t->disk_count < trigger &&
	       trigger - after <= (size_t)s->max_records + s->max_failures;
}

void event_hint_invalidate(struct event_hint_file *h)
{
	struct stat st;

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
	int len;

	if (h->fd >= 0) {
		len = snprintf(buf, sizeof(buf), HINT_FORMAT,
			       boot_text(boot_id), t->dev, t->ino,
			       s->key_prefix, s->max_records, s->max_failures,
			       (int)s->clear_if_stale, t->disk_count, trigger);
		/* A short write leaves a line without its end: no hint. */
		if (len > 0 && (size_t)len < sizeof(buf) &&
		    pwrite(h->fd, buf, (size_t)len, 0) != len &&
		    ftruncate(h->fd, 0) == -1)
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
