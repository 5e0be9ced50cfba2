/* net_server's TLS and PROXY stages end to end on the loopback, with OpenSSL's client: TLS
 * on the TLS port and on the plain port (first byte 0x16), plain TCP still served there,
 * PROXY v1 and v2 headers from a trusted source (also dribbled byte by byte, and before TLS),
 * refusals (trusted without header, untrusted with one), the handshake timeout, and a
 * certificate swap that new handshakes see while an established session keeps serving. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/addr.h"
#include "base/iprange.h"
#include "base/log.h"
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
	struct addr plain, tls;
	SSL_CTX *client;
};

static int t_request(uint8_t *buf, size_t cap)
{
	struct stun_enc e;

	stun_enc_init(&e, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	return stun_enc_finish(&e);
}

/* A TCP connection to srv from the loopback address src. */
static int t_connect(const struct addr *srv, const char *src)
{
	struct addr from;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {3, 0};

	addr_parse(&from, src, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, &from.u.sa, addr_len(&from)) < 0 ||
	    connect(fd, &srv->u.sa, addr_len(srv)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether fd was closed by the server within 3 s (recv returns 0 or an error). */
static bool t_closed(int fd)
{
	uint8_t b[64];
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 3000) == 1 && recv(fd, b, sizeof(b), 0) <= 0;
}

/* The XOR-MAPPED-ADDRESS of a Binding response read with rd (plain or TLS). */
static bool t_mapped(const uint8_t *buf, size_t len, struct addr *out)
{
	struct stun_msg m;

	return stun_msg_decode(&m, buf, len) == 0 && m.cls == STUN_CLASS_SUCCESS &&
	       stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, out) == 0;
}

/* Binding over plain fd; the mapped address into *out. */
static bool t_bind_plain(int fd, struct addr *out)
{
	uint8_t req[64], resp[256];
	int n = t_request(req, sizeof(req));
	ssize_t r;

	if (send(fd, req, (size_t)n, 0) != n)
		return false;
	r = recv(fd, resp, sizeof(resp), 0);
	return r > 0 && t_mapped(resp, (size_t)r, out);
}

/* A TLS session over fd (SNI turn.test, the test CA trusted). NULL on failure. */
static SSL *t_tls(struct t_env *e, int fd)
{
	SSL *ssl = SSL_new(e->client);

	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "turn.test");
	SSL_set1_host(ssl, "turn.test");
	if (SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static bool t_bind_tls(SSL *ssl, struct addr *out)
{
	uint8_t req[64], resp[256];
	int n = t_request(req, sizeof(req)), r;

	if (SSL_write(ssl, req, n) != n)
		return false;
	r = SSL_read(ssl, resp, sizeof(resp));
	return r > 0 && t_mapped(resp, (size_t)r, out);
}

/* The CN of the server's certificate. */
static void t_peer_cn(SSL *ssl, char *buf, size_t len)
{
	X509 *x = SSL_get1_peer_certificate(ssl);

	buf[0] = '\0';
	if (x)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)len);
	X509_free(x);
}

static bool t_is_self(int fd, const struct addr *mapped)
{
	struct addr self;
	socklen_t sl = sizeof(self.u.ss);

	memset(&self, 0, sizeof(self));
	getsockname(fd, &self.u.sa, &sl);
	return addr_eq(&self, mapped);
}

static struct tls_ctxset *t_set(struct t_env *e, const char *name)
{
	char cert[128], key[128], err[TLS_CTX_ERR_MAX];
	struct tls_ctxset *s = NULL;

	snprintf(cert, sizeof(cert), "%s/%s.pem", e->pki.dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", e->pki.dir, name);
	struct tls_ctx_opts o = {.cert = cert, .pkey = key};

	if (tls_ctxset_new(&o, e->tickets, &s, err) < 0)
		printf("# tls_ctxset_new: %s\n", err);
	return s;
}

static void t_tls_ports(struct t_env *e)
{
	struct addr m;
	char cn[64];
	int fd;
	SSL *ssl;

	fd = t_connect(&e->tls, "127.0.0.2");
	ssl = fd >= 0 ? t_tls(e, fd) : NULL;
	CHECK(ssl != NULL, "TLS handshake on the TLS port, certificate verified for turn.test");
	CHECK(ssl && t_bind_tls(ssl, &m) && t_is_self(fd, &m), "Binding over TLS on the TLS port");
	if (ssl)
		t_peer_cn(ssl, cn, sizeof(cn));
	CHECK(ssl && strcmp(cn, "turn.test") == 0, "first certificate (CN %s)", ssl ? cn : "-");
	SSL_free(ssl);
	close(fd);

	fd = t_connect(&e->plain, "127.0.0.2");
	ssl = fd >= 0 ? t_tls(e, fd) : NULL;
	CHECK(ssl && t_bind_tls(ssl, &m) && t_is_self(fd, &m),
	      "Binding over TLS on the plain port (first byte 0x16)");
	SSL_free(ssl);
	close(fd);

	fd = t_connect(&e->plain, "127.0.0.2");
	CHECK(fd >= 0 && t_bind_plain(fd, &m) && t_is_self(fd, &m),
	      "plain Binding on the same port");
	close(fd);
}

/* Sends hdr in one write, or byte by byte. */
static void t_send_hdr(int fd, const uint8_t *hdr, size_t len, bool dribble)
{
	if (!dribble) {
		send(fd, hdr, len, 0);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		send(fd, hdr + i, 1, 0);
		usleep(2000);
	}
}

static size_t t_v2(uint8_t *buf, const char *src, uint16_t sport)
{
	static const uint8_t sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
	struct in_addr s, d;

	memcpy(buf, sig, 12);
	buf[12] = 0x21; /* version 2, PROXY */
	buf[13] = 0x11; /* INET, STREAM */
	buf[14] = 0;
	buf[15] = 12;
	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, "127.0.0.1", &d);
	memcpy(buf + 16, &s, 4);
	memcpy(buf + 20, &d, 4);
	buf[24] = (uint8_t)(sport >> 8);
	buf[25] = (uint8_t)sport;
	buf[26] = 0x0d;
	buf[27] = 0x96;
	return 28;
}

static void t_proxy(struct t_env *e)
{
	const char *v1 = "PROXY TCP4 198.51.100.7 127.0.0.1 4242 3478\r\n";
	struct addr m, want;
	uint8_t v2[32];
	size_t n2;
	int fd;
	SSL *ssl;

	for (int dribble = 0; dribble < 2; dribble++) {
		const char *how = dribble ? "byte by byte" : "in one write";

		fd = t_connect(&e->plain, "127.0.0.1");
		t_send_hdr(fd, (const uint8_t *)v1, strlen(v1), dribble);
		addr_parse(&want, "198.51.100.7", 4242);
		CHECK(fd >= 0 && t_bind_plain(fd, &m) && addr_eq(&m, &want),
		      "PROXY v1 %s: XOR-MAPPED-ADDRESS is the client's", how);
		close(fd);

		n2 = t_v2(v2, "203.0.113.9", 5151);
		fd = t_connect(&e->tls, "127.0.0.1");
		t_send_hdr(fd, v2, n2, dribble);
		ssl = fd >= 0 ? t_tls(e, fd) : NULL;
		addr_parse(&want, "203.0.113.9", 5151);
		CHECK(ssl && t_bind_tls(ssl, &m) && addr_eq(&m, &want),
		      "PROXY v2 %s then TLS: XOR-MAPPED-ADDRESS is the client's", how);
		SSL_free(ssl);
		close(fd);
	}
	fd = t_connect(&e->plain, "127.0.0.1");
	CHECK(fd >= 0 && !t_bind_plain(fd, &m), "trusted source without a PROXY header: refused");
	close(fd);
	fd = t_connect(&e->plain, "127.0.0.3");
	send(fd, v1, strlen(v1), 0);
	CHECK(fd >= 0 && t_closed(fd), "PROXY header from an untrusted source: closed");
	close(fd);
	fd = t_connect(&e->plain, "127.0.0.1");
	send(fd, "PROXY TCP4 nonsense\r\n", 21, 0);
	CHECK(fd >= 0 && t_closed(fd), "malformed PROXY header from a trusted source: closed");
	close(fd);
}

static double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void t_timeout(struct t_env *e)
{
	double t0 = t_now();
	int fd = t_connect(&e->tls, "127.0.0.2");

	send(fd, "\x16\x03\x01", 3, 0);
	CHECK(fd >= 0 && t_closed(fd), "a truncated ClientHello is closed");
	CHECK(t_now() - t0 > 0.8 && t_now() - t0 < 2.5,
	      "closed by the 1 s handshake timeout (%.2f s)", t_now() - t0);
	close(fd);
}

static void t_swap(struct t_env *e, struct net_server *s)
{
	struct tls_ctxset *next = t_set(e, "turn2");
	struct addr m;
	char cn[64] = "";
	int fd_old = t_connect(&e->tls, "127.0.0.2"), fd;
	SSL *old = fd_old >= 0 ? t_tls(e, fd_old) : NULL, *ssl;

	CHECK(next && net_server_tls_swap(s, next) == 0, "certificates swapped");
	if (next)
		tls_ctxset_unref(next);
	usleep(100000);
	fd = t_connect(&e->tls, "127.0.0.2");
	ssl = fd >= 0 ? t_tls(e, fd) : NULL;
	if (ssl)
		t_peer_cn(ssl, cn, sizeof(cn));
	CHECK(ssl && strcmp(cn, "turn2.test") == 0, "a new handshake gets the new certificate (%s)",
	      cn);
	CHECK(old && t_bind_tls(old, &m) && t_is_self(fd_old, &m),
	      "a session from before the swap still serves");
	SSL_free(ssl);
	SSL_free(old);
	close(fd);
	close(fd_old);
}

int main(void)
{
	struct turn_cfg tc = {.stun_only = true};
	struct net_opts o = {.threads = 2, .nlisten = 1, .turn = &tc, .handshake_s = 1};
	struct pki_cert c1 = {"turn.test", "DNS:turn.test", 30, false};
	struct pki_cert c2 = {"turn2.test", "DNS:turn.test,DNS:turn2.test", 30, false};
	struct iprange_list trusted = {0};
	struct net_server *s = NULL;
	struct t_env e = {0};
	char ca[128];

	log_open(NULL, false, LOG_LVL_ERR);
	if (pki_init(&e.pki) < 0 || pki_leaf(&e.pki, "turn", &c1, NULL) < 0 ||
	    pki_leaf(&e.pki, "turn2", &c2, NULL) < 0 || tls_tickets_new(0, &e.tickets) < 0)
		CHECK(false, "test PKI");
	snprintf(ca, sizeof(ca), "%s/ca.pem", e.pki.dir);
	e.client = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(e.client, ca, NULL);
	SSL_CTX_set_verify(e.client, SSL_VERIFY_PEER, NULL);
	iprange_list_add(&trusted, "127.0.0.1");
	addr_parse(&o.listen[0], "127.0.0.1", 0);
	o.tls = t_set(&e, "turn");
	o.tls_tcp = true;
	o.proxy_trusted = &trusted;
	CHECK(o.tls != NULL, "certificates loaded");
	CHECK_EQ_INT(net_server_new(&o, &s), 0, "server created");
	tls_ctxset_unref(o.tls);
	if (!s)
		return tap_done();
	CHECK_EQ_INT(net_server_start(s), 0, "server started");
	net_server_local_addr(s, 0, true, &e.plain);
	CHECK_EQ_INT(net_server_tls_addr(s, 0, &e.tls), 0, "a TLS listener");
	t_tls_ports(&e);
	t_proxy(&e);
	t_timeout(&e);
	t_swap(&e, s);
	net_server_stop(s);
	net_server_free(s);
	SSL_CTX_free(e.client);
	tls_tickets_free(e.tickets);
	iprange_list_free(&trusted);
	pki_free(&e.pki);
	return tap_done();
}
