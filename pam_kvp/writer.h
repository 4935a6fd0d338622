/* writer.h - where an event is written: in this process, or, when the
 * invoking user may signal this process (a setuid-root program such as su
 * or passwd), in a child with full root credentials, so that no process
 * the user can stop ever holds a lock on the pool. See writer.c. */
#ifndef PAM_KVP_WRITER_H
#define PAM_KVP_WRITER_H

#include "kvp/kvp.h"

/* Extra time the parent gives the child beyond lock_timeout_ms (fork,
 * credentials, the write itself) before it kills it. */
#define WRITER_MARGIN_MS 500

/* kvp_event_record(s, ev), in this process or in a child: 0, or a
 * negative KVP_ERR_* code with the reason in writer_error(). */
int writer_record(const kvp_settings *s, const kvp_event *ev);

/* The message of the calling thread's last failed writer_record(): the
 * library's (kvp_error_last()->message) when written here, the child's when
 * written in a child, or why the child gave no result. Never NULL. */
const char *writer_error(void);

#endif
