/* Stage 1 of a TCP connection (net/tcp.h): what comes before the first frame.
 *
 * From a trusted proxy (proxy-protocol-trusted), a PROXY header, v1 or v2 (net/proxy_hdr.h),
 * must come first, before TLS; the client it names becomes the connection's remote (the
 * 5-tuple, XOR-MAPPED-ADDRESS, per-source limits, logs). Only bytes known to belong to the
 * header are taken from the socket (the parser answers "a proper prefix, read more" until
 * it has the whole header), so nothing of what follows is consumed. A trusted source that
 * sends anything else is closed; so is a header naming a datagram transport or an AF_UNIX
 * client. An untrusted source that starts with a PROXY signature is closed too (it would
 * fail the STUN framing anyway; here it is counted as what it is).
 *
 * Then, when TLS is on, the first byte picks TLS (0x16: a handshake record, RFC 8446 §5.1)
 * or plain STUN (whose first byte is 0x00, 0x01 or 0x40..0x7f: RFC 8489 §6, RFC 8656 §12),
 * so one port serves turn: and turns:. It is peeked, not read.
 *
 * The whole stage is bounded by the handshake timeout. */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "net/limits.h"
#include "net/proxy_hdr.h"
#include "net/tcp.h"
#include "net/worker.h"

/* The first byte of a TLS record carrying a handshake message. */
#define NET_TLS_HANDSHAKE_RECORD 0x16

struct net_tcp_pre {
	uint8_t buf[PROXY_HDR_MAX];
	size_t have;
};

static const uint8_t net_proxy_v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					     0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

void net_tcp_pre_free(struct net_tcp_conn *c)
{
	if (c->stage_ev)
		event_free(c->stage_ev);
	c->stage_ev = NULL;
	free(c->pre);
	c->pre = NULL;
}

/* A refused connection: counted, logged at debug, freed. */
static void net_tcp_pre_refuse(struct net_tcp_conn *c, const char *why)
{
	char a[ADDR_STR_MAX];

	c->w->c.proxy_refused++;
	log_debug("net", "connection refused client=%s reason=\"%s\"",
		  addr_to_str(&c->conn.remote, a, sizeof(a)), why);
	net_tcp_conn_free(c);
}

/* The parsed header: the client it names becomes the remote, counted per source. 0 or -1
 * (c freed). */
static int net_tcp_pre_proxied(struct net_tcp_conn *c, const struct proxy_hdr *h)
{
	struct net_worker *w = c->w;

	c->proxied = false;
	free(c->pre);
	c->pre = NULL;
	/* LOCAL (a health check of the proxy's own): the connection's own addresses. */
	if (h->local)
		return 0;
	if (h->transport != PROXY_HDR_STREAM) {
		net_tcp_pre_refuse(c, "proxy header for a datagram connection");
		return -1;
	}
	if (net_limits_src_take(w->limits, &h->src) < 0) {
		w->c.tcp_refused_src++;
		net_tcp_conn_free(c);
		return -1;
	}
	c->conn.remote = h->src;
	c->src_counted = true;
	return 0;
}

/* Reads what is there of the PROXY header. 1: complete; 0: wait for more; -1: c freed. */
static int net_tcp_pre_header(struct net_tcp_conn *c)
{
	struct net_tcp_pre *p = c->pre;
	struct proxy_hdr h;
	ssize_t n;
	int rc;

	if (!p)
		p = c->pre = xcalloc(1, sizeof(*p));
	n = recv(c->fd, p->buf + p->have, sizeof(p->buf) - p->have, MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		net_tcp_conn_free(c);
		return -1;
	}
	rc = proxy_hdr_parse(p->buf, p->have + (size_t)n, &h);
	if (rc < 0) {
		net_tcp_pre_refuse(c, rc == -EAFNOSUPPORT ? "proxy header for a unix socket"
							  : "no valid proxy header");
		return -1;
	}
	/* Everything peeked belongs to the header (rc == 0: a proper prefix of one), or its
	 * first rc - have bytes do: take exactly those from the socket. */
	size_t take = rc > 0 ? (size_t)rc - p->have : (size_t)n;
	uint8_t sink[PROXY_HDR_MAX];

	if (recv(c->fd, sink, take, 0) != (ssize_t)take) {
		net_tcp_conn_free(c);
		return -1;
	}
	p->have += take;
	if (rc == 0)
		return 0;
	return net_tcp_pre_proxied(c, &h) < 0 ? -1 : 1;
}

/* True when buf[0..n) begins a PROXY header (v1 or v2), as far as n bytes tell. */
static bool net_tcp_pre_is_proxy(const uint8_t *buf, size_t n)
{
	static const char v1[] = "PROXY ";

	if (n >= sizeof(v1) - 1 && memcmp(buf, v1, sizeof(v1) - 1) == 0)
		return true;
	return n >= sizeof(net_proxy_v2_sig) &&
	       memcmp(buf, net_proxy_v2_sig, sizeof(net_proxy_v2_sig)) == 0;
}

/* Peeks the first bytes and starts TLS or plain STUN. 0: wait for more; -1: c freed or
 * handed on. */
static int net_tcp_pre_sniff(struct net_tcp_conn *c)
{
	uint8_t first[sizeof(net_proxy_v2_sig)];
	ssize_t n = recv(c->fd, first, sizeof(first), MSG_PEEK);
	bool tls;
	int err;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		net_tcp_conn_free(c);
		return -1;
	}
	if (net_tcp_pre_is_proxy(first, (size_t)n)) {
		net_tcp_pre_refuse(c, "proxy header from an untrusted source");
		return -1;
	}
	tls = c->tls_only || (c->w->opts->tls_tcp && first[0] == NET_TLS_HANDSHAKE_RECORD);
	net_tcp_pre_free(c);
	err = tls ? net_tls_start(c) : net_tcp_plain_start(c);
	if (err)
		net_tcp_conn_free(c);
	return -1;
}

/* Waits for c->fd to be readable until stage_until_ms. 0 or -ENOMEM. */
static int net_tcp_pre_wait(struct net_tcp_conn *c)
{
	uint64_t now = net_worker_now(c->w);
	uint64_t left = c->stage_until_ms > now ? c->stage_until_ms - now : 0;
	struct timeval tv = {(time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000};

	return event_add(c->stage_ev, &tv) < 0 ? -ENOMEM : 0;
}

static void net_tcp_pre_ready(evutil_socket_t fd, short what, void *arg)
{
	struct net_tcp_conn *c = arg;

	if (what & EV_TIMEOUT) {
		c->w->c.tcp_idle++;
		if (c->proxied)
			net_tcp_pre_refuse(c, "no proxy header in time");
		else
			net_tcp_conn_free(c);
		return;
	}
	if (c->proxied) {
		int rc = net_tcp_pre_header(c);

		if (rc < 0)
			return;
		if (rc == 0) {
			if (net_tcp_pre_wait(c) < 0)
				net_tcp_conn_free(c);
			return;
		}
	}
	if (net_tcp_pre_sniff(c) == 0 && net_tcp_pre_wait(c) < 0)
		net_tcp_conn_free(c);
}

int net_tcp_pre_start(struct net_tcp_conn *c)
{
	struct net_worker *w = c->w;

	c->stage_until_ms = net_worker_now(w) + (uint64_t)w->opts->handshake_s * 1000;
	c->stage_ev = event_new(w->base, c->fd, EV_READ, net_tcp_pre_ready, c);
	if (!c->stage_ev)
		return -ENOMEM;
	return net_tcp_pre_wait(c);
}
