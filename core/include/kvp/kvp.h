/* kvp/kvp.h - the whole public API of libkvpcore in one include. */
#ifndef KVP_KVP_H
#define KVP_KVP_H

#include "kvp/error.h"
#include "kvp/pool.h"
#include "kvp/store.h"
#include "kvp/config.h"
#include "kvp/event.h"
#include "kvp/diag.h"

#endif
