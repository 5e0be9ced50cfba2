/* Stateless nonces (DESIGN.md §3): NONCE = "obMatJos2" + base64 of the 24 security-feature
 * bits (RFC 8489 §9.2, the 13-character "nonce cookie") + base64url(expiry || HMAC-SHA256(
 * secret, features || expiry || client IP) truncated to 96 bits). The HMAC covers the
 * feature bits, so a cookie stripped of "Password algorithms" on the path does not verify
 * (the bid-down protection of RFC 8489 §9.2.1). No per-client state exists before a request
 * authenticates. The secret is per process (random at start-up) and the key is shared
 * read-only by every worker (no function here writes to it after auth_nonce_key_init). */
#ifndef TERN_AUTH_NONCE_H
#define TERN_AUTH_NONCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define AUTH_NONCE_SECRET_LEN 32
/* Upper bound of a nonce's length (well under the 128-character limit). */
#define AUTH_NONCE_MAX 64

/* Security features advertised in the nonce cookie (RFC 8489 §18.1). */
#define AUTH_FEATURE_PASSWORD_ALGORITHMS 0x800000u
#define AUTH_FEATURE_USERNAME_ANONYMITY	 0x400000u

/* How long a nonce stays valid unless configured otherwise, seconds. */
#define AUTH_NONCE_LIFETIME_S 600

struct auth_nonce_key {
	uint8_t secret[AUTH_NONCE_SECRET_LEN];
	uint32_t lifetime_s; /* how long a nonce stays valid (default AUTH_NONCE_LIFETIME_S) */
	uint32_t features;   /* AUTH_FEATURE_* bits placed in the cookie */
	/* A secret shared by a fleet (app/: nonces one node makes verify on the others, so a
	 * client redirected with 300 keeps its nonce) needs a time line shared too: clock_ms
	 * is added to every now_ms (the process's monotonic clock) to make it wall-clock
	 * milliseconds, and an expiry up to skew_ms further away than a lifetime is taken
	 * (the nodes' clocks differ a little). Both 0 (auth_nonce_key_init): one process. */
	uint64_t clock_ms;
	uint32_t skew_ms;
};

/* Fills k with a random secret. lifetime_s 0 means AUTH_NONCE_LIFETIME_S. 0 or -EIO. */
int auth_nonce_key_init(struct auth_nonce_key *k, uint32_t lifetime_s, uint32_t features);
/* Writes a fresh nonce for client (IP only; port ignored) into out (NUL-terminated) and
 * returns its length (> 0), or -EIO. now_ms is the worker's monotonic clock in
 * milliseconds (the secret lives only as long as the process, so nonces never need to
 * outlive a reboot or survive a wall-clock step). */
int auth_nonce_make(const struct auth_nonce_key *k, const struct addr *client, uint64_t now_ms,
		    char out[AUTH_NONCE_MAX + 1]);
/* Checks a nonce received from client: 0 valid; -ESTALE expired, forged, malformed, for
 * another client, or made with other feature bits than k's (all answered 438 with a fresh
 * nonce, RFC 8489 §9.2.4); -EIO when the HMAC cannot be computed. now_ms: as for make. */
int auth_nonce_check(const struct auth_nonce_key *k, const struct addr *client,
		     const uint8_t *nonce, size_t len, uint64_t now_ms);
/* The feature bits carried by a nonce cookie, or -EINVAL when the nonce has no cookie. */
int32_t auth_nonce_features(const uint8_t *nonce, size_t len);

#endif
