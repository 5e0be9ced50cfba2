/* TCP relaying (RFC 6062, net/tcprelay.h): the relayed address's listener, peer data
 * connections and their splice with client data connections. */
#include "config.h" /* first: _GNU_SOURCE for accept4(2) */
#include "net/tcprelay.h"

#include <errno.h>
#include <fcntl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "net/limits.h"
#include "net/relay.h"
#include "net/relay_addr.h"
#include "net/tcp.h"
#include "net/tls_ctx.h"
#include "net/worker.h"

/* Output of one side above which the other side stops reading, and the level below which
 * it reads again; the input high watermark of each side (what one read may add). */
#define NET_SPLICE_MAX_OUT (256 * 1024)
#define NET_SPLICE_LOW_OUT (NET_SPLICE_MAX_OUT / 2)
#define NET_SPLICE_READ_WM (64 * 1024)
/* Peer connections accepted per wakeup of a relay listener; its backlog. */
#define NET_TCPRELAY_ACCEPTS 16
#define NET_TCPRELAY_BACKLOG 64

/* A peer data connection. */
struct net_tcp_peer {
	struct net_worker *w;
	struct net_tcp_peer *prev, *next; /* on w->peers */
	struct turn_tcp_conn *tc;	  /* the TURN core's; NULL once it forgot (or closed) it */
	struct bufferevent *bev;	  /* the peer's socket */
	struct net_tcp_conn *client;	  /* the client data connection, once bound */
	struct event *kick;		  /* starts the splice after the ConnectionBind success */
	bool connecting;		  /* Connect: waiting for the peer */
	bool spliced;			  /* bytes flow between bev and client */
	bool peer_paused;		  /* bev not read: the client's output is full */
	bool client_paused;		  /* client not read: bev's output is full */
	bool closing;			  /* free once bev's output is flushed */
};

/* ---- the client side: raw bytes, through TLS records when the connection is TLS ---- */

/* Moves all of src toward the client (TLS: sealed in records). 0 or -ENOMEM. */
static int net_tcp_write_buffer(struct net_tcp_conn *c, struct evbuffer *src)
{
	if (!c->tls)
		return bufferevent_write_buffer(c->bev, src) < 0 ? -ENOMEM : 0;
	while (evbuffer_get_length(src) > 0) {
		size_t n = evbuffer_get_contiguous_space(src);
		const uint8_t *p = evbuffer_pullup(src, (ev_ssize_t)n);

		if (!p || net_tls_write(c, p, n) < 0)
			return -ENOMEM;
		evbuffer_drain(src, n);
	}
	return 0;
}

/* The client's input (TLS: the plaintext of the records opened so far; *full and *err as
 * net_tls_input says; plain TCP: both 0). */
static struct evbuffer *net_tcp_raw_input(struct net_tcp_conn *c, bool *full, int *err)
{
	*full = false;
	*err = 0;
	if (c->tls)
		return net_tls_input(c, full, err);
	return bufferevent_get_input(c->bev);
}

/* ---- the listener ---- */

/* Sockets of one relayed address: its listener and the connections made from it all bind
 * the same address and port (RFC 6062 §5.2: the local endpoint is the relayed transport
 * address), which Linux allows only with SO_REUSEPORT on all of them. A port is taken for
 * a new listener only after an exclusive bind (no SO_REUSEPORT) proved it free; the lock
 * keeps two workers from proving the same port at once. */
static pthread_mutex_t net_tcprelay_port_lock = PTHREAD_MUTEX_INITIALIZER;

static int net_tcprelay_sock(const struct addr *a, bool reuseport, int *out)
{
	int fd = socket(addr_family(a), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (addr_family(a) == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, &a->u.sa, addr_len(a)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* A listener at ip:port when the port is free. 0, -EADDRINUSE or -errno. */
static int net_tcprelay_try(const struct addr *ip, uint16_t port, int *fd)
{
	struct addr a = *ip;
	int probe, err;

	addr_set_port(&a, port);
	pthread_mutex_lock(&net_tcprelay_port_lock);
	err = net_tcprelay_sock(&a, false, &probe);
	if (!err) {
		close(probe);
		err = net_tcprelay_sock(&a, true, fd);
	}
	pthread_mutex_unlock(&net_tcprelay_port_lock);
	if (!err && listen(*fd, NET_TCPRELAY_BACKLOG) < 0) {
		err = -errno;
		close(*fd);
	}
	return err;
}

/* A listener on the relay address at a free port of the relay range, probed from a
 * pseudo-random start. 0, -ENOSPC or -errno. */
static int net_tcprelay_listen(struct net_worker *w, const struct addr *ip, int *fd,
			       struct addr *bound)
{
	uint32_t lo = w->opts->min_port, hi = w->opts->max_port, span, start;
	int err;

	if (lo == 0 || hi < lo)
		return -ENOSPC;
	span = hi - lo + 1;
	start = (uint32_t)((net_clock_ms() * 2654435761u) ^ ((uintptr_t)fd >> 4)) % span;
	for (uint32_t i = 0; i < span; i++) {
		uint16_t port = (uint16_t)(lo + (start + i) % span);

		err = net_tcprelay_try(ip, port, fd);
		if (err == -EADDRINUSE || err == -EACCES)
			continue;
		if (err)
			return err;
		*bound = *ip;
		addr_set_port(bound, port);
		return 0;
	}
	return -ENOSPC;
}

static void net_tcprelay_accept(evutil_socket_t fd, short what, void *arg);

int net_tcprelay_open(struct net_worker *w, const struct turn_relay_req *req,
		      struct turn_relay_res *res)
{
	const struct addr *ip =
		net_relay_addr_pick(w->opts, req->family, req->client ? &req->client->local : NULL);
	struct net_relay *r;
	struct addr bound;
	int fd, err;

	if (!ip)
		return -EAFNOSUPPORT;
	if (net_limits_relay_take(w->limits, 1) < 0)
		return -EMFILE;
	err = net_tcprelay_listen(w, ip, &fd, &bound);
	if (err) {
		net_limits_relay_put(w->limits, 1);
		return err;
	}
	r = xcalloc(1, sizeof(*r));
	r->w = w;
	r->fd = fd;
	r->local = bound;
	r->tcp = true;
	r->alloc = req->alloc;
	r->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, net_tcprelay_accept, r);
	if (!r->ev || event_add(r->ev, NULL) < 0) {
		net_relay_close(w, r);
		return -ENOMEM;
	}
	res->relay = r;
	res->reserved = NULL;
	net_relay_addr_external(w->opts, &r->local, &res->relayed);
	if (req->client && req->client->conn->ops->hold) {
		r->conn = req->client->conn;
		r->conn->ops->hold(r->conn);
	}
	return 0;
}

/* ---- peer data connections ---- */

static void net_peer_read(struct bufferevent *bev, void *arg);
static void net_peer_write(struct bufferevent *bev, void *arg);
static void net_peer_event(struct bufferevent *bev, short what, void *arg);
static void net_peer_kick(evutil_socket_t fd, short what, void *arg);

/* A peer conn on socket fd (taken, also on failure; counted in the relay budget by the
 * caller, given back by net_peer_free). */
static struct net_tcp_peer *net_peer_new(struct net_worker *w, int fd)
{
	struct net_tcp_peer *p = xcalloc(1, sizeof(*p));

	p->w = w;
	p->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	p->kick = event_new(w->base, -1, 0, net_peer_kick, p);
	if (!p->bev || !p->kick) {
		if (p->bev)
			bufferevent_free(p->bev);
		else
			close(fd);
		if (p->kick)
			event_free(p->kick);
		free(p);
		net_limits_relay_put(w->limits, 1);
		return NULL;
	}
	bufferevent_setcb(p->bev, net_peer_read, net_peer_write, net_peer_event, p);
	p->next = w->peers;
	if (w->peers)
		w->peers->prev = p;
	w->peers = p;
	/* §5.2/§5.3: until bound, what the peer sends waits here; the watermark stops reading
	 * (the kernel's receive window then closes) instead of buffering without bound. */
	bufferevent_setwatermark(p->bev, EV_READ, 0, NET_SPLICE_READ_WM);
	bufferevent_setwatermark(p->bev, EV_WRITE, NET_SPLICE_LOW_OUT, 0);
	return p;
}

/* Frees p (its client data connection must be detached already). Never calls turn/. */
static void net_peer_free(struct net_tcp_peer *p)
{
	struct net_worker *w = p->w;

	if (p->prev)
		p->prev->next = p->next;
	else
		w->peers = p->next;
	if (p->next)
		p->next->prev = p->prev;
	bufferevent_free(p->bev);
	event_free(p->kick);
	free(p);
	net_limits_relay_put(w->limits, 1);
}

/* Frees p now when its output is empty, else once flushed. */
static void net_peer_close_flushed(struct net_tcp_peer *p)
{
	if (evbuffer_get_length(bufferevent_get_output(p->bev)) == 0) {
		net_peer_free(p);
		return;
	}
	p->closing = true;
	bufferevent_disable(p->bev, EV_READ);
	bufferevent_setwatermark(p->bev, EV_WRITE, 0, 0);
}

/* Takes p's client data connection off it: closed once its output is flushed. */
static void net_peer_drop_client(struct net_tcp_peer *p)
{
	struct net_tcp_conn *c = p->client;

	if (!c)
		return;
	p->client = NULL;
	c->pair = NULL;
	c->paused = false;
	net_tcp_conn_end(c);
}

/* Bytes moved between a bound data connection and its peer, for the allocation's session
 * line (the core's counters; p->tc is set while the core knows the connection). */
static void net_peer_count(struct net_tcp_peer *p, size_t to_peer, size_t to_client)
{
	if (p->tc && (to_peer || to_client))
		turn_tcp_relayed(p->tc, to_peer, to_client);
}

/* The peer side ended (EOF, error): the TURN core forgets it, what the peer sent still
 * reaches the client, and the client data connection closes after it (§5.5). */
static void net_peer_gone(struct net_tcp_peer *p)
{
	struct net_worker *w = p->w;

	if (p->client && p->spliced)
		net_peer_count(p, 0, evbuffer_get_length(bufferevent_get_input(p->bev)));
	if (p->tc && w->turn)
		turn_tcp_closed(w->turn, p->tc);
	p->tc = NULL;
	if (p->client && p->spliced)
		net_tcp_write_buffer(p->client, bufferevent_get_input(p->bev));
	net_peer_drop_client(p);
	net_peer_free(p);
}

/* Moves what one side read to the other's output; over the watermark, the reading side
 * stops. */
static void net_splice_p2c(struct net_tcp_peer *p)
{
	struct net_tcp_conn *c = p->client;
	struct evbuffer *in = bufferevent_get_input(p->bev);
	size_t n = evbuffer_get_length(in);

	net_tcp_write_buffer(c, in);
	net_peer_count(p, 0, n - evbuffer_get_length(in));
	if (net_tcp_out_len(c) >= NET_SPLICE_MAX_OUT && !p->peer_paused) {
		p->peer_paused = true;
		c->paused = true; /* TLS: the records below drained: net_tcp_out_drained */
		bufferevent_disable(p->bev, EV_READ);
	}
}

/* Client to peer. Returns -EPROTO when the client's TLS ended (an alert, a bad record):
 * the caller closes it. */
static int net_splice_c2p(struct net_tcp_peer *p)
{
	struct net_tcp_conn *c = p->client;
	struct evbuffer *out = bufferevent_get_output(p->bev);
	size_t before = evbuffer_get_length(out);
	bool full;
	int err;

	do {
		bufferevent_write_buffer(p->bev, net_tcp_raw_input(c, &full, &err));
		if (err)
			break;
	} while (full && evbuffer_get_length(out) < NET_SPLICE_MAX_OUT);
	net_peer_count(p, evbuffer_get_length(out) - before, 0);
	if (err)
		return err;
	if (evbuffer_get_length(out) >= NET_SPLICE_MAX_OUT && !p->client_paused) {
		p->client_paused = true;
		bufferevent_disable(c->bev, EV_READ);
	}
	return 0;
}

static void net_peer_read(struct bufferevent *bev, void *arg)
{
	struct net_tcp_peer *p = arg;

	if (p->spliced)
		net_splice_p2c(p);
}

/* The peer's output fell below the low mark (or drained, when closing). */
static void net_peer_write(struct bufferevent *bev, void *arg)
{
	struct net_tcp_peer *p = arg;

	if (p->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			net_peer_free(p);
		return;
	}
	if (p->client_paused && p->client) {
		struct net_tcp_conn *c = p->client;

		p->client_paused = false;
		bufferevent_enable(c->bev, EV_READ);
		if (net_splice_c2p(p) < 0)
			net_tcp_conn_free(c);
	}
}

/* The result of the connection attempt of a Connect (§5.2). */
static void net_peer_connected(struct net_tcp_peer *p, short what)
{
	struct net_worker *w = p->w;
	struct turn_tcp_conn *tc = p->tc;

	p->connecting = false;
	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_enable(p->bev, EV_READ);
		if (tc && w->turn)
			turn_tcp_connected(w->turn, tc, 0);
		return;
	}
	p->tc = NULL;
	net_peer_free(p);
	if (tc && w->turn)
		turn_tcp_connected(w->turn, tc, -ECONNREFUSED);
}

static void net_peer_event(struct bufferevent *bev, short what, void *arg)
{
	struct net_tcp_peer *p = arg;

	if (p->connecting) {
		net_peer_connected(p, what);
		return;
	}
	if (p->closing) { /* the peer left before taking the rest */
		net_peer_free(p);
		return;
	}
	net_peer_gone(p);
}

static void net_tcprelay_accept_one(struct net_relay *r, int fd, const struct addr *peer)
{
	struct net_worker *w = r->w;
	struct net_tcp_peer *p;

	if (net_limits_relay_take(w->limits, 1) < 0) {
		w->c.relay_no_fd++;
		close(fd);
		return;
	}
	p = net_peer_new(w, fd);
	if (!p)
		return;
	/* §5.3: kept only with a permission for the peer (and within the limits). */
	if (!w->turn ||
	    turn_tcp_accepted(w->turn, r->alloc, peer, p, net_worker_now(w), &p->tc) < 0) {
		net_peer_free(p);
		return;
	}
	bufferevent_enable(p->bev, EV_READ);
}

/* §5.3: peers connecting to the relayed transport address. */
static void net_tcprelay_accept(evutil_socket_t fd, short what, void *arg)
{
	struct net_relay *r = arg;

	for (int i = 0; i < NET_TCPRELAY_ACCEPTS; i++) {
		struct addr peer = {0};
		socklen_t sl = sizeof(peer.u.ss);
		int s = accept4(r->fd, &peer.u.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (s < 0)
			return;
		net_tcprelay_accept_one(r, s, &peer);
	}
}

int net_tcprelay_connect(void *ctx, void *relay, const struct addr *peer, struct turn_tcp_conn *tc,
			 void **conn)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;
	struct net_tcp_peer *p;
	int fd, err;

	if (!r->tcp)
		return -EINVAL;
	if (net_limits_relay_take(w->limits, 1) < 0)
		return -EMFILE;
	/* §5.2: from the relayed transport address (the listener's address and port). */
	err = net_tcprelay_sock(&r->local, true, &fd);
	if (err) {
		net_limits_relay_put(w->limits, 1);
		return err;
	}
	p = net_peer_new(w, fd);
	if (!p)
		return -ENOMEM;
	p->connecting = true;
	p->tc = tc;
	/* A refusal seen at once is reported later through the event callback. */
	if (bufferevent_socket_connect(p->bev, &peer->u.sa, (int)addr_len(peer)) < 0) {
		net_peer_free(p);
		return -ECONNREFUSED;
	}
	*conn = p;
	return 0;
}

void net_tcprelay_close(void *ctx, void *conn)
{
	struct net_tcp_peer *p = conn;

	(void)ctx;
	p->tc = NULL;
	if (p->client && p->spliced)
		net_tcp_write_buffer(p->client, bufferevent_get_input(p->bev));
	net_peer_drop_client(p);
	if (p->connecting) {
		net_peer_free(p);
		return;
	}
	net_peer_close_flushed(p);
}

int net_tcprelay_bind(void *ctx, void *conn, struct turn_conn *data)
{
	struct net_tcp_peer *p = conn;
	struct net_tcp_conn *c = (struct net_tcp_conn *)data;

	(void)ctx;
	if (p->client || c->pair || !c->bev)
		return -EBUSY;
	p->client = c;
	c->pair = p;
	/* The success goes out first: the splice starts later in this loop iteration. */
	event_active(p->kick, EV_TIMEOUT, 1);
	return 0;
}

/* ---- the splice ---- */

static void net_client_read(struct bufferevent *bev, void *arg)
{
	struct net_tcp_conn *c = arg;

	if (c->pair && net_splice_c2p(c->pair) < 0)
		net_tcp_conn_free(c);
}

/* libevent wrote what the socket did not take at the end of the loop iteration (below the
 * low mark): once all is out, writing is net_tcp_flush's again (net/tcp.c). */
static void net_client_write(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_disable(bev, EV_WRITE);
	net_tcp_out_drained(arg);
}

static void net_client_event(struct bufferevent *bev, short what, void *arg)
{
	struct net_tcp_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	net_tcp_conn_free(c);
}

/* §5.4: from the ConnectionBind success on, the data connection carries raw bytes, those
 * the peer sent meanwhile first. */
static void net_peer_kick(evutil_socket_t fd, short what, void *arg)
{
	struct net_tcp_peer *p = arg;
	struct net_tcp_conn *c = p->client;
	struct timeval wr = {30, 0};

	if (!c || p->spliced)
		return;
	p->spliced = true;
	c->deadline = 0;
	c->paused = false;
	bufferevent_set_timeouts(c->bev, NULL, &wr);
	bufferevent_setcb(c->bev, net_client_read, net_client_write, net_client_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, NET_SPLICE_READ_WM);
	bufferevent_setwatermark(c->bev, EV_WRITE, NET_SPLICE_LOW_OUT, 0);
	bufferevent_enable(c->bev, EV_READ);
	net_splice_p2c(p);
	if (net_splice_c2p(p) < 0)
		net_tcp_conn_free(c);
}

void net_tcprelay_client_gone(struct net_tcp_conn *c)
{
	struct net_tcp_peer *p = c->pair;
	struct net_worker *w = p->w;

	c->pair = NULL;
	p->client = NULL;
	/* §5.5: the peer data connection closes too, after what the client sent. */
	if (p->spliced) {
		struct evbuffer *out = bufferevent_get_output(p->bev);
		size_t before = evbuffer_get_length(out);
		bool full;
		int err;

		bufferevent_write_buffer(p->bev, net_tcp_raw_input(c, &full, &err));
		net_peer_count(p, evbuffer_get_length(out) - before, 0);
	}
	if (p->tc && w->turn)
		turn_tcp_closed(w->turn, p->tc);
	p->tc = NULL;
	net_peer_close_flushed(p);
}

void net_tcprelay_client_drained(struct net_tcp_conn *c)
{
	struct net_tcp_peer *p = c->pair;

	if (!p->peer_paused || net_tcp_out_len(c) > NET_SPLICE_LOW_OUT)
		return;
	p->peer_paused = false;
	c->paused = false;
	bufferevent_enable(p->bev, EV_READ);
	net_splice_p2c(p);
}

/* ---- a ConnectionBind at the wrong worker ---- */

/* A connection on its way to the worker that owns its CONNECTION-ID. */
struct net_handoff {
	struct net_tcp_adopt a;
	uint8_t bytes[];
};

static void net_handoff_adopt(struct net_worker *w, void *arg)
{
	struct net_handoff *h = arg;

	h->a.bytes = h->bytes;
	net_tcp_adopt(w, &h->a);
	free(h);
}

static void net_handoff_drop(struct net_handoff *h)
{
	if (h->a.fd >= 0)
		close(h->a.fd);
	net_tls_rec_free(h->a.rec);
	if (h->a.tls)
		tls_ctxset_unref(h->a.tls);
	free(h);
}

/* Earlier responses (a 401 challenge) must have left: a socket that does not take them at
 * once keeps the connection here. */
static bool net_handoff_flushed(struct net_tcp_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (evbuffer_get_length(out) == 0)
		return true;
	evbuffer_unfreeze(out, 1);
	evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	return evbuffer_get_length(out) == 0;
}

/* Moves the connection: a duplicate of its socket, the bytes read so far and, for TLS,
 * its record state go to the owner; this worker's side is freed. A connection from a
 * trusted proxy, one whose output cannot be settled now, or a TLS one still in OpenSSL's
 * hands (a suite without AEAD) stays: its ConnectionBind is answered here (400: no such
 * pending connection in this worker). */
bool net_tcprelay_handoff(struct net_tcp_conn *c, unsigned wid, struct evbuffer *in)
{
	struct net_worker *to = c->w->all[wid];
	struct evbuffer *raw = bufferevent_get_input(c->bev);
	size_t n = evbuffer_get_length(in), nraw = in == raw ? 0 : evbuffer_get_length(raw);
	struct net_handoff *h;

	if (c->proxied || c->nrelays || !net_handoff_flushed(c))
		return false;
	h = xcalloc(1, sizeof(*h) + n + nraw);
	h->a.fd = -1;
	if (c->tls && (h->a.rec = net_tls_detach(c)) == NULL) {
		free(h);
		return false;
	}
	h->a.fd = fcntl(bufferevent_getfd(c->bev), F_DUPFD_CLOEXEC, 0);
	if (h->a.fd < 0) {
		net_handoff_drop(h);
		return false;
	}
	if (c->tls)
		h->a.tls = tls_ctxset_ref(c->tls);
	h->a.remote = c->conn.remote;
	h->a.local = c->conn.local;
	h->a.n = n;
	h->a.nraw = nraw;
	evbuffer_remove(in, h->bytes, n);
	if (nraw)
		evbuffer_remove(raw, h->bytes + n, nraw);
	log_debug("net", "data connection handed over worker=%u to=%u bytes=%zu tls=%d", c->w->id,
		  wid, n + nraw, h->a.rec != NULL);
	net_tcp_conn_free(c);
	if (net_worker_call(to, net_handoff_adopt, h) < 0)
		net_handoff_drop(h);
	return true;
}

void net_tcprelay_close_all(struct net_worker *w)
{
	while (w->peers) {
		struct net_tcp_peer *p = w->peers;

		p->tc = NULL;
		net_peer_drop_client(p);
		net_peer_free(p);
	}
}
