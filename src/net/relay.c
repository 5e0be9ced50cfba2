/* Relay sockets (RFC 8656 §7.2 step 8: the relayed transport address; §11, §12: data
 * between peers and clients). No malloc, no logging, no clock read per datagram. ICMP
 * errors (IP_RECVERR) are read from the error queue, counted and reported to the client
 * (§11.5, net/relay_icmp.h); they never end an allocation. */
#include "config.h" /* first: _GNU_SOURCE for recvmmsg(2), sendmmsg(2) */
#include "net/relay.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "net/fastpath.h"
#include "net/limits.h"
#include "net/mobility.h"
#include "net/portpool.h"
#include "net/relay_addr.h"
#include "net/tcprelay.h"
#include "net/relay_icmp.h"
#include "net/worker.h"
#include "turn/conn.h"

#define NET_RELAY_BATCH 64
/* Receive slots shared by every relay socket of a worker. Client-bound datagrams built in
 * them are queued on connections that can (turn_conn_ops queue) until the end of the loop
 * iteration (net_worker_flush), so one sendmmsg carries what many relay sockets received:
 * with many allocations each relay socket usually holds a single datagram per wakeup. */
#define NET_RELAY_POOL 256
/* Peer data larger than this is truncated by the kernel and dropped (counted). */
#define NET_RELAY_DATA 4096
#define NET_RELAY_SLOT (TURN_PEER_HEADROOM + NET_RELAY_DATA + TURN_PEER_TAILROOM)
/* Batches per relay socket per wakeup, so one busy peer can't starve the loop. */
#define NET_RELAY_ROUNDS 8
/* Error-queue entries read per wakeup. */
#define NET_RELAY_ERRQ 32

/* Datagrams to peers queued while a batch from a client socket is handled, so that those
 * for one relay socket leave in one sendmmsg (one allocation at full rate sends a whole
 * batch through its relay). The data stays in the client socket's receive slots, which
 * are not reused before the flush at the end of the batch. */
#define NET_C2P_MAX 128

struct net_c2p_queue {
	bool on; /* between net_relay_defer_begin and _flush */
	int n;
	struct mmsghdr msg[NET_C2P_MAX];
	struct iovec iov[NET_C2P_MAX];
	struct addr to[NET_C2P_MAX];
	struct net_relay *r[NET_C2P_MAX];
};

static void net_relay_queue_send(struct net_c2p_queue *q);

struct net_relay_batch {
	struct net_c2p_queue q;
	int used; /* receive slots holding datagrams not yet sent */
	struct mmsghdr rmsg[NET_RELAY_POOL];
	struct iovec riov[NET_RELAY_POOL];
	struct addr rsrc[NET_RELAY_POOL];
	uint8_t buf[NET_RELAY_POOL][NET_RELAY_SLOT];
};

struct net_relay_batch *net_relay_batch_new(void)
{
	/* Written through at once, like the client sockets' batches. */
	struct net_relay_batch *b = xmalloc(sizeof(*b));

	memset(b, 0, sizeof(*b));

	for (int i = 0; i < NET_RELAY_POOL; i++) {
		b->riov[i].iov_base = b->buf[i] + TURN_PEER_HEADROOM;
		b->riov[i].iov_len = NET_RELAY_DATA;
		b->rmsg[i].msg_hdr.msg_iov = &b->riov[i];
		b->rmsg[i].msg_hdr.msg_iovlen = 1;
		b->rmsg[i].msg_hdr.msg_name = &b->rsrc[i].u.ss;
		b->rmsg[i].msg_hdr.msg_namelen = sizeof(b->rsrc[i].u.ss);
	}
	return b;
}

void net_relay_batch_free(struct net_relay_batch *b)
{
	free(b);
}

/* Errors an ICMP message (or a route) reports on a UDP socket. */
static bool net_relay_is_unreach(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
	       err == EHOSTDOWN || err == ENETDOWN;
}

/* Reads (and counts) queued ICMP errors so they neither fill the receive buffer nor keep
 * the socket readable, and reports each to the allocation's client (RFC 8656 §11.5: the
 * TURN core checks the type, the permission and the rate). */
static void net_relay_errqueue(struct net_relay *r, uint64_t now_ms)
{
	struct turn_icmp ic;
	int rc;

	for (int i = 0; i < NET_RELAY_ERRQ; i++) {
		rc = net_relay_icmp_read(r->fd, &ic);
		if (rc < 0)
			return;
		r->w->c.relay_icmp++;
		if (rc > 0 && r->alloc)
			turn_peer_icmp(r->w->turn, r->alloc, &ic, now_ms);
	}
}

void net_relay_release(struct net_relay_batch *b)
{
	if (b) /* NULL before the worker's batches exist */
		b->used = 0;
}

/* Hands rmsg[first..first+n) to the TURN core and passes what it builds to the client's
 * connection: queued where the connection can (it stays in its slot until
 * net_worker_flush), else sent now. */
static void net_relay_deliver(struct net_relay *r, struct net_relay_batch *b, int first, int n,
			      uint64_t now_ms)
{
	struct net_worker *w = r->w;

	for (int i = first; i < first + n; i++) {
		struct msghdr *h = &b->rmsg[i].msg_hdr;
		const struct turn_client *c = NULL;
		const uint8_t *msg = NULL;
		int len = 0;

		if (h->msg_flags & MSG_TRUNC)
			w->c.relay_trunc++;
		else
			len = turn_peer_input(w->turn, r->alloc, &b->rsrc[i],
					      b->buf[i] + TURN_PEER_HEADROOM, b->rmsg[i].msg_len,
					      now_ms, &msg, &c);
		h->msg_namelen = sizeof(b->rsrc[i].u.ss);
		if (len <= 0)
			continue;
		if (c->conn->ops->queue)
			c->conn->ops->queue(c->conn, &c->src, msg, (size_t)len);
		else
			turn_client_send(c, msg, (size_t)len);
	}
}

/* Drains the relay socket: until EAGAIN, at most NET_RELAY_ROUNDS batches. */
static void net_relay_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_relay *r = arg;
	struct net_worker *w = r->w;
	struct net_relay_batch *b = w->rbatch;
	uint64_t now_ms = net_worker_now(w);

	for (int round = 0; round < NET_RELAY_ROUNDS; round++) {
		if (b->used > NET_RELAY_POOL - NET_RELAY_BATCH)
			net_worker_flush(w);
		int first = b->used;
		int n = recvmmsg(r->fd, b->rmsg + first, NET_RELAY_BATCH, MSG_DONTWAIT, NULL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			/* A pending ICMP error (IP_RECVERR), reported once: data may follow. */
			net_relay_errqueue(r, now_ms);
			continue;
		}
		if (n < 0) {
			/* Woken with nothing to read: the error queue made it readable. */
			if (round == 0)
				net_relay_errqueue(r, now_ms);
			return;
		}
		w->c.relay_rx += (uint64_t)n;
		b->used += n;
		net_relay_deliver(r, b, first, n, now_ms);
		if (n < NET_RELAY_BATCH)
			return;
	}
}

static int net_relay_setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* ICMP errors to the error queue; DF as DONT-FRAGMENT asks (RFC 8656 §7.2 step 6). */
static int net_relay_sockopts(int fd, int family, bool dont_fragment)
{
	int err;

	if (family == AF_INET) {
		err = net_relay_setopt(fd, IPPROTO_IP, IP_RECVERR, 1);
		if (!err)
			err = net_relay_setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER,
					       dont_fragment ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT);
		return err;
	}
	err = net_relay_setopt(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
	if (!err)
		err = net_relay_setopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, dont_fragment ? 1 : 0);
	return err;
}

/* The set of live relay ports relay-to-relay is checked against (turn/relayset.h). */
static struct turn_relayset *net_relay_set(const struct net_worker *w)
{
	return w->relays;
}

static struct net_relay *net_relay_new(struct net_worker *w, int fd, const struct addr *local)
{
	struct net_relay *r = xcalloc(1, sizeof(*r));

	r->w = w;
	r->fd = fd;
	r->local = *local;
	if (net_relay_set(w))
		turn_relayset_mark(net_relay_set(w), local, true);
	return r;
}

void net_relay_close(void *ctx, void *relay)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;

	if (!r)
		return;
	/* Datagrams queued for this socket leave before it closes (the allocation ended
	 * within the client batch that queued them). */
	if (w && w->rbatch && w->rbatch->q.n)
		net_relay_queue_send(&w->rbatch->q);
	if (r->conn && r->conn->ops->release)
		r->conn->ops->release(r->conn);
	if (r->ev)
		event_free(r->ev);
	/* Not live before the port can be bound by anything else. */
	if (net_relay_set(r->w) && !r->tcp)
		turn_relayset_mark(net_relay_set(r->w), &r->local, false);
	/* Entries of this use of the port die before the port can be bound again. */
	if (r->fast_gen)
		net_fastpath_relay_end(r->w->fast, &r->local);
	close(r->fd);
	net_limits_relay_put(r->w->limits, 1);
	free(r);
}

/* Binds a new relay socket (and the reservation for port + 1), each counted in the
 * descriptor budget until net_relay_close. 0, -ENOSPC (no free port), -EMFILE (out of
 * descriptors) or -errno. */
static int net_relay_bind(struct net_worker *w, const struct turn_relay_req *req,
			  struct net_relay **r, struct net_relay **rsv)
{
	/* The address the client reached travels with the allocation (an Allocate may complete
	 * after an asynchronous credential lookup, outside the client's input). */
	const struct addr *ip =
		net_relay_addr_pick(w->opts, req->family, req->client ? &req->client->local : NULL);
	struct net_port_req pr = {ip, req->even_port, req->reserve_next};
	int nfd = req->reserve_next ? 2 : 1;
	struct addr bound;
	int fds[2], err;

	if (!ip)
		return -EAFNOSUPPORT;
	if (net_limits_relay_take(w->limits, nfd) < 0)
		return -EMFILE;
	err = net_portpool_bind(&w->ports, &pr, fds, &bound);
	if (err) {
		net_limits_relay_put(w->limits, nfd);
		return err;
	}
	*r = net_relay_new(w, fds[0], &bound);
	*rsv = NULL;
	if (req->reserve_next) {
		addr_set_port(&bound, (uint16_t)(addr_port(&bound) + 1));
		*rsv = net_relay_new(w, fds[1], &bound);
		err = net_relay_sockopts(fds[1], req->family, false);
	}
	return err;
}

static int net_relay_open_one(struct net_worker *w, const struct turn_relay_req *req,
			      struct turn_relay_res *res)
{
	void *ctx = w;
	struct net_relay *r = req->reserved, *rsv = NULL;
	int err = 0;

	if (r && addr_family(&r->local) != req->family)
		return -EAFNOSUPPORT;
	if (!r && (err = net_relay_bind(w, req, &r, &rsv)) < 0)
		goto fail;
	/* A reservation may have been made by another worker: it is this one's now. */
	r->w = w;
	r->alloc = req->alloc;
	err = net_relay_sockopts(r->fd, req->family, req->dont_fragment);
	r->df = req->dont_fragment;
	if (err)
		goto fail;
	r->ev = event_new(w->base, r->fd, EV_READ | EV_PERSIST, net_relay_readable, r);
	if (!r->ev || event_add(r->ev, NULL) < 0) {
		err = -ENOMEM;
		goto fail;
	}
	res->relay = r;
	res->reserved = rsv;
	net_relay_addr_external(w->opts, &r->local, &res->relayed);
	if (req->client && req->client->conn->ops->hold) {
		r->conn = req->client->conn;
		r->conn->ops->hold(r->conn);
	}
	/* The program handles plain UDP clients only (not DTLS, not streams). */
	if (w->fast && req->client && !strcmp(req->client->conn->ops->name, "udp"))
		r->fast_gen = net_fastpath_relay_start(w->fast, &r->local, &r->fast_seen);
	return 0;
fail:
	if (r && r != req->reserved) {
		net_relay_close(ctx, r);
	} else if (r && r->ev) { /* a reservation handed in stays the caller's */
		event_free(r->ev);
		r->ev = NULL;
	}
	net_relay_close(ctx, rsv);
	return err;
}

/* No relay socket for lack of ports or descriptors: counted, one warn line per episode. */
static void net_relay_short(struct net_worker *w, int err)
{
	struct net_limits *l = w->limits;
	bool ports = err == -ENOSPC;

	if (ports)
		w->c.relay_no_port++;
	else
		w->c.relay_no_fd++;
	if (net_episode_fail(&l->relay_short))
		log_warn("net",
			 "relay sockets exhausted reason=%s worker=%u relays=%ld tcp=%ld "
			 "limit=%ld ports=%u-%u",
			 ports ? "ports" : "descriptors", w->id, atomic_load(&l->relays),
			 atomic_load(&l->tcp), l->limit, w->opts->min_port, w->opts->max_port);
}

/* RFC 8656 §7.2 step 8: without a free port or a descriptor to hold it, 508 (-ENOSPC). */
static int net_relay_open(void *ctx, const struct turn_relay_req *req, struct turn_relay_res *res)
{
	struct net_worker *w = ctx;
	int err = req->tcp ? net_tcprelay_open(w, req, res) : net_relay_open_one(w, req, res);
	unsigned long n;

	if (err == -ENOSPC || err == -EMFILE || err == -ENFILE) {
		net_relay_short(w, err);
		return -ENOSPC;
	}
	if (!err && net_episode_ok(&w->limits->relay_short, &n))
		log_info("net", "relay sockets available again worker=%u failed=%lu relays=%ld",
			 w->id, n, atomic_load(&w->limits->relays));
	return err;
}

/* DF on (or back off) for the datagrams that follow on r's socket. */
static void net_relay_set_df(struct net_relay *r, bool on)
{
	if (addr_family(&r->local) == AF_INET6)
		net_relay_setopt(r->fd, IPPROTO_IPV6, IPV6_DONTFRAG, on ? 1 : 0);
	else
		net_relay_setopt(r->fd, IPPROTO_IP, IP_MTU_DISCOVER,
				 on ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT);
}

static int net_relay_sendto(struct net_relay *r, const struct addr *peer, const uint8_t *data,
			    size_t len)
{
	int err = 0;

	/* An ICMP error from an earlier datagram (IP_RECVERR) fails the next send once and
	 * the datagram is not sent: count it and send again. A route error fails twice. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (sendto(r->fd, data, len, MSG_DONTWAIT, &peer->u.sa, addr_len(peer)) >= 0) {
			r->w->c.relay_tx++;
			return 0;
		}
		err = -errno;
		if (!net_relay_is_unreach(-err))
			break;
		r->w->c.relay_icmp++;
	}
	r->w->c.relay_send_err++;
	return err;
}

/* Sends q->msg[i..j), all from relay r. An ICMP error from an earlier datagram fails the
 * first send once (see net_relay_sendto): retried once, then skipped and counted. */
static void net_relay_send_run(struct net_relay *r, struct mmsghdr *m, int n)
{
	int i = 0, retried = 0, k;

	while (i < n) {
		k = sendmmsg(r->fd, m + i, (unsigned)(n - i), MSG_DONTWAIT);
		if (k > 0) {
			r->w->c.relay_tx += (uint64_t)k;
			i += k;
			retried = 0;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && net_relay_is_unreach(errno)) {
			r->w->c.relay_icmp++;
			if (!retried++)
				continue;
		} else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r->w->c.relay_send_err += (uint64_t)(n - i);
			return;
		}
		r->w->c.relay_send_err++;
		i++;
		retried = 0;
	}
}

void net_relay_defer_begin(struct net_relay_batch *b)
{
	if (b)
		b->q.on = true;
}

/* Sends what is queued, one sendmmsg per run of the same relay socket. */
static void net_relay_queue_send(struct net_c2p_queue *q)
{
	int i = 0, j;

	while (i < q->n) {
		for (j = i + 1; j < q->n && q->r[j] == q->r[i]; j++)
			;
		net_relay_send_run(q->r[i], q->msg + i, j - i);
		i = j;
	}
	q->n = 0;
}

void net_relay_defer_flush(struct net_relay_batch *b)
{
	if (!b)
		return;
	net_relay_queue_send(&b->q);
	b->q.on = false;
}

/* Queues one datagram for the flush; false when it must go now (queue off or full). */
static bool net_relay_defer(struct net_relay *r, const struct addr *peer, const uint8_t *data,
			    size_t len)
{
	struct net_c2p_queue *q = &r->w->rbatch->q;
	int k = q->n;

	if (!q->on || k == NET_C2P_MAX)
		return false;
	q->r[k] = r;
	q->to[k] = *peer;
	q->iov[k].iov_base = (void *)data;
	q->iov[k].iov_len = len;
	q->msg[k].msg_hdr = (struct msghdr){.msg_name = &q->to[k].u.ss,
					    .msg_namelen = addr_len(peer),
					    .msg_iov = &q->iov[k],
					    .msg_iovlen = 1};
	q->n++;
	return true;
}

/* A Send indication's DONT-FRAGMENT (RFC 8656 §11.2) on a relay opened without it: DF for
 * this one datagram. Rare (it takes two more system calls), never on the ChannelData path.
 * Anything else is queued while a client batch is handled. */
static int net_relay_send(void *ctx, void *relay, const struct addr *peer, const uint8_t *data,
			  size_t len, bool dont_fragment)
{
	struct net_relay *r = relay;
	int err;

	if ((!dont_fragment || r->df) && net_relay_defer(r, peer, data, len))
		return 0;
	/* What is queued goes first: datagrams to a peer keep their order. */
	net_relay_queue_send(&r->w->rbatch->q);
	if (!dont_fragment || r->df)
		return net_relay_sendto(r, peer, data, len);
	net_relay_set_df(r, true);
	err = net_relay_sendto(r, peer, data, len);
	net_relay_set_df(r, false);
	return err;
}

/* Mobility (RFC 8016): the relay leaves worker ctx (its event, the client connection it
 * held); what ctx queued for it leaves first. Worker ctx's thread. */
static void net_relay_detach(void *ctx, void *relay)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;

	if (w->rbatch && w->rbatch->q.n)
		net_relay_queue_send(&w->rbatch->q);
	if (r->ev)
		event_free(r->ev);
	r->ev = NULL;
	if (r->conn && r->conn->ops->release)
		r->conn->ops->release(r->conn);
	r->conn = NULL;
}

/* ... and joins worker ctx, holding client's connection. Worker ctx's thread. */
static int net_relay_attach(void *ctx, void *relay, const struct turn_client *client)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;

	r->w = w;
	r->ev = event_new(w->base, r->fd, EV_READ | EV_PERSIST, net_relay_readable, r);
	if (!r->ev || event_add(r->ev, NULL) < 0)
		return -ENOMEM;
	if (client->conn->ops->hold) {
		r->conn = client->conn;
		r->conn->ops->hold(r->conn);
	}
	return 0;
}

/* turn_relay_ops fast_perm and fast_chan: the entries of the XDP fast path, on the worker
 * owning the allocation (turn/fast.c says when). */
static void net_relay_fast_alloc(const struct net_relay *r, const struct turn_client *client,
				 struct net_fastpath_alloc *a)
{
	*a = (struct net_fastpath_alloc){.client = client->src,
					 .listen = client->local,
					 .relay = r->local,
					 .gen = r->fast_gen};
}

/* Entries only for a plain UDP client (a moved allocation may have another); removals
 * always (a parked allocation's connection is no longer the one it had). */
static bool net_relay_fast_ok(const struct net_relay *r, const struct turn_client *client, bool on)
{
	return r->fast_gen && (!on || !strcmp(client->conn->ops->name, "udp"));
}

static void net_relay_fast_perm(void *ctx, void *relay, const struct turn_client *client,
				const struct addr *peer, bool on)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;
	struct net_fastpath_alloc a;

	if (!net_relay_fast_ok(r, client, on))
		return;
	net_relay_fast_alloc(r, client, &a);
	/* A failure leaves the traffic to user space; a stale entry dies with its port's
	 * generation when the relay closes. */
	(void)net_fastpath_perm(w->fast, &a, peer, on);
}

static void net_relay_fast_chan(void *ctx, void *relay, const struct turn_client *client,
				uint16_t number, const struct addr *peer, bool on)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;
	struct net_fastpath_alloc a;

	if (!net_relay_fast_ok(r, client, on))
		return;
	net_relay_fast_alloc(r, client, &a);
	(void)net_fastpath_chan(w->fast, &a, number, peer, on);
}

/* turn_relay_ops fast_take: the slot's growth since the last report (RFC 8656 §11, §12
 * traffic the kernel relayed), read from shared memory; zero without the fast path. */
static void net_relay_fast_take(void *ctx, void *relay, struct turn_fast_count *d)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;

	if (r->fast_gen)
		net_fastpath_take(w->fast, &r->local, &r->fast_seen, d);
	else
		memset(d, 0, sizeof(*d));
}

/* turn_relay_ops fast_throttle: max-bps holds the relay's traffic in user space (on). */
static void net_relay_fast_throttle(void *ctx, void *relay, bool on)
{
	struct net_worker *w = ctx;
	struct net_relay *r = relay;

	if (r->fast_gen)
		(void)net_fastpath_throttle(w->fast, &r->local, on);
}

const struct turn_relay_ops net_relay_ops = {
	.open = net_relay_open,
	.close = net_relay_close,
	.send = net_relay_send,
	.detach = net_relay_detach,
	.fast_perm = net_relay_fast_perm,
	.fast_chan = net_relay_fast_chan,
	.fast_take = net_relay_fast_take,
	.fast_throttle = net_relay_fast_throttle,
	.attach = net_relay_attach,
	.forward = net_mob_forward,
	.tcp_connect = net_tcprelay_connect,
	.tcp_close = net_tcprelay_close,
	.tcp_bind = net_tcprelay_bind,
};
