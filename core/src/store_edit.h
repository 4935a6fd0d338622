/* store_edit.h - the opening steps every writer shares. */
#ifndef KVP_STORE_EDIT_H
#define KVP_STORE_EDIT_H

#include "pool_file.h"

/* Open with `access`, lock, cut a torn tail and (if `load`) read the
 * records. 0, 1 for a missing file that `access` does not create, <0. */
int store_open_for_edit(const kvp_store *s, struct pool_file *pf,
			enum pool_access access, bool load);

#endif
