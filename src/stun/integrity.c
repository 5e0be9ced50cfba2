/* MESSAGE-INTEGRITY (RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256 (§14.6), FINGERPRINT
 * (§14.7) over an encoded message. */
#include "stun/integrity.h"

#include <string.h>

#include "base/bytes.h"
#include "base/crypto.h"
#include "stun/err.h"

uint32_t stun_fingerprint(const uint8_t *buf, size_t len)
{
	return crypto_crc32(0, buf, len) ^ STUN_FINGERPRINT_XOR;
}

/* The HMAC input for the integrity attribute a (RFC 8489 §14.5): the message up to a, with
 * the header length rewritten to end at the end of a. hdr is the caller's scratch copy. */
static void stun_mac_parts(const struct stun_msg *m, const struct stun_attr *a,
			   uint8_t hdr[STUN_HDR_LEN], struct crypto_part parts[2])
{
	size_t end = (size_t)a->off + STUN_ATTR_HDR_LEN + a->len;

	memcpy(hdr, m->buf, STUN_HDR_LEN);
	bytes_put16(hdr + 2, (uint16_t)(end - STUN_HDR_LEN));
	parts[0].p = hdr;
	parts[0].len = STUN_HDR_LEN;
	parts[1].p = m->buf + STUN_HDR_LEN;
	parts[1].len = (size_t)a->off - STUN_HDR_LEN;
}

int stun_integrity_verify_sha1(const struct stun_msg *m, const uint8_t *key, size_t klen)
{
	uint8_t hdr[STUN_HDR_LEN], mac[CRYPTO_SHA1_LEN];
	struct crypto_part parts[2];
	const struct stun_attr *a;

	if (m->i_mi < 0)
		return stun_derr_fail(NULL, STUN_DERR_NO_INTEGRITY);
	a = &m->attrs[m->i_mi];
	if (a->len != CRYPTO_SHA1_LEN)
		return stun_derr_fail(NULL, STUN_DERR_INTEGRITY_MISMATCH);
	stun_mac_parts(m, a, hdr, parts);
	if (crypto_hmac_sha1(key, klen, parts, 2, mac) < 0)
		return stun_derr_fail(NULL, STUN_DERR_CRYPTO);
	if (!crypto_equal(mac, stun_attr_value(m, a), CRYPTO_SHA1_LEN))
		return stun_derr_fail(NULL, STUN_DERR_INTEGRITY_MISMATCH);
	return 0;
}

int stun_integrity_verify_sha256(const struct stun_msg *m, const uint8_t *key, size_t klen)
{
	uint8_t hdr[STUN_HDR_LEN], mac[CRYPTO_SHA256_LEN];
	struct crypto_part parts[2];
	const struct stun_attr *a;

	if (m->i_mi256 < 0)
		return stun_derr_fail(NULL, STUN_DERR_NO_INTEGRITY);
	a = &m->attrs[m->i_mi256];
	/* §14.6: 16 to 32 bytes, a multiple of 4; the value is the leading bytes of the HMAC. */
	if (a->len < 16 || a->len > CRYPTO_SHA256_LEN || a->len % 4 != 0)
		return stun_derr_fail(NULL, STUN_DERR_INTEGRITY_MISMATCH);
	stun_mac_parts(m, a, hdr, parts);
	if (crypto_hmac_sha256(key, klen, parts, 2, mac) < 0)
		return stun_derr_fail(NULL, STUN_DERR_CRYPTO);
	if (!crypto_equal(mac, stun_attr_value(m, a), a->len))
		return stun_derr_fail(NULL, STUN_DERR_INTEGRITY_MISMATCH);
	return 0;
}
