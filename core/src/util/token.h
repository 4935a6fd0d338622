/* token.h - the characters a key token may hold ([A-Za-z0-9._-]: no '|'
 * separator, and the same after the host's UTF-16 conversion) and the
 * key prefix rule built on them, shared by the key_prefix setting and the
 * event keys. */
#ifndef KVP_TOKEN_H
#define KVP_TOKEN_H

#include <stdbool.h>

/* Is `c` one of [A-Za-z0-9._-]? */
bool token_char(unsigned char c);

/* The key prefix rule: 1 to KVP_KEY_PREFIX_MAX token characters, and not
 * a schema of the host's other writers (TOKEN_RESERVED_LIST): "DIAG",
 * "CLOUD_INIT" and "PROVISIONING_REPORT", or a prefix starting "DIAG_V" or
 * "azure-init-", whose keys the host would read as theirs. The first rule
 * `prefix` breaks, in this order, or TOKEN_OK. */
enum token_fault {
	TOKEN_OK,
	TOKEN_EMPTY,
	TOKEN_TOO_LONG,
	TOKEN_BAD_CHAR,
	TOKEN_RESERVED
};
#define TOKEN_RESERVED_LIST                                                    \
	"DIAG, DIAG_V..., CLOUD_INIT, PROVISIONING_REPORT or azure-init-..."

enum token_fault token_prefix_check(const char *prefix);

#endif
