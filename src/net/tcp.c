/* TCP and TLS connections, stage 3 (net/tcp.h): stream framing with stun_frame_next (STUN
 * and ChannelData), messages to the TURN core, responses and relayed data on the same
 * connection, bounded input and output; and the listeners, with the per-source and
 * descriptor limits (net_limits) at accept.
 *
 * Lifetime: a connection without an allocation must send a valid STUN request within
 * min(NET_TCP_HELLO_S, tcp_idle_s) of its accept and then again within tcp_idle_s of the
 * last one, and is closed max-allocate-timeout after its accept whatever it sends (coturn's
 * rule, net_tcp_until); nothing else (ChannelData, indications, responses, requests the server
 * drops) keeps it open. A connection with an allocation has no idle timeout: it lives as long as
 * the allocation and is closed, once its output is flushed, when the allocation ends
 * (RFC 8656 §3.1: over TCP the allocation and its control connection go together).
 * Closing a connection ends its allocation (turn_server_client_gone).
 *
 * Each connection is a client connection of the TURN core (turn/conn.h): a stream whose
 * remote address the handshake proved. */
#include "net/tcp.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/iprange.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "net/limits.h"
#include "net/tcprelay.h"
#include "net/tls_ctx.h"
#include "net/worker.h"
#include "stun/frame.h"
#include "stun/stun.h"
#include "turn/conn.h"
#include "turn/server.h"

/* The longest frame accepted; a longer one closes the connection. Bounds the input buffer. */
#define NET_TCP_MAX_FRAME 16384
/* Room for one longest frame plus its header. */
#define NET_TCP_READ_WM (NET_TCP_MAX_FRAME + 64)
/* Output above this stops reading until the client has taken it all. */
#define NET_TCP_MAX_OUT 65536
/* Output above this drops relayed data and late responses (counted) instead of buffering
 * without bound for a client that does not read. */
#define NET_TCP_RELAY_MAX_OUT (4 * NET_TCP_MAX_OUT)
/* Longest time to send a first valid STUN request (shorter if tcp_idle_s is); seconds a
 * pending write may stall. */
#define NET_TCP_HELLO_S 30
#define NET_TCP_WRITE_S 30
/* Pause after an accept error such as EMFILE before accepting again. */
#define NET_TCP_RETRY_MS 100

struct net_tcp_listener {
	struct net_worker *w;
	struct evconnlistener *l;
	struct event *retry;
	struct addr local;
	bool tls; /* every connection is TLS */
	bool warned;
	struct turn_conn_alt alt; /* RFC 5780 OTHER-ADDRESS for its connections (net/alt.h) */
};

/* The client as the TURN core knows it. */
static struct turn_client net_tcp_client(struct net_tcp_conn *c)
{
	return (struct turn_client){
		.conn = &c->conn, .src = c->conn.remote, .local = c->conn.local};
}

/* Takes c off w->ended. */
static void net_tcp_unlist_ended(struct net_tcp_conn *c)
{
	struct net_tcp_conn **pp = &c->w->ended;

	while (*pp && *pp != c)
		pp = &(*pp)->ended_next;
	if (*pp)
		*pp = c->ended_next;
	c->ended = false;
}

/* Takes c off w->dirty. */
static void net_tcp_undirty(struct net_tcp_conn *c)
{
	if (!c->dirty)
		return;
	if (c->dirty_prev)
		c->dirty_prev->dirty_next = c->dirty_next;
	else
		c->w->dirty = c->dirty_next;
	if (c->dirty_next)
		c->dirty_next->dirty_prev = c->dirty_prev;
	c->dirty_prev = c->dirty_next = NULL;
	c->dirty = false;
}

/* Output was added: c goes on w->dirty for the end of the loop iteration. */
static void net_tcp_out_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct net_tcp_conn *c = arg;

	(void)buf;
	if (!info->n_added || c->dirty)
		return;
	c->dirty = true;
	c->dirty_prev = NULL;
	c->dirty_next = c->w->dirty;
	if (c->dirty_next)
		c->dirty_next->dirty_prev = c;
	c->w->dirty = c;
}

struct bufferevent *net_tcp_bev_new(struct net_tcp_conn *c)
{
	struct bufferevent *bev = bufferevent_socket_new(c->w->base, c->fd, BEV_OPT_CLOSE_ON_FREE);

	if (!bev)
		return NULL;
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), net_tcp_out_added, c);
	if (!c->out_cb) {
		bufferevent_setfd(bev, -1); /* c->fd stays the caller's */
		bufferevent_free(bev);
		return NULL;
	}
	/* Written by net_tcp_flush; libevent only finishes what the socket did not take. */
	bufferevent_disable(bev, EV_WRITE);
	c->bev = bev;
	c->fd = -1;
	return bev;
}

/* Writes c's output; what the socket does not take (or an error) is left to libevent.
 * Then a connection waiting for its output to drain goes on (may free c). */
static void net_tcp_flush_one(struct net_tcp_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (evbuffer_get_length(out) && !(bufferevent_get_enabled(c->bev) & EV_WRITE)) {
		/* Only the bufferevent drains its output: lifted for this write. */
		evbuffer_unfreeze(out, 1);
		int n = evbuffer_write(out, bufferevent_getfd(c->bev));
		evbuffer_freeze(out, 1);
		if (n < 0 || evbuffer_get_length(out))
			bufferevent_enable(c->bev, EV_WRITE);
	}
	if (evbuffer_get_length(out) == 0 && (c->closing || c->paused))
		net_tcp_out_drained(c);
}

void net_tcp_flush(struct net_worker *w)
{
	struct net_tcp_conn *c;

	while ((c = w->dirty) != NULL) {
		net_tcp_undirty(c);
		if (c->bev)
			net_tcp_flush_one(c);
	}
}

void net_tcp_conn_free(struct net_tcp_conn *c)
{
	struct net_worker *w = c->w;

	c->freeing = true;
	if (c->pair)
		net_tcprelay_client_gone(c);
	/* At shutdown the TURN core is already gone (net_worker_shutdown frees it before the
	 * connections): nothing is left to tell. */
	if (w->turn) {
		struct turn_client tc = net_tcp_client(c);

		turn_server_client_gone(w->turn, &tc);
	}
	if (c->ended)
		net_tcp_unlist_ended(c);
	net_limits_tcp_put(w->limits, c->src_counted ? &c->conn.remote : NULL);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	net_tcp_pre_free(c);
	net_tls_free(c);
	net_tcp_undirty(c);
	if (c->out_cb)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	if (c->bev)
		bufferevent_free(c->bev);
	else if (c->fd >= 0)
		close(c->fd);
	if (c->tls)
		tls_ctxset_unref(c->tls);
	w->nconns--;
	w->c.tcp_closed++;
	free(c);
}

void net_tcp_close_all(struct net_worker *w)
{
	/* Emptied first: at shutdown every connection with an allocation is on it. */
	for (struct net_tcp_conn *c = w->ended; c; c = c->ended_next)
		c->ended = false;
	w->ended = NULL;
	while (w->conns)
		net_tcp_conn_free(w->conns);
}

/* Closes the connections whose allocation ended (flushing their output first), unless an
 * Allocate on the same connection made a new one in the meantime. */
static void net_tcp_reap(evutil_socket_t fd, short what, void *arg)
{
	struct net_worker *w = arg;
	struct net_tcp_conn *c;

	while ((c = w->ended) != NULL) {
		w->ended = c->ended_next;
		c->ended = false;
		if (c->nrelays)
			continue;
		w->c.tcp_alloc_end++;
		if (net_tcp_out_len(c) == 0) {
			net_tcp_conn_free(c);
			continue;
		}
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
	}
}

int net_tcp_worker_init(struct net_worker *w)
{
	w->reap_ev = event_new(w->base, -1, 0, net_tcp_reap, w);
	return w->reap_ev ? 0 : -ENOMEM;
}

/* The connection's hold: a relay socket of its allocation opened, so no idle timeout. */
void net_tcp_conn_hold(struct turn_conn *tc)
{
	struct net_tcp_conn *c = (struct net_tcp_conn *)tc;
	struct timeval wr = {NET_TCP_WRITE_S, 0};

	if (c->nrelays++ == 0) {
		c->deadline = 0;
		bufferevent_set_timeouts(c->bev, NULL, &wr);
	}
}

void net_tcp_conn_end(struct net_tcp_conn *c)
{
	struct net_worker *w = c->w;

	if (c->freeing || c->ended)
		return;
	c->ended = true;
	c->ended_next = w->ended;
	w->ended = c;
	event_active(w->reap_ev, 0, 0);
}

/* The connection's release: that relay socket closed. After the last one the allocation
 * has ended: c is closed later in the loop iteration (never from within this call), once
 * its output (the response to a Refresh with LIFETIME 0, say) is flushed. */
void net_tcp_conn_release(struct turn_conn *tc)
{
	struct net_tcp_conn *c = (struct net_tcp_conn *)tc;
	struct net_worker *w = c->w;

	(void)w;
	if (c->nrelays == 0 || --c->nrelays > 0)
		return;
	net_tcp_conn_end(c);
}

static time_t net_tcp_now(struct net_worker *w)
{
	struct timeval tv;

	event_base_gettimeofday_cached(w->base, &tv);
	return tv.tv_sec;
}

/* Queues buf toward the client (TLS: in records). 0 or -errno. */
static int net_tcp_write(struct net_tcp_conn *c, const uint8_t *buf, size_t len)
{
	if (c->tls)
		return net_tls_write(c, buf, len);
	return bufferevent_write(c->bev, buf, len) < 0 ? -ENOMEM : 0;
}

/* The connection's send (to is its remote): queues buf on the connection (a late
 * response, relayed data). 0, or -ENOBUFS when the client is not reading and its output is
 * over the high watermark (dropped and counted). */
int net_tcp_conn_send(struct turn_conn *tc, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct net_tcp_conn *c = (struct net_tcp_conn *)tc;

	(void)to;
	if (net_tcp_out_len(c) > NET_TCP_RELAY_MAX_OUT) {
		c->w->c.tcp_out_drop++;
		return -ENOBUFS;
	}
	if (net_tcp_write(c, buf, len) < 0) {
		c->w->c.tcp_out_drop++;
		return -ENOMEM;
	}
	return 0;
}

static const struct turn_conn_ops net_tcp_conn_ops = {
	.name = "tcp",
	.transport = TURN_TR_TCP,
	.stream = true,
	.proven = true,
	.send = net_tcp_conn_send,
	.hold = net_tcp_conn_hold,
	.release = net_tcp_conn_release,
};

/* One frame to the TURN core. */
static int net_tcp_input(struct net_tcp_conn *c, const struct turn_pkt *p, uint64_t now_ms)
{
	struct net_worker *w = c->w;

	return turn_server_input(w->turn, p, now_ms, w->resp, sizeof(w->resp));
}

/* A STUN request (RFC 8489 §5: class bits C1 C0 = 0 0), the only frame that counts as
 * the client's activity on a connection without an allocation. */
static bool net_tcp_is_request(const uint8_t *buf, enum stun_frame_kind kind)
{
	return kind == STUN_FRAME_STUN && (buf[0] & 0x01) == 0 && (buf[1] & 0x10) == 0;
}

/* A valid request on a connection without an allocation: tcp_idle_s more (capped; at or
 * past the cap, net_tcp_process closes c once this read is handled). */
static void net_tcp_active(struct net_tcp_conn *c)
{
	time_t now = net_tcp_now(c->w), deadline = net_tcp_until(c, now, c->w->opts->tcp_idle_s);
	struct timeval rd = {deadline > now ? deadline - now : 1, 0}, wr = {NET_TCP_WRITE_S, 0};

	if (c->nrelays || deadline == c->deadline)
		return;
	c->deadline = deadline;
	bufferevent_set_timeouts(c->bev, &rd, &wr);
}

/* Handles one whole frame. */
static void net_tcp_frame(struct net_tcp_conn *c, const uint8_t *buf, size_t len,
			  enum stun_frame_kind kind, uint64_t now_ms)
{
	struct net_worker *w = c->w;
	struct turn_pkt p = {.buf = buf,
			     .len = len,
			     .src = &c->conn.remote,
			     .local = &c->conn.local,
			     .conn = &c->conn};
	int r;

	w->c.tcp_rx++;
	r = net_tcp_input(c, &p, now_ms);
	if (r < 0) {
		w->c.tcp_drop++;
		return;
	}
	if (net_tcp_is_request(buf, kind))
		net_tcp_active(c);
	if (r > 0)
		net_tcp_write(c, w->resp, (size_t)r);
}

/* RFC 6062: a ConnectionBind for a CONNECTION-ID of another worker moves the connection
 * there (net/tcprelay.h) with in, the input it was read from; true when c is gone. */
static bool net_tcp_handoff(struct net_tcp_conn *c, struct evbuffer *in, const uint8_t *p, size_t n,
			    enum stun_frame_kind kind)
{
	struct net_worker *w = c->w;
	int wid;

	if (w->nall < 2 || kind != STUN_FRAME_STUN || p[0] != 0x00 ||
	    p[1] != STUN_METHOD_CONNECTION_BIND)
		return false;
	wid = turn_tcp_cid_worker(p, n);
	if (wid < 0 || (unsigned)wid == w->id || (unsigned)wid >= w->nall)
		return false;
	return net_tcprelay_handoff(c, (unsigned)wid, in);
}

/* Consumes every whole frame in in. Returns 0, 1 when it paused (the output is over its
 * watermark), or -ECONNABORTED when it closed (freed) c: a framing error. */
static int net_tcp_frames(struct net_tcp_conn *c, struct evbuffer *in)
{
	uint64_t now_ms = net_worker_now(c->w);
	enum stun_frame_kind kind;
	size_t len;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (net_tcp_out_len(c) > NET_TCP_MAX_OUT) {
			c->paused = true;
			bufferevent_disable(c->bev, EV_READ);
			return 1;
		}
		const uint8_t *p = evbuffer_pullup(in, -1);
		int n = p ? stun_frame_next(p, len, NET_TCP_MAX_FRAME, &kind, NULL) : -1;
		if (n < 0) {
			net_tcp_conn_free(c);
			return -ECONNABORTED;
		}
		if (n == 0)
			break;
		if (net_tcp_handoff(c, in, p, (size_t)n, kind))
			return -ECONNABORTED;
		net_tcp_frame(c, p, (size_t)n, kind, now_ms);
		evbuffer_drain(in, (size_t)n);
		if (c->pair) /* RFC 6062 §5.4: raw bytes from here on (net/tcprelay.c) */
			return 1;
	}
	return 0;
}

/* The client's end: close once what is queued for it is flushed. Returns -ECONNABORTED
 * when c was freed at once, else 0 (reading stopped). */
static int net_tcp_end(struct net_tcp_conn *c)
{
	if (net_tcp_out_len(c) > 0) {
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
		return 0;
	}
	net_tcp_conn_free(c);
	return -ECONNABORTED;
}

/* Consumes every whole frame in the input (TLS: of the records opened). Returns 0, or
 * -ECONNABORTED when it closed (freed) c: a framing or TLS error, or no valid request
 * within the idle time. */
static int net_tcp_process(struct net_tcp_conn *c)
{
	bool full;
	int err, rc;

	do {
		struct evbuffer *in = bufferevent_get_input(c->bev);

		full = false;
		err = 0;
		if (c->tls)
			in = net_tls_input(c, &full, &err);
		rc = net_tcp_frames(c, in);
		if (rc)
			return rc < 0 ? rc : 0;
		/* TLS: an alert or a bad record ends the connection after what came before. */
		if (err)
			return net_tcp_end(c) < 0 ? -ECONNABORTED : 0;
	} while (full);
	/* Frames keep coming, but no valid request: the read timeout never fires. */
	if (c->deadline && net_tcp_now(c->w) >= c->deadline) {
		c->w->c.tcp_idle++;
		net_tcp_conn_free(c);
		return -ECONNABORTED;
	}
	return 0;
}

void net_tcp_kick(struct net_tcp_conn *c)
{
	net_tcp_process(c);
}

static void net_tcp_readable(struct bufferevent *bev, void *arg)
{
	struct net_tcp_conn *c = arg;

	if (!c->pair) /* bound: the splice takes over within this loop iteration */
		net_tcp_process(c);
}

size_t net_tcp_out_len(const struct net_tcp_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

void net_tcp_out_drained(struct net_tcp_conn *c)
{
	if (c->pair) {
		net_tcprelay_client_drained(c);
		return;
	}
	if (net_tcp_out_len(c) > 0)
		return;
	if (c->closing) {
		net_tcp_conn_free(c);
		return;
	}
	if (c->paused) {
		c->paused = false;
		if (net_tcp_process(c) == 0 && !c->paused)
			bufferevent_enable(c->bev, EV_READ);
	}
}

/* libevent wrote the rest of the output (low watermark 0): writing is net_tcp_flush's
 * again. */
static void net_tcp_drained(struct bufferevent *bev, void *arg)
{
	bufferevent_disable(bev, EV_WRITE);
	net_tcp_out_drained(arg);
}

static void net_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct net_tcp_conn *c = arg;

	(void)bev;
	/* The peer's half-close: answer what is already here, then close once flushed. */
	if ((what & BEV_EVENT_EOF) && !(what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))) {
		if (net_tcp_process(c) < 0 || c->closing)
			return;
		net_tcp_end(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING))
		c->w->c.tcp_idle++;
	net_tcp_conn_free(c);
}

/* The time a connection without an allocation has for its first valid request. */
static time_t net_tcp_hello_s(const struct net_worker *w)
{
	return w->opts->tcp_idle_s < NET_TCP_HELLO_S ? w->opts->tcp_idle_s : NET_TCP_HELLO_S;
}

void net_tcp_conn_start(struct net_tcp_conn *c, struct bufferevent *bev)
{
	time_t now = net_tcp_now(c->w), until = net_tcp_until(c, now, net_tcp_hello_s(c->w));
	struct timeval rd = {until > now ? until - now : 1, 0}, wr = {NET_TCP_WRITE_S, 0};

	c->bev = bev;
	c->fd = -1;
	bufferevent_setcb(bev, net_tcp_readable, net_tcp_drained, net_tcp_event, c);
	c->read_wm = NET_TCP_READ_WM;
	bufferevent_setwatermark(bev, EV_READ, 0, c->read_wm);
	bufferevent_set_timeouts(bev, &rd, &wr);
	bufferevent_enable(bev, EV_READ);
}

int net_tcp_plain_start(struct net_tcp_conn *c)
{
	struct bufferevent *bev = net_tcp_bev_new(c);

	if (!bev)
		return -ENOMEM;
	net_tcp_conn_start(c, bev);
	return 0;
}

/* A connection from peer (counted in w->limits already; per source unless proxied). */
/* A new connection on fd from remote to local, on w's list, before stage 1. */
static struct net_tcp_conn *net_tcp_conn_new(struct net_worker *w, int fd,
					     const struct addr *remote, const struct addr *local)
{
	struct net_tcp_conn *c = xcalloc(1, sizeof(*c));
	uint32_t alloc_s = turn_server_alloc_timeout_s(w->turn);

	c->w = w;
	c->fd = fd;
	c->conn.ops = &net_tcp_conn_ops;
	c->conn.remote = *remote;
	c->conn.local = *local;
	c->alloc_by = alloc_s ? net_tcp_now(w) + (time_t)alloc_s : 0;
	c->deadline = net_tcp_until(c, net_tcp_now(w), net_tcp_hello_s(w));
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	return c;
}

static void net_tcp_accepted(struct net_worker *w, evutil_socket_t fd,
			     const struct net_tcp_listener *l, const struct addr *peer,
			     bool proxied)
{
	struct net_tcp_conn *c = net_tcp_conn_new(w, fd, peer, &l->local);
	int one = 1, err;

	c->conn.alt = l->alt.has_other ? &l->alt : NULL;
	c->src_counted = !proxied;
	c->proxied = proxied;
	c->tls_only = l->tls;
	/* Behind a wildcard listener, the address the client really reached (relay choice). */
	if (addr_is_any(&c->conn.local)) {
		socklen_t sl = sizeof(c->conn.local.u.ss);

		if (getsockname(fd, &c->conn.local.u.sa, &sl) < 0)
			c->conn.local = l->local;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	w->c.tcp_accepted++;
	/* Straight to the framing unless a PROXY header or the first byte must be read. */
	if (l->tls && !proxied)
		err = net_tls_start(c);
	else if (proxied || w->opts->tls_tcp)
		err = net_tcp_pre_start(c);
	else
		err = net_tcp_plain_start(c);
	if (err)
		net_tcp_conn_free(c);
}

/* Stage 3 of an adopted connection: plain, or TLS with its record state handed over. */
static int net_tcp_adopt_start(struct net_tcp_conn *c, const struct net_tcp_adopt *a)
{
	if (!a->rec)
		return net_tcp_plain_start(c);
	c->tls = a->tls;
	c->tls_only = true;
	return net_tls_adopt(c, a->rec);
}

/* Puts n bytes at the end of a buffer a bufferevent fills (its input is frozen for
 * anyone else). 0 or -ENOMEM. */
static int net_tcp_refill(struct evbuffer *in, const uint8_t *p, size_t n)
{
	int err;

	if (n == 0 || evbuffer_add(in, p, n) == 0)
		return 0;
	evbuffer_unfreeze(in, 0);
	err = evbuffer_add(in, p, n);
	evbuffer_freeze(in, 0);
	return err < 0 ? -ENOMEM : 0;
}

void net_tcp_adopt(struct net_worker *w, const struct net_tcp_adopt *a)
{
	struct net_tcp_conn *c;

	if (w->nconns >= w->max_conns || net_limits_tcp_take(w->limits, &a->remote) < 0) {
		w->c.tcp_refused++;
		close(a->fd);
		net_tls_rec_free(a->rec);
		if (a->tls)
			tls_ctxset_unref(a->tls);
		return;
	}
	c = net_tcp_conn_new(w, a->fd, &a->remote, &a->local);
	c->src_counted = true;
	if (net_tcp_adopt_start(c, a) < 0 ||
	    net_tcp_refill(c->tls ? c->plain : bufferevent_get_input(c->bev), a->bytes, a->n) < 0 ||
	    net_tcp_refill(bufferevent_get_input(c->bev), a->bytes + a->n, a->nraw) < 0) {
		net_tcp_conn_free(c);
		return;
	}
	net_tcp_process(c);
}

/* The descriptor reserve refused a connection: one warn line per episode. */
static void net_tcp_short(struct net_worker *w)
{
	struct net_limits *lim = w->limits;

	w->c.tcp_refused_fd++;
	if (net_episode_fail(&lim->tcp_short))
		log_warn("net",
			 "tcp connections refused reason=descriptors worker=%u tcp=%ld "
			 "relays=%ld limit=%ld reserve=%ld",
			 w->id, atomic_load(&lim->tcp), atomic_load(&lim->relays), lim->limit,
			 lim->reserve);
}

/* Counts the connection in w->limits, per source unless proxied (the PROXY header names
 * the source). 0, or -1 when refused (counted, fd closed). */
static int net_tcp_admit(struct net_worker *w, evutil_socket_t fd, const struct addr *peer,
			 bool proxied)
{
	unsigned long n;
	int err = net_limits_tcp_take(w->limits, proxied ? NULL : peer);

	if (err == -EDQUOT) {
		w->c.tcp_refused_src++;
	} else if (err) {
		net_tcp_short(w);
	} else if (net_episode_ok(&w->limits->tcp_short, &n)) {
		log_info("net", "tcp connections accepted again worker=%u refused=%lu", w->id, n);
	}
	if (err)
		close(fd);
	return err ? -1 : 0;
}

static void net_tcp_accept(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
			   int salen, void *arg)
{
	struct net_tcp_listener *l = arg;
	struct net_worker *w = l->w;
	struct addr peer = {0};
	bool proxied;

	l->warned = false;
	if (w->nconns >= w->max_conns) {
		w->c.tcp_refused++;
		close(fd);
		return;
	}
	memcpy(&peer.u.ss, sa,
	       (size_t)salen < sizeof(peer.u.ss) ? (size_t)salen : sizeof(peer.u.ss));
	proxied = w->opts->proxy_trusted && iprange_list_contains(w->opts->proxy_trusted, &peer);
	if (net_tcp_admit(w, fd, &peer, proxied) < 0)
		return;
	net_tcp_accepted(w, fd, l, &peer, proxied);
}

static void net_tcp_retry(evutil_socket_t fd, short what, void *arg)
{
	struct net_tcp_listener *l = arg;

	evconnlistener_enable(l->l);
}

/* accept(2) failed with something other than EAGAIN (EMFILE, ENOBUFS...): back off
 * instead of spinning on a socket that stays readable. */
static void net_tcp_accept_error(struct evconnlistener *el, void *arg)
{
	struct net_tcp_listener *l = arg;
	struct timeval tv = {0, NET_TCP_RETRY_MS * 1000};
	char a[ADDR_STR_MAX];
	int err = EVUTIL_SOCKET_ERROR();

	if (!l->warned)
		log_warn("net", "accept failed addr=%s worker=%u err=%s",
			 addr_to_str(&l->local, a, sizeof(a)), l->w->id, strerror(err));
	l->warned = true;
	evconnlistener_disable(el);
	evtimer_add(l->retry, &tv);
}

const struct addr *net_tcp_listener_local(const struct net_tcp_listener *l)
{
	return &l->local;
}

bool net_tcp_listener_is_tls(const struct net_tcp_listener *l)
{
	return l->tls;
}

void net_tcp_listener_set_other(struct net_tcp_listener *l, const struct addr *other)
{
	l->alt.has_other = true;
	l->alt.other = *other;
}

int net_tcp_listener_new(struct net_worker *w, int fd, const struct addr *local, bool tls,
			 struct net_tcp_listener **out)
{
	struct net_tcp_listener *l = xcalloc(1, sizeof(*l));

	l->w = w;
	l->local = *local;
	l->tls = tls;
	l->retry = evtimer_new(w->base, net_tcp_retry, l);
	/* backlog 0: the socket already listens (net_sock_tcp). */
	l->l = evconnlistener_new(w->base, net_tcp_accept, l,
				  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (!l->l) {
		close(fd);
		net_tcp_listener_free(l);
		return -ENOMEM;
	}
	if (!l->retry) {
		net_tcp_listener_free(l);
		return -ENOMEM;
	}
	evconnlistener_set_error_cb(l->l, net_tcp_accept_error);
	*out = l;
	return 0;
}

void net_tcp_listener_free(struct net_tcp_listener *l)
{
	if (!l)
		return;
	if (l->l)
		evconnlistener_free(l->l);
	if (l->retry)
		event_free(l->retry);
	free(l);
}
