/* cloudinit_util.h - running cloud-init's real KVP handler (through
 * cloudinit_driver.py) from the tests, and record lists compared byte for
 * byte between cloud-init's view and libkvpcore's. */
#ifndef KVP_CLOUDINIT_UTIL_H
#define KVP_CLOUDINIT_UTIL_H

#include <jansson.h>
#include <stddef.h>

#include "cloudinit_proc.h"
#include "kvp/kvp.h"

/* Longest wait for any one driver command or reply. */
#define CI_TIMEOUT_MS 60000

/* Run `cloudinit_driver.py ARGS...` to completion; assert it succeeded
 * and return the JSON object of its last stdout line (json_decref). */
json_t *ci_run(const char *const *args);
#define CI_RUN(...) ci_run((const char *const[]){__VA_ARGS__, NULL})

/* Start `cloudinit_driver.py ARGS...` as a child to talk to. */
void ci_start(struct cp_child *c, const char *const *args);
/* Start `cloudinit_driver.py serve POOL --seed SEED` and wait for "ready". */
void ci_serve(struct cp_child *c, const char *pool, int seed);
/* Send a command and return its one-line reply (malloc'd). */
char *ci_ask(struct cp_child *c, const char *cmd);
/* Send "stop"; return the final JSON and assert a clean exit. */
json_t *ci_serve_stop(struct cp_child *c);

/* One record's bytes (each NUL-terminated for printing). */
struct ci_rec {
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
};
struct ci_recs {
	struct ci_rec *v;
	size_t n, cap;
};

void ci_recs_add(struct ci_recs *r, const char *key, size_t key_len,
		 const char *value, size_t value_len);
void ci_recs_free(struct ci_recs *r);
/* What the handler wrote: the "records" of a publish reply (hex pairs). */
void ci_recs_published(const json_t *doc, struct ci_recs *out);
/* What cloud-init's reader returned: the "records" of a read reply. */
void ci_recs_read(const json_t *doc, struct ci_recs *out);
/* A libkvpcore list. */
void ci_recs_list(const kvp_record_list *list, struct ci_recs *out);
/* kvp_store_dump() of a store, asserting success and no torn tail. */
void ci_recs_dump(const kvp_store *store, struct ci_recs *out);
/* cloud-init's reader on the pool file `path` (must succeed). */
void ci_recs_cloudinit(const char *path, struct ci_recs *out);

/* Assert both lists hold the same records in the same order. */
void ci_assert_same(const struct ci_recs *want, const struct ci_recs *got,
		    const char *what);
/* As multisets: records of `want` missing from `got`, and records of `got`
 * not in `want`. */
void ci_diff(const struct ci_recs *want, const struct ci_recs *got,
	     size_t *missing, size_t *extra);

/* True when key starts with prefix. */
int ci_has_prefix(const struct ci_rec *rec, const char *prefix);

#endif
