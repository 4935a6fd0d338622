/* pam_kvp.c - the PAM entry points: each one names its stack and hands
 * over to observe(); all real work is in libkvpcore.
 *
 * The module only observes: it returns PAM_IGNORE, never granting
 * anything, except PAM_AUTH_ERR for event=auth_fail and the stack's error
 * when recording failed under on_error = fail.
 */
#include <security/pam_modules.h>

#include "observe.h"

#define PAM_KVP_EXPORT __attribute__((visibility("default")))

PAM_KVP_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				       const char **argv)
{
	(void)flags;
	return observe(pamh, STACK_AUTH, argc, argv);
}

/* Credentials are not ours to set, and nothing is recorded for them. */
PAM_KVP_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
				  const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

PAM_KVP_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				    const char **argv)
{
	(void)flags;
	return observe(pamh, STACK_ACCOUNT, argc, argv);
}

PAM_KVP_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
				       const char **argv)
{
	(void)flags;
	return observe(pamh, STACK_SESSION_OPEN, argc, argv);
}

PAM_KVP_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
					const char **argv)
{
	(void)flags;
	return observe(pamh, STACK_SESSION_CLOSE, argc, argv);
}

/* Called twice per change: record once, in the update phase. */
PAM_KVP_EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc,
				    const char **argv)
{
	if (flags & PAM_PRELIM_CHECK)
		return PAM_IGNORE;
	return observe(pamh, STACK_PASSWORD, argc, argv);
}
