/* The UDP hot path: recvmmsg a batch, hand each datagram to the TURN core with the
 * response encoded straight into its send slot, sendmmsg the responses. No malloc, no
 * logging; the clock is the worker's cached one. A listening socket is the client
 * connection (turn/conn.h) of every client that reaches it: the remote is per message;
 * datagrams the relay path queues for clients leave in one sendmmsg per socket at the end
 * of the loop iteration (net_udp_flush). */
#include "config.h" /* first: _GNU_SOURCE for recvmmsg(2), sendmmsg(2) */
#include "net/udp.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/xmalloc.h"
#include "net/relay.h"
#include "net/worker.h"
#include "turn/conn.h"
#include "turn/server.h"

#define NET_UDP_BATCH 128
/* Datagrams larger than this are truncated by the kernel and dropped. */
#define NET_UDP_BUF 2048
/* Batches per socket per wakeup, so one busy socket can't starve the rest of the loop. */
#define NET_UDP_ROUNDS 16
/* Client-bound datagrams queued (the connection's queue op) until net_udp_flush. */
#define NET_UDP_OUTQ 256

/* What the queue op holds: the data stays in the caller's buffer; the destination is
 * copied (the allocation that named it may go before the flush). */
struct net_udp_outq {
	int n;
	struct mmsghdr msg[NET_UDP_OUTQ];
	struct iovec iov[NET_UDP_OUTQ];
	struct addr to[NET_UDP_OUTQ];
	struct net_udp *sock[NET_UDP_OUTQ]; /* the socket of msg[i] (worker-long) */
};

struct net_udp_batch {
	struct net_udp_outq out;
	struct mmsghdr rmsg[NET_UDP_BATCH];
	struct iovec riov[NET_UDP_BATCH];
	struct addr rsrc[NET_UDP_BATCH];
	struct mmsghdr smsg[NET_UDP_BATCH];
	struct iovec siov[NET_UDP_BATCH];
	uint8_t rbuf[NET_UDP_BATCH][NET_UDP_BUF];
	uint8_t sbuf[NET_UDP_BATCH][NET_UDP_BUF];
};

struct net_udp {
	struct turn_conn conn;	  /* first: the connection of every client of this socket */
	struct turn_conn_alt alt; /* RFC 5780 (net/alt.h); conn.alt points here once set */
	struct net_worker *w;
	int fd;
	struct event *ev;
};

struct net_udp_batch *net_udp_batch_new(void)
{
	/* Written through at once (calloc would leave the pages untouched): the buffers are
	 * resident from the start instead of growing with the deepest batch seen, so the
	 * server's memory is what it will stay. */
	struct net_udp_batch *b = xmalloc(sizeof(*b));

	memset(b, 0, sizeof(*b));

	for (int i = 0; i < NET_UDP_BATCH; i++) {
		b->riov[i].iov_base = b->rbuf[i];
		b->riov[i].iov_len = NET_UDP_BUF;
		b->rmsg[i].msg_hdr.msg_iov = &b->riov[i];
		b->rmsg[i].msg_hdr.msg_iovlen = 1;
		b->rmsg[i].msg_hdr.msg_name = &b->rsrc[i].u.ss;
		b->rmsg[i].msg_hdr.msg_namelen = sizeof(b->rsrc[i].u.ss);
		b->siov[i].iov_base = b->sbuf[i];
		b->smsg[i].msg_hdr.msg_iov = &b->siov[i];
		b->smsg[i].msg_hdr.msg_iovlen = 1;
	}
	for (int i = 0; i < NET_UDP_OUTQ; i++) {
		b->out.msg[i].msg_hdr.msg_iov = &b->out.iov[i];
		b->out.msg[i].msg_hdr.msg_iovlen = 1;
		b->out.msg[i].msg_hdr.msg_name = &b->out.to[i].u.ss;
	}
	return b;
}

void net_udp_batch_free(struct net_udp_batch *b)
{
	free(b);
}

/* Sends msgs[0..n) with sendmmsg. A datagram the kernel refuses (unreachable destination)
 * is skipped; a full socket buffer drops the rest of the batch, as any UDP server would. */
static void net_udp_send_batch(struct net_udp *u, struct mmsghdr *msgs, int n)
{
	int sent = 0, r;

	while (sent < n) {
		r = sendmmsg(u->fd, msgs + sent, (unsigned)(n - sent), MSG_DONTWAIT);
		if (r > 0) {
			sent += r;
			u->w->c.udp_tx += (uint64_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			u->w->c.udp_send_err += (uint64_t)(n - sent);
			return;
		} else {
			u->w->c.udp_send_err++;
			sent++;
		}
	}
}

void net_udp_flush(struct net_udp_batch *b)
{
	struct net_udp_outq *q = &b->out;
	int i = 0, j;

	while (i < q->n) {
		for (j = i + 1; j < q->n && q->sock[j] == q->sock[i]; j++)
			;
		net_udp_send_batch(q->sock[i], q->msg + i, j - i);
		i = j;
	}
	q->n = 0;
}

/* The connection's send: one datagram now (a response completed later). */
static int net_udp_conn_send(struct turn_conn *c, const struct addr *to, const uint8_t *buf,
			     size_t len)
{
	struct net_udp *u = (struct net_udp *)c;
	ssize_t r = sendto(u->fd, buf, len, MSG_DONTWAIT, &to->u.sa, addr_len(to));

	if (r < 0) {
		u->w->c.udp_send_err++;
		return -errno;
	}
	u->w->c.udp_tx++;
	return 0;
}

/* The connection's queue: relayed data, sent by net_udp_flush. A full queue is flushed
 * first (its buffers are still the caller's: the flush only comes earlier). */
static int net_udp_conn_queue(struct turn_conn *c, const struct addr *to, const uint8_t *buf,
			      size_t len)
{
	struct net_udp *u = (struct net_udp *)c;
	struct net_udp_outq *q = &u->w->batch->out;
	int k;

	if (q->n == NET_UDP_OUTQ)
		net_udp_flush(u->w->batch);
	k = q->n++;
	q->sock[k] = u;
	q->to[k] = *to;
	q->iov[k].iov_base = (void *)buf;
	q->iov[k].iov_len = len;
	q->msg[k].msg_hdr.msg_namelen = addr_len(to);
	return 0;
}

/* Spoofable source addresses: unproven; replies go to each message's source. */
static const struct turn_conn_ops net_udp_conn_ops = {
	.name = "udp",
	.transport = TURN_TR_UDP,
	.send = net_udp_conn_send,
	.queue = net_udp_conn_queue,
};

/* One message to the TURN core. */
static int net_udp_input(struct net_udp *u, const struct turn_pkt *p, uint64_t now_ms, uint8_t *out)
{
	return turn_server_input(u->w->turn, p, now_ms, out, NET_UDP_BUF);
}

/* Dispatches rmsg[0..n) into send slots; returns how many responses there are. */
static int net_udp_handle(struct net_udp *u, struct net_udp_batch *b, int n)
{
	struct turn_pkt p = {.local = &u->conn.local, .conn = &u->conn};
	uint64_t now_ms = net_worker_now(u->w);
	int nout = 0;

	net_relay_defer_begin(u->w->rbatch);
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &b->rmsg[i].msg_hdr;
		int r = -EBADMSG;

		if (!(h->msg_flags & MSG_TRUNC)) {
			p.buf = b->rbuf[i];
			p.len = b->rmsg[i].msg_len;
			p.src = &b->rsrc[i];
			r = net_udp_input(u, &p, now_ms, b->sbuf[nout]);
		}
		if (r > 0) {
			b->siov[nout].iov_len = (size_t)r;
			b->smsg[nout].msg_hdr.msg_name = h->msg_name;
			b->smsg[nout].msg_hdr.msg_namelen = h->msg_namelen;
			nout++;
		} else if (r < 0) {
			u->w->c.udp_drop++;
		}
		h->msg_namelen = sizeof(b->rsrc[i].u.ss);
	}
	net_relay_defer_flush(u->w->rbatch);
	return nout;
}

static void net_udp_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_udp *u = arg;
	struct net_udp_batch *b = u->w->batch;

	for (int round = 0; round < NET_UDP_ROUNDS; round++) {
		int n = recvmmsg(u->fd, b->rmsg, NET_UDP_BATCH, MSG_DONTWAIT, NULL);

		if (n <= 0)
			return; /* EAGAIN, or an error the next wakeup will see again */
		u->w->c.udp_rx += (uint64_t)n;
		int nout = net_udp_handle(u, b, n);
		if (nout > 0)
			net_udp_send_batch(u, b->smsg, nout);
		/* A short batch means the queue is empty: skip the recvmmsg that says EAGAIN. */
		if (n < NET_UDP_BATCH)
			return;
	}
}

int net_udp_new(struct net_worker *w, int fd, const struct addr *local, struct net_udp **out)
{
	struct net_udp *u = xcalloc(1, sizeof(*u));

	u->conn.ops = &net_udp_conn_ops;
	u->conn.local = *local;
	u->w = w;
	u->fd = fd;
	u->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, net_udp_readable, u);
	if (!u->ev || event_add(u->ev, NULL) < 0) {
		net_udp_free(u);
		return -ENOMEM;
	}
	*out = u;
	return 0;
}

struct turn_conn *net_udp_conn(struct net_udp *u)
{
	return &u->conn;
}

void net_udp_set_alt(struct net_udp *u, const struct turn_conn_alt *alt)
{
	u->alt = *alt;
	u->conn.alt = &u->alt;
}

void net_udp_free(struct net_udp *u)
{
	if (!u)
		return;
	if (u->ev)
		event_free(u->ev);
	close(u->fd);
	free(u);
}
