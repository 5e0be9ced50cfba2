/* The long-term credential mechanism on the server side (RFC 8489 §9.2.4), split around
 * the asynchronous key lookup: auth_ltc_begin (before the key is known), the lookup
 * through auth/cred.h, then auth_ltc_verify. Pure: time is an input, no I/O. */
#ifndef TERN_AUTH_LTC_H
#define TERN_AUTH_LTC_H

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
	const uint8_t *user;            /* USERNAME, or NULL when USERHASH is used */
	size_t user_len;
	const uint8_t *userhash;        /* USERHASH (32 bytes), or NULL */
	const uint8_t *realm;
	size_t realm_len;
	enum auth_key_alg alg;          /* MD5 (MESSAGE-INTEGRITY) or SHA256 (-SHA256) */
};

/* RFC 8489 §9.2.4, the steps before the key lookup. Returns:
 *   0    *out filled: look the key up for (out->realm, out->user or out->userhash);
 *   401  no MESSAGE-INTEGRITY(-SHA256): answer 401 with the challenge;
 *   400  integrity present but USERNAME/USERHASH, REALM or NONCE missing, or a
 *        PASSWORD-ALGORITHM(S) bid-down / mismatch;
 *   438  nonce expired or not ours: answer 438 with the challenge (a fresh nonce).
 * realm is the server's realm (borrowed); a request for another realm gets 401. */
int auth_ltc_begin(const struct stun_msg *m, const char *realm, const struct auth_nonce_key *nk,
		   const struct addr *client, uint64_t now_ms, struct auth_ltc_req *out);

/* Verifies the request's integrity with the looked-up key for rq->alg. Returns 0 and points
 * *key/*klen at the key to sign the response with (inside k), or 401 (mismatch, or the
 * store has no key for that algorithm). Constant-time comparison. */
int auth_ltc_verify(const struct stun_msg *m, const struct auth_ltc_req *rq,
		    const struct cred_key *k, const uint8_t **key, size_t *klen);

/* Appends the challenge to an error response being encoded: REALM, a fresh NONCE for
 * client, and PASSWORD-ALGORITHMS (MD5, SHA-256) when the nonce advertises them.
 * 0 or -STUN_DERR_NO_ROOM. */
int auth_ltc_put_challenge(struct stun_enc *e, const char *realm, const struct auth_nonce_key *nk,
			   const struct addr *client, uint64_t now_ms);

/* Appends the integrity a successful response to rq must carry (MESSAGE-INTEGRITY or
 * MESSAGE-INTEGRITY-SHA256, the algorithm the request used). */
int auth_ltc_sign(struct stun_enc *e, const struct auth_ltc_req *rq, const uint8_t *key,
		  size_t klen);

#endif
