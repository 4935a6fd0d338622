/* fault.h - the fault-injection crash tests (test_fault.c): one write
 * operation run in tests/helpers/kvp_oneop under fault_shim.so, stopped at
 * every write step and every page boundary inside it (fault_run.c), and
 * the file checked after each stop and after the next scanning writer
 * (fault_check.c).
 */
#ifndef KVP_FAULT_H
#define KVP_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/kvp.h"

#define RS KVP_RECORD_SIZE

/* The page size, as the library sees it (sysconf). */
size_t fault_page(void);
#define FAULT_PAGE fault_page()

/* A pool file's bytes: `count` whole records, then `torn` bytes. */
struct fimage {
	unsigned char *raw;
	size_t len, count, torn;
};

void fimage_read(struct fimage *img, const char *path);
void fimage_set(struct fimage *img, const void *raw, size_t len);
void fimage_copy(struct fimage *dst, const struct fimage *src);
void fimage_free(struct fimage *img);
bool fimage_eq(const struct fimage *a, const struct fimage *b);
static inline const unsigned char *frec(const struct fimage *img, size_t i)
{
	return img->raw + i * RS;
}
/* The whole records only (a torn tail cut off, as a writer's repair). */
void fimage_trim(struct fimage *img);
/* What a scanning writer does to the whole records: swap-remove every
 * empty-key record (pool_file_drop_tombstones, reimplemented). */
void fimage_drop_tombstones(struct fimage *img);
/* Whole records of `a` then those of `b` (the model of an append). */
void fimage_cat(struct fimage *out, const struct fimage *a,
		const unsigned char *recs, size_t n);
bool frec_eq(const unsigned char *a, const unsigned char *b);
size_t frec_key_len(const unsigned char *rec);
bool frec_key_is(const unsigned char *rec, const char *key, size_t len);
/* Both NULL, or the same bytes. */
bool frec_same(const unsigned char *a, const unsigned char *b);
/* How many whole records of `img` are `rec`; the first one's slot
 * (SIZE_MAX: none). */
size_t fimage_count(const struct fimage *img, const unsigned char *rec);
size_t fimage_first(const struct fimage *img, const unsigned char *rec);
/* What a reader returns for the key of the record `key`: the last record
 * with that key (NULL: none). Never an empty key. */
const unsigned char *fimage_read_of(const struct fimage *img,
				    const unsigned char *key);
/* "key 'K' value 'V...'" of a record, for messages. */
const char *frec_text(const unsigned char *rec, char *buf, size_t size);

/* Whether the `RS` bytes at file offset `slot * RS` cross a page, and
 * where (bytes into the record) the first boundary lies. */
bool fslot_split(size_t slot, size_t *split);

enum fop {
	F_INSERT,
	F_DELETE,
	F_DELMUL,
	F_APPEND,
	F_APPMUL,
	F_LOAD,
	F_EVENT,
	F_CLEAR,
};

/* One operation on one starting pool. */
struct fcase {
	const char *name;
	enum fop op;
	bool dirty;   /* the pool starts with tombstones and a torn tail */
	bool partial; /* removes several records, one slot at a time */
	const char *args[16]; /* kvp_oneop's arguments after DIR, NULL ended */
	const char *touched[8]; /* keys it writes or removes, NULL ended */
	const char *prefix;	/* F_EVENT: every "<prefix>|" key is touched */
};

/* Whether the operation writes or removes records of the key of `rec`. */
bool fcase_touches(const struct fcase *c, const unsigned char *rec);
/* An insert's new record (as in Q): its backup copy has these bytes. */
const unsigned char *fcase_new_record(const struct fcase *c,
				      const struct fimage *q);

/* One write step of the operation, as fault_shim.so logged it. */
struct fstep {
	bool truncate;
	long long off;
	size_t len;
};

/* The cuts at a step: nothing, each page boundary inside the write, all
 * of it (an ftruncate: skipped or done). */
long fstep_cuts(const struct fstep *s);

/* Run the operation on the pool in `dir` (its file `path`) under the
 * shim, stopped at step `at` with cut `cut` (at 0: never). Returns the
 * helper's exit status (77: stopped) and its steps in *steps / *n (and
 * the bytes the stopped step wrote in *cut_bytes). */
int fault_run(const struct fcase *c, const char *dir, const char *path, long at,
	      long cut, struct fstep **steps, size_t *n, long long *cut_bytes);

/* What was seen after the stops of one operation, for the summary. */
struct fstats {
	size_t points, untouched, tombstones, backups, torn, dups;
	size_t after_old, after_new, after_partial, after_backup;
	size_t scan_dropped; /* tombstones the scanning writer removed */
};

/* The checks after a stop: D (the file) against P (before the operation)
 * and Q (after it ran to the end). Fails the test with `where`. */
void fault_check_stop(const struct fcase *c, const struct fimage *p,
		      const struct fimage *q, const struct fimage *d,
		      const char *where, struct fstats *st);
/* The checks after the scanning writer ran on D, leaving S. */
void fault_check_scan(const struct fcase *c, const struct fimage *p,
		      const struct fimage *q, const struct fimage *d,
		      const struct fimage *s, const char *where,
		      struct fstats *st);

#endif
