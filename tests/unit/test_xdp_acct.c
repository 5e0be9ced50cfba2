/* The XDP fast path's accounting (src/xdp/tern.bpf.c, map tern_acct): every datagram the
 * program forwards is counted, packets and application data bytes, in the slot of the relay
 * socket it went through: client -> peer (ChannelData, RFC 8656 §12.6; Send indications,
 * §11.2) in the entry's relay's slot, peer -> client (§12.7, Data indications §11.3) in the
 * slot of the relay it reached. IPv4 and IPv6 relays on the same port have distinct slots;
 * what is passed to the stack is not counted. A slot flagged TERN_XDP_F_THROTTLED (max-bps)
 * sends that relay's datagrams, untouched, to the stack, counted as throttled; cleared, the
 * program relays them again. Skips (TAP) without root or BPF. */
#include "xdp_harness.h"

#include "stun/chdata.h"
#include "stun/enc.h"
#include "stun/stun.h"
#include "tap.h"
#include "xdp_frame.h"

static struct xh h;

/* One allocation: client (reaching listen), its relay, a channel 0x4000 and a permission
 * for peer (any port: Data indications). */
struct acct_alloc {
	const char *name;
	struct addr client, listen, relay, peer;
};

static int install(const struct acct_alloc *a)
{
	struct tern_xdp_to_peer tp = {.gen = 7};
	struct tern_xdp_to_client tc = {.gen = 7, .channel = 0x4000};
	struct addr any = a->peer;
	int rc = 0;

	xdp_fast_ep(&tp.relay, &a->relay);
	xdp_fast_ep(&tp.peer, &a->peer);
	xdp_fast_ep(&tc.listen, &a->listen);
	xdp_fast_ep(&tc.client, &a->client);
	rc |= xh_put_chan(&h, &a->client, &a->listen, 0x4000, &tp);
	rc |= xh_put_perm(&h, &a->client, &a->listen, &a->peer, &tp);
	rc |= xh_put_peer(&h, &a->relay, &a->peer, &tc);
	tc.channel = 0;
	addr_set_port(&any, 0);
	rc |= xh_put_peer(&h, &a->relay, &any, &tc);
	rc |= xh_set_gen(&h, addr_port(&a->relay), 7);
	return rc;
}

static size_t chan_frame(uint8_t *f, const struct acct_alloc *a, size_t len)
{
	uint8_t m[2048];

	stun_chdata_put_header(m, 0x4000, (uint16_t)len);
	memset(m + 4, 'c', len);
	return xh_frame(f, xh_mac_client, &a->client, &a->listen, m, 4 + len);
}

static size_t send_frame(uint8_t *f, const struct acct_alloc *a, size_t len)
{
	uint8_t m[2048], data[1024], tid[STUN_TID_LEN] = {1, 2, 3};
	struct stun_enc e;
	int n;

	memset(data, 's', len);
	stun_enc_init(&e, m, sizeof(m), STUN_METHOD_SEND, STUN_CLASS_INDICATION, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a->peer);
	stun_enc_put(&e, STUN_ATTR_DATA, data, len);
	n = stun_enc_finish(&e);
	return n > 0 ? xh_frame(f, xh_mac_client, &a->client, &a->listen, m, (size_t)n) : 0;
}

/* A datagram of len bytes from the peer's port (its own: over the channel; another: a Data
 * indication). */
static size_t peer_frame(uint8_t *f, const struct acct_alloc *a, uint16_t port, size_t len)
{
	uint8_t d[2048];
	struct addr from = a->peer;

	memset(d, 'p', len);
	addr_set_port(&from, port);
	return xh_frame(f, xh_mac_peer, &from, &a->relay, d, len);
}

static int run(const uint8_t *f, size_t n, uint8_t *out, size_t *out_len)
{
	return xh_run(&h, f, n, out, 4096, out_len);
}

static bool acct_eq(const struct tern_xdp_acct *s, uint64_t pp, uint64_t bp, uint64_t pc,
		    uint64_t bc)
{
	return s->pkts_to_peer == pp && s->bytes_to_peer == bp && s->pkts_to_client == pc &&
	       s->bytes_to_client == bc;
}

/* Relays 3 ChannelData (10, 20, 30 bytes), 1 Send indication (7 bytes), 2 datagrams from the
 * peer's port (100, 1 bytes) and 1 from another port (50 bytes); the relay's slot counts
 * 4 packets / 67 bytes to the peer and 3 / 151 to the client, other slots nothing. */
static void test_counts(const struct acct_alloc *a, const struct addr *other)
{
	static const size_t chan_len[] = {10, 20, 30}, peer_len[] = {100, 1};
	struct tern_xdp_acct s0, s1, o0, o1;
	uint8_t f[4096], out[4096];
	size_t n, out_len;
	int bad = 0;

	CHECK(xh_acct(&h, &a->relay, &s0) == 0 && xh_acct(&h, other, &o0) == 0,
	      "%s: the relay's slot and the other family's are there", a->name);
	for (size_t i = 0; i < 3; i++) {
		n = chan_frame(f, a, chan_len[i]);
		bad += run(f, n, out, &out_len) != XDP_TX;
	}
	n = send_frame(f, a, 7);
	bad += run(f, n, out, &out_len) != XDP_TX;
	for (size_t i = 0; i < 2; i++) {
		n = peer_frame(f, a, addr_port(&a->peer), peer_len[i]);
		bad += run(f, n, out, &out_len) != XDP_TX;
	}
	n = peer_frame(f, a, 6000, 50);
	bad += run(f, n, out, &out_len) != XDP_TX;
	CHECK_EQ_INT(bad, 0, "%s: 7 datagrams forwarded", a->name);
	xh_acct(&h, &a->relay, &s1);
	CHECK(acct_eq(&s1, s0.pkts_to_peer + 4, s0.bytes_to_peer + 67, s0.pkts_to_client + 3,
		      s0.bytes_to_client + 151),
	      "%s: the relay's slot counts 4 packets, 67 bytes to the peer; 3, 151 to the client",
	      a->name);
	xh_acct(&h, other, &o1);
	CHECK(memcmp(&o0, &o1, sizeof(o0)) == 0,
	      "%s: the slot of the same port in the other family is untouched", a->name);
}

/* What is passed is not counted: a ChannelData on an unbound channel, a datagram from a
 * peer without permission. */
static void test_passed_not_counted(const struct acct_alloc *a)
{
	struct tern_xdp_acct s0, s1;
	uint8_t f[4096], m[8], out[4096];
	struct addr stranger;
	size_t n, out_len;
	int act1, act2;

	xh_acct(&h, &a->relay, &s0);
	stun_chdata_put_header(m, 0x4001, 4);
	memcpy(m + 4, "miss", 4);
	n = xh_frame(f, xh_mac_client, &a->client, &a->listen, m, 8);
	act1 = run(f, n, out, &out_len);
	addr_parse(&stranger, addr_family(&a->peer) == AF_INET ? "8.8.4.4" : "2001:4860::4444",
		   5000);
	n = xh_frame(f, xh_mac_peer, &stranger, &a->relay, "nope", 4);
	act2 = run(f, n, out, &out_len);
	xh_acct(&h, &a->relay, &s1);
	CHECK(act1 == XDP_PASS && act2 == XDP_PASS && memcmp(&s0, &s1, sizeof(s0)) == 0,
	      "%s: passed datagrams (map misses) are not counted", a->name);
}

/* Runs f (n bytes), expecting it passed untouched as throttled. */
static bool passed_throttled(const uint8_t *f, size_t n)
{
	uint64_t thr = xh_stat(&h, TERN_XDP_PASS_THROTTLED);
	uint8_t out[4096];
	size_t out_len = 0;
	int act = run(f, n, out, &out_len);

	return act == XDP_PASS && out_len == n && memcmp(out, f, n) == 0 &&
	       xh_stat(&h, TERN_XDP_PASS_THROTTLED) == thr + 1;
}

/* A throttled slot: every direction passed untouched (counted as throttled, not in the
 * slot, not on the entries); cleared: relayed and counted again. */
static void test_throttle(const struct acct_alloc *a)
{
	struct tern_xdp_acct s0, s1, thr;
	struct tern_xdp_to_peer e0, e1;
	uint8_t f[4][4096], out[4096];
	size_t n[4], out_len;
	int ok = 1, fwd = 0;

	n[0] = chan_frame(f[0], a, 12);
	n[1] = send_frame(f[1], a, 13);
	n[2] = peer_frame(f[2], a, addr_port(&a->peer), 14);
	n[3] = peer_frame(f[3], a, 6001, 15);
	xh_acct(&h, &a->relay, &s0);
	xh_get_chan(&h, &a->client, &a->listen, 0x4000, &e0);
	thr = s0;
	thr.flags = TERN_XDP_F_THROTTLED;
	CHECK_EQ_INT(xh_acct_set(&h, &a->relay, &thr), 0, "%s: the relay's slot throttled",
		     a->name);
	for (int i = 0; i < 4; i++)
		ok = ok && passed_throttled(f[i], n[i]);
	CHECK(ok,
	      "%s: ChannelData, Send, channel and Data traffic of a throttled relay: passed "
	      "untouched, counted as throttled",
	      a->name);
	xh_acct(&h, &a->relay, &s1);
	xh_get_chan(&h, &a->client, &a->listen, 0x4000, &e1);
	CHECK(acct_eq(&s1, s0.pkts_to_peer, s0.bytes_to_peer, s0.pkts_to_client,
		      s0.bytes_to_client) &&
		      e1.pkts == e0.pkts,
	      "%s: nothing counted in the slot or on the entry while throttled", a->name);
	thr.flags = 0;
	xh_acct_set(&h, &a->relay, &thr);
	for (int i = 0; i < 4; i++)
		fwd += run(f[i], n[i], out, &out_len) == XDP_TX;
	xh_acct(&h, &a->relay, &s1);
	CHECK(fwd == 4 && acct_eq(&s1, s0.pkts_to_peer + 2, s0.bytes_to_peer + 25,
				  s0.pkts_to_client + 2, s0.bytes_to_client + 29),
	      "%s: the flag cleared, all 4 relayed and counted again", a->name);
}

int main(void)
{
	struct acct_alloc v4 = {.name = "v4"}, v6 = {.name = "v6 (same relay port)"},
			  mixed = {.name = "v4 client, v6 relay"};
	struct addr other;
	char why[160];

	if (xh_open(&h, why, sizeof(why)) < 0) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	addr_parse(&v4.client, "192.0.2.10", 40000);
	addr_parse(&v4.listen, "192.0.2.1", 3478);
	addr_parse(&v4.relay, "203.0.113.1", 50000);
	addr_parse(&v4.peer, "8.8.8.8", 5000);
	addr_parse(&v6.client, "2001:db8::10", 40000);
	addr_parse(&v6.listen, "2001:db8::1", 3478);
	addr_parse(&v6.relay, "2001:db8::100", 50000);
	addr_parse(&v6.peer, "2001:4860::8888", 5000);
	mixed.client = v4.client;
	addr_set_port(&mixed.client, 40001);
	mixed.listen = v4.listen;
	addr_parse(&mixed.relay, "2001:db8::100", 50999);
	mixed.peer = v6.peer;
	CHECK(install(&v4) == 0 && install(&v6) == 0 && install(&mixed) == 0,
	      "entries of a v4, a v6 and a mixed allocation installed");
	test_counts(&v4, &v6.relay);
	test_counts(&v6, &v4.relay);
	addr_parse(&other, "203.0.113.1", 50999);
	test_counts(&mixed, &other);
	test_passed_not_counted(&v4);
	test_passed_not_counted(&v6);
	test_throttle(&v4);
	test_throttle(&mixed);
	xh_close(&h);
	return tap_done();
}
