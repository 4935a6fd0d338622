/* observe.h - what every pam_sm_* entry point does: work out the settings,
 * record one event if it is enabled, and turn any failure of ours into the
 * PAM result the failure policy asks for. */
#ifndef PAM_KVP_OBSERVE_H
#define PAM_KVP_OBSERVE_H

#include <security/pam_modules.h>

#include "kvp/kvp.h"

enum stack {
	STACK_AUTH,
	STACK_ACCOUNT,
	STACK_SESSION_OPEN,
	STACK_SESSION_CLOSE,
	STACK_PASSWORD,
};

/* Returns PAM_IGNORE (we never grant or deny anything ourselves), except:
 * PAM_AUTH_ERR after event=auth_fail, so the failure stands; and the
 * stack's error code when recording failed and on_error = fail. */
int observe(pam_handle_t *pamh, enum stack stack, int argc, const char **argv);

#endif
