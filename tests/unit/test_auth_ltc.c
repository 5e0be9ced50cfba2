/* The long-term credential mechanism (RFC 8489 §9.2.4): requests built with the encoder
 * go through auth_ltc_begin and auth_ltc_verify; challenges and signed responses are
 * decoded back; RFC 5769 §2.4 and RFC 8489 B.1 go through auth_ltc_verify directly. */
#include "auth/ltc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "stun/err.h"
#include "stun/integrity.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

#define REALM "tern.example"
#define USER  "alice"
#define PASS  "wonderland"
#define T0    5000000u

static const uint8_t tid[STUN_TID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint16_t our_algs[] = {STUN_PWALG_SHA256, STUN_PWALG_MD5};

static struct auth_nonce_key nk_plain; /* no security features */
static struct auth_nonce_key nk_pa;    /* "Password algorithms" advertised */
static struct addr client, other_client;

/* What goes into a test request; NULL/0 fields are left out. */
struct req {
	const char *user;
	const uint8_t *userhash;
	const char *realm;
	const char *nonce;
	const uint16_t *algs; /* PASSWORD-ALGORITHMS */
	size_t nalgs;
	uint16_t alg;	       /* PASSWORD-ALGORITHM */
	const uint8_t *mi_key; /* MESSAGE-INTEGRITY */
	size_t mi_klen;
	const uint8_t *mi256_key; /* MESSAGE-INTEGRITY-SHA256 */
	size_t mi256_klen;
};

static uint8_t buf[1024];
static struct stun_msg msg;
static int build_failures; /* requests that did not encode and decode */

/* Encodes r as an Allocate request with FINGERPRINT into buf and decodes it into msg. */
static int build(const struct req *r)
{
	struct stun_enc e;
	int n;

	stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, tid);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, (uint32_t)STUN_TRANSPORT_UDP << 24);
	if (r->user)
		stun_enc_put(&e, STUN_ATTR_USERNAME, r->user, strlen(r->user));
	if (r->userhash)
		stun_enc_put(&e, STUN_ATTR_USERHASH, r->userhash, 32);
	if (r->realm)
		stun_enc_put(&e, STUN_ATTR_REALM, r->realm, strlen(r->realm));
	if (r->nonce)
		stun_enc_put(&e, STUN_ATTR_NONCE, r->nonce, strlen(r->nonce));
	if (r->nalgs)
		stun_enc_put_pwalgs(&e, r->algs, r->nalgs);
	if (r->alg) {
		uint8_t v[4] = {(uint8_t)(r->alg >> 8), (uint8_t)r->alg, 0, 0};

		stun_enc_put(&e, STUN_ATTR_PASSWORD_ALGORITHM, v, 4);
	}
	if (r->mi_key)
		stun_enc_put_integrity_sha1(&e, r->mi_key, r->mi_klen);
	if (r->mi256_key)
		stun_enc_put_integrity_sha256(&e, r->mi256_key, r->mi256_klen);
	stun_enc_put_fingerprint(&e);
	n = stun_enc_finish(&e);
	if (n < 0 || stun_msg_decode(&msg, buf, (size_t)n) != 0) {
		build_failures++;
		memset(&msg, 0, sizeof(msg));
		return -1;
	}
	return 0;
}

static void make_key(const char *user, const char *realm, const char *pass, struct cred_key *k)
{
	uint8_t key[AUTH_KEY_MAX];

	memset(k, 0, sizeof(*k));
	auth_key_derive(AUTH_KEY_MD5, user, strlen(user), realm, strlen(realm), pass, strlen(pass),
			key);
	memcpy(k->md5, key, sizeof(k->md5));
	auth_key_derive(AUTH_KEY_SHA256, user, strlen(user), realm, strlen(realm), pass,
			strlen(pass), key);
	memcpy(k->sha256, key, sizeof(k->sha256));
	k->has_md5 = k->has_sha256 = true;
}

static int begin(const struct auth_nonce_key *nk, struct auth_ltc_req *rq)
{
	return auth_ltc_begin(&msg, REALM, nk, &client, T0 + 1000, rq);
}

static void test_challenge(const struct auth_nonce_key *nk, bool want_algs, const char *what)
{
	uint8_t out[512];
	struct stun_enc e;
	struct stun_msg m;
	struct stun_str s;
	uint16_t algs[4];
	size_t nalgs = 4;
	int code, n;

	stun_enc_init(&e, out, sizeof(out), STUN_METHOD_ALLOCATE, STUN_CLASS_ERROR, tid);
	stun_enc_put_error(&e, 401);
	CHECK_EQ_INT(auth_ltc_put_challenge(&e, REALM, nk, &client, T0), 0, "%s: challenge put",
		     what);
	stun_enc_put_fingerprint(&e);
	n = stun_enc_finish(&e);
	CHECK(n > 0 && stun_msg_decode(&m, out, (size_t)n) == 0, "%s: challenge decodes", what);
	CHECK(stun_msg_get_error(&m, &code, &s) == 0 && code == 401, "%s: 401", what);
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_REALM, &s) == 0 && s.len == strlen(REALM) &&
		      memcmp(s.p, REALM, s.len) == 0,
	      "%s: REALM", what);
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_NONCE, &s) == 0 &&
		      auth_nonce_check(nk, &client, s.p, s.len, T0 + 1) == 0,
	      "%s: NONCE valid", what);
	if (want_algs)
		CHECK(stun_msg_get_pwalgs(&m, algs, &nalgs) == 0 && nalgs == 2 &&
			      algs[0] == STUN_PWALG_SHA256 && algs[1] == STUN_PWALG_MD5,
		      "%s: PASSWORD-ALGORITHMS (SHA-256, MD5)", what);
	else
		CHECK(stun_msg_find(&m, STUN_ATTR_PASSWORD_ALGORITHMS) == NULL,
		      "%s: no PASSWORD-ALGORITHMS", what);
	CHECK(m.i_mi < 0 && m.i_mi256 < 0 && !stun_msg_find(&m, STUN_ATTR_USERNAME),
	      "%s: no integrity, no USERNAME", what);
	/* Too small a buffer: the encoder's error comes back. */
	stun_enc_init(&e, out, 40, STUN_METHOD_ALLOCATE, STUN_CLASS_ERROR, tid);
	CHECK(auth_ltc_put_challenge(&e, REALM, nk, &client, T0) == -ENOSPC &&
		      e.why == STUN_DERR_NO_ROOM,
	      "%s: -ENOSPC, the encoder's NO_ROOM", what);
}

/* Signs a success response for rq with key and checks it verifies with the same key and
 * the algorithm the request used. */
static void test_sign(const struct auth_ltc_req *rq, const uint8_t *key, size_t klen,
		      const char *what)
{
	uint8_t out[256];
	struct stun_enc e;
	struct stun_msg m;
	int n;

	stun_enc_init(&e, out, sizeof(out), STUN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, &client);
	CHECK_EQ_INT(auth_ltc_sign(&e, rq, key, klen), 0, "%s: sign", what);
	stun_enc_put_fingerprint(&e);
	n = stun_enc_finish(&e);
	CHECK(n > 0 && stun_msg_decode(&m, out, (size_t)n) == 0, "%s: response decodes", what);
	if (rq->integrity_sha256)
		CHECK(m.i_mi < 0 && stun_integrity_verify_sha256(&m, key, klen) == 0,
		      "%s: response has MI-SHA256 only and it verifies", what);
	else
		CHECK(m.i_mi256 < 0 && stun_integrity_verify_sha1(&m, key, klen) == 0,
		      "%s: response has MESSAGE-INTEGRITY only and it verifies", what);
}

static void test_errors(void)
{
	char nonce[AUTH_NONCE_MAX + 1], nonce_other[AUTH_NONCE_MAX + 1];
	struct auth_ltc_req rq;
	struct cred_key k;

	make_key(USER, REALM, PASS, &k);
	auth_nonce_make(&nk_plain, &client, T0, nonce);
	auth_nonce_make(&nk_plain, &other_client, T0, nonce_other);

	build(&(struct req){.user = NULL});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 401, "first request (no integrity): 401");
	build(&(struct req){.user = USER, .realm = REALM, .nonce = nonce});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 401, "credentials but no integrity: 401");
	build(&(struct req){.realm = REALM, .nonce = nonce, .mi_key = k.md5, .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 400, "no USERNAME/USERHASH: 400");
	build(&(struct req){.user = USER, .nonce = nonce, .mi_key = k.md5, .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 400, "no REALM: 400");
	build(&(struct req){.user = USER, .realm = REALM, .mi_key = k.md5, .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 400, "no NONCE: 400");
	build(&(struct req){.user = USER,
			    .realm = "other.example",
			    .nonce = nonce,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 401, "another realm: 401");
	build(&(struct req){
		.user = USER, .realm = REALM ".", .nonce = nonce, .mi_key = k.md5, .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 401, "realm with a suffix: 401");

	build(&(struct req){
		.user = USER, .realm = REALM, .nonce = nonce, .mi_key = k.md5, .mi_klen = 16});
	CHECK_EQ_INT(auth_ltc_begin(&msg, REALM, &nk_plain, &client, T0 + 600000, &rq), 438,
		     "expired nonce: 438");
	CHECK_EQ_INT(auth_ltc_begin(&msg, REALM, &nk_pa, &client, T0 + 1, &rq), 438,
		     "nonce from another key: 438");
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce_other,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 438, "nonce made for another client: 438");
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = RFC5769_LT_NONCE,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 438, "foreign nonce: 438");
}

static void test_md5(void)
{
	char nonce[AUTH_NONCE_MAX + 1];
	struct auth_ltc_req rq;
	struct cred_key k, wrong;
	struct cred_query q;
	const uint8_t *key = NULL;
	size_t klen = 0;

	make_key(USER, REALM, PASS, &k);
	make_key(USER, REALM, "not-the-password", &wrong);
	/* The classic client (browsers, coturn's uclient, aioice): MESSAGE-INTEGRITY only,
	 * no PASSWORD-ALGORITHM(S), even when the cookie advertises them. */
	auth_nonce_make(&nk_pa, &client, T0, nonce);
	build(&(struct req){
		.user = USER, .realm = REALM, .nonce = nonce, .mi_key = k.md5, .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 0, "MD5 + MESSAGE-INTEGRITY: begin ok");
	CHECK(rq.alg == AUTH_KEY_MD5 && !rq.integrity_sha256 && rq.userhash == NULL &&
		      rq.user_len == strlen(USER) && memcmp(rq.user, USER, rq.user_len) == 0 &&
		      rq.realm_len == strlen(REALM) && memcmp(rq.realm, REALM, rq.realm_len) == 0,
	      "request fields: USERNAME, REALM, MD5, MESSAGE-INTEGRITY");
	auth_ltc_query(&rq, &q);
	CHECK(q.user == (const char *)rq.user && q.user_len == rq.user_len && !q.userhash &&
		      q.realm == (const char *)rq.realm && q.realm_len == rq.realm_len,
	      "query by USERNAME");
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 0, "MD5 key verifies");
	CHECK(key == k.md5 && klen == 16, "signing key is the MD5 key");
	test_sign(&rq, key, klen, "MD5");
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &wrong, &key, &klen), 401, "wrong password: 401");
	k.has_md5 = false;
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 401, "no MD5 key: 401");

	/* MD5 key with MESSAGE-INTEGRITY-SHA256 (no PASSWORD-ALGORITHM, no features). */
	make_key(USER, REALM, PASS, &k);
	auth_nonce_make(&nk_plain, &client, T0, nonce);
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .mi256_key = k.md5,
			    .mi256_klen = 16});
	CHECK(begin(&nk_plain, &rq) == 0 && rq.alg == AUTH_KEY_MD5 && rq.integrity_sha256,
	      "MD5 key + MI-SHA256: begin ok");
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 0, "MD5 key + MI-SHA256 ok");
	test_sign(&rq, key, klen, "MD5 key + MI-SHA256");
	/* Both integrity attributes: MI-SHA256 is the one checked. */
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .mi_key = wrong.md5,
			    .mi_klen = 16,
			    .mi256_key = k.md5,
			    .mi256_klen = 16});
	CHECK(begin(&nk_plain, &rq) == 0 && rq.integrity_sha256 &&
		      auth_ltc_verify(&msg, &rq, &k, &key, &klen) == 0,
	      "MI and MI-SHA256: MI-SHA256 preferred");
}

static void test_sha256(void)
{
	char nonce[AUTH_NONCE_MAX + 1];
	struct auth_ltc_req rq;
	struct cred_key k;
	struct cred_query q;
	const uint8_t *key = NULL;
	size_t klen = 0;
	uint8_t uh[32];

	make_key(USER, REALM, PASS, &k);
	auth_nonce_make(&nk_pa, &client, T0, nonce);
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .algs = our_algs,
			    .nalgs = 2,
			    .alg = STUN_PWALG_SHA256,
			    .mi256_key = k.sha256,
			    .mi256_klen = 32});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 0, "SHA-256 + PASSWORD-ALGORITHM(S) + MI-SHA256: begin");
	CHECK(rq.alg == AUTH_KEY_SHA256 && rq.integrity_sha256, "SHA-256 key, MI-SHA256");
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 0, "SHA-256 key verifies");
	CHECK(key == k.sha256 && klen == 32, "signing key is the SHA-256 key");
	test_sign(&rq, key, klen, "SHA-256");
	k.has_sha256 = false;
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 401,
		     "store without a SHA-256 key (coturn hex MD5): 401");

	/* PASSWORD-ALGORITHM MD5 from the list. */
	make_key(USER, REALM, PASS, &k);
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .algs = our_algs,
			    .nalgs = 2,
			    .alg = STUN_PWALG_MD5,
			    .mi256_key = k.md5,
			    .mi256_klen = 16});
	CHECK(begin(&nk_pa, &rq) == 0 && rq.alg == AUTH_KEY_MD5 &&
		      auth_ltc_verify(&msg, &rq, &k, &key, &klen) == 0,
	      "PASSWORD-ALGORITHM MD5 ok");

	/* USERHASH instead of USERNAME: the lookup goes by hash. */
	auth_userhash(USER, strlen(USER), REALM, strlen(REALM), uh);
	build(&(struct req){.userhash = uh,
			    .realm = REALM,
			    .nonce = nonce,
			    .algs = our_algs,
			    .nalgs = 2,
			    .alg = STUN_PWALG_SHA256,
			    .mi256_key = k.sha256,
			    .mi256_klen = 32});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 0, "USERHASH: begin ok");
	CHECK(rq.user == NULL && rq.userhash != NULL && memcmp(rq.userhash, uh, 32) == 0,
	      "USERHASH view");
	auth_ltc_query(&rq, &q);
	CHECK(q.user == NULL && q.userhash == rq.userhash, "query by USERHASH");
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 0, "USERHASH: verifies");
	/* USERNAME and USERHASH: USERNAME wins. */
	build(&(struct req){.user = USER,
			    .userhash = uh,
			    .realm = REALM,
			    .nonce = nonce,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK(begin(&nk_pa, &rq) == 0 && rq.user != NULL && rq.userhash == NULL,
	      "USERNAME and USERHASH: USERNAME used");
}

static void test_bid_down(void)
{
	static const uint16_t md5_only[] = {STUN_PWALG_MD5};
	static const uint16_t swapped[] = {STUN_PWALG_MD5, STUN_PWALG_SHA256};
	char nonce[AUTH_NONCE_MAX + 1];
	struct auth_ltc_req rq;
	struct cred_key k;

	make_key(USER, REALM, PASS, &k);
	auth_nonce_make(&nk_pa, &client, T0, nonce);
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .alg = STUN_PWALG_SHA256,
			    .mi256_key = k.sha256,
			    .mi256_klen = 32});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 400, "PASSWORD-ALGORITHM without -ALGORITHMS: 400");
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .algs = our_algs,
			    .nalgs = 2,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 400, "PASSWORD-ALGORITHMS without -ALGORITHM: 400");
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .algs = md5_only,
			    .nalgs = 1,
			    .alg = STUN_PWALG_MD5,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 400, "PASSWORD-ALGORITHMS stripped to MD5: 400");
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .algs = swapped,
			    .nalgs = 2,
			    .alg = STUN_PWALG_MD5,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 400, "PASSWORD-ALGORITHMS reordered: 400");
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .algs = our_algs,
			    .nalgs = 2,
			    .alg = 3,
			    .mi256_key = k.sha256,
			    .mi256_klen = 32});
	CHECK_EQ_INT(begin(&nk_pa, &rq), 400, "PASSWORD-ALGORITHM not in the list: 400");
	/* Without the feature bit: PASSWORD-ALGORITHM still selects a known key; an unknown
	 * one is 400. */
	auth_nonce_make(&nk_plain, &client, T0, nonce);
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .alg = STUN_PWALG_SHA256,
			    .mi256_key = k.sha256,
			    .mi256_klen = 32});
	CHECK(begin(&nk_plain, &rq) == 0 && rq.alg == AUTH_KEY_SHA256,
	      "no feature bit: PASSWORD-ALGORITHM SHA-256 honoured");
	build(&(struct req){.user = USER,
			    .realm = REALM,
			    .nonce = nonce,
			    .alg = 9,
			    .mi_key = k.md5,
			    .mi_klen = 16});
	CHECK_EQ_INT(begin(&nk_plain, &rq), 400, "no feature bit: unknown algorithm 400");
}

/* RFC 5769 §2.4 and RFC 8489 B.1: their nonces are not ours, so begin answers 438; the
 * integrity is checked through auth_ltc_verify with a hand-made request view. */
static void test_vectors(void)
{
	struct auth_ltc_req rq;
	struct cred_key k;
	const uint8_t *key;
	size_t klen;

	make_key(RFC5769_LT_USERNAME, RFC5769_LT_REALM, RFC5769_LT_PASSWORD, &k);
	CHECK(stun_msg_decode(&msg, rfc5769_request_lt, sizeof(rfc5769_request_lt)) == 0,
	      "5769 2.4 decodes");
	CHECK_EQ_INT(auth_ltc_begin(&msg, RFC5769_LT_REALM, &nk_plain, &client, T0, &rq), 438,
		     "5769 2.4 through begin: its nonce is not ours (438)");
	CHECK_EQ_INT(auth_ltc_begin(&msg, REALM, &nk_plain, &client, T0, &rq), 401,
		     "5769 2.4 against another realm: 401");
	rq = (struct auth_ltc_req){
		.user = (const uint8_t *)RFC5769_LT_USERNAME,
		.user_len = strlen(RFC5769_LT_USERNAME),
		.realm = (const uint8_t *)RFC5769_LT_REALM,
		.realm_len = strlen(RFC5769_LT_REALM),
		.alg = AUTH_KEY_MD5,
	};
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 0, "5769 2.4 verifies (MD5)");
	test_sign(&rq, key, klen, "5769 2.4");

	CHECK(stun_msg_decode(&msg, rfc8489_b1_request, sizeof(rfc8489_b1_request)) == 0,
	      "8489 B.1 decodes");
	CHECK_EQ_INT(auth_ltc_begin(&msg, RFC5769_LT_REALM, &nk_pa, &client, T0, &rq), 438,
		     "8489 B.1 through begin: 438");
	rq = (struct auth_ltc_req){
		.userhash = rfc8489_b1_userhash,
		.realm = (const uint8_t *)RFC5769_LT_REALM,
		.realm_len = strlen(RFC5769_LT_REALM),
		.alg = AUTH_KEY_SHA256,
		.integrity_sha256 = true,
	};
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 0,
		     "8489 B.1 verifies (SHA-256 key, MI-SHA256)");
	rq.alg = AUTH_KEY_MD5;
	CHECK_EQ_INT(auth_ltc_verify(&msg, &rq, &k, &key, &klen), 401,
		     "8489 B.1 with the MD5 key: 401");
}

int main(void)
{
	auth_nonce_key_init(&nk_plain, 600, 0);
	auth_nonce_key_init(&nk_pa, 600, AUTH_FEATURE_PASSWORD_ALGORITHMS);
	addr_parse(&client, "192.0.2.10", 40000);
	addr_parse(&other_client, "192.0.2.11", 40000);

	test_challenge(&nk_plain, false, "no features");
	test_challenge(&nk_pa, true, "password algorithms");
	test_errors();
	test_md5();
	test_sha256();
	test_bid_down();
	test_vectors();
	CHECK_EQ_INT(build_failures, 0, "every test request encoded and decoded");
	return tap_done();
}
