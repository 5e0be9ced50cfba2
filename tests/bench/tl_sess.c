/*
 * tl_sess — client sessions and their TURN control transactions.
 *
 * A session is one connected UDP socket (its own 5-tuple, hence its own
 * allocation) with at most one request in flight. Its life:
 *
 *   Allocate (no credentials) -> 401 with REALM and NONCE
 *   Allocate (USERNAME, REALM, NONCE, MESSAGE-INTEGRITY) -> XOR-RELAYED-ADDRESS
 *   [ChannelBind 0x4000+idx to the session's peer, which also installs the
 *    permission, RFC 8656 §12]
 *   Refresh LIFETIME 0 with the same nonce -> allocation gone
 *
 * A kept session (soak mode's relayers) refreshes what it holds, in turn:
 * CreatePermission for its peer and maybe other addresses (RFC 8656 §9),
 * the same ChannelBind again (§12: refreshes the channel and its
 * permission), Refresh with a lifetime (§8). A churning session (soak)
 * creates permissions and binds a channel after the Allocate, then frees
 * the allocation or leaves it to expire.
 *
 * A cycling session (alloc mode, hold's cycles) then starts over from a new
 * socket, as a new client would: a server need not accept a new allocation
 * on a 5-tuple right after freeing one (coturn answers 437 for a while).
 *
 * A 438 (stale nonce) takes the new nonce and re-sends the request; a 437 on
 * Allocate (an allocation left from before) frees it and starts over. A
 * request unanswered after o.timeout_ms is re-sent unchanged (same
 * transaction id), TL_MAX_TRIES times in all. Responses are not
 * authenticated: this is a load generator, not a conformance test.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include "turnload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define TL_ATTR_CHANNEL_NUMBER	    0x000C
#define TL_ATTR_LIFETIME	    0x000D
#define TL_ATTR_XOR_PEER_ADDRESS    0x0012
#define TL_ATTR_REQUESTED_TRANSPORT 0x0019
#define TL_PROTO_UDP		    (17u << 24)
#define TL_SCAN_MS		    20

/* Binds fd to the next free port of the cursor. Ports are taken in turn
 * rather than left to the kernel's random choice, so a port comes back only
 * after the whole range: a server that keeps a 5-tuple a while after its
 * allocation is freed does not see it reused at once. The whole range is
 * tried: the cursor may come round to thousands of ports in a row still
 * held by open sessions (hold mode's cycles run while they are open). */
static int tl_bind_next(struct tl *t, int fd)
{
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = t->client_ip};

	for (int i = 0; i <= TL_PORT_LAST - TL_PORT_FIRST; i++) {
		int port = t->next_port++;
		if (t->next_port > TL_PORT_LAST)
			t->next_port = TL_PORT_FIRST;
		src.sin_port = htons((uint16_t)port);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

static int tl_sess_open(struct tl *t, struct tl_sess *s)
{
	int buf = 256 << 10, err;

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	/* Relay sessions carry data: room for their share of the window. */
	if (t->o.mode == TL_MODE_RELAY) {
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	}
	if ((err = tl_bind_next(t, s->fd)) < 0)
		return err;
	if (connect(s->fd, (struct sockaddr *)&t->server, sizeof(t->server)) < 0)
		return -errno;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TL_EV(TL_EV_SESS, s->idx)};
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -errno;
	return 0;
}

/* A new socket, hence a new source port, for session s. */
int tl_sess_reopen(struct tl *t, struct tl_sess *s)
{
	close(s->fd);
	s->has_alloc = false;
	s->nonce_len = 0;
	return tl_sess_open(t, s);
}

int tl_sess_open_all(struct tl *t, int n)
{
	t->sess = calloc((size_t)n, sizeof(*t->sess));
	if (!t->sess)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		t->sess[i].idx = (uint32_t)i;
		int r = tl_sess_open(t, &t->sess[i]);
		if (r < 0)
			return r;
		t->nsess = i + 1;
	}
	return 0;
}

/* Starts a request of the given type with a fresh transaction id: bytes 0-3
 * carry the session index, so a response finds its session at once. */
static void tl_req_start(struct tl *t, struct tl_sess *s, uint16_t type)
{
	uint8_t txid[12];
	uint64_t r = tl_rand(t);

	tl_put32(txid, s->idx);
	memcpy(txid + 4, &r, 8);
	tl_msg_start(&s->req, type, txid);
}

static void tl_req_send(struct tl *t, struct tl_sess *s, enum tl_state st, uint64_t now_ms)
{
	if (s->state == TL_ST_IDLE || s->state == TL_ST_FAILED)
		t->busy++;
	s->state = (uint8_t)st;
	s->tries = 1;
	s->sent_ms = now_ms;
	/* A full socket buffer loses the request like the network would; the
	 * retransmission timer covers it. */
	(void)send(s->fd, s->req.b, s->req.len, MSG_DONTWAIT);
}

static void tl_req_done(struct tl *t, struct tl_sess *s, enum tl_state st)
{
	if (s->state != TL_ST_IDLE && s->state != TL_ST_FAILED)
		t->busy--;
	s->state = (uint8_t)st;
}

static int tl_auth(struct tl *t, struct tl_sess *s)
{
	return tl_msg_auth(&s->req, &t->o.cred, s->nonce, s->nonce_len);
}

static void tl_send_alloc0(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	tl_req_start(t, s, TL_ALLOCATE);
	tl_msg_u32(&s->req, TL_ATTR_REQUESTED_TRANSPORT, TL_PROTO_UDP);
	tl_msg_u32(&s->req, TL_ATTR_LIFETIME, (uint32_t)t->o.lifetime);
	tl_req_send(t, s, TL_ST_ALLOC0, now_ms);
}

static void tl_send_alloc1(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	tl_req_start(t, s, TL_ALLOCATE);
	tl_msg_u32(&s->req, TL_ATTR_REQUESTED_TRANSPORT, TL_PROTO_UDP);
	tl_msg_u32(&s->req, TL_ATTR_LIFETIME, (uint32_t)t->o.lifetime);
	tl_auth(t, s);
	s->alloc1_ns = tl_now_ns();
	tl_req_send(t, s, TL_ST_ALLOC1, now_ms);
}

static void tl_send_bind(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	uint8_t ch[4] = {0};

	tl_put16(ch, (uint16_t)(0x4000 + s->idx));
	tl_req_start(t, s, TL_CHANNEL_BIND);
	tl_msg_bytes(&s->req, TL_ATTR_CHANNEL_NUMBER, ch, sizeof(ch));
	tl_msg_xaddr(&s->req, TL_ATTR_XOR_PEER_ADDRESS, &s->peer);
	tl_auth(t, s);
	tl_req_send(t, s, TL_ST_BIND, now_ms);
}

static void tl_send_free(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	tl_req_start(t, s, TL_REFRESH);
	tl_msg_u32(&s->req, TL_ATTR_LIFETIME, 0);
	tl_auth(t, s);
	tl_req_send(t, s, TL_ST_FREE, now_ms);
}

/* RFC 8656 §9.1: one request may carry several XOR-PEER-ADDRESS. */
static void tl_send_perm(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	struct sockaddr_in a = s->extra;

	tl_req_start(t, s, TL_CREATE_PERMISSION);
	tl_msg_xaddr(&s->req, TL_ATTR_XOR_PEER_ADDRESS, &s->peer);
	for (int i = 0; i < s->nextra; i++) {
		tl_msg_xaddr(&s->req, TL_ATTR_XOR_PEER_ADDRESS, &a);
		a.sin_addr.s_addr = htonl(ntohl(a.sin_addr.s_addr) + 1);
	}
	tl_auth(t, s);
	tl_req_send(t, s, TL_ST_PERM, now_ms);
}

static void tl_send_refresh(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	tl_req_start(t, s, TL_REFRESH);
	tl_msg_u32(&s->req, TL_ATTR_LIFETIME, (uint32_t)t->o.lifetime);
	tl_auth(t, s);
	tl_req_send(t, s, TL_ST_REFRESH, now_ms);
}

void tl_sess_start(struct tl *t, struct tl_sess *s, enum tl_goal goal)
{
	s->goal = (uint8_t)goal;
	tl_send_alloc0(t, s, tl_now_ms());
}

void tl_sess_keep(struct tl *t, struct tl_sess *s, const struct sockaddr_in *extra, int nextra)
{
	if (!s->has_alloc || s->state != TL_ST_IDLE)
		return;
	s->goal = TL_GOAL_KEEP;
	s->extra = *extra;
	s->nextra = (uint8_t)nextra;
	tl_send_perm(t, s, tl_now_ms());
}

void tl_sess_release(struct tl *t, struct tl_sess *s)
{
	if (!s->has_alloc || s->state != TL_ST_IDLE)
		return;
	s->goal = TL_GOAL_ALLOC; /* nothing after the free */
	tl_send_free(t, s, tl_now_ms());
}

/* Keeps the nonce (and the realm's key) of a 401 or 438; -EPROTO if absent. */
static int tl_take_nonce(struct tl *t, struct tl_sess *s, const struct tl_resp *r)
{
	if (!r->nonce || !r->realm || r->nonce_len > TL_NONCE_MAX)
		return -EPROTO;
	if (tl_cred_set_realm(&t->o.cred, r->realm, r->realm_len) < 0)
		return -EPROTO;
	memcpy(s->nonce, r->nonce, r->nonce_len);
	s->nonce_len = (uint8_t)r->nonce_len;
	return 0;
}

/* code: the error response's, or 0 after the last retransmission. */
static void tl_fail(struct tl *t, struct tl_sess *s, int code)
{
	if (code) {
		t->c.errors++;
		t->c.last_code = code;
	}
	if (s->goal == TL_GOAL_CYCLE && t->cycling) {
		/* Keep the window full: start the next round. */
		tl_req_done(t, s, TL_ST_IDLE);
		tl_send_alloc0(t, s, tl_now_ms());
		return;
	}
	t->c.failed++;
	tl_req_done(t, s, TL_ST_FAILED);
}

/* The allocation exists: go on toward the session's goal. */
static void tl_on_allocated(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	s->has_alloc = true;
	t->c.allocs++;
	if (s->goal == TL_GOAL_CHANNEL)
		tl_send_bind(t, s, now_ms);
	else if (s->goal == TL_GOAL_CHURN)
		tl_send_perm(t, s, now_ms);
	else if (s->goal == TL_GOAL_CYCLE)
		tl_send_free(t, s, now_ms);
	else
		tl_req_done(t, s, TL_ST_IDLE);
}

static void tl_on_freed(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	s->has_alloc = false;
	t->c.frees++;
	if (s->goal != TL_GOAL_CYCLE && s->goal != TL_GOAL_CHURN) {
		tl_req_done(t, s, TL_ST_IDLE);
		return;
	}
	t->c.cycles++;
	if (tl_sess_reopen(t, s) < 0)
		return tl_fail(t, s, 0);
	if (t->cycling && s->goal == TL_GOAL_CYCLE)
		tl_send_alloc0(t, s, now_ms);
	else
		tl_req_done(t, s, TL_ST_IDLE);
}

static void tl_on_alloc_resp(struct tl *t, struct tl_sess *s, const struct tl_resp *r,
			     uint64_t now_ms)
{
	if (r->type == (TL_ALLOCATE | TL_CLASS_OK)) {
		if (s->state == TL_ST_ALLOC1 && t->lat_us && t->nlat < TL_LAT_MAX)
			t->lat_us[t->nlat++] = (uint32_t)((tl_now_ns() - s->alloc1_ns) / 1000);
		if (r->has_relayed)
			s->relayed = r->relayed;
		tl_on_allocated(t, s, now_ms);
		return;
	}
	if ((r->code == 401 && s->state == TL_ST_ALLOC0) || r->code == 438) {
		if (tl_take_nonce(t, s, r) < 0)
			return tl_fail(t, s, r->code);
		tl_send_alloc1(t, s, now_ms);
		return;
	}
	if (r->code == 437 && tl_sess_reopen(t, s) == 0) {
		/* This 5-tuple is still taken (a server may keep it a while after
		 * a free): start over from a new source port. */
		t->c.mismatches++;
		tl_send_alloc0(t, s, now_ms);
		return;
	}
	tl_fail(t, s, r->code);
}

/* ChannelBind answered: the session's goal says what comes next. */
static void tl_on_bound(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	if (s->goal == TL_GOAL_KEEP) {
		tl_send_refresh(t, s, now_ms);
	} else if (s->goal == TL_GOAL_CHURN && !s->abandon) {
		tl_send_free(t, s, now_ms);
	} else if (s->goal == TL_GOAL_CHURN) {
		/* Left to the server's lifetime timer; the next round from a new port. */
		t->c.abandoned++;
		t->c.cycles++;
		if (tl_sess_reopen(t, s) < 0)
			return tl_fail(t, s, 0);
		tl_req_done(t, s, TL_ST_IDLE);
	} else {
		tl_req_done(t, s, TL_ST_IDLE);
	}
}

/* Answers to CreatePermission (kept and churning sessions) and Refresh. */
static void tl_on_keep_resp(struct tl *t, struct tl_sess *s, const struct tl_resp *r,
			    uint64_t now_ms)
{
	bool perm = s->state == TL_ST_PERM;

	if (r->type == (TL_CREATE_PERMISSION | TL_CLASS_OK) && perm) {
		tl_send_bind(t, s, now_ms);
	} else if (r->type == (TL_REFRESH | TL_CLASS_OK) && !perm) {
		t->c.keeps++;
		tl_req_done(t, s, TL_ST_IDLE);
	} else if (r->code == 438 && tl_take_nonce(t, s, r) == 0) {
		if (perm)
			tl_send_perm(t, s, now_ms);
		else
			tl_send_refresh(t, s, now_ms);
	} else {
		tl_fail(t, s, r->code);
	}
}

void tl_sess_input(struct tl *t, struct tl_sess *s, const uint8_t *p, size_t n, uint64_t now_ms)
{
	struct tl_resp r;

	if (s->state == TL_ST_IDLE || s->state == TL_ST_FAILED || n < TL_STUN_HDR ||
	    memcmp(p + 8, s->req.b + 8, 12) != 0 || tl_resp_parse(p, n, &r) < 0)
		return; /* late, duplicate or not for us */
	if ((r.type & 0x3EEF) != tl_get16(s->req.b))
		return; /* method mismatch */
	switch (s->state) {
	case TL_ST_ALLOC0:
	case TL_ST_ALLOC1:
		tl_on_alloc_resp(t, s, &r, now_ms);
		return;
	case TL_ST_BIND:
		if (r.type == (TL_CHANNEL_BIND | TL_CLASS_OK))
			tl_on_bound(t, s, now_ms);
		else if (r.code == 438 && tl_take_nonce(t, s, &r) == 0)
			tl_send_bind(t, s, now_ms);
		else
			tl_fail(t, s, r.code);
		return;
	case TL_ST_FREE:
		/* 437: already gone (a retransmitted Refresh after the first freed it). */
		if (r.type == (TL_REFRESH | TL_CLASS_OK) || r.code == 437)
			tl_on_freed(t, s, now_ms);
		else if (r.code == 438 && tl_take_nonce(t, s, &r) == 0)
			tl_send_free(t, s, now_ms);
		else
			tl_fail(t, s, r.code);
		return;
	case TL_ST_PERM:
	case TL_ST_REFRESH:
		tl_on_keep_resp(t, s, &r, now_ms);
		return;
	}
}

void tl_sess_on_readable(struct tl *t, struct tl_sess *s, uint64_t now_ms)
{
	uint8_t buf[1500];

	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return;
		tl_sess_input(t, s, buf, (size_t)n, now_ms);
	}
}

void tl_sess_scan(struct tl *t, uint64_t now_ms)
{
	for (int i = 0; i < t->nsess; i++) {
		struct tl_sess *s = &t->sess[i];
		if (s->state == TL_ST_IDLE || s->state == TL_ST_FAILED ||
		    now_ms - s->sent_ms < (uint64_t)t->o.timeout_ms)
			continue;
		t->c.timeouts++;
		if (s->tries >= TL_MAX_TRIES) {
			tl_fail(t, s, 0);
			continue;
		}
		s->tries++;
		s->sent_ms = now_ms;
		(void)send(s->fd, s->req.b, s->req.len, MSG_DONTWAIT);
	}
}

int tl_ctl_step(struct tl *t, int timeout_ms)
{
	struct epoll_event evs[256];
	uint64_t now;
	int n;

	n = epoll_wait(t->epfd, evs, 256, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	now = tl_now_ms();
	for (int i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)evs[i].data.u64;
		if (evs[i].data.u64 >> 32 == TL_EV_SESS)
			tl_sess_on_readable(t, &t->sess[idx], now);
	}
	if (now - t->last_scan_ms >= TL_SCAN_MS) {
		tl_sess_scan(t, now);
		t->last_scan_ms = now;
	}
	return 0;
}

int tl_ctl_run(struct tl *t, uint64_t deadline_ms, uint64_t stop_cycles)
{
	for (;;) {
		if (stop_cycles ? t->c.cycles >= stop_cycles : t->busy == 0)
			return 0;
		if (tl_now_ms() >= deadline_ms)
			return -ETIMEDOUT;
		int r = tl_ctl_step(t, TL_SCAN_MS);
		if (r < 0)
			return r;
	}
}

int tl_ctl_start(struct tl *t, int first, int n, enum tl_goal goal, int max_busy,
		 uint64_t deadline_ms)
{
	int next = first;

	while (next < first + n) {
		while (next < first + n && t->busy < max_busy)
			tl_sess_start(t, &t->sess[next++], goal);
		if (tl_now_ms() >= deadline_ms)
			return -ETIMEDOUT;
		int r = tl_ctl_step(t, TL_SCAN_MS);
		if (r < 0)
			return r;
	}
	return tl_ctl_run(t, deadline_ms, 0);
}

void tl_release_all(struct tl *t, int max_ms)
{
	uint64_t deadline = tl_now_ms() + (uint64_t)max_ms;

	t->cycling = false;
	for (int i = 0; i < t->nsess && tl_now_ms() < deadline; i++) {
		while (t->busy >= TL_CTL_WINDOW && tl_now_ms() < deadline)
			(void)tl_ctl_step(t, TL_SCAN_MS);
		tl_sess_release(t, &t->sess[i]);
	}
	(void)tl_ctl_run(t, deadline, 0);
}
