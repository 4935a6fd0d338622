/* uuid.c - random identifiers: the bytes behind every id and secret
 * libkvpcore makes (getrandom(2), never a seeded PRNG), kvp_uuid() and the
 * one UUID formatter. */
#include <errno.h>
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

_Static_assert(KVP_UUID_SIZE == 37, "uuid_format's out, util/internal.h");

/* By hand, not snprintf: every event makes one. */
void uuid_format(const unsigned char b[16], char out[KVP_UUID_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0xf];
	}
	out[o] = '\0';
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
	uuid_format(b, out);
	return 0;
}
