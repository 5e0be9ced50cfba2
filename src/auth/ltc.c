/* The long-term credential mechanism, server side (RFC 8489 §9.2.4), around an
 * asynchronous key lookup. Step comments follow the bullets of §9.2.4 in order. */
#include "auth/ltc.h"

#include <errno.h>
#include <string.h>

#include "stun/err.h"
#include "stun/integrity.h"

/* The server's PASSWORD-ALGORITHMS in preference order (RFC 8489 §14.11), and the same
 * list as it appears on the wire: algorithm, parameter length 0, for each entry. */
static const uint16_t ltc_algs[] = {STUN_PWALG_SHA256, STUN_PWALG_MD5};
static const uint8_t ltc_algs_wire[] = {0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};

/* True when the request's PASSWORD-ALGORITHMS is byte for byte the list the challenge
 * carried (RFC 8489 §9.2.4: "matches the value sent in the response that sent this
 * NONCE"). */
static bool ltc_pwalgs_match(const struct stun_msg *m)
{
	const struct stun_attr *a = stun_msg_find(m, STUN_ATTR_PASSWORD_ALGORITHMS);

	return a != NULL && a->len == sizeof(ltc_algs_wire) &&
	       memcmp(stun_attr_value(m, a), ltc_algs_wire, sizeof(ltc_algs_wire)) == 0;
}

/* RFC 8489 §9.2.4 step 3 (bid-down prevention, §9.2.1) and §18.5.1: chooses the key
 * algorithm. Returns 0 with *alg set, or 400. */
static int ltc_pick_alg(const struct stun_msg *m, const struct stun_str *nonce,
			enum auth_key_alg *alg)
{
	bool has_alg = stun_msg_find(m, STUN_ATTR_PASSWORD_ALGORITHM) != NULL;
	bool has_algs = stun_msg_find(m, STUN_ATTR_PASSWORD_ALGORITHMS) != NULL;
	int32_t feat = auth_nonce_features(nonce->p, nonce->len);
	struct stun_str params;
	uint16_t a;

	*alg = AUTH_KEY_MD5;
	/* Neither attribute: processed as though PASSWORD-ALGORITHM were MD5. This is every
	 * RFC 5389 client (browsers, coturn's uclient, aioice). */
	if (!has_alg && !has_algs)
		return 0;
	/* The cookie advertised PASSWORD-ALGORITHMS: both attributes must be present and the
	 * list must be the one we sent, else 400. */
	if (feat >= 0 && (feat & AUTH_FEATURE_PASSWORD_ALGORITHMS) &&
	    (!has_alg || !ltc_pwalgs_match(m)))
		return STUN_ERR_BAD_REQUEST;
	/* Without the feature bit the RFC gives no rule: a lone PASSWORD-ALGORITHMS is
	 * ignored, a PASSWORD-ALGORITHM is honoured when it names an algorithm we have. */
	if (!has_alg)
		return 0;
	/* PASSWORD-ALGORITHM must be one of ours (which is the list we sent), with the empty
	 * parameters both algorithms define (§18.5.1). */
	if (stun_msg_get_pwalg(m, &a, &params) < 0 || params.len != 0)
		return STUN_ERR_BAD_REQUEST;
	switch (a) {
	case STUN_PWALG_MD5:
		return 0;
	case STUN_PWALG_SHA256:
		*alg = AUTH_KEY_SHA256;
		return 0;
	default:
		return STUN_ERR_BAD_REQUEST;
	}
}

static bool ltc_realm_is(const struct stun_str *r, const char *realm)
{
	size_t n = strlen(realm);

	return r->len == n && memcmp(r->p, realm, n) == 0;
}

int auth_ltc_begin(const struct stun_msg *m, const char *realm, const struct auth_nonce_key *nk,
		   const struct addr *client, uint64_t now_ms, struct auth_ltc_req *out)
{
	struct stun_str user = {NULL, 0}, hash = {NULL, 0}, rlm, nonce;
	struct auth_ltc_req rq;
	bool has_user;
	int rc;

	/* Step 1: no MESSAGE-INTEGRITY nor -SHA256 → 401 with REALM and NONCE. */
	if (m->i_mi < 0 && m->i_mi256 < 0)
		return STUN_ERR_UNAUTHORIZED;
	/* Step 2: USERNAME or USERHASH, REALM and NONCE are required → 400. A value the codec
	 * refuses (oversized, USERHASH not 32 bytes) counts as missing. */
	has_user = stun_msg_get_bytes(m, STUN_ATTR_USERNAME, &user) == 0;
	if (!has_user && stun_msg_get_bytes(m, STUN_ATTR_USERHASH, &hash) < 0)
		return STUN_ERR_BAD_REQUEST;
	if (stun_msg_get_bytes(m, STUN_ATTR_REALM, &rlm) < 0 ||
	    stun_msg_get_bytes(m, STUN_ATTR_NONCE, &nonce) < 0)
		return STUN_ERR_BAD_REQUEST;
	/* Not in §9.2.4's list: a REALM other than ours cannot name any key we hold; treat it
	 * as an invalid username (401, and the challenge tells the client our realm). */
	if (!ltc_realm_is(&rlm, realm))
		return STUN_ERR_UNAUTHORIZED;
	/* Last step of §9.2.4, taken before the lookup (see ltc.h): stale nonce → 438. */
	if (auth_nonce_check(nk, client, nonce.p, nonce.len, now_ms) != 0)
		return STUN_ERR_STALE_NONCE;
	/* Step 3: PASSWORD-ALGORITHM(S) → the key algorithm, or 400. */
	rc = ltc_pick_alg(m, &nonce, &rq.alg);
	if (rc != 0)
		return rc;
	rq.user = has_user ? user.p : NULL;
	rq.user_len = has_user ? user.len : 0;
	rq.userhash = has_user ? NULL : hash.p;
	rq.realm = rlm.p;
	rq.realm_len = rlm.len;
	/* Step 5 (after the lookup, step 4): MESSAGE-INTEGRITY-SHA256 when present. */
	rq.integrity_sha256 = m->i_mi256 >= 0;
	*out = rq;
	return 0;
}

int auth_ltc_verify(const struct stun_msg *m, const struct auth_ltc_req *rq,
		    const struct cred_key *k, const uint8_t **key, size_t *klen)
{
	const uint8_t *kp;
	size_t kl;
	int rc;

	/* Step 4 (the store's answer): no key for this algorithm → 401. */
	if (rq->alg == AUTH_KEY_SHA256) {
		if (!k->has_sha256)
			return STUN_ERR_UNAUTHORIZED;
		kp = k->sha256, kl = sizeof(k->sha256);
	} else {
		if (!k->has_md5)
			return STUN_ERR_UNAUTHORIZED;
		kp = k->md5, kl = sizeof(k->md5);
	}
	/* Step 5: §14.6 when MESSAGE-INTEGRITY-SHA256 is present, else §14.5; mismatch → 401. */
	if (rq->integrity_sha256)
		rc = stun_integrity_verify_sha256(m, kp, kl);
	else
		rc = stun_integrity_verify_sha1(m, kp, kl);
	if (rc != 0)
		return STUN_ERR_UNAUTHORIZED;
	*key = kp;
	*klen = kl;
	return 0;
}

int auth_ltc_put_challenge(struct stun_enc *e, const char *realm, const struct auth_nonce_key *nk,
			   const struct addr *client, uint64_t now_ms)
{
	char nonce[AUTH_NONCE_MAX + 1];
	int n, rc;

	n = auth_nonce_make(nk, client, now_ms, nonce);
	if (n < 0)
		return -EIO;
	rc = stun_enc_put(e, STUN_ATTR_REALM, realm, strlen(realm));
	if (rc == 0)
		rc = stun_enc_put(e, STUN_ATTR_NONCE, nonce, (size_t)n);
	/* §9.2.4 step 1: PASSWORD-ALGORITHMS only together with the cookie's feature bit
	 * (a client seeing the bit without the list must give up, §9.2.5). */
	if (rc == 0 && (nk->features & AUTH_FEATURE_PASSWORD_ALGORITHMS))
		rc = stun_enc_put_pwalgs(e, ltc_algs, sizeof(ltc_algs) / sizeof(ltc_algs[0]));
	return rc;
}

int auth_ltc_sign(struct stun_enc *e, const struct auth_ltc_req *rq, const uint8_t *key,
		  size_t klen)
{
	/* §9.2.4 (after the checks): the response carries the integrity attribute the
	 * request was verified with, keyed with the same key. */
	if (rq->integrity_sha256)
		return stun_enc_put_integrity_sha256(e, key, klen);
	return stun_enc_put_integrity_sha1(e, key, klen);
}

void auth_ltc_query(const struct auth_ltc_req *rq, struct cred_query *q)
{
	q->realm = (const char *)rq->realm;
	q->realm_len = rq->realm_len;
	q->user = (const char *)rq->user;
	q->user_len = rq->user_len;
	q->userhash = rq->userhash;
}
