/* output.h - how kvpctl prints pool bytes to a terminal: escaped text and
 * aligned tables.
 *
 * Pool keys and values are arbitrary bytes (reads accept anything), so
 * nothing read from a pool reaches the terminal raw. Printable UTF-8 is
 * written as is; a backslash becomes "\\"; every other byte that could
 * move the cursor, change the terminal's state or reorder the text is
 * written as "\xNN", one escape per byte: C0 controls and DEL, the bytes of
 * C1 controls (U+0080..U+009F), of bidirectional and line-separator
 * controls (U+061C, U+200E, U+200F, U+2028..U+202E, U+2066..U+2069), and
 * every byte that is not part of a valid UTF-8 sequence. The escaping is
 * reversible: "\\" and "\xNN" are the only escapes.
 */
#ifndef KVPCTL_OUTPUT_H
#define KVPCTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Call once at start: lets the width of wide characters be measured. */
void out_init(void);

/* Write s[0..len) to f, escaped. */
void out_escaped(FILE *f, const char *s, size_t len);

/* Write JSON text (from kvp_record_list_json) to f with the code points
 * above written as \uXXXX: the same JSON value, safe on a terminal. The
 * library's JSON escapes only what JSON requires (C0 controls), so C1,
 * DEL and bidirectional controls would otherwise reach the terminal raw.
 * They can only occur inside strings, where \uXXXX means the same. */
void out_json(FILE *f, const char *text);

/* Columns the escaped form of s[0..len) takes on a terminal. */
size_t out_escaped_width(const char *s, size_t len);

/* One cell of a table: bytes to print escaped. */
struct out_cell {
	const char *s;
	size_t len;
};

/* A table of `rows` rows of `cols` cells (row-major in `cells`), under a
 * header row of plain ASCII titles. Columns are separated by two spaces;
 * every column but the last is padded to its widest cell, and a column
 * whose bit is set in `right_aligned` is aligned to the right. 0, or -1
 * when out of memory (nothing printed). */
int out_table(FILE *f, size_t cols, const char *const *titles,
	      unsigned int right_aligned, const struct out_cell *cells,
	      size_t rows);

/* A table printed in parts (kvpctl events --follow): as out_table, but
 * the column widths are kept in col_width[cols] (zero them before the
 * first part) and only grow, so later rows line up with earlier ones as
 * far as their cells allow; the header row is printed only when `header`
 * is true. 0, or -1 when out of memory (nothing printed). */
int out_table_part(FILE *f, size_t cols, const char *const *titles,
		   unsigned int right_aligned, const struct out_cell *cells,
		   size_t rows, size_t *col_width, bool header);

/* Write libconfig text (kvp_settings_format) to f. Its string literals
 * already escape quotes, backslashes and C0 controls, so the text is
 * written as it is, layout newlines and tabs included, except the bytes
 * out_escaped would escape (invalid UTF-8, C1 and bidirectional
 * controls: only possible inside a string), as "\xNN", which libconfig
 * reads back as the same byte. */
void out_config_text(FILE *f, const char *text);

/* A malloc'd, NUL-terminated copy of s[0..len) that is valid UTF-8:
 * utf8_lossy (core/src/util/utf8.h), every byte that does not start a
 * valid sequence replaced by U+FFFD. NULL when out of memory. */
char *out_utf8_dup(const char *s, size_t len);

#endif
