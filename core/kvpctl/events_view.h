/* events_view.h - how `kvpctl events` shows diagnostics (kvp/diag.h): table
 * rows for people, JSON objects for programs. Entries are shown oldest
 * first (by their time; entries without one first, as the oldest; ties
 * in file order). Everything from the pool reaches the terminal escaped
 * (output.h); a group that could not be decoded is shown with its error
 * token, never dropped. */
#ifndef KVPCTL_EVENTS_VIEW_H
#define KVPCTL_EVENTS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kvp/kvp.h"

/* TIME AGENT KIND NAME RESULT DURATION MESSAGE */
#define EV_COLS 7

/* What a table printed in parts (--follow) keeps between parts. */
struct ev_table {
	size_t col_width[EV_COLS];
	bool header_done;
};

/* Sort entries oldest first (see above). */
void ev_sort(const kvp_diag_entry **entries, size_t n);

/* Rows for entries[0..n) (sorted): a start and a finish of one operation
 * (same schema, agent, vm_id, name and event id) among them are one row,
 * kind "start+finish", with the finish's result and duration. The header
 * comes with the first part. 0, or -1 when out of memory. */
int ev_print_table(FILE *f, const kvp_diag_entry *const *entries, size_t n,
		   struct ev_table *t);

/* One compact JSON object per entry and line; with `array` the lines are
 * wrapped into one JSON array ("[", objects separated by commas, "]"),
 * without they are JSON Lines. 0, or -1 when out of memory. */
int ev_print_json(FILE *f, const kvp_diag_entry *const *entries, size_t n,
		  bool array);

#endif
