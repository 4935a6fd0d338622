/* utf8.c - strict UTF-8 (see utf8.h): the host converts keys and values to
 * UTF-16 in the kernel and rejects a whole read on one bad sequence, so
 * writes must never store one; kvpctl decodes with the same rules to
 * escape what it prints.
 *
 * Self-contained on purpose (libc only): kvpctl links this object too. */
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		v = c & 0x0F;
		lo = c == 0xE0 ? 0xA0 : lo; /* overlong */
		hi = c == 0xED ? 0x9F : hi; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		v = c & 0x07;
		lo = c == 0xF0 ? 0x90 : lo; /* overlong */
		hi = c == 0xF4 ? 0x8F : hi; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (len < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return need;
}

/* Length of the run of ASCII bytes at p[0..len): keys and values are
 * mostly ASCII, so this is the common case, 8 bytes at a time. */
static size_t ascii_run(const unsigned char *p, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

size_t utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = ascii_run(p + i, len - i);
		if (n == 0)
			n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			break;
		i += n;
	}
	return i;
}

bool utf8_valid(const char *s, size_t len)
{
	return utf8_valid_prefix(s, len) == len;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* Step back over continuation bytes to the start of a sequence. */
	while (n > 0 && (p[n] & 0xC0) == 0x80)
		n--;
	return n;
}

char *utf8_lossy(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	/* Worst case: every byte becomes the 3-byte U+FFFD. */
	char *out = malloc(len * 3 + 1);
	size_t i = 0, o = 0;
	uint32_t cp;

	if (!out)
		return NULL;
	while (i < len) {
		size_t n = ascii_run(p + i, len - i);
		if (n == 0)
			n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			memcpy(out + o, REPLACEMENT, 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	if (out_len)
		*out_len = o;
	return out;
}
