/* kvp/kvp.h - the whole public API of libkvpcore in one include.
 *
 *   kvp/error.h   every caller: the KVP_ERR_* codes and kvp_error_last()
 *   kvp/pool.h    naming pools and modes; the wire format's sizes
 *   kvp/store.h   opening a pool and reading, writing or clearing it
 *   kvp/config.h  pam_kvp's settings and their file, pam_kvp.conf
 *   kvp/event.h   recording login events, and listing them
 *
 * Link with `pkg-config --cflags --libs libkvpcore`. Names starting with
 * kvp_ / KVP_ are the library's; no other symbol leaves libkvpcore.so.1.
 */
#ifndef KVP_KVP_H
#define KVP_KVP_H

#include "kvp/error.h"
#include "kvp/pool.h"
#include "kvp/store.h"
#include "kvp/config.h"
#include "kvp/event.h"
#include "kvp/diag.h"

#endif
