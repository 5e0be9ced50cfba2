/* DTLS 1.2 HelloVerifyRequest cookies (RFC 6347 §4.2.1), stateless: HMAC-SHA256 keyed by
 * a server secret over the client's transport address, so no state exists before a
 * client proves it receives at its address. Any thread (no state of its own). */
#ifndef TERN_NET_TLS_COOKIE_H
#define TERN_NET_TLS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/crypto.h"

#define TLS_COOKIE_LEN	  CRYPTO_SHA256_LEN
#define TLS_COOKIE_SECRET 32

/* Writes the cookie for peer into out. Returns 0 or -EIO. */
int tls_cookie_make(const uint8_t secret[TLS_COOKIE_SECRET], const struct addr *peer,
		    uint8_t out[TLS_COOKIE_LEN]);
/* True when cookie (len bytes) is peer's under secret, or under prev (the secret before a
 * rotation; NULL: none). */
bool tls_cookie_is_valid(const uint8_t secret[TLS_COOKIE_SECRET], const uint8_t *prev,
			 const struct addr *peer, const uint8_t *cookie, size_t len);

#endif
