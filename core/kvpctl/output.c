/* output.c - escaped text and aligned tables for kvpctl (see output.h). */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "output.h"
/* The library's decoder, built into kvpctl too (Makefile). */
#include "../src/util/utf8.h"

#define SEPARATOR "  "

void out_init(void)
{
	/* Only the character classes: wcwidth() needs a UTF-8 LC_CTYPE.
	 * Messages and number formats stay in the C locale. */
	setlocale(LC_CTYPE, "C.UTF-8");
}

/* Code points a terminal must not be handed: controls, and those that
 * reorder or break the displayed text. */
static bool unsafe_code_point(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
	       cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* The three ways of writing text below; each leaves valid, safe UTF-8 as
 * it is and differs in what else it keeps and how it escapes the rest. */
enum style {
	STYLE_TEXT,   /* out_escaped: "\xNN" a byte, a backslash as "\\" */
	STYLE_CONFIG, /* out_config_text: "\xNN" a byte; keeps '\n', '\t' */
	STYLE_JSON,   /* out_json: "\uXXXX" a code point (U+FFFD for an
		       * invalid byte); keeps C0 controls, which jansson
		       * escaped in strings: the ones left are layout */
};

/* Whether the sequence at hand (n bytes of code point cp, or an invalid
 * byte when n is 0) must be escaped in `style`. */
static bool must_escape(enum style style, size_t n, uint32_t cp)
{
	if (n == 0)
		return true;
	if (!unsafe_code_point(cp))
		return false;
	if (style == STYLE_CONFIG)
		return cp != '\n' && cp != '\t';
	if (style == STYLE_JSON)
		return cp >= 0x7F;
	return true;
}

/* Columns a terminal gives the STYLE_TEXT form of a sequence written as
 * it is. */
static size_t display_width(uint32_t cp)
{
	int w;

	if (cp == '\\')
		return 2;
	if (cp < 0x80)
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (size_t)w;
}

/* Write s[0..len) to f in `style` (nothing when f is NULL). Returns the
 * columns its STYLE_TEXT form takes on a terminal. */
static size_t walk(FILE *f, const char *s, size_t len, enum style style)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t width = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp = 0xFFFD;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (must_escape(style, n, cp)) {
			/* An invalid byte, or every byte of an unsafe
			 * sequence. */
			size_t k = n ? n : 1;
			if (f && style == STYLE_JSON)
				fprintf(f, "\\u%04x", (unsigned int)cp);
			else if (f)
				for (size_t j = 0; j < k; j++)
					fprintf(f, "\\x%02x", p[i + j]);
			width += 4 * k;
			i += k;
			continue;
		}
		if (f && style == STYLE_TEXT && cp == '\\')
			fputs("\\\\", f);
		else if (f)
			fwrite(p + i, 1, n, f);
		width += display_width(cp);
		i += n;
	}
	return width;
}

void out_escaped(FILE *f, const char *s, size_t len)
{
	walk(f, s, len, STYLE_TEXT);
}

size_t out_escaped_width(const char *s, size_t len)
{
	return walk(NULL, s, len, STYLE_TEXT);
}

void out_json(FILE *f, const char *text)
{
	walk(f, text, strlen(text), STYLE_JSON);
}

void out_config_text(FILE *f, const char *text)
{
	walk(f, text, strlen(text), STYLE_CONFIG);
}

static void pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

static void print_cell(FILE *f, const char *s, size_t len, bool escape,
		       size_t width, size_t col_width, bool right, bool last)
{
	if (right)
		pad(f, col_width - width);
	if (escape)
		out_escaped(f, s, len);
	else
		fwrite(s, 1, len, f);
	if (!right && !last)
		pad(f, col_width - width);
	fputs(last ? "\n" : SEPARATOR, f);
}

int out_table_part(FILE *f, size_t cols, const char *const *titles,
		   unsigned int right_aligned, const struct out_cell *cells,
		   size_t rows, size_t *col_width, bool header)
{
	/* Each cell's width. */
	size_t *width = calloc(cols * rows + 1, sizeof(*width));

	if (!width)
		return -1;
	for (size_t c = 0; c < cols; c++)
		if (strlen(titles[c]) > col_width[c])
			col_width[c] = strlen(titles[c]);
	for (size_t i = 0; i < rows * cols; i++) {
		width[i] = out_escaped_width(cells[i].s, cells[i].len);
		if (width[i] > col_width[i % cols])
			col_width[i % cols] = width[i];
	}

	for (size_t c = 0; header && c < cols; c++) {
		size_t w = strlen(titles[c]);
		print_cell(f, titles[c], w, false, w, col_width[c],
			   right_aligned & (1u << c), c + 1 == cols);
	}
	for (size_t i = 0; i < rows * cols; i++) {
		size_t c = i % cols;
		print_cell(f, cells[i].s, cells[i].len, true, width[i],
			   col_width[c], right_aligned & (1u << c),
			   c + 1 == cols);
	}
	free(width);
	return 0;
}

int out_table(FILE *f, size_t cols, const char *const *titles,
	      unsigned int right_aligned, const struct out_cell *cells,
	      size_t rows)
{
	size_t *col_width = calloc(cols + 1, sizeof(*col_width));
	int r;

	if (!col_width)
		return -1;
	r = out_table_part(f, cols, titles, right_aligned, cells, rows,
			   col_width, true);
	free(col_width);
	return r;
}

char *out_utf8_dup(const char *s, size_t len)
{
	return utf8_lossy(s, len, NULL);
}
