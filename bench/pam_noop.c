/* pam_noop.c - a PAM module that does nothing (PAM_IGNORE), linked as
 * pam_kvp.so is (-z nodelete). pam_bench puts it where pam_kvp's lines
 * are to measure what libpam itself charges for one more module on a new
 * handle (loading it by name, looking up its entry points, calling
 * them): the part of "added" that no module can avoid. */
#include <security/pam_modules.h>

#define NOOP(name)                                                             \
	int name(pam_handle_t *pamh, int flags, int argc, const char **argv)   \
	{                                                                      \
		(void)pamh;                                                    \
		(void)flags;                                                   \
		(void)argc;                                                    \
		(void)argv;                                                    \
		return PAM_IGNORE;                                             \
	}

NOOP(pam_sm_authenticate)
NOOP(pam_sm_setcred)
NOOP(pam_sm_acct_mgmt)
NOOP(pam_sm_open_session)
NOOP(pam_sm_close_session)
NOOP(pam_sm_chauthtok)
