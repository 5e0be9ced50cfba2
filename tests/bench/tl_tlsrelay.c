/*
 * tl_tlsrelay — the tls-relay mode: o.sessions TLS connections, each with an
 * allocation and channel tl_tls_channel(c) bound to one of turnload's UDP
 * peer sockets, carry data both ways:
 *
 *   c2p  connection --ChannelData over TLS--> server --UDP--> peer socket
 *   p2c  peer socket --UDP--> relayed address --> server --ChannelData over TLS--> connection
 *
 * Closed loop as in tl_relay.c: each flow keeps at most w datagrams in flight
 * (w = o.window / N), neither direction more than w ahead of the other; a
 * flow that delivers nothing for TL_WRITE_OFF_MS writes its datagrams in
 * flight off as lost. A connection with more than TL_TLS_OUT_HIGH bytes
 * unsent takes no new data until the socket drains. Each ChannelData is its
 * own TLS record. Per payload size: o.warmup_ms unmeasured, then
 * o.duration_s measured (delivered datagrams both ways, the server's CPU).
 *
 * Payload as tl_relay.c's: u32 connection index, u8 kind, zeros.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include "tl_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct tl_trelay {
	struct tl_tls *tt;
	int n, size, w, npeer;
	bool draining; /* no refills */
	int peer_fd[TL_MAX_PEERS];
	struct sockaddr_in peer_addr[TL_MAX_PEERS];
	struct tl_peer_batch pb[TL_MAX_PEERS];
	uint8_t *c2p; /* n ChannelData messages of 4 + size, padded to 4 */
	uint8_t *p2c; /* n payloads of size */
	uint32_t *dirty;
	int ndirty;
	uint64_t sent[2], recv[2];
	struct mmsghdr rmsg[TL_RECV_BATCH];
	struct iovec riov[TL_RECV_BATCH];
	struct sockaddr_in rsrc[TL_RECV_BATCH];
	uint8_t rbuf[TL_RECV_BATCH][TL_BUF];
};

static struct tl_trelay tl_tr; /* one per run; reached from the callbacks */

static size_t tl_tr_c2p_len(const struct tl_trelay *r)
{
	return 4 + (((size_t)r->size + 3) & ~(size_t)3);
}

static void tl_tr_mark(struct tl_trelay *r, uint32_t idx)
{
	struct tl_flow *f = &r->tt->c[idx].f;

	if (!f->dirty) {
		f->dirty = true;
		r->dirty[r->ndirty++] = idx;
	}
}

/* As tl_relay.c's tl_credit: the window, and no more than a window ahead. */
static int tl_tr_credit(const struct tl_trelay *r, const struct tl_flow *f, int d)
{
	int64_t mine = f->done[d] + f->out[d], other = f->done[!d] + f->out[!d];
	int64_t k = r->w - f->out[d], bal = r->w - (mine - other);

	return (int)(k < bal ? k : bal);
}

static void tl_tr_fill(struct tl_trelay *r, uint32_t idx, uint64_t now)
{
	struct tl_tconn *c = &r->tt->c[idx];
	struct tl_flow *f = &c->f;
	size_t len = tl_tr_c2p_len(r);
	int k = tl_tr_credit(r, f, TL_C2P), i;

	if (c->state != TL_TS_READY)
		return;
	for (i = 0; i < k && tl_tls_unsent(c) < TL_TLS_OUT_HIGH; i++)
		if (tl_tls_write(c, r->c2p + (size_t)idx * len, len) < 0)
			break;
	if (i > 0) {
		if (f->out[TL_C2P] == 0)
			f->prog_ms[TL_C2P] = now;
		f->out[TL_C2P] += i;
		r->sent[TL_C2P] += (uint64_t)i;
		tl_tls_flush(r->tt, c);
	}
	k = tl_tr_credit(r, f, TL_P2C);
	if (k <= 0)
		return;
	int p = (int)(idx % (uint32_t)r->npeer);
	for (i = 0; i < k; i++)
		tl_peer_queue(&r->pb[p], r->peer_fd[p], &c->relayed,
			      r->p2c + (size_t)idx * (size_t)r->size, (size_t)r->size);
	if (f->out[TL_P2C] == 0)
		f->prog_ms[TL_P2C] = now;
	f->out[TL_P2C] += k;
	r->sent[TL_P2C] += (uint64_t)k;
}

static void tl_tr_refill(struct tl_trelay *r, uint64_t now)
{
	for (int i = 0; i < r->ndirty; i++) {
		uint32_t idx = r->dirty[i];
		r->tt->c[idx].f.dirty = false;
		tl_tr_fill(r, idx, now);
	}
	r->ndirty = 0;
	for (int p = 0; p < r->npeer; p++)
		tl_peer_flush(&r->pb[p], r->peer_fd[p]);
}

static void tl_tr_delivered(struct tl_trelay *r, uint32_t idx, int dir, uint64_t now)
{
	struct tl_flow *f = &r->tt->c[idx].f;

	r->recv[dir]++;
	f->done[dir]++;
	if (f->out[dir] > 0)
		f->out[dir]--;
	f->prog_ms[dir] = now;
	tl_tr_mark(r, idx);
}

static void tl_tr_on_peer(struct tl_tls *tt, int p, uint64_t now)
{
	struct tl_trelay *r = &tl_tr;

	(void)tt;
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < TL_RECV_BATCH; i++) {
			r->riov[i] = (struct iovec){.iov_base = r->rbuf[i], .iov_len = TL_BUF};
			r->rmsg[i].msg_hdr = (struct msghdr){.msg_name = &r->rsrc[i],
							     .msg_namelen = sizeof(r->rsrc[i]),
							     .msg_iov = &r->riov[i],
							     .msg_iovlen = 1};
		}
		int got = recvmmsg(r->peer_fd[p], r->rmsg, TL_RECV_BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < got; i++) {
			const uint8_t *d = r->rbuf[i];
			if (r->rmsg[i].msg_len < TL_MIN_PAYLOAD || d[4] != TL_C2P)
				continue;
			uint32_t idx = tl_get32(d);
			if (idx < (uint32_t)r->n)
				tl_tr_delivered(r, idx, TL_C2P, now);
		}
		if (got < TL_RECV_BATCH)
			return;
	}
}

/* A ChannelData message (header and padded data) on connection c. */
static void tl_tr_on_data(struct tl_tls *tt, struct tl_tconn *c, const uint8_t *p, size_t n,
			  uint64_t now)
{
	struct tl_trelay *r = &tl_tr;
	size_t len = tl_get16(p + 2);

	(void)tt;
	if (tl_get16(p) != tl_tls_channel(c) || len + 4 > n || len < TL_MIN_PAYLOAD ||
	    tl_get32(p + 4) != c->idx || p[8] != TL_P2C)
		return;
	tl_tr_delivered(r, c->idx, TL_P2C, now);
}

static void tl_tr_on_writable(struct tl_tls *tt, struct tl_tconn *c)
{
	(void)tt;
	if (!tl_tr.draining)
		tl_tr_mark(&tl_tr, c->idx);
}

/* Writes off stalled flows; queues every flow with credit for a refill. */
static void tl_tr_scan(struct tl_trelay *r, uint64_t now)
{
	for (int i = 0; i < r->n; i++) {
		struct tl_flow *f = &r->tt->c[i].f;
		for (int d = 0; d < 2; d++) {
			if (f->out[d] > 0 && now - f->prog_ms[d] >= TL_WRITE_OFF_MS) {
				f->out[d] = 0;
				f->prog_ms[d] = now;
			}
		}
		if (f->out[0] < r->w || f->out[1] < r->w)
			tl_tr_mark(r, (uint32_t)i);
	}
}

static int tl_tr_inflight(const struct tl_trelay *r)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += r->tt->c[i].f.out[0] + r->tt->c[i].f.out[1];
	return n;
}

/* Runs the data plane until end_ms. */
static int tl_tr_run(struct tl_trelay *r, uint64_t end_ms)
{
	uint64_t last_scan = tl_now_ms();

	for (;;) {
		uint64_t now = tl_now_ms();
		if (now >= end_ms)
			return 0;
		int err = tl_tls_step(r->tt,
				      end_ms - now < TL_DATA_SCAN_MS ? (int)(end_ms - now)
								     : TL_DATA_SCAN_MS,
				      tl_tr_on_peer);
		if (err < 0)
			return err;
		now = tl_now_ms();
		if (!r->draining && now - last_scan >= TL_DATA_SCAN_MS) {
			tl_tr_scan(r, now);
			last_scan = now;
		}
		if (!r->draining)
			tl_tr_refill(r, now);
	}
}

/* Lets what is in flight arrive (at most max_ms), then resets the flows. */
static void tl_tr_drain(struct tl_trelay *r, int max_ms)
{
	uint64_t end = tl_now_ms() + (uint64_t)max_ms;

	r->draining = true;
	while (tl_tr_inflight(r) > 0 && tl_now_ms() < end)
		(void)tl_tr_run(r, tl_now_ms() + 5);
	for (int i = 0; i < r->n; i++)
		memset(&r->tt->c[i].f, 0, sizeof(r->tt->c[i].f));
	r->ndirty = 0;
	r->draining = false;
}

static void tl_tr_templates(struct tl_trelay *r)
{
	size_t len = tl_tr_c2p_len(r);

	for (int i = 0; i < r->n; i++) {
		uint8_t *c = r->c2p + (size_t)i * len, *p = r->p2c + (size_t)i * (size_t)r->size;
		memset(c, 0, len);
		memset(p, 0, (size_t)r->size);
		tl_put16(c, tl_tls_channel(&r->tt->c[i]));
		tl_put16(c + 2, (uint16_t)r->size);
		tl_put32(c + 4, (uint32_t)i);
		c[8] = TL_C2P;
		tl_put32(p, (uint32_t)i);
		p[4] = TL_P2C;
	}
}

/* One payload size: warm-up, then the measured run; prints its line. */
static int tl_tr_phase(struct tl_trelay *r, int size)
{
	const struct tl_opts *o = &r->tt->t->o;
	struct tl_snap a, b;
	uint64_t s0[2], d0[2];
	double secs, scpu, self, busy;
	int err;

	r->size = size;
	r->w = o->window / r->n > 0 ? o->window / r->n : 1;
	tl_tr_templates(r);
	for (int i = 0; i < r->n; i++)
		tl_tr_mark(r, (uint32_t)i);
	if ((err = tl_tr_run(r, tl_now_ms() + (uint64_t)o->warmup_ms)) < 0)
		return err;
	memcpy(s0, r->sent, sizeof(s0));
	memcpy(d0, r->recv, sizeof(d0));
	tl_snap_take(r->tt->t, &a);
	if ((err = tl_tr_run(r, tl_now_ms() + (uint64_t)(o->duration_s * 1000))) < 0)
		return err;
	tl_snap_take(r->tt->t, &b);
	uint64_t got[2] = {r->recv[0] - d0[0], r->recv[1] - d0[1]};
	uint64_t sent = r->sent[0] + r->sent[1] - s0[0] - s0[1], del = got[0] + got[1];
	tl_tr_drain(r, 300);
	tl_snap_diff(&a, &b, &secs, &scpu, &self, &busy);
	printf("phase=tls_relay allocs=%d size=%d secs=%.2f sent=%llu delivered=%llu pps=%.0f "
	       "c2p_pps=%.0f p2c_pps=%.0f loss_pct=%.3f server_cpu=%.3f pkts_per_cpu_s=%.0f "
	       "cpu_s_per_mpkt=%.3f loadgen_cpu=%.2f core_busy=%.2f window=%d failures=%llu "
	       "tls_version=%s cipher=%s group=%s\n",
	       r->n, size, secs, (unsigned long long)sent, (unsigned long long)del,
	       (double)del / secs, (double)got[0] / secs, (double)got[1] / secs,
	       sent > del ? 100.0 * (double)(sent - del) / (double)sent : 0.0, scpu,
	       scpu > 0 ? (double)del / scpu : -1,
	       del && scpu >= 0 ? scpu / ((double)del / 1e6) : -1, self, busy, r->w * r->n,
	       (unsigned long long)r->tt->k.failures, r->tt->version, r->tt->cipher, r->tt->group);
	fflush(stdout);
	return 0;
}

static int tl_tr_setup(struct tl_trelay *r, struct tl_tls *tt)
{
	const struct tl_opts *o = &tt->t->o;
	int max_size = 0, ready = 0, err;

	r->tt = tt;
	r->n = tt->n;
	for (int i = 0; i < o->nsizes; i++)
		max_size = o->sizes[i] > max_size ? o->sizes[i] : max_size;
	r->size = max_size;
	r->npeer = r->n < TL_MAX_PEERS ? r->n : TL_MAX_PEERS;
	r->c2p = malloc((size_t)r->n * tl_tr_c2p_len(r));
	r->p2c = malloc((size_t)r->n * (size_t)max_size);
	r->dirty = calloc((size_t)r->n, sizeof(*r->dirty));
	if (!r->c2p || !r->p2c || !r->dirty)
		return -ENOMEM;
	for (int p = 0; p < r->npeer; p++)
		if ((err = tl_peer_open(r->tt->t, p, &r->peer_fd[p], &r->peer_addr[p])) < 0)
			return err;
	for (int i = 0; i < r->n; i++)
		tt->c[i].peer = r->peer_addr[i % r->npeer];
	tt->on_data = tl_tr_on_data;
	tt->on_writable = tl_tr_on_writable;
	(void)tl_tls_start_many(tt, 0, r->n, TL_TG_CHANNEL, TL_CTL_WINDOW,
				tl_now_ms() + 10000 + 10 * (uint64_t)r->n);
	for (int i = 0; i < r->n; i++)
		ready += tt->c[i].state == TL_TS_READY;
	if (ready == r->n)
		return 0;
	fprintf(stderr,
		"turnload: tls-relay: only %d of %d TLS allocations with a channel (last error "
		"code %d, last failure: %s)\n",
		ready, r->n, tt->k.last_code, tt->k.last_fail[0] ? tt->k.last_fail : "none");
	return -EPROTO;
}

int tl_tls_relay_main(struct tl *t)
{
	static struct tl_tls tt;
	int err;

	if (t->o.sessions > TL_TLS_MAX_CONNS || tl_tls_init(&tt, t, t->o.sessions, false) < 0)
		return 1;
	if ((err = tl_tr_setup(&tl_tr, &tt)) < 0) {
		if (err != -EPROTO)
			fprintf(stderr, "turnload: tls-relay setup: %s\n", strerror(-err));
		tl_tls_fini(&tt);
		return err == -EPROTO ? 3 : 1;
	}
	tt.relaying = true;
	for (int i = 0; i < t->o.nsizes && err == 0; i++)
		err = tl_tr_phase(&tl_tr, t->o.sizes[i]);
	tl_tls_release_all(&tt, TL_CTL_WINDOW, 3000);
	tl_tls_fini(&tt);
	if (err < 0) {
		fprintf(stderr, "turnload: tls-relay: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
