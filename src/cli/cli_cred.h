/* TURN REST API ephemeral credentials (the pure part of ternctl cred). */
#ifndef TERN_CLI_CRED_H
#define TERN_CLI_CRED_H

#include <stddef.h>
#include <stdint.h>

/* Standard base64 (with padding) of in[0..n) into out (4*((n+2)/3)+1 bytes). */
void cli_base64(const uint8_t *in, size_t n, char *out);

/* username = "<expiry><sep><user>", password = base64(HMAC-SHA1(secret, username)).
 * Both are malloc'd and written only on success. Returns 0 or -EIO. */
int cli_rest_mint(const char *secret, const char *user, char sep, uint64_t expiry, char **username,
		  char **password);

#endif
