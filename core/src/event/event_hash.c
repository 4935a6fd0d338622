/* event_hash.c - the "hash" field policy: HMAC-SHA256 (nettle, loaded on
 * first use: util/libs.h) keyed with
 * a 32-byte secret kept in a file (kvp_settings.hash_key_file), over the
 * field's name, a NUL byte and the value, so that equal values of two
 * fields (user=X, rhost=X) give unrelated digests.
 *
 * The secret is read on every use, never cached, so a replaced or removed
 * key file takes effect at the next event even in a long-running process.
 * A file is used only if it is a regular file (not a symbolic link) of
 * exactly 32 bytes, owned by root or by us, with no group or other
 * permission bits; anything else means "no secret", and the caller leaves
 * the hashed fields out rather than write them plain.
 *
 * A missing file is made from getrandom(2): written in full under a
 * temporary name (O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), then
 * link(2)ed into place, so no reader ever sees a partial secret and two
 * first writers agree on one (the loser of the link reads the winner's).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/event_internal.h"
#include "util/libs.h"

#define DIGEST_BYTES 16

static int read_secret(int fd, unsigned char key[EVENT_SECRET_SIZE])
{
	struct stat st;
	size_t done = 0;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != EVENT_SECRET_SIZE || (st.st_mode & 077) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid()))
		return -1;
	while (done < EVENT_SECRET_SIZE) {
		ssize_t n = pread(fd, key + done, EVENT_SECRET_SIZE - done,
				  (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make the secret at `path`; 0 when it exists afterwards (ours or the
 * winner's of a race), -1 when it could not be made. */
static int create_secret(const char *path)
{
	unsigned char key[EVENT_SECRET_SIZE], tag[4];
	char *tmp = NULL;
	int fd, r = -1;

	if (rand_bytes(key, sizeof(key)) < 0 ||
	    rand_bytes(tag, sizeof(tag)) < 0 ||
	    asprintf(&tmp, "%s.tmp%02x%02x%02x%02x", path, tag[0], tag[1],
		     tag[2], tag[3]) < 0) {
		explicit_bzero(key, sizeof(key));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd >= 0) {
		/* fchmod: the umask must not narrow or widen 0600. */
		if (fchmod(fd, 0600) == 0 &&
		    write_all(fd, key, sizeof(key)) == 0 && fsync(fd) == 0)
			r = 0;
		if (close(fd) == -1)
			r = -1;
		if (r == 0 && link(tmp, path) == -1 && errno != EEXIST)
			r = -1;
		unlink(tmp);
	}
	explicit_bzero(key, sizeof(key));
	free(tmp);
	return r;
}

int event_secret_load(const char *path, unsigned char key[EVENT_SECRET_SIZE])
{
	if (!path || !*path)
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd =
		    open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			int r = read_secret(fd, key);
			close(fd);
			return r;
		}
		if (errno != ENOENT || attempt > 0 || create_secret(path) < 0)
			return -1;
	}
	return -1;
}

int event_hash(const unsigned char key[EVENT_SECRET_SIZE], const char *field,
	       const char *s, size_t len, char out[EVENT_HASH_LEN + 1])
{
	const struct libs_nettle *n = libs_nettle();
	struct hmac_sha256_ctx ctx;
	uint8_t digest[DIGEST_BYTES];
	size_t o = sizeof(EVENT_HASH_PREFIX) - 1;

	if (!n)
		return kvp_error_last()->code;
	n->hmac_set_key(&ctx, EVENT_SECRET_SIZE, key);
	/* The field's name and a NUL first (a name holds no NUL, so the
	 * input splits one way only): user=X and rhost=X differ. */
	n->hmac_update(&ctx, strlen(field) + 1, (const uint8_t *)field);
	n->hmac_update(&ctx, len, (const uint8_t *)s);
	n->hmac_digest(&ctx, DIGEST_BYTES, digest);
	explicit_bzero(&ctx, sizeof(ctx));

	memcpy(out, EVENT_HASH_PREFIX, o);
	for (size_t i = 0; i < DIGEST_BYTES; i++, o += 2)
		snprintf(out + o, 3, "%02x", digest[i]);
	out[o] = '\0';
	return 0;
}
