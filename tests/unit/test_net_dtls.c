/* net_server's DTLS sessions end to end on the loopback, with OpenSSL's DTLS 1.2 client
 * (which does the cookie exchange itself): the handshake verified against the test CA, a
 * Binding request answered in the session with the client's address, a certificate chosen
 * by SNI, DTLS 1.0 refused, a ClientHello without a cookie answered by a HelloVerifyRequest
 * from a plain socket, an idle session closed with close_notify, and a certificate swap
 * that new handshakes see while an established session keeps serving. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/addr.h"
#include "base/log.h"
#include "net/dtls_hello.h"
#include "net/server.h"
#include "net/tls_ctx.h"
#include "stun/enc.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "tls_testpki.h"
#include "turn/server.h"

static const uint8_t tid[STUN_TID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

struct t_env {
	struct pki pki;
	struct tls_tickets *tickets;
	struct addr dtls;
	SSL_CTX *client;
};

/* A UDP socket connected to srv, with a 3 s receive timeout. */
static int t_socket(const struct addr *srv)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {3, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, &srv->u.sa, addr_len(srv)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A DTLS session over fd, connected to srv, with SNI sni (the test CA trusted, the name
 * verified). NULL on failure. */
static SSL *t_dtls_sni(SSL_CTX *ctx, int fd, const struct addr *srv, const char *sni)
{
	SSL *ssl = SSL_new(ctx);
	BIO *bio = BIO_new_dgram(fd, BIO_NOCLOSE);

	/* BIO_ADDR is a union of the sockaddr types, as struct addr is. */
	BIO_ctrl_set_connected(bio, (const BIO_ADDR *)&srv->u);
	SSL_set_bio(ssl, bio, bio);
	SSL_set_tlsext_host_name(ssl, sni);
	SSL_set1_host(ssl, sni);
	if (SSL_connect(ssl) != 1) {
		ERR_clear_error();
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static SSL *t_dtls(SSL_CTX *ctx, int fd, const struct addr *srv)
{
	return t_dtls_sni(ctx, fd, srv, "turn.test");
}

/* Binding in the session: the XOR-MAPPED-ADDRESS is fd's own address. */
static bool t_bind(SSL *ssl, int fd)
{
	uint8_t req[64], resp[256];
	struct stun_enc e;
	struct stun_msg m;
	struct addr mapped, self;
	socklen_t sl = sizeof(self.u.ss);
	int n, r;

	stun_enc_init(&e, req, sizeof(req), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	n = stun_enc_finish(&e);
	if (SSL_write(ssl, req, n) != n || (r = SSL_read(ssl, resp, sizeof(resp))) <= 0)
		return false;
	memset(&self, 0, sizeof(self));
	getsockname(fd, &self.u.sa, &sl);
	return stun_msg_decode(&m, resp, (size_t)r) == 0 && m.cls == STUN_CLASS_SUCCESS &&
	       stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped) == 0 &&
	       addr_eq(&mapped, &self);
}

static void t_peer_cn(SSL *ssl, char *buf, size_t len)
{
	X509 *x = SSL_get1_peer_certificate(ssl);

	buf[0] = '\0';
	if (x)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)len);
	X509_free(x);
}

/* A set with name's certificate as the default, and other's chosen by SNI when not NULL. */
static struct tls_ctxset *t_set(struct t_env *e, const char *name, const char *other)
{
	char cert[128], key[128], ocert[128], okey[128], sni[64], err[TLS_CTX_ERR_MAX];
	struct tls_ctxset *s = NULL;
	struct tls_cert_spec spec = {sni, ocert, okey};

	snprintf(cert, sizeof(cert), "%s/%s.pem", e->pki.dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", e->pki.dir, name);
	snprintf(ocert, sizeof(ocert), "%s/%s.pem", e->pki.dir, other ? other : "");
	snprintf(okey, sizeof(okey), "%s/%s.key", e->pki.dir, other ? other : "");
	snprintf(sni, sizeof(sni), "%s.test", other ? other : "");
	struct tls_ctx_opts o = {
		.cert = cert, .pkey = key, .certs = &spec, .ncerts = other ? 1 : 0, .dtls = true};

	if (tls_ctxset_new(&o, e->tickets, &s, err) < 0)
		printf("# tls_ctxset_new: %s\n", err);
	return s;
}

static void t_session(struct t_env *e)
{
	int fd = t_socket(&e->dtls);
	SSL *ssl = fd >= 0 ? t_dtls(e->client, fd, &e->dtls) : NULL;
	char cn[64] = "";

	CHECK(ssl != NULL, "DTLS 1.2 handshake (cookie exchange, certificate verified)");
	CHECK(ssl && strcmp(SSL_get_version(ssl), "DTLSv1.2") == 0, "version %s",
	      ssl ? SSL_get_version(ssl) : "-");
	if (ssl)
		t_peer_cn(ssl, cn, sizeof(cn));
	CHECK(strcmp(cn, "turn.test") == 0, "the certificate of turn.test (%s)", cn);
	CHECK(ssl && t_bind(ssl, fd), "Binding in the session: XOR-MAPPED-ADDRESS is the client's");
	CHECK(ssl && t_bind(ssl, fd), "a second Binding in the same session");
	if (ssl)
		SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);

	fd = t_socket(&e->dtls);
	ssl = fd >= 0 ? t_dtls_sni(e->client, fd, &e->dtls, "other.test") : NULL;
	cn[0] = '\0';
	if (ssl)
		t_peer_cn(ssl, cn, sizeof(cn));
	CHECK(strcmp(cn, "other.test") == 0, "SNI other.test: its certificate (%s)", cn);
	CHECK(ssl && t_bind(ssl, fd), "Binding in that session");
	SSL_free(ssl);
	close(fd);
}

static void t_dtls10(struct t_env *e)
{
	SSL_CTX *old = SSL_CTX_new(DTLS_client_method());
	int fd = t_socket(&e->dtls), rc = 0;
	unsigned long err = 0;
	SSL *ssl = SSL_new(old);
	BIO *bio = BIO_new_dgram(fd, BIO_NOCLOSE);

	SSL_CTX_set_min_proto_version(old, DTLS1_VERSION);
	SSL_CTX_set_max_proto_version(old, DTLS1_VERSION);
	SSL_set_security_level(ssl, 0);
	SSL_set_cipher_list(ssl, "DEFAULT:@SECLEVEL=0");
	SSL_set_min_proto_version(ssl, DTLS1_VERSION);
	SSL_set_max_proto_version(ssl, DTLS1_VERSION);
	BIO_ctrl_set_connected(bio, (const BIO_ADDR *)&e->dtls.u);
	SSL_set_bio(ssl, bio, bio);
	if (fd >= 0)
		rc = SSL_connect(ssl);
	err = ERR_peek_last_error();
	CHECK(fd >= 0 && rc != 1 && ERR_GET_REASON(err) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
	      "a DTLS 1.0 client is refused by the server (protocol_version alert: %s)",
	      ERR_reason_error_string(err) ? ERR_reason_error_string(err) : "-");
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(old);
	close(fd);
}

/* A hand-made ClientHello without a cookie from a plain socket. */
static void t_verify_request(struct t_env *e)
{
	uint8_t ch[128] = {22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 3};
	size_t body = 2 + 32 + 1 + 1 + 2 + 2 + 2, n = 13;
	uint8_t buf[512];
	int fd = t_socket(&e->dtls);
	ssize_t r;

	ch[11] = 0;
	ch[12] = (uint8_t)(12 + body);
	ch[n++] = 1; /* client_hello, length, message_seq 0, fragment 0 of length */
	ch[n++] = 0, ch[n++] = 0, ch[n++] = (uint8_t)body;
	ch[n++] = 0, ch[n++] = 0;
	ch[n++] = 0, ch[n++] = 0, ch[n++] = 0;
	ch[n++] = 0, ch[n++] = 0, ch[n++] = (uint8_t)body;
	ch[n++] = 0xfe, ch[n++] = 0xfd;
	memset(ch + n, 7, 32);
	n += 32;
	ch[n++] = 0, ch[n++] = 0;		  /* session_id, cookie */
	ch[n++] = 0, ch[n++] = 2, ch[n++] = 0xc0; /* one cipher suite */
	ch[n++] = 0x2b, ch[n++] = 1, ch[n++] = 0; /* null compression */
	r = fd >= 0 && send(fd, ch, n, 0) == (ssize_t)n ? recv(fd, buf, sizeof(buf), 0) : -1;
	CHECK(r == (ssize_t)DTLS_HELLO_VERIFY_LEN(32) && buf[0] == 22 && buf[13] == 3,
	      "a ClientHello without a cookie: a HelloVerifyRequest (%zd bytes)", r);
	CHECK(r > 0 && (size_t)r <= n && memcmp(buf + 3, ch + 3, 8) == 0,
	      "no larger than the ClientHello, its record sequence number");
	close(fd);
}

static double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tcp_idle_s is 1: a session without an allocation that sends nothing is closed. */
static void t_idle(struct t_env *e)
{
	int fd = t_socket(&e->dtls);
	SSL *ssl = fd >= 0 ? t_dtls(e->client, fd, &e->dtls) : NULL;
	double t0 = t_now();
	uint8_t b[64];
	int r = ssl ? SSL_read(ssl, b, sizeof(b)) : 1;

	CHECK(ssl && r == 0 && SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN,
	      "an idle session is closed with close_notify");
	CHECK(t_now() - t0 > 0.7 && t_now() - t0 < 2.5, "after the 1 s idle time (%.2f s)",
	      t_now() - t0);
	ERR_clear_error();
	SSL_free(ssl);
	close(fd);
}

static void t_swap(struct t_env *e, struct net_server *s)
{
	struct tls_ctxset *next = t_set(e, "turn2", NULL);
	int fd_old = t_socket(&e->dtls), fd = -1;
	SSL *old = fd_old >= 0 ? t_dtls(e->client, fd_old, &e->dtls) : NULL, *ssl;
	char cn[64] = "";

	CHECK(next && net_server_tls_swap(s, next) == 0, "certificates swapped");
	if (next)
		tls_ctxset_unref(next);
	usleep(100000);
	fd = t_socket(&e->dtls);
	ssl = fd >= 0 ? t_dtls(e->client, fd, &e->dtls) : NULL;
	if (ssl)
		t_peer_cn(ssl, cn, sizeof(cn));
	CHECK(ssl && strcmp(cn, "turn2.test") == 0,
	      "a new DTLS handshake gets the new certificate (%s)", cn);
	CHECK(old && t_bind(old, fd_old), "a session from before the swap still serves");
	SSL_free(ssl);
	SSL_free(old);
	close(fd);
	close(fd_old);
}

int main(void)
{
	struct turn_cfg tc = {.stun_only = true};
	struct net_opts o = {
		.threads = 2, .nlisten = 1, .turn = &tc, .handshake_s = 1, .tcp_idle_s = 1};
	struct pki_cert c1 = {"turn.test", "DNS:turn.test", 30, false};
	struct pki_cert c2 = {"turn2.test", "DNS:turn.test,DNS:turn2.test", 30, false};
	struct pki_cert c3 = {"other.test", "DNS:other.test", 30, false};
	struct net_server *s = NULL;
	struct t_env e = {0};
	char ca[128];

	log_open(NULL, false, LOG_LVL_ERR);
	if (pki_init(&e.pki) < 0 || pki_leaf(&e.pki, "turn", &c1, NULL) < 0 ||
	    pki_leaf(&e.pki, "turn2", &c2, NULL) < 0 || pki_leaf(&e.pki, "other", &c3, NULL) < 0 ||
	    tls_tickets_new(0, &e.tickets) < 0)
		CHECK(false, "test PKI");
	snprintf(ca, sizeof(ca), "%s/ca.pem", e.pki.dir);
	e.client = SSL_CTX_new(DTLS_client_method());
	SSL_CTX_load_verify_locations(e.client, ca, NULL);
	SSL_CTX_set_verify(e.client, SSL_VERIFY_PEER, NULL);
	addr_parse(&o.listen[0], "127.0.0.1", 0);
	o.tls = t_set(&e, "turn", "other");
	o.dtls = true;
	CHECK(o.tls != NULL, "certificates loaded");
	CHECK_EQ_INT(net_server_new(&o, &s), 0, "server created");
	tls_ctxset_unref(o.tls);
	if (!s)
		return tap_done();
	CHECK_EQ_INT(net_server_start(s), 0, "server started");
	CHECK_EQ_INT(net_server_dtls_addr(s, 0, &e.dtls), 0, "a DTLS listener");
	t_session(&e);
	t_dtls10(&e);
	t_verify_request(&e);
	t_idle(&e);
	t_swap(&e, s);
	net_server_stop(s);
	net_server_free(s);
	SSL_CTX_free(e.client);
	tls_tickets_free(e.tickets);
	pki_free(&e.pki);
	return tap_done();
}
