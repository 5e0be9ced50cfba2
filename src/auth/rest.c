/* TURN REST API ephemeral credentials (auth/rest.h). */
#include "auth/rest.h"

#include <errno.h>
#include <string.h>

#include "auth/key.h"
#include "base/codec.h"
#include "base/crypto.h"

int auth_rest_parse(const char *user, size_t len, char sep, int64_t *expiry)
{
	const char *end = memchr(user, sep, len);
	uint64_t v;

	/* Digits, then sep, then at least one byte. */
	if (end == NULL || (size_t)(end - user) + 1 >= len ||
	    codec_dec_u64(user, (size_t)(end - user), INT64_MAX, &v) < 0)
		return -EINVAL;
	*expiry = (int64_t)v;
	return 0;
}

int auth_rest_check(const char *user, size_t len, char sep, int64_t now_s)
{
	int64_t expiry;

	if (auth_rest_parse(user, len, sep, &expiry) < 0)
		return -EINVAL;
	return expiry < now_s ? -EKEYEXPIRED : 0;
}

int auth_rest_password(const char *secret, size_t slen, const char *user, size_t ulen,
		       char out[AUTH_REST_PASS_LEN + 1])
{
	struct crypto_part part = {user, ulen};
	uint8_t mac[CRYPTO_SHA1_LEN];

	if (crypto_hmac_sha1((const uint8_t *)secret, slen, &part, 1, mac) < 0)
		return -EIO;
	codec_b64(CODEC_B64_STD, mac, sizeof(mac), out);
	return 0;
}

int auth_rest_key(const char *secret, size_t slen, const char *user, size_t ulen, const char *realm,
		  size_t rlen, struct cred_key *out)
{
	char pass[AUTH_REST_PASS_LEN + 1];
	uint8_t md5[AUTH_KEY_MAX];
	struct cred_key k;
	int rc;

	memset(&k, 0, sizeof(k));
	rc = auth_rest_password(secret, slen, user, ulen, pass);
	if (rc == 0)
		rc = auth_key_derive(AUTH_KEY_MD5, user, ulen, realm, rlen, pass,
				     AUTH_REST_PASS_LEN, md5);
	if (rc >= 0)
		rc = auth_key_derive(AUTH_KEY_SHA256, user, ulen, realm, rlen, pass,
				     AUTH_REST_PASS_LEN, k.sha256);
	explicit_bzero(pass, sizeof(pass));
	if (rc < 0)
		return rc;
	memcpy(k.md5, md5, CRYPTO_MD5_LEN);
	k.has_md5 = k.has_sha256 = true;
	*out = k;
	return 0;
}
