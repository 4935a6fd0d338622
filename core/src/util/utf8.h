/* utf8.h - strict UTF-8: the one decoder and the one lossy conversion,
 * shared by libkvpcore and kvpctl; not installed.
 *
 * Strict means what the host's kernel accepts when it converts a record
 * to UTF-16: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF. utf8.c depends on nothing else of the library, so
 * kvpctl, which sees only the library's public API, links its own copy of
 * the object.
 */
#ifndef KVP_UTF8_H
#define KVP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1 to 4) of the valid sequence at s[0..len), its code point in
 * *cp; 0 when s[0] does not start one (*cp then untouched). len > 0. */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Length of the longest valid UTF-8 prefix of s[0..len). */
size_t utf8_valid_prefix(const char *s, size_t len);
bool utf8_valid(const char *s, size_t len);

/* Largest n <= max such that s[0..n) does not end inside a sequence. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* Copy with each byte that does not start a valid sequence replaced by
 * U+FFFD; NUL-terminated, malloc'd, its length in *out_len unless that is
 * NULL. NULL when out of memory. */
char *utf8_lossy(const char *s, size_t len, size_t *out_len);

#endif
