/* token.c - see token.h. */
#include <string.h>

#include "kvp/config.h"
#include "util/token.h"

bool token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* The key schemas of the host's readers (reference/diag-format.md). */
static bool reserved(const char *prefix)
{
	return strcmp(prefix, "DIAG") == 0 ||
	       strcmp(prefix, "CLOUD_INIT") == 0 ||
	       strcmp(prefix, "PROVISIONING_REPORT") == 0 ||
	       strncmp(prefix, "DIAG_V", 6) == 0 ||
	       strncmp(prefix, "azure-init-", 11) == 0;
}

enum token_fault token_prefix_check(const char *prefix)
{
	size_t len = strlen(prefix);

	if (len == 0)
		return TOKEN_EMPTY;
	if (len > KVP_KEY_PREFIX_MAX)
		return TOKEN_TOO_LONG;
	for (size_t i = 0; i < len; i++)
		if (!token_char((unsigned char)prefix[i]))
			return TOKEN_BAD_CHAR;
	return reserved(prefix) ? TOKEN_RESERVED : TOKEN_OK;
}
