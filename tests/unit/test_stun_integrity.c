/* MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT on the RFC 5769 and
 * RFC 8489 Appendix B vectors. */
#include "stun/integrity.h"

#include <errno.h>
#include <string.h>

#include "auth/key.h"
#include "base/crypto.h"
#include "stun/err.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

#define SHORT_KEY     ((const uint8_t *)RFC5769_PASSWORD)
#define SHORT_KEY_LEN (sizeof(RFC5769_PASSWORD) - 1)

static void test_short_term(const uint8_t *v, size_t len, const char *name)
{
	uint8_t copy[128];
	struct stun_msg m;

	CHECK_EQ_INT(stun_msg_decode(&m, v, len), 0, "%s decodes (FINGERPRINT verified)", name);
	CHECK_EQ_INT(stun_integrity_verify_sha1(&m, SHORT_KEY, SHORT_KEY_LEN), 0,
		     "%s MESSAGE-INTEGRITY verifies with the short-term password", name);
	CHECK_EQ_INT(stun_integrity_verify_sha1(&m, (const uint8_t *)"wrong", 5),
		     -EACCES /* STUN_DERR_INTEGRITY_MISMATCH */, "%s wrong key: mismatch", name);
	CHECK_EQ_INT(stun_integrity_verify_sha256(&m, SHORT_KEY, SHORT_KEY_LEN),
		     -ENOENT /* STUN_DERR_NO_INTEGRITY */, "%s has no MESSAGE-INTEGRITY-SHA256",
		     name);
	CHECK_EQ_INT(stun_fingerprint(v, len - 8),
		     (uint32_t)v[len - 4] << 24 | (uint32_t)v[len - 3] << 16 |
			     (uint32_t)v[len - 2] << 8 | v[len - 1],
		     "%s stun_fingerprint matches the vector", name);
	/* Tampering inside the HMAC'd part: fix FINGERPRINT up so only MI can catch it. */
	memcpy(copy, v, len);
	copy[24] ^= 0x01;
	{
		uint32_t fp = stun_fingerprint(copy, len - 8);

		copy[len - 4] = (uint8_t)(fp >> 24), copy[len - 3] = (uint8_t)(fp >> 16);
		copy[len - 2] = (uint8_t)(fp >> 8), copy[len - 1] = (uint8_t)fp;
	}
	CHECK(stun_msg_decode(&m, copy, len) == 0 &&
		      stun_integrity_verify_sha1(&m, SHORT_KEY, SHORT_KEY_LEN) ==
			      -EACCES /* STUN_DERR_INTEGRITY_MISMATCH */,
	      "%s tampered body: mismatch", name);
}

static void test_long_term(void)
{
	uint8_t key[AUTH_KEY_MAX];
	struct stun_msg m;
	int klen;

	klen = auth_key_derive(AUTH_KEY_MD5, RFC5769_LT_USERNAME, strlen(RFC5769_LT_USERNAME),
			       RFC5769_LT_REALM, strlen(RFC5769_LT_REALM), RFC5769_LT_PASSWORD,
			       strlen(RFC5769_LT_PASSWORD), key);
	CHECK_EQ_INT(klen, 16, "2.4 MD5 key");
	CHECK_EQ_INT(stun_msg_decode(&m, rfc5769_request_lt, sizeof(rfc5769_request_lt)), 0,
		     "2.4 decodes");
	CHECK_EQ_INT(stun_integrity_verify_sha1(&m, key, (size_t)klen), 0,
		     "2.4 MESSAGE-INTEGRITY verifies with MD5(user:realm:pass)");
}

static void test_sha256(void)
{
	uint8_t key[AUTH_KEY_MAX], uh[32], copy[sizeof(rfc8489_b1_request)];
	struct stun_msg m;
	struct stun_str s;
	uint16_t alg;
	int klen;

	CHECK_EQ_INT(stun_msg_decode(&m, rfc8489_b1_request, sizeof(rfc8489_b1_request)), 0,
		     "B.1 decodes");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_USERHASH, &s) == 0 && s.len == 32 &&
		      memcmp(s.p, rfc8489_b1_userhash, 32) == 0,
	      "B.1 USERHASH view");
	CHECK_EQ_INT(auth_userhash(RFC5769_LT_USERNAME, strlen(RFC5769_LT_USERNAME),
				   RFC5769_LT_REALM, strlen(RFC5769_LT_REALM), uh),
		     0, "USERHASH computed");
	CHECK_MEM(uh, rfc8489_b1_userhash, 32, "B.1 USERHASH = SHA-256(user:realm)");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_NONCE, &s) == 0 &&
		      s.len == strlen(RFC8489_B1_NONCE) &&
		      memcmp(s.p, RFC8489_B1_NONCE, s.len) == 0,
	      "B.1 NONCE");
	CHECK(stun_msg_get_pwalg(&m, &alg, &s) == 0 && alg == STUN_PWALG_SHA256 && s.len == 0,
	      "B.1 PASSWORD-ALGORITHM SHA-256");
	klen = auth_key_derive(AUTH_KEY_SHA256, RFC5769_LT_USERNAME, strlen(RFC5769_LT_USERNAME),
			       RFC5769_LT_REALM, strlen(RFC5769_LT_REALM), RFC5769_LT_PASSWORD,
			       strlen(RFC5769_LT_PASSWORD), key);
	CHECK_EQ_INT(klen, 32, "SHA-256 key");
	CHECK_EQ_INT(stun_integrity_verify_sha256(&m, key, (size_t)klen), 0,
		     "B.1 MESSAGE-INTEGRITY-SHA256 verifies");
	CHECK_EQ_INT(stun_integrity_verify_sha1(&m, key, (size_t)klen),
		     -ENOENT /* STUN_DERR_NO_INTEGRITY */, "B.1 has no MESSAGE-INTEGRITY");
	memcpy(copy, rfc8489_b1_request, sizeof(copy));
	copy[sizeof(copy) - 1] ^= 0x80;
	CHECK(stun_msg_decode(&m, copy, sizeof(copy)) == 0 &&
		      stun_integrity_verify_sha256(&m, key, (size_t)klen) ==
			      -EACCES /* STUN_DERR_INTEGRITY_MISMATCH */,
	      "B.1 tampered HMAC: mismatch");
	/* A truncated (16-byte) MI-SHA256 (§14.6) is the leading 16 bytes of the HMAC over a
	 * header whose length ends at the shorter attribute. */
	{
		size_t body = sizeof(copy) - 36; /* up to the MI-SHA256 attribute */
		struct crypto_part part = {copy, body};
		uint8_t mac[32];

		memcpy(copy, rfc8489_b1_request, body);
		copy[3] = (uint8_t)(body - 20 + 4 + 16);
		copy[body] = 0x00, copy[body + 1] = 0x1c, copy[body + 2] = 0, copy[body + 3] = 16;
		crypto_hmac_sha256(key, (size_t)klen, &part, 1, mac);
		memcpy(copy + body + 4, mac, 16);
		CHECK(stun_msg_decode(&m, copy, body + 20) == 0 &&
			      stun_integrity_verify_sha256(&m, key, (size_t)klen) == 0,
		      "16-byte MESSAGE-INTEGRITY-SHA256 verifies");
		copy[body + 4 + 15] ^= 1;
		CHECK(stun_msg_decode(&m, copy, body + 20) == 0 &&
			      stun_integrity_verify_sha256(&m, key, (size_t)klen) ==
				      -EACCES /* STUN_DERR_INTEGRITY_MISMATCH */,
		      "16-byte MI-SHA256 tampered: mismatch");
	}
}

int main(void)
{
	test_short_term(rfc5769_request, sizeof(rfc5769_request), "2.1");
	test_short_term(rfc5769_response_v4, sizeof(rfc5769_response_v4), "2.2");
	test_short_term(rfc5769_response_v6, sizeof(rfc5769_response_v6), "2.3");
	test_long_term();
	test_sha256();
	return tap_done();
}
