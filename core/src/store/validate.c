/* validate.c - the checks every write makes before it touches a file, in
 * the reference store's order (empty, NUL, size), then UTF-8; a read makes
 * the first two. */
#include <string.h>

#include "store/store_edit.h"

int store_check_key(const kvp_store *s, const char *key, size_t len)
{
	if (!key || len == 0)
		return err_fail(KVP_ERR_EMPTY_KEY, s->path, 0, 0,
				"key is empty");
	if (memchr(key, '\0', len))
		return err_fail(KVP_ERR_KEY_CONTAINS_NULL, s->path, 0, len,
				"key contains a NUL byte");
	return 0;
}

int store_validate_key(const kvp_store *s, const char *key, size_t len)
{
	size_t max = pool_max_key_size(s->mode);
	int r = store_check_key(s, key, len);

	if (r < 0)
		return r;
	if (len > max)
		return err_fail(KVP_ERR_KEY_TOO_LARGE, s->path, max, len,
				"key too large: %zu bytes, limit %zu (%s mode)",
				len, max, kvp_mode_name(s->mode));
	if (!utf8_valid(key, len))
		return err_fail(KVP_ERR_INVALID_UTF8, s->path, 0, len,
				"key is not valid UTF-8 (first bad byte at "
				"offset %zu)",
				utf8_valid_prefix(key, len));
	return 0;
}

int store_validate_value(const kvp_store *s, const char *value, size_t len)
{
	size_t max = pool_max_value_size(s->mode);

	if (!value && len > 0)
		return err_fail(KVP_ERR_INVALID_ARG, s->path, 0, 0,
				"value is NULL");
	if (len > max)
		return err_fail(KVP_ERR_VALUE_TOO_LARGE, s->path, max, len,
				"value too large: %zu bytes, limit %zu (%s "
				"mode)",
				len, max, kvp_mode_name(s->mode));
	if (len && memchr(value, '\0', len))
		return err_fail(KVP_ERR_VALUE_CONTAINS_NULL, s->path, 0, len,
				"value contains a NUL byte");
	if (len && !utf8_valid(value, len))
		return err_fail(KVP_ERR_INVALID_UTF8, s->path, 0, len,
				"value is not valid UTF-8 (first bad byte at "
				"offset %zu)",
				utf8_valid_prefix(value, len));
	return 0;
}
