/* Stage 2 of a TCP connection (net/tcp.h): TURN over TLS (RFC 8656 §3.1, RFC 8489 §6.2.3),
 * on libevent's OpenSSL bufferevent as a filter over a socket bufferevent. The filter lets
 * one read(2) bring in many records and one write(2) send many (over the socket directly,
 * OpenSSL reads each record's header and body with a read(2) each): about 1.5 times the
 * relayed packets per CPU-second on 160-byte ChannelData, measured with scripts/bench.sh
 * tls. Its callbacks are deferred to the loop, so nothing in net/tcp.c runs from within a
 * drain or a write of its own. The TLS connection is the TCP one in everything but its
 * transport name: the framing, output watermarks (counting the records not yet sent),
 * idle and allocation lifetimes are net/tcp.c's. A connection keeps the certificates (struct
 * tls_ctxset) it was accepted with until it closes, so a reload never disturbs it.
 *
 * The handshake must end within the handshake timeout of the accept; a failed one is one
 * log line (net/tls_hsfail.h: reason, client, SNI, offered version), rate-limited per
 * worker. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "net/tcp.h"
#include "net/tls_ctx.h"
#include "net/tls_hsfail.h"
#include "net/worker.h"

static const struct turn_conn_ops net_tls_conn_ops = {
	.name = "tls",
	.stream = true,
	.proven = true,
	.send = net_tcp_conn_send,
	.hold = net_tcp_conn_hold,
	.release = net_tcp_conn_release,
};

/* The reason of a failed handshake: OpenSSL's errors as libevent collected them, else
 * what ended it. */
static const char *net_tls_reason(struct net_tcp_conn *c, short what, char *buf, size_t len)
{
	unsigned long e;
	size_t off = 0;

	buf[0] = '\0';
	while ((e = bufferevent_get_openssl_error(c->bev)) != 0 && off + 2 < len) {
		/* libevent also queues the SSL_get_error code, which is no OpenSSL error. */
		if (ERR_GET_LIB(e) == 0)
			continue;
		if (off)
			buf[off++] = ';';
		ERR_error_string_n(e, buf + off, len - off);
		off += strlen(buf + off);
	}
	if (off)
		return buf;
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

/* Logs the failed handshake (rate-limited) and frees c. */
static void net_tls_failed(struct net_tcp_conn *c, short what)
{
	struct net_worker *w = c->w;
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	char reason[256];
	struct tls_hsfail f = {
		.reason = net_tls_reason(c, what, reason, sizeof(reason)),
		.client = &c->conn.remote,
		.sni = ssl ? tls_ssl_sni(ssl) : NULL,
		.version = ssl ? tls_ssl_offered_version(ssl) : 0,
	};

	w->c.tls_failed++;
	tls_hsfail_log(&w->hsfail, &f, net_worker_now(w));
	/* The alert OpenSSL wrote (protocol_version, say: RFC 8446 §6.2) is still below the
	 * filter: send what the socket takes now, the connection closes right after. */
	if (c->under_out && evbuffer_get_length(c->under_out)) {
		/* Only the socket bufferevent drains its output: lift that, it is freed next. */
		evbuffer_unfreeze(c->under_out, 1);
		evbuffer_write(c->under_out, bufferevent_getfd(bufferevent_get_underlying(c->bev)));
	}
	net_tcp_conn_free(c);
}

static void net_tls_kick(evutil_socket_t fd, short what, void *arg)
{
	net_tcp_out_drained(arg);
}

/* The records below the TLS filter changed: once they are all sent, a connection waiting
 * for its output to drain (closing, or paused) goes on, from the loop (never from within
 * the socket's own write). */
static void net_tls_under_out(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct net_tcp_conn *c = arg;

	if (!info->n_deleted || evbuffer_get_length(buf) || !(c->closing || c->paused) ||
	    c->handshaking)
		return;
	if (!c->stage_ev)
		c->stage_ev = evtimer_new(c->w->base, net_tls_kick, c);
	if (c->stage_ev)
		event_active(c->stage_ev, EV_TIMEOUT, 1);
}

void net_tls_free(struct net_tcp_conn *c)
{
	if (c->under_out)
		evbuffer_remove_cb(c->under_out, net_tls_under_out, c);
	c->under_out = NULL;
}

/* The handshake's deadline passed. */
static void net_tls_deadline(evutil_socket_t fd, short what, void *arg)
{
	net_tls_failed(arg, BEV_EVENT_TIMEOUT);
}

bool net_tls_event(struct net_tcp_conn *c, short what)
{
	if (!c->handshaking)
		return false;
	if (what & BEV_EVENT_CONNECTED) {
		c->handshaking = false;
		c->w->c.tls_handshakes++;
		net_tcp_pre_free(c);
		return false;
	}
	net_tls_failed(c, what);
	return true;
}

int net_tls_start(struct net_tcp_conn *c)
{
	struct net_worker *w = c->w;
	struct bufferevent *bev;
	uint64_t now = net_worker_now(w), left;
	struct timeval tv;
	SSL *ssl;

	if (!w->tls)
		return -EINVAL;
	if (!c->stage_until_ms)
		c->stage_until_ms = now + (uint64_t)w->opts->handshake_s * 1000;
	left = c->stage_until_ms > now ? c->stage_until_ms - now : 0;
	tv = (struct timeval){(time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000};
	c->stage_ev = evtimer_new(w->base, net_tls_deadline, c);
	if (!c->stage_ev || evtimer_add(c->stage_ev, &tv) < 0)
		return -ENOMEM;
	ssl = tls_ctxset_ssl(w->tls);
	if (!ssl)
		return -ENOMEM;
	struct bufferevent *under = bufferevent_socket_new(w->base, c->fd, BEV_OPT_CLOSE_ON_FREE);
	if (!under) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	bev = bufferevent_openssl_filter_new(w->base, under, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		bufferevent_free(under);
		return -ENOMEM;
	}
	c->under_out = bufferevent_get_output(under);
	evbuffer_add_cb(c->under_out, net_tls_under_out, c);
	/* A client that closes without close_notify ends the connection like a TCP FIN. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	c->tls = tls_ctxset_ref(w->tls);
	c->conn.ops = &net_tls_conn_ops;
	c->handshaking = true;
	net_tcp_conn_start(c, bev);
	return 0;
}

struct ssl_st *net_tls_detach(struct net_tcp_conn *c)
{
	struct bufferevent *under = bufferevent_get_underlying(c->bev);
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);

	/* Records not yet sent or not yet decrypted would be lost: such a connection stays. */
	if (!ssl || c->handshaking || !under || evbuffer_get_length(c->under_out) ||
	    evbuffer_get_length(bufferevent_get_input(under)) ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) || SSL_pending(ssl))
		return NULL;
	/* The filter frees its reference with the connection; this one travels. */
	if (SSL_up_ref(ssl) != 1)
		return NULL;
	/* The socket bufferevent below outlives the filter a while (the filter's BIO holds a
	 * reference until libevent finalizes it in this worker's loop): it must not read
	 * what the session's new worker is to read. */
	bufferevent_disable(under, EV_READ | EV_WRITE);
	return ssl;
}

int net_tls_adopt(struct net_tcp_conn *c, struct ssl_st *ssl)
{
	struct net_worker *w = c->w;
	struct bufferevent *under, *bev;

	under = bufferevent_socket_new(w->base, c->fd, BEV_OPT_CLOSE_ON_FREE);
	if (!under) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	c->fd = -1; /* the socket is under's now */
	/* The session goes on where the other worker left it (SSL_set_bio inside replaces the
	 * BIO that pointed at that worker's socket bufferevent). */
	bev = bufferevent_openssl_filter_new(w->base, under, ssl, BUFFEREVENT_SSL_OPEN,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		bufferevent_free(under);
		return -ENOMEM;
	}
	c->under_out = bufferevent_get_output(under);
	evbuffer_add_cb(c->under_out, net_tls_under_out, c);
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	c->conn.ops = &net_tls_conn_ops;
	net_tcp_conn_start(c, bev);
	return 0;
}
