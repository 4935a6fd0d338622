/* test_diag_util.h - shared pieces of the diagnostics suites
 * (test_diag_*.c): a pool and a fake system root per test, DIAG keys
 * built from their fields, and reads of the pool through kvp_diag_read. */
#ifndef KVP_TEST_DIAG_UTIL_H
#define KVP_TEST_DIAG_UTIL_H

#include <stddef.h>

#include "test_util.h"

/* The values of azure-init's doc/diagnostics.md examples. */
#define TD_AGENT "azure-init/0.1.1"
#define TD_VM	 "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
#define TD_EV	 "8f3e9c4a-1b2c-4d5e-9f01-234567890abc"
#define TD_TS	 "2026-08-31T12:34:56.789Z"
/* 2026-08-31T12:34:56.789Z */
#define TD_SEC 1788179696LL
/* The fake root's product_uuid (a Gen2 VM: no byte swap). */
#define TD_SMBIOS "550e8400-e29b-41d4-a716-446655440000"

/* The pool of the running test, and its fake system root (set as
 * KVP_TEST_SYSROOT, holding TD_SMBIOS and /sys/firmware/efi). */
extern struct tu_pool td_pool;
extern char *td_root;
void td_setup(void);
void td_teardown(void);

/* A file under td_root ("sys/class/dmi/id/product_uuid"): written, with
 * its directories, or removed (text NULL). */
void td_root_file(const char *rel, const char *text);

/* "DIAG|TD_AGENT|TD_VM|<kind>|<name>|TD_EV|TD_TS|<enc>|<result>|<dur>|
 * <index>" (malloc'd). */
char *td_key(const char *kind, const char *name, const char *enc,
	     const char *result, const char *dur, const char *index);
/* The same with field `field` (0..10) replaced by `value`. */
char *td_key_with(int field, const char *value);

/* Append raw records {key, value, ..., NULL} to the pool. */
void td_append(const char *const *kv);
#define TD_APPEND(...) td_append((const char *const[]){__VA_ARGS__, NULL})

/* kvp_diag_read of the pool (asserts success). */
kvp_diag_list *td_read(void);
/* The pool's one entry; asserts there is exactly one. The list is kept
 * and freed by the next td_read/td_only or at teardown. */
const kvp_diag_entry *td_only(void);
/* Assert the entry decoded, with this payload. */
void td_assert_payload(const kvp_diag_entry *e, const void *p, size_t n);
/* Assert the entry failed with this error. */
void td_assert_error(const kvp_diag_entry *e, kvp_diag_error error);

/* A valid record: agent TD_AGENT, name "test", vm_id TD_VM, at TD_SEC. */
kvp_diag_record td_record(void);
/* kvp_diag_write to the pool; asserts success. */
kvp_diag_written td_write(const kvp_diag_record *rec);
/* kvp_diag_write must fail with KVP_ERR_INVALID_ARG, a message holding
 * `part`, and leave the pool untouched. */
void td_refused(const kvp_diag_record *rec, const char *part);
/* The pool's records (kvp_store_dump; caller frees). */
kvp_record_list td_dump(void);

#endif
