/* Mobility (RFC 8016): MOBILITY-TICKET sealing and opening; Allocate asking for a ticket
 * (§3.1) with mobility on and off; a Refresh with the ticket from a new 5-tuple (§3.2)
 * moving the allocation within a worker and across two workers (turn_server_mob_detach /
 * _adopt / _abort, fake forward op), its relays, permissions and channels intact;
 * forged, altered, expired, stale (replayed) and other users' tickets; retransmissions;
 * expiry while a move is in flight; an allocation whose datagram session ended (DTLS)
 * waiting for its move. Fake relay ops, fake credentials, synthetic clock. */
#include "test_turn_fake.h"

#include "stun/chdata.h"
#include "turn/shared.h"
#include "turn/stats.h"
#include "turn/ticket.h"

/* ---- relay ops with mobility: which worker (ctx) each relay is attached to ---- */

#define MOB_RELAYS 64

static struct {
	void *relay[MOB_RELAYS];
	void *owner[MOB_RELAYS]; /* the ctx it receives on, NULL while detached */
	const struct turn_conn *held[MOB_RELAYS];
	int n, detaches, attaches;
	struct turn_mob_move *mv; /* the last move handed to forward */
	unsigned mv_worker;
	int forward_fail;
} g;

static int mob_slot(void *relay)
{
	for (int i = 0; i < g.n; i++)
		if (g.relay[i] == relay)
			return i;
	g.relay[g.n] = relay;
	return g.n++;
}

static int mob_open(void *ctx, const struct turn_relay_req *req, struct turn_relay_res *res)
{
	int rc = fake_open(ctx, req, res), i;

	if (rc == 0) {
		i = mob_slot(res->relay);
		g.owner[i] = ctx;
		g.held[i] = req->client->conn;
	}
	return rc;
}

/* ctx NULL: closed with no worker (turn_mob_move_free). */
static void mob_close(void *ctx, void *relay)
{
	struct fake_relay *r = relay;

	if (ctx) {
		fake_close(ctx, relay);
	} else {
		r->closes++;
		r->open = false;
	}
}

static void mob_detach(void *ctx, void *relay)
{
	int i = mob_slot(relay);

	(void)ctx;
	g.owner[i] = NULL;
	g.held[i] = NULL;
	g.detaches++;
}

static int mob_attach(void *ctx, void *relay, const struct turn_client *client)
{
	int i = mob_slot(relay);

	g.owner[i] = ctx;
	g.held[i] = client->conn;
	g.attaches++;
	return 0;
}

static int mob_forward(void *ctx, unsigned worker, struct turn_mob_move *mv)
{
	(void)ctx;
	if (g.forward_fail)
		return g.forward_fail;
	g.mv = mv;
	g.mv_worker = worker;
	return 0;
}

static const struct turn_relay_ops mob_ops = {
	.open = mob_open,
	.close = mob_close,
	.send = fake_send,
	.detach = mob_detach,
	.attach = mob_attach,
	.forward = mob_forward,
};

static struct turn_ticket_key *g_key;
static struct turn_shared *g_shared;

/* t (worker `worker`) with mobility on (key NULL: off). */
static void m_start(struct t_env *t, unsigned worker, const struct turn_ticket_key *key)
{
	t->cfg.ticket_key = key;
	t->cfg.shared = g_shared;
	if (turn_server_new(&t->cfg, &mob_ops, &t->net, &t->creds.store, t->now, &t->s) != 0) {
		printf("Bail out! turn_server_new\n");
		exit(1);
	}
	turn_server_set_worker(t->s, worker);
}

/* The MOBILITY-TICKET of the last response into tk (NUL-terminated); its length. */
static size_t m_ticket(const struct t_env *t, char tk[64])
{
	struct stun_str s;

	tk[0] = 0;
	if (stun_msg_get_bytes(&t->m, STUN_ATTR_MOBILITY_TICKET, &s) < 0 || s.len >= 64)
		return 0;
	memcpy(tk, s.p, s.len);
	tk[s.len] = 0;
	return s.len;
}

static int m_allocate(struct t_env *t, const char *ticket)
{
	struct stun_enc e;

	if (t->nonce[0] == 0)
		t_challenge(t);
	t_begin(t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	if (ticket)
		stun_enc_put(&e, STUN_ATTR_MOBILITY_TICKET, ticket, strlen(ticket));
	return t_send(t, &e, true);
}

/* A Refresh carrying ticket (keep_tid: a retransmission of the last request). */
static int m_refresh(struct t_env *t, const char *ticket, bool keep_tid, int life)
{
	struct stun_enc e;

	if (t->nonce[0] == 0)
		t_challenge(t);
	t_begin(t, &e, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST, keep_tid);
	if (life >= 0)
		stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, (uint32_t)life);
	stun_enc_put(&e, STUN_ATTR_MOBILITY_TICKET, ticket, strlen(ticket));
	return t_send(t, &e, true);
}

/* Requests come from ip:port from now on (with a nonce for that address). */
static void m_moveto(struct t_env *t, const char *ip, uint16_t port)
{
	addr_parse(&t->src, ip, port);
	t->nonce[0] = 0;
	t_challenge(t);
}

/* ChannelData from the client on channel ch: 0 when it reached a peer (a fake send). */
static int m_chdata(struct t_env *t, uint16_t ch)
{
	int before = t->net.sends;

	t->req[0] = (uint8_t)(ch >> 8);
	t->req[1] = (uint8_t)ch;
	t->req[2] = 0;
	t->req[3] = 4;
	memcpy(t->req + 4, "ping", 4);
	t->req_len = 8;
	t_run(t);
	return t->net.sends == before + 1 ? 0 : -1;
}

/* Peer data on the first relay of the allocation whose relay is net.r[0]: the client it
 * goes to, or NULL when dropped. */
static const struct turn_client *m_peer(struct t_env *t, struct fake_net *n, const char *ip,
					uint16_t port)
{
	struct t_peer_buf pb;
	const uint8_t *msg;
	const struct turn_client *to = NULL;
	struct addr peer;

	addr_parse(&peer, ip, port);
	memcpy(pb.b + TURN_PEER_HEADROOM, "pong", 4);
	if (turn_peer_input(t->s, n->r[0].req.alloc, &peer, pb.b + TURN_PEER_HEADROOM, 4, t->now,
			    &msg, &to) <= 0)
		return NULL;
	return to;
}

static void test_ticket_codec(void)
{
	struct turn_ticket t = {.worker = 3, .id = 77, .gen = 2, .expire_s = 1000, .ident_tag = 9};
	struct turn_ticket o = {0};
	struct turn_ticket_key *other = NULL;
	char text[TURN_TICKET_LEN + 1] = {0}, alt[TURN_TICKET_LEN + 1];
	bool printable = true;

	CHECK_EQ_INT(turn_ticket_seal(g_key, &t, text), 0, "ticket sealed");
	for (int i = 0; i < TURN_TICKET_LEN; i++)
		printable = printable && text[i] > ' ' && text[i] < 0x7f;
	CHECK(printable && strlen(text) == 32, "32 printable characters (uclient's limit)");
	CHECK_EQ_INT(turn_ticket_open(g_key, (const uint8_t *)text, TURN_TICKET_LEN, &o), 0,
		     "opens");
	CHECK(o.worker == 3 && o.id == 77 && o.gen == 2 && o.expire_s == 1000 && o.ident_tag == 9,
	      "the same fields come back");
	for (int i = 0; i < TURN_TICKET_LEN; i += 5) {
		memcpy(alt, text, sizeof(alt));
		alt[i] = alt[i] == 'A' ? 'B' : 'A';
		CHECK_EQ_INT(turn_ticket_open(g_key, (const uint8_t *)alt, TURN_TICKET_LEN, &o),
			     -EBADMSG, "character %d altered: refused", i);
	}
	CHECK_EQ_INT(turn_ticket_open(g_key, (const uint8_t *)text, 31, &o), -EBADMSG,
		     "short: refused");
	turn_ticket_key_new(&other);
	CHECK_EQ_INT(turn_ticket_open(other, (const uint8_t *)text, TURN_TICKET_LEN, &o), -EBADMSG,
		     "another process's key: refused");
	turn_ticket_key_free(other);
}

static void test_mobility_off(void)
{
	struct t_env t;
	char tk[64];

	t_init(&t);
	m_start(&t, 0, NULL);
	CHECK_EQ_INT(m_allocate(&t, ""), 405, "mobility off: Allocate with MOBILITY-TICKET 405");
	CHECK(t_resp_signed(&t), "405 signed");
	CHECK_EQ_INT(m_allocate(&t, NULL), 0, "plain Allocate works");
	CHECK_EQ_INT(m_ticket(&t, tk), 0, "no ticket in its response");
	CHECK_EQ_INT(m_refresh(&t, "AAAA", false, -1), 405, "Refresh with a ticket: 405");
	CHECK(turn_server_counters(t.s)->mob_refused == 2, "refusals counted");
	t_stop(&t);
}

/* Over a stream (TCP, TLS) the allocation outlives its connection until its move. */
static void test_stream(void)
{
	struct t_env t;
	struct turn_client gone;
	char tk[64];

	t_init(&t);
	m_start(&t, 0, g_key);
	t_use_stream(&t);
	CHECK_EQ_INT(m_allocate(&t, ""), 0, "over a stream: Allocate with a ticket");
	CHECK_EQ_INT(m_ticket(&t, tk), TURN_TICKET_LEN, "a ticket");
	t_channel_bind(&t, 0x4003, "198.51.100.9", 7000);
	gone = t_client(&t);
	turn_server_client_gone(t.s, &gone);
	CHECK(turn_server_counters(t.s)->allocs == 1, "connection closed: the allocation waits");
	addr_parse(&t.src, "192.0.2.99", 41000);
	t_use_stream(&t);
	t.nonce[0] = 0;
	t_challenge(&t);
	CHECK_EQ_INT(m_refresh(&t, tk, false, -1), 0, "its ticket on a new connection: moved");
	CHECK(m_chdata(&t, 0x4003) == 0, "the channel relays over the new connection");
	gone = t_client(&t);
	turn_server_client_gone(t.s, &gone);
	/* The same 5-tuple allocates and goes again: two parked allocations, each findable. */
	CHECK_EQ_INT(m_allocate(&t, ""), 0, "the same 5-tuple allocates again");
	gone = t_client(&t);
	turn_server_client_gone(t.s, &gone);
	CHECK(turn_server_counters(t.s)->allocs == 2, "both parked");
	t_advance(&t, 601 * 1000);
	CHECK(turn_server_counters(t.s)->allocs == 0 && fake_all_closed_once(&t.net),
	      "parked, then expired: every relay closed once");
	t_stop(&t);
}

static void test_allocate_ticket(void)
{
	struct t_env t;
	char tk[64], tk2[64];

	t_init(&t);
	m_start(&t, 0, g_key);
	CHECK_EQ_INT(m_allocate(&t, "x"), 400, "a non-empty ticket in Allocate: 400");
	CHECK_EQ_INT(m_allocate(&t, ""), 0, "Allocate with an empty MOBILITY-TICKET");
	CHECK(t_resp_signed(&t), "signed");
	CHECK_EQ_INT(m_ticket(&t, tk), TURN_TICKET_LEN, "a ticket of 32 characters");
	t_run(&t); /* t.req still holds the Allocate: a retransmission */
	CHECK(t.code == 0 && m_ticket(&t, tk2) == TURN_TICKET_LEN, "retransmission: ticket too");
	CHECK_EQ_INT(m_refresh(&t, tk, false, 600), 0, "its ticket from its own 5-tuple: refresh");
	CHECK_EQ_INT(m_ticket(&t, tk2), TURN_TICKET_LEN, "with a ticket");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "relay closed once");
}

/* Alice allocates with a ticket, a permission and a channel on t (src port 40000). */
static void m_setup(struct t_env *t, char tk[64])
{
	t_init(t);
	m_start(t, 0, g_key);
	m_allocate(t, "");
	m_ticket(t, tk);
	t_create_perm(t, "198.51.100.7");
	t_channel_bind(t, 0x4001, "198.51.100.7", 5000);
}

static void test_move_local(void)
{
	struct t_env t;
	char tk[64], tk2[64], forged[64];
	struct addr old_src = {0};
	const struct turn_client *to;

	m_setup(&t, tk);
	old_src = t.src;
	CHECK(m_chdata(&t, 0x4001) == 0, "channel works before the move");
	m_moveto(&t, "192.0.2.99", 41000);
	CHECK_EQ_INT(t_refresh(&t, false, 0), 437, "new 5-tuple without a ticket: 437");
	memcpy(forged, tk, sizeof(forged));
	forged[3] ^= 1;
	CHECK_EQ_INT(m_refresh(&t, forged, false, -1), 437, "forged ticket: 437");
	t.user = "bob";
	t.pass = "hunter2";
	CHECK_EQ_INT(m_refresh(&t, tk, false, -1), 441, "bob presents alice's ticket: 441");
	t.user = "alice";
	t.pass = "secret";
	CHECK_EQ_INT(m_refresh(&t, tk, false, 900), 0, "alice's Refresh from a new 5-tuple: moved");
	CHECK(t_resp_signed(&t) && t_lifetime(&t) == 900, "signed, LIFETIME 900");
	CHECK(m_ticket(&t, tk2) == TURN_TICKET_LEN && strcmp(tk, tk2) != 0, "a new ticket");
	CHECK(g.detaches == 1 && g.attaches == 1 && g.owner[0] == &t.net, "relay re-attached");
	CHECK(turn_server_counters(t.s)->mob_moves == 1, "move counted");
	CHECK(m_chdata(&t, 0x4001) == 0, "the channel relays from the new 5-tuple");
	to = m_peer(&t, &t.net, "198.51.100.7", 5000);
	CHECK(to && addr_eq(&to->src, &t.src), "peer data goes to the new 5-tuple");
	CHECK_EQ_INT(m_refresh(&t, tk, true, 300), 0, "retransmitted moving Refresh: success");
	CHECK_EQ_INT(m_refresh(&t, tk, false, 300), 400,
		     "the old ticket in a new transaction from the allocation's 5-tuple: 400");
	m_moveto(&t, "192.0.2.99", 42000);
	CHECK_EQ_INT(m_refresh(&t, tk, false, -1), 437, "the old ticket replayed elsewhere: 437");
	m_moveto(&t, "192.0.2.10", addr_port(&old_src));
	CHECK_EQ_INT(t_refresh(&t, false, 0), 437, "the old 5-tuple: 437");
	m_moveto(&t, "192.0.2.99", 41000);
	CHECK_EQ_INT(t_create_perm(&t, "198.51.100.8"), 0, "CreatePermission on the new 5-tuple");
	CHECK_EQ_INT(m_refresh(&t, tk2, false, 0), 0, "LIFETIME 0 with the ticket: deleted");
	CHECK_EQ_INT(m_ticket(&t, tk), 0, "no ticket for a deleted allocation");
	CHECK(turn_server_counters(t.s)->allocs == 0 && turn_shared_total(g_shared) == 0,
	      "no allocation, quota released");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "relay closed once");
}

static void test_ticket_expired(void)
{
	struct t_env t;
	char tk[64], old[TURN_TICKET_LEN + 1] = {0};
	struct turn_ticket tt = {0};

	m_setup(&t, tk);
	turn_ticket_open(g_key, (const uint8_t *)tk, strlen(tk), &tt);
	CHECK(tt.expire_s >= t.now / 1000 + 3600, "valid for max-allocate-lifetime");
	tt.expire_s = (uint32_t)(t.now / 1000) - 1;
	turn_ticket_seal(g_key, &tt, old);
	m_moveto(&t, "192.0.2.99", 41000);
	CHECK_EQ_INT(m_refresh(&t, old, false, -1), 437, "an expired ticket: 437");
	t_stop(&t);
}

/* Packets relayed either way in realm T_REALM, summed over the workers t0 and t1 (NULL:
 * t0 only), as the metrics read them (turn/stats.h). */
static uint64_t m_realm_pkts(struct t_env *t0, struct t_env *t1)
{
	struct turn_realm_traffic rt[TURN_REALM_SLOTS];
	size_t n = 0;
	uint64_t sum = 0;

	turn_server_realm_traffic(t0->s, rt, TURN_REALM_SLOTS, &n);
	if (t1)
		turn_server_realm_traffic(t1->s, rt, TURN_REALM_SLOTS, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(rt[i].realm, T_REALM) == 0)
			sum += rt[i].pkts_to_peer + rt[i].pkts_to_client;
	return sum;
}

/* The allocation on worker 0 (t0), the Refresh from the new 5-tuple on worker 1 (t1). */
static void m_cross_setup(struct t_env *t0, struct t_env *t1, char tk[64])
{
	m_setup(t0, tk);
	t_init(t1);
	m_start(t1, 1, g_key);
	m_moveto(t1, "192.0.2.99", 41000);
	g.mv = NULL;
}

/* The response t1's client connection got (adoption answers through it). */
static int m_conn_code(struct t_env *t)
{
	struct stun_str reason;

	memcpy(t->resp, t->dgram.buf, t->dgram.len);
	if (stun_msg_decode(&t->m, t->resp, t->dgram.len) < 0)
		return -1;
	t->code = 0;
	if (t->m.cls == STUN_CLASS_ERROR)
		stun_msg_get_error(&t->m, &t->code, &reason);
	return t->code;
}

/* The fleet's session registry of one worker (turn_fleet_ops session_up/down). */
struct m_reg {
	int ups, downs;
	uint64_t up, down;
};

static void m_reg_up(void *impl, const struct turn_session *ss)
{
	struct m_reg *r = impl;

	r->ups++;
	r->up = ss->id;
}

static void m_reg_down(void *impl, uint64_t id)
{
	struct m_reg *r = impl;

	r->downs++;
	r->down = id;
}

static const struct turn_fleet_ops m_reg_ops = {.session_up = m_reg_up, .session_down = m_reg_down};

static void test_move_cross(void)
{
	struct t_env t0, t1;
	char tk[64], tk2[64];
	const struct turn_client *to;
	struct m_reg r0 = {0}, r1 = {0};

	g.detaches = g.attaches = 0;
	m_cross_setup(&t0, &t1, tk);
	turn_server_set_fleet(t0.s, &m_reg_ops, &r0);
	turn_server_set_fleet(t1.s, &m_reg_ops, &r1);
	CHECK(m_chdata(&t0, 0x4001) == 0 && m_realm_pkts(&t0, &t1) == 1,
	      "one packet relayed on worker 0, counted in its realm");
	CHECK(m_refresh(&t1, tk, false, 600) == 0 && t1.resp_len == 0,
	      "worker 1: no answer yet (forwarded)");
	CHECK(g.mv && g.mv_worker == 0, "forwarded to worker 0, the ticket's owner");
	turn_server_mob_detach(t0.s, g.mv);
	CHECK(turn_server_counters(t0.s)->allocs == 0 && g.detaches == 1 && g.owner[0] == NULL,
	      "worker 0 let go of it");
	CHECK(m_realm_pkts(&t0, &t1) == 1, "on its way: its realm's count stays");
	turn_server_mob_adopt(t1.s, g.mv, t1.now);
	CHECK_EQ_INT(m_conn_code(&t1), 0, "worker 1 answered success through the connection");
	CHECK(m_realm_pkts(&t0, &t1) == 1, "adopted: counted once");
	CHECK(t_resp_signed(&t1) && t_lifetime(&t1) == 600, "signed, LIFETIME 600");
	CHECK(m_ticket(&t1, tk2) == TURN_TICKET_LEN && strcmp(tk, tk2) != 0, "a new ticket");
	CHECK(turn_server_counters(t1.s)->allocs == 1 && turn_server_counters(t1.s)->mob_cross == 1,
	      "worker 1 owns it");
	CHECK(r0.downs == 1 && r0.ups == 0 && r1.ups == 1 && r1.downs == 0 && r0.down == r1.up,
	      "the registry: it left worker 0 and arrived on worker 1 under its session id");
	CHECK(g.owner[0] == &t1.net && g.held[0] == &t1.dgram.conn, "relay on worker 1");
	CHECK(m_chdata(&t1, 0x4001) == 0, "the channel relays on worker 1");
	CHECK(m_realm_pkts(&t0, &t1) == 2, "and its realm counts it");
	to = m_peer(&t1, &t0.net, "198.51.100.7", 5000);
	CHECK(to && addr_eq(&to->src, &t1.src), "peer data to the new 5-tuple (permission kept)");
	CHECK_EQ_INT(t_refresh(&t0, false, 0), 437, "the old 5-tuple on worker 0: 437");
	CHECK_EQ_INT(m_refresh(&t1, tk, true, 600), 0,
		     "retransmitted Refresh on worker 1: success");
	g.mv = NULL;
	CHECK(m_refresh(&t0, tk2, false, -1) == 0 && t0.resp_len == 0,
	      "the new ticket from worker 0: forwarded");
	CHECK(g.mv && g.mv_worker == 1, "... to worker 1, the owner now");
	turn_server_mob_detach(t1.s, g.mv);
	turn_server_mob_adopt(t0.s, g.mv, t0.now);
	CHECK_EQ_INT(m_conn_code(&t0), 0, "and back to worker 0");
	CHECK(turn_shared_total(g_shared) == 1, "one quota unit all along");
	t_stop(&t1);
	t_stop(&t0);
	CHECK(fake_all_closed_once(&t0.net) && turn_shared_total(g_shared) == 0,
	      "relay closed once, quota released");
}

static void test_move_cross_races(void)
{
	struct t_env t0, t1;
	char tk[64];

	/* The allocation expires before the owner sees the move. */
	m_cross_setup(&t0, &t1, tk);
	m_refresh(&t1, tk, false, -1);
	t_advance(&t0, 601 * 1000);
	turn_server_mob_detach(t0.s, g.mv);
	turn_server_mob_adopt(t1.s, g.mv, t1.now);
	CHECK_EQ_INT(m_conn_code(&t1), 437, "expired before the hand-over: 437");
	CHECK(fake_all_closed_once(&t0.net), "its relay closed once");
	t_stop(&t1);
	t_stop(&t0);

	/* ... or while it is on its way. */
	m_cross_setup(&t0, &t1, tk);
	m_refresh(&t1, tk, false, -1);
	turn_server_mob_detach(t0.s, g.mv);
	turn_server_mob_adopt(t1.s, g.mv, t1.now + 601 * 1000);
	CHECK_EQ_INT(m_conn_code(&t1), 437, "expired on the way: 437");
	CHECK(fake_all_closed_once(&t0.net) && turn_server_counters(t1.s)->allocs == 0,
	      "freed by the adopter");
	t_stop(&t1);
	t_stop(&t0);

	/* The requester cannot be reached: the owner takes it back. */
	m_cross_setup(&t0, &t1, tk);
	m_chdata(&t0, 0x4001);
	m_refresh(&t1, tk, false, -1);
	turn_server_mob_detach(t0.s, g.mv);
	turn_server_mob_abort(t0.s, g.mv);
	CHECK_EQ_INT(t_refresh(&t0, false, 0), 0, "aborted: the old 5-tuple still has it");
	CHECK(m_realm_pkts(&t0, NULL) == 1, "back home: its packet counted once in its realm");
	CHECK_EQ_INT(t_refresh(&t0, true, 0), 0, "deleted");
	CHECK(m_realm_pkts(&t0, NULL) == 1, "ended: still once");
	t_stop(&t1);
	t_stop(&t0);

	/* ... while the old 5-tuple allocated anew: the one taken back ends. */
	m_cross_setup(&t0, &t1, tk);
	m_refresh(&t1, tk, false, -1);
	turn_server_mob_detach(t0.s, g.mv);
	m_allocate(&t0, NULL);
	turn_server_mob_abort(t0.s, g.mv);
	CHECK(turn_server_counters(t0.s)->allocs == 1 && turn_shared_total(g_shared) == 1,
	      "aborted onto a new allocation: one left, one quota unit");
	t_stop(&t1);
	t_stop(&t0);
	CHECK(fake_all_closed_once(&t0.net), "every relay closed once");

	/* A worker shut down with the move in its queue. */
	m_cross_setup(&t0, &t1, tk);
	m_refresh(&t1, tk, false, -1);
	turn_server_mob_detach(t0.s, g.mv);
	turn_mob_move_free(g.mv);
	CHECK(fake_all_closed_once(&t0.net) && turn_shared_total(g_shared) == 0,
	      "freed with no server: relay closed, quota released");
	t_stop(&t1);
	t_stop(&t0);

	/* Other user, queue full. */
	m_cross_setup(&t0, &t1, tk);
	t1.user = "bob";
	t1.pass = "hunter2";
	CHECK_EQ_INT(m_refresh(&t1, tk, false, -1), 441, "bob with alice's ticket: 441 at once");
	t1.user = "alice";
	t1.pass = "secret";
	g.forward_fail = -EAGAIN;
	CHECK_EQ_INT(m_refresh(&t1, tk, false, -1), 437, "owner unreachable: 437");
	g.forward_fail = 0;
	t_stop(&t1);
	t_stop(&t0);
}

/* A DTLS-like session (a datagram connection of its own) that ends before the move: the
 * allocation waits for its ticket; without mobility it ends with the session. */
static void test_parked(void)
{
	struct t_env t;
	struct fake_conn sess;
	struct turn_client gone;
	char tk[64];

	t_init(&t);
	m_start(&t, 0, g_key);
	fake_conn_init(&sess, &fake_dgram_ops, &t.local, &t.src);
	t.conn = &sess;
	m_allocate(&t, "");
	m_ticket(&t, tk);
	t_channel_bind(&t, 0x4002, "198.51.100.9", 7000);
	gone = t_client(&t);
	g.detaches = g.attaches = 0;
	turn_server_client_gone(t.s, &gone);
	CHECK(turn_server_counters(t.s)->allocs == 1 && g.detaches == 1,
	      "session gone: the allocation is kept, its relay stops receiving");
	t.conn = &t.dgram;
	m_moveto(&t, "192.0.2.99", 41000);
	CHECK_EQ_INT(m_refresh(&t, tk, false, -1), 0, "its ticket from a new 5-tuple: moved");
	CHECK(g.attaches == 1 && m_chdata(&t, 0x4002) == 0, "relay attached, channel relays");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "relay closed once");

	t_init(&t);
	m_start(&t, 0, g_key);
	fake_conn_init(&sess, &fake_dgram_ops, &t.local, &t.src);
	t.conn = &sess;
	m_allocate(&t, "");
	gone = t_client(&t);
	turn_server_client_gone(t.s, &gone);
	t_advance(&t, 601 * 1000);
	CHECK(turn_server_counters(t.s)->allocs == 0 && fake_all_closed_once(&t.net),
	      "a parked allocation expires like any other");
	m_allocate(&t, NULL);
	gone = t_client(&t);
	turn_server_client_gone(t.s, &gone);
	CHECK(turn_server_counters(t.s)->allocs == 0, "without mobility it ends with its session");
	t_stop(&t);
}

int main(void)
{
	if (turn_ticket_key_new(&g_key) < 0 || turn_shared_new(&g_shared) < 0) {
		printf("Bail out! key\n");
		return 1;
	}
	test_ticket_codec();
	test_mobility_off();
	test_allocate_ticket();
	g.n = g.detaches = g.attaches = 0;
	test_move_local();
	test_ticket_expired();
	g.n = 0;
	test_move_cross();
	test_move_cross_races();
	test_parked();
	test_stream();
	turn_ticket_key_free(g_key);
	turn_shared_free(g_shared);
	return tap_done();
}
