/* diag_payload.c - a payload's stored form: encoded first (text as it is,
 * or base64 of a zlib stream / gzip member), then split into chunks of at
 * most 1022 bytes, text on UTF-8 boundaries (every record must be valid
 * UTF-8 for the host); on read, the joined chunks decoded by the key's
 * encoding token. */
#include <string.h>

#include "diag/diag_internal.h"

bool diag_is_text(const char *s, size_t n)
{
	return !memchr(s, '\0', n) && utf8_valid(s, n);
}

int diag_payload_encode(kvp_diag_encoding enc, const void *p, size_t n,
			struct diag_buf *out)
{
	struct diag_buf z = {0};
	int r;

	if (n && !p)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"diag: payload is NULL");
	switch (enc) {
	case KVP_DIAG_ENC_NONE:
		if (memchr(p ? p : "", '\0', n))
			return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, n,
					"diag: the payload holds a NUL byte; "
					"encode it (zlib+b64)");
		if (!utf8_valid(p ? p : "", n))
			return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, n,
					"diag: the payload is not valid UTF-8 "
					"(first bad byte at offset %zu); "
					"encode it (zlib+b64)",
					utf8_valid_prefix(p, n));
		return diag_buf_add(out, p ? p : "", n);
	case KVP_DIAG_ENC_ZLIB_B64:
	case KVP_DIAG_ENC_GZ_B64:
		r = diag_deflate(
		    p ? p : "", n,
		    enc == KVP_DIAG_ENC_GZ_B64 ? DIAG_GZIP : DIAG_ZLIB, &z);
		if (r == 0)
			r = diag_buf_reserve(out, diag_b64_len(z.len));
		if (r == 0)
			r = diag_b64_encode(z.data, z.len,
					    out->data + out->len);
		if (r == 0) {
			out->len += diag_b64_len(z.len);
			out->data[out->len] = '\0';
		}
		diag_buf_free(&z);
		return r;
	default:
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"diag: unknown encoding %d", (int)enc);
	}
}

size_t diag_payload_split(const char *v, size_t len, bool text, size_t max,
			  size_t *ends, size_t max_chunks)
{
	size_t n = 0, at = 0;

	do {
		size_t end = len - at > max ? at + max : len;
		/* Back off continuation bytes: end on a character boundary. */
		while (text && end < len && end > at &&
		       ((unsigned char)v[end] & 0xC0) == 0x80)
			end--;
		if (n < max_chunks)
			ends[n] = end;
		n++;
		at = end;
	} while (at < len);
	return n;
}

int diag_payload_decode(struct diag_span encoding, const char *v, size_t n,
			struct diag_buf *out, const char **why)
{
	struct diag_buf z = {0};
	enum diag_zformat f = DIAG_ZLIB;
	int r;

	if (encoding.len == 4 && memcmp(encoding.s, "none", 4) == 0) {
		if (!utf8_valid(v, n)) {
			*why = "the text is not valid UTF-8";
			return 0;
		}
		return diag_buf_add(out, v, n) < 0 ? KVP_ERR_NOMEM : 1;
	}
	if (encoding.len == 6 && memcmp(encoding.s, "gz+b64", 6) == 0)
		f = DIAG_GZIP;
	else if (encoding.len != 8 || memcmp(encoding.s, "zlib+b64", 8) != 0) {
		*why = "an encoding this reader does not know";
		return 0;
	}
	r = diag_b64_decode(v, n, &z);
	if (r == 0)
		*why = "the value is not canonical padded base64";
	if (r > 0) {
		r = diag_inflate(z.data, z.len, f, out);
		if (r == 0)
			*why = f == DIAG_GZIP ? "not one complete gzip member"
					      : "not one complete zlib stream";
	}
	diag_buf_free(&z);
	return r;
}

int diag_payload_decode_envelope(const char *data, size_t n,
				 struct diag_buf *out, const char **why)
{
	struct diag_buf b64 = {0}, z = {0};
	int r = 0;

	/* cloud-init wraps its base64 in lines: drop ASCII whitespace. */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!strchr(" \t\n\v\f\r", data[i]) || !data[i])
			r = diag_buf_add(&b64, data + i, 1);
	if (r == 0)
		r = diag_b64_decode(b64.data ? b64.data : "", b64.len, &z);
	if (r == 0)
		*why = "the envelope's data is not padded base64";
	if (r > 0) {
		/* Labelled gz+b64, but cloud-init's Azure helper writes zlib:
		 * the stream's magic decides. */
		bool gzip = z.len >= 2 && (unsigned char)z.data[0] == 0x1f &&
			    (unsigned char)z.data[1] == 0x8b;
		r = diag_inflate(z.data, z.len, gzip ? DIAG_GZIP : DIAG_ZLIB,
				 out);
		if (r == 0)
			*why = "the envelope's data is not one complete "
			       "zlib or gzip stream";
	}
	diag_buf_free(&b64);
	diag_buf_free(&z);
	return r;
}
