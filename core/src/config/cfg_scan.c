/* cfg_scan.c - a lexical pass over pam_kvp.conf for what libconfig 1.5
 * does silently:
 *  - "@include" opens any file it names: pam_kvp reads exactly one file,
 *    so an include is an error (found here only);
 *  - an integer literal too large for its type is stored wrapped or
 *    clamped (4294967297 reads as 1): such literals are listed with the
 *    name before them, for cfg_tree.c to report as written;
 *  - after an unterminated comment the rest of the file is ignored, and
 *    a NUL byte ends the text: both are errors;
 *  - a syntax error at a string literal leaks the string, so a string
 *    where no value can be ("mode "safe";") is the syntax error here.
 * It follows libconfig's lexer: strings with backslash escapes, '#', '//'
 * and block comments, names of [A-Za-z*][-A-Za-z0-9_*]*. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings.h"

/* Brackets whose kind is kept: ',' separates values inside [ ] or ( ),
 * settings inside { }. Deeper nesting counts as a list. */
#define DEPTH_MAX 64

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' ||
	       (!first && (is_digit(c) || c == '-' || c == '_'));
}

static size_t count_lines(const char *p, const char *end)
{
	size_t n = 0;

	for (; p < end; p++)
		n += *p == '\n';
	return n;
}

/* Does libconfig store the number t[0..n) as another value? A plain
 * literal is an int, one with an L or LL suffix 64 bits. Floats and
 * malformed tokens (syntax errors for libconfig) are not altered. */
static bool literal_altered(const char *t, size_t n)
{
	size_t suffix = n > 1 && t[n - 1] == 'L' ? 1 + (t[n - 2] == 'L') : 0;
	bool hex = n > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
	const char *digits = t + (t[0] == '-' || t[0] == '+');
	unsigned long long v, max = suffix ? LLONG_MAX : INT_MAX;
	char *end;

	errno = 0;
	v = strtoull(digits, &end, hex ? 16 : 10);
	if (!is_digit(*digits) || end != t + n - suffix)
		return false;
	return errno == ERANGE || v > max + (t[0] == '-');
}

static int keep(struct cfg_scan *out, const char *path,
		const struct cfg_literal *lit)
{
	struct cfg_literal *grown =
	    realloc(out->bad, (out->n_bad + 1) * sizeof(*lit));

	if (!grown)
		return err_fail_nomem(path);
	out->bad = grown;
	out->bad[out->n_bad++] = *lit;
	return 0;
}

int cfg_scan(const char *path, const char *text, size_t len,
	     struct cfg_scan *out)
{
	const char *p = text, *end = text + len, *nul = memchr(text, 0, len);
	struct cfg_literal lit = {.name = ""};
	struct cfg_src src = {.file = path, .line = 1};
	char open[DEPTH_MAX], c, next;
	size_t depth = 0;
	bool value = false; /* a string may come next */
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (nul) {
		src.line += count_lines(text, nul);
		return cfg_fail(&src, 0, 0, "NUL byte in the file");
	}
	for (const char *start = p; r == 0 && p < end; start = p) {
		c = *p++;
		next = p < end ? *p : '\0';
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			src.line += c == '\n';
			continue; /* blanks and comments leave `value` */
		} else if (c == '#' ||
			   (c == '/' && (next == '/' || next == '*'))) {
			bool block = c == '/' && next == '*';

			p = memmem(p + block, (size_t)(end - p - block),
				   block ? "*/" : "\n", block ? 2 : 1);
			if (!p && block) {
				r = cfg_fail(&src, 0, 0,
					     "unterminated /* comment");
				break;
			}
			src.line += p ? count_lines(start, p) : 0;
			p = p ? p + 2 * block : end;
			continue;
		} else if (c == '"' && !value) {
			r = cfg_fail(&src, 0, 0, "syntax error");
		} else if (c == '"') {
			for (; p < end && *p != '"'; p++) {
				p += *p == '\\' && p + 1 < end;
				src.line += *p == '\n';
			}
			p += p < end; /* unclosed: libconfig says so */
		} else if (c == '@' && end - start >= 8 &&
			   memcmp(start, "@include", 8) == 0) {
			r = cfg_fail(&src, 0, 0,
				     "@include is not allowed (pam_kvp reads "
				     "this one file only)");
		} else if (is_name_char(c, true)) {
			while (p < end && is_name_char(*p, false))
				p++;
			lit.name = start;
			lit.name_len = (size_t)(p - start);
			lit.line = src.line;
		} else if (is_digit(c) || ((c == '-' || c == '+' || c == '.') &&
					   (is_digit(next) || next == '.'))) {
			/* libconfig's int, int64, hex and float forms */
			while (p < end &&
			       ((is_name_char(*p, false) && *p != '-') ||
				*p == '.' ||
				((*p == '+' || *p == '-') &&
				 (p[-1] | 0x20) == 'e')))
				p++;
			lit.text = start;
			lit.text_len = (size_t)(p - start);
			if (literal_altered(start, lit.text_len))
				r = keep(out, path, &lit);
		} else if (c == '[' || c == '(' || c == '{') {
			if (depth < DEPTH_MAX)
				open[depth] = c;
			depth++;
		} else if (c == ']' || c == ')' || c == '}') {
			depth -= depth > 0;
		}
		/* A string is a value: after '=' or ':', first in a list or
		 * after one of its commas, or after another string. */
		value = c == '=' || c == ':' || c == '[' || c == '(' ||
			c == '"' ||
			(c == ',' && depth > 0 &&
			 (depth > DEPTH_MAX || open[depth - 1] != '{'));
	}
	if (r < 0)
		free(out->bad);
	return r;
}

struct cfg_literal *cfg_scan_take(struct cfg_scan *scan, const char *name,
				  size_t line)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < scan->n_bad; i++) {
		struct cfg_literal *lit = &scan->bad[i];

		if (!lit->used && lit->line == line && lit->name_len == len &&
		    memcmp(lit->name, name, len) == 0) {
			lit->used = true;
			return lit;
		}
	}
	return NULL;
}
