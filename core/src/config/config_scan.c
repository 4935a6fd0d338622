/* config_scan.c - a lexical pass over pam_kvp.conf before libconfig reads
 * it, for what libconfig 1.5 does silently:
 *  - "@include" opens any file the path names; pam_kvp reads exactly one
 *    file, so an include is an error (and config_load.c also points
 *    libconfig's include directory at /dev/null, where nothing opens);
 *  - an integer literal that does not fit its type is stored wrapped or
 *    clamped (4294967297 reads as 1), so a wrapped max_records could pass
 *    the range check: such literals are listed, with the setting they are
 *    assigned to, for the loader to report as out of range;
 *  - after an unterminated comment the rest of the file is ignored, and
 *    a NUL byte ends the text: both are errors;
 *  - a syntax error found at a string literal leaks the string (its
 *    parser has no destructor for the token), so a string where none can
 *    be ("mode "safe";") is reported here as the syntax error it is.
 * It follows libconfig's lexer: strings with backslash escapes, '#', '//'
 * and block comments, names of [A-Za-z*][-A-Za-z0-9_*]*. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

enum prev_token {
	TOK_OTHER,
	TOK_NAME,   /* a name: the setting, if '=' or ':' follows */
	TOK_ASSIGN, /* "name =" */
	TOK_EQUALS, /* '=' or ':' after anything else */
	TOK_OPEN,   /* '[' or '(' */
	TOK_COMMA,  /* ',' */
	TOK_STRING, /* a string literal (another may follow: "a" "b") */
};

/* Brackets whose kind is remembered: a ',' inside [ ] or ( ) separates
 * values, elsewhere it ends a setting. Deeper nesting is not checked. */
#define SCAN_DEPTH_MAX 64

struct scanner {
	const char *path;
	const char *p, *end;
	size_t line;
	enum prev_token prev;
	char open[SCAN_DEPTH_MAX];
	size_t depth;
	const char *name;
	size_t name_len, name_line;
	struct cfg_scan *out;
};

static int scan_fail(const struct scanner *sc, size_t line, const char *what)
{
	struct cfg_src src = {.file = sc->path, .line = line};

	return cfg_fail(&src, 0, 0, "%s", what);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || is_digit(c) || c == '-' || c == '_';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether libconfig stores the integer literal t[0..n) as something else
 * than its value: a plain literal is an int, one with an L or LL suffix a
 * 64-bit integer. Floats and malformed tokens (a syntax error for
 * libconfig) are not our concern. */
static bool literal_altered(const char *t, size_t n)
{
	unsigned long long v = 0, limit;
	bool neg = false, hex = false, is64 = false, overflow = false;
	size_t i = 0;
	int base = 10;

	while (n > 0 && t[n - 1] == 'L' && !is64) {
		n--;
		if (n > 0 && t[n - 1] == 'L')
			n--;
		is64 = true;
	}
	if (n > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		hex = true;
		base = 16;
		i = 2;
	} else if (n > 0 && (t[0] == '-' || t[0] == '+')) {
		neg = t[0] == '-';
		i = 1;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		int d =
		    hex ? hex_value(t[i]) : (is_digit(t[i]) ? t[i] - '0' : -1);

		if (d < 0)
			return false;
		if (v > (ULLONG_MAX - (unsigned long long)d) / (unsigned)base)
			overflow = true;
		else
			v = v * (unsigned)base + (unsigned long long)d;
	}
	if (overflow)
		return true;
	limit =
	    is64 ? (unsigned long long)LLONG_MAX : (unsigned long long)INT_MAX;
	return v > limit + (neg ? 1 : 0);
}

static int add_literal(struct scanner *sc, const char *text, size_t len,
		       size_t line)
{
	struct cfg_scan *out = sc->out;
	struct cfg_literal *lit, *grown;

	grown = realloc(out->bad, (out->n_bad + 1) * sizeof(*out->bad));
	if (!grown)
		return err_fail_nomem(sc->path);
	out->bad = grown;
	lit = &out->bad[out->n_bad++];
	memset(lit, 0, sizeof(*lit));
	lit->text = text;
	lit->text_len = len;
	lit->line = line;
	if (sc->prev == TOK_ASSIGN) {
		lit->name = sc->name;
		lit->name_len = sc->name_len;
		lit->line = sc->name_line;
	}
	return 0;
}

/* A number token: digits, letters, '.', '_' and a sign after an exponent
 * (libconfig's int, int64, hex and float forms, or a syntax error). */
static int scan_number(struct scanner *sc)
{
	const char *start = sc->p;

	sc->p++;
	while (sc->p < sc->end) {
		char c = *sc->p;

		if (is_digit(c) || is_name_start(c) || c == '.' || c == '_')
			sc->p++;
		else if ((c == '+' || c == '-') &&
			 (sc->p[-1] == 'e' || sc->p[-1] == 'E'))
			sc->p++;
		else
			break;
	}
	if (literal_altered(start, (size_t)(sc->p - start)))
		return add_literal(sc, start, (size_t)(sc->p - start),
				   sc->line);
	return 0;
}

static void skip_string(struct scanner *sc)
{
	for (sc->p++; sc->p < sc->end && *sc->p != '"'; sc->p++) {
		if (*sc->p == '\\' && sc->p + 1 < sc->end)
			sc->p++;
		if (*sc->p == '\n')
			sc->line++;
	}
	if (sc->p < sc->end)
		sc->p++; /* the closing quote; if none, libconfig says so */
}

static void skip_line(struct scanner *sc)
{
	while (sc->p < sc->end && *sc->p != '\n')
		sc->p++;
}

static int skip_block_comment(struct scanner *sc)
{
	size_t start = sc->line;

	for (sc->p += 2; sc->p + 1 < sc->end; sc->p++) {
		if (sc->p[0] == '*' && sc->p[1] == '/') {
			sc->p += 2;
			return 0;
		}
		if (*sc->p == '\n')
			sc->line++;
	}
	return scan_fail(sc, start, "unterminated /* comment");
}

static bool starts_number(const struct scanner *sc)
{
	char c = sc->p[0], next = sc->p + 1 < sc->end ? sc->p[1] : '\0';

	return is_digit(c) || ((c == '-' || c == '+' || c == '.') &&
			       (is_digit(next) || next == '.'));
}

/* Inside [ ] or ( ) (or nested too deep to know). */
static bool in_list(const struct scanner *sc)
{
	if (sc->depth == 0)
		return false;
	if (sc->depth > SCAN_DEPTH_MAX)
		return true;
	return sc->open[sc->depth - 1] != '{';
}

/* A string literal is a value: after '=' or ':', first in a list or
 * after one of its commas, or after another string (concatenation). */
static bool string_allowed(const struct scanner *sc)
{
	switch (sc->prev) {
	case TOK_ASSIGN:
	case TOK_EQUALS:
	case TOK_OPEN:
	case TOK_COMMA:
	case TOK_STRING: return true;
	default: return false;
	}
}

static int scan_token(struct scanner *sc)
{
	char c = *sc->p;
	char next = sc->p + 1 < sc->end ? sc->p[1] : '\0';

	if (c == '\n') {
		sc->line++;
		sc->p++;
	} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		   c == '\v') {
		sc->p++;
	} else if (c == '#' || (c == '/' && next == '/')) {
		skip_line(sc);
	} else if (c == '/' && next == '*') {
		return skip_block_comment(sc);
	} else if (c == '"') {
		if (!string_allowed(sc))
			return scan_fail(sc, sc->line, "syntax error");
		skip_string(sc);
		sc->prev = TOK_STRING;
	} else if (c == '@' && (size_t)(sc->end - sc->p) >= 8 &&
		   memcmp(sc->p, "@include", 8) == 0) {
		return scan_fail(sc, sc->line,
				 "@include is not allowed (pam_kvp reads "
				 "this one file only)");
	} else if (is_name_start(c)) {
		sc->name = sc->p;
		sc->name_line = sc->line;
		while (sc->p < sc->end && is_name_char(*sc->p))
			sc->p++;
		sc->name_len = (size_t)(sc->p - sc->name);
		sc->prev = TOK_NAME;
	} else if (c == '=' || c == ':') {
		sc->p++;
		sc->prev = sc->prev == TOK_NAME ? TOK_ASSIGN : TOK_EQUALS;
	} else if (c == '[' || c == '(' || c == '{') {
		if (sc->depth < SCAN_DEPTH_MAX)
			sc->open[sc->depth] = c;
		sc->depth++;
		sc->p++;
		sc->prev = c == '{' ? TOK_OTHER : TOK_OPEN;
	} else if (c == ']' || c == ')' || c == '}') {
		if (sc->depth > 0)
			sc->depth--;
		sc->p++;
		sc->prev = TOK_OTHER;
	} else if (c == ',') {
		sc->p++;
		sc->prev = in_list(sc) ? TOK_COMMA : TOK_OTHER;
	} else if (starts_number(sc)) {
		int r = scan_number(sc);

		sc->prev = TOK_OTHER;
		return r;
	} else {
		sc->p++;
		sc->prev = TOK_OTHER;
	}
	return 0;
}

int cfg_scan(const char *path, const char *text, size_t len,
	     struct cfg_scan *out)
{
	struct scanner sc = {
	    .path = path, .p = text, .end = text + len, .line = 1, .out = out};
	const char *nul = memchr(text, '\0', len);
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (nul) {
		for (const char *q = text; q < nul; q++)
			if (*q == '\n')
				sc.line++;
		return scan_fail(&sc, sc.line, "NUL byte in the file");
	}
	while (r == 0 && sc.p < sc.end)
		r = scan_token(&sc);
	if (r < 0)
		cfg_scan_free(out);
	return r;
}

void cfg_scan_free(struct cfg_scan *scan)
{
	free(scan->bad);
	scan->bad = NULL;
	scan->n_bad = 0;
}

struct cfg_literal *cfg_scan_take(struct cfg_scan *scan, const char *name,
				  size_t line)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < scan->n_bad; i++) {
		struct cfg_literal *lit = &scan->bad[i];

		if (!lit->used && lit->name && lit->line == line &&
		    lit->name_len == len && memcmp(lit->name, name, len) == 0) {
			lit->used = true;
			return lit;
		}
	}
	return NULL;
}
