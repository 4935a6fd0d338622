/* diag_codec.c - the byte codecs of diagnostics payloads: standard padded
 * base64 (nettle's, behind a strict check: nettle itself skips whitespace
 * and accepts non-zero padding bits, which DIAG does not) and zlib / gzip
 * streams (zlib, 32 KiB window, no preset dictionary). Both libraries are
 * loaded on first use (util/libs.h): a failure to load one is KVP_ERR_IO
 * naming it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"
#include "util/libs.h"

/* zlib's windowBits: 15 for a zlib stream, 15 + 16 for a gzip member. */
#define WBITS(f) ((f) == DIAG_GZIP ? 31 : 15)

int diag_buf_reserve(struct diag_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 256;
	char *p;

	if (need < b->len)
		return err_fail_nomem(NULL);
	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return err_fail_nomem(NULL);
	b->data = p;
	b->cap = cap;
	return 0;
}

int diag_buf_add(struct diag_buf *b, const void *p, size_t n)
{
	int r = diag_buf_reserve(b, n);

	if (r < 0)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

void diag_buf_free(struct diag_buf *b)
{
	free(b->data);
	*b = (struct diag_buf){0};
}

/* ---- base64 ---- */

size_t diag_b64_len(size_t n)
{
	return BASE64_ENCODE_RAW_LENGTH(n);
}

int diag_b64_encode(const void *src, size_t n, char *dst)
{
	const struct libs_nettle *nettle = libs_nettle();

	if (!nettle)
		return kvp_error_last()->code;
	nettle->b64_encode_raw(dst, n, src);
	return 0;
}

static int b64_value(char c)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* Whole groups of four from the alphabet, at most two '=' at the very end,
 * and the bits a '=' leaves unused all zero (one spelling per input). */
static bool b64_canonical(const char *s, size_t len)
{
	size_t pad = 0, data;

	if (len % 4 != 0)
		return false;
	while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
		pad++;
	data = len - pad;
	for (size_t i = 0; i < data; i++)
		if (b64_value(s[i]) < 0)
			return false;
	if (pad == 1)
		return (b64_value(s[data - 1]) & 0x03) == 0;
	if (pad == 2)
		return (b64_value(s[data - 1]) & 0x0f) == 0;
	return true;
}

int diag_b64_decode(const char *s, size_t len, struct diag_buf *out)
{
	const struct libs_nettle *nettle;
	struct base64_decode_ctx ctx;
	size_t n = BASE64_DECODE_LENGTH(len);
	int r;

	if (!b64_canonical(s, len))
		return 0;
	if (!(nettle = libs_nettle()))
		return kvp_error_last()->code;
	r = diag_buf_reserve(out, n);
	if (r < 0)
		return r;
	nettle->b64_decode_init(&ctx);
	if (!nettle->b64_decode_update(
		&ctx, &n, (uint8_t *)out->data + out->len, len, s) ||
	    !nettle->b64_decode_final(&ctx))
		return 0;
	out->len += n;
	out->data[out->len] = '\0';
	return 1;
}

/* ---- zlib ---- */

int diag_deflate(const void *src, size_t n, enum diag_zformat f,
		 struct diag_buf *out)
{
	const struct libs_zlib *zl = libs_zlib();
	z_stream z = {0};
	int r, zr;

	if (!zl)
		return kvp_error_last()->code;
	/* deflateInit2(), whose macro passes the version and size. */
	if (zl->deflate_init2(&z, 6, Z_DEFLATED, WBITS(f), 8,
			      Z_DEFAULT_STRATEGY, ZLIB_VERSION,
			      (int)sizeof(z_stream)) != Z_OK)
		return err_fail_nomem(NULL);
	z.next_in = (Bytef *)src;
	do {
		size_t room;
		/* zlib counts in uInt: feed and drain at most 1 GiB a step. */
		z.avail_in = n > (1u << 30) ? 1u << 30 : (uInt)n;
		n -= z.avail_in;
		do {
			r = diag_buf_reserve(out, 65536);
			if (r < 0) {
				zl->deflate_end(&z);
				return r;
			}
			room = out->cap - out->len - 1;
			z.next_out = (Bytef *)out->data + out->len;
			z.avail_out = room > (1u << 30) ? 1u << 30 : (uInt)room;
			room = z.avail_out;
			zr = zl->deflate(&z, n ? Z_NO_FLUSH : Z_FINISH);
			out->len += room - z.avail_out;
		} while (z.avail_out == 0 || (!n && zr == Z_OK));
	} while (n);
	zl->deflate_end(&z);
	out->data[out->len] = '\0';
	return zr == Z_STREAM_END ? 0 : err_fail_nomem(NULL);
}

int diag_inflate(const void *src, size_t n, enum diag_zformat f,
		 struct diag_buf *out)
{
	const struct libs_zlib *zl = libs_zlib();
	z_stream z = {0};
	int zr = Z_OK, r = 0;

	if (!zl)
		return kvp_error_last()->code;
	if (zl->inflate_init2(&z, WBITS(f), ZLIB_VERSION,
			      (int)sizeof(z_stream)) != Z_OK)
		return err_fail_nomem(NULL);
	z.next_in = (Bytef *)src;
	while (zr == Z_OK) {
		size_t room;
		if (z.avail_in == 0) {
			z.avail_in = n > (1u << 30) ? 1u << 30 : (uInt)n;
			n -= z.avail_in;
		}
		r = diag_buf_reserve(out, 65536);
		if (r < 0)
			break;
		room = out->cap - out->len - 1;
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = room > (1u << 30) ? 1u << 30 : (uInt)room;
		room = z.avail_out;
		zr = zl->inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		/* No progress with input left over: a truncated stream. */
		if (zr == Z_BUF_ERROR && z.avail_in == 0 && n == 0)
			break;
		if (zr == Z_BUF_ERROR)
			zr = Z_OK;
	}
	zl->inflate_end(&z);
	if (out->data)
		out->data[out->len] = '\0';
	if (r < 0)
		return r;
	if (zr == Z_MEM_ERROR)
		return err_fail_nomem(NULL);
	/* One complete stream, and nothing after it. */
	return zr == Z_STREAM_END && z.avail_in == 0 && n == 0;
}
