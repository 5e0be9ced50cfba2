/* In-memory TLS/DTLS handshakes for unit tests: a client SSL and a server SSL from a
 * context set (net/tls_ctx.h) joined by a BIO pair, stepped in turn until both finish or one
 * fails. */
#ifndef TERN_TESTS_TLS_TESTHS_H
#define TERN_TESTS_TLS_TESTHS_H

#include <stdbool.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/tls_ctx.h"

/* One handshake between a fresh client SSL and a fresh server SSL from set. */
struct hs {
	SSL_CTX *cctx;
	struct tls_ctxset *set;
	const char *sni;
	const char *alpn;     /* client's protocol list in wire format, or NULL */
	SSL_SESSION *resume;  /* offered for resumption, or NULL */
	SSL *c, *s;	      /* kept until hs_end; s made from set unless given */
	int ok;		      /* both sides completed */
	char serr[256];	      /* the server's failure (tls_ssl_error) */
	unsigned char got[8]; /* what the client read after the handshake */
	SSL_SESSION *sess;    /* the client's session after it, held */
};

static bool hs_is_fatal(SSL *ssl, int rc)
{
	int e = SSL_get_error(ssl, rc);

	return rc <= 0 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
}

/* After the handshake, the server sends "ping" and the client reads it (and, in TLS 1.3,
 * the NewSessionTicket messages before it). */
static void hs_ping(struct hs *h)
{
	int i, n = 0;

	if (SSL_write(h->s, "ping", 4) != 4) {
		h->ok = 0;
		return;
	}
	for (i = 0; i < 10 && n <= 0; i++)
		n = SSL_read(h->c, h->got, sizeof(h->got));
	h->ok = n == 4 && memcmp(h->got, "ping", 4) == 0;
	h->sess = SSL_get1_session(h->c);
}

/* Steps both sides until both finish or one fails; a client that fails (and sends an
 * alert) gives the server one more step to read it. */
static void hs_pump(struct hs *h)
{
	int i, rc, cdone = 0, sdone = 0, cfail = 0;

	for (i = 0; i < 50 && !(cdone && sdone); i++) {
		ERR_clear_error();
		rc = SSL_do_handshake(h->c);
		cdone = rc == 1;
		cfail = hs_is_fatal(h->c, rc);
		ERR_clear_error();
		rc = SSL_do_handshake(h->s);
		sdone = rc == 1;
		if (hs_is_fatal(h->s, rc)) {
			tls_ssl_error(h->serr, sizeof(h->serr));
			break;
		}
		if (cfail)
			break;
	}
	ERR_clear_error();
	if (cdone && sdone)
		hs_ping(h);
	ERR_clear_error();
}

static void hs_run(struct hs *h)
{
	BIO *bc = NULL, *bs = NULL;

	h->ok = 0;
	h->serr[0] = '\0';
	h->c = SSL_new(h->cctx);
	if (h->s == NULL)
		h->s = tls_ctxset_ssl(h->set);
	if (h->c == NULL || h->s == NULL || BIO_new_bio_pair(&bc, 0, &bs, 0) != 1)
		return;
	SSL_set_bio(h->c, bc, bc);
	SSL_set_bio(h->s, bs, bs);
	SSL_set_connect_state(h->c);
	if (SSL_is_dtls(h->c)) {
		/* A BIO pair has no path MTU to ask. */
		SSL_set_options(h->c, SSL_OP_NO_QUERY_MTU);
		SSL_set_options(h->s, SSL_OP_NO_QUERY_MTU);
		SSL_set_mtu(h->c, 1200);
		SSL_set_mtu(h->s, 1200);
	}
	if (h->sni)
		SSL_set_tlsext_host_name(h->c, h->sni);
	if (h->alpn)
		SSL_set_alpn_protos(h->c, (const unsigned char *)h->alpn, strlen(h->alpn));
	if (h->resume)
		SSL_set_session(h->c, h->resume);
	hs_pump(h);
}

static void hs_end(struct hs *h)
{
	/* A client frees a session it did not close as not resumable. */
	if (h->ok)
		SSL_shutdown(h->c);
	SSL_free(h->c);
	SSL_free(h->s);
	SSL_SESSION_free(h->sess);
	h->c = h->s = NULL;
	h->sess = NULL;
}

/* Whether the server presented the certificate whose CN is cn. */
static bool hs_cert_is(const struct hs *h, const char *cn)
{
	X509 *x = h->c ? SSL_get0_peer_certificate(h->c) : NULL;
	char buf[128] = "";

	if (x == NULL)
		return false;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof(buf));
	return strcmp(buf, cn) == 0;
}

static bool hs_alpn_is(const struct hs *h, const char *proto)
{
	const unsigned char *p = NULL;
	unsigned int n = 0;

	SSL_get0_alpn_selected(h->s, &p, &n);
	if (proto == NULL)
		return n == 0;
	return n == strlen(proto) && memcmp(p, proto, n) == 0;
}

/* A TLS client context for versions minv..maxv (0: any) that trusts ca. */
static SSL_CTX *hs_client_ctx(X509 *ca, int minv, int maxv)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	SSL_CTX_set_min_proto_version(c, minv);
	SSL_CTX_set_max_proto_version(c, maxv);
	if (minv < TLS1_2_VERSION) {
		/* So that this client really sends a TLS 1.1 ClientHello. */
		SSL_CTX_set_security_level(c, 0);
		SSL_CTX_set_cipher_list(c, "DEFAULT:@SECLEVEL=0");
	}
	X509_STORE_add_cert(SSL_CTX_get_cert_store(c), ca);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	return c;
}

#endif
