/* CreatePermission (RFC 8656 §10.2) and ChannelBind (§12.2): installs, refreshes, limits,
 * policy, families, rebinding rules, expiry; a realm's peer lists through the credential
 * store's peer_verdict, against relay-to-relay and the server's policy. */
#include "test_turn_fake.h"

static struct peer_policy *t_policy(void)
{
	struct peer_policy_cfg pc = {0};
	struct peer_policy *p = NULL;

	peer_policy_new(&pc, &p);
	return p;
}

static void test_permissions(void)
{
	struct t_env t;
	struct stun_enc e;
	struct addr a;
	struct t_peer_buf pb;
	const uint8_t *msg;
	const char *peers[] = {"8.8.8.8", "8.8.4.4", "1.1.1.1"};
	int i;

	t_init(&t);
	t.cfg.peers = t_policy();
	t.cfg.max_perms = 3;
	t_start(&t);
	t_challenge(&t);
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 437, "no allocation: 437");
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	t_begin(&t, &e, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST, false);
	for (i = 0; i < 2; i++) {
		addr_parse(&a, peers[i], 9);
		stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	}
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "two peers in one request");
	CHECK(t_resp_signed(&t), "signed");
	CHECK(t_peer_send(&t, &pb, "8.8.4.4", 5, "x", 1, &msg) > 0, "second peer permitted");
	t_begin(&t, &e, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST, false);
	CHECK_EQ_INT(t_send(&t, &e, true), 400, "no XOR-PEER-ADDRESS: 400");
	t_begin(&t, &e, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST, false);
	addr_parse(&a, "1.1.1.1", 9);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	addr_parse(&a, "10.0.0.1", 9);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	CHECK_EQ_INT(t_send(&t, &e, true), 403, "a denied peer: 403");
	CHECK(t_peer_send(&t, &pb, "1.1.1.1", 5, "x", 1, &msg) == 0, "all-or-nothing: none added");
	CHECK_EQ_INT(t_create_perm(&t, "2001:4860::8888"), 443, "IPv6 peer, IPv4 relay: 443");
	CHECK_EQ_INT(t_create_perm(&t, "1.1.1.1"), 0, "third permission");
	CHECK_EQ_INT(t_create_perm(&t, "9.9.9.9"), 508, "over max_perms: 508");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "refreshing an existing one is fine");
	t_advance(&t, 200 * 1000);
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "refresh 8.8.8.8 at 200 s");
	t_advance(&t, 101 * 1000);
	CHECK(t_peer_send(&t, &pb, "8.8.4.4", 5, "x", 1, &msg) == 0, "8.8.4.4 expired at 300 s");
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 5, "x", 1, &msg) > 0, "8.8.8.8 refreshed: alive");
	CHECK_EQ_INT(t_create_perm(&t, "9.9.9.9"), 0, "room again after expiry");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);
}

static void test_channels(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;

	t_init(&t);
	t.cfg.peers = t_policy();
	t_start(&t);
	t_challenge(&t);
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1000), 437, "no allocation: 437");
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_refresh(&t, true, 3600), 0, "for an hour");
	CHECK_EQ_INT(t_channel_bind(&t, 0x3FFF, "8.8.8.8", 1000), 400, "0x3FFF: 400");
	CHECK_EQ_INT(t_channel_bind(&t, 0x8000, "8.8.8.8", 1000), 400, "0x8000: 400");
	CHECK_EQ_INT(t_channel_bind(&t, 0x3FFF, "8.8.8.8", 1000), 400, "0x3FFF: 400");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "10.1.2.3", 1000), 403, "denied peer: 403");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "2001:4860::1", 1000), 443, "IPv6 peer: 443");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1000), 0, "bind 0x4000");
	CHECK(t_resp_signed(&t), "signed");
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 1000, "x", 1, &msg) == 5, "permission installed too");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1000), 0, "same channel same peer");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1001), 400, "channel to another peer");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4001, "8.8.8.8", 1000), 400, "peer to another channel");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4FFF, "8.8.8.8", 1001), 0,
		     "another port, another channel");
	t_advance(&t, 301 * 1000);
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 1000, "x", 1, &msg) == 0,
	      "permission expired at 300 s even with the channel");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1000), 0, "refresh at 301 s");
	t_advance(&t, 500 * 1000);
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 1001, "x", 1, &msg) == 0, "0x4FFF gone (no perm)");
	CHECK_EQ_INT(t_refresh(&t, true, 3600), 438, "nonce expired meanwhile: 438");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4001, "8.8.8.8", 1001), 0,
		     "after 0x4FFF expired the peer can take another channel");
	t_advance(&t, 601 * 1000);
	t_challenge(&t);
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.9", 1000), 0,
		     "an expired channel can be bound to a new peer");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "relay closed once");
	peer_policy_free((struct peer_policy *)t.cfg.peers);
}

/* The realm's lists the fake store answers from, and the realms it was asked about. */
static struct iprange_list realm_allowed, realm_denied;
static int verdict_calls;
static bool verdict_realm_ok = true;

static int fake_peer_verdict(void *impl, const char *realm, size_t rlen, const struct addr *peer)
{
	(void)impl;
	verdict_calls++;
	verdict_realm_ok &= rlen == strlen(T_REALM) && memcmp(realm, T_REALM, rlen) == 0;
	if (iprange_list_contains(&realm_allowed, peer))
		return 1;
	return iprange_list_contains(&realm_denied, peer) ? -1 : 0;
}

static const struct cred_store_ops fake_peer_ops = {.lookup = fake_lookup,
						    .cancel = fake_cancel,
						    .free = fake_free,
						    .peer_verdict = fake_peer_verdict};

/* The server's own addresses: relay address 10.9.9.9 (private), its port 50000 live. */
static struct turn_relayset *t_relay_set(void)
{
	struct turn_relayset_cfg rc = {.nrelay = 1};
	struct turn_relayset *rs = NULL;
	struct addr relay;

	addr_parse(&relay, "10.9.9.9", 0);
	rc.relay = &relay;
	turn_relayset_new(&rc, &rs);
	addr_set_port(&relay, 50000);
	turn_relayset_mark(rs, &relay, true);
	return rs;
}

static void test_realm_peers(void)
{
	struct t_env t;
	struct stun_enc e;
	struct t_peer_buf pb;
	const uint8_t *msg;

	iprange_list_add(&realm_allowed, "127.0.0.1");
	iprange_list_add(&realm_allowed, "10.1.0.0/16");
	iprange_list_add(&realm_denied, "8.8.8.8");
	iprange_list_add(&realm_denied, "10.0.0.0-10.255.255.255");
	t_init(&t);
	t.creds.store.ops = &fake_peer_ops;
	t.cfg.peers = t_policy();
	t.cfg.relays = t_relay_set();
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "127.0.0.1"), 403,
		     "loopback is the host itself: a realm's allowed-peer-ip does not open it");
	CHECK_EQ_INT(t_create_perm(&t, "10.1.2.4"), 0, "private range opened by the realm");
	CHECK(t_peer_send(&t, &pb, "10.1.2.4", 1234, "x", 1, &msg) > 0, "and relays");
	CHECK_EQ_INT(t_create_perm(&t, "10.2.0.1"), 403, "the rest of 10/8: realm denied");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 403, "closed by the realm: 403");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.4.4"), 0, "not listed: server policy allows");
	CHECK_EQ_INT(t_create_perm(&t, "10.1.2.3"), 0, "realm allowed wins over realm denied");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1000), 403, "ChannelBind: realm denied");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4001, "10.1.0.9", 1000), 0, "ChannelBind: realm allowed");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4002, "10.9.9.9", 50000), 0,
		     "relay-to-relay first, though the realm denies 10/8");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4003, "10.9.9.9", 50002), 403,
		     "the relay address at a port no relay holds: the server's own address");
	CHECK(verdict_realm_ok, "asked about the server's realm");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);
	turn_relayset_free(t.cfg.relays);

	/* An IPv6 relay: a peer embedding a denied IPv4 address is denied too. */
	t_init(&t);
	t.creds.store.ops = &fake_peer_ops;
	t.cfg.peers = t_policy();
	t_start(&t);
	t_challenge(&t);
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "IPv6 allocation");
	CHECK_EQ_INT(t_create_perm(&t, "64:ff9b::808:808"), 403, "NAT64 form of 8.8.8.8: 403");
	CHECK_EQ_INT(t_create_perm(&t, "2002:808:808::1"), 403, "6to4 form of 8.8.8.8: 403");
	CHECK_EQ_INT(t_create_perm(&t, "64:ff9b::808:404"), 0, "NAT64 form of 8.8.4.4: allowed");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);

	/* A store without peer lists: the server's policy alone. */
	verdict_calls = 0;
	t_init(&t);
	t.cfg.peers = t_policy();
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "127.0.0.1"), 403, "no peer_verdict: loopback denied");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "no peer_verdict: 8.8.8.8 allowed");
	CHECK_EQ_INT(verdict_calls, 0, "peer_verdict never called");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);
	iprange_list_free(&realm_allowed);
	iprange_list_free(&realm_denied);
}

/* CreatePermission with n XOR-PEER-ADDRESS attributes 8.8.<i>.1. */
static int t_create_perms_n(struct t_env *t, int n)
{
	struct stun_enc e;
	struct addr a;
	char ip[32];

	t_begin(t, &e, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST, false);
	for (int i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "8.8.%d.1", i);
		addr_parse(&a, ip, 1234);
		stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	}
	return t_send(t, &e, true);
}

/* RFC 8656 §10.2: every XOR-PEER-ADDRESS is installed, up to 32 per request; more is a
 * 400, never a success that silently ignored some. */
static void test_many_peers(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	char ip[32];
	int ok = 0;

	t_init(&t);
	t.cfg.max_perms = 128;
	t.cfg.peers = t_policy();
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perms_n(&t, 17), 0, "17 peers in one request: success");
	for (int i = 0; i < 17; i++) {
		snprintf(ip, sizeof(ip), "8.8.%d.1", i);
		ok += t_peer_send(&t, &pb, ip, 9, "x", 1, &msg) > 0;
	}
	CHECK_EQ_INT(ok, 17, "all 17 permissions installed (the 17th too)");
	CHECK_EQ_INT(t_create_perms_n(&t, 32), 0, "32 peers: the documented limit, success");
	snprintf(ip, sizeof(ip), "8.8.%d.1", 31);
	CHECK(t_peer_send(&t, &pb, ip, 9, "x", 1, &msg) > 0, "the 32nd installed");
	CHECK_EQ_INT(t_create_perms_n(&t, 33), 400, "33 peers: 400");
	snprintf(ip, sizeof(ip), "8.8.%d.1", 32);
	CHECK(t_peer_send(&t, &pb, ip, 9, "x", 1, &msg) == 0, "nothing of the refused request");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);
}

int main(void)
{
	test_many_peers();
	test_permissions();
	test_channels();
	test_realm_peers();
	return tap_done();
}
