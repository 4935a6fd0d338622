/* test_config_util.h - helpers of the config suites (test_config_*.c):
 * pam_kvp.conf files in temporary directories, loads that must fail with
 * an exact file, line and message, and settings compared field by field. */
#ifndef KVP_TEST_CONFIG_UTIL_H
#define KVP_TEST_CONFIG_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "kvp/kvp.h"

/* A config file "<dir>/pam_kvp.conf" in a fresh temporary directory. */
struct tc_conf {
	char *dir;
	char *path;
};

/* Write `text` into a new temporary config file. */
void tc_conf_write(struct tc_conf *c, const char *text);
void tc_conf_remove(struct tc_conf *c);

/* Load `text` (written to a temporary file) for `service` into *out and
 * assert success; *found must come back true. */
void tc_load_ok(const char *text, const char *service, kvp_settings *out);

/* Load `text` for `service` and assert KVP_ERR_CONFIG with the file's
 * path, `line`, and the message "<path>:<line>: <msg>"; *out must hold the
 * defaults afterwards. */
void tc_assert_load_error(const char *text, const char *service, size_t line,
			  const char *msg);

/* Assert every field of two settings is equal. */
void tc_assert_settings_eq(const kvp_settings *a, const kvp_settings *b);

/* A bit set of events, from a list ending in -1. */
unsigned int tc_events(int first, ...);

#endif
