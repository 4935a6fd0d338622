/* test_config_util.h - helpers of the config suites (test_config_*.c):
 * pam_kvp.conf files in temporary directories, loads that must fail with
 * an exact file, line and message, and settings read back through their
 * printed form (kvp_settings_format), since kvp_settings is opaque. */
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

/* Settings freed when the variable goes out of scope:
 *   TC_AUTO kvp_settings *s = tc_new(); */
#define TC_AUTO __attribute__((cleanup(tc_free)))
void tc_free(kvp_settings **s);
/* New settings (the defaults), asserting success. */
kvp_settings *tc_new(void);

/* Replace *s (freed first) by the defaults loaded with `text` (written
 * to a temporary file) for `service`, asserting success and found. */
void tc_load_ok(const char *text, const char *service, kvp_settings **s);

/* Load `text` for `service` and assert KVP_ERR_CONFIG with the file's
 * path, `line`, and the message "<path>:<line>: <msg>"; the settings must
 * still be the defaults afterwards. */
void tc_assert_load_error(const char *text, const char *service, size_t line,
			  const char *msg);

/* Apply a module argument, asserting success. */
void tc_set(kvp_settings *s, const char *arg);

/* Assert every setting of two settings is equal. */
void tc_assert_settings_eq(const kvp_settings *a, const kvp_settings *b);

/* Assert the setting `name` (or the fields member `name`) is printed as
 * `want` by kvp_settings_format: "\"guest\"", "512", "[\"auth\"]". */
void tc_is(const kvp_settings *s, const char *name, const char *want);
/* The same for a string setting: want is the string, unquoted. */
void tc_is_str(const kvp_settings *s, const char *name, const char *want);

#endif
