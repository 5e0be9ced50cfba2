/*
 * tl_soak — the soak mode: minutes of churn and relaying against one
 * server, whose memory and descriptors are sampled throughout.
 *
 *   relayers  o.sessions allocations, each with channel 0x4000+i bound to
 *             one of turnload's peer sockets, carry o.rate datagrams/s each
 *             way in all (ChannelData to the peer; UDP from the peer to the
 *             relayed address, back as ChannelData), evenly spread. Every
 *             o.refresh_s each one refreshes what it holds (TL_GOAL_KEEP):
 *             CreatePermission for its peer (and, every TL_SOAK_DECOY_EVERY
 *             refreshes, for a new address that it never refreshes, so
 *             that it expires 300 s later, RFC 8656 §9), ChannelBind
 *             again, Refresh with o.lifetime.
 *   churners  o.churners sessions start o.churn_rate allocations a second
 *             in all (TL_GOAL_CHURN): Allocate, CreatePermission for
 *             1 + TL_SOAK_CHURN_PERMS addresses (more than a server keeps
 *             inline), ChannelBind, then Refresh 0, or, for o.abandon_pct
 *             of them (evenly spaced), nothing: the server's lifetime
 *             timer frees those.
 *
 * The load is steady after the first lifetime: as many allocations, and at
 * most 1 + 300 / (o.refresh_s * TL_SOAK_DECOY_EVERY) permissions per
 * relayer, at any time; so memory that keeps growing after it is the
 * server's.
 *
 * So the server's allocation, permission and channel timers are armed,
 * re-armed, fired and cancelled all the time. A relayer or churner that
 * fails starts over from a new socket. Every o.interval_s a line
 * "phase=soak_sample" gives the server's VmRSS and open descriptors. At
 * the end, "phase=soak": VmRSS growth from the end of the warm-up
 * (o.soak_warmup_s) to the end of the load, and the descriptors once the
 * load has stopped and every allocation is freed or expired (waiting at
 * most o.drain_s) against the count read before the first allocation.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg */
#endif
#include "turnload.h"

#include "procstat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define TL_SOAK_PEERS	    8
#define TL_SOAK_TICK_MS	    10
#define TL_SOAK_SCAN_MS	    20
#define TL_SOAK_SIZE	    200
#define TL_SOAK_MAGIC	    0x534f414bu /* "SOAK" */
#define TL_SOAK_BATCH	    32
#define TL_SOAK_DECOY_EVERY 5
#define TL_SOAK_CHURN_PERMS 5

enum { TL_SOAK_C2P, TL_SOAK_P2C };

struct tl_soak {
	struct tl *t;
	int nrelay; /* sessions [0, nrelay) relay, the rest churn */
	int npeer;
	int peer_fd[TL_SOAK_PEERS];
	struct sockaddr_in peer_addr[TL_SOAK_PEERS];
	uint64_t *keep_at; /* per relayer: when its next refresh is due (ms) */
	uint32_t *nkeep;   /* per relayer: refreshes started */
	uint32_t next[3];  /* round-robin cursors: c2p, p2c, churn */
	double due[3];	   /* datagrams or cycles owed: c2p, p2c, churn */
	uint64_t sent[2], got[2], restarts;
	int abandon_acc; /* o.abandon_pct added per cycle; 100 = abandon one */
	uint64_t start_ms, last_ms;
	long rss_base, rss_warm, rss_end, rss_max;
	long anon_warm, anon_end; /* RssAnon: the heap, without the code pages */
	int fds_base, fds_max;
	uint8_t pkt[4 + TL_SOAK_SIZE];
};

static int tl_soak_peer_open(struct tl_soak *k, int i)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = k->t->server.sin_addr};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	k->peer_fd[i] = fd;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -errno;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TL_EV(TL_EV_PEER, i)};
	if (epoll_ctl(k->t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	k->peer_addr[i] = a;
	return 0;
}

/* A relayer whose allocation and channel are in place (refreshing or not). */
static bool tl_soak_live(const struct tl_sess *s)
{
	return s->has_alloc &&
	       (s->goal == TL_GOAL_KEEP || (s->goal == TL_GOAL_CHANNEL && s->state == TL_ST_IDLE));
}

static int tl_soak_nlive(const struct tl_soak *k)
{
	int n = 0;

	for (int i = 0; i < k->nrelay; i++)
		n += tl_soak_live(&k->t->sess[i]);
	return n;
}

/* Payload: magic, relayer index, zeros. */
static bool tl_soak_ours(const uint8_t *p, size_t n)
{
	return n >= 8 && tl_get32(p) == TL_SOAK_MAGIC;
}

static void tl_soak_on_peer(struct tl_soak *k, int p)
{
	struct mmsghdr msg[TL_SOAK_BATCH];
	struct iovec iov[TL_SOAK_BATCH];
	static uint8_t buf[TL_SOAK_BATCH][1500];

	for (int i = 0; i < TL_SOAK_BATCH; i++) {
		iov[i] = (struct iovec){.iov_base = buf[i], .iov_len = sizeof(buf[i])};
		msg[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
	}
	for (int round = 0; round < 8; round++) {
		int n = recvmmsg(k->peer_fd[p], msg, TL_SOAK_BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++)
			k->got[TL_SOAK_C2P] += tl_soak_ours(buf[i], msg[i].msg_len);
		if (n < TL_SOAK_BATCH)
			return;
	}
}

/* A session's socket: ChannelData from the peer, or a STUN response. */
static void tl_soak_on_sess(struct tl_soak *k, struct tl_sess *s, uint64_t now_ms)
{
	uint8_t buf[1500];

	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return;
		if (n >= 4 && (buf[0] & 0xC0) == 0x40)
			k->got[TL_SOAK_P2C] += tl_soak_ours(buf + 4, (size_t)n - 4);
		else
			tl_sess_input(k->t, s, buf, (size_t)n, now_ms);
	}
}

static int tl_soak_poll(struct tl_soak *k, int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(k->t->epfd, evs, 256, timeout_ms);
	uint64_t now = tl_now_ms();

	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)evs[i].data.u64;
		if (evs[i].data.u64 >> 32 == TL_EV_PEER)
			tl_soak_on_peer(k, (int)idx);
		else
			tl_soak_on_sess(k, &k->t->sess[idx], now);
	}
	if (now - k->t->last_scan_ms >= TL_SOAK_SCAN_MS) {
		tl_sess_scan(k->t, now);
		k->t->last_scan_ms = now;
	}
	return 0;
}

/* The next live relayer after cursor *c, or NULL if none is. */
static struct tl_sess *tl_soak_pick(struct tl_soak *k, uint32_t *c)
{
	for (int i = 0; i < k->nrelay; i++) {
		struct tl_sess *s = &k->t->sess[*c % (uint32_t)k->nrelay];
		(*c)++;
		if (tl_soak_live(s))
			return s;
	}
	return NULL;
}

/* The datagrams owed in each direction since the last tick. */
static void tl_soak_send(struct tl_soak *k, double secs)
{
	double cap = k->t->o.rate / 10.0 + 1;

	for (int d = 0; d < 2; d++) {
		k->due[d] += k->t->o.rate * secs;
		k->due[d] = k->due[d] > cap ? cap : k->due[d];
		for (; k->due[d] >= 1; k->due[d] -= 1) {
			struct tl_sess *s = tl_soak_pick(k, &k->next[d]);
			if (!s)
				break;
			tl_put32(k->pkt + 8, s->idx);
			if (d == TL_SOAK_C2P) {
				tl_put16(k->pkt, (uint16_t)(0x4000 + s->idx));
				(void)send(s->fd, k->pkt, sizeof(k->pkt), MSG_DONTWAIT);
			} else {
				(void)sendto(k->peer_fd[s->idx % (uint32_t)k->npeer], k->pkt + 4,
					     TL_SOAK_SIZE, MSG_DONTWAIT,
					     (const struct sockaddr *)&s->relayed,
					     sizeof(s->relayed));
			}
			k->sent[d]++;
		}
	}
}

/* Relayers: refreshes when due, a new allocation for one that failed. */
static void tl_soak_relayers(struct tl_soak *k, uint64_t now_ms)
{
	struct tl *t = k->t;

	for (int i = 0; i < k->nrelay; i++) {
		struct tl_sess *s = &t->sess[i];
		if (s->state == TL_ST_FAILED) {
			k->restarts++;
			if (tl_sess_reopen(t, s) == 0)
				tl_sess_start(t, s, TL_GOAL_CHANNEL);
			continue;
		}
		if (!tl_soak_live(s) || s->state != TL_ST_IDLE || now_ms < k->keep_at[i])
			continue;
		/* A new address each time: 127.<1 + n % 250>.<i / 256>.<i % 256>. */
		uint32_t n = k->nkeep[i]++;
		struct sockaddr_in extra = {.sin_family = AF_INET, .sin_port = htons(9)};
		extra.sin_addr.s_addr = htonl(127u << 24 | (1 + n % 250) << 16 | (uint32_t)i);
		tl_sess_keep(t, s, &extra, n % TL_SOAK_DECOY_EVERY == 0);
		k->keep_at[i] = now_ms + (uint64_t)t->o.refresh_s * 1000;
	}
}

/* Churners: the cycles owed, each from an idle (or failed) churner. */
static void tl_soak_churn(struct tl_soak *k, double secs)
{
	struct tl *t = k->t;
	int nchurn = t->nsess - k->nrelay;

	k->due[2] += t->o.churn_rate * secs;
	k->due[2] = k->due[2] > nchurn ? nchurn : k->due[2];
	for (int i = 0; i < nchurn && k->due[2] >= 1; i++) {
		struct tl_sess *s = &t->sess[k->nrelay + (int)(k->next[2]++ % (uint32_t)nchurn)];
		if (s->state != TL_ST_IDLE && s->state != TL_ST_FAILED)
			continue;
		if (s->state == TL_ST_FAILED && tl_sess_reopen(t, s) < 0)
			continue;
		k->abandon_acc += t->o.abandon_pct;
		s->abandon = k->abandon_acc >= 100;
		k->abandon_acc -= s->abandon ? 100 : 0;
		s->peer = k->peer_addr[tl_rand(t) % (uint64_t)k->npeer];
		s->extra = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(9)};
		s->extra.sin_addr.s_addr = htonl(127u << 24 | 252u << 16 | 1);
		s->nextra = TL_SOAK_CHURN_PERMS;
		tl_sess_start(t, s, TL_GOAL_CHURN);
		k->due[2] -= 1;
	}
}

static void tl_soak_sample(struct tl_soak *k, uint64_t now_ms)
{
	const struct tl *t = k->t;
	long rss = procstat_rss_kb(t->o.pid), anon = procstat_rss_anon_kb(t->o.pid);
	int fds = procstat_fds(t->o.pid);

	if (rss > k->rss_max && now_ms - k->start_ms >= (uint64_t)t->o.soak_warmup_s * 1000)
		k->rss_max = rss;
	k->fds_max = fds > k->fds_max ? fds : k->fds_max;
	printf("phase=soak_sample t_s=%.0f rss_kb=%ld rss_anon_kb=%ld fds=%d relayers_live=%d "
	       "cycles=%llu "
	       "abandoned=%llu keeps=%llu sent=%llu delivered=%llu errors=%llu timeouts=%llu\n",
	       (double)(now_ms - k->start_ms) / 1e3, rss, anon, fds, tl_soak_nlive(k),
	       (unsigned long long)t->c.cycles, (unsigned long long)t->c.abandoned,
	       (unsigned long long)t->c.keeps, (unsigned long long)(k->sent[0] + k->sent[1]),
	       (unsigned long long)(k->got[0] + k->got[1]), (unsigned long long)t->c.errors,
	       (unsigned long long)t->c.timeouts);
	fflush(stdout);
}

/* The load, for o.duration_s, with a sample every o.interval_s. */
static int tl_soak_load(struct tl_soak *k)
{
	const struct tl_opts *o = &k->t->o;
	uint64_t end = k->start_ms + (uint64_t)(o->duration_s * 1000);
	uint64_t warm = k->start_ms + (uint64_t)o->soak_warmup_s * 1000;
	uint64_t next_sample = k->start_ms + (uint64_t)o->interval_s * 1000;

	for (uint64_t now = tl_now_ms(); now < end; now = tl_now_ms()) {
		double secs = (double)(now - k->last_ms) / 1e3;
		k->last_ms = now;
		tl_soak_send(k, secs);
		tl_soak_relayers(k, now);
		tl_soak_churn(k, secs);
		if (k->rss_warm < 0 && now >= warm) {
			k->rss_warm = procstat_rss_kb(o->pid);
			k->anon_warm = procstat_rss_anon_kb(o->pid);
		}
		if (now >= next_sample) {
			tl_soak_sample(k, now);
			next_sample += (uint64_t)o->interval_s * 1000;
		}
		int err = tl_soak_poll(k, TL_SOAK_TICK_MS);
		if (err < 0)
			return err;
	}
	k->rss_end = procstat_rss_kb(o->pid);
	k->anon_end = procstat_rss_anon_kb(o->pid);
	if (k->rss_warm < 0) {
		k->rss_warm = k->rss_end;
		k->anon_warm = k->anon_end;
	}
	k->rss_max = k->rss_end > k->rss_max ? k->rss_end : k->rss_max;
	return 0;
}

/* After the load: transactions in flight settle, every relayer frees its
 * allocation, and the server's descriptors are awaited (the abandoned
 * allocations expire within the lifetime). Returns the last count. */
static int tl_soak_drain(struct tl_soak *k)
{
	struct tl *t = k->t;
	uint64_t deadline;
	int fds;

	(void)tl_ctl_run(t, tl_now_ms() + 5000, 0);
	tl_release_all(t, 5000);
	deadline = tl_now_ms() + (uint64_t)t->o.drain_s * 1000;
	while ((fds = procstat_fds(t->o.pid)) > k->fds_base && tl_now_ms() < deadline)
		usleep(250 * 1000);
	return fds;
}

/* Growth from a to b in percent, -1 if a is unknown. */
static double tl_soak_pct(long a, long b)
{
	return a > 0 ? 100.0 * (double)(b - a) / (double)a : -1;
}

static int tl_soak_setup(struct tl_soak *k, struct tl *t)
{
	const struct tl_opts *o = &t->o;
	int err, nrelay = o->sessions, ready = 0;

	k->t = t;
	k->nrelay = nrelay;
	k->npeer = nrelay < TL_SOAK_PEERS ? nrelay : TL_SOAK_PEERS;
	k->keep_at = calloc((size_t)nrelay, sizeof(*k->keep_at));
	k->nkeep = calloc((size_t)nrelay, sizeof(*k->nkeep));
	if (!k->keep_at || !k->nkeep)
		return -ENOMEM;
	tl_put32(k->pkt + 4, TL_SOAK_MAGIC);
	tl_put16(k->pkt + 2, TL_SOAK_SIZE);
	if ((err = tl_sess_open_all(t, nrelay + o->churners)) < 0)
		return err;
	for (int p = 0; p < k->npeer; p++)
		if ((err = tl_soak_peer_open(k, p)) < 0)
			return err;
	for (int i = 0; i < nrelay; i++)
		t->sess[i].peer = k->peer_addr[i % k->npeer];
	(void)tl_ctl_start(t, 0, nrelay, TL_GOAL_CHANNEL, TL_CTL_WINDOW,
			   tl_now_ms() + 10000 + 10 * (uint64_t)nrelay);
	for (int i = 0; i < nrelay; i++)
		ready += tl_soak_live(&t->sess[i]);
	if (ready < nrelay) {
		fprintf(stderr, "turnload: only %d of %d relayers allocated (last error code %d)\n",
			ready, nrelay, t->c.last_code);
		return -EPROTO;
	}
	/* Refreshes spread evenly over the period. */
	k->start_ms = k->last_ms = tl_now_ms();
	for (int i = 0; i < nrelay; i++)
		k->keep_at[i] = k->start_ms + (uint64_t)o->refresh_s * 1000 * (uint64_t)(i + 1) /
						      (uint64_t)nrelay;
	return 0;
}

int tl_soak_main(struct tl *t)
{
	static struct tl_soak k;
	const struct tl_opts *o = &t->o;
	int err, fds_end;

	k.rss_base = procstat_rss_kb(o->pid);
	k.fds_base = procstat_fds(o->pid);
	k.rss_warm = k.rss_max = -1;
	if (k.rss_base < 0 || k.fds_base < 0) {
		fprintf(stderr, "turnload: soak: cannot read /proc/%d (--pid)\n", o->pid);
		return 1;
	}
	if ((err = tl_soak_setup(&k, t)) < 0)
		return err == -EPROTO ? 3 : 1;
	tl_soak_sample(&k, k.start_ms);
	if ((err = tl_soak_load(&k)) < 0) {
		fprintf(stderr, "turnload: soak: %s\n", strerror(-err));
		return 1;
	}
	tl_soak_sample(&k, tl_now_ms());
	fds_end = tl_soak_drain(&k);
	uint64_t sent = k.sent[0] + k.sent[1], got = k.got[0] + k.got[1];
	printf("phase=soak secs=%.0f warmup_s=%d relayers=%d churners=%d rate=%d churn_rate=%d "
	       "rss_base_kb=%ld rss_warm_kb=%ld rss_end_kb=%ld rss_max_kb=%ld "
	       "rss_growth_pct=%.2f rss_anon_warm_kb=%ld rss_anon_end_kb=%ld "
	       "rss_anon_growth_pct=%.2f "
	       "rss_released_kb=%ld fds_base=%d fds_max=%d fds_end=%d "
	       "fds_back=%d cycles=%llu abandoned=%llu keeps=%llu restarts=%llu sent=%llu "
	       "delivered=%llu loss_pct=%.3f errors=%llu timeouts=%llu failed=%llu last_code=%d\n",
	       o->duration_s, o->soak_warmup_s, k.nrelay, o->churners, o->rate, o->churn_rate,
	       k.rss_base, k.rss_warm, k.rss_end, k.rss_max, tl_soak_pct(k.rss_warm, k.rss_end),
	       k.anon_warm, k.anon_end, tl_soak_pct(k.anon_warm, k.anon_end),
	       procstat_rss_kb(o->pid), k.fds_base, k.fds_max, fds_end, fds_end <= k.fds_base,
	       (unsigned long long)t->c.cycles, (unsigned long long)t->c.abandoned,
	       (unsigned long long)t->c.keeps, (unsigned long long)k.restarts,
	       (unsigned long long)sent, (unsigned long long)got,
	       sent > got ? 100.0 * (double)(sent - got) / (double)sent : 0,
	       (unsigned long long)t->c.errors, (unsigned long long)t->c.timeouts,
	       (unsigned long long)t->c.failed, t->c.last_code);
	return 0;
}
