/* The XDP loader (src/xdp/xdp_load.c): attaching to interfaces in generic and native mode
 * (a veth has both), refusing an interface that has a program or does not exist, detaching
 * everywhere on xdp_fast_free; the entries it installs for channels and permissions relay
 * both ways and are gone once deleted; a relay port's generation keeps a reused port from
 * delivering anything on the previous allocation's entries (a new peer on the same port);
 * the statistics count what was forwarded and why the rest was passed; the accounting
 * slots are read and throttled through the loader's mapping. In a network
 * namespace of its own (tests/unit/xdp_harness.h); skips (TAP) without root or BPF. */
#include "xdp_harness.h"

#include <linux/if_link.h>

#include "stun/chdata.h"
#include "stun/enc.h"
#include "stun/stun.h"
#include "tap.h"
#include "xdp/xdp_load.h"
#include "xdp_frame.h"

static struct xdp_fast *x;
static int ifx0;

/* The id of the XDP program attached to ifname (0: none) and whether in generic mode. */
static uint32_t attached(const char *ifname, bool *generic)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)if_nametoindex(ifname), 0, &q) < 0)
		return 0;
	if (generic)
		*generic = q.attach_mode == XDP_ATTACHED_SKB;
	return q.prog_id;
}

static void test_attach(void)
{
	bool native = true, generic = false;

	CHECK_EQ_INT(xdp_fast_attach(x, "x0", XDP_FAST_GENERIC, &native), 0,
		     "attached to x0 in generic mode");
	CHECK(!native && attached("x0", &generic) != 0 && generic,
	      "x0 runs it in generic mode (the stack's XDP)");
	CHECK_EQ_INT(xdp_fast_attach(x, "x0", XDP_FAST_AUTO, NULL), -EBUSY,
		     "a second attach to x0 is refused (-EBUSY), the first stays");
	CHECK_EQ_INT(xdp_fast_attach(x, "x1", XDP_FAST_NATIVE, &native), 0,
		     "attached to x1 in native mode");
	CHECK(native && attached("x1", &generic) != 0 && !generic,
	      "x1 runs it in native mode (veth's XDP)");
	CHECK_EQ_INT(xdp_fast_attach(x, "nosuch0", XDP_FAST_AUTO, NULL), -ENODEV,
		     "no such interface: -ENODEV");
}

static int run(const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	return xh_run_fd(xdp_fast_prog_fd(x), ifx0, in, len, out, 4096, out_len);
}

/* What the program made of a frame: its action, the UDP destination and payload. */
struct result {
	int act;
	struct addr dst;
	uint8_t payload[2048];
	size_t len;
};

static void result_of(struct result *r, const uint8_t *in, size_t n)
{
	uint8_t out[4096];
	size_t len = 0, l4;

	memset(r, 0, sizeof(*r));
	r->act = run(in, n, out, &len);
	if (r->act != XDP_TX || len < 42)
		return;
	l4 = xf_l4(out);
	addr_from_raw(&r->dst, l4 == 34 ? AF_INET : AF_INET6, out + l4 - (l4 == 34 ? 4 : 16),
		      (uint16_t)(out[l4 + 2] << 8 | out[l4 + 3]));
	r->len = len - l4 - 8;
	memcpy(r->payload, out + l4 + 8, r->len);
}

/* The frame (ChannelData of 5 bytes to 8.8.8.8) received on x1 leaves by x0: redirected. */
static void check_redirect(const uint8_t *f, size_t n)
{
	uint8_t out[4096];
	size_t out_len = 0;
	int act = xh_run_fd(xdp_fast_prog_fd(x), (int)if_nametoindex("x1"), f, n, out, sizeof(out),
			    &out_len);

	CHECK(act == XDP_REDIRECT && out_len == 14 + 20 + 8 + 5 && memcmp(out, xh_mac_peer, 6) == 0,
	      "received on x1, it is redirected to x0, the route's interface");
}

static uint64_t stat_get(uint32_t s)
{
	uint64_t v[TERN_XDP_NSTATS];

	return xdp_fast_stats(x, v) == 0 ? v[s] : UINT64_MAX;
}

/* The relay port of a (channel 0x4000 to peer, ChannelData m of 9 bytes) is released and
 * reused by another allocation with another peer. */
static void test_reuse(const struct xdp_fast_alloc *a, const struct addr *peer, const uint8_t *m)
{
	struct xdp_fast_alloc b = {.gen = 2};
	uint64_t stale = stat_get(TERN_XDP_PASS_STALE);
	struct addr peer2;
	struct result r;
	uint8_t f[4096];
	size_t n;

	CHECK_EQ_INT(xdp_fast_gen_set(x, 50000, 2), 0, "relay port 50000 released: generation 2");
	n = xh_frame(f, xh_mac_peer, peer, &a->relay, "stale", 5);
	result_of(&r, f, n);
	CHECK(r.act == XDP_PASS && stat_get(TERN_XDP_PASS_STALE) == stale + 1,
	      "the old peer's datagram is not delivered on the stale entry (passed: stale)");
	b.client = a->client;
	addr_set_port(&b.client, 40001);
	b.listen = a->listen;
	b.relay = a->relay;
	addr_parse(&peer2, "8.8.8.8", 7000);
	CHECK_EQ_INT(xdp_fast_chan_put(x, &b, 0x4000, &peer2), 0,
		     "the new allocation on port 50000 binds a channel to a new peer");
	n = xh_frame(f, xh_mac_peer, &peer2, &b.relay, "fresh", 5);
	result_of(&r, f, n);
	CHECK(r.act == XDP_TX && addr_eq(&r.dst, &b.client),
	      "the new peer's datagram reaches the new client");
	n = xh_frame(f, xh_mac_peer, peer, &a->relay, "stale", 5);
	result_of(&r, f, n);
	CHECK(r.act == XDP_PASS, "the old peer's still does not (the old client gets nothing)");
	n = xh_frame(f, xh_mac_client, &a->client, &a->listen, m, 9);
	result_of(&r, f, n);
	CHECK(r.act == XDP_PASS, "nor the old client's ChannelData");
	CHECK(xdp_fast_chan_del(x, &b, 0x4000, &peer2) == 0, "the new allocation's deleted");
}

static void test_entries(void)
{
	struct xdp_fast_alloc a = {.gen = 1};
	uint8_t f[4096], m[64], salt[4] = {0xde, 0xad, 0xbe, 0xef}, tid[12] = {0};
	struct addr peer, from;
	struct result r;
	uint64_t fwd = stat_get(TERN_XDP_FORWARDED);
	uint64_t seq = 77;
	size_t n;

	addr_parse(&a.client, "192.0.2.10", 40000);
	addr_parse(&a.listen, "192.0.2.1", 3478);
	addr_parse(&a.relay, "203.0.113.1", 50000);
	addr_parse(&peer, "8.8.8.8", 5000);
	CHECK(xdp_fast_gen_set(x, 50000, 1) == 0 && xdp_fast_chan_put(x, &a, 0x4000, &peer) == 0 &&
		      xdp_fast_perm_put(x, &a, &peer, seq, salt) == 0,
	      "a channel and a permission installed");
	stun_chdata_put_header(m, 0x4000, 5);
	memcpy(m + 4, "hello", 5);
	n = xh_frame(f, xh_mac_client, &a.client, &a.listen, m, 9);
	result_of(&r, f, n);
	CHECK(r.act == XDP_TX && addr_eq(&r.dst, &peer) && r.len == 5 &&
		      memcmp(r.payload, "hello", 5) == 0,
	      "ChannelData reaches the peer");
	check_redirect(f, n);
	n = xh_frame(f, xh_mac_peer, &peer, &a.relay, "world", 5);
	result_of(&r, f, n);
	CHECK(r.act == XDP_TX && addr_eq(&r.dst, &a.client) && r.len == 9 && r.payload[0] == 0x40 &&
		      memcmp(r.payload + 4, "world", 5) == 0,
	      "the peer's datagram reaches the client as ChannelData");
	addr_parse(&from, "8.8.8.8", 6000);
	n = xh_frame(f, xh_mac_peer, &from, &a.relay, "dataind", 7);
	result_of(&r, f, n);
	memcpy(tid, &seq, 8);
	memcpy(tid + 8, salt, 4);
	CHECK(r.act == XDP_TX && addr_eq(&r.dst, &a.client) && r.len == 20 + 12 + 4 + 8 &&
		      r.payload[1] == 0x17 && memcmp(r.payload + 8, tid, 12) == 0,
	      "from another port: a Data indication, transaction id seq 77 then the salt");
	CHECK_EQ_INT(stat_get(TERN_XDP_FORWARDED), fwd + 4, "4 packets counted as forwarded");

	test_reuse(&a, &peer, m);
	CHECK(xdp_fast_chan_del(x, &a, 0x4000, &peer) == 0 && xdp_fast_perm_del(x, &a, &peer) == 0,
	      "the old allocation's entries deleted");
	CHECK_EQ_INT(xdp_fast_chan_del(x, &a, 0x4000, &peer), 0, "deleting again is no error");
	n = xh_frame(f, xh_mac_peer, &peer, &a.relay, "stale", 5);
	result_of(&r, f, n);
	CHECK(r.act == XDP_PASS, "after deletion: passed (no entry)");
}

/* The accounting slots through the loader's mapping: what the program forwards through a
 * relay shows in xdp_fast_acct_read at once; xdp_fast_throttle holds the relay's traffic
 * in user space and lets it go again; the IPv6 relay on the same port has its own slot; a
 * port outside the relay range has none. */
static void test_acct(void)
{
	struct xdp_fast_alloc a = {.gen = 5};
	struct tern_xdp_acct s0, s1, s6;
	struct addr peer, relay6, out_of_range;
	uint64_t thr = stat_get(TERN_XDP_PASS_THROTTLED);
	uint8_t f[4096], m[64];
	struct result r1, r2, r3;
	size_t n1, n2;

	addr_parse(&a.client, "192.0.2.10", 40002);
	addr_parse(&a.listen, "192.0.2.1", 3478);
	addr_parse(&a.relay, "203.0.113.1", 50001);
	addr_parse(&peer, "8.8.8.8", 5001);
	addr_parse(&relay6, "2001:db8::100", 50001);
	CHECK(xdp_fast_gen_set(x, 50001, 5) == 0 && xdp_fast_chan_put(x, &a, 0x4001, &peer) == 0 &&
		      xdp_fast_acct_read(x, &a.relay, &s0) == 0,
	      "a channel on relay port 50001; its slot read through the mapping");
	stun_chdata_put_header(m, 0x4001, 11);
	memcpy(m + 4, "hello world", 11);
	n1 = xh_frame(f, xh_mac_client, &a.client, &a.listen, m, 15);
	result_of(&r1, f, n1);
	result_of(&r2, f, n1);
	n2 = xh_frame(f + 2048, xh_mac_peer, &peer, &a.relay, "back", 4);
	result_of(&r3, f + 2048, n2);
	xdp_fast_acct_read(x, &a.relay, &s1);
	CHECK(r1.act == XDP_TX && r2.act == XDP_TX && r3.act == XDP_TX &&
		      s1.pkts_to_peer == s0.pkts_to_peer + 2 &&
		      s1.bytes_to_peer == s0.bytes_to_peer + 22 &&
		      s1.pkts_to_client == s0.pkts_to_client + 1 &&
		      s1.bytes_to_client == s0.bytes_to_client + 4 && s1.flags == 0,
	      "2 ChannelData of 11 bytes and 4 bytes back: read at once (2/22 to the peer, 1/4 to "
	      "the client)");
	CHECK_EQ_INT(xdp_fast_throttle(x, &a.relay, true), 0, "relay 50001 throttled");
	result_of(&r1, f, n1);
	result_of(&r3, f + 2048, n2);
	xdp_fast_acct_read(x, &a.relay, &s0);
	xdp_fast_acct_read(x, &relay6, &s6);
	CHECK(r1.act == XDP_PASS && r3.act == XDP_PASS &&
		      stat_get(TERN_XDP_PASS_THROTTLED) == thr + 2 &&
		      s0.flags == TERN_XDP_F_THROTTLED && s0.pkts_to_peer == s1.pkts_to_peer &&
		      s0.pkts_to_client == s1.pkts_to_client,
	      "throttled: both directions passed (throttled), nothing counted, the flag reads "
	      "back");
	CHECK(s6.flags == 0, "the IPv6 relay on port 50001 has its own slot (not throttled)");
	CHECK_EQ_INT(xdp_fast_throttle(x, &a.relay, false), 0, "relay 50001 released");
	result_of(&r1, f, n1);
	xdp_fast_acct_read(x, &a.relay, &s0);
	CHECK(r1.act == XDP_TX && s0.flags == 0 && s0.pkts_to_peer == s1.pkts_to_peer + 1,
	      "released: relayed and counted again");
	addr_parse(&out_of_range, "203.0.113.1", 51000);
	CHECK(xdp_fast_acct_read(x, &out_of_range, &s0) == -ERANGE &&
		      xdp_fast_throttle(x, &out_of_range, true) == -ERANGE,
	      "port 51000, outside the relay range: no slot (-ERANGE)");
	xdp_fast_chan_del(x, &a, 0x4001, &peer);
}

int main(void)
{
	char why[160];
	int rc;

	if (xh_netns(why, sizeof(why)) < 0) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	rc = xdp_fast_open(50000, 50999, &x);
	if (rc < 0) {
		printf("1..0 # SKIP cannot load the XDP program: %s\n", strerror(-rc));
		return 0;
	}
	ifx0 = (int)if_nametoindex("x0");
	test_attach();
	test_entries();
	test_acct();
	xdp_fast_free(x);
	CHECK(attached("x0", NULL) == 0 && attached("x1", NULL) == 0,
	      "xdp_fast_free detached it from x0 and x1");
	return tap_done();
}
