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

/* Walk s[0..len): call `emit` for each printable sequence and each byte
 * to escape. Returns the total display width. */
typedef void (*emit_fn)(FILE *f, const unsigned char *p, size_t n, bool escape);

static size_t walk(FILE *f, const char *s, size_t len, emit_fn emit)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t width = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0 || unsafe_code_point(cp)) {
			/* Invalid byte, or every byte of an unsafe one. */
			size_t k = n ? n : 1;
			for (size_t j = 0; j < k; j++) {
				if (emit)
					emit(f, p + i + j, 1, true);
				width += 4;
			}
			i += k;
			continue;
		}
		if (emit)
			emit(f, p + i, n, false);
		if (cp == '\\') {
			width += 2;
		} else if (cp < 0x80) {
			width += 1;
		} else {
			int w = wcwidth((wchar_t)cp);
			width += w < 0 ? 1 : (size_t)w;
		}
		i += n;
	}
	return width;
}

static void emit_to_file(FILE *f, const unsigned char *p, size_t n, bool escape)
{
	if (escape)
		fprintf(f, "\\x%02x", p[0]);
	else if (n == 1 && p[0] == '\\')
		fputs("\\\\", f);
	else
		fwrite(p, 1, n, f);
}

void out_escaped(FILE *f, const char *s, size_t len)
{
	walk(f, s, len, emit_to_file);
}

size_t out_escaped_width(const char *s, size_t len)
{
	return walk(NULL, s, len, NULL);
}

void out_json(FILE *f, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text);

	for (size_t i = 0; i < len;) {
		uint32_t cp = 0xFFFD;
		size_t n = utf8_decode(p + i, len - i, &cp);

		/* C0 controls are escaped by jansson in strings already:
		 * the ones left are the layout's newlines. */
		if (n == 0 || (cp >= 0x7F && unsafe_code_point(cp)))
			fprintf(f, "\\u%04x", (unsigned int)(n ? cp : 0xFFFD));
		else
			fwrite(p + i, 1, n, f);
		i += n ? n : 1;
	}
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

void out_config_text(FILE *f, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text);

	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = utf8_decode(p + i, len - i, &cp);
		bool layout = cp == '\n' || cp == '\t';

		if (n == 0 || (unsafe_code_point(cp) && !layout)) {
			for (size_t j = 0; j < (n ? n : 1); j++)
				fprintf(f, "\\x%02x", p[i + j]);
			i += n ? n : 1;
			continue;
		}
		fwrite(p + i, 1, n, f);
		i += n;
	}
}

char *out_utf8_dup(const char *s, size_t len)
{
	return utf8_lossy(s, len, NULL);
}
