/* Authentication of TURN requests (RFC 8489 §9.2.4, RFC 8656 §5): challenge, stale nonce,
 * wrong credentials, 441, asynchronous lookups (answered through the connection's send; the
 * relay on the address each client reached), store failures, 401 rate limit, SHA-256,
 * USERHASH, no_auth. */
#include "test_turn_fake.h"

static void test_wrong(void)
{
	struct t_env t;

	t_init(&t);
	t_start(&t);
	t_challenge(&t);
	t.pass = "wrong";
	CHECK_EQ_INT(t_allocate(&t), 401, "wrong password: 401");
	CHECK(t.m.i_mi < 0, "401 unsigned");
	t.user = "mallory";
	CHECK_EQ_INT(t_allocate(&t), 401, "unknown user: 401");
	t.user = "alice", t.pass = "secret";
	CHECK_EQ_INT(t_allocate(&t), 0, "right credentials: success");
	t.user = "bob", t.pass = "hunter2";
	CHECK_EQ_INT(t_refresh(&t, true, 600), 441, "Refresh with other credentials: 441");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 441, "CreatePermission: 441");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1), 441, "ChannelBind: 441");
	CHECK_EQ_INT(t_allocate(&t), 441, "Allocate on the 5-tuple: 441");
	CHECK_EQ_INT(turn_server_counters(t.s)->auth_401, 3, "401s counted");
	t_advance(&t, 601 * 1000);
	t.user = "alice", t.pass = "secret";
	CHECK_EQ_INT(t_allocate(&t), 438, "nonce expired: 438");
	CHECK_EQ_INT(t_allocate(&t), 0, "with the fresh nonce: success");
	CHECK_EQ_INT(turn_server_counters(t.s)->auth_438, 1, "438 counted");
	t_stop(&t);
}

static void test_async(void)
{
	struct t_env t;
	struct stun_msg m;
	struct turn_client c;

	t_init(&t);
	t.creds.async = true;
	t_start(&t);
	t_challenge(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "async lookup: nothing to send now");
	CHECK_EQ_INT(t.resp_len, 0, "no response yet");
	memset(t.req, 0, sizeof(t.req)); /* the server kept its own copy */
	CHECK_EQ_INT(fake_creds_complete(&t.creds), 1, "lookup completes later");
	CHECK_EQ_INT(t.dgram.sends, 1, "response sent through the connection's send");
	CHECK(stun_msg_decode(&m, t.dgram.buf, t.dgram.len) == 0 && m.cls == STUN_CLASS_SUCCESS,
	      "an Allocate success");
	t.m = m;
	CHECK(t_resp_signed(&t), "signed with the looked-up key");
	CHECK(addr_eq(&t.dgram.last_to, &t.src), "to the requesting client");

	/* A pending request is cancelled when its connection goes, or at teardown. */
	t_refresh(&t, true, 600);
	c = t_client(&t);
	turn_server_client_gone(t.s, &c);
	CHECK_EQ_INT(t.creds.cancels, 1, "client_gone cancels its pending lookup");
	CHECK_EQ_INT(fake_creds_complete(&t.creds), 0, "nothing left to complete");
	t_allocate(&t);
	t_stop(&t);
	CHECK_EQ_INT(t.creds.cancels, 2, "teardown cancels pending lookups");
	CHECK(fake_all_closed_once(&t.net), "relays closed once");
}

/* Multi-homed: the relay of an Allocate that completes after an asynchronous lookup sits
 * on the address its client reached, not on another client's nor the connection's first
 * (the request carries it; nothing is kept in worker state). Two clients, one per server
 * address, both pending, completed together. */
static void test_async_multihomed(void)
{
	struct t_env t;
	struct fake_conn dg2;
	struct addr local1, local2;

	t_init(&t);
	t.creds.async = true;
	t_start(&t);
	local1 = t.local;
	addr_parse(&local2, "203.0.113.2", 3478);
	t_challenge(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "client A via 203.0.113.1: lookup pending");
	fake_conn_init(&dg2, &fake_dgram_ops, &local2, NULL);
	t.conn = &dg2;
	t.local = local2;
	addr_parse(&t.src, "192.0.2.11", 40001);
	t_challenge(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "client B via 203.0.113.2: lookup pending");
	CHECK_EQ_INT(t.net.opens, 0, "no relay before the lookups complete");
	CHECK_EQ_INT(fake_creds_complete(&t.creds), 2, "both lookups complete later");
	CHECK_EQ_INT(t.net.opens, 2, "two relays opened");
	CHECK(addr_eq(&t.net.opened_local[0], &local1), "A's relay asked on 203.0.113.1");
	CHECK(addr_eq(&t.net.opened_local[1], &local2), "B's relay asked on 203.0.113.2");
	CHECK_EQ_INT(t.dgram.sends, 1, "A's success through A's connection");
	CHECK_EQ_INT(dg2.sends, 1, "B's success through B's connection");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "relays closed once");
}

/* The late response goes out through the connection the request came on: a stream one
 * here, with the datagram connection of the same addresses untouched. */
static void test_async_stream(void)
{
	struct t_env t;
	struct stun_msg m;
	struct turn_client c;

	t_init(&t);
	t.creds.async = true;
	t_use_stream(&t);
	t_start(&t);
	t_challenge(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "stream, async lookup: nothing to send now");
	CHECK_EQ_INT(fake_creds_complete(&t.creds), 1, "lookup completes later");
	CHECK_EQ_INT(t.stream.sends, 1, "response sent through the stream's send");
	CHECK_EQ_INT(t.dgram.sends, 0, "nothing through the datagram connection");
	CHECK(stun_msg_decode(&m, t.stream.buf, t.stream.len) == 0 && m.cls == STUN_CLASS_SUCCESS &&
		      m.method == STUN_METHOD_ALLOCATE,
	      "an Allocate success");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 1, "allocated on the stream");
	c = t_client(&t);
	turn_server_client_gone(t.s, &c);
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "freed with the stream");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "relays closed once");
}

static void test_store_failures(void)
{
	struct t_env t;

	t_init(&t);
	t_start(&t);
	t_challenge(&t);
	t.creds.status = -EIO;
	CHECK_EQ_INT(t_allocate(&t), 500, "store failure: 500");
	t.creds.status = 0;
	t.creds.fail = -EAGAIN;
	CHECK_EQ_INT(t_allocate(&t), 500, "store busy: 500");
	t.creds.fail = 0;
	CHECK_EQ_INT(t_allocate(&t), 0, "store back: success");
	t_stop(&t);
}

static void test_rate_limit(void)
{
	struct t_env t;
	int i, answered = 0;

	t_init(&t);
	t.cfg.unauth_rate = 5;
	t_start(&t);
	for (i = 0; i < 50; i++)
		answered += t_challenge(&t) == 401;
	CHECK(answered >= 5 && answered <= 10, "401s limited per source (%d of 50)", answered);
	CHECK_EQ_INT(turn_server_counters(t.s)->unauth_limited, 50 - answered, "counted");
	addr_parse(&t.src, "192.0.2.77", 1);
	CHECK_EQ_INT(t_challenge(&t), 401, "another source is answered");
	t_advance(&t, 2000);
	addr_parse(&t.src, "192.0.2.10", 40000);
	CHECK_EQ_INT(t_challenge(&t), 401, "answered again after a while");
	t_stop(&t);
}

static void test_sha256_userhash(void)
{
	struct t_env t;
	struct stun_enc e;

	t_init(&t);
	auth_nonce_key_init(&t.nk, 600, AUTH_FEATURE_PASSWORD_ALGORITHMS);
	t_start(&t);
	t_challenge(&t);
	CHECK(stun_msg_find(&t.m, STUN_ATTR_PASSWORD_ALGORITHMS) != NULL, "PASSWORD-ALGORITHMS");
	t.use_sha256 = true;
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, STUN_ATTR_PASSWORD_ALGORITHM, STUN_PWALG_SHA256 << 16);
	stun_enc_put(&e, STUN_ATTR_PASSWORD_ALGORITHMS, "\x00\x02\x00\x00\x00\x01\x00\x00", 8);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "SHA-256 key + MESSAGE-INTEGRITY-SHA256");
	CHECK(t.m.i_mi256 >= 0 && t_resp_signed(&t), "response signed with MI-SHA256");
	t_stop(&t);

	t_init(&t);
	t_start(&t);
	t_challenge(&t);
	t.use_userhash = true;
	CHECK_EQ_INT(t_allocate(&t), 0, "USERHASH: success");
	t.use_userhash = false;
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "same user by USERNAME: not 441");
	t_stop(&t);
}

static void test_no_auth(void)
{
	struct t_env t;

	t_init(&t);
	t.cfg.no_auth = true;
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "no_auth: Allocate without credentials");
	CHECK(t.m.i_mi < 0, "unsigned");
	CHECK_EQ_INT(t.creds.lookups, 0, "no lookup");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "CreatePermission");
	t_stop(&t);
}

int main(void)
{
	test_wrong();
	test_async();
	test_async_stream();
	test_async_multihomed();
	test_store_failures();
	test_rate_limit();
	test_sha256_userhash();
	test_no_auth();
	return tap_done();
}
