/* The long-term credential mechanism on the server side (RFC 8489 §9.2.4), split around
 * the asynchronous key lookup: auth_ltc_begin (before the key is known), the lookup
 * through auth/cred.h, then auth_ltc_verify. Pure: time is an input, no I/O. */
#ifndef TERN_AUTH_LTC_H
#define TERN_AUTH_LTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/cred.h"
#include "auth/key.h"
#include "auth/nonce.h"
#include "base/addr.h"
#include "stun/enc.h"
#include "stun/msg.h"

/* What auth_ltc_begin found in a request that carries integrity. Views into the message. */
struct auth_ltc_req {
	const uint8_t *user; /* USERNAME, or NULL when USERHASH is used */
	size_t user_len;
	const uint8_t *userhash; /* USERHASH (32 bytes), or NULL */
	const uint8_t *realm;
	size_t realm_len;
	/* The key: SHA256 when PASSWORD-ALGORITHM says SHA-256, else MD5 (RFC 8489 §9.2.4:
	 * a request with neither PASSWORD-ALGORITHM nor -ALGORITHMS is processed as MD5). */
	enum auth_key_alg alg;
	/* The integrity attribute verified and signed with: MESSAGE-INTEGRITY-SHA256 when the
	 * request carries it (preferred, RFC 8489 §9.2.4), else MESSAGE-INTEGRITY. Independent
	 * of alg: HMAC-SHA1 with the MD5 key is the classic RFC 5389 client. */
	bool integrity_sha256;
};

/* RFC 8489 §9.2.4, the steps before the key lookup. Returns:
 *   0    *out filled: look the key up for (out->realm, out->user or out->userhash);
 *   401  no MESSAGE-INTEGRITY(-SHA256), or REALM is not the server's realm: answer 401
 *        with the challenge;
 *   400  integrity present but USERNAME/USERHASH, REALM or NONCE missing (or malformed),
 *        or a PASSWORD-ALGORITHM(S) bid-down / mismatch / unknown algorithm: answer 400
 *        without the challenge;
 *   438  nonce expired or not ours: answer 438 with the challenge (a fresh nonce).
 * realm is the server's realm (borrowed). The nonce is checked before the lookup (the RFC
 * lists it last): it costs one HMAC and spares the store a lookup for every stale or
 * forged request. When both USERNAME and USERHASH are present, USERNAME is used. */
int auth_ltc_begin(const struct stun_msg *m, const char *realm, const struct auth_nonce_key *nk,
		   const struct addr *client, uint64_t now_ms, struct auth_ltc_req *out);

/* Verifies the request's integrity with the looked-up key for rq->alg. Returns 0 and points
 * *key and *klen at the key to sign the response with (inside k: valid as long as k, which a
 * cred_result only lends for the callback; copy it to keep it), or 401 (mismatch, the
 * store has no key for that algorithm, or the HMAC cannot be computed). Constant-time
 * comparison. */
int auth_ltc_verify(const struct stun_msg *m, const struct auth_ltc_req *rq,
		    const struct cred_key *k, const uint8_t **key, size_t *klen);

/* Appends the challenge to an error response being encoded: REALM, a fresh NONCE for
 * client, and PASSWORD-ALGORITHMS (SHA-256, MD5: the server's preference order, RFC 8489
 * §9.2.4; clients take the first they support, §9.2.5) when nk's features include
 * AUTH_FEATURE_PASSWORD_ALGORITHMS. Put it after ERROR-CODE, before any FINGERPRINT.
 * Returns 0, the encoder's error (-ENOSPC when out of room, e->why saying why), or -EIO
 * when the nonce HMAC failed (the encoder is then left as it was). */
int auth_ltc_put_challenge(struct stun_enc *e, const char *realm, const struct auth_nonce_key *nk,
			   const struct addr *client, uint64_t now_ms);

/* Appends the integrity a successful response to rq must carry (MESSAGE-INTEGRITY or
 * MESSAGE-INTEGRITY-SHA256, as rq->integrity_sha256 says), keyed with the key
 * auth_ltc_verify returned. Returns what the encoder's put returns. */
int auth_ltc_sign(struct stun_enc *e, const struct auth_ltc_req *rq, const uint8_t *key,
		  size_t klen);

/* Fills the store query for rq (views into the request: valid while the message is). */
void auth_ltc_query(const struct auth_ltc_req *rq, struct cred_query *q);

#endif
