/* events_view.h - how `kvpctl events` shows event records: one table row
 * or one JSON object per record, from the record's JSON value (parsed
 * with jansson). A record with our key prefix whose value is not one of
 * our JSON objects is still shown, never dropped: its row carries what
 * the key says and the raw key, its JSON object the reason and the raw
 * value. Everything from the pool reaches the terminal escaped
 * (output.h). */
#ifndef KVPCTL_EVENTS_VIEW_H
#define KVPCTL_EVENTS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kvp/kvp.h"

/* TIME EVENT SERVICE USER RHOST TTY SESSION DURATION RESULT */
#define EV_COLS 9

/* Print the records of `list` whose entry in `which` is true (all when
 * `which` is NULL), in list order, as rows of the events table.
 * col_width[EV_COLS] keeps the column widths between calls (zero it
 * first); the header is printed when `header` is true. 0, or -1 when out
 * of memory. */
int ev_print_table(FILE *f, const kvp_record_list *list, const bool *which,
		   size_t *col_width, bool header);

/* The same records as JSON objects {"key": .., <the value's members>},
 * or {"key": .., "error": "not JSON", "value": ..} for a value that is
 * not ours, one compact object per line. With `array`, the lines are
 * wrapped into one JSON array ("[", the objects separated by commas,
 * "]"); without, they are JSON Lines. 0, or -1 when out of memory. */
int ev_print_json(FILE *f, const kvp_record_list *list, const bool *which,
		  bool array);

#endif
