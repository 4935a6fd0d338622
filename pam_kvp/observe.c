/* observe.c - see observe.h. No PAM item is prompted for (pam_get_item,
 * never pam_get_user) and PAM_AUTHTOK is never read. */
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "observe.h"
#include "options.h"
#include "session.h"
#include "writer.h"

#define ERR_SIZE 1024

/* The error a failure of ours returns when on_error = fail. */
static int fail_code(enum stack stack)
{
	switch (stack) {
	case STACK_AUTH: return PAM_AUTH_ERR;
	case STACK_ACCOUNT: return PAM_PERM_DENIED;
	case STACK_SESSION_OPEN:
	case STACK_SESSION_CLOSE: return PAM_SESSION_ERR;
	case STACK_PASSWORD: return PAM_AUTHTOK_ERR;
	}
	return PAM_SYSTEM_ERR;
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *value = NULL;

	if (pam_get_item(pamh, type, &value) != PAM_SUCCESS)
		return NULL;
	return value;
}

#define UID_DATA "pam_kvp_uid"

/* The last name looked up on this handle: auth, account, session open and
 * close ask about one user, and NSS is asked once. */
struct uid_memo {
	long long uid;
	char user[];
};

static void memo_free(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

/* uid of the account, when the name resolves; -1 otherwise. */
static long long account_uid(pam_handle_t *pamh, const char *user)
{
	struct passwd pw, *found = NULL;
	const void *data = NULL;
	struct uid_memo *m;
	char buf[4096];
	long long uid;

	if (!user || !*user)
		return -1;
	if (pam_get_data(pamh, UID_DATA, &data) == PAM_SUCCESS && data &&
	    strcmp(((const struct uid_memo *)data)->user, user) == 0)
		return ((const struct uid_memo *)data)->uid;
	uid = getpwnam_r(user, &pw, buf, sizeof(buf), &found) != 0 || !found
		  ? -1
		  : (long long)found->pw_uid;
	/* A failed lookup may be NSS's failure, not the name's: ask again
	 * next time. */
	if (uid >= 0 && (m = malloc(sizeof(*m) + strlen(user) + 1))) {
		m->uid = uid;
		strcpy(m->user, user);
		if (pam_set_data(pamh, UID_DATA, m, memo_free) != PAM_SUCCESS)
			free(m);
	}
	return uid;
}

static kvp_event_type event_type(enum stack stack, bool auth_fail)
{
	switch (stack) {
	case STACK_AUTH:
		return auth_fail ? KVP_EVENT_AUTH_FAIL : KVP_EVENT_AUTH;
	case STACK_ACCOUNT: return KVP_EVENT_ACCOUNT;
	case STACK_SESSION_OPEN: return KVP_EVENT_SESSION_OPEN;
	case STACK_SESSION_CLOSE: return KVP_EVENT_SESSION_CLOSE;
	case STACK_PASSWORD: return KVP_EVENT_PASSWORD;
	}
	return KVP_EVENT_AUTH;
}

/* getpid(), asked once per process: every event records it. A child
 * made by fork() forgets it (pthread_atfork); the module is -z nodelete,
 * so the handler outlives pam_end. */
static pid_t own_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
	own_pid = 0;
}

static void pid_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_pid);
}

static pid_t self_pid(void)
{
	pid_t pid;

	pthread_once(&pid_once, pid_atfork);
	pid = __atomic_load_n(&own_pid, __ATOMIC_RELAXED);
	if (pid == 0) {
		pid = getpid();
		__atomic_store_n(&own_pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

/* Record `ev` under `s`; what the PAM call returns. */
static int record(pam_handle_t *pamh, enum stack stack, const kvp_settings *s,
		  kvp_event *ev, int done_rc)
{
	const char *name = kvp_event_type_name(ev->type);
	long long uid;

	if (!kvp_settings_event_enabled(s, ev->type)) {
		if (kvp_settings_debug(s))
			pam_syslog(pamh, LOG_DEBUG, "%s events are not enabled",
				   name);
		return done_rc;
	}
	ev->user = item(pamh, PAM_USER);
	ev->ruser = item(pamh, PAM_RUSER);
	ev->rhost = item(pamh, PAM_RHOST);
	ev->tty = item(pamh, PAM_TTY);
	/* The uid names the account as surely as the name: it is recorded
	 * only when the user field is (plain), never beside a digest. A name
	 * that is no account (often a password typed as the user name) is
	 * recorded as the invalid_user setting says. */
	uid = account_uid(pamh, ev->user);
	ev->user_unknown = ev->user && uid < 0;
	if (kvp_settings_user_plain(s))
		ev->uid = uid;
	ev->result = ev->type == KVP_EVENT_AUTH_FAIL ? "auth_err" : "success";

	if (writer_record(s, ev) < 0) {
		pam_syslog(pamh, LOG_ERR, "%s event not recorded: %s", name,
			   writer_error());
		return kvp_settings_on_error_fail(s) ? fail_code(stack)
						     : done_rc;
	}
	if (kvp_settings_debug(s))
		pam_syslog(pamh, LOG_DEBUG, "%s event recorded in %s/%s", name,
			   kvp_settings_pool_dir(s),
			   kvp_pool_file_name(kvp_settings_pool(s)));
	return done_rc;
}

int observe(pam_handle_t *pamh, enum stack stack, int argc, const char **argv)
{
	struct options o;
	struct options_hold hold;
	kvp_event ev = KVP_EVENT_INIT;
	char err[ERR_SIZE], scratch[ERR_SIZE], session[KVP_UUID_SIZE];
	int rc = PAM_IGNORE;
	int bad_args = options_parse(&o, argc, argv, err, sizeof(err));

	ev.pid = self_pid();
	ev.type = event_type(stack, o.auth_fail);
	/* After event=auth_fail the failure stands, as with pam_faillock. */
	if (ev.type == KVP_EVENT_AUTH_FAIL)
		rc = PAM_AUTH_ERR;

	/* The id exists from the open on, even if only the close is
	 * recorded, so both ends of a session always carry the same one. */
	if (stack == STACK_SESSION_OPEN && session_begin(pamh, session) == 0)
		ev.session = session;
	if (stack == STACK_SESSION_CLOSE &&
	    session_end(pamh, session, &ev.duration_s)) {
		ev.session = session;
		ev.has_duration = true;
	}

	ev.service = item(pamh, PAM_SERVICE);
	/* A bad argument's message is the one reported, if there is one. */
	if (options_settings(&o, ev.service, &hold, bad_args ? scratch : err,
			     ERR_SIZE) < 0 ||
	    bad_args < 0) {
		pam_syslog(pamh, LOG_ERR, "%s event not recorded: %s",
			   kvp_event_type_name(ev.type), err);
		if (hold.s && kvp_settings_on_error_fail(hold.s))
			rc = fail_code(stack);
	} else {
		rc = record(pamh, stack, hold.s, &ev, rc);
	}
	options_release(&hold);
	return rc;
}
