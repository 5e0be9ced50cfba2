/* Stage 2 of a TCP connection (net/tcp.h): TURN over TLS (RFC 8656 §3.1, RFC 8489 §6.2.3).
 *
 * The handshake runs in OpenSSL over memory BIOs fed from the connection's socket
 * bufferevent. Once it is over, an AEAD suite (every TLS 1.3 suite, and TLS 1.2's AES-GCM
 * and ChaCha20-Poly1305) gives its keys to net/tls_rec.h and the SSL object is freed: the
 * records of the connection are sealed and opened by Tern, with the worker's one cipher
 * context, and an idle TLS connection costs its keys (~250 bytes) instead of OpenSSL's
 * ~15 KB. Any other suite (CBC, allowed by an operator's cipher-list) keeps its SSL and
 * goes through SSL_read/SSL_write over the same BIOs. Either way the TLS connection is the
 * TCP one in everything but its records: the framing, output watermarks (counting the
 * records not yet sent), idle and allocation lifetimes are net/tcp.c's. A connection keeps
 * the certificates (struct tls_ctxset) it was accepted with until it closes, so a reload
 * never disturbs it.
 *
 * The handshake must end within the handshake timeout of the accept; a failed one is one
 * log line (net/tls_hsfail.h: reason, client, SNI, offered version), rate-limited per
 * worker. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/aead.h"
#include "base/crypto.h"
#include "base/log.h"
#include "net/tcp.h"
#include "net/tls_ctx.h"
#include "net/tls_hsfail.h"
#include "net/tls_keys.h"
#include "net/tls_rec.h"
#include "net/worker.h"

/* Plaintext decrypted ahead of the framing, at most (a frame is at most 16 KB + 64). */
#define NET_TLS_PLAIN_MAX (2 * TLS_REC_PLAIN_MAX)

static const struct turn_conn_ops net_tls_conn_ops = {
	.name = "tls",
	.transport = TURN_TR_TLS,
	.stream = true,
	.proven = true,
	.secure = true,
	.send = net_tcp_conn_send,
	.hold = net_tcp_conn_hold,
	.release = net_tcp_conn_release,
};

/* Moves what OpenSSL wrote to the socket's output. 0 or -ENOMEM. */
static int net_tls_flush_ssl(struct net_tcp_conn *c)
{
	BIO *wbio = SSL_get_wbio(c->ssl);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char *p;
	long n = BIO_get_mem_data(wbio, &p);

	if (n <= 0)
		return 0;
	if (evbuffer_add(out, p, (size_t)n) < 0)
		return -ENOMEM;
	(void)BIO_reset(wbio);
	return 0;
}

/* Moves the socket's input into OpenSSL's. 0 or -ENOMEM. */
static int net_tls_feed_ssl(struct net_tcp_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	BIO *rbio = SSL_get_rbio(c->ssl);
	struct evbuffer_iovec v[8];
	int i, n = evbuffer_peek(in, -1, NULL, v, 8);

	for (i = 0; i < n && i < 8; i++) {
		if (BIO_write(rbio, v[i].iov_base, (int)v[i].iov_len) != (int)v[i].iov_len)
			return -ENOMEM;
		evbuffer_drain(in, v[i].iov_len);
	}
	return 0;
}

/* The reason of a failed handshake: OpenSSL's errors, else what ended it. */
static const char *net_tls_reason(short what, char *buf, size_t len)
{
	if (ERR_peek_error())
		return tls_ssl_error(buf, len);
	if (what & BEV_EVENT_TIMEOUT)
		return "handshake timeout";
	if (what & BEV_EVENT_EOF)
		return "connection closed during handshake";
	if (what & BEV_EVENT_ERROR) {
		int err = EVUTIL_SOCKET_ERROR();

		snprintf(buf, len, "%s", err ? strerror(err) : "handshake failed");
		return buf;
	}
	return "handshake failed";
}

/* Logs the failed handshake (rate-limited), sends the alert OpenSSL wrote, frees c. */
static void net_tls_failed(struct net_tcp_conn *c, short what)
{
	struct net_worker *w = c->w;
	char reason[256];
	struct tls_hsfail f = {
		.reason = net_tls_reason(what, reason, sizeof(reason)),
		.client = &c->conn.remote,
		.sni = tls_ssl_sni(c->ssl),
		.version = tls_ssl_offered_version(c->ssl),
	};

	w->c.tls_failed++;
	tls_hsfail_log(&w->hsfail, &f, net_worker_now(w));
	ERR_clear_error();
	/* The alert (protocol_version, say: RFC 8446 §6.2): what the socket takes now, the
	 * connection closes right after. */
	if (net_tls_flush_ssl(c) == 0) {
		struct evbuffer *out = bufferevent_get_output(c->bev);

		/* Only the bufferevent drains its output: lift that, it is freed next. */
		evbuffer_unfreeze(out, 1);
		evbuffer_write(out, bufferevent_getfd(c->bev));
	}
	net_tcp_conn_free(c);
}

/* The handshake is over: keys out of OpenSSL when the suite allows, then stage 3. */
static void net_tls_established(struct net_tcp_conn *c)
{
	struct net_worker *w = c->w;
	struct tls_rec_keys k;
	struct tls_rec *r = NULL;
	int rc;

	c->handshaking = false;
	w->c.tls_handshakes++;
	net_tcp_pre_free(c);
	if (!w->aead && crypto_aead_new(&w->aead) < 0)
		goto fail;
	c->plain = evbuffer_new();
	if (!c->plain)
		goto fail;
	rc = tls_keys_take(c->ssl, &k);
	if (rc == 0) {
		r = malloc(sizeof(*r));
		rc = r ? tls_rec_init(r, &k) : -ENOMEM;
		crypto_wipe(&k, sizeof(k));
	}
	if (rc == 0) {
		/* Records after the client's Finished are still in the memory BIO: back in
		 * front of the socket's input. */
		BIO *rbio = SSL_get_rbio(c->ssl);
		char *p;
		long n = BIO_get_mem_data(rbio, &p);

		if (n > 0 && evbuffer_prepend(bufferevent_get_input(c->bev), p, (size_t)n) < 0)
			goto fail;
		c->rec = r;
		r = NULL;
		SSL_free(c->ssl);
		c->ssl = NULL;
	} else if (rc != -ENOTSUP) {
		goto fail;
	}
	net_tcp_conn_start(c, c->bev);
	net_tcp_kick(c);
	return;
fail:
	free(r);
	net_tcp_conn_free(c);
}

/* Handshake bytes arrived. */
static void net_tls_hs_readable(struct bufferevent *bev, void *arg)
{
	struct net_tcp_conn *c = arg;
	int rc;

	(void)bev;
	ERR_clear_error();
	if (net_tls_feed_ssl(c) < 0) {
		net_tls_failed(c, BEV_EVENT_ERROR);
		return;
	}
	rc = SSL_do_handshake(c->ssl);
	if (rc == 1) {
		if (net_tls_flush_ssl(c) < 0) {
			net_tls_failed(c, BEV_EVENT_ERROR);
			return;
		}
		net_tls_established(c);
		return;
	}
	rc = SSL_get_error(c->ssl, rc);
	if ((rc != SSL_ERROR_WANT_READ && rc != SSL_ERROR_WANT_WRITE) || net_tls_flush_ssl(c) < 0)
		net_tls_failed(c, 0);
}

static void net_tls_hs_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	net_tls_failed(arg, what);
}

/* The handshake's deadline passed. */
static void net_tls_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	net_tls_failed(arg, BEV_EVENT_TIMEOUT);
}

int net_tls_start(struct net_tcp_conn *c)
{
	struct net_worker *w = c->w;
	uint64_t now = net_worker_now(w), left;
	struct timeval tv;
	BIO *rbio, *wbio;

	if (!w->tls)
		return -EINVAL;
	if (!c->stage_until_ms)
		c->stage_until_ms = now + (uint64_t)w->opts->handshake_s * 1000;
	left = c->stage_until_ms > now ? c->stage_until_ms - now : 0;
	tv = (struct timeval){(time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000};
	c->stage_ev = evtimer_new(w->base, net_tls_deadline, c);
	if (!c->stage_ev || evtimer_add(c->stage_ev, &tv) < 0)
		return -ENOMEM;
	c->ssl = tls_ctxset_ssl(w->tls);
	rbio = BIO_new(BIO_s_mem());
	wbio = BIO_new(BIO_s_mem());
	if (!c->ssl || !rbio || !wbio) {
		BIO_free(rbio);
		BIO_free(wbio);
		return -ENOMEM; /* c->ssl: freed with c */
	}
	SSL_set_bio(c->ssl, rbio, wbio);
	SSL_set_accept_state(c->ssl);
	if (!net_tcp_bev_new(c))
		return -ENOMEM;
	c->tls = tls_ctxset_ref(w->tls);
	c->conn.ops = &net_tls_conn_ops;
	c->handshaking = true;
	bufferevent_setcb(c->bev, net_tls_hs_readable, NULL, net_tls_hs_event, c);
	bufferevent_enable(c->bev, EV_READ);
	return 0;
}

void net_tls_rec_free(struct tls_rec *r)
{
	if (r) {
		tls_rec_wipe(r);
		free(r);
	}
}

void net_tls_free(struct net_tcp_conn *c)
{
	net_tls_rec_free(c->rec);
	c->rec = NULL;
	if (c->plain)
		evbuffer_free(c->plain);
	c->plain = NULL;
	SSL_free(c->ssl);
	c->ssl = NULL;
}

/* Seals buf into the socket's output, in records of at most 2^14 bytes. 0 or -ENOMEM. */
static int net_tls_seal(struct net_tcp_conn *c, uint8_t type, const uint8_t *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t over = tls_rec_overhead(c->rec);

	do {
		size_t n = len < TLS_REC_PLAIN_MAX ? len : TLS_REC_PLAIN_MAX;
		struct evbuffer_iovec v;
		int r;

		if (evbuffer_reserve_space(out, (ev_ssize_t)(n + over), &v, 1) != 1)
			return -ENOMEM;
		r = tls_rec_seal(c->rec, c->w->aead, type, buf, n, v.iov_base);
		if (r < 0)
			return -ENOMEM;
		v.iov_len = (size_t)r;
		if (evbuffer_commit_space(out, &v, 1) < 0)
			return -ENOMEM;
		buf += n;
		len -= n;
	} while (len > 0);
	return 0;
}

int net_tls_write(struct net_tcp_conn *c, const uint8_t *buf, size_t len)
{
	if (c->rec)
		return net_tls_seal(c, TLS_REC_APPLICATION_DATA, buf, len);
	ERR_clear_error();
	if (len && SSL_write(c->ssl, buf, (int)len) != (int)len) {
		ERR_clear_error();
		return -EIO;
	}
	return net_tls_flush_ssl(c);
}

/* A handshake message after the handshake: TLS 1.3's KeyUpdate (RFC 8446 §4.6.3), one
 * whole message per record; a TLS 1.2 ClientHello, a renegotiation, which Tern refuses
 * with a warning no_renegotiation alert and goes on (RFC 5746 §4.2, RFC 5246 §7.2.2), as
 * OpenSSL does. 0, or -EPROTO. */
static int net_tls_post_handshake(struct net_tcp_conn *c, const uint8_t *p, size_t n)
{
	static const uint8_t ku_not_requested[5] = {24, 0, 0, 1, 0};
	static const uint8_t no_renegotiation[2] = {1, 100};
	struct tls_rec *r = c->rec;

	if (r->version == TLS_REC_VERSION_12) {
		if (n < 4 || p[0] != 1)
			return -EPROTO;
		return net_tls_seal(c, TLS_REC_ALERT, no_renegotiation, 2) < 0 ? -EPROTO : 0;
	}
	if (n != 5 || p[0] != 24 || p[1] || p[2] || p[3] != 1 || p[4] > 1)
		return -EPROTO;
	/* update_requested: answer with our own KeyUpdate, under the old write keys, then
	 * switch them; the read keys change after this record either way. */
	if (p[4] == 1 && (net_tls_seal(c, TLS_REC_HANDSHAKE, ku_not_requested, 5) < 0 ||
			  tls_rec_key_update(r, true) < 0))
		return -EPROTO;
	return tls_rec_key_update(r, false) < 0 ? -EPROTO : 0;
}

/* Opens the whole records in the socket's input into c->plain. 0, or -EPROTO (a record
 * that does not authenticate, a protocol error, an alert: the connection ends). */
static int net_tls_open(struct net_tcp_conn *c, bool *full)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	uint8_t hdr[TLS_REC_HDR_LEN], type;
	size_t len, off, n;

	while (evbuffer_get_length(c->plain) < NET_TLS_PLAIN_MAX &&
	       evbuffer_copyout(in, hdr, sizeof(hdr)) == (ev_ssize_t)sizeof(hdr)) {
		if (tls_rec_length(c->rec, hdr, &len) < 0)
			return -EPROTO;
		if (evbuffer_get_length(in) < len)
			break;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)len);
		if (!p || tls_rec_open(c->rec, c->w->aead, p, len, &type, &off, &n) < 0)
			return -EPROTO;
		if (type == TLS_REC_APPLICATION_DATA) {
			if (n && evbuffer_add(c->plain, p + off, n) < 0)
				return -EPROTO;
		} else if (type != TLS_REC_HANDSHAKE || net_tls_post_handshake(c, p + off, n) < 0) {
			return -EPROTO; /* an alert (close_notify included) ends it */
		}
		evbuffer_drain(in, len);
	}
	*full = evbuffer_get_length(c->plain) >= NET_TLS_PLAIN_MAX;
	return 0;
}

/* The same through OpenSSL, for a suite that kept its SSL. */
static int net_tls_open_ssl(struct net_tcp_conn *c, bool *full)
{
	struct evbuffer_iovec v;
	int n = 0;

	ERR_clear_error();
	if (net_tls_feed_ssl(c) < 0)
		return -EPROTO;
	while (evbuffer_get_length(c->plain) < NET_TLS_PLAIN_MAX) {
		if (evbuffer_reserve_space(c->plain, 4096, &v, 1) != 1)
			return -EPROTO;
		n = SSL_read(c->ssl, v.iov_base, (int)v.iov_len);
		if (n <= 0)
			break;
		v.iov_len = (size_t)n;
		evbuffer_commit_space(c->plain, &v, 1);
	}
	*full = n > 0;
	if (n <= 0 && SSL_get_error(c->ssl, n) != SSL_ERROR_WANT_READ)
		return -EPROTO;
	return net_tls_flush_ssl(c) < 0 ? -EPROTO : 0;
}

struct evbuffer *net_tls_input(struct net_tcp_conn *c, bool *full, int *err)
{
	*full = false;
	*err = c->rec ? net_tls_open(c, full) : net_tls_open_ssl(c, full);
	if (*err < 0)
		ERR_clear_error();
	return c->plain;
}

struct tls_rec *net_tls_detach(struct net_tcp_conn *c)
{
	struct tls_rec *r = c->rec;

	/* A suite without AEAD keeps OpenSSL's session (c->ssl), which stays; so does one
	 * with records sealed and not yet sent. */
	if (!r || c->ssl || c->handshaking || net_tcp_out_len(c) > 0)
		return NULL;
	c->rec = NULL;
	return r;
}

int net_tls_adopt(struct net_tcp_conn *c, struct tls_rec *rec)
{
	struct net_worker *w = c->w;
	struct bufferevent *bev;

	c->rec = rec; /* freed with c from here on */
	if (!w->aead && crypto_aead_new(&w->aead) < 0)
		return -ENOMEM;
	c->plain = evbuffer_new();
	bev = c->plain ? net_tcp_bev_new(c) : NULL;
	if (!bev)
		return -ENOMEM;
	c->conn.ops = &net_tls_conn_ops;
	net_tcp_conn_start(c, bev);
	return 0;
}
