/* ICMP errors reported to the client (RFC 8656 §11.5, §18.13): the Data indication with
 * XOR-PEER-ADDRESS and ICMP, the permission check on the offending datagram's destination,
 * the relayed types, the MTU, the per-allocation rate limit, every client transport. */
#include "test_turn_fake.h"

#include "stun/icmp.h"

static struct turn_alloc *t_alloc(struct t_env *t, int relay)
{
	return t->net.r[relay].req.alloc;
}

static int t_icmp(struct t_env *t, int relay, const char *ip, uint16_t port, bool icmp6,
		  uint8_t type, uint8_t code, uint32_t mtu)
{
	struct turn_icmp ic = {.icmp6 = icmp6, .type = type, .code = code, .mtu = mtu};

	addr_parse(&ic.peer, ip, port);
	return turn_peer_icmp(t->s, t_alloc(t, relay), &ic, t->now);
}

/* The last message the client's connection got is a Data indication reporting type/code
 * and data about peer ip:port, without DATA. */
static bool t_got_icmp(struct t_env *t, const char *ip, uint16_t port, uint8_t type, uint8_t code,
		       uint32_t data)
{
	struct stun_msg m;
	struct stun_icmp ic;
	struct addr want, got;

	addr_parse(&want, ip, port);
	return stun_msg_decode(&m, t->conn->buf, t->conn->len) == 0 &&
	       m.method == STUN_METHOD_DATA && m.cls == STUN_CLASS_INDICATION &&
	       stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS, &got) == 0 &&
	       addr_eq(&got, &want) && stun_msg_get_icmp(&m, &ic) == 0 && ic.type == type &&
	       ic.code == code && ic.data == data && stun_msg_find(&m, STUN_ATTR_DATA) == NULL;
}

static void test_permission(bool stream)
{
	const char *tr = stream ? "stream" : "dgram";
	const struct turn_counters *c;
	struct t_env t;

	t_init(&t);
	if (stream)
		t_use_stream(&t);
	t_start(&t);
	c = turn_server_counters(t.s);
	CHECK_EQ_INT(t_allocate(&t), 0, "%s: allocate", tr);
	t.conn->sends = 0;
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0), -EACCES,
		     "%s: no permission for the peer: dropped", tr);
	CHECK_EQ_INT(t.conn->sends, 0, "%s: nothing sent", tr);
	CHECK_EQ_INT(c->icmp_dropped, 1, "%s: counted as dropped", tr);
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "%s: permission for 8.8.8.8", tr);
	t.conn->sends = 0;
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 1234), 0, "%s: reported", tr);
	CHECK_EQ_INT(t.conn->sends, 1, "%s: one message to the client", tr);
	CHECK(t_got_icmp(&t, "8.8.8.8", 53, 3, 3, 0),
	      "%s: Data indication, XOR-PEER-ADDRESS 8.8.8.8:53, ICMP 3/3, Error Data 0, no DATA",
	      tr);
	CHECK(addr_eq(&t.conn->last_to, &t.src), "%s: to the allocation's client", tr);
	CHECK_EQ_INT(c->icmp_to_client, 1, "%s: counted", tr);
	/* §11.5: the permission is for the IP; ports are not considered. */
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 9, false, 11, 0, 0), 0, "%s: any port", tr);
	CHECK(t_got_icmp(&t, "8.8.8.8", 9, 11, 0, 0), "%s: time exceeded reported", tr);
	/* The permission expires: no more reports. */
	t_advance(&t, 301 * 1000);
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0), -EACCES,
		     "%s: permission expired: dropped", tr);
	t_stop(&t);
}

/* §11.5: ICMPv4 types 3 and 11 and ICMPv6 types 1, 2 and 3 only; §18.13: the MTU for
 * fragmentation needed and packet too big. */
static void test_types(void)
{
	struct t_env t;
	struct stun_enc e;

	t_init(&t);
	t_start(&t);
	t_challenge(&t);
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "dual allocation");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "IPv4 permission");
	CHECK_EQ_INT(t_create_perm(&t, "2001:db8::53"), 0, "IPv6 permission");
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 4, 1400), 0, "v4 frag needed");
	CHECK(t_got_icmp(&t, "8.8.8.8", 53, 3, 4, 1400), "v4 3/4: Error Data is the MTU");
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 1, 1400), 0, "v4 host unreachable");
	CHECK(t_got_icmp(&t, "8.8.8.8", 53, 3, 1, 0), "v4 3/1: Error Data zero");
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 12, 0, 0), -EPROTONOSUPPORT,
		     "v4 parameter problem (12): not relayed");
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 5, 0, 0), -EPROTONOSUPPORT,
		     "v4 redirect (5): not relayed");
	CHECK_EQ_INT(t_icmp(&t, 1, "2001:db8::53", 53, true, 1, 4, 0), 0, "v6 port unreachable");
	CHECK(t_got_icmp(&t, "2001:db8::53", 53, 1, 4, 0), "v6 1/4 about [2001:db8::53]:53");
	CHECK_EQ_INT(t_icmp(&t, 1, "2001:db8::53", 53, true, 2, 0, 1280), 0, "v6 packet too big");
	CHECK(t_got_icmp(&t, "2001:db8::53", 53, 2, 0, 1280), "v6 2/0: Error Data is the MTU");
	CHECK_EQ_INT(t_icmp(&t, 1, "2001:db8::53", 53, true, 3, 0, 0), 0, "v6 time exceeded");
	CHECK(t_got_icmp(&t, "2001:db8::53", 53, 3, 0, 0), "v6 3/0 reported");
	CHECK_EQ_INT(t_icmp(&t, 1, "2001:db8::53", 53, true, 4, 0, 0), -EPROTONOSUPPORT,
		     "v6 parameter problem (4): not relayed");
	CHECK_EQ_INT(t_icmp(&t, 1, "2001:db8::53", 53, true, 128, 0, 0), -EPROTONOSUPPORT,
		     "v6 echo request: not relayed");
	CHECK_EQ_INT(turn_server_counters(t.s)->icmp_dropped, 4, "four dropped for their type");
	CHECK_EQ_INT(turn_peer_icmp(t.s, NULL, &(struct turn_icmp){.type = 3}, t.now), -EACCES,
		     "no allocation (a reservation): nothing");
	t_stop(&t);
}

/* The per-allocation rate: a burst, then one per interval; idle time refills it, also
 * across the 16-bit wrap of the limiter's clock. */
static void test_rate(void)
{
	const struct turn_counters *c;
	struct t_env t;
	int sent = 0, i;

	t_init(&t);
	t_start(&t);
	c = turn_server_counters(t.s);
	t_allocate(&t);
	t_create_perm(&t, "8.8.8.8");
	for (i = 0; i < 3 * TURN_ICMP_BURST; i++)
		sent += t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0) == 0;
	CHECK_EQ_INT(sent, TURN_ICMP_BURST, "a burst of %d at once", TURN_ICMP_BURST);
	CHECK_EQ_INT(c->icmp_limited, 2 * TURN_ICMP_BURST, "the rest counted as limited");
	CHECK_EQ_INT(t.conn->sends, TURN_ICMP_BURST, "only the burst reached the client");
	t.now += TURN_ICMP_INTERVAL_MS - 1;
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0), -EAGAIN,
		     "before one interval: limited");
	t.now += 1;
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0), 0, "after one interval: one");
	CHECK_EQ_INT(t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0), -EAGAIN, "and only one");
	/* Ten seconds at full rate: one per interval. */
	for (sent = 0, i = 0; i < 10000 / 50; i++) {
		t.now += 50;
		sent += t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0) == 0;
	}
	CHECK(sent >= 10000 / TURN_ICMP_INTERVAL_MS - 1 && sent <= 10000 / TURN_ICMP_INTERVAL_MS,
	      "sustained: one per %d ms (%d)", TURN_ICMP_INTERVAL_MS, sent);
	/* Idle, also across the wrap of the limiter's 16-bit clock (65536 intervals): a full
	 * burst each time. */
	for (int k = 0; k < 4; k++) {
		static const uint64_t idle_s[4] = {3, 16384 + 5, 2 * 16384 + 100, 40000};

		t.now += idle_s[k] * 1000;
		if (t_create_perm(&t, "8.8.8.8") == 438)
			t_create_perm(&t, "8.8.8.8");
		for (sent = 0, i = 0; i < 2 * TURN_ICMP_BURST; i++)
			sent += t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0) == 0;
		CHECK_EQ_INT(sent, TURN_ICMP_BURST, "idle %llu s: a full burst again",
			     (unsigned long long)idle_s[k]);
	}
	t_stop(&t);
}

/* Two allocations: each has its own limit. */
static void test_rate_per_alloc(void)
{
	struct t_env t;
	int sent = 0;

	t_init(&t);
	t_start(&t);
	t_allocate(&t);
	t_create_perm(&t, "8.8.8.8");
	addr_parse(&t.src, "192.0.2.10", 40001);
	CHECK_EQ_INT(t_allocate(&t), 0, "a second allocation");
	t_create_perm(&t, "8.8.8.8");
	for (int i = 0; i < 2 * TURN_ICMP_BURST; i++) {
		sent += t_icmp(&t, 0, "8.8.8.8", 53, false, 3, 3, 0) == 0;
		sent += t_icmp(&t, 1, "8.8.8.8", 53, false, 3, 3, 0) == 0;
	}
	CHECK_EQ_INT(sent, 2 * TURN_ICMP_BURST, "a burst each");
	t_stop(&t);
}

int main(void)
{
	test_permission(false);
	test_permission(true);
	test_types();
	test_rate();
	test_rate_per_alloc();
	return tap_done();
}
