/* pool_buf.c - the memory a transaction loads the pool into, one buffer
 * of it kept per process for the next load.
 *
 * Why keep one: a pool at the host's 1024-record window is 2.5 MiB, and
 * memory fresh from the kernel is paid page by page on first touch. On
 * the VM measured here (a nested guest, where a page fault is dear),
 * reading a 1.1 MiB pool took 250 us into new memory and 28 us into
 * memory touched before, a large part of what a budget pass costs a
 * login. So the last buffer given back is kept (up to KEEP_MAX) for the
 * next load, which in a process that records again (cron's daemon, a
 * provisioning agent, sshd's session process from open to close) is
 * usually of the same pool. A one-shot process keeps nothing it pays for.
 *
 * What the buffer held is wiped when it is given back: pool records name
 * users and addresses, and a process may fork and drop its privileges
 * without an exec. Threads share the one slot through atomic exchanges,
 * so a buffer is never in two transactions at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool/pool_buf.h"
#include "pool/record.h"

/* The host reads 1024 records; a bigger pool's buffer is not kept. */
#define KEEP_MAX ((size_t)1024 * KVP_RECORD_SIZE)

/* Each buffer starts with its header; callers see what follows it. */
struct head {
	size_t cap;
	size_t used; /* bytes handed out: what is wiped */
	max_align_t align[];
};

static struct head *spare;

unsigned char *pool_buf_get(size_t bytes)
{
	struct head *h = __atomic_exchange_n(&spare, NULL, __ATOMIC_ACQ_REL);

	if (h && h->cap < bytes) {
		free(h);
		h = NULL;
	}
	if (!h) {
		/* A quarter more, within what is kept: a pool grows between
		 * two passes, and the next one should still fit. */
		size_t cap = bytes <= KEEP_MAX - KEEP_MAX / 5
				 ? bytes + bytes / 4
				 : (bytes < KEEP_MAX ? KEEP_MAX : bytes);

		if (cap > SIZE_MAX - sizeof(*h))
			return NULL;
		h = malloc(sizeof(*h) + cap);
		if (!h)
			return NULL;
		h->cap = cap;
	}
	h->used = bytes;
	return (unsigned char *)(h + 1);
}

void pool_buf_put(unsigned char *buf)
{
	struct head *h, *old;

	if (!buf)
		return;
	h = (struct head *)buf - 1;
	if (h->cap > KEEP_MAX) {
		free(h);
		return;
	}
	explicit_bzero(buf, h->used);
	old = __atomic_exchange_n(&spare, h, __ATOMIC_ACQ_REL);
	free(old);
}
