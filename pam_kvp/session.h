/* session.h - one session id from open to close, kept with pam_set_data
 * in the process that opened the session (sshd's monitor, login, su). */
#ifndef PAM_KVP_SESSION_H
#define PAM_KVP_SESSION_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "kvp/kvp.h"

/* The handle's session id: a new one stored with its start time, or the
 * one another pam_kvp line of the stack stored in this same open. 0, or
 * -1 (nothing stored; the caller records the event without an id). */
int session_begin(pam_handle_t *pamh, char id[KVP_UUID_SIZE]);

/* The id stored at open and the seconds since; forgotten once every line
 * that opened it has closed. false when this handle opened no session
 * through us. */
bool session_end(pam_handle_t *pamh, char id[KVP_UUID_SIZE],
		 double *duration_s);

#endif
