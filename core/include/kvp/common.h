/* kvp/common.h - what every public header of libkvpcore shares. */
#ifndef KVP_COMMON_H
#define KVP_COMMON_H

/* Marks the public API; everything else in the library is hidden. */
#define KVP_EXTERN __attribute__((visibility("default")))

#endif
