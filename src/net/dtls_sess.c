/* One DTLS session: its SSL behind a BIO that hands libssl one datagram at a time and
 * sends each datagram libssl writes straight to the client; the handshake with its
 * retransmissions and time limit; records to the TURN core and its answers back; the
 * connection ops (turn/conn.h); the close. */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xmalloc.h"
#include "net/dtls_int.h"
#include "net/tls_ctx.h"
#include "net/tls_hsfail.h"
#include "net/limits.h"
#include "net/worker.h"
#include "turn/server.h"

static BIO_METHOD *net_dtls_bio_method;
static int net_dtls_ssl_idx = -1;
static pthread_once_t net_dtls_once = PTHREAD_ONCE_INIT;

/* The BIO's read: the pending datagram whole (libssl reads a datagram in one call, with
 * room for the largest record), else "try again". */
static int net_dtls_bio_read(BIO *b, char *buf, int len)
{
	struct net_dtls_sess *s = BIO_get_data(b);
	size_t n;

	BIO_clear_retry_flags(b);
	if (!s->in) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = s->inlen < (size_t)len ? s->inlen : (size_t)len;
	memcpy(buf, s->in, n);
	s->in = NULL;
	return (int)n;
}

/* The BIO's write: one datagram to the client. A datagram the kernel refuses is lost as
 * any UDP datagram may be (DTLS retransmits its handshake; TURN's data is unreliable), so
 * the write never fails. */
static int net_dtls_bio_write(BIO *b, const char *buf, int len)
{
	struct net_dtls_sess *s = BIO_get_data(b);
	struct net_worker *w = s->d->w;
	const struct addr *to = &s->conn.remote;

	BIO_clear_retry_flags(b);
	if (sendto(s->d->fd, buf, (size_t)len, MSG_DONTWAIT, &to->u.sa, addr_len(to)) < 0)
		w->c.dtls_send_err++;
	else
		w->c.dtls_tx++;
	return len;
}

/* Flush succeeds (nothing is buffered); the MTU is set, never queried. */
static long net_dtls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int net_dtls_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* The session behind an SSL of this file. */
static struct net_dtls_sess *net_dtls_sess_of(SSL *ssl)
{
	return net_dtls_ssl_idx < 0 ? NULL : SSL_get_ex_data(ssl, net_dtls_ssl_idx);
}

/* The cookie callbacks (RFC 6347 §4.2.1): DTLSv1_listen and the ClientHello check that
 * follows it ask whether the cookie is the client's; the generator is only reached if
 * they were to answer a ClientHello themselves, which net/dtls.c does before them. */
static int net_dtls_cookie_verify(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
	struct net_dtls_sess *s = net_dtls_sess_of(ssl);

	return s && net_dtls_cookie_is_valid(s->d, &s->conn.remote, cookie, len);
}

static int net_dtls_cookie_gen(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
	struct net_dtls_sess *s = net_dtls_sess_of(ssl);

	if (!s || tls_cookie_make(s->d->sec.cur, &s->conn.remote, cookie) < 0)
		return 0;
	*len = TLS_COOKIE_LEN;
	return 1;
}

static void net_dtls_init_once(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tern dtls");

	if (!m || !BIO_meth_set_read(m, net_dtls_bio_read) ||
	    !BIO_meth_set_write(m, net_dtls_bio_write) ||
	    !BIO_meth_set_ctrl(m, net_dtls_bio_ctrl) ||
	    !BIO_meth_set_create(m, net_dtls_bio_create)) {
		BIO_meth_free(m);
		return;
	}
	net_dtls_ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (net_dtls_ssl_idx >= 0)
		net_dtls_bio_method = m;
	else
		BIO_meth_free(m);
}

int net_dtls_bio_init(void)
{
	pthread_once(&net_dtls_once, net_dtls_init_once);
	return net_dtls_bio_method ? 0 : -ENOMEM;
}

int net_dtls_prepare(struct tls_ctxset *set)
{
	SSL_CTX *ctx = tls_ctxset_dtls_ctx(set);

	if (!ctx)
		return -EINVAL;
	if (net_dtls_bio_init() < 0)
		return -ENOMEM;
	SSL_CTX_set_cookie_generate_cb(ctx, net_dtls_cookie_gen);
	SSL_CTX_set_cookie_verify_cb(ctx, net_dtls_cookie_verify);
	return 0;
}

/* The client as the TURN core knows it. */
static struct turn_client net_dtls_client(struct net_dtls_sess *s)
{
	return (struct turn_client){
		.conn = &s->conn, .src = s->conn.remote, .local = s->conn.local};
}

/* Arms s's timer for whichever comes first: libssl's retransmission or the deadline. Not
 * while the allocation's end is pending: the timer is already active for it (and deleting
 * it would cancel that), and it re-arms itself afterwards. */
static void net_dtls_arm(struct net_dtls_sess *s)
{
	uint64_t now = net_worker_now(s->d->w), ms = UINT64_MAX;
	struct timeval tv;

	if (s->alloc_ended)
		return;
	if (DTLSv1_get_timeout(s->ssl, &tv) == 1)
		ms = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
	if (s->deadline_ms) {
		uint64_t left = s->deadline_ms > now ? s->deadline_ms - now : 0;

		if (left < ms)
			ms = left;
	}
	if (ms == UINT64_MAX) {
		evtimer_del(s->ev);
		return;
	}
	tv = (struct timeval){(time_t)(ms / 1000u), (suseconds_t)(ms % 1000u) * 1000};
	evtimer_add(s->ev, &tv);
}

/* A failed handshake: one rate-limited line (net/tls_hsfail.h), then the session goes. */
static void net_dtls_hs_failed(struct net_dtls_sess *s, const char *why)
{
	struct net_worker *w = s->d->w;
	char reason[256];
	struct tls_hsfail f = {
		.reason = why ? why : tls_ssl_error(reason, sizeof(reason)),
		.client = &s->conn.remote,
		.sni = tls_ssl_sni(s->ssl),
		.version = tls_ssl_offered_version(s->ssl),
	};

	if (why)
		ERR_clear_error();
	w->c.dtls_hs_fail++;
	tls_hsfail_log(&w->hsfail, &f, net_worker_now(w));
	net_dtls_sess_close(s, false);
}

/* An established session without an allocation: tcp_idle_s more, never past its
 * max-allocate-timeout (coturn's). */
static void net_dtls_idle(struct net_dtls_sess *s)
{
	struct net_worker *w = s->d->w;
	uint64_t until = net_worker_now(w) + (uint64_t)w->opts->tcp_idle_s * 1000u;

	s->deadline_ms = s->alloc_by_ms && s->alloc_by_ms < until ? s->alloc_by_ms : until;
}

/* Runs the handshake on what arrived. Returns 0, or -ECONNABORTED when it failed (s
 * freed). */
static int net_dtls_handshake(struct net_dtls_sess *s)
{
	struct net_worker *w = s->d->w;
	int r = SSL_do_handshake(s->ssl), e;

	if (r == 1) {
		uint32_t alloc_s = turn_server_alloc_timeout_s(w->turn);

		s->established = true;
		w->dtls_halfopen--;
		w->c.dtls_established++;
		if (alloc_s)
			s->alloc_by_ms = net_worker_now(w) + (uint64_t)alloc_s * 1000u;
		net_dtls_idle(s);
		return 0;
	}
	e = SSL_get_error(s->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	net_dtls_hs_failed(s, NULL);
	return -ECONNABORTED;
}

/* A STUN request (RFC 8489 §5: the first two bits 0, class bits C1 C0 = 0 0), the only
 * message that counts as the client's activity on a session without an allocation. */
static bool net_dtls_is_request(const uint8_t *buf, size_t len)
{
	return len >= 20 && (buf[0] & 0xc0) == 0 && (buf[0] & 0x01) == 0 && (buf[1] & 0x10) == 0;
}

/* Sends buf as one record. 0 or -EIO (counted; the caller drops). */
static int net_dtls_write(struct net_dtls_sess *s, const uint8_t *buf, size_t len)
{
	if (SSL_write(s->ssl, buf, (int)len) <= 0) {
		ERR_clear_error();
		s->d->w->c.dtls_send_err++;
		return -EIO;
	}
	return 0;
}

/* One record: one STUN message or ChannelData to the TURN core, its answer back. */
static void net_dtls_record(struct net_dtls_sess *s, const uint8_t *buf, size_t len)
{
	struct net_worker *w = s->d->w;
	struct turn_pkt p = {.buf = buf,
			     .len = len,
			     .src = &s->conn.remote,
			     .local = &s->conn.local,
			     .conn = &s->conn};
	int r = turn_server_input(w->turn, &p, net_worker_now(w), w->resp, sizeof(w->resp));

	if (r < 0) {
		w->c.dtls_drop++;
		return;
	}
	if (net_dtls_is_request(buf, len) && !s->nrelays)
		net_dtls_idle(s);
	if (r > 0)
		net_dtls_write(s, w->resp, (size_t)r);
}

/* Reads every record of the datagram. Returns 0, or -ECONNABORTED when the client
 * closed the session (close_notify) or it failed (a fatal alert): s freed. */
static int net_dtls_read(struct net_dtls_sess *s)
{
	uint8_t *rec = s->d->rec;

	for (;;) {
		int n = SSL_read(s->ssl, rec, NET_DTLS_BUF), e;

		if (n > 0) {
			net_dtls_record(s, rec, (size_t)n);
			continue;
		}
		e = SSL_get_error(s->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		ERR_clear_error();
		if (e == SSL_ERROR_ZERO_RETURN)
			s->d->w->c.dtls_peer_closed++;
		else
			s->d->w->c.dtls_failed++;
		net_dtls_sess_close(s, false);
		return -ECONNABORTED;
	}
}

void net_dtls_sess_input(struct net_dtls_sess *s, const uint8_t *buf, size_t len)
{
	s->in = buf;
	s->inlen = len;
	if (!s->established && net_dtls_handshake(s) < 0)
		return;
	if (s->established && net_dtls_read(s) < 0)
		return;
	s->in = NULL;
	net_dtls_arm(s);
}

/* The timer: the allocation ended, a retransmission is due, or a deadline passed. */
static void net_dtls_timer(evutil_socket_t fd, short what, void *arg)
{
	struct net_dtls_sess *s = arg;
	struct net_worker *w = s->d->w;
	uint64_t now = net_worker_now(w);

	if (s->alloc_ended) {
		s->alloc_ended = false;
		if (!s->nrelays) {
			w->c.dtls_alloc_end++;
			net_dtls_sess_close(s, true);
			return;
		}
	}
	if (s->deadline_ms && now >= s->deadline_ms) {
		if (!s->established) {
			net_dtls_hs_failed(s, "handshake timeout");
			return;
		}
		w->c.dtls_idle++;
		net_dtls_sess_close(s, true);
		return;
	}
	if (DTLSv1_handle_timeout(s->ssl) < 0) {
		if (!s->established) {
			net_dtls_hs_failed(s, NULL);
			return;
		}
		ERR_clear_error();
	}
	net_dtls_arm(s);
}

/* The connection's send (to is its remote): one record now. */
static int net_dtls_conn_send(struct turn_conn *c, const struct addr *to, const uint8_t *buf,
			      size_t len)
{
	struct net_dtls_sess *s = (struct net_dtls_sess *)c;

	(void)to;
	if (!s->established || s->closing)
		return -ENOTCONN;
	return net_dtls_write(s, buf, len);
}

/* The connection's hold: a relay socket of its allocation opened, so no idle timeout. */
static void net_dtls_conn_hold(struct turn_conn *c)
{
	struct net_dtls_sess *s = (struct net_dtls_sess *)c;

	if (s->nrelays++ == 0)
		s->deadline_ms = 0;
}

/* The connection's release: after the last relay socket the allocation has ended, and the
 * session closes later in the loop iteration (never from within this call). */
static void net_dtls_conn_release(struct turn_conn *c)
{
	struct net_dtls_sess *s = (struct net_dtls_sess *)c;

	if (s->nrelays == 0 || --s->nrelays > 0 || s->closing)
		return;
	s->alloc_ended = true;
	event_active(s->ev, EV_TIMEOUT, 0);
}

/* A datagram transport whose address the cookie exchange proved. */
static const struct turn_conn_ops net_dtls_conn_ops = {
	.name = "dtls",
	.transport = TURN_TR_DTLS,
	.stream = false,
	.proven = true,
	.secure = true,
	.send = net_dtls_conn_send,
	.hold = net_dtls_conn_hold,
	.release = net_dtls_conn_release,
};

/* The SSL of a new session: w's current set, the datagram BIO, the MTU. */
static int net_dtls_ssl_new(struct net_dtls_sess *s)
{
	struct net_worker *w = s->d->w;
	BIO *bio;

	if (!w->tls || !(s->ssl = tls_ctxset_dtls_ssl(w->tls)))
		return -ENOMEM;
	s->set = tls_ctxset_ref(w->tls);
	if (!(bio = BIO_new(net_dtls_bio_method)))
		return -ENOMEM;
	BIO_set_data(bio, s);
	SSL_set_bio(s->ssl, bio, bio);
	if (!SSL_set_ex_data(s->ssl, net_dtls_ssl_idx, s))
		return -ENOMEM;
	SSL_set_options(s->ssl, SSL_OP_NO_QUERY_MTU);
	return DTLS_set_link_mtu(s->ssl, NET_DTLS_MTU) == 1 ? 0 : -EINVAL;
}

void net_dtls_sess_open(struct net_dtls *d, const uint8_t *buf, size_t len,
			const struct dtls_hello *h, const struct addr *src)
{
	struct net_worker *w = d->w;
	struct net_dtls_sess *s;
	BIO_ADDR *peer;
	int r = -ENOMEM;

	/* Sessions count per source with TCP and TLS connections (max-tcp-per-ip). */
	if (net_limits_src_take(w->limits, src) < 0) {
		w->c.dtls_refused_src++;
		return;
	}
	s = xcalloc(1, sizeof(*s));
	peer = BIO_ADDR_new();
	s->d = d;
	s->conn.ops = &net_dtls_conn_ops;
	s->conn.local = d->local;
	s->conn.remote = *src;
	memcpy(s->random, h->random, sizeof(s->random));
	s->deadline_ms = net_worker_now(w) + (uint64_t)w->opts->handshake_s * 1000u;
	s->ev = evtimer_new(w->base, net_dtls_timer, s);
	net_dtls_insert(d, s);
	w->dtls_sessions++;
	w->dtls_halfopen++;
	if (peer && s->ev)
		r = net_dtls_ssl_new(s);
	if (r < 0) {
		BIO_ADDR_free(peer);
		ERR_clear_error();
		w->c.dtls_busy++;
		net_dtls_sess_close(s, false);
		return;
	}
	/* RFC 6347 §4.2.1: the ClientHello with the cookie, checked again by libssl, which
	 * then expects the handshake to go on from message_seq 1. */
	s->in = buf;
	s->inlen = len;
	r = DTLSv1_listen(s->ssl, peer);
	BIO_ADDR_free(peer);
	if (r <= 0) {
		net_dtls_hs_failed(s, NULL);
		return;
	}
	net_dtls_sess_input(s, NULL, 0);
}

void net_dtls_sess_close(struct net_dtls_sess *s, bool notify)
{
	struct net_dtls *d = s->d;
	struct net_worker *w = d->w;

	s->closing = true;
	s->in = NULL;
	if (notify && s->established && s->ssl)
		SSL_shutdown(s->ssl);
	ERR_clear_error();
	/* At shutdown the TURN core is already gone (net_worker_shutdown frees it first). */
	if (w->turn && s->established) {
		struct turn_client tc = net_dtls_client(s);

		turn_server_client_gone(w->turn, &tc);
	}
	net_dtls_remove(d, s);
	net_limits_src_put(w->limits, &s->conn.remote);
	w->dtls_sessions--;
	if (!s->established)
		w->dtls_halfopen--;
	w->c.dtls_closed++;
	if (s->ev)
		event_free(s->ev);
	SSL_free(s->ssl);
	if (s->set)
		tls_ctxset_unref(s->set);
	free(s);
}
