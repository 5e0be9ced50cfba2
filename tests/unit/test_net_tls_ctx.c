/* The TLS context set: real handshakes in memory (a client SSL and the set's server SSL
 * joined by a BIO pair) for versions, SNI certificate choice (exact, wildcard, default),
 * ALPN, session resumption by ticket across sets and key rotations, the ClientHello record
 * of handshakes that fail; load errors; certificate log lines; DTLS; reference counts. */
#include "net/tls_ctx.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "tap.h"
#include "tls_tesths.h"
#include "tls_testpki.h"

static struct pki pki;
static struct tls_tickets *tickets;

/* Paths inside the PKI directory (a few live at once). */
static const char *at(const char *name)
{
	static char bufs[16][128];
	static int next;
	char *b = bufs[next++ % 16];

	snprintf(b, sizeof(bufs[0]), "%s/%s", pki.dir, name);
	return b;
}

static SSL_CTX *client_ctx(int minv, int maxv)
{
	return hs_client_ctx(pki.ca, minv, maxv);
}

/* The options every test starts from: turn.test by default, other.test, *.wild.test (5
 * days left) and x.wild.test by SNI. */
static struct tls_cert_spec specs[3];

static struct tls_ctx_opts base_opts(void)
{
	specs[0] = (struct tls_cert_spec){"*.wild.test", at("wild.pem"), at("wild.key")};
	specs[1] = (struct tls_cert_spec){"other.test", at("other.pem"), at("other.key")};
	specs[2] = (struct tls_cert_spec){"x.wild.test", at("xwild.pem"), at("xwild.key")};
	return (struct tls_ctx_opts){
		.cert = at("turn.pem"), .pkey = at("turn.key"), .certs = specs, .ncerts = 3};
}

static int make_pki(void)
{
	static const struct {
		const char *name;
		struct pki_cert c;
		const char *pwd;
	} leaves[] = {
		{"turn", {"turn.test", "DNS:turn.test,IP:127.0.0.1", 90, false}, "s3cret"},
		{"other", {"other.test", "DNS:other.test", 90, false}, NULL},
		{"wild", {"*.wild.test", "DNS:*.wild.test", 5, false}, NULL},
		{"xwild", {"x.wild.test", "DNS:x.wild.test", 90, false}, NULL},
		{"old", {"old.test", "DNS:old.test", -1, false}, NULL},
		{"rsa", {"rsa.test", "DNS:rsa.test", 90, true}, NULL},
	};
	size_t i;

	if (pki_init(&pki) != 0)
		return -1;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if (pki_leaf(&pki, leaves[i].name, &leaves[i].c, leaves[i].pwd) != 0)
			return -1;
	}
	return pki_dh(&pki, "dh.pem");
}

static void test_versions(void)
{
	struct tls_ctx_opts o = base_opts();
	struct tls_ctxset *set, *only13;
	char err[TLS_CTX_ERR_MAX];
	struct hs h = {0};

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &set, err), 0, "set built (%s)", err);
	o.no_tlsv1_2 = true;
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &only13, err), 0, "TLS 1.3-only set built");

	h = (struct hs){.cctx = client_ctx(TLS1_1_VERSION, TLS1_1_VERSION),
			.set = set,
			.sni = "other.test"};
	hs_run(&h);
	CHECK(!h.ok, "TLS 1.1 client refused");
	CHECK(strstr(h.serr, "unsupported protocol") != NULL, "reason: %s", h.serr);
	CHECK_EQ_INT(tls_ssl_offered_version(h.s), 0x0302, "failed handshake: offered TLS 1.1");
	CHECK(tls_ssl_sni(h.s) && strcmp(tls_ssl_sni(h.s), "other.test") == 0,
	      "failed handshake: SNI other.test recorded");
	hs_end(&h);
	SSL_CTX_free(h.cctx);

	h = (struct hs){.cctx = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION), .set = set};
	hs_run(&h);
	CHECK(h.ok && SSL_version(h.s) == TLS1_2_VERSION, "TLS 1.2 client accepted");
	CHECK_EQ_INT(tls_ssl_offered_version(h.s), 0x0303, "offered TLS 1.2");
	CHECK(tls_ssl_sni(h.s) == NULL, "no SNI recorded");
	hs_end(&h);
	h.set = only13;
	hs_run(&h);
	CHECK(!h.ok, "no_tlsv1_2: TLS 1.2 client refused (%s)", h.serr);
	CHECK_EQ_INT(tls_ssl_offered_version(h.s), 0x0303, "no_tlsv1_2: offered TLS 1.2 recorded");
	hs_end(&h);
	SSL_CTX_free(h.cctx);

	h = (struct hs){.cctx = client_ctx(TLS1_2_VERSION, 0), .set = set, .sni = "turn.test"};
	hs_run(&h);
	CHECK(h.ok && SSL_version(h.s) == TLS1_3_VERSION, "TLS 1.3 client accepted");
	CHECK_EQ_INT(tls_ssl_offered_version(h.s), 0x0304, "offered TLS 1.3 (supported_versions)");
	CHECK(tls_ssl_sni(h.s) && strcmp(tls_ssl_sni(h.s), "turn.test") == 0, "SNI recorded");
	hs_end(&h);
	h.set = only13;
	hs_run(&h);
	CHECK(h.ok && SSL_version(h.s) == TLS1_3_VERSION, "no_tlsv1_2: TLS 1.3 client accepted");
	hs_end(&h);
	SSL_CTX_free(h.cctx);

	h = (struct hs){.cctx = SSL_CTX_new(TLS_client_method()), .set = set};
	SSL_CTX_set_verify(h.cctx, SSL_VERIFY_PEER, NULL);
	hs_run(&h);
	CHECK(!h.ok && strstr(h.serr, "alert unknown ca") != NULL,
	      "client refusing the certificate: the server names its alert: %s", h.serr);
	hs_end(&h);
	SSL_CTX_free(h.cctx);
	CHECK(strcmp(tls_ssl_error(h.serr, sizeof(h.serr)), "unknown") == 0,
	      "empty error queue: unknown");

	h.s = tls_ctxset_ssl(set);
	CHECK(tls_ssl_offered_version(h.s) == 0 && tls_ssl_sni(h.s) == NULL,
	      "before any ClientHello: version 0, no SNI");
	SSL_free(h.s);
	tls_ctxset_unref(only13);
	tls_ctxset_unref(set);
}

static void test_sni(void)
{
	static const struct {
		const char *sni, *cn;
	} cases[] = {
		{NULL, "turn.test"},
		{"other.test", "other.test"},
		{"OTHER.test", "other.test"},
		{"unknown.test", "turn.test"},
		{"a.wild.test", "*.wild.test"},
		{"x.wild.test", "x.wild.test"}, /* the exact entry wins over the wildcard */
		{"wild.test", "turn.test"},
		{"a.b.wild.test", "turn.test"},
	};
	struct tls_ctx_opts o = base_opts();
	struct tls_ctxset *set;
	char err[TLS_CTX_ERR_MAX];
	struct hs h = {.cctx = client_ctx(TLS1_2_VERSION, 0)};
	size_t i;

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &set, err), 0, "set built");
	h.set = set;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h.sni = cases[i].sni;
		hs_run(&h);
		CHECK(h.ok && hs_cert_is(&h, cases[i].cn), "SNI %s gets %s",
		      cases[i].sni ? cases[i].sni : "(none)", cases[i].cn);
		hs_end(&h);
	}
	/* TLS 1.2 as well: the ServerHello's certificate comes from the switched context. */
	SSL_CTX_set_max_proto_version(h.cctx, TLS1_2_VERSION);
	h.sni = "other.test";
	hs_run(&h);
	CHECK(h.ok && hs_cert_is(&h, "other.test"), "TLS 1.2: SNI other.test gets other.test");
	hs_end(&h);
	SSL_CTX_free(h.cctx);
	tls_ctxset_unref(set);
}

static void test_alpn(void)
{
	static const struct {
		const char *offer, *want;
	} cases[] = {
		{"\x09stun.turn", "stun.turn"},
		{"\x12stun.nat-discovery", "stun.nat-discovery"},
		{"\x02h2\x12stun.nat-discovery\x09stun.turn", "stun.turn"},
		{"\x02h2", NULL},
		{NULL, NULL},
	};
	struct tls_ctx_opts o = base_opts();
	struct tls_ctxset *set;
	char err[TLS_CTX_ERR_MAX];
	struct hs h = {.cctx = client_ctx(TLS1_2_VERSION, 0)};
	size_t i;

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &set, err), 0, "set built");
	h.set = set;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h.alpn = cases[i].offer;
		hs_run(&h);
		CHECK(h.ok && hs_alpn_is(&h, cases[i].want), "ALPN offer %zu: %s selected", i,
		      cases[i].want ? cases[i].want : "none");
		hs_end(&h);
	}
	h.alpn = "\x09stun.turn";
	h.sni = "other.test";
	hs_run(&h);
	CHECK(h.ok && hs_alpn_is(&h, "stun.turn"), "ALPN after an SNI switch");
	hs_end(&h);
	SSL_CTX_free(h.cctx);
	tls_ctxset_unref(set);
}

/* A full handshake on set a, then a resumption attempt on set b with the ticket. */
static int resume_across(SSL_CTX *cctx, struct tls_ctxset *a, struct tls_ctxset *b,
			 struct tls_tickets *rotate, int nrot)
{
	struct hs h = {.cctx = cctx, .set = a};
	SSL_SESSION *sess;
	int reused;

	hs_run(&h);
	if (!h.ok || SSL_session_reused(h.c) || h.sess == NULL)
		return -1;
	sess = h.sess;
	h.sess = NULL;
	hs_end(&h);
	while (nrot-- > 0)
		tls_tickets_rotate(rotate);
	h = (struct hs){.cctx = cctx, .set = b, .resume = sess};
	hs_run(&h);
	reused = h.ok ? SSL_session_reused(h.c) && SSL_session_reused(h.s) : -1;
	hs_end(&h);
	SSL_SESSION_free(sess);
	return reused;
}

static void test_tickets(void)
{
	struct tls_ctx_opts o = base_opts();
	struct tls_ctxset *a, *b, *c;
	struct tls_tickets *other;
	char err[TLS_CTX_ERR_MAX];
	SSL_CTX *c13 = client_ctx(TLS1_3_VERSION, 0),
		*c12 = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);

	CHECK_EQ_INT(tls_tickets_new(0, &other), 0, "second ticket key ring");
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &a, err), 0, "set a");
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &b, err), 0, "set b (a reload), same tickets");
	CHECK_EQ_INT(tls_ctxset_new(&o, other, &c, err), 0, "set c, other tickets");
	CHECK_EQ_INT(resume_across(c13, a, a, NULL, 0), 1, "TLS 1.3: resumed on the same set");
	CHECK_EQ_INT(resume_across(c13, a, b, NULL, 0), 1, "TLS 1.3: resumed after a reload");
	CHECK_EQ_INT(resume_across(c13, a, c, NULL, 0), 0, "TLS 1.3: other keys: full handshake");
	CHECK_EQ_INT(resume_across(c12, a, b, NULL, 0), 1, "TLS 1.2: resumed after a reload");
	CHECK_EQ_INT(resume_across(c12, a, c, NULL, 0), 0, "TLS 1.2: other keys: full handshake");
	CHECK_EQ_INT(resume_across(c13, a, b, tickets, 1), 1, "TLS 1.3: previous key still opens");
	CHECK_EQ_INT(resume_across(c12, a, b, tickets, 1), 1, "TLS 1.2: previous key still opens");
	CHECK_EQ_INT(resume_across(c13, a, b, tickets, 2), 0,
		     "TLS 1.3: dropped key: full handshake");
	CHECK_EQ_INT(resume_across(c12, a, b, tickets, 2), 0,
		     "TLS 1.2: dropped key: full handshake");
	tls_ctxset_unref(a);
	tls_ctxset_unref(b);
	tls_ctxset_unref(c);
	tls_tickets_free(other);
	SSL_CTX_free(c13);
	SSL_CTX_free(c12);
}

/* TLS 1.2 (RFC 5077 §3.3): a ticket opened with the current key is kept; one opened with
 * the previous key is replaced by a new ticket. */
static bool ticket_eq(SSL_SESSION *a, SSL_SESSION *b)
{
	const unsigned char *ta, *tb;
	size_t la, lb;

	SSL_SESSION_get0_ticket(a, &ta, &la);
	SSL_SESSION_get0_ticket(b, &tb, &lb);
	return la == lb && la > 0 && memcmp(ta, tb, la) == 0;
}

static void test_ticket_renew(void)
{
	struct tls_ctx_opts o = base_opts();
	SSL_CTX *c12 = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);
	struct hs h = {.cctx = c12};
	char err[TLS_CTX_ERR_MAX];
	SSL_SESSION *first;

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &h.set, err), 0, "set built");
	hs_run(&h);
	first = h.sess;
	h.sess = NULL;
	hs_end(&h);
	h.resume = first;
	hs_run(&h);
	CHECK(h.ok && SSL_session_reused(h.c) && h.sess && ticket_eq(h.sess, first),
	      "TLS 1.2: current key: resumed, ticket kept");
	hs_end(&h);
	tls_tickets_rotate(tickets);
	hs_run(&h);
	CHECK(h.ok && SSL_session_reused(h.c) && h.sess && !ticket_eq(h.sess, first),
	      "TLS 1.2: previous key: resumed, new ticket issued");
	hs_end(&h);
	SSL_SESSION_free(first);
	tls_ctxset_unref(h.set);
	SSL_CTX_free(c12);
}

/* The key name a fresh TLS 1.2 ticket from h's set carries (libssl's ticket layout: key
 * name first). */
static bool ticket_name(struct hs *h, unsigned char name[16])
{
	const unsigned char *t = NULL;
	size_t len = 0;

	hs_run(h);
	if (h->ok && h->sess)
		SSL_SESSION_get0_ticket(h->sess, &t, &len);
	if (len >= 16)
		memcpy(name, t, 16);
	hs_end(h);
	return len >= 16;
}

/* Rotation on the clock, checked lazily when a ticket is made. */
static void test_ticket_clock(void)
{
	struct tls_ctx_opts o = base_opts();
	struct hs h = {.cctx = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION)};
	struct timespec pause = {1, 100 * 1000 * 1000};
	unsigned char n1[16], n2[16], n3[16];
	char err[TLS_CTX_ERR_MAX];
	struct tls_tickets *t;

	CHECK(tls_tickets_new(8 * 24 * 3600, &t) == -EINVAL, "rotation over 7 days refused");
	CHECK_EQ_INT(tls_tickets_new(1, &t), 0, "keys rotated every second");
	CHECK_EQ_INT(tls_ctxset_new(&o, t, &h.set, err), 0, "set built");
	CHECK(ticket_name(&h, n1) && ticket_name(&h, n2) && memcmp(n1, n2, 16) == 0,
	      "within a period: the same key");
	nanosleep(&pause, NULL);
	CHECK(ticket_name(&h, n3) && memcmp(n1, n3, 16) != 0, "a period later: a new key");
	tls_ctxset_unref(h.set);
	tls_tickets_free(t);
	SSL_CTX_free(h.cctx);
}

/* Workers handshaking and resuming on one set while the keys rotate. */
#define THREAD_ROUNDS 12

struct worker_run {
	struct tls_ctxset *set;
	SSL_CTX *cctx;
	int done, resumed;
};

static void *worker_main(void *arg)
{
	struct worker_run *w = arg;
	struct hs h = {.cctx = w->cctx, .set = w->set};
	SSL_SESSION *sess = NULL;
	int i;

	for (i = 0; i < THREAD_ROUNDS; i++) {
		h.resume = sess;
		hs_run(&h);
		w->done += h.ok;
		w->resumed += h.ok && SSL_session_reused(h.c);
		SSL_SESSION_free(sess);
		sess = h.sess;
		h.sess = NULL;
		hs_end(&h);
	}
	SSL_SESSION_free(sess);
	return NULL;
}

static void test_threads(void)
{
	struct tls_ctx_opts o = base_opts();
	struct timespec pause = {0, 5 * 1000 * 1000};
	struct worker_run w[2];
	pthread_t th[2];
	char err[TLS_CTX_ERR_MAX];
	struct tls_ctxset *set;
	int i;

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &set, err), 0, "set built");
	for (i = 0; i < 2; i++) {
		w[i] = (struct worker_run){.set = set, .cctx = client_ctx(TLS1_2_VERSION, 0)};
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		nanosleep(&pause, NULL);
		tls_tickets_rotate(tickets);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CHECK(w[i].done == THREAD_ROUNDS && w[i].resumed > 0,
		      "thread %d: %d handshakes, %d resumed, keys rotating meanwhile", i, w[i].done,
		      w[i].resumed);
		SSL_CTX_free(w[i].cctx);
	}
	tls_ctxset_unref(set);
}

/* Expects tls_ctxset_new to fail with rc and an err naming what. */
static void expect_fail(const struct tls_ctx_opts *o, int rc, const char *what, const char *desc)
{
	struct tls_ctxset *set = NULL;
	char err[TLS_CTX_ERR_MAX];
	int got = tls_ctxset_new(o, tickets, &set, err);

	CHECK(got == rc && set == NULL && strstr(err, what) != NULL, "%s: %d \"%s\"", desc, got,
	      err);
	if (got == 0)
		tls_ctxset_unref(set);
}

static void test_errors(void)
{
	struct tls_ctx_opts o = base_opts();
	struct tls_cert_spec bad[1];

	o.cert = at("nope.pem");
	expect_fail(&o, -ENOENT, "nope.pem", "missing cert file");
	o = base_opts();
	o.pkey = at("other.key");
	expect_fail(&o, -EINVAL, "other.key", "key of another certificate");
	o.pkey = at("nope.key");
	expect_fail(&o, -ENOENT, "nope.key", "missing key file");
	o = base_opts();
	o.cipher_list = "NOPE-CIPHER";
	expect_fail(&o, -EINVAL, "NOPE-CIPHER", "bad cipher-list");
	o = base_opts();
	o.ec_curve = "nocurve";
	expect_fail(&o, -EINVAL, "nocurve", "bad ec-curve-name");
	o = base_opts();
	o.dh_file = at("nope-dh.pem");
	expect_fail(&o, -ENOENT, "nope-dh.pem", "missing dh-file");
	o.dh_file = at("turn.pem");
	expect_fail(&o, -EINVAL, "turn.pem", "dh-file without DH parameters");
	o = base_opts();
	bad[0] = (struct tls_cert_spec){"bad.test", at("other.pem"), at("missing.key")};
	o.certs = bad;
	o.ncerts = 1;
	expect_fail(&o, -ENOENT, "missing.key", "tls-certs entry with a missing key");
	bad[0].sni = NULL;
	expect_fail(&o, -EINVAL, "sni", "tls-certs entry without sni");
	o = base_opts();
	o.cert = NULL;
	expect_fail(&o, -EINVAL, "cert", "no cert");
}

static void test_pkey_pwd(void)
{
	struct tls_ctx_opts o = base_opts();
	struct hs h = {.cctx = client_ctx(TLS1_2_VERSION, 0)};
	char err[TLS_CTX_ERR_MAX];

	o.pkey = at("turn.enc.key");
	expect_fail(&o, -EINVAL, "turn.enc.key", "encrypted key without pkey-pwd");
	o.pkey_pwd = "wrong";
	expect_fail(&o, -EINVAL, "turn.enc.key", "encrypted key, wrong pkey-pwd");
	o.pkey_pwd = "s3cret";
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &h.set, err), 0, "right pkey-pwd (%s)", err);
	hs_run(&h);
	CHECK(h.ok && hs_cert_is(&h, "turn.test"), "handshake with the decrypted key");
	hs_end(&h);
	tls_ctxset_unref(h.set);
	o = base_opts();
	o.cert = at("turn.both.pem");
	o.pkey = NULL;
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &h.set, err), 0, "key in the cert file (%s)", err);
	hs_run(&h);
	CHECK(h.ok && hs_cert_is(&h, "turn.test"), "handshake with it");
	hs_end(&h);
	tls_ctxset_unref(h.set);
	SSL_CTX_free(h.cctx);
}

/* dh-file with a DHE cipher-list (RSA certificate), ec-curve-name. */
static void test_params(void)
{
	struct tls_ctx_opts o = {.cert = at("rsa.pem"), .pkey = at("rsa.key")};
	struct hs h = {.cctx = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION)};
	char err[TLS_CTX_ERR_MAX];

	o.dh_file = at("dh.pem");
	o.cipher_list = "DHE-RSA-AES128-GCM-SHA256";
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &h.set, err), 0, "dh-file and cipher-list (%s)",
		     err);
	hs_run(&h);
	CHECK(h.ok && strcmp(SSL_get_cipher_name(h.c), "DHE-RSA-AES128-GCM-SHA256") == 0,
	      "TLS 1.2 with DHE from dh-file: %s", h.ok ? SSL_get_cipher_name(h.c) : h.serr);
	hs_end(&h);
	tls_ctxset_unref(h.set);
	SSL_CTX_free(h.cctx);

	o = base_opts();
	o.ec_curve = "P-256";
	h.cctx = client_ctx(TLS1_2_VERSION, 0);
	SSL_CTX_set1_groups_list(h.cctx, "X25519:P-256");
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &h.set, err), 0, "ec-curve-name P-256");
	hs_run(&h);
	CHECK(h.ok && SSL_get_negotiated_group(h.s) == NID_X9_62_prime256v1,
	      "TLS 1.3 key exchange on P-256 although the client prefers X25519");
	hs_end(&h);
	tls_ctxset_unref(h.set);
	SSL_CTX_free(h.cctx);
}

/* A connection's SSL made while a worker held the set, the worker's reference dropped (a
 * reload), the connection holding its own reference per the contract until it closes. */
static void test_refcount(void)
{
	struct tls_ctx_opts o = base_opts();
	struct hs h = {.cctx = client_ctx(TLS1_2_VERSION, 0), .sni = "other.test"};
	struct tls_ctxset *worker, *conn;
	char err[TLS_CTX_ERR_MAX];

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &worker, err), 0, "set built");
	conn = tls_ctxset_ref(worker);
	CHECK(conn == worker, "ref returns the set");
	h.s = tls_ctxset_ssl(conn);
	tls_ctxset_unref(worker);
	hs_run(&h);
	CHECK(h.ok && hs_cert_is(&h, "other.test"), "handshake (SNI switch) after the last "
						    "external reference went away");
	hs_end(&h);
	tls_ctxset_unref(conn);
	tls_ctxset_unref(NULL);
	CHECK(1, "unref of NULL is a no-op");
	SSL_CTX_free(h.cctx);
}

/* DTLS cookies as DTLS code would add them through tls_ctxset_dtls_ctx (a fixed cookie
 * here: what matters is that libssl asks for it and checks it). */
static int cookie_gens, cookie_verifies;

static int cookie_gen(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
	cookie_gens++;
	memcpy(cookie, "cookie", 6);
	*len = 6;
	return 1;
}

static int cookie_verify(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
	cookie_verifies++;
	return len == 6 && memcmp(cookie, "cookie", 6) == 0;
}

static void test_dtls_handshake(struct tls_ctxset *set)
{
	struct hs h = {.cctx = SSL_CTX_new(DTLS_client_method()), .set = set};

	X509_STORE_add_cert(SSL_CTX_get_cert_store(h.cctx), pki.ca);
	SSL_CTX_set_verify(h.cctx, SSL_VERIFY_PEER, NULL);
	h.s = tls_ctxset_dtls_ssl(set);
	h.sni = "other.test";
	h.alpn = "\x09stun.turn";
	hs_run(&h);
	CHECK(h.ok && SSL_version(h.s) == DTLS1_2_VERSION && hs_cert_is(&h, "other.test") &&
		      hs_alpn_is(&h, "stun.turn"),
	      "DTLS 1.2 handshake: SNI other.test gets other.test, ALPN stun.turn (%s)", h.serr);
	CHECK_EQ_INT(tls_ssl_offered_version(h.s), 0xFEFD, "DTLS: offered DTLS 1.2");
	hs_end(&h);
	SSL_CTX_set_cookie_generate_cb(tls_ctxset_dtls_ctx(set), cookie_gen);
	SSL_CTX_set_cookie_verify_cb(tls_ctxset_dtls_ctx(set), cookie_verify);
	h.s = tls_ctxset_dtls_ssl(set);
	SSL_set_options(h.s, SSL_OP_COOKIE_EXCHANGE);
	hs_run(&h);
	CHECK(h.ok && hs_cert_is(&h, "other.test") && cookie_gens == 1 && cookie_verifies == 1,
	      "DTLS with the caller's cookie exchange and SNI (%s)", h.serr);
	hs_end(&h);
	SSL_CTX_free(h.cctx);
}

static void test_dtls(void)
{
	struct tls_ctx_opts o = base_opts();
	struct tls_ctxset *set;
	char err[TLS_CTX_ERR_MAX];
	SSL_CTX *ctx;
	SSL *ssl;

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &set, err), 0, "set without dtls");
	CHECK(tls_ctxset_dtls_ssl(set) == NULL && tls_ctxset_dtls_ctx(set) == NULL,
	      "no DTLS SSL or context without dtls");
	tls_ctxset_unref(set);
	o.dtls = true;
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &set, err), 0, "set with dtls");
	ssl = tls_ctxset_dtls_ssl(set);
	ctx = tls_ctxset_dtls_ctx(set);
	CHECK(ssl != NULL && SSL_is_dtls(ssl) && SSL_is_server(ssl), "DTLS server SSL");
	CHECK(ctx != NULL && SSL_CTX_get_min_proto_version(ctx) == DTLS1_2_VERSION &&
		      SSL_CTX_get_max_proto_version(ctx) == DTLS1_2_VERSION,
	      "DTLS context: DTLS 1.2 only");
	CHECK(ctx && (SSL_CTX_get_options(ctx) & SSL_OP_COOKIE_EXCHANGE) == 0,
	      "cookie exchange left to the caller");
	SSL_free(ssl);
	test_dtls_handshake(set);
	tls_ctxset_unref(set);
}

/* OpenSSL's allocations, counted (CRYPTO_set_mem_functions, before any other call; atomic:
 * test_threads allocates from two threads). */
static _Atomic long mem_live;

static void *mem_malloc(size_t n, const char *file, int line)
{
	size_t *p = malloc(n + 16);

	if (p == NULL)
		return NULL;
	p[0] = n;
	mem_live += (long)n;
	return (char *)p + 16;
}

static void mem_free(void *q, const char *file, int line)
{
	size_t *p = q ? (size_t *)((char *)q - 16) : NULL;

	if (p == NULL)
		return;
	mem_live -= (long)p[0];
	free(p);
}

static void *mem_realloc(void *q, size_t n, const char *file, int line)
{
	size_t *p, old;

	if (q == NULL)
		return mem_malloc(n, file, line);
	if (n == 0) {
		mem_free(q, file, line);
		return NULL;
	}
	old = ((size_t *)((char *)q - 16))[0];
	p = realloc((char *)q - 16, n + 16);
	if (p == NULL)
		return NULL;
	p[0] = n;
	mem_live += (long)n - (long)old;
	return (char *)p + 16;
}

/* An established, idle server connection holds no record buffers (SSL_MODE_RELEASE_BUFFERS):
 * what its SSL keeps after the handshake, the client gone, is measured (OpenSSL 3.0: about
 * 13 KiB with the buffers released, 46 KiB without). */
static void test_memory(void)
{
	struct tls_ctx_opts o = base_opts();
	struct hs h = {.cctx = client_ctx(TLS1_2_VERSION, 0), .sni = "other.test"};
	char err[TLS_CTX_ERR_MAX];
	BIO *bc = NULL, *bs = NULL;
	long base;

	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &h.set, err), 0, "set built");
	BIO_new_bio_pair(&bc, 4096, &bs, 4096);
	base = mem_live;
	h.c = SSL_new(h.cctx);
	h.s = tls_ctxset_ssl(h.set);
	SSL_set_bio(h.c, bc, bc);
	SSL_set_bio(h.s, bs, bs);
	SSL_set_connect_state(h.c);
	SSL_set_tlsext_host_name(h.c, h.sni);
	hs_pump(&h);
	CHECK(h.ok, "handshake");
	SSL_free(h.c);
	SSL_SESSION_free(h.sess);
	h.c = NULL;
	h.sess = NULL;
	/* The client's BIO and its 4096-byte buffer were made before base. */
	printf("# idle TLS 1.3 server connection: %ld bytes\n", mem_live - base + 4096);
	CHECK(mem_live - base + 4096 < 16 * 1024, "an idle connection holds under 16 KiB");
	SSL_free(h.s);
	tls_ctxset_unref(h.set);
	SSL_CTX_free(h.cctx);
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_log(void)
{
	struct tls_ctx_opts o = {.cert = at("old.pem"), .pkey = at("old.key")};
	struct tls_cert_spec bad = {"bad.test", at("other.pem"), at("missing.key")};
	struct tls_ctxset *set;
	char err[TLS_CTX_ERR_MAX], *log;
	size_t before;

	log = tap_slurp(at("tern.log"));
	before = count(log, "tls certificate sni=");
	CHECK(strstr(log, "INFO tls: tls certificate sni=default subject=\"CN=turn.test\" "
			  "sans=\"DNS:turn.test,IP:127.0.0.1\" not_after=2") != NULL,
	      "certificate line: subject, SANs, notAfter");
	CHECK(strstr(log, "WARN tls: tls certificate expires soon sni=*.wild.test "
			  "subject=\"CN=*.wild.test\" not_after=") != NULL,
	      "warning for the certificate 5 days from notAfter");
	CHECK(strstr(log, "expires soon sni=default") == NULL &&
		      strstr(log, "expires soon sni=other.test") == NULL,
	      "no warning for 90 days");
	free(log);
	CHECK_EQ_INT(tls_ctxset_new(&o, tickets, &set, err), 0, "expired certificate loads");
	tls_ctxset_unref(set);
	o.certs = &bad;
	o.ncerts = 1;
	CHECK(tls_ctxset_new(&o, tickets, &set, err) < 0, "set with a bad entry fails");
	log = tap_slurp(at("tern.log"));
	CHECK(strstr(log,
		     "WARN tls: tls certificate expired sni=default subject=\"CN=old.test\"") !=
		      NULL,
	      "warning for the expired certificate");
	CHECK_EQ_INT(count(log, "tls certificate sni="), before + 1,
		     "a set that fails logs no certificate");
	free(log);
}

int main(void)
{
	CRYPTO_set_mem_functions(mem_malloc, mem_realloc, mem_free);
	if (make_pki() != 0) {
		printf("Bail out! test PKI not made\n");
		return 1;
	}
	if (log_open(pki_path(&pki, "tern.log"), false, LOG_LVL_INFO) != 0 ||
	    tls_tickets_new(0, &tickets) != 0) {
		printf("Bail out! no ticket keys\n");
		return 1;
	}
	test_versions();
	test_sni();
	test_alpn();
	test_tickets();
	test_ticket_renew();
	test_ticket_clock();
	test_threads();
	test_errors();
	test_pkey_pwd();
	test_params();
	test_refcount();
	test_memory();
	test_dtls();
	test_log();
	tls_tickets_free(tickets);
	log_close();
	pki_free(&pki);
	return tap_done();
}
