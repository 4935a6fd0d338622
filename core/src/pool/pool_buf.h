/* pool_buf.h - the memory a transaction loads the pool into. */
#ifndef KVP_POOL_BUF_H
#define KVP_POOL_BUF_H

#include <stddef.h>

/* At least `bytes` of memory (bytes > 0), or NULL when out of memory. */
unsigned char *pool_buf_get(size_t bytes);

/* Give back what pool_buf_get() returned (NULL is ignored). */
void pool_buf_put(unsigned char *buf);

#endif
