/* Long-term credential keys (RFC 8489 §9.2.2) and USERHASH (RFC 8489 §14.4). */
#include "auth/key.h"

#include <errno.h>

int auth_key_derive(enum auth_key_alg alg, const char *user, size_t ulen, const char *realm,
		    size_t rlen, const char *pass, size_t plen, uint8_t out[AUTH_KEY_MAX])
{
	const struct crypto_part parts[5] = {
		{user, ulen}, {":", 1}, {realm, rlen}, {":", 1}, {pass, plen},
	};
	int rc;

	switch (alg) {
	case AUTH_KEY_MD5:
		rc = crypto_md5(parts, 5, out);
		return rc < 0 ? rc : CRYPTO_MD5_LEN;
	case AUTH_KEY_SHA256:
		rc = crypto_sha256(parts, 5, out);
		return rc < 0 ? rc : CRYPTO_SHA256_LEN;
	default:
		return -EINVAL;
	}
}

int auth_userhash(const char *user, size_t ulen, const char *realm, size_t rlen,
		  uint8_t out[CRYPTO_SHA256_LEN])
{
	const struct crypto_part parts[3] = {{user, ulen}, {":", 1}, {realm, rlen}};

	return crypto_sha256(parts, 3, out);
}
