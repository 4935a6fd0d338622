/* kvp/pool.h - for callers that name pools and modes (a command line, a
 * config file): the Hyper-V KVP pools, the write modes, their names, and
 * the wire format's sizes.
 *
 * A pool file is a sequence of 2560-byte records (512-byte key field,
 * 2048-byte value field, both NUL-padded) with no header. The five pools
 * live in one directory, /var/lib/hyperv by default, as .kvp_pool_0..4.
 */
#ifndef KVP_POOL_H
#define KVP_POOL_H

#include <stddef.h>

#include "kvp/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KVP_KEY_FIELD_SIZE	512
#define KVP_VALUE_FIELD_SIZE	2048
#define KVP_RECORD_SIZE		(KVP_KEY_FIELD_SIZE + KVP_VALUE_FIELD_SIZE)
#define KVP_SAFE_MAX_KEY_SIZE	254
#define KVP_SAFE_MAX_VALUE_SIZE 1022
#define KVP_MAX_UNIQUE_KEYS	1024
#define KVP_DEFAULT_DIR		"/var/lib/hyperv" /* where the pools live */

typedef enum kvp_pool {
	KVP_POOL_EXTERNAL = 0,	    /* .kvp_pool_0: host to guest */
	KVP_POOL_GUEST = 1,	    /* .kvp_pool_1: guest to host */
	KVP_POOL_AUTO = 2,	    /* .kvp_pool_2: guest intrinsics (daemon) */
	KVP_POOL_AUTO_EXTERNAL = 3, /* .kvp_pool_3: host describing itself */
	KVP_POOL_AUTO_INTERNAL = 4, /* .kvp_pool_4: undocumented */
} kvp_pool;

#define KVP_POOL_COUNT 5

typedef enum kvp_mode {
	KVP_MODE_SAFE = 0, /* key <= 254, value <= 1022 bytes (recommended) */
	KVP_MODE_UNSAFE =
	    1, /* key <= 512, value <= 2048 bytes (wire maximum) */
} kvp_mode;

/* File name of a pool (".kvp_pool_1"), or NULL for an unknown pool.
 * Static storage, like every name below: do not free. */
KVP_EXTERN const char *kvp_pool_file_name(kvp_pool pool);

/* Configuration name of a pool ("guest", "auto_external"), or NULL. */
KVP_EXTERN const char *kvp_pool_name(kvp_pool pool);

/* Parse a configuration name ("external", "guest", "auto", "auto_external",
 * "auto_internal") or a pool number "0".."4". 0, or KVP_ERR_INVALID_ARG. */
KVP_EXTERN int kvp_pool_from_name(const char *name, kvp_pool *out);

/* Name of a mode ("safe", "unsafe"), or NULL. */
KVP_EXTERN const char *kvp_mode_name(kvp_mode mode);

/* Parse "safe" or "unsafe". 0, or KVP_ERR_INVALID_ARG. */
KVP_EXTERN int kvp_mode_from_name(const char *name, kvp_mode *out);

#ifdef __cplusplus
}
#endif

#endif
