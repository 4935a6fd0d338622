/* record_list.h - build a kvp_record_list (one allocation) from records. */
#ifndef KVP_RECORD_LIST_H
#define KVP_RECORD_LIST_H

#include "util/internal.h"

/* Every one of `count` records at `recs`, in order. */
int rec_list_build(kvp_record_list *out, const char *path, size_t count,
		   const unsigned char *recs);

/* `count` entries: key of recs[key_at[i]], value of recs[value_at[i]]. */
int rec_list_build_indexed(kvp_record_list *out, const char *path, size_t count,
			   const unsigned char *recs, const size_t *key_at,
			   const size_t *value_at);

#endif
