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

static int fake_peer_verdict(void *impl, const char *realm, size_t rlen,
			     const struct addr *peer)
{
	(void)impl;
	verdict_calls++;
	verdict_realm_ok &= rlen == strlen(T_REALM) && memcmp(realm, T_REALM, rlen) == 0;
	if (iprange_list_contains(&realm_allowed, peer))
		return 1;
	return iprange_list_contains(&realm_denied, peer) ? -1 : 0;
}

static const struct cred_store_ops fake_peer_ops = {
	.lookup = fake_lookup, .cancel = fake_cancel, .free = fake_free,
	.peer_verdict = fake_peer_verdict};

/* A server policy whose relay address 10.9.9.9 (private) serves ports 49152-65535. */
static struct peer_policy *t_relay_policy(void)
{
	struct peer_policy_cfg pc = {.min_port = 49152, .max_port = 65535, .nrelay = 1};
	struct peer_policy *p = NULL;
	struct addr relay;

	addr_parse(&relay, "10.9.9.9", 0);
	pc.relay_addrs = &relay;
	peer_policy_new(&pc, &p);
	return p;
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
	t.cfg.peers = t_relay_policy();
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "127.0.0.1"), 0, "loopback opened by the realm");
	CHECK(t_peer_send(&t, &pb, "127.0.0.1", 1234, "x", 1, &msg) > 0, "and relays");
	CHECK_EQ_INT(t_create_perm(&t, "127.0.0.2"), 403, "the rest of loopback: server policy");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 403, "closed by the realm: 403");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.4.4"), 0, "not listed: server policy allows");
	CHECK_EQ_INT(t_create_perm(&t, "10.1.2.3"), 0, "realm allowed wins over realm denied");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "8.8.8.8", 1000), 403, "ChannelBind: realm denied");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4001, "127.0.0.1", 1000), 0,
		     "ChannelBind: realm allowed");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4002, "10.9.9.9", 50000), 0,
		     "relay-to-relay first, though the realm denies 10/8");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4003, "10.9.9.9", 1000), 403,
		     "the relay address outside the relay ports: realm denied");
	CHECK(verdict_realm_ok, "asked about the server's realm");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);

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

int main(void)
{
	test_permissions();
	test_channels();
	test_realm_peers();
	return tap_done();
}
