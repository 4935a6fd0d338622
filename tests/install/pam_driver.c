/* pam_driver.c - one PAM transaction through the real libpam, from a
 * private service directory (pam_start_confdir: no preload, nothing read
 * from /etc/pam.d), and the result of each call checked.
 *
 * Usage: pam_driver CONFDIR SERVICE USER CALL[=RESULT]...
 *   CALL is authenticate, acct_mgmt, open_session, close_session or
 *   chauthtok; RESULT is success (the default) or auth_err. PAM_RHOST and
 *   PAM_TTY are set as sshd would. Prints the path of every pam_kvp.so
 *   and libkvpcore.so.1 loaded, so the caller can tell which were used.
 *   Exit 0 when every call returned what was expected. */
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>
#include <string.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR; /* nothing in these stacks may prompt */
}

static int show_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (strstr(info->dlpi_name, "pam_kvp.so") ||
	    strstr(info->dlpi_name, "libkvpcore.so"))
		printf("loaded: %s\n", info->dlpi_name);
	return 0;
}

static int call(pam_handle_t *pamh, const char *name)
{
	if (strcmp(name, "authenticate") == 0)
		return pam_authenticate(pamh, 0);
	if (strcmp(name, "acct_mgmt") == 0)
		return pam_acct_mgmt(pamh, 0);
	if (strcmp(name, "open_session") == 0)
		return pam_open_session(pamh, 0);
	if (strcmp(name, "close_session") == 0)
		return pam_close_session(pamh, 0);
	if (strcmp(name, "chauthtok") == 0)
		return pam_chauthtok(pamh, 0);
	return -1;
}

int main(int argc, char **argv)
{
	struct pam_conv pc = {conv, NULL};
	pam_handle_t *pamh = NULL;
	int failed = 0, rc;

	if (argc < 5) {
		fprintf(stderr, "usage: pam_driver CONFDIR SERVICE USER "
				"CALL[=RESULT]...\n");
		return 2;
	}
	rc = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_driver: pam_start_confdir: %d\n", rc);
		return 1;
	}
	pam_set_item(pamh, PAM_RHOST, "203.0.113.7");
	pam_set_item(pamh, PAM_TTY, "ssh");
	for (int i = 4; i < argc; i++) {
		char name[32];
		const char *eq = strchr(argv[i], '=');
		int want = PAM_SUCCESS;

		snprintf(name, sizeof(name), "%.*s",
			 eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]),
			 argv[i]);
		if (eq && strcmp(eq + 1, "auth_err") == 0)
			want = PAM_AUTH_ERR;
		else if (eq && strcmp(eq + 1, "success") != 0)
			want = -2;
		rc = call(pamh, name);
		printf("%s: %s\n", name,
		       rc < 0 ? "unknown call" : pam_strerror(pamh, rc));
		if (rc != want) {
			fprintf(stderr,
				"pam_driver: %s returned %d, expected "
				"%s\n",
				name, rc, eq ? eq + 1 : "success");
			failed = 1;
		}
	}
	dl_iterate_phdr(show_object, NULL);
	pam_end(pamh, PAM_SUCCESS);
	return failed;
}
