/* TURN REST API ephemeral credentials (the pure part of ternctl cred). */
#ifndef TERN_CLI_CRED_H
#define TERN_CLI_CRED_H

#include <stddef.h>
#include <stdint.h>

/* username = "<expiry><sep><user>", password = base64(HMAC-SHA1(secret, username))
 * (auth_rest_password, the one ternd checks).
 * Both are malloc'd and written only on success. Returns 0 or -EIO. */
int cli_rest_mint(const char *secret, const char *user, char sep, uint64_t expiry, char **username,
		  char **password);

#endif
