/* Stateless HMAC nonces with the RFC 8489 §9.2 nonce cookie. Layout (37 characters):
 *
 *   "obMatJos2" | base64(features, 3 bytes) | base64url(expiry_ms, 6 bytes || mac, 12 bytes)
 *
 * mac = HMAC-SHA256(secret, features || expiry_ms || family || client IP)[0..12). Every
 * character is base64 or base64url, all inside NONCE's qdtext (RFC 8489 §14.10). */
#include "auth/nonce.h"

#include <errno.h>
#include <string.h>

#include "base/codec.h"
#include "base/crypto.h"

#define NONCE_COOKIE	 "obMatJos2"
#define NONCE_COOKIE_LEN 9 /* the fixed prefix; the full cookie adds 4 characters */
#define NONCE_FEAT_CHARS 4
#define NONCE_EXPIRY_LEN 6 /* 48-bit milliseconds: enough for any monotonic clock */
#define NONCE_MAC_LEN	 12
#define NONCE_BODY_LEN	 (NONCE_EXPIRY_LEN + NONCE_MAC_LEN) /* 18 bytes */
#define NONCE_BODY_CHARS (NONCE_BODY_LEN / 3 * 4)	    /* 24 characters */
#define NONCE_LEN	 (NONCE_COOKIE_LEN + NONCE_FEAT_CHARS + NONCE_BODY_CHARS)

_Static_assert(NONCE_LEN <= AUTH_NONCE_MAX, "nonce fits AUTH_NONCE_MAX");
_Static_assert(NONCE_BODY_LEN % 3 == 0, "body encodes without padding");

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* mac over features (3 bytes) || expiry (6 bytes) || family || client IP. */
static int nonce_mac(const struct auth_nonce_key *k, const uint8_t feat[3],
		     const uint8_t expiry[NONCE_EXPIRY_LEN], const struct addr *client,
		     uint8_t mac[NONCE_MAC_LEN])
{
	uint8_t full[CRYPTO_SHA256_LEN], family;
	size_t iplen = 0;
	const uint8_t *ip = addr_raw(client, &iplen);
	struct crypto_part parts[4];
	int rc;

	family = addr_family(client) == AF_INET6 ? 6 : 4;
	parts[0] = (struct crypto_part){feat, 3};
	parts[1] = (struct crypto_part){expiry, NONCE_EXPIRY_LEN};
	parts[2] = (struct crypto_part){&family, 1};
	parts[3] = (struct crypto_part){ip, ip ? iplen : 0};
	rc = crypto_hmac_sha256(k->secret, sizeof(k->secret), parts, 4, full);
	if (rc < 0)
		return -EIO;
	memcpy(mac, full, NONCE_MAC_LEN);
	return 0;
}

int auth_nonce_key_init(struct auth_nonce_key *k, uint32_t lifetime_s, uint32_t features)
{
	if (crypto_random(k->secret, sizeof(k->secret)) < 0)
		return -EIO;
	k->lifetime_s = lifetime_s ? lifetime_s : AUTH_NONCE_LIFETIME_S;
	k->features = features & 0xFFFFFFu;
	k->clock_ms = 0;
	k->skew_ms = 0;
	return 0;
}

int auth_nonce_make(const struct auth_nonce_key *k, const struct addr *client, uint64_t now_ms,
		    char out[AUTH_NONCE_MAX + 1])
{
	uint8_t feat[3], body[NONCE_BODY_LEN];
	uint64_t expiry = now_ms + k->clock_ms + (uint64_t)k->lifetime_s * 1000u;

	put_be(feat, k->features, 3);
	put_be(body, expiry, NONCE_EXPIRY_LEN);
	if (nonce_mac(k, feat, body, client, body + NONCE_EXPIRY_LEN) < 0)
		return -EIO;
	memcpy(out, NONCE_COOKIE, NONCE_COOKIE_LEN);
	codec_b64(CODEC_B64_STD, feat, 3, out + NONCE_COOKIE_LEN);
	codec_b64(CODEC_B64_URL, body, NONCE_BODY_LEN, out + NONCE_COOKIE_LEN + NONCE_FEAT_CHARS);
	out[NONCE_LEN] = '\0';
	return NONCE_LEN;
}

int auth_nonce_check(const struct auth_nonce_key *k, const struct addr *client,
		     const uint8_t *nonce, size_t len, uint64_t now_ms)
{
	uint8_t feat[3], body[NONCE_BODY_LEN], mac[NONCE_MAC_LEN];
	uint64_t expiry;

	if (len != NONCE_LEN || auth_nonce_features(nonce, len) != (int32_t)k->features)
		return -ESTALE;
	put_be(feat, k->features, 3);
	if (codec_unb64(CODEC_B64_URL, nonce + NONCE_COOKIE_LEN + NONCE_FEAT_CHARS,
			NONCE_BODY_CHARS, body) < 0)
		return -ESTALE;
	if (nonce_mac(k, feat, body, client, mac) < 0)
		return -EIO;
	if (!crypto_equal(mac, body + NONCE_EXPIRY_LEN, NONCE_MAC_LEN))
		return -ESTALE;
	/* Authentic: now only its age matters. An expiry further away than one lifetime
	 * cannot come from make with this key; refuse it all the same. */
	expiry = get_be(body, NONCE_EXPIRY_LEN);
	now_ms += k->clock_ms;
	if (now_ms >= expiry || expiry - now_ms > (uint64_t)k->lifetime_s * 1000u + k->skew_ms)
		return -ESTALE;
	return 0;
}

int32_t auth_nonce_features(const uint8_t *nonce, size_t len)
{
	uint8_t feat[3];

	if (len < NONCE_COOKIE_LEN + NONCE_FEAT_CHARS ||
	    memcmp(nonce, NONCE_COOKIE, NONCE_COOKIE_LEN) != 0)
		return -EINVAL;
	if (codec_unb64(CODEC_B64_STD, nonce + NONCE_COOKIE_LEN, NONCE_FEAT_CHARS, feat) < 0)
		return -EINVAL;
	return (int32_t)get_be(feat, 3);
}
