/* session.c - see session.h. The duration comes from CLOCK_MONOTONIC, so
 * a clock step during a session does not distort it.
 *
 * The data is the handle's, not one module line's: a stack that lists
 * pam_kvp twice (two pools, say) shares one id. `open` counts the lines
 * that took part in the open; each close reports the id and the last one
 * forgets it, so every line's close record carries the open's id. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "session.h"

#define SESSION_DATA "pam_kvp_session"

struct session_data {
	char id[KVP_UUID_SIZE];
	struct timespec start;
	unsigned int open; /* module lines that opened it, not yet closed */
};

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

int session_begin(pam_handle_t *pamh, char id[KVP_UUID_SIZE])
{
	const void *data = NULL;
	struct session_data *d;

	/* Another pam_kvp line of this stack opened it already. */
	if (pam_get_data(pamh, SESSION_DATA, &data) == PAM_SUCCESS && data) {
		d = (struct session_data *)data;
		d->open++;
		memcpy(id, d->id, KVP_UUID_SIZE);
		return 0;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -1;
	if (kvp_uuid(d->id) < 0) {
		free(d);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &d->start);
	d->open = 1;
	if (pam_set_data(pamh, SESSION_DATA, d, free_data) != PAM_SUCCESS) {
		free(d);
		return -1;
	}
	memcpy(id, d->id, KVP_UUID_SIZE);
	return 0;
}

bool session_end(pam_handle_t *pamh, char id[KVP_UUID_SIZE], double *duration_s)
{
	const void *data = NULL;
	struct session_data *d;
	struct timespec now;

	if (pam_get_data(pamh, SESSION_DATA, &data) != PAM_SUCCESS || !data)
		return false;
	d = (struct session_data *)data;
	clock_gettime(CLOCK_MONOTONIC, &now);
	memcpy(id, d->id, KVP_UUID_SIZE);
	*duration_s = (double)(now.tv_sec - d->start.tv_sec) +
		      (double)(now.tv_nsec - d->start.tv_nsec) / 1e9;
	/* The last line to close forgets it: a second pam_close_session
	 * must not report the same session again. */
	if (--d->open == 0)
		pam_set_data(pamh, SESSION_DATA, NULL, NULL);
	return true;
}
