/* RFC 6062 in the TURN core: Allocate for TCP (§5.1) and its refusals, Connect (§5.2) with
 * its asynchronous answer, 446, 447 and the 30 s connect timeout, peer connections at the
 * relayed address (§5.3) and their ConnectionAttempt, the 30 s CONNECTION-ID timeout,
 * ConnectionBind (§5.4), the limits, permissions both ways (an expired one included),
 * no-tcp-relay / no-udp-relay, and the one free path, with fake relay ops (TCP members
 * added here), a fake credential store and a synthetic clock. */
#include "test_turn_fake.h"

#include "stun/frame.h"

#define FAKE_TCP_MAX 64

/* What the fake net/ saw of the TCP members. */
static struct {
	int connects, closes, binds;
	int fail_connect;			/* next tcp_connect returns this */
	struct turn_tcp_conn *tc[FAKE_TCP_MAX]; /* per connect */
	int handle[FAKE_TCP_MAX];		/* the "conn" handles handed out */
	int closed[FAKE_TCP_MAX];		/* closes per handle */
	struct addr peer;
	struct turn_conn *bound;
} ft;

static int fake_tcp_connect(void *ctx, void *relay, const struct addr *peer,
			    struct turn_tcp_conn *tc, void **conn)
{
	int i = ft.connects;

	(void)ctx;
	(void)relay;
	if (ft.fail_connect) {
		int e = ft.fail_connect;

		ft.fail_connect = 0;
		return e;
	}
	ft.connects++;
	ft.tc[i] = tc;
	ft.handle[i] = i;
	ft.peer = *peer;
	*conn = &ft.handle[i];
	return 0;
}

static void fake_tcp_close(void *ctx, void *conn)
{
	(void)ctx;
	ft.closes++;
	ft.closed[*(int *)conn]++;
}

static int fake_tcp_bind(void *ctx, void *conn, struct turn_conn *data)
{
	(void)ctx;
	(void)conn;
	ft.binds++;
	ft.bound = data;
	return 0;
}

static const struct turn_relay_ops tcp_ops = {.open = fake_open,
					      .close = fake_close,
					      .send = fake_send,
					      .tcp_connect = fake_tcp_connect,
					      .tcp_close = fake_tcp_close,
					      .tcp_bind = fake_tcp_bind};

static struct peer_policy *t_policy(void)
{
	struct peer_policy_cfg pc = {0};
	struct peer_policy *p = NULL;

	peer_policy_new(&pc, &p);
	return p;
}

static void t_start_tcp(struct t_env *t, const struct turn_relay_ops *ops)
{
	memset(&ft, 0, sizeof(ft));
	if (turn_server_new(&t->cfg, ops, &t->net, &t->creds.store, t->now, &t->s) != 0) {
		printf("Bail out! turn_server_new\n");
		exit(1);
	}
	turn_server_set_worker(t->s, 3);
}

/* Allocate with REQUESTED-TRANSPORT proto and an optional extra attribute. */
static int t_allocate_proto(struct t_env *t, uint8_t proto, uint16_t extra, const void *v,
			    size_t vlen)
{
	struct stun_enc e;

	if (t->nonce[0] == 0)
		t_challenge(t);
	t_begin(t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, (uint32_t)proto << 24);
	if (extra)
		stun_enc_put(&e, extra, v, vlen);
	return t_send(t, &e, true);
}

static int t_connect(struct t_env *t, const char *ip, uint16_t port)
{
	struct stun_enc e;
	struct addr a;

	addr_parse(&a, ip, port);
	t_begin(t, &e, STUN_METHOD_CONNECT, STUN_CLASS_REQUEST, false);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	return t_send(t, &e, true);
}

/* ConnectionBind for id on the connection t->conn (a 438 for the new source retried). */
static int t_conn_bind(struct t_env *t, uint32_t id, bool with_id)
{
	struct stun_enc e;
	int code = -1;

	for (int i = 0; i < 2; i++) {
		t_begin(t, &e, STUN_METHOD_CONNECTION_BIND, STUN_CLASS_REQUEST, false);
		if (with_id)
			stun_enc_put_u32(&e, STUN_ATTR_CONNECTION_ID, id);
		code = t_send(t, &e, true);
		if (code != 438 && code != 401)
			break;
	}
	return code;
}

/* The message the fake connection f sent last, decoded into *m. */
static bool t_last(struct fake_conn *f, struct stun_msg *m)
{
	return f->len > 0 && stun_msg_decode(m, f->buf, f->len) == 0;
}

static int t_code_of(const struct stun_msg *m)
{
	struct stun_str reason;
	int code = 0;

	if (m->cls == STUN_CLASS_ERROR)
		stun_msg_get_error(m, &code, &reason);
	return code;
}

/* A TCP allocation on the stream connection with a permission for 8.8.8.8. */
static void t_tcp_alloc(struct t_env *t)
{
	t_use_stream(t);
	CHECK_EQ_INT(t_allocate_proto(t, STUN_TRANSPORT_TCP, 0, NULL, 0), 0, "TCP Allocate");
	CHECK(t->net.last_req.tcp, "ops->open asked for a TCP relay");
	CHECK_EQ_INT(t_create_perm(t, "8.8.8.8"), 0, "permission for 8.8.8.8");
}

static void test_allocate(void)
{
	struct t_env t;
	uint32_t z = 0;

	t_init(&t);
	t_start_tcp(&t, &tcp_ops);
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_TCP, 0, NULL, 0), 400,
		     "§5.1 step 2: TCP over a datagram connection: 400");
	t_use_stream(&t);
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_TCP, STUN_ATTR_EVEN_PORT, &z, 1), 400,
		     "§5.1 step 3: EVEN-PORT: 400");
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_TCP, STUN_ATTR_DONT_FRAGMENT, NULL, 0),
		     400, "§5.1 step 3: DONT-FRAGMENT: 400");
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_TCP, STUN_ATTR_RESERVATION_TOKEN,
				      "12345678", 8),
		     400, "§5.1 step 3: RESERVATION-TOKEN: 400");
	CHECK_EQ_INT(t_allocate_proto(&t, 50, 0, NULL, 0), 442, "neither UDP nor TCP: 442");
	CHECK_EQ_INT(t.net.opens, 0, "no relay opened for any of them");
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_TCP, 0, NULL, 0), 0,
		     "TCP over a stream: success");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_XOR_RELAYED_ADDRESS) != NULL &&
		      stun_msg_find(&t.m, STUN_ATTR_RESERVATION_TOKEN) == NULL,
	      "§5.1 step 5: relayed address, no RESERVATION-TOKEN");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "CreatePermission on a TCP allocation");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 80), 400,
		     "ChannelBind on a TCP allocation: 400");
	t_stop(&t);

	/* no-tcp-relay, and a net/ without TCP relaying: 442; no-udp-relay: 403. */
	t_init(&t);
	t.cfg.no_tcp_relay = true;
	t.cfg.no_udp_relay = true;
	t_start_tcp(&t, &tcp_ops);
	t_use_stream(&t);
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_TCP, 0, NULL, 0), 442,
		     "no-tcp-relay: 442");
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_UDP, 0, NULL, 0), 403,
		     "no-udp-relay: UDP refused 403 (§5.1 step 1)");
	t_stop(&t);
	t_init(&t);
	t_start_tcp(&t, &fake_ops);
	t_use_stream(&t);
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_TCP, 0, NULL, 0), 442,
		     "relay ops without TCP members: 442");
	CHECK_EQ_INT(t_allocate_proto(&t, STUN_TRANSPORT_UDP, 0, NULL, 0), 0,
		     "UDP still allocates");
	t_stop(&t);
}

static void test_connect(void)
{
	struct t_env t;
	struct stun_msg m;
	uint32_t id = 0;

	t_init(&t);
	t.cfg.peers = t_policy();
	t_start_tcp(&t, &tcp_ops);
	t_use_stream(&t);
	t_challenge(&t);
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 80), 437, "Connect without an allocation: 437");
	t_tcp_alloc(&t);
	CHECK_EQ_INT(t_connect(&t, "8.8.4.4", 80), 403, "Connect without a permission: 403");
	CHECK_EQ_INT(t_connect(&t, "10.0.0.1", 80), 403, "Connect to a private address: 403");
	CHECK_EQ_INT(ft.connects, 0, "no connection attempted for the refusals");
	t.stream.len = 0;
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 80), 0, "Connect: no answer before the peer's");
	CHECK_EQ_INT(ft.connects, 1, "one connection attempted");
	CHECK(addr_port(&ft.peer) == 80, "... to the peer");
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 80), 446, "the same peer while connecting: 446");
	turn_tcp_connected(t.s, ft.tc[0], 0);
	CHECK(t_last(&t.stream, &m) && m.method == STUN_METHOD_CONNECT &&
		      m.cls == STUN_CLASS_SUCCESS &&
		      stun_msg_get_u32(&m, STUN_ATTR_CONNECTION_ID, &id) == 0,
	      "§5.2: success with CONNECTION-ID when connected");
	CHECK(t_resp_signed(&(struct t_env){.m = m, .user = t.user, .pass = t.pass}),
	      "... signed with the request's key");
	CHECK_EQ_INT(id >> 24, 3, "the CONNECTION-ID names the worker");
	CHECK_EQ_INT(turn_tcp_cid_worker(t.req, (size_t)t.req_len), -1,
		     "a Connect is no ConnectionBind for the handoff peek");
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 80), 446, "the same peer while pending: 446");

	/* 447: refused at once, failed later, or no answer in 30 s. */
	ft.fail_connect = -ECONNREFUSED;
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 81), 447, "cannot start: 447");
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 82), 0, "Connect to :82");
	turn_tcp_connected(t.s, ft.tc[1], -ECONNREFUSED);
	CHECK(t_last(&t.stream, &m) && t_code_of(&m) == 447, "refused later: 447");
	CHECK_EQ_INT(ft.closed[1], 0, "... net's conn not closed again");
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 83), 0, "Connect to :83");
	t.stream.len = 0;
	t_advance(&t, 29000);
	CHECK_EQ_INT(t.stream.len, 0, "nothing after 29 s");
	t_advance(&t, 2000);
	CHECK(t_last(&t.stream, &m) && t_code_of(&m) == 447, "no answer in 30 s: 447");
	CHECK_EQ_INT(ft.closed[2], 1, "... and the attempt closed");
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_connect_failed, 3, "three failures counted");

	/* The pending connection from the first Connect timed out meanwhile (30 s). */
	CHECK_EQ_INT(ft.closed[0], 1, "an unbound CONNECTION-ID closes after 30 s");
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_bind_timeout, 1, "... counted");
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_conns, 0, "no connection left");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);
}

static void test_bind(void)
{
	struct t_env t;
	struct stun_msg m;
	struct fake_conn data;
	struct addr src0, dsrc;
	uint32_t id = 0;

	t_init(&t);
	t_start_tcp(&t, &tcp_ops);
	t_tcp_alloc(&t);
	t_connect(&t, "8.8.8.8", 80);
	turn_tcp_connected(t.s, ft.tc[0], 0);
	t_last(&t.stream, &m);
	stun_msg_get_u32(&m, STUN_ATTR_CONNECTION_ID, &id);

	CHECK_EQ_INT(t_conn_bind(&t, id, true), 400,
		     "ConnectionBind on the control connection: 400");
	/* A new data connection from another port. */
	src0 = t.src;
	addr_parse(&dsrc, "192.0.2.10", 40001);
	fake_conn_init(&data, &fake_stream_ops, &t.local, &dsrc);
	t.conn = &data;
	t.src = dsrc;
	CHECK_EQ_INT(t_conn_bind(&t, id, false), 400, "no CONNECTION-ID: 400");
	CHECK_EQ_INT(t_conn_bind(&t, id ^ 1, true), 400, "an unknown CONNECTION-ID: 400");
	CHECK_EQ_INT(turn_tcp_cid_worker(t.req, (size_t)t.req_len), 3,
		     "the handoff peek reads the worker of a ConnectionBind");
	t.user = "bob";
	t.pass = "hunter2";
	CHECK_EQ_INT(t_conn_bind(&t, id, true), 441, "other credentials: 441");
	t.user = "alice";
	t.pass = "secret";
	t.conn = &t.dgram;
	CHECK_EQ_INT(t_conn_bind(&t, id, true), 400, "over a datagram connection: 400");
	t.conn = &data;
	CHECK_EQ_INT(t_conn_bind(&t, id, true), 0, "§5.4: ConnectionBind: success");
	CHECK(t_resp_signed(&t), "... signed");
	CHECK(ft.binds == 1 && ft.bound == &data.conn, "net asked to splice the data connection");
	CHECK_EQ_INT(t_conn_bind(&t, id, true), 400, "bound already: 400");
	t_advance(&t, 60000);
	CHECK_EQ_INT(ft.closed[0], 0, "a bound connection has no timeout");
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_conns, 1, "one connection");
	turn_tcp_closed(t.s, ft.tc[0]);
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_conns, 0, "net closed it: forgotten");
	CHECK_EQ_INT(ft.closes, 0, "... without a close back");
	t.conn = &t.stream;
	t.src = src0;
	t_stop(&t);
}

static void test_accepted(void)
{
	struct t_env t;
	struct turn_tcp_conn *tc[4];
	struct turn_alloc *a;
	struct stun_msg m;
	struct addr peer, xp;
	uint32_t id = 0;
	int h[4] = {10, 11, 12, 13};

	t_init(&t);
	t.cfg.tcp_max_pending = 2;
	t.cfg.tcp_max_conns = 3;
	t_start_tcp(&t, &tcp_ops);
	t_tcp_alloc(&t);
	a = t.net.r[0].req.alloc;
	addr_parse(&peer, "8.8.4.4", 5555);
	CHECK_EQ_INT(turn_tcp_accepted(t.s, a, &peer, &h[0], t.now, &tc[0]), -EPERM,
		     "§5.3: no permission for the peer: refused");
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_refused_perm, 1, "... counted");
	addr_parse(&peer, "8.8.8.8", 5555);
	t.stream.len = 0;
	CHECK_EQ_INT(turn_tcp_accepted(t.s, a, &peer, &h[0], t.now, &tc[0]), 0,
		     "with a permission: accepted");
	CHECK(t_last(&t.stream, &m) && m.method == STUN_METHOD_CONNECTION_ATTEMPT &&
		      m.cls == STUN_CLASS_INDICATION &&
		      stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS, &xp) == 0 &&
		      addr_eq(&xp, &peer) &&
		      stun_msg_get_u32(&m, STUN_ATTR_CONNECTION_ID, &id) == 0,
	      "ConnectionAttempt with XOR-PEER-ADDRESS and CONNECTION-ID");
	addr_set_port(&peer, 5556);
	CHECK_EQ_INT(turn_tcp_accepted(t.s, a, &peer, &h[1], t.now, &tc[1]), 0, "second");
	addr_set_port(&peer, 5557);
	CHECK_EQ_INT(turn_tcp_accepted(t.s, a, &peer, &h[2], t.now, &tc[2]), -ENOSPC,
		     "over the pending limit: refused");
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 80), 508, "Connect over the pending limit: 508");
	t_advance(&t, 31000);
	CHECK(ft.closed[0] == 0 && ft.closes == 2, "both unbound connections closed after 30 s");
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_bind_timeout, 2, "... counted");

	/* A permission that expired lets nothing new in (5 min, refreshed by nothing). */
	t_advance(&t, 300000);
	CHECK_EQ_INT(turn_tcp_accepted(t.s, a, &peer, &h[3], t.now, &tc[3]), -EPERM,
		     "expired permission: refused");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "allocation refreshed");
	CHECK_EQ_INT(t_connect(&t, "8.8.8.8", 80), 403, "expired permission: Connect 403");
	t_stop(&t);
}

static void test_free_path(void)
{
	struct t_env t;
	struct turn_tcp_conn *tc;
	struct turn_alloc *a;
	struct addr peer;
	int h = 20;
	struct turn_client c;

	t_init(&t);
	t_start_tcp(&t, &tcp_ops);
	t_tcp_alloc(&t);
	a = t.net.r[0].req.alloc;
	t_connect(&t, "8.8.8.8", 80);
	turn_tcp_connected(t.s, ft.tc[0], 0);
	t_connect(&t, "8.8.8.8", 81); /* still connecting */
	addr_parse(&peer, "8.8.8.8", 5555);
	turn_tcp_accepted(t.s, a, &peer, &h, t.now, &tc);
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_conns, 3, "three connections");
	c = t_client(&t);
	turn_server_client_gone(t.s, &c);
	CHECK_EQ_INT(ft.closes, 3, "the control connection's end closes every connection");
	CHECK(ft.closed[0] == 1 && ft.closed[1] == 1, "... each once");
	CHECK_EQ_INT(turn_server_counters(t.s)->tcp_conns, 0, "none left");
	CHECK(fake_all_closed_once(&t.net), "the listener closed once");
	t_stop(&t);

	/* Server teardown takes the same path. */
	t_init(&t);
	t_start_tcp(&t, &tcp_ops);
	t_tcp_alloc(&t);
	t_connect(&t, "8.8.8.8", 80);
	t_stop(&t);
	CHECK_EQ_INT(ft.closes, 1, "server freed: the connecting attempt closed");
}

int main(void)
{
	test_allocate();
	test_connect();
	test_bind();
	test_accepted();
	test_free_path();
	return tap_done();
}
