/*
 * tl_tls — TURN clients over TLS-over-TCP; see tl_tls.h. A connection's life:
 *
 *   TCP connect -> TLS handshake (full) ->
 *   Allocate (no credentials) -> 401 with REALM and NONCE ->
 *   Allocate (USERNAME, REALM, NONCE, MESSAGE-INTEGRITY) -> allocation
 *   [ChannelBind 0x4000+idx to the connection's peer]
 *   ... Refresh LIFETIME 0 -> close_notify, close
 *
 * Over TCP a message is framed by its own length (RFC 8656 §12.5: a
 * ChannelData message is padded to a multiple of four bytes). Requests are
 * not retransmitted (RFC 8489 §6.2.2); a step that takes TL_TLS_STEP_MS
 * fails the connection. The TLS layer reads from and writes to memory BIOs:
 * the socket is read in TL_TLS_CHUNK chunks into the read BIO, and what the
 * write BIO holds is sent once per batch of records.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tl_tls.h"

#include "procstat.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define TL_ATTR_CHANNEL_NUMBER	    0x000C
#define TL_ATTR_LIFETIME	    0x000D
#define TL_ATTR_XOR_PEER_ADDRESS    0x0012
#define TL_ATTR_REQUESTED_TRANSPORT 0x0019
#define TL_PROTO_UDP		    (17u << 24)
#define TL_TLS_SCAN_MS		    20
#define TL_TLS_SETTLE_MS	    500

/* Where the write BIO's sent bytes are drained to. */
static uint8_t tl_tls_sink[TL_TLS_CHUNK];

static bool tl_busy_state(int st)
{
	return st != TL_TS_CLOSED && st != TL_TS_READY;
}

static void tl_tc_state(struct tl_tls *tt, struct tl_tconn *c, enum tl_tstate st, uint64_t now)
{
	tt->busy += (int)tl_busy_state(st) - (int)tl_busy_state(c->state);
	c->state = (uint8_t)st;
	c->since_ms = now;
}

static void tl_tc_events(struct tl_tls *tt, struct tl_tconn *c, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u),
				 .data.u64 = TL_EV(TL_EV_SESS, c->idx)};

	if (c->out_armed == out)
		return;
	if (epoll_ctl(tt->t->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->out_armed = out;
}

size_t tl_tls_unsent(const struct tl_tconn *c)
{
	return c->wbio ? BIO_ctrl_pending(c->wbio) : 0;
}

void tl_tls_flush(struct tl_tls *tt, struct tl_tconn *c)
{
	char *p;
	long n;

	if (c->fd < 0 || !c->wbio)
		return;
	while ((n = BIO_get_mem_data(c->wbio, &p)) > 0) {
		ssize_t k = send(c->fd, p, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k <= 0)
			break; /* full (EPOLLOUT below) or broken (the read side sees it) */
		while (k > 0) {
			int m = BIO_read(c->wbio, tl_tls_sink,
					 k < (ssize_t)sizeof(tl_tls_sink)
						 ? (int)k
						 : (int)sizeof(tl_tls_sink));
			if (m <= 0)
				break;
			k -= m;
		}
	}
	tl_tc_events(tt, c, BIO_ctrl_pending(c->wbio) > 0);
}

int tl_tls_write(struct tl_tconn *c, const void *p, size_t n)
{
	/* A memory BIO takes everything: no partial or retried writes. */
	return SSL_write(c->ssl, p, (int)n) == (int)n ? 0 : -EIO;
}

/* Closes c; clean: a close_notify first (RFC 8446 §6.1). */
static void tl_tc_close(struct tl_tls *tt, struct tl_tconn *c, bool clean)
{
	if (c->ssl) {
		if (clean) {
			(void)SSL_shutdown(c->ssl);
			tl_tls_flush(tt, c);
		}
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	c->ssl = NULL;
	c->rbio = c->wbio = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->gen++;
	c->has_alloc = false;
	c->carry_len = 0;
	c->out_armed = false;
	tl_tc_state(tt, c, TL_TS_CLOSED, tl_now_ms());
}

/* code: an error response's; 0: the connection failed (why). A cycling
 * connection starts over at the next scan. */
static void tl_tc_fail(struct tl_tls *tt, struct tl_tconn *c, int code, const char *why)
{
	if (code) {
		tt->k.errors++;
		tt->k.last_code = code;
	} else {
		tt->k.failures++;
		snprintf(tt->k.last_fail, sizeof(tt->k.last_fail), "%s", why ? why : "?");
	}
	tl_tc_close(tt, c, code != 0);
}

static int tl_tc_open(struct tl_tls *tt, struct tl_tconn *c)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT,
				 .data.u64 = TL_EV(TL_EV_SESS, c->idx)};
	int one = 1, err;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(c->fd, (struct sockaddr *)&tt->t->server, sizeof(tt->t->server)) < 0 &&
	     errno != EINPROGRESS) ||
	    epoll_ctl(tt->t->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		err = -errno;
		close(c->fd);
		c->fd = -1;
		return err;
	}
	c->out_armed = true;
	c->carry_len = 0;
	c->nonce_len = 0;
	tl_tc_state(tt, c, TL_TS_CONNECT, tl_now_ms());
	return 0;
}

void tl_tls_start(struct tl_tls *tt, struct tl_tconn *c, enum tl_tgoal goal)
{
	int err;

	c->goal = (uint8_t)goal;
	if ((err = tl_tc_open(tt, c)) < 0) {
		tt->k.failures++;
		snprintf(tt->k.last_fail, sizeof(tt->k.last_fail), "connect: %s", strerror(-err));
	}
}

/* Starts a request with a fresh transaction id (bytes 0-3: the index). */
static void tl_tc_req(struct tl_tls *tt, struct tl_tconn *c, uint16_t type)
{
	uint8_t txid[12];
	uint64_t r = tl_rand(tt->t);

	tl_put32(txid, c->idx);
	memcpy(txid + 4, &r, 8);
	tl_msg_start(&c->req, type, txid);
}

static void tl_tc_send(struct tl_tls *tt, struct tl_tconn *c, enum tl_tstate st, uint64_t now)
{
	tl_tc_state(tt, c, st, now);
	if (tl_tls_write(c, c->req.b, c->req.len) < 0)
		return tl_tc_fail(tt, c, 0, "tls write");
	tl_tls_flush(tt, c);
}

static void tl_tc_alloc(struct tl_tls *tt, struct tl_tconn *c, bool auth, uint64_t now)
{
	tl_tc_req(tt, c, TL_ALLOCATE);
	/* RFC 8656 §7.1: the relayed transport is UDP whatever the client's. */
	tl_msg_u32(&c->req, TL_ATTR_REQUESTED_TRANSPORT, TL_PROTO_UDP);
	tl_msg_u32(&c->req, TL_ATTR_LIFETIME, (uint32_t)tt->t->o.lifetime);
	if (auth)
		tl_msg_auth(&c->req, &tt->t->o.cred, c->nonce, c->nonce_len);
	tl_tc_send(tt, c, auth ? TL_TS_ALLOC1 : TL_TS_ALLOC0, now);
}

static void tl_tc_bind(struct tl_tls *tt, struct tl_tconn *c, uint64_t now)
{
	uint8_t ch[4] = {0};

	tl_put16(ch, tl_tls_channel(c));
	tl_tc_req(tt, c, TL_CHANNEL_BIND);
	tl_msg_bytes(&c->req, TL_ATTR_CHANNEL_NUMBER, ch, sizeof(ch));
	tl_msg_xaddr(&c->req, TL_ATTR_XOR_PEER_ADDRESS, &c->peer);
	tl_msg_auth(&c->req, &tt->t->o.cred, c->nonce, c->nonce_len);
	tl_tc_send(tt, c, TL_TS_BIND, now);
}

static void tl_tc_free(struct tl_tls *tt, struct tl_tconn *c, uint64_t now)
{
	tl_tc_req(tt, c, TL_REFRESH);
	tl_msg_u32(&c->req, TL_ATTR_LIFETIME, 0);
	tl_msg_auth(&c->req, &tt->t->o.cred, c->nonce, c->nonce_len);
	tl_tc_send(tt, c, TL_TS_FREE, now);
}

void tl_tls_release(struct tl_tls *tt, struct tl_tconn *c)
{
	if (c->state != TL_TS_READY)
		return;
	c->goal = TL_TG_CLOSE;
	tl_tc_free(tt, c, tl_now_ms());
}

static int tl_tc_take_nonce(struct tl_tls *tt, struct tl_tconn *c, const struct tl_resp *r)
{
	if (!r->nonce || !r->realm || r->nonce_len > TL_NONCE_MAX ||
	    tl_cred_set_realm(&tt->t->o.cred, r->realm, r->realm_len) < 0)
		return -EPROTO;
	memcpy(c->nonce, r->nonce, r->nonce_len);
	c->nonce_len = (uint8_t)r->nonce_len;
	return 0;
}

static void tl_tc_on_alloc(struct tl_tls *tt, struct tl_tconn *c, const struct tl_resp *r,
			   uint64_t now)
{
	if (r->type == (TL_ALLOCATE | TL_CLASS_OK)) {
		c->has_alloc = true;
		tt->k.allocs++;
		if (r->has_relayed)
			c->relayed = r->relayed;
		if (c->relayed.sin_addr.s_addr == htonl(INADDR_ANY))
			c->relayed.sin_addr = tt->t->server.sin_addr;
		if (c->goal == TL_TG_CHANNEL)
			tl_tc_bind(tt, c, now);
		else if (c->goal == TL_TG_CYCLE)
			tl_tc_free(tt, c, now);
		else
			tl_tc_state(tt, c, TL_TS_READY, now);
	} else if ((r->code == 401 && c->state == TL_TS_ALLOC0) || r->code == 438) {
		if (tl_tc_take_nonce(tt, c, r) < 0)
			return tl_tc_fail(tt, c, r->code, NULL);
		tl_tc_alloc(tt, c, true, now);
	} else {
		tl_tc_fail(tt, c, r->code ? r->code : 1, NULL);
	}
}

/* A STUN message on c: the answer to its request, or ignored. */
static void tl_tc_stun(struct tl_tls *tt, struct tl_tconn *c, const uint8_t *p, size_t n,
		       uint64_t now)
{
	struct tl_resp r;

	if (c->state < TL_TS_ALLOC0 || c->state > TL_TS_FREE ||
	    memcmp(p + 8, c->req.b + 8, 12) != 0 || tl_resp_parse(p, n, &r) < 0 ||
	    (r.type & 0x3EEF) != tl_get16(c->req.b))
		return;
	if (c->state == TL_TS_ALLOC0 || c->state == TL_TS_ALLOC1)
		return tl_tc_on_alloc(tt, c, &r, now);
	if (r.code == 438 && tl_tc_take_nonce(tt, c, &r) == 0) {
		if (c->state == TL_TS_BIND)
			return tl_tc_bind(tt, c, now);
		return tl_tc_free(tt, c, now);
	}
	if (c->state == TL_TS_BIND) {
		if (r.type != (TL_CHANNEL_BIND | TL_CLASS_OK))
			return tl_tc_fail(tt, c, r.code ? r.code : 1, NULL);
		return tl_tc_state(tt, c, TL_TS_READY, now);
	}
	/* TL_TS_FREE */
	if (r.type != (TL_REFRESH | TL_CLASS_OK) && r.code != 437)
		return tl_tc_fail(tt, c, r.code ? r.code : 1, NULL);
	tt->k.frees++;
	if (c->goal == TL_TG_CYCLE)
		tt->k.cycles++;
	tl_tc_close(tt, c, true);
	if (c->goal == TL_TG_CYCLE && tt->cycling)
		tl_tls_start(tt, c, TL_TG_CYCLE);
}

/* Length of the message at p (n >= 4 bytes), 0 if not STUN nor ChannelData. */
static size_t tl_tc_msg_len(const uint8_t *p)
{
	size_t len = tl_get16(p + 2);

	if (p[0] >> 6 == 0)
		return TL_STUN_HDR + len;
	if (p[0] >> 6 == 1)
		return 4 + ((len + 3) & ~(size_t)3);
	return 0;
}

/* Decrypts what the read BIO holds and dispatches every whole message. */
static void tl_tc_read_app(struct tl_tls *tt, struct tl_tconn *c, uint64_t now)
{
	uint8_t *buf = tt->scratch;
	uint32_t gen = c->gen;

	for (;;) {
		size_t have = c->carry_len, off = 0, n;
		memcpy(buf, c->carry, have);
		int r = SSL_read(c->ssl, buf + have, TL_TLS_CHUNK);
		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ)
				break;
			return tl_tc_fail(tt, c, 0,
					  e == SSL_ERROR_ZERO_RETURN
						  ? "close_notify from the server"
						  : "tls read");
		}
		n = have + (size_t)r;
		while (n - off >= 4) {
			size_t m = tl_tc_msg_len(buf + off);
			if (m == 0)
				return tl_tc_fail(tt, c, 0, "neither STUN nor ChannelData");
			if (m > n - off)
				break;
			if (buf[off] >> 6 == 0 && m >= TL_STUN_HDR)
				tl_tc_stun(tt, c, buf + off, m, now);
			else if (tt->on_data)
				tt->on_data(tt, c, buf + off, m, now);
			if (c->gen != gen)
				return; /* closed (and maybe reopened) by the dispatch */
			off += m;
		}
		if (n - off > TL_TLS_CARRY)
			return tl_tc_fail(tt, c, 0, "message too long");
		memcpy(c->carry, buf + off, n - off);
		c->carry_len = (uint16_t)(n - off);
	}
	tl_tls_flush(tt, c);
}

static void tl_tc_handshake(struct tl_tls *tt, struct tl_tconn *c, uint64_t now)
{
	int r = SSL_do_handshake(c->ssl), e;

	tl_tls_flush(tt, c);
	if (r == 1) {
		tt->k.handshakes++;
		tt->k.resumed += (uint64_t)SSL_session_reused(c->ssl);
		if (!tt->version[0]) {
			int nid = SSL_get_negotiated_group(c->ssl);
			snprintf(tt->version, sizeof(tt->version), "%s", SSL_get_version(c->ssl));
			snprintf(tt->cipher, sizeof(tt->cipher), "%s",
				 SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl)));
			snprintf(tt->group, sizeof(tt->group), "%s",
				 nid > 0 ? OBJ_nid2sn(nid & ~TLSEXT_nid_unknown) : "none");
		}
		return tl_tc_alloc(tt, c, false, now);
	}
	e = SSL_get_error(c->ssl, r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		tl_tc_fail(tt, c, 0, "tls handshake");
}

/* --tls-resume: keeps the sessions the server gives (TLS 1.2 at the end of
 * the handshake, 1.3 in NewSessionTicket messages after it), at most
 * TL_TLS_SESS_POOL, for later connections to offer: a TLS 1.3 ticket once
 * (RFC 8446 §C.4). The oldest is dropped for a new one. */
static int tl_tls_on_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tl_tls *tt = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	if (!SSL_SESSION_is_resumable(sess))
		return 0;
	if (tt->npool == TL_TLS_SESS_POOL) {
		SSL_SESSION_free(tt->pool[0]);
		memmove(tt->pool, tt->pool + 1, (TL_TLS_SESS_POOL - 1) * sizeof(tt->pool[0]));
		tt->npool--;
	}
	tt->pool[tt->npool++] = sess;
	return 1; /* kept: the reference is ours */
}

/* The newest session kept (the caller frees it), or NULL. A TLS 1.3 one
 * leaves the pool; a TLS 1.2 one stays, as a 1.2 client reuses its session
 * (and a server need not issue a new ticket on resumption, RFC 5077 §3.3). */
static SSL_SESSION *tl_tls_take_session(struct tl_tls *tt)
{
	SSL_SESSION *s;

	if (!tt->npool)
		return NULL;
	s = tt->pool[tt->npool - 1];
	if (SSL_SESSION_get_protocol_version(s) >= TLS1_3_VERSION)
		tt->npool--;
	else
		SSL_SESSION_up_ref(s);
	return s;
}

/* The TCP connect finished: start the handshake. */
static void tl_tc_connected(struct tl_tls *tt, struct tl_tconn *c, uint64_t now)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr)
		return tl_tc_fail(tt, c, 0, "tcp connect");
	c->ssl = SSL_new(tt->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (!c->ssl || !c->rbio || !c->wbio) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		c->rbio = c->wbio = NULL;
		return tl_tc_fail(tt, c, 0, "out of memory");
	}
	BIO_set_mem_eof_return(c->rbio, -1); /* empty: retry, not end of stream */
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_connect_state(c->ssl);
	SSL_SESSION *sess = tl_tls_take_session(tt);
	if (sess) {
		SSL_set_session(c->ssl, sess);
		SSL_SESSION_free(sess);
	}
	tl_tc_state(tt, c, TL_TS_HANDSHAKE, now);
	tl_tc_handshake(tt, c, now);
}

static void tl_tc_readable(struct tl_tls *tt, struct tl_tconn *c, uint64_t now)
{
	for (int i = 0; i < 8; i++) {
		ssize_t k = recv(c->fd, tt->scratch, TL_TLS_CHUNK, MSG_DONTWAIT);
		if (k == 0)
			return tl_tc_fail(tt, c, 0,
					  c->state == TL_TS_HANDSHAKE
						  ? "closed by the server in the TLS handshake"
						  : "closed by the server");
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return tl_tc_fail(tt, c, 0, "tcp recv");
		}
		BIO_write(c->rbio, tt->scratch, (int)k);
		if (k < TL_TLS_CHUNK)
			break;
	}
	if (c->state == TL_TS_HANDSHAKE) {
		uint32_t gen = c->gen;
		tl_tc_handshake(tt, c, now);
		if (c->gen != gen || c->state == TL_TS_HANDSHAKE)
			return;
	}
	tl_tc_read_app(tt, c, now);
}

static void tl_tc_event(struct tl_tls *tt, struct tl_tconn *c, uint32_t events, uint64_t now)
{
	if (c->fd < 0)
		return; /* closed earlier in this batch */
	if (c->state == TL_TS_CONNECT) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			tl_tc_connected(tt, c, now);
		return;
	}
	if (events & EPOLLOUT) {
		tl_tls_flush(tt, c);
		if (tt->on_writable && !c->out_armed)
			tt->on_writable(tt, c);
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		tl_tc_readable(tt, c, now);
}

/* now: read again here, after the dispatch (steps started in it are younger). */
static void tl_tls_scan(struct tl_tls *tt)
{
	uint64_t now = tl_now_ms();

	for (int i = 0; i < tt->n; i++) {
		struct tl_tconn *c = &tt->c[i];
		if (tl_busy_state(c->state) && now - c->since_ms >= TL_TLS_STEP_MS) {
			static const char *const what[] = {
				[TL_TS_CONNECT] = "tcp connect timed out",
				[TL_TS_HANDSHAKE] = "tls handshake timed out",
				[TL_TS_ALLOC0] = "Allocate timed out",
				[TL_TS_ALLOC1] = "Allocate timed out",
				[TL_TS_BIND] = "ChannelBind timed out",
				[TL_TS_FREE] = "Refresh timed out",
			};
			tl_tc_fail(tt, c, 0, what[c->state]);
		}
		if (c->state == TL_TS_CLOSED && c->goal == TL_TG_CYCLE && tt->cycling)
			tl_tls_start(tt, c, TL_TG_CYCLE);
	}
}

int tl_tls_step(struct tl_tls *tt, int timeout_ms, void (*peer_cb)(struct tl_tls *, int, uint64_t))
{
	struct epoll_event evs[256];
	int n = epoll_wait(tt->t->epfd, evs, 256, timeout_ms);
	uint64_t now = tl_now_ms();

	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)evs[i].data.u64;
		if (evs[i].data.u64 >> 32 == TL_EV_PEER) {
			if (peer_cb)
				peer_cb(tt, (int)idx, now);
		} else if (idx < (uint32_t)tt->n) {
			tl_tc_event(tt, &tt->c[idx], evs[i].events, now);
		}
	}
	if (now - tt->last_scan_ms >= TL_TLS_SCAN_MS) {
		tl_tls_scan(tt);
		tt->last_scan_ms = now;
	}
	return 0;
}

int tl_tls_settle(struct tl_tls *tt, uint64_t deadline_ms)
{
	while (tt->busy > 0) {
		if (tl_now_ms() >= deadline_ms)
			return -ETIMEDOUT;
		int r = tl_tls_step(tt, TL_TLS_SCAN_MS, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

int tl_tls_start_many(struct tl_tls *tt, int first, int n, enum tl_tgoal goal, int max_busy,
		      uint64_t deadline_ms)
{
	int next = first;

	while (next < first + n) {
		while (next < first + n && tt->busy < max_busy)
			tl_tls_start(tt, &tt->c[next++], goal);
		if (tl_now_ms() >= deadline_ms)
			return -ETIMEDOUT;
		int r = tl_tls_step(tt, TL_TLS_SCAN_MS, NULL);
		if (r < 0)
			return r;
	}
	return tl_tls_settle(tt, deadline_ms);
}

void tl_tls_release_all(struct tl_tls *tt, int max_busy, int max_ms)
{
	uint64_t deadline = tl_now_ms() + (uint64_t)max_ms;

	tt->cycling = false;
	tt->relaying = false;
	for (int i = 0; i < tt->n && tl_now_ms() < deadline; i++) {
		while (tt->busy >= max_busy && tl_now_ms() < deadline)
			(void)tl_tls_step(tt, TL_TLS_SCAN_MS, NULL);
		tl_tls_release(tt, &tt->c[i]);
	}
	(void)tl_tls_settle(tt, deadline);
	for (int i = 0; i < tt->n; i++)
		if (tt->c[i].fd >= 0)
			tl_tc_close(tt, &tt->c[i], true);
}

/* The certificate chain is not checked at all (not even built): the client
 * trusts any server, and spends nothing on what a real client would cache. */
static int tl_tls_no_chain(X509_STORE_CTX *x, void *arg)
{
	(void)x;
	(void)arg;
	return 1;
}

int tl_tls_init(struct tl_tls *tt, struct tl *t, int n, bool small_buffers)
{
	tt->t = t;
	tt->n = n;
	tt->c = calloc((size_t)n, sizeof(*tt->c));
	tt->ctx = SSL_CTX_new(TLS_client_method());
	if (!tt->c || !tt->ctx)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		tt->c[i].fd = -1;
		tt->c[i].idx = (uint32_t)i;
	}
	/* TLS 1.2 or 1.3 (the server's choice, or 1.2 with --tls12); no session
	 * kept, no ticket asked for: every handshake is a full one. */
	SSL_CTX_set_min_proto_version(tt->ctx, TLS1_2_VERSION);
	if (t->o.tls12)
		SSL_CTX_set_max_proto_version(tt->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(tt->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_cert_verify_callback(tt->ctx, tl_tls_no_chain, NULL);
	SSL_CTX_set_app_data(tt->ctx, tt);
	if (t->o.tls_resume) {
		SSL_CTX_set_session_cache_mode(tt->ctx, SSL_SESS_CACHE_CLIENT |
								SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(tt->ctx, tl_tls_on_session);
	} else {
		SSL_CTX_set_session_cache_mode(tt->ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(tt->ctx, SSL_OP_NO_TICKET);
	}
	if (small_buffers)
		SSL_CTX_set_mode(tt->ctx, SSL_MODE_RELEASE_BUFFERS);
	return 0;
}

void tl_tls_fini(struct tl_tls *tt)
{
	for (int i = 0; i < tt->n; i++)
		if (tt->c[i].fd >= 0)
			tl_tc_close(tt, &tt->c[i], false);
	while (tt->npool)
		SSL_SESSION_free(tt->pool[--tt->npool]);
	SSL_CTX_free(tt->ctx);
	free(tt->c);
}

static void tl_tls_print_tls(const struct tl_tls *tt)
{
	printf(" tls_version=%s cipher=%s group=%s", tt->version[0] ? tt->version : "none",
	       tt->cipher[0] ? tt->cipher : "none", tt->group[0] ? tt->group : "none");
}

/* tls-alloc: o.sessions connections cycle (connect, handshake, Allocate,
 * 401, Allocate, Refresh 0, close) for o.duration_s after o.warmup_ms. */
int tl_tls_alloc_main(struct tl *t)
{
	static struct tl_tls tt;
	struct tl_snap a, b;
	struct tl_tls_counts k0;
	double secs, scpu, self, busy;
	int err;

	if ((err = tl_tls_init(&tt, t, t->o.sessions, false)) < 0)
		return 1;
	tt.cycling = true;
	for (int i = 0; i < tt.n; i++)
		tl_tls_start(&tt, &tt.c[i], TL_TG_CYCLE);
	uint64_t end = tl_now_ms() + (uint64_t)t->o.warmup_ms;
	while (tl_now_ms() < end)
		(void)tl_tls_step(&tt, TL_TLS_SCAN_MS, NULL);
	if (tt.k.cycles == 0) {
		fprintf(stderr,
			"turnload: no TLS session completed in the warm-up (%llu handshakes, "
			"last error code %d, last failure: %s)\n",
			(unsigned long long)tt.k.handshakes, tt.k.last_code,
			tt.k.last_fail[0] ? tt.k.last_fail : "none");
		tl_tls_fini(&tt);
		return 3;
	}
	k0 = tt.k;
	tl_snap_take(t, &a);
	end = tl_now_ms() + (uint64_t)(t->o.duration_s * 1000);
	while (tl_now_ms() < end && tt.k.cycles - k0.cycles < (uint64_t)t->o.cycles)
		(void)tl_tls_step(&tt, TL_TLS_SCAN_MS, NULL);
	tl_snap_take(t, &b);
	uint64_t cyc = tt.k.cycles - k0.cycles;
	tt.cycling = false;
	(void)tl_tls_settle(&tt, tl_now_ms() + 3000);
	tl_snap_diff(&a, &b, &secs, &scpu, &self, &busy);
	printf("phase=tls_alloc sessions=%d secs=%.2f cycles=%llu cps=%.0f handshakes=%llu "
	       "server_cpu=%.2f cycles_per_cpu_s=%.0f us_per_cycle=%.1f errors=%llu "
	       "failures=%llu loadgen_cpu=%.2f core_busy=%.2f resumed=%llu",
	       tt.n, secs, (unsigned long long)cyc, (double)cyc / secs,
	       (unsigned long long)(tt.k.handshakes - k0.handshakes), scpu,
	       scpu > 0 ? (double)cyc / scpu : -1, cyc ? scpu * 1e6 / (double)cyc : -1,
	       (unsigned long long)(tt.k.errors - k0.errors),
	       (unsigned long long)(tt.k.failures - k0.failures), self, busy,
	       (unsigned long long)(tt.k.resumed - k0.resumed));
	tl_tls_print_tls(&tt);
	printf("\n");
	if (tt.k.failures > k0.failures || tt.k.errors > k0.errors)
		fprintf(stderr, "turnload: tls-alloc: last error code %d, last failure: %s\n",
			tt.k.last_code, tt.k.last_fail[0] ? tt.k.last_fail : "none");
	tl_tls_fini(&tt);
	return 0;
}

static long tl_tls_settled_rss(const struct tl *t)
{
	usleep(TL_TLS_SETTLE_MS * 1000);
	return procstat_rss_kb(t->o.pid);
}

/* tls-hold: the server's VmRSS settled after a few sessions (idle), with
 * o.sessions TLS allocations held, and after they are released. */
int tl_tls_hold_main(struct tl *t)
{
	static struct tl_tls tt;
	int warm = t->o.sessions < 32 ? t->o.sessions : 32, held = 0, err;

	if ((err = tl_tls_init(&tt, t, t->o.sessions, true)) < 0)
		return 1;
	/* Warm-up: the server's lazily made state (TLS contexts, tables) exists
	 * before the idle figure is read. */
	tt.cycling = true;
	for (int i = 0; i < warm; i++)
		tl_tls_start(&tt, &tt.c[i], TL_TG_CYCLE);
	uint64_t end = tl_now_ms() + 10000;
	while (tl_now_ms() < end && tt.k.cycles < 4 * (uint64_t)warm)
		(void)tl_tls_step(&tt, TL_TLS_SCAN_MS, NULL);
	tt.cycling = false;
	(void)tl_tls_settle(&tt, tl_now_ms() + 3000);
	if (tt.k.cycles == 0) {
		fprintf(stderr, "turnload: tls-hold: warm-up failed (last error code %d, %s)\n",
			tt.k.last_code, tt.k.last_fail[0] ? tt.k.last_fail : "none");
		tl_tls_fini(&tt);
		return 3;
	}
	long rss0 = tl_tls_settled_rss(t);
	uint64_t t0 = tl_now_ms(), f0 = tt.k.failures;
	(void)tl_tls_start_many(&tt, 0, tt.n, TL_TG_HOLD, TL_CTL_WINDOW,
				t0 + 30000 + 20 * (uint64_t)tt.n);
	double hold_s = (double)(tl_now_ms() - t0) / 1e3;
	for (int i = 0; i < tt.n; i++)
		held += tt.c[i].state == TL_TS_READY;
	long rss1 = tl_tls_settled_rss(t);
	tl_tls_release_all(&tt, TL_CTL_WINDOW, 30000);
	long rss2 = tl_tls_settled_rss(t);
	printf("phase=tls_hold allocs=%d held=%d hold_secs=%.2f rss_idle_kb=%ld rss_held_kb=%ld "
	       "bytes_per_alloc=%.0f rss_released_kb=%ld errors=%llu failures=%llu last_code=%d",
	       tt.n, held, hold_s, rss0, rss1, held ? (double)(rss1 - rss0) * 1024.0 / held : -1,
	       rss2, (unsigned long long)tt.k.errors, (unsigned long long)(tt.k.failures - f0),
	       tt.k.last_code);
	tl_tls_print_tls(&tt);
	printf("\n");
	if (held < tt.n)
		fprintf(stderr, "turnload: tls-hold: %d of %d held (last failure: %s)\n", held,
			tt.n, tt.k.last_fail[0] ? tt.k.last_fail : "none");
	tl_tls_fini(&tt);
	return held ? 0 : 3;
}
