/* pam_kvp.c - the PAM entry points: each one names its stack and hands
 * over to observe() through entry(); all real work is in libkvpcore.
 *
 * The module only observes: it returns PAM_IGNORE, never granting
 * anything, except PAM_AUTH_ERR for event=auth_fail and the stack's error
 * when recording failed under on_error = fail.
 */
#include <security/pam_modules.h>

#include "observe.h"

#define PAM_KVP_EXPORT __attribute__((visibility("default")))

/* What every entry point but pam_sm_setcred does. */
static int entry(pam_handle_t *pamh, enum stack stack, int flags, int argc,
		 const char **argv)
{
	/* chauthtok is called twice per change: record once, in the update
	 * phase. */
	if (stack == STACK_PASSWORD && (flags & PAM_PRELIM_CHECK))
		return PAM_IGNORE;
	return observe(pamh, stack, argc, argv);
}

PAM_KVP_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				       const char **argv)
{
	return entry(pamh, STACK_AUTH, flags, argc, argv);
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
	return entry(pamh, STACK_ACCOUNT, flags, argc, argv);
}

PAM_KVP_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
				       const char **argv)
{
	return entry(pamh, STACK_SESSION_OPEN, flags, argc, argv);
}

PAM_KVP_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
					const char **argv)
{
	return entry(pamh, STACK_SESSION_CLOSE, flags, argc, argv);
}

PAM_KVP_EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc,
				    const char **argv)
{
	return entry(pamh, STACK_PASSWORD, flags, argc, argv);
}
