/* pool.c - pool names, file names and the limits of the write modes. */
#include <string.h>

#include "util/internal.h"

static const char *const file_names[KVP_POOL_COUNT] = {
    ".kvp_pool_0", ".kvp_pool_1", ".kvp_pool_2", ".kvp_pool_3", ".kvp_pool_4",
};

static const char *const pool_names[KVP_POOL_COUNT] = {
    "external", "guest", "auto", "auto_external", "auto_internal",
};

static bool pool_valid(kvp_pool pool)
{
	return (unsigned int)pool < KVP_POOL_COUNT;
}

const char *kvp_pool_file_name(kvp_pool pool)
{
	return pool_valid(pool) ? file_names[pool] : NULL;
}

const char *kvp_pool_name(kvp_pool pool)
{
	return pool_valid(pool) ? pool_names[pool] : NULL;
}

int kvp_pool_from_name(const char *name, kvp_pool *out)
{
	if (!name || !out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"pool name is NULL");
	for (unsigned int i = 0; i < KVP_POOL_COUNT; i++) {
		if (strcmp(name, pool_names[i]) == 0 ||
		    (name[0] == (char)('0' + i) && name[1] == '\0')) {
			*out = (kvp_pool)i;
			return 0;
		}
	}
	return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
			"unknown pool '%s' (expected external, guest, auto, "
			"auto_external, auto_internal or 0-4)",
			name);
}

const char *kvp_mode_name(kvp_mode mode)
{
	switch (mode) {
	case KVP_MODE_SAFE: return "safe";
	case KVP_MODE_UNSAFE: return "unsafe";
	}
	return NULL;
}

int kvp_mode_from_name(const char *name, kvp_mode *out)
{
	if (!name || !out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"mode name is NULL");
	if (strcmp(name, "safe") == 0)
		*out = KVP_MODE_SAFE;
	else if (strcmp(name, "unsafe") == 0)
		*out = KVP_MODE_UNSAFE;
	else
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"unknown mode '%s' (expected safe or unsafe)",
				name);
	return 0;
}

size_t pool_max_key_size(kvp_mode mode)
{
	switch (mode) {
	case KVP_MODE_SAFE: return KVP_SAFE_MAX_KEY_SIZE;
	case KVP_MODE_UNSAFE: return KVP_KEY_FIELD_SIZE;
	}
	return 0;
}

size_t pool_max_value_size(kvp_mode mode)
{
	switch (mode) {
	case KVP_MODE_SAFE: return KVP_SAFE_MAX_VALUE_SIZE;
	case KVP_MODE_UNSAFE: return KVP_VALUE_FIELD_SIZE;
	}
	return 0;
}
