/* uuid.c - random identifiers: the bytes behind every id and secret
 * libkvpcore makes (getrandom(2), never a seeded PRNG), and kvp_uuid(). */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "util/internal.h"
#include "kvp/event.h"

int rand_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	/* Blocks only until the kernel's pool is first initialised at boot;
	 * requests of up to 256 bytes are then never short, but a signal
	 * may still interrupt one. */
	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_fail_errno(errno, NULL, "getrandom");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int kvp_uuid(char out[KVP_UUID_SIZE])
{
	unsigned char b[16];
	int r;

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_uuid: out is NULL");
	r = rand_bytes(b, sizeof(b));
	if (r < 0)
		return r;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, KVP_UUID_SIZE,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}
