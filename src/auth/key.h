/* Long-term credential keys (RFC 8489 §9.2.2) and USERHASH (§14.4). */
#ifndef TERN_AUTH_KEY_H
#define TERN_AUTH_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"

#define AUTH_KEY_MAX CRYPTO_SHA256_LEN

enum auth_key_alg {
	AUTH_KEY_MD5 = 1,    /* PASSWORD-ALGORITHM 0x0001 and the classic mechanism */
	AUTH_KEY_SHA256 = 2, /* PASSWORD-ALGORITHM 0x0002 */
};

/* key = MD5 or SHA-256 of username ":" realm ":" password (inputs already SASLprep'd/
 * OpaqueString-processed by the caller; Tern uses them as given bytes). Writes 16 or 32
 * bytes to out and returns that length, or -EINVAL / -EIO. */
int auth_key_derive(enum auth_key_alg alg, const char *user, size_t ulen, const char *realm,
		    size_t rlen, const char *pass, size_t plen, uint8_t out[AUTH_KEY_MAX]);

/* USERHASH = SHA-256(username ":" realm). Returns 0 or -EIO. */
int auth_userhash(const char *user, size_t ulen, const char *realm, size_t rlen,
		  uint8_t out[CRYPTO_SHA256_LEN]);

#endif
