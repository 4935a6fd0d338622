/* event_fixture.h - event records for the `kvpctl events` suites, written
 * with the library (kvp_event_record) into the suite's pool directory
 * (kr_dir), at fixed times so the expected output is known. */
#ifndef KVP_EVENT_FIXTURE_H
#define KVP_EVENT_FIXTURE_H

#include <jansson.h>
#include <stddef.h>

#include "kvp/kvp.h"

/* 2024-01-02T03:04:05Z: every fixture event is T0 + some seconds. */
#define EF_T0	     1704164645LL
#define EF_SESSION   "0123abcd-1111-4222-8333-444455556666"
#define EF_TIME(sec) "2024-01-02T03:04:" #sec ".000Z" /* sec: 05..59 */

/* Settings writing to kr_dir's guest pool, never clearing it as stale,
 * in pam_kvp's legacy format (format = "pam_kvp": these suites test how
 * `kvpctl events` shows the legacy records); kvp_settings_free() them.
 * ef_diag_settings(): the same in the default format, DIAG. */
kvp_settings *ef_settings(void);
kvp_settings *ef_diag_settings(void);
/* Apply a module argument ("key_prefix=CFG"), asserting success. */
void ef_set(kvp_settings *s, const char *arg);

/* An sshd event by alice from 192.0.2.7 on "ssh", at EF_T0 + sec. */
kvp_event ef_event(kvp_event_type type, long long sec);

/* Write `ev` with `s` (NULL: ef_settings()); aborts the test on error. */
void ef_record(const kvp_settings *s, const kvp_event *ev);
/* ef_record of ef_event(type, sec). */
void ef_put(kvp_event_type type, long long sec);

/* Number of lines in `s`. */
size_t ef_lines(const char *s);
/* Line `n` (0-based) of `s`, malloc'd without its newline. */
char *ef_line(const char *s, size_t n);

/* JSON text parsed with jansson; aborts the test on a syntax error. */
json_t *ef_parse(const char *text);
/* Assert j is a string equal to `expected` (bytes, NULs excluded). */
void ef_assert_json_str(json_t *j, const char *expected);

/* Assert no byte that could act on a terminal was printed raw: ESC, BEL,
 * 0xff/0xfe, a C1 CSI (C2 9B), RLO (E2 80 AE). */
void ef_assert_terminal_safe(const char *out, size_t len);

#endif
