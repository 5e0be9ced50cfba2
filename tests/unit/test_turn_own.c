/* The server's own addresses as peers (RFC 8656 §21, DESIGN.md §5): every spelling of
 * loopback, the host, special-purpose ranges and the server's own listening, interface and
 * relay addresses is refused by CreatePermission, ChannelBind and Send; relay-to-relay works
 * only in the relay address's exact spelling at a live relay port, and stops for every
 * datagram the moment that port is released. With a public and with a private relay
 * address. */
#include "test_turn_fake.h"

#include "stun/chdata.h"

/* A peer spelling that must never be reached, and why. */
struct own_case {
	const char *ip;
	uint16_t port;
	const char *what;
};

static const struct own_case own_cases[] = {
	{"127.0.0.1", 53, "loopback"},
	{"127.0.0.53", 53, "loopback resolver"},
	{"::1", 53, "IPv6 loopback"},
	{"0.0.0.0", 6379, "unspecified (the host)"},
	{"::", 6379, "IPv6 unspecified"},
	{"::ffff:127.0.0.1", 53, "IPv4-mapped loopback"},
	{"::127.0.0.1", 53, "IPv4-compatible loopback"},
	{"::ffff:0:127.0.0.1", 53, "IPv4-translated loopback"},
	{"64:ff9b::7f00:1", 53, "NAT64 loopback"},
	{"2002:7f00:1::1", 53, "6to4 loopback"},
	{"2001:0:4136:e378:8000:63bf:3fff:fdd2", 53, "Teredo"},
	{"169.254.1.1", 80, "link-local"},
	{"fe80::1", 80, "IPv6 link-local"},
	{"fd00::1", 80, "unique local"},
	{"100.64.0.1", 80, "CGNAT"},
	{"10.0.0.1", 80, "RFC 1918 10/8"},
	{"172.16.0.1", 80, "RFC 1918 172.16/12"},
	{"192.168.1.1", 80, "RFC 1918 192.168/16"},
	{"224.0.0.251", 5353, "multicast"},
	{"ff02::1", 5353, "IPv6 multicast"},
	{"255.255.255.255", 67, "broadcast"},
	{"240.0.0.1", 80, "reserved"},
	{"169.254.169.254", 80, "cloud metadata"},
	{"::ffff:169.254.169.254", 80, "mapped cloud metadata"},
	{"198.51.100.7", 22, "the server's other interface address"},
};

/* IPv6 forms of the relay address (set per run) that must not count as it. */
static char own_mapped[64], own_translated[64], own_compat[64], own_nat64[64];

struct own_env {
	struct t_env t;
	struct turn_relayset *rs;
	struct addr a_src, b_src;
	const char *relay; /* the IPv4 relay address */
};

static int own_alloc(struct own_env *o, const struct addr *src, bool dual)
{
	struct stun_enc e;

	o->t.src = *src;
	t_challenge(&o->t);
	t_begin(&o->t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	if (dual)
		stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	return t_send(&o->t, &e, true);
}

static int own_perm(struct own_env *o, const char *ip, uint16_t port)
{
	struct stun_enc e;
	struct addr a;

	addr_parse(&a, ip, port);
	t_begin(&o->t, &e, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST, false);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	return t_send(&o->t, &e, true);
}

/* Sends a Send indication; true when the datagram reached the relay (fake) socket. */
static bool own_send(struct own_env *o, const char *ip, uint16_t port)
{
	int before = o->t.net.sends;
	struct stun_enc e;
	struct addr a;

	addr_parse(&a, ip, port);
	t_begin(&o->t, &e, STUN_METHOD_SEND, STUN_CLASS_INDICATION, false);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	stun_enc_put(&e, STUN_ATTR_DATA, "probe", 5);
	o->t.req_len = stun_enc_finish(&e);
	t_run(&o->t);
	return o->t.net.sends > before;
}

static bool own_chdata(struct own_env *o, uint16_t ch)
{
	int before = o->t.net.sends;

	stun_chdata_put_header(o->t.req, ch, 4);
	memcpy(o->t.req + 4, "data", 4);
	o->t.req_len = 8;
	t_run(&o->t);
	return o->t.net.sends > before;
}

static void own_setup(struct own_env *o, const char *relay)
{
	struct peer_policy_cfg pc = {0};
	struct turn_relayset_cfg rc = {.nrelay = 2, .nown = 2};
	struct addr ra[2], own[2];
	struct peer_policy *p = NULL;

	memset(o, 0, sizeof(*o));
	o->relay = relay;
	addr_parse(&ra[0], relay, 0);
	addr_parse(&ra[1], "2001:db8::100", 0);
	addr_parse(&own[0], relay, 3478); /* the listening address */
	addr_parse(&own[1], "198.51.100.7", 0);
	rc.relay = ra;
	rc.own = own;
	turn_relayset_new(&rc, &o->rs);
	peer_policy_new(&pc, &p);
	t_init(&o->t);
	o->t.cfg.peers = p;
	o->t.cfg.relays = o->rs;
	o->t.net.rs = o->rs;
	o->t.net.relay_v4 = relay;
	addr_parse(&o->t.local, relay, 3478);
	addr_parse(&o->a_src, "192.0.2.10", 40000);
	addr_parse(&o->b_src, "192.0.2.11", 40001);
	t_start(&o->t);
	snprintf(own_mapped, sizeof(own_mapped), "::ffff:%s", relay);
	snprintf(own_translated, sizeof(own_translated), "::ffff:0:%s", relay);
	snprintf(own_compat, sizeof(own_compat), "::%s", relay);
	{
		struct addr v4;
		const uint8_t *b;
		size_t n;

		addr_parse(&v4, relay, 0);
		b = addr_raw(&v4, &n);
		snprintf(own_nat64, sizeof(own_nat64), "64:ff9b::%02x%02x:%02x%02x", b[0], b[1],
			 b[2], b[3]);
	}
}

static void own_teardown(struct own_env *o)
{
	t_stop(&o->t);
	peer_policy_free((struct peer_policy *)o->t.cfg.peers);
	turn_relayset_free(o->rs);
}

/* Every case refused by CreatePermission and ChannelBind, and no Send reaches it. */
static void own_battery(struct own_env *o, const struct own_case *c, size_t n, const char *tag)
{
	for (size_t i = 0; i < n; i++) {
		int before = o->t.net.sends;

		CHECK_EQ_INT(own_perm(o, c[i].ip, c[i].port), 403,
			     "%s: CreatePermission %s refused (%s)", tag, c[i].ip, c[i].what);
		CHECK_EQ_INT(t_channel_bind(&o->t, (uint16_t)(0x4100 + i), c[i].ip, c[i].port), 403,
			     "%s: ChannelBind %s refused (%s)", tag, c[i].ip, c[i].what);
		own_send(o, c[i].ip, c[i].port);
		CHECK(o->t.net.sends == before, "%s: Send to %s never delivered (%s)", tag, c[i].ip,
		      c[i].what);
	}
}

static void own_run(const char *relay, const char *tag)
{
	struct own_env o;
	struct own_case extra[] = {
		{relay, 3478, "the server's listening address and port"},
		{relay, 50006, "the relay address at a port no relay holds"},
		{relay, 22, "the relay address at a service port"},
		{own_mapped, 50004, "mapped spelling of a live relay port"},
		{own_translated, 50004, "translated spelling of a live relay port"},
		{own_compat, 50004, "compatible spelling of a live relay port"},
		{own_nat64, 50004, "NAT64 spelling of a live relay port"},
	};

	own_setup(&o, relay);
	/* A holds 50000 and, dual, an IPv6 relay at 50002; B holds 50004. */
	CHECK_EQ_INT(own_alloc(&o, &o.a_src, true), 0, "%s: A allocated (dual)", tag);
	CHECK_EQ_INT(own_alloc(&o, &o.b_src, false), 0, "%s: B allocated", tag);
	o.t.src = o.a_src;
	t_challenge(&o.t);
	own_battery(&o, own_cases, sizeof(own_cases) / sizeof(own_cases[0]), tag);
	own_battery(&o, extra, sizeof(extra) / sizeof(extra[0]), tag);

	/* Relay-to-relay: B's relayed address, exact spelling, live port. */
	CHECK_EQ_INT(own_perm(&o, relay, 50004), 0, "%s: CreatePermission to B's relay", tag);
	CHECK(own_send(&o, relay, 50004), "%s: Send to B's relay delivered", tag);
	CHECK(!own_send(&o, relay, 3478), "%s: the same permission: Send to :3478 dropped", tag);
	CHECK(!own_send(&o, relay, 50006), "%s: Send to a port no relay holds dropped", tag);
	CHECK(!own_send(&o, relay, 53), "%s: Send to :53 dropped", tag);
	CHECK_EQ_INT(t_channel_bind(&o.t, 0x4000, relay, 50004), 0, "%s: channel to B's relay",
		     tag);
	CHECK_EQ_INT(t_channel_bind(&o.t, 0x4001, relay, 3478), 403,
		     "%s: a channel to :3478 refused despite the permission", tag);
	CHECK(own_chdata(&o, 0x4000), "%s: ChannelData to B's relay delivered", tag);
	CHECK(turn_server_counters(o.t.s)->dropped_not_relay >= 3, "%s: drops counted", tag);

	/* B's allocation ends: its port is no longer a relay port of the server. */
	o.t.src = o.b_src;
	t_challenge(&o.t);
	CHECK_EQ_INT(t_refresh(&o.t, true, 0), 0, "%s: B deleted", tag);
	o.t.src = o.a_src;
	t_challenge(&o.t);
	CHECK(!own_send(&o, relay, 50004), "%s: Send to the released port dropped", tag);
	CHECK(!own_chdata(&o, 0x4000), "%s: ChannelData to the released port dropped", tag);
	CHECK_EQ_INT(own_perm(&o, relay, 50004), 403, "%s: permission to it refused now", tag);
	own_teardown(&o);
}

int main(void)
{
	own_run("45.0.0.1", "public relay-ip");
	own_run("10.0.0.5", "private relay-ip");
	return tap_done();
}
