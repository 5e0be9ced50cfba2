/* net/tls_rec.c and net/tls_keys.c against OpenSSL's own record layer: after a real
 * handshake (TLS 1.2 and 1.3, each AEAD suite, full and resumed), the server's SSL gives
 * its keys away and records sealed by tls_rec are read by the client's SSL, and the
 * client's records are opened by tls_rec: sequence numbers, KeyUpdate both ways, alerts,
 * tampering and malformed headers. */
#include "net/tls_rec.h"

#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/tls_keys.h"
#include "tap.h"

static SSL_CTX *sctx, *cctx;
static struct crypto_aead *aead;

/* A self-signed P-256 server certificate. */
static int make_server_ctx(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	int ok;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"tern.test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	sctx = SSL_CTX_new(TLS_server_method());
	ok = sctx && SSL_CTX_use_certificate(sctx, x) == 1 &&
	     SSL_CTX_use_PrivateKey(sctx, k) == 1 && tls_keys_watch(sctx) == 0;
	SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(sctx, SSL_MODE_RELEASE_BUFFERS);
	X509_free(x);
	EVP_PKEY_free(k);
	cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
	return ok && cctx ? 0 : -1;
}

/* A client and a server joined by memory BIOs (each side's output moved by hand). */
struct pair {
	SSL *c, *s;
	BIO *c_in, *c_out, *s_in, *s_out;
};

static void move(BIO *from, BIO *to)
{
	char buf[4096];
	int n;

	while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
		BIO_write(to, buf, n);
}

/* Handshakes; the client writes "early" as soon as its side finished, before the server
 * read its Finished, so the server's input holds an application record at the end. */
static int pair_open(struct pair *p, int version, const char *suite, SSL_SESSION *resume)
{
	int i, cdone = 0, sdone = 0, wrote = 0;

	memset(p, 0, sizeof(*p));
	p->c = SSL_new(cctx);
	p->s = SSL_new(sctx);
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	p->s_in = BIO_new(BIO_s_mem());
	p->s_out = BIO_new(BIO_s_mem());
	SSL_set_bio(p->c, p->c_in, p->c_out);
	SSL_set_bio(p->s, p->s_in, p->s_out);
	SSL_set_min_proto_version(p->c, version);
	SSL_set_max_proto_version(p->c, version);
	if (version == TLS1_3_VERSION)
		SSL_set_ciphersuites(p->c, suite);
	else
		SSL_set_cipher_list(p->c, suite);
	if (resume)
		SSL_set_session(p->c, resume);
	SSL_set_connect_state(p->c);
	SSL_set_accept_state(p->s);
	for (i = 0; i < 20 && !(cdone && sdone); i++) {
		cdone = cdone || SSL_do_handshake(p->c) == 1;
		if (cdone && !wrote)
			wrote = SSL_write(p->c, "early", 5) == 5;
		move(p->c_out, p->s_in);
		sdone = sdone || SSL_do_handshake(p->s) == 1;
		move(p->s_out, p->c_in);
	}
	ERR_clear_error();
	return cdone && sdone && wrote ? 0 : -1;
}

static void pair_close(struct pair *p)
{
	SSL_free(p->c);
	SSL_free(p->s);
}

/* The next whole record in the server's input (pending bytes of s_in). */
static int next_record(struct pair *p, const struct tls_rec *r, uint8_t *buf, size_t *len)
{
	size_t n;

	if (BIO_read(p->s_in, buf, TLS_REC_HDR_LEN) != TLS_REC_HDR_LEN)
		return -1;
	if (tls_rec_length(r, buf, &n) < 0)
		return -1;
	if (BIO_read(p->s_in, buf + TLS_REC_HDR_LEN, (int)(n - TLS_REC_HDR_LEN)) !=
	    (int)(n - TLS_REC_HDR_LEN))
		return -1;
	*len = n;
	return 0;
}

/* Opens the next client record; 0 when it is type with payload want. */
static int expect_open(struct pair *p, struct tls_rec *r, uint8_t type, const void *want,
		       size_t wlen)
{
	static uint8_t buf[TLS_REC_PLAIN_MAX + 2048 + TLS_REC_HDR_LEN];
	size_t len, off, n;
	uint8_t t;

	if (next_record(p, r, buf, &len) < 0 || tls_rec_open(r, aead, buf, len, &t, &off, &n) < 0)
		return -1;
	return t == type && n == wlen && memcmp(buf + off, want, wlen) == 0 ? 0 : -1;
}

/* Seals msg and has the client's SSL read it; 0 when it reads back the same. */
static int expect_client_reads(struct pair *p, struct tls_rec *r, const void *msg, size_t len)
{
	static uint8_t rec[TLS_REC_PLAIN_MAX + TLS_REC_OVERHEAD_MAX];
	static uint8_t got[TLS_REC_PLAIN_MAX];
	int n = tls_rec_seal(r, aead, TLS_REC_APPLICATION_DATA, msg, len, rec), m;

	if (n != (int)(len + tls_rec_overhead(r)))
		return -1;
	BIO_write(p->c_in, rec, n);
	m = SSL_read(p->c, got, sizeof(got));
	ERR_clear_error();
	return m == (int)len && memcmp(got, msg, len) == 0 ? 0 : -1;
}

/* Has the client write msg; 0 when tls_rec opens it. */
static int expect_server_reads(struct pair *p, struct tls_rec *r, const void *msg, size_t len)
{
	if (SSL_write(p->c, msg, (int)len) != (int)len)
		return -1;
	move(p->c_out, p->s_in);
	return expect_open(p, r, TLS_REC_APPLICATION_DATA, msg, len);
}

static void test_exchange(struct pair *p, struct tls_rec *r, const char *what)
{
	static uint8_t big[TLS_REC_PLAIN_MAX];
	int i, bad = 0;

	CHECK(expect_open(p, r, TLS_REC_APPLICATION_DATA, "early", 5) == 0,
	      "%s: the record that followed the client's Finished opens", what);
	CHECK(expect_client_reads(p, r, "hello", 5) == 0, "%s: the client reads a sealed record",
	      what);
	for (i = 0; i < 50; i++) {
		char m[32];
		int n = snprintf(m, sizeof(m), "msg %d", i);

		bad += expect_server_reads(p, r, m, (size_t)n) < 0;
		bad += expect_client_reads(p, r, m, (size_t)n) < 0;
	}
	CHECK_EQ_INT(bad, 0, "%s: 50 records each way, sequence numbers in step", what);
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	CHECK(expect_client_reads(p, r, big, sizeof(big)) == 0 &&
		      expect_server_reads(p, r, big, sizeof(big)) == 0,
	      "%s: a full 16384-byte record each way", what);
}

static void test_alert(struct pair *p, struct tls_rec *r, const char *what)
{
	static const uint8_t close_notify[2] = {1, 0};

	SSL_shutdown(p->c);
	move(p->c_out, p->s_in);
	CHECK(expect_open(p, r, TLS_REC_ALERT, close_notify, 2) == 0,
	      "%s: the client's close_notify opens as an alert", what);
}

static void test_tamper(struct pair *p, struct tls_rec *r, const char *what)
{
	uint8_t buf[256], copy[256];
	size_t len, off, n;
	uint8_t t;
	struct tls_rec saved = *r;

	SSL_write(p->c, "tampered", 8);
	move(p->c_out, p->s_in);
	if (next_record(p, r, buf, &len) < 0) {
		CHECK(0, "%s: a record to tamper with", what);
		return;
	}
	memcpy(copy, buf, len);
	buf[len - 1] ^= 1;
	CHECK_EQ_INT(tls_rec_open(r, aead, buf, len, &t, &off, &n), -EBADMSG,
		     "%s: a flipped tag bit is bad_record_mac", what);
	CHECK(r->rd.seq == saved.rd.seq, "%s: a failed open leaves the sequence", what);
	CHECK(tls_rec_open(r, aead, copy, len, &t, &off, &n) == 0 && n == 8,
	      "%s: the record as sent opens", what);
	test_alert(p, r, what);
}

/* TLS 1.3 KeyUpdate both ways (RFC 8446 §4.6.3). */
static void test_key_update(struct pair *p, struct tls_rec *r, const char *what)
{
	static const uint8_t ku_requested[5] = {24, 0, 0, 1, 1}, ku_not[5] = {24, 0, 0, 1, 0};
	uint8_t rec[64];
	int n;

	SSL_key_update(p->c, SSL_KEY_UPDATE_REQUESTED);
	SSL_write(p->c, "after", 5);
	move(p->c_out, p->s_in);
	CHECK(expect_open(p, r, TLS_REC_HANDSHAKE, ku_requested, 5) == 0,
	      "%s: the client's KeyUpdate (update_requested) opens", what);
	CHECK(tls_rec_key_update(r, false) == 0 && r->rd.seq == 0, "%s: read keys updated", what);
	CHECK(expect_open(p, r, TLS_REC_APPLICATION_DATA, "after", 5) == 0,
	      "%s: the client's next record opens with the new keys", what);
	/* The answer: our own KeyUpdate under the old keys, then the new ones. */
	n = tls_rec_seal(r, aead, TLS_REC_HANDSHAKE, ku_not, 5, rec);
	BIO_write(p->c_in, rec, n);
	CHECK(tls_rec_key_update(r, true) == 0, "%s: write keys updated", what);
	CHECK(expect_client_reads(p, r, "updated", 7) == 0,
	      "%s: the client reads a record under the server's new keys", what);
}

static void test_headers(const struct tls_rec *r)
{
	uint8_t h[5] = {TLS_REC_APPLICATION_DATA, 3, 3, 0, 40};
	size_t len = 0;

	CHECK(tls_rec_length(r, h, &len) == 0 && len == 45, "a well-formed header");
	h[1] = 3, h[2] = 1;
	CHECK(tls_rec_length(r, h, &len) == -EBADMSG, "version 0x0301 refused");
	h[2] = 3, h[0] = TLS_REC_CHANGE_CIPHER_SPEC;
	CHECK(tls_rec_length(r, h, &len) == -EBADMSG, "change_cipher_spec after the handshake");
	h[0] = 99;
	CHECK(tls_rec_length(r, h, &len) == -EBADMSG, "an unknown content type");
	h[0] = TLS_REC_APPLICATION_DATA, h[3] = 0x48, h[4] = 0x01;
	CHECK(tls_rec_length(r, h, &len) == -EBADMSG, "a body over the limit");
	h[3] = 0, h[4] = 3;
	CHECK(tls_rec_length(r, h, &len) == -EBADMSG, "a body shorter than the tag");
}

struct suite {
	int version;
	const char *name;
	enum crypto_aead_alg alg;
};

static void test_suite(const struct suite *su)
{
	SSL_SESSION *sess = NULL;
	struct tls_rec_keys k;
	struct tls_rec r;
	struct pair p;
	char what[96];

	for (int resumed = 0; resumed < 2; resumed++) {
		snprintf(what, sizeof(what), "%s %s", su->name, resumed ? "resumed" : "full");
		if (pair_open(&p, su->version, su->name, sess) < 0) {
			CHECK(0, "%s: handshake", what);
			return;
		}
		CHECK(!resumed || SSL_session_reused(p.s), "%s: the handshake is what it says",
		      what);
		CHECK(tls_keys_take(p.s, &k) == 0 && k.alg == su->alg, "%s: keys taken", what);
		CHECK(tls_rec_init(&r, &k) == 0, "%s: record keys derived", what);
		if (resumed == 0)
			test_headers(&r);
		test_exchange(&p, &r, what);
		if (su->version == TLS1_3_VERSION)
			test_key_update(&p, &r, what);
		SSL_SESSION_free(sess);
		sess = SSL_get1_session(p.c);
		test_tamper(&p, &r, what);
		tls_rec_wipe(&r);
		pair_close(&p);
	}
	SSL_SESSION_free(sess);
}

static void test_not_aead(void)
{
	struct tls_rec_keys k;
	struct pair p;

	if (pair_open(&p, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256", NULL) < 0) {
		CHECK(0, "a CBC handshake");
		return;
	}
	CHECK_EQ_INT(tls_keys_take(p.s, &k), -ENOTSUP, "a CBC suite keeps its SSL (-ENOTSUP)");
	pair_close(&p);
}

int main(void)
{
	static const struct suite suites[] = {
		{TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", CRYPTO_AES128GCM},
		{TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", CRYPTO_AES256GCM},
		{TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", CRYPTO_CHACHA20POLY1305},
		{TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", CRYPTO_AES128GCM},
		{TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", CRYPTO_AES256GCM},
		{TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", CRYPTO_CHACHA20POLY1305},
	};

	if (make_server_ctx() < 0 || crypto_aead_new(&aead) < 0) {
		CHECK(0, "setup");
		return tap_done();
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		test_suite(&suites[i]);
	test_not_aead();
	crypto_aead_free(aead);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return tap_done();
}
