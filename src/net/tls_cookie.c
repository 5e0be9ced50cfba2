/* Stateless DTLS cookies: HMAC-SHA256(secret, family || address || port). */
#include "net/tls_cookie.h"

int tls_cookie_make(const uint8_t secret[TLS_COOKIE_SECRET], const struct addr *peer,
		    uint8_t out[TLS_COOKIE_LEN])
{
	uint8_t fam = (uint8_t)addr_family(peer);
	uint16_t port = addr_port(peer);
	uint8_t pb[2] = {(uint8_t)(port >> 8), (uint8_t)port};
	size_t alen = 0;
	const uint8_t *ip = addr_raw(peer, &alen);
	struct crypto_part parts[] = {{&fam, 1}, {ip, alen}, {pb, 2}};

	return crypto_hmac_sha256(secret, TLS_COOKIE_SECRET, parts, 3, out);
}

static bool tls_cookie_is_from(const uint8_t *secret, const struct addr *peer,
			       const uint8_t *cookie)
{
	uint8_t want[TLS_COOKIE_LEN];

	return tls_cookie_make(secret, peer, want) == 0 &&
	       crypto_equal(want, cookie, TLS_COOKIE_LEN);
}

bool tls_cookie_is_valid(const uint8_t secret[TLS_COOKIE_SECRET], const uint8_t *prev,
			 const struct addr *peer, const uint8_t *cookie, size_t len)
{
	if (len != TLS_COOKIE_LEN)
		return false;
	return tls_cookie_is_from(secret, peer, cookie) ||
	       (prev && tls_cookie_is_from(prev, peer, cookie));
}
