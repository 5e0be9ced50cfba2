/*
 * tl_relay — the relay mode: N allocations carrying data both ways.
 *
 * Each session (client side) owns allocation i with channel 0x4000+i bound
 * to one of turnload's own peer sockets (peer i % npeer). Two flows per
 * allocation:
 *
 *   c2p  session i --ChannelData--> server --UDP--> peer socket
 *   p2c  peer socket --UDP--> relayed address i --> server --ChannelData--> session i
 *
 * Several targets (servers running at once, each with its own sessions and
 * peer sockets) take the load in turn: a throughput turn lasts o.slice_ms,
 * a round-trip turn o.rtt_turn_ms, and the order rotates every round. A drift
 * in the machine's speed (a shared host, noisy neighbours) then hits every
 * target alike instead of whichever ran in a bad second; each target's
 * figures are the sums over its turns.
 *
 * Throughput phase: closed loop. Each flow keeps up to w datagrams in flight
 * (w = o.window / N, at least 1); a delivered datagram lets its flow send
 * another, so the server runs as fast as it can without the load generator
 * overrunning its socket buffers. Neither direction of an allocation gets
 * more than w ahead of the other: every server relays the same mix, half
 * each way, rather than whichever its scheduling happens to favour. A flow that delivers nothing
 * for TL_WRITE_OFF_MS writes its in-flight datagrams off as lost and sends again. A turn measures
 * after TL_TURN_WARM_MS and ends by letting the datagrams in flight arrive. Figures: delivered
 * datagrams per second (both flows), loss (1 - delivered/sent), server CPU per delivered datagram.
 *
 * Round-trip phase: sessions of the target whose turn it is send, round
 * robin, o.rtt_rate datagrams per second in total, evenly spaced, carrying a send
 * timestamp; the peer socket sends each back to the relayed address it came
 * from, and the session records the time from send to return (client ->
 * server -> peer -> server -> client). Every target is read in every turn,
 * so a late return still counts for its own target.
 *
 * Payload (any size >= TL_MIN_PAYLOAD): u32 allocation index, u8 kind,
 * 3 zero bytes, u64 send time in ns, zeros.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include "tl_relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A UDP socket made in the network namespace at path (the calling thread returns to its
 * own before this returns): descriptor or -errno. turnload is single-threaded here. */
static int tl_socket_in(const char *path)
{
	int home, there, fd, err = 0;

	if (!path)
		return socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if ((home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((there = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(there, CLONE_NEWNET) < 0) {
		err = -errno;
		if (there >= 0)
			close(there);
		close(home);
		return err;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	if (setns(home, CLONE_NEWNET) < 0) {
		perror("turnload: back to the load generator's network namespace");
		exit(1);
	}
	close(there);
	close(home);
	return fd < 0 ? err : fd;
}

int tl_peer_open(struct tl *t, int i, int *fd_out, struct sockaddr_in *addr)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = t->server.sin_addr};
	socklen_t len = sizeof(a);
	int buf = 4 << 20, fd;

	if (t->o.peer_ip && inet_pton(AF_INET, t->o.peer_ip, &a.sin_addr) != 1)
		return -EINVAL;
	fd = tl_socket_in(t->o.peer_netns);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TL_EV(TL_EV_PEER, i)};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	*fd_out = fd;
	*addr = a;
	return 0;
}

static void tl_mark(struct tl_relay *r, uint32_t idx)
{
	if (!r->f[idx].dirty) {
		r->f[idx].dirty = true;
		r->dirty[r->ndirty++] = idx;
	}
}

void tl_peer_flush(struct tl_peer_batch *b, int fd)
{
	int off = 0;

	while (off < b->n) {
		int k = sendmmsg(fd, b->msg + off, (unsigned)(b->n - off), MSG_DONTWAIT);
		if (k <= 0)
			break;
		off += k;
	}
	/* Datagrams the kernel refused are lost, as on a network; their flows
	 * write them off. */
	b->n = 0;
}

void tl_peer_queue(struct tl_peer_batch *b, int fd, const struct sockaddr_in *dst, void *data,
		   size_t len)
{
	if (b->n == TL_PEER_BATCH)
		tl_peer_flush(b, fd);
	b->iov[b->n] = (struct iovec){.iov_base = data, .iov_len = len};
	b->msg[b->n].msg_hdr = (struct msghdr){.msg_name = (void *)dst,
					       .msg_namelen = sizeof(*dst),
					       .msg_iov = &b->iov[b->n],
					       .msg_iovlen = 1};
	b->n++;
}

/* Datagrams direction d of flow f may send now: its window, and no more than a
 * window ahead of the other direction (delivered plus in flight), so the
 * server relays as much each way whichever direction it serves first. */
static int tl_credit(const struct tl_relay *r, const struct tl_flow *f, int d)
{
	int64_t mine = f->done[d] + f->out[d], other = f->done[!d] + f->out[!d];
	int64_t k = r->w - f->out[d], bal = r->w - (mine - other);

	return (int)(k < bal ? k : bal);
}

static void tl_fill_c2p(struct tl_relay *r, uint32_t idx, uint64_t now_ms)
{
	struct tl_flow *f = &r->f[idx];
	int k = tl_credit(r, f, TL_C2P);
	uint8_t *pkt = r->c2p + (size_t)idx * (size_t)(4 + r->size);

	if (k <= 0)
		return;
	for (int i = 0; i < k; i++) {
		r->ciov[i] = (struct iovec){.iov_base = pkt, .iov_len = (size_t)(4 + r->size)};
		r->cmsg[i].msg_hdr = (struct msghdr){.msg_iov = &r->ciov[i], .msg_iovlen = 1};
	}
	int sent = sendmmsg(r->t->sess[idx].fd, r->cmsg, (unsigned)k, MSG_DONTWAIT);
	if (sent <= 0)
		return;
	if (f->out[TL_C2P] == 0)
		f->prog_ms[TL_C2P] = now_ms;
	f->out[TL_C2P] += sent;
	r->sent[TL_C2P] += (uint64_t)sent;
}

/* Peer sends are counted when queued: a datagram the kernel refuses is
 * lost, as on a network, and written off by the scan. */
static void tl_fill_p2c(struct tl_relay *r, uint32_t idx, uint64_t now_ms)
{
	struct tl_flow *f = &r->f[idx];
	int k = tl_credit(r, f, TL_P2C), p = (int)(idx % (uint32_t)r->npeer);
	uint8_t *pkt = r->p2c + (size_t)idx * (size_t)r->size;

	if (k <= 0)
		return;
	for (int i = 0; i < k; i++)
		tl_peer_queue(&r->pb[p], r->peer_fd[p], &r->t->sess[idx].relayed, pkt,
			      (size_t)r->size);
	if (f->out[TL_P2C] == 0)
		f->prog_ms[TL_P2C] = now_ms;
	f->out[TL_P2C] += k;
	r->sent[TL_P2C] += (uint64_t)k;
}

static void tl_refill(struct tl_relay *r, uint64_t now_ms)
{
	for (int i = 0; i < r->ndirty; i++) {
		uint32_t idx = r->dirty[i];
		r->f[idx].dirty = false;
		tl_fill_c2p(r, idx, now_ms);
		tl_fill_p2c(r, idx, now_ms);
	}
	r->ndirty = 0;
	for (int p = 0; p < r->npeer; p++)
		tl_peer_flush(&r->pb[p], r->peer_fd[p]);
}

static void tl_delivered(struct tl_relay *r, uint32_t idx, int dir, uint64_t now_ms)
{
	struct tl_flow *f = &r->f[idx];

	r->recv[dir]++;
	f->done[dir]++;
	if (f->out[dir] > 0)
		f->out[dir]--;
	f->prog_ms[dir] = now_ms;
	tl_mark(r, idx);
}

/* Payload check: returns the allocation index and kind, or -1. */
static int tl_payload(const struct tl_relay *r, const uint8_t *p, size_t n, int *kind)
{
	if (n < TL_MIN_PAYLOAD)
		return -1;
	uint32_t idx = tl_get32(p);
	if (idx >= (uint32_t)r->n)
		return -1;
	*kind = p[4];
	return (int)idx;
}

static int tl_recv_batch(struct tl_relay *r, int fd)
{
	for (int i = 0; i < TL_RECV_BATCH; i++) {
		r->riov[i] = (struct iovec){.iov_base = r->rbuf[i], .iov_len = TL_BUF};
		r->rmsg[i].msg_hdr = (struct msghdr){.msg_name = &r->rsrc[i],
						     .msg_namelen = sizeof(r->rsrc[i]),
						     .msg_iov = &r->riov[i],
						     .msg_iovlen = 1};
	}
	return recvmmsg(fd, r->rmsg, TL_RECV_BATCH, MSG_DONTWAIT, NULL);
}

static void tl_on_peer(struct tl_relay *r, int p, uint64_t now_ms)
{
	for (int round = 0; round < 8; round++) {
		int got = tl_recv_batch(r, r->peer_fd[p]), kind = -1;
		for (int i = 0; i < got; i++) {
			int idx = tl_payload(r, r->rbuf[i], r->rmsg[i].msg_len, &kind);
			if (idx < 0)
				continue;
			if (kind == TL_C2P)
				tl_delivered(r, (uint32_t)idx, TL_C2P, now_ms);
			else if (kind == TL_KIND_RTT)
				tl_peer_queue(&r->pb[p], r->peer_fd[p], &r->rsrc[i], r->rbuf[i],
					      r->rmsg[i].msg_len);
		}
		if (r->rtt)
			tl_peer_flush(&r->pb[p], r->peer_fd[p]); /* echoes point into rbuf */
		if (got < TL_RECV_BATCH)
			return;
	}
}

static void tl_on_client(struct tl_relay *r, uint32_t s, uint64_t now_ms)
{
	for (int round = 0; round < 4; round++) {
		int got = tl_recv_batch(r, r->t->sess[s].fd), kind = -1;
		for (int i = 0; i < got; i++) {
			const uint8_t *p = r->rbuf[i];
			size_t n = r->rmsg[i].msg_len;
			if (n < 4 || tl_get16(p) != 0x4000 + s || tl_get16(p + 2) + 4u > n)
				continue; /* STUN (late responses) or foreign */
			int idx = tl_payload(r, p + 4, tl_get16(p + 2), &kind);
			if (idx != (int)s)
				continue;
			if (kind == TL_P2C) {
				tl_delivered(r, s, TL_P2C, now_ms);
			} else if (kind == TL_KIND_RTT && r->rtt_record && r->nrtt < r->rtt_cap) {
				uint64_t t0;
				memcpy(&t0, p + 4 + 8, 8);
				if (t0 >= r->rtt_from_ns)
					r->rtt_ns[r->nrtt++] = tl_now_ns() - t0;
			}
		}
		if (got < TL_RECV_BATCH)
			return;
	}
}

/* Writes off flows stalled for TL_WRITE_OFF_MS and queues every flow with
 * credit for a refill (covers sends the kernel refused). */
static void tl_data_scan(struct tl_relay *r, uint64_t now_ms)
{
	for (int i = 0; i < r->n; i++) {
		struct tl_flow *f = &r->f[i];
		for (int d = 0; d < 2; d++) {
			if (f->out[d] > 0 && now_ms - f->prog_ms[d] >= TL_WRITE_OFF_MS) {
				f->out[d] = 0;
				f->prog_ms[d] = now_ms;
			}
		}
		if (!r->rtt && (f->out[0] < r->w || f->out[1] < r->w))
			tl_mark(r, (uint32_t)i);
	}
}

int tl_data_step(struct tl_relay *r, int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(r->t->epfd, evs, 256, timeout_ms);
	uint64_t now = tl_now_ms();

	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)evs[i].data.u64;
		if (evs[i].data.u64 >> 32 == TL_EV_PEER)
			tl_on_peer(r, (int)idx, now);
		else
			tl_on_client(r, idx, now);
	}
	if (!r->rtt)
		tl_refill(r, now);
	return 0;
}

static void tl_templates(struct tl_relay *r)
{
	for (int i = 0; i < r->n; i++) {
		uint8_t *c = r->c2p + (size_t)i * (size_t)(4 + r->size);
		uint8_t *p = r->p2c + (size_t)i * (size_t)r->size;
		memset(c, 0, (size_t)(4 + r->size));
		memset(p, 0, (size_t)r->size);
		tl_put16(c, (uint16_t)(0x4000 + i));
		tl_put16(c + 2, (uint16_t)r->size);
		tl_put32(c + 4, (uint32_t)i);
		c[8] = TL_C2P;
		tl_put32(p, (uint32_t)i);
		p[4] = TL_P2C;
	}
}

static int tl_inflight(const struct tl_relay *r)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += r->f[i].out[0] + r->f[i].out[1];
	return n;
}

/* No refills until what is in flight has arrived (or max_ms, for what was
 * lost); then the flows start afresh. */
static void tl_drain(struct tl_relay *r, int max_ms)
{
	uint64_t end = tl_now_ms() + (uint64_t)max_ms;

	r->rtt = true; /* no refills */
	while (tl_inflight(r) > 0 && tl_now_ms() < end)
		(void)tl_data_step(r, 1);
	r->rtt = false;
	memset(r->f, 0, (size_t)r->n * sizeof(*r->f));
	r->ndirty = 0;
}

/* Forwarder: no STUN. Relay port relay_port+i stands for allocation i; one
 * datagram each way first lets the forwarder learn the peer and the client
 * of channel 0x4000+i, as ChannelBind and the 5-tuple would. The client's
 * counts as in flight toward the peer: its arrival shows both are known. */
static int tl_setup_bare(struct tl_relay *r)
{
	struct tl *t = r->t;
	uint8_t pkt[4 + TL_MIN_PAYLOAD] = {0};

	for (int i = 0; i < r->n; i++) {
		struct tl_sess *s = &t->sess[i];
		s->relayed = t->server;
		s->relayed.sin_port = htons((uint16_t)(t->o.relay_port + i));
		tl_put32(pkt + 4, (uint32_t)i);
		pkt[8] = TL_KIND_HELLO;
		int p = i % r->npeer;
		tl_peer_queue(&r->pb[p], r->peer_fd[p], &s->relayed, pkt + 4, TL_MIN_PAYLOAD);
		tl_peer_flush(&r->pb[p], r->peer_fd[p]);
	}
	usleep(50 * 1000);
	for (int i = 0; i < r->n; i++) {
		tl_put16(pkt, (uint16_t)(0x4000 + i));
		tl_put16(pkt + 2, TL_MIN_PAYLOAD);
		tl_put32(pkt + 4, (uint32_t)i);
		pkt[8] = TL_C2P;
		if (send(t->sess[i].fd, pkt, sizeof(pkt), MSG_DONTWAIT) > 0)
			r->f[i].out[TL_C2P] = 1;
	}
	tl_drain(r, 300);
	return 0;
}

static int tl_setup_turn(struct tl_relay *r)
{
	struct tl *t = r->t;
	int ready = 0;

	for (int i = 0; i < r->n; i++)
		t->sess[i].peer = r->peer_addr[i % r->npeer];
	int err = tl_ctl_start(t, 0, r->n, TL_GOAL_CHANNEL, TL_CTL_WINDOW,
			       tl_now_ms() + 10000 + 10 * (uint64_t)r->n);
	for (int i = 0; i < r->n; i++) {
		struct tl_sess *s = &t->sess[i];
		if (s->state == TL_ST_IDLE && s->has_alloc)
			ready++;
		if (s->relayed.sin_addr.s_addr == htonl(INADDR_ANY))
			s->relayed.sin_addr = t->server.sin_addr;
	}
	if (ready == r->n)
		return 0;
	fprintf(stderr,
		"turnload: %s: only %d of %d allocations with a channel (last error code %d, "
		"%llu timeouts%s)\n",
		t->o.name, ready, r->n, t->c.last_code, (unsigned long long)t->c.timeouts,
		err == -ETIMEDOUT ? ", setup timed out" : "");
	return -EPROTO;
}

static int tl_relay_setup(struct tl_relay *r, struct tl *t)
{
	int max_size = 0, err;

	r->t = t;
	r->n = t->o.sessions;
	for (int i = 0; i < t->o.nsizes; i++)
		max_size = t->o.sizes[i] > max_size ? t->o.sizes[i] : max_size;
	r->npeer = r->n < TL_MAX_PEERS ? r->n : TL_MAX_PEERS;
	r->f = calloc((size_t)r->n, sizeof(*r->f));
	r->dirty = calloc((size_t)r->n, sizeof(*r->dirty));
	r->c2p = malloc((size_t)r->n * (size_t)(4 + max_size));
	r->p2c = malloc((size_t)r->n * (size_t)max_size);
	r->cmsg = calloc((size_t)t->o.window, sizeof(*r->cmsg));
	r->ciov = calloc((size_t)t->o.window, sizeof(*r->ciov));
	if (!r->f || !r->dirty || !r->c2p || !r->p2c || !r->cmsg || !r->ciov)
		return -ENOMEM;
	if ((err = tl_sess_open_all(t, r->n)) < 0)
		return err;
	for (int p = 0; p < r->npeer; p++)
		if ((err = tl_peer_open(r->t, p, &r->peer_fd[p], &r->peer_addr[p])) < 0)
			return err;
	return t->o.bare ? tl_setup_bare(r) : tl_setup_turn(r);
}

/* Adds the interval a..b, with s0/d0 the sent and delivered counts at a, to
 * the target's sums. */
void tl_acc_add(struct tl_relay *r, const struct tl_snap *a, const struct tl_snap *b,
		const uint64_t s0[2], const uint64_t d0[2])
{
	struct tl_acc *c = &r->acc;
	double secs, scpu, self, busy;

	tl_snap_diff(a, b, &secs, &scpu, &self, &busy);
	c->secs += secs;
	c->self_cpu += self;
	if (scpu < 0)
		c->cpu_unknown = true;
	else
		c->server_cpu += scpu;
	c->core_busy += b->core_busy - a->core_busy;
	c->core_total += b->core_total - a->core_total;
	c->sent += r->sent[0] + r->sent[1] - s0[0] - s0[1];
	c->got[0] += r->recv[0] - d0[0];
	c->got[1] += r->recv[1] - d0[1];
}

/* One throughput turn of ms milliseconds; measured (into r->acc) after
 * TL_TURN_WARM_MS when measure is set. */
static int tl_turn_tput(struct tl_relay *r, int ms, bool measure)
{
	struct tl_snap a, b;
	uint64_t s0[2], d0[2], last_scan;
	uint64_t start = tl_now_ms(), t_meas = start + TL_TURN_WARM_MS,
		 t_end = start + (uint64_t)ms;
	bool measuring = false;

	for (int i = 0; i < r->n; i++)
		tl_mark(r, (uint32_t)i);
	tl_refill(r, start);
	last_scan = start;
	for (;;) {
		uint64_t now = tl_now_ms();
		if (measure && !measuring && now >= t_meas) {
			memcpy(s0, r->sent, sizeof(s0));
			memcpy(d0, r->recv, sizeof(d0));
			tl_snap_take(r->t, &a);
			measuring = true;
		}
		if (now >= t_end)
			break;
		uint64_t left = t_end - now;
		int err = tl_data_step(r, left < TL_DATA_SCAN_MS ? (int)left : TL_DATA_SCAN_MS);
		if (err < 0)
			return err;
		now = tl_now_ms();
		if (now - last_scan >= TL_DATA_SCAN_MS) {
			tl_data_scan(r, now);
			last_scan = now;
		}
	}
	if (measuring) {
		tl_snap_take(r->t, &b);
		tl_acc_add(r, &a, &b, s0, d0);
	}
	tl_drain(r, TL_TURN_DRAIN_MS);
	return 0;
}

static void tl_report_tput(const struct tl_relay *r)
{
	const struct tl_acc *c = &r->acc;
	uint64_t del = c->got[0] + c->got[1];
	double secs = c->secs > 0 ? c->secs : 1, scpu = c->cpu_unknown ? -1 : c->server_cpu;
	double busy = c->core_total ? (double)c->core_busy / (double)c->core_total : -1;
	double loss = c->sent > del ? 100.0 * (double)(c->sent - del) / (double)c->sent : 0;

	/* busy_cpu_s: the --core's time in the turns that was neither idle nor iowait
	 * (/proc/stat: user, nice, system, irq, softirq, steal), whoever used it. */
	double bsec = busy >= 0 ? busy * c->secs : -1;

	printf("target=%s phase=relay allocs=%d size=%d secs=%.2f sent=%llu delivered=%llu "
	       "pps=%.0f c2p_pps=%.0f p2c_pps=%.0f loss_pct=%.3f server_cpu=%.3f "
	       "pkts_per_cpu_s=%.0f cpu_s_per_mpkt=%.3f loadgen_cpu=%.2f core_busy=%.2f "
	       "busy_cpu_s=%.3f pkts_per_busy_s=%.0f window=%d\n",
	       r->t->o.name, r->n, r->size, c->secs, (unsigned long long)c->sent,
	       (unsigned long long)del, (double)del / secs, (double)c->got[0] / secs,
	       (double)c->got[1] / secs, loss, scpu, scpu > 0 ? (double)del / scpu : -1,
	       del && scpu >= 0 ? scpu / ((double)del / 1e6) : -1, c->self_cpu, busy, bsec,
	       bsec > 0 ? (double)del / bsec : -1, r->w * r->n);
	fflush(stdout);
}

/* Every target o.duration_s in turns of o.slice_ms, after one unmeasured
 * turn each of o.warmup_ms; the order rotates every round. */
static int tl_phase_tput(struct tl_relay **rs, int nr, int size)
{
	const struct tl_opts *o = &rs[0]->t->o;
	int turns = (int)(o->duration_s * 1000 / (o->slice_ms - TL_TURN_WARM_MS) + 0.999);

	for (int j = 0; j < nr; j++) {
		struct tl_relay *r = rs[j];
		r->size = size;
		r->w = o->window / r->n > 0 ? o->window / r->n : 1;
		memset(&r->acc, 0, sizeof(r->acc));
		tl_templates(r);
	}
	for (int j = 0; j < nr; j++) {
		int err = tl_turn_tput(
			rs[j], o->warmup_ms > TL_TURN_WARM_MS ? o->warmup_ms : TL_TURN_WARM_MS,
			false);
		if (err < 0)
			return err;
	}
	for (int k = 0; k < turns; k++) {
		for (int j = 0; j < nr; j++) {
			int err = tl_turn_tput(rs[(k + j) % nr], o->slice_ms, true);
			if (err < 0)
				return err;
		}
	}
	for (int j = 0; j < nr; j++)
		tl_report_tput(rs[j]);
	return 0;
}

int tl_relay_main(const struct tl_opts *o)
{
	/* Large batches: not on the stack. */
	static struct tl ts[TL_MAX_TARGETS];
	static struct tl_relay rb[TL_MAX_TARGETS];
	struct tl_relay *rs[TL_MAX_TARGETS];
	struct tl_target one = {.name = "server", .port = o->port, .pid = o->pid};
	const struct tl_target *tg = o->ntgt ? o->tgt : &one;
	int ntg = o->ntgt ? o->ntgt : 1, nr = 0, err = 0;
	int pe = epoll_create1(EPOLL_CLOEXEC);

	if (pe < 0)
		return 1;
	for (int j = 0; j < ntg; j++) {
		struct tl_opts oj = *o;
		struct tl_relay *r = &rb[j];
		oj.port = tg[j].port;
		oj.pid = tg[j].pid;
		oj.bare = tg[j].relay_port > 0;
		oj.relay_port = tg[j].relay_port;
		oj.name = tg[j].name;
		if ((err = tl_init(&ts[j], &oj, (unsigned)j)) < 0 ||
		    (err = tl_relay_setup(r, &ts[j])) < 0) {
			if (err != -EPROTO) {
				fprintf(stderr, "turnload: %s: relay setup: %s\n", tg[j].name,
					strerror(-err));
				return 1;
			}
			/* Did not grant the allocations: measured without it. */
			fprintf(stderr, "turnload: %s: left out of the run\n", tg[j].name);
			continue;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)nr};
		if (epoll_ctl(pe, EPOLL_CTL_ADD, ts[j].epfd, &ev) < 0)
			return 1;
		rs[nr++] = r;
	}
	if (nr == 0)
		return 3;
	err = 0;
	for (int i = 0; i < o->nsizes && err == 0; i++)
		err = tl_phase_tput(rs, nr, o->sizes[i]);
	if (err == 0 && o->rtt_rate > 0)
		err = tl_phase_rtt(rs, nr, pe, o->sizes[0]);
	for (int j = 0; j < nr; j++)
		if (!rs[j]->t->o.bare)
			tl_release_all(rs[j]->t, 2000);
	if (err < 0) {
		fprintf(stderr, "turnload: relay: %s\n", strerror(-err));
		return 1;
	}
	return nr == ntg ? 0 : 3;
}
