/* The world fuzz_turn.c drives: two workers (struct turn_server) sharing one struct
 * turn_shared and one fake net (the relay ops of tests/unit/test_turn_fake.h, wrapped to
 * check every call), a fake credential store per worker, a synthetic clock, six clients
 * (UDP and TCP, IPv4 and IPv6: a datagram connection per worker and listening address,
 * shared by its clients, and a stream connection per TCP client, each checking what it
 * sends), mobility (RFC 8016: the tickets seen, the moves between the two workers in
 * flight: forwarded, then detached by the owner, then adopted, aborted or dropped), and
 * the invariants checked after every step. A violated
 * invariant aborts (FUZZ_ASSERT), so libFuzzer reports it as a crash. White-box: it reads
 * turn/'s internals (turn/core.h) to see allocations, reservations and counts. */
#ifndef TERN_TESTS_FUZZ_TURN_ENV_H
#define TERN_TESTS_FUZZ_TURN_ENV_H

#include <stdio.h>
#include <stdlib.h>

#include "base/bytes.h"
#include "base/crypto.h"
#include "test_turn_fake.h"
#include "turn/core.h"
#include "turn/mob.h"
#include "turn/peer.h"
#include "turn/shared.h"
#include "turn/ticket.h"

#define FZ_WORKERS 2
/* Clients 0-5 as fz_env_init sets them up; the others UDP or TCP on worker 0, enough for
 * its allocation table to grow. */
#define FZ_CLIENTS 48
#define FZ_USERS   3 /* alice, bob, carol; a fourth name is unknown to the store */
#define FZ_PEERS   16
#define FZ_TOKENS  4
#define FZ_MOVES   4 /* moves in flight between the workers */

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_turn: invariant violated at %s:%d: %s\n", __FILE__,  \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct fz_client {
	struct turn_client c;
	int worker;
	uint8_t tid[STUN_TID_LEN]; /* of its last request (retransmissions reuse it) */
	struct fake_conn stream;   /* its connection when it is a TCP client */
};

struct fz_env {
	struct turn_cfg cfg;
	struct auth_nonce_key nk;
	struct peer_policy *peers;
	struct turn_relayset *relays; /* the fake relay addresses; ports live while open */
	struct turn_shared *sh;
	struct fake_net net; /* shared by both workers: a reservation moves between them */
	struct fake_creds creds[FZ_WORKERS];
	struct turn_server *w[FZ_WORKERS];
	struct fz_client cl[FZ_CLIENTS];
	struct fake_conn udp[FZ_WORKERS][2]; /* per worker: IPv4 and IPv6 listening sockets */
	/* RFC 5780: per worker, the IPv4 socket's alternates (A1:P2, A2:P1, A2:P2) and table */
	struct fake_conn altc[FZ_WORKERS][4];
	struct turn_conn_alt alt[FZ_WORKERS];
	uint8_t ident[FZ_USERS][TURN_IDENT_LEN];
	/* the maker of each reservation handle (by fake relay id), for the quota balance */
	int8_t resv_user[FAKE_MAX_RELAYS];	   /* user index, or -1 without ident */
	uint64_t resv_made[FAKE_MAX_RELAYS];	   /* when it was made */
	uint8_t tokens[FZ_TOKENS][TURN_TOKEN_LEN]; /* seen in Allocate successes */
	unsigned ntokens;
	char tickets[FZ_TOKENS][TURN_TICKET_LEN]; /* MOBILITY-TICKETs seen in successes */
	unsigned ntickets;
	/* Moves handed to forward: to (the requesting worker), detached (by the owner). */
	struct fz_move {
		struct turn_mob_move *mv;
		int to;
		bool detached;
	} moves[FZ_MOVES];
	bool relay_detached[FAKE_MAX_RELAYS]; /* by fake relay id: receives on no worker */
	uint64_t now;
	uint32_t tid_seq;
};

static const char *const fz_user_names[FZ_USERS + 1] = {"alice", "bob", "carol", "dave"};
static const char *const fz_user_pass[FZ_USERS + 1] = {"secret", "hunter2", "pw", "x"};

/* The world of the current input (libFuzzer runs one input at a time). */
static struct fz_env *fz_cur;

static inline struct fake_relay *fz_relay(struct fz_env *z, void *h)
{
	struct fake_relay *r = h;

	FUZZ_ASSERT(r >= z->net.r && r < z->net.r + z->net.nr);
	return r;
}

static inline bool fz_alloc_live(struct fz_env *z, const struct turn_alloc *a)
{
	int i;

	for (i = 0; i < FZ_WORKERS; i++) {
		const struct turn_server *s = z->w[i];

		if (s && turn_alloc_find(&s->allocs, a->client.conn, &a->client.src,
					 &a->client.local) == a)
			return true;
	}
	return false;
}

static inline int fz_user_of(struct fz_env *z, const uint8_t *ident)
{
	int u;

	for (u = 0; u < FZ_USERS; u++) {
		if (memcmp(z->ident[u], ident, TURN_IDENT_LEN) == 0)
			return u;
	}
	return -1;
}

/* ---- relay ops: the fakes of test_turn_fake.h, every call checked ---- */

static int fz_open(void *ctx, const struct turn_relay_req *req, struct turn_relay_res *res)
{
	struct fz_env *z = fz_cur;
	struct turn_alloc *a = req->alloc;
	int rc;

	FUZZ_ASSERT(ctx == &z->net && a != NULL);
	if (req->reserved) {
		struct fake_relay *r = fz_relay(z, req->reserved);

		/* Only a held, unused, unexpired reservation may be taken over (RFC 8656 §7.2:
		 * the token is valid for 30 s and once). */
		FUZZ_ASSERT(r->open && r->reservation && r->closes == 0);
		FUZZ_ASSERT(z->now < z->resv_made[r->id] + TURN_RESERVATION_MS);
	}
	FUZZ_ASSERT(!(req->reserve_next && req->reserved));
	if (z->net.nr + 2 > FAKE_MAX_RELAYS)
		return -ENOSPC; /* the fake's port range is exhausted */
	rc = fake_ops.open(ctx, req, res);
	if (rc == 0 && res->reserved) {
		int id = fz_relay(z, res->reserved)->id;

		z->resv_user[id] = (int8_t)(a->has_ident ? fz_user_of(z, a->ident) : -1);
		z->resv_made[id] = z->now;
	}
	return rc;
}

/* ctx NULL: a carried allocation freed with no server (turn_mob_move_free). */
static void fz_close(void *ctx, void *relay)
{
	struct fake_relay *r = fz_relay(fz_cur, relay);

	FUZZ_ASSERT(ctx == &fz_cur->net || ctx == NULL);
	FUZZ_ASSERT(r->open && r->closes == 0); /* closed once, never used after */
	fake_ops.close(&fz_cur->net, relay);
}

/* Mobility: a relay leaves its worker (once) and joins one (while detached). */
static void fz_detach(void *ctx, void *relay)
{
	struct fake_relay *r = fz_relay(fz_cur, relay);

	FUZZ_ASSERT(ctx == &fz_cur->net && r->open && !r->reservation);
	fz_cur->relay_detached[r->id] = true;
}

static int fz_attach(void *ctx, void *relay, const struct turn_client *client)
{
	struct fake_relay *r = fz_relay(fz_cur, relay);

	FUZZ_ASSERT(ctx == &fz_cur->net && r->open && fz_cur->relay_detached[r->id]);
	FUZZ_ASSERT(client->conn != NULL);
	fz_cur->relay_detached[r->id] = false;
	return 0;
}

/* Parks the move until a step delivers it; the requester is the client of the new
 * 5-tuple. -EAGAIN when FZ_MOVES are in flight. */
static int fz_forward(void *ctx, unsigned worker, struct turn_mob_move *mv)
{
	struct fz_env *z = fz_cur;
	int i, to = -1;

	FUZZ_ASSERT(ctx == &z->net && worker < FZ_WORKERS);
	for (i = 0; i < FZ_CLIENTS; i++) {
		if (z->cl[i].c.conn == mv->client.conn && addr_eq(&z->cl[i].c.src, &mv->client.src))
			to = z->cl[i].worker;
	}
	FUZZ_ASSERT(to >= 0 && (unsigned)to != worker);
	for (i = 0; i < FZ_MOVES; i++) {
		if (z->moves[i].mv == NULL) {
			z->moves[i] = (struct fz_move){mv, to, false};
			return 0;
		}
	}
	return -EAGAIN;
}

static int fz_send(void *ctx, void *relay, const struct addr *peer, const uint8_t *data, size_t len,
		   bool df)
{
	struct fz_env *z = fz_cur;
	struct fake_relay *r = fz_relay(z, relay);
	struct turn_alloc *a = r->req.alloc;
	struct turn_ip ip;

	/* Data leaves only through a live allocation's open relay, to a permitted peer. */
	FUZZ_ASSERT(r->open && !r->reservation && fz_alloc_live(z, a));
	turn_ip_from_addr(&ip, peer);
	FUZZ_ASSERT(turn_perm_find(a, &ip, z->now) != NULL);
	FUZZ_ASSERT(turn_alloc_relay_for(a, addr_family(peer)) >= 0);
	FUZZ_ASSERT(a->relay[turn_alloc_relay_for(a, addr_family(peer))] == relay);
	/* The server's own host only at a live relay port, in its exact spelling. */
	FUZZ_ASSERT(!turn_relayset_is_own(z->relays, peer) ||
		    turn_relayset_is_live(z->relays, peer));
	return fake_ops.send(ctx, relay, peer, data, len, df);
}

static void fz_response(struct fz_env *z, const struct turn_client *c, const uint8_t *buf,
			size_t len);

/* Whether a client has source to on conn. */
static bool fz_is_client(const struct fz_env *z, const struct turn_conn *conn,
			 const struct addr *to);

/* A response sent later (after an asynchronous lookup) through a client's connection, a
 * Data indication reporting an ICMP error (RFC 8656 §11.5; fz_peer_icmp checks it), or
 * a Binding response redirected by RFC 5780 (CHANGE-REQUEST through another socket,
 * RESPONSE-PORT to another port) or a classic RFC 3489 one: those must be Binding
 * successes, and only ever to a client's own IP. */
static int fz_conn_send(struct turn_conn *conn, const struct addr *to, const uint8_t *buf,
			size_t len)
{
	struct turn_client c = {.conn = conn, .src = *to, .local = conn->local};
	bool known = false;

	if (fz_is_client(fz_cur, conn, to)) {
		if (len < 2 || bytes_get16(buf) != 0x0017) /* a Data indication */
			fz_response(fz_cur, &c, buf, len);
		return fake_conn_send(conn, to, buf, len);
	}
	for (int i = 0; i < FZ_CLIENTS; i++)
		known |= addr_ip_eq(&fz_cur->cl[i].c.src, to);
	FUZZ_ASSERT(known);
	FUZZ_ASSERT(len >= STUN_HDR_LEN && buf[0] == 0x01 && buf[1] == 0x01);
	return fake_conn_send(conn, to, buf, len);
}

static const struct turn_conn_ops fz_udp_ops = {.name = "udp", .send = fz_conn_send};
static const struct turn_conn_ops fz_tcp_ops = {
	.name = "tcp", .stream = true, .proven = true, .send = fz_conn_send};

/* RFC 6062 peer data connections: net's side is a counter of open handles; a Connect is
 * never answered by the fake net (its 30 s timer answers 447), which the invariants see. */
static int fz_tcp_open, fz_tcp_handle;

static int fz_tcp_connect(void *ctx, void *relay, const struct addr *peer, struct turn_tcp_conn *tc,
			  void **conn)
{
	(void)ctx;
	(void)relay;
	(void)peer;
	(void)tc;
	fz_tcp_open++;
	*conn = &fz_tcp_handle;
	return 0;
}

static void fz_tcp_close(void *ctx, void *conn)
{
	(void)ctx;
	FUZZ_ASSERT(conn == &fz_tcp_handle && fz_tcp_open > 0);
	fz_tcp_open--;
}

static int fz_tcp_bind(void *ctx, void *conn, struct turn_conn *data)
{
	(void)ctx;
	(void)data;
	FUZZ_ASSERT(conn == &fz_tcp_handle);
	return 0;
}

/* The unit tests' fake_ops with the three calls above checked: members turn_relay_ops may
 * gain are forwarded to the fakes unchanged. */
static struct turn_relay_ops fz_ops;

static void fz_ops_init(void)
{
	fz_ops = fake_ops;
	fz_ops.open = fz_open;
	fz_ops.close = fz_close;
	fz_ops.send = fz_send;
	fz_ops.detach = fz_detach;
	fz_ops.attach = fz_attach;
	fz_ops.forward = fz_forward;
	fz_ops.tcp_connect = fz_tcp_connect;
	fz_ops.tcp_close = fz_tcp_close;
	fz_ops.tcp_bind = fz_tcp_bind;
}

/* ---- invariants ---- */

struct fz_tally {
	uint32_t total; /* allocations + held reservations */
	uint32_t user[FZ_USERS];
	int relays; /* relay handles of live allocations */
};

/* One allocation is well-formed; adds it to t. */
static void fz_check_alloc(struct fz_env *z, struct turn_server *s, struct turn_alloc *a,
			   struct fz_tally *t)
{
	int i, u;

	FUZZ_ASSERT(a->s == s);
	FUZZ_ASSERT(s == NULL || turn_alloc_find(&s->allocs, a->client.conn, &a->client.src,
						 &a->client.local) == a);
	FUZZ_ASSERT(a->nrelay >= 1 && a->nrelay <= TURN_MAX_RELAYS);
	for (i = 0; i < a->nrelay; i++) {
		struct fake_relay *r = fz_relay(z, a->relay[i]);

		FUZZ_ASSERT(r->open && !r->reservation && r->req.alloc == a);
		/* Receiving exactly while its allocation is in a table (s == NULL: carried)
		 * with a live connection (not parked: turn_mob_park). */
		FUZZ_ASSERT(z->relay_detached[r->id] ==
			    (s == NULL || strcmp(a->client.conn->ops->name, "parked") == 0));
	}
	FUZZ_ASSERT(a->mob == NULL || (a->mob->a == a && a->mob->linked == (s != NULL)));
	FUZZ_ASSERT(a->mob == NULL || s == NULL || turn_mob_find(s, a->mob->id) == a->mob);
	FUZZ_ASSERT(a->nperms <= a->capperms && a->nchans <= a->capchans);
	FUZZ_ASSERT(z->cfg.max_perms == 0 || a->nperms <= z->cfg.max_perms);
	for (i = 0; i < a->nchans; i++) {
		FUZZ_ASSERT(a->chans[i].number >= STUN_CHANNEL_MIN &&
			    a->chans[i].number <= STUN_CHANNEL_MAX);
		FUZZ_ASSERT(turn_alloc_relay_for(a, a->chans[i].ip.family) >= 0);
	}
	FUZZ_ASSERT(a->expire_ms > 0);
	t->total++;
	t->relays += a->nrelay;
	if (a->has_ident) {
		u = fz_user_of(z, a->ident);
		FUZZ_ASSERT(u >= 0); /* only known users authenticate */
		t->user[u]++;
	}
}

/* After every step: allocations well-formed, every open relay owned by exactly one
 * allocation or held as a reservation, the quota counts equal to what is held and within
 * user-quota and total-quota. */
static void fz_check(struct fz_env *z)
{
	struct fz_tally t = {0};
	int i, u, open_relays = 0;
	size_t k;

	for (i = 0; i < FZ_WORKERS; i++) {
		struct turn_server *s = z->w[i];

		for (k = 0; k < s->allocs.cap; k++) {
			if (s->allocs.slot[k])
				fz_check_alloc(z, s, s->allocs.slot[k], &t);
		}
		FUZZ_ASSERT(s->c.allocs == s->allocs.n);
	}
	for (i = 0; i < FZ_MOVES; i++) {
		const struct fz_move *m = &z->moves[i];

		FUZZ_ASSERT(m->mv == NULL || m->detached || m->mv->a == NULL);
		if (m->mv && m->mv->a)
			fz_check_alloc(z, NULL, m->mv->a, &t);
	}
	for (i = 0; i < z->net.nr; i++) {
		const struct fake_relay *r = &z->net.r[i];

		FUZZ_ASSERT(r->closes == !r->open);
		if (!r->open)
			continue;
		if (!r->reservation) {
			open_relays++;
			continue;
		}
		t.total++;
		if (z->resv_user[i] >= 0)
			t.user[z->resv_user[i]]++;
	}
	FUZZ_ASSERT(open_relays == t.relays); /* no relay without an allocation */
	/* A STUN-only server never opens a relay nor sends to a peer. */
	FUZZ_ASSERT(!z->cfg.stun_only || (z->net.opens == 0 && z->net.sends == 0));
	FUZZ_ASSERT(z->net.nr == z->net.closes + fake_open_count(&z->net));
	FUZZ_ASSERT(turn_shared_total(z->sh) == t.total);
	FUZZ_ASSERT(z->cfg.total_quota == 0 || t.total <= z->cfg.total_quota);
	FUZZ_ASSERT(z->cfg.bps_capacity == 0 ||
		    turn_shared_bps_granted(z->sh) <= z->cfg.bps_capacity);
	for (u = 0; u < FZ_USERS; u++) {
		FUZZ_ASSERT(turn_shared_user_count(z->sh, z->ident[u]) == t.user[u]);
		FUZZ_ASSERT(z->cfg.user_quota == 0 || t.user[u] <= z->cfg.user_quota);
	}
}

/* ---- set-up and teardown ---- */

/* Client i: over its own stream connection, or over the worker's datagram connection of
 * its local address's family. */
static void fz_client_init(struct fz_env *z, int i, bool stream, const char *ip, const char *local,
			   int worker)
{
	struct fz_client *c = &z->cl[i];

	addr_parse(&c->c.src, ip, (uint16_t)(4000 + i));
	addr_parse(&c->c.local, local, 3478);
	if (stream) {
		fake_conn_init(&c->stream, &fz_tcp_ops, &c->c.local, &c->c.src);
		c->c.conn = &c->stream.conn;
	} else {
		c->c.conn = &z->udp[worker][addr_family(&c->c.local) == AF_INET6].conn;
	}
	c->worker = worker;
}

static void fz_creds_init(struct fake_creds *f)
{
	int u;

	memset(f, 0, sizeof(*f));
	f->store.ops = &fake_cred_ops;
	f->store.impl = f;
	for (u = 0; u < FZ_USERS; u++)
		f->users[u] = (struct fake_user){fz_user_names[u], fz_user_pass[u]};
	f->nusers = FZ_USERS;
}

/* The default peer policy, and the server's own addresses: the fake relay addresses (their
 * ports live while a fake relay is open) and the listening addresses. */

static bool fz_is_client(const struct fz_env *z, const struct turn_conn *conn,
			 const struct addr *to)
{
	for (int i = 0; i < FZ_CLIENTS; i++)
		if (addr_eq(&z->cl[i].c.src, to) && z->cl[i].c.conn == conn)
			return true;
	return false;
}

/* Worker i's IPv4 socket gets RFC 5780 alternates (turn/conn.h struct turn_conn_alt). */
static void fz_alt_init(struct fz_env *z, int i)
{
	static const char *const ip[4] = {"", "203.0.113.1", "203.0.113.2", "203.0.113.2"};
	static const uint16_t port[4] = {0, 3479, 3478, 3479};
	struct turn_conn_alt *t = &z->alt[i];

	memset(t, 0, sizeof(*t));
	t->via[0] = &z->udp[i][0].conn;
	for (int k = 1; k < 4; k++) {
		struct addr a;

		addr_parse(&a, ip[k], port[k]);
		fake_conn_init(&z->altc[i][k], &fz_udp_ops, &a, NULL);
		t->via[k] = &z->altc[i][k].conn;
	}
	t->has_other = true;
	t->other = z->altc[i][3].conn.local;
	z->udp[i][0].conn.alt = t;
}

static int fz_peer_policy(struct fz_env *z)
{
	struct addr relay[2], own[2];
	struct peer_policy_cfg pc = {0};
	struct turn_relayset_cfg rc = {.relay = relay, .nrelay = 2, .own = own, .nown = 2};

	addr_parse(&relay[0], "203.0.113.1", 0);
	addr_parse(&relay[1], "2001:db8::100", 0);
	addr_parse(&own[0], "203.0.113.1", 3478);
	addr_parse(&own[1], "2001:db8::1", 3478);
	if (turn_relayset_new(&rc, &z->relays) < 0)
		return -ENOMEM;
	z->net.rs = z->relays;
	return peer_policy_new(&pc, &z->peers);
}

/* Configurations (0: unlimited). */
static const uint32_t fz_user_quota[4] = {1, 2, 3, 0};
static const uint32_t fz_total_quota[4] = {2, 4, 6, 0};
static const uint32_t fz_max_perms[4] = {1, 3, 8, 0};

/* The MOBILITY-TICKET key, made once for the process (tickets of one input are
 * meaningless in the next: their allocation ids are gone). */
static struct turn_ticket_key *fz_key;

/* Builds the world from the configuration bytes (conf2 bit 5: mobility off). 0 or
 * -ENOMEM. */
static int fz_env_init(struct fz_env *z, uint8_t conf, uint8_t conf2)
{
	int i, u;

	memset(z, 0, sizeof(*z));
	fz_cur = z;
	fz_ops_init();
	z->cfg.realm = T_REALM;
	z->cfg.default_lifetime_s = 600;
	z->cfg.max_lifetime_s = 3600;
	z->cfg.perm_lifetime_s = 300;
	z->cfg.channel_lifetime_s = 600;
	z->cfg.nonce_key = &z->nk;
	z->cfg.no_auth = conf & 1;
	z->cfg.user_quota = fz_user_quota[(conf >> 1) & 3];
	z->cfg.total_quota = fz_total_quota[(conf >> 3) & 3];
	z->cfg.max_perms = fz_max_perms[conf2 & 3];
	z->cfg.unauth_rate = (conf2 & 4) ? 2 : 0;
	z->cfg.max_bps = (conf2 & 8) ? 2000 : 0; /* bytes/s: some data is dropped */
	/* bps-capacity: two allocations' worth and a partial third, then 486. */
	z->cfg.bps_capacity = (conf2 & 8) ? 5000 : 0;
	z->cfg.stun_only = (conf2 & 0x40) != 0;
	if (fz_key == NULL && turn_ticket_key_new(&fz_key) < 0)
		return -ENOMEM;
	z->cfg.ticket_key = (conf2 & 0x20) ? NULL : fz_key;
	z->now = T_START_MS;
	auth_nonce_key_init(&z->nk, 600, 0);
	for (u = 0; u < FZ_USERS; u++) {
		struct crypto_part p[3] = {{fz_user_names[u], strlen(fz_user_names[u])},
					   {":", 1},
					   {T_REALM, strlen(T_REALM)}};
		uint8_t h[CRYPTO_SHA256_LEN];

		/* turn/alloc.h: the quota half, then the username's (the same here). */
		crypto_sha256(p, 3, h);
		memcpy(z->ident[u], h, TURN_IDENT_LEN / 2);
		memcpy(z->ident[u] + TURN_IDENT_LEN / 2, h, TURN_IDENT_LEN / 2);
	}
	if (turn_shared_new(&z->sh) < 0 || fz_peer_policy(z) < 0)
		return -ENOMEM;
	z->cfg.shared = z->sh;
	z->cfg.peers = z->peers;
	z->cfg.relays = z->relays;
	for (i = 0; i < FZ_WORKERS; i++) {
		struct addr l4, l6;

		addr_parse(&l4, "203.0.113.1", 3478);
		addr_parse(&l6, "2001:db8::1", 3478);
		fake_conn_init(&z->udp[i][0], &fz_udp_ops, &l4, NULL);
		fake_conn_init(&z->udp[i][1], &fz_udp_ops, &l6, NULL);
		fz_alt_init(z, i);
	}
	fz_client_init(z, 0, false, "192.0.2.1", "203.0.113.1", 0);
	fz_client_init(z, 1, true, "192.0.2.2", "203.0.113.1", 0);
	fz_client_init(z, 2, false, "192.0.2.3", "203.0.113.1", 1);
	fz_client_init(z, 3, true, "192.0.2.4", "203.0.113.1", 1);
	fz_client_init(z, 4, false, "2001:db8::4", "2001:db8::1", 0);
	fz_client_init(z, 5, false, "192.0.2.1", "203.0.113.1", 1);
	for (i = 6; i < FZ_CLIENTS; i++)
		fz_client_init(z, i, i & 1, (i & 2) ? "192.0.2.20" : "192.0.2.21", "203.0.113.1",
			       0);
	for (i = 0; i < FZ_WORKERS; i++) {
		fz_creds_init(&z->creds[i]);
		z->creds[i].async = (conf & 0x80) != 0;
		if (turn_server_new(&z->cfg, &fz_ops, &z->net, &z->creds[i].store, z->now,
				    &z->w[i]) < 0)
			return -ENOMEM;
		turn_server_set_worker(z->w[i], (unsigned)i);
	}
	return 0;
}

/* Moves a move on one stage, as net/ would: the owner detaches; then the requester
 * adopts (how 0), or the owner takes it back (how 1: the requester unreachable), or it
 * is freed with no server (how 2: a worker shut down). */
static void fz_move_step(struct fz_env *z, int k, int how)
{
	struct fz_move *m = &z->moves[k];
	struct turn_mob_move *mv = m->mv;
	int owner = mv->t.worker;

	if (!m->detached) {
		FUZZ_ASSERT(owner >= 0 && owner < FZ_WORKERS);
		turn_server_mob_detach(z->w[owner], mv);
		FUZZ_ASSERT((mv->a != NULL) == (mv->code == 0));
		m->detached = true;
		return;
	}
	m->mv = NULL;
	if (how == 1)
		turn_server_mob_abort(z->w[owner], mv);
	else if (how == 2)
		turn_mob_move_free(mv);
	else
		turn_server_mob_adopt(z->w[m->to], mv, z->now);
}

/* Every move in flight completes (adopted). */
static void fz_moves_finish(struct fz_env *z)
{
	for (int k = 0; k < FZ_MOVES; k++) {
		while (z->moves[k].mv)
			fz_move_step(z, k, 0);
	}
}

/* After a tick nothing past its time is left: allocations, permissions and channels
 * (their timers fire at the earliest expiry), reservations (30 s). */
static void fz_check_expiry(struct fz_env *z)
{
	int i, k;
	size_t j;

	for (i = 0; i < FZ_WORKERS; i++) {
		struct turn_server *s = z->w[i];

		for (j = 0; j < s->allocs.cap; j++) {
			struct turn_alloc *a = s->allocs.slot[j];

			if (a == NULL)
				continue;
			FUZZ_ASSERT(a->expire_ms > z->now);
			for (k = 0; k < a->nperms; k++)
				FUZZ_ASSERT(a->perms[k].expire_ms > z->now);
			for (k = 0; k < a->nchans; k++)
				FUZZ_ASSERT(a->chans[k].expire_ms > z->now);
		}
	}
	for (k = 0; k < z->net.nr; k++) {
		if (z->net.r[k].open && z->net.r[k].reservation)
			FUZZ_ASSERT(z->resv_made[k] + TURN_RESERVATION_MS > z->now);
	}
}

static void fz_tick(struct fz_env *z, uint64_t ms)
{
	int i;

	z->now += ms;
	for (i = 0; i < FZ_WORKERS; i++)
		turn_server_tick(z->w[i], z->now);
	fz_check_expiry(z);
}

/* The end: unless free_live, the clock runs past every lifetime (allocations, permissions,
 * channels, reservations) and everything must be gone by itself; then the workers are
 * freed. Every relay and reservation handed out was closed exactly once, every quota unit
 * returned. */
static void fz_env_finish(struct fz_env *z, bool free_live)
{
	int i;

	fz_moves_finish(z);
	fz_check(z);
	if (!free_live) {
		/* One jump past the longest lifetime, then short steps: a timer re-armed at a
		 * time already past fires on the next advance. */
		fz_tick(z, (uint64_t)z->cfg.max_lifetime_s * 1000 + TURN_RESERVATION_MS + 1000);
		for (i = 0; i < 4; i++)
			fz_tick(z, 1);
		fz_check(z);
		FUZZ_ASSERT(turn_shared_total(z->sh) == 0);
		FUZZ_ASSERT(turn_shared_bps_granted(z->sh) == 0);
		FUZZ_ASSERT(fake_open_count(&z->net) == 0);
		for (i = 0; i < FZ_WORKERS; i++)
			FUZZ_ASSERT(z->w[i]->allocs.n == 0 && z->w[i]->resv == NULL);
	}
	for (i = 0; i < FZ_WORKERS; i++) {
		turn_server_free(z->w[i]);
		z->w[i] = NULL;
		FUZZ_ASSERT(z->creds[i].freed == 1);
	}
	FUZZ_ASSERT(fake_all_closed_once(&z->net));
	FUZZ_ASSERT(z->net.nr == z->net.closes);
	/* RFC 6062: every peer data connection closed with its allocation or its timer. */
	FUZZ_ASSERT(fz_tcp_open == 0);
	FUZZ_ASSERT(turn_shared_total(z->sh) == 0);
	turn_shared_free(z->sh);
	peer_policy_free(z->peers);
	turn_relayset_free(z->relays);
	fz_cur = NULL;
}

#endif
