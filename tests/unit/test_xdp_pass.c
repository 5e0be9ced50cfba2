/* The XDP fast path (src/xdp/tern.bpf.c) passes to the stack, untouched, everything it is
 * not sure about, and counts why (enum tern_xdp_stat): frames it cannot parse, VLAN,
 * non-IP, fragments, IPv4 options, IPv6 extension headers, non-UDP, inconsistent lengths
 * and checksums, IPv4 without a UDP checksum, what is neither ChannelData nor a Send
 * indication of the shape it relays (RFC 8656 §11.2, §12.4: XOR-PEER-ADDRESS, DATA and
 * maybe FINGERPRINT, last), a FINGERPRINT that does not match (RFC 8489 §14.7),
 * DONT-FRAGMENT (§11.2: user space sets DF), map misses, stale generations (a reused relay port),
 * throttled allocations (max-bps), results over the entry's or the route's MTU, and destinations
 * without a route or neighbour. Every reason is exercised; each case checks XDP_PASS, the
 * frame byte for byte, and that exactly its reason's counter moved. Skips (TAP) without
 * root or BPF. */
#include "xdp_harness.h"

#include "stun/chdata.h"
#include "stun/enc.h"
#include "stun/integrity.h"
#include "stun/stun.h"
#include "tap.h"
#include "xdp_frame.h"

static struct xh h;
static bool covered[TERN_XDP_NSTATS];
static struct addr client, listen_a, relay, peer, client6, listen6, relay6, peer6;

static const char *const reason_names[TERN_XDP_NSTATS] = {
	"forwarded", "malformed", "vlan",    "not-ip",	 "fragment",   "ip-options",	"ipv6-ext",
	"not-udp",   "bad-len",	  "no-csum", "not-turn", "send-shape", "dont-fragment", "miss",
	"stale",     "throttled", "mtu",     "no-route", "fingerprint"};

/* Runs frame f (n bytes) and checks it is passed untouched, counted under reason only. */
static void check_pass(const uint8_t *f, size_t n, uint32_t reason, const char *what)
{
	uint64_t before[TERN_XDP_NSTATS], moved = 0;
	uint8_t out[4096];
	size_t out_len = 0;
	int act;

	for (uint32_t r = 0; r < TERN_XDP_NSTATS; r++)
		before[r] = xh_stat(&h, r);
	act = xh_run(&h, f, n, out, sizeof(out), &out_len);
	CHECK_EQ_INT(act, XDP_PASS, "%s: passed to the stack", what);
	CHECK(out_len == n && memcmp(out, f, n) == 0, "%s: the frame is untouched", what);
	for (uint32_t r = 0; r < TERN_XDP_NSTATS; r++)
		if (r != reason)
			moved += xh_stat(&h, r) - before[r];
	CHECK(xh_stat(&h, reason) == before[reason] + 1 && moved == 0,
	      "%s: counted as %s, and only there", what, reason_names[reason]);
	for (uint32_t r = 0; r < TERN_XDP_NSTATS; r++)
		if (xh_stat(&h, r) != before[r] && r != reason)
			printf("#   counted as %s\n", reason_names[r]);
	covered[reason] = true;
}

/* A frame from src to dst carrying payload (IPv4 flags/offset frag). */
static size_t frame(uint8_t *f, const struct addr *src, const struct addr *dst, const void *payload,
		    size_t len, uint16_t frag)
{
	struct xf_hdr hd = {.src = *src, .dst = *dst, .ip_id = 1, .ip_frag = frag};

	memcpy(hd.dmac, xh_mac_srv, 6);
	memcpy(hd.smac, xh_mac_client, 6);
	return xf_build(f, 4096, &hd, payload, len);
}

/* ChannelData on channel ch with len bytes of data and extra bytes after them. */
static size_t chan_frame(uint8_t *f, const struct addr *src, const struct addr *dst, uint16_t ch,
			 size_t len, size_t extra)
{
	uint8_t m[4096];

	stun_chdata_put_header(m, ch, (uint16_t)len);
	memset(m + 4, 'c', len + extra);
	return frame(f, src, dst, m, 4 + len + extra, 0);
}

static void fix_ip4_csum(uint8_t *f)
{
	xf_put16(f + 24, 0);
	xf_put16(f + 24, (uint16_t)~xf_fold(xf_sum(0, f + 14, 20)));
}

/* The installed entries: channels 0x4000-0x4007 of the IPv4 client (good; gen 2 on a port
 * whose gen is 3; throttled; to 9.9.9.9 (no route); to 8.8.4.4 (no neighbour); mtu 100),
 * channel 0x4000 of the IPv6 client, permissions for 8.8.8.8 and 2001:4860::8888, and the
 * peers' entries towards the clients. */
static int install(void)
{
	static const struct {
		uint16_t ch, relay_port, flags, mtu;
		const char *peer;
	} chans[] = {{0x4000, 50000, 0, 0, "8.8.8.8"},
		     {0x4003, 50010, 0, 0, "8.8.8.8"},
		     {0x4004, 50000, TERN_XDP_F_THROTTLED, 0, "8.8.8.8"},
		     {0x4005, 50000, 0, 0, "9.9.9.9"},
		     {0x4006, 50000, 0, 0, "8.8.4.4"},
		     {0x4007, 50000, 0, 100, "8.8.8.8"}};
	struct tern_xdp_to_client tc = {.gen = 1};
	struct tern_xdp_to_peer tp = {.gen = 1};
	struct addr a;
	int rc = 0;

	for (size_t i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
		memset(&tp, 0, sizeof(tp));
		addr_parse(&a, "203.0.113.1", chans[i].relay_port);
		xdp_fast_ep(&tp.relay, &a);
		addr_parse(&a, chans[i].peer, 5000);
		xdp_fast_ep(&tp.peer, &a);
		tp.gen = chans[i].relay_port == 50010 ? 2 : 1;
		tp.flags = chans[i].flags;
		tp.mtu = chans[i].mtu;
		rc |= xh_put_chan(&h, &client, &listen_a, chans[i].ch, &tp);
	}
	tp = (struct tern_xdp_to_peer){.gen = 1};
	xdp_fast_ep(&tp.relay, &relay);
	rc |= xh_put_perm(&h, &client, &listen_a, &peer, &tp);
	xdp_fast_ep(&tp.relay, &relay6);
	xdp_fast_ep(&tp.peer, &peer6);
	rc |= xh_put_chan(&h, &client6, &listen6, 0x4000, &tp);
	rc |= xh_put_perm(&h, &client6, &listen6, &peer6, &tp);
	xdp_fast_ep(&tc.listen, &listen_a);
	xdp_fast_ep(&tc.client, &client);
	addr_parse(&a, "8.8.8.8", 0);
	rc |= xh_put_peer(&h, &relay, &a, &tc);
	addr_parse(&a, "203.0.113.1", 50010);
	rc |= xh_put_peer(&h, &a, &peer, &tc); /* gen 1, the port's is 3 */
	rc |= xh_set_gen(&h, 50000, 1) | xh_set_gen(&h, 50002, 1) | xh_set_gen(&h, 50010, 3);
	return rc;
}

static void test_not_udp_ip(void)
{
	uint8_t f[4096];
	size_t n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);

	check_pass(f, 24, TERN_XDP_PASS_MALFORMED, "IPv4 cut 10 bytes into its header");
	f[12] = 0x81, f[13] = 0x00;
	check_pass(f, n, TERN_XDP_PASS_VLAN, "a VLAN-tagged frame");
	f[12] = 0x08, f[13] = 0x06;
	check_pass(f, n, TERN_XDP_PASS_NOT_IP, "an ARP frame");
	n = frame(f, &client, &listen_a,
		  "\x40\x00\x00\x04"
		  "abcd",
		  8, 0x2000);
	check_pass(f, n, TERN_XDP_PASS_FRAGMENT, "IPv4 with more fragments");
	n = frame(f, &client, &listen_a,
		  "\x40\x00\x00\x04"
		  "abcd",
		  8, 0x0010);
	check_pass(f, n, TERN_XDP_PASS_FRAGMENT, "an IPv4 fragment at offset 128");
	n = chan_frame(f, &client6, &listen6, 0x4000, 20, 0);
	f[20] = 44;
	check_pass(f, n, TERN_XDP_PASS_FRAGMENT, "an IPv6 fragment header");
	f[20] = 0;
	check_pass(f, n, TERN_XDP_PASS_IPV6_EXT, "an IPv6 hop-by-hop header");
	f[20] = 58;
	check_pass(f, n, TERN_XDP_PASS_NOT_UDP, "ICMPv6");
	n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);
	f[14] = 0x46;
	check_pass(f, n, TERN_XDP_PASS_IP_OPTIONS, "IPv4 with options");
	f[14] = 0x45;
	f[23] = 6;
	fix_ip4_csum(f);
	check_pass(f, n, TERN_XDP_PASS_NOT_UDP, "TCP");
}

/* What a sender with checksum offload leaves in the UDP checksum field (CHECKSUM_PARTIAL):
 * the folded sum of the pseudo header of a datagram of ulen bytes, not complemented. */
static uint16_t pseudo_sum(const struct addr *src, const struct addr *dst, size_t ulen)
{
	size_t alen;
	const uint8_t *s = addr_raw(src, &alen), *d = addr_raw(dst, &alen);

	return xf_fold(xf_sum(xf_sum(17 + (uint32_t)ulen, s, alen), d, alen));
}

static void test_lengths(void)
{
	uint8_t f[4096];
	size_t n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);

	f[24] ^= 1;
	check_pass(f, n, TERN_XDP_PASS_BAD_LEN, "a bad IPv4 header checksum");
	n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);
	xf_put16(f + 16, (uint16_t)(20 + 8 + 24 + 10));
	fix_ip4_csum(f);
	check_pass(f, n, TERN_XDP_PASS_BAD_LEN, "an IPv4 total length past the frame");
	n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);
	xf_put16(f + 38, 8 + 24 - 1);
	check_pass(f, n, TERN_XDP_PASS_BAD_LEN, "a UDP length short of the IP length");
	n = chan_frame(f, &client6, &listen6, 0x4000, 20, 0);
	xf_put16(f + 60, 0);
	check_pass(f, n, TERN_XDP_PASS_BAD_LEN, "IPv6 UDP without a checksum");
	n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);
	xf_put16(f + 40, 0);
	check_pass(f, n, TERN_XDP_PASS_NO_CSUM, "IPv4 UDP without a checksum");
	n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);
	xf_put16(f + 40, pseudo_sum(&client, &listen_a, 8 + 24));
	check_pass(
		f, n, TERN_XDP_PASS_NO_CSUM,
		"IPv4 UDP whose checksum a local sender left to offload (the pseudo header's sum)");
	n = chan_frame(f, &client6, &listen6, 0x4000, 20, 0);
	xf_put16(f + 60, pseudo_sum(&client6, &listen6, 8 + 24));
	check_pass(f, n, TERN_XDP_PASS_NO_CSUM, "the same over IPv6");
	n = chan_frame(f, &client, &listen_a, 0x4000, 20, 0);
	xf_put16(f + 44, 21);
	xf_put16(f + 40, 0);
	xf_put16(f + 40, xf_udp_csum(&client, &listen_a, f + 34, 32));
	check_pass(f, n, TERN_XDP_PASS_BAD_LEN, "ChannelData longer than its datagram");
	n = chan_frame(f, &client, &listen_a, 0x4000, 20, 4);
	check_pass(f, n, TERN_XDP_PASS_BAD_LEN, "ChannelData with 4 bytes after it");
}

/* A Send indication in m (2048 bytes) with the given attributes (XOR-PEER-ADDRESS to, DATA
 * of len bytes, DONT-FRAGMENT, SOFTWARE, FINGERPRINT) in the order of the letters of shape:
 * x d f s p. Returns its length, or 0. */
static size_t send_msg(uint8_t *m, const struct addr *to, size_t len, const char *shape)
{
	uint8_t data[1024], tid[STUN_TID_LEN] = {9, 8, 7};
	struct stun_enc e;
	int n;

	memset(data, 's', len);
	stun_enc_init(&e, m, 2048, STUN_METHOD_SEND, STUN_CLASS_INDICATION, tid);
	for (const char *c = shape; *c; c++) {
		if (*c == 'x')
			stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, to);
		else if (*c == 'd')
			stun_enc_put(&e, STUN_ATTR_DATA, data, len);
		else if (*c == 'f')
			stun_enc_put(&e, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
		else if (*c == 's')
			stun_enc_put(&e, STUN_ATTR_SOFTWARE, "tern", 4);
		else
			stun_enc_put_fingerprint(&e);
	}
	n = stun_enc_finish(&e);
	return n > 0 ? (size_t)n : 0;
}

/* send_msg's message from the IPv4 client, in a frame. */
static size_t send_frame(uint8_t *f, const struct addr *to, size_t len, const char *shape)
{
	uint8_t m[2048];
	size_t n = send_msg(m, to, len, shape);

	return n > 0 ? frame(f, &client, &listen_a, m, n, 0) : 0;
}

/* Inserts at off of the message m (n bytes) a FINGERPRINT that matches what precedes it,
 * the header's length counting it. Returns the new length. */
static size_t put_fp_at(uint8_t *m, size_t n, size_t off)
{
	uint32_t v;

	memmove(m + off + 8, m + off, n - off);
	xf_put16(m + 2, (uint16_t)(n + 8 - 20));
	xf_put16(m + off, STUN_ATTR_FINGERPRINT);
	xf_put16(m + off + 2, 4);
	v = stun_fingerprint(m, off);
	xf_put16(m + off + 4, (uint16_t)(v >> 16));
	xf_put16(m + off + 6, (uint16_t)v);
	return n + 8;
}

/* RFC 8489 §14.7: a FINGERPRINT that does not match, and one that is not last, go to user
 * space (which drops them); a good one is relayed (test_xdp_relay). Each frame's UDP
 * checksum is right. */
static void test_fingerprint(void)
{
	uint8_t m[2048], f[4096], out[4096];
	size_t n, out_len = 0;
	uint64_t fwd;
	int act;

	n = send_msg(m, &peer, 10, "xdp");
	m[n - 1] ^= 1;
	n = frame(f, &client, &listen_a, m, n, 0);
	check_pass(f, n, TERN_XDP_PASS_FINGERPRINT, "Send: a FINGERPRINT one bit off");
	n = send_msg(m, &peer, 10, "xdp");
	m[n - 12] ^= 0x80;
	n = frame(f, &client, &listen_a, m, n, 0);
	check_pass(f, n, TERN_XDP_PASS_FINGERPRINT, "Send: data changed under its FINGERPRINT");
	n = send_msg(m, &peer, 10, "xdp");
	m[9] ^= 1;
	n = frame(f, &client, &listen_a, m, n, 0);
	check_pass(f, n, TERN_XDP_PASS_FINGERPRINT,
		   "Send: transaction id changed under FINGERPRINT");
	n = send_msg(m, &peer6, 1000, "xdp");
	m[n - 4] ^= 0xff;
	n = frame(f, &client6, &listen6, m, n, 0);
	check_pass(f, n, TERN_XDP_PASS_FINGERPRINT, "Send (IPv6): a wrong FINGERPRINT");
	n = send_msg(m, &peer6, 0, "xdp");
	m[n - 4] ^= 0xff;
	n = frame(f, &client6, &listen6, m, n, 0);
	check_pass(f, n, TERN_XDP_PASS_FINGERPRINT, "Send (IPv6) of no data: a wrong FINGERPRINT");
	n = put_fp_at(m, send_msg(m, &peer, 10, "xd"), 20 + 12);
	n = frame(f, &client, &listen_a, m, n, 0);
	check_pass(f, n, TERN_XDP_PASS_SEND_SHAPE, "Send: FINGERPRINT (matching) before DATA");
	n = put_fp_at(m, send_msg(m, &peer, 10, "xd"), 20);
	n = frame(f, &client, &listen_a, m, n, 0);
	check_pass(f, n, TERN_XDP_PASS_SEND_SHAPE, "Send: FINGERPRINT (matching) first");
	n = send_msg(m, &peer, 10, "xdp");
	memcpy(m + n, "\x80\x22\x00\x04tern", 8); /* SOFTWARE after FINGERPRINT */
	xf_put16(m + 2, (uint16_t)(n + 8 - 20));
	n = frame(f, &client, &listen_a, m, n + 8, 0);
	check_pass(f, n, TERN_XDP_PASS_SEND_SHAPE, "Send: an attribute after FINGERPRINT");
	n = send_msg(m, &peer, 10, "xdp");
	xf_put16(m + n - 6, 8); /* FINGERPRINT of 8 bytes: its value and 4 more */
	memset(m + n, 0, 4);
	xf_put16(m + 2, (uint16_t)(n + 4 - 20));
	n = frame(f, &client, &listen_a, m, n + 4, 0);
	check_pass(f, n, TERN_XDP_PASS_SEND_SHAPE, "Send: a FINGERPRINT of 8 bytes");
	n = send_frame(f, &peer, 10, "xdfp");
	check_pass(f, n, TERN_XDP_PASS_DONT_FRAGMENT, "Send: DONT-FRAGMENT, then FINGERPRINT");
	n = put_fp_at(m, send_msg(m, &peer, 10, "xd"), 20 + 12 + 16);
	n = frame(f, &client, &listen_a, m, n, 0);
	fwd = xh_stat(&h, TERN_XDP_FORWARDED);
	act = xh_run(&h, f, n, out, sizeof(out), &out_len);
	CHECK(act == XDP_TX && xh_stat(&h, TERN_XDP_FORWARDED) == fwd + 1 &&
		      out_len == 14 + 20 + 8 + 10,
	      "control: the same FINGERPRINT, built here, last: relayed (%d, %zu bytes)", act,
	      out_len);
}

static void test_not_relayed(void)
{
	uint8_t f[4096], bind[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
	struct addr a;
	size_t n;

	n = frame(f, &client, &listen_a, bind, sizeof(bind), 0);
	check_pass(f, n, TERN_XDP_PASS_NOT_TURN, "a Binding request");
	n = frame(f, &client, &listen_a, "ab", 2, 0);
	check_pass(f, n, TERN_XDP_PASS_NOT_TURN, "2 bytes to a listening port");
	n = chan_frame(f, &client, &listen_a, 0x8000, 20, 0);
	check_pass(f, n, TERN_XDP_PASS_NOT_TURN, "a datagram like ChannelData on 0x8000");
	n = chan_frame(f, &client, &listen_a, 0x5000, 20, 0);
	check_pass(f, n, TERN_XDP_PASS_MISS, "ChannelData on unbound channel 0x5000");
	n = send_frame(f, &peer, 10, "dx");
	check_pass(f, n, TERN_XDP_PASS_SEND_SHAPE, "a Send indication of DATA, XOR-PEER-ADDRESS");
	n = send_frame(f, &peer, 10, "xsd");
	check_pass(f, n, TERN_XDP_PASS_SEND_SHAPE, "a Send indication with SOFTWARE");
	n = send_frame(f, &peer, 10, "xfd");
	check_pass(f, n, TERN_XDP_PASS_DONT_FRAGMENT, "Send: DONT-FRAGMENT before DATA");
	n = send_frame(f, &peer, 10, "xdf");
	check_pass(f, n, TERN_XDP_PASS_DONT_FRAGMENT, "Send: DONT-FRAGMENT after DATA");
	n = send_frame(f, &peer, 10, "fxd");
	check_pass(f, n, TERN_XDP_PASS_DONT_FRAGMENT, "Send: DONT-FRAGMENT first");
	n = send_frame(f, &peer, 10, "xd");
	xf_put16(f + 44, 40);
	xf_put16(f + 40, 0);
	xf_put16(f + 40, xf_udp_csum(&client, &listen_a, f + 34, n - 34));
	check_pass(f, n, TERN_XDP_PASS_BAD_LEN, "a Send indication with a wrong length");
	addr_parse(&a, "1.1.1.1", 53);
	n = send_frame(f, &a, 10, "xd");
	check_pass(f, n, TERN_XDP_PASS_MISS, "a Send indication to a peer without permission");
	n = chan_frame(f, &client, &listen_a, 0x4100, 20, 0);
	check_pass(f, n, TERN_XDP_PASS_MISS, "ChannelData on an unbound channel");
	addr_parse(&a, "8.8.4.4", 5000);
	n = frame(f, &a, &relay, "hello", 5, 0);
	check_pass(f, n, TERN_XDP_PASS_MISS, "a datagram from a peer without an entry");
	addr_parse(&a, "203.0.113.1", 50020);
	n = frame(f, &peer, &a, "hello", 5, 0);
	check_pass(f, n, TERN_XDP_PASS_MISS, "a datagram to a relay port without entries");
}

static void test_entry_refusals(void)
{
	uint8_t f[4096];
	struct addr a;
	size_t n;

	n = chan_frame(f, &client, &listen_a, 0x4003, 20, 0);
	check_pass(f, n, TERN_XDP_PASS_STALE, "ChannelData on an entry of an older generation");
	addr_parse(&a, "203.0.113.1", 50010);
	n = frame(f, &peer, &a, "hello", 5, 0);
	check_pass(f, n, TERN_XDP_PASS_STALE, "a peer's datagram on a reused relay port");
	n = chan_frame(f, &client, &listen_a, 0x4004, 20, 0);
	check_pass(f, n, TERN_XDP_PASS_THROTTLED, "ChannelData of a throttled allocation");
	n = chan_frame(f, &client, &listen_a, 0x4007, 100, 0);
	check_pass(f, n, TERN_XDP_PASS_MTU, "129 bytes over an entry of MTU 100");
	n = chan_frame(f, &client, &listen_a, 0x4000, 1480, 0);
	check_pass(f, n, TERN_XDP_PASS_MTU, "1508 bytes over a route of MTU 1500");
	n = chan_frame(f, &client, &listen_a, 0x4000, TERN_XDP_MAX_DATA + 1, 0);
	check_pass(f, n, TERN_XDP_PASS_MTU, "data longer than TERN_XDP_MAX_DATA");
	n = chan_frame(f, &client, &listen_a, 0x4005, 20, 0);
	check_pass(f, n, TERN_XDP_PASS_NO_ROUTE, "to a peer without a route");
	n = chan_frame(f, &client, &listen_a, 0x4006, 20, 0);
	check_pass(f, n, TERN_XDP_PASS_NO_ROUTE, "to a peer without a neighbour");
}

/* Frames of every kind the program relays, with 1 to 3 random bytes changed (a fixed
 * seed): each is either passed untouched or forwarded with a valid IPv4 header and a UDP
 * checksum that verifies exactly when the received one did; every frame is counted once;
 * a Send indication with FINGERPRINT is forwarded only if its message is unchanged. */
static void test_mutations(void)
{
	struct addr a;
	uint8_t base[7][4096], f[4096], out[4096];
	size_t len[7], out_len = 0;
	uint64_t before = 0, after = 0;
	int bad_pass = 0, bad_fwd = 0, bad_fp = 0, fwd = 0, act;
	unsigned seed = 1;

	len[0] = chan_frame(base[0], &client, &listen_a, 0x4000, 37, 3);
	len[1] = chan_frame(base[1], &client6, &listen6, 0x4000, 40, 0);
	len[2] = send_frame(base[2], &peer, 21, "xd");
	addr_parse(&a, "8.8.8.8", 5000);
	len[3] = frame(base[3], &a, &relay, "0123456789abcdef", 16, 0);
	len[4] = frame(base[4], &a, &relay, "012345678", 9, 0);
	len[5] = chan_frame(base[5], &client, &listen_a, 0x4007, 20, 0);
	len[6] = send_frame(base[6], &peer, 23, "xdp");
	for (uint32_t r = 0; r < TERN_XDP_NSTATS; r++)
		before += xh_stat(&h, r);
	for (int i = 0; i < 3000; i++) {
		int k = i % 7, flips = 1 + (int)(rand_r(&seed) % 3);

		memcpy(f, base[k], len[k]);
		for (int j = 0; j < flips; j++)
			f[rand_r(&seed) % len[k]] ^= (uint8_t)(1 + rand_r(&seed) % 255);
		act = xh_run(&h, f, len[k], out, sizeof(out), &out_len);
		if (act == XDP_PASS) {
			bad_pass += out_len != len[k] || memcmp(out, f, len[k]) != 0;
			continue;
		}
		fwd++;
		bad_fp += k == 6 && memcmp(f + 42, base[6] + 42, len[6] - 42) != 0;
		bad_fwd += act != XDP_TX || !xf_ip_ok(out) ||
			   xf_udp_ok(out, out_len) != xf_udp_ok(f, len[k]);
	}
	for (uint32_t r = 0; r < TERN_XDP_NSTATS; r++)
		after += xh_stat(&h, r);
	CHECK_EQ_INT(bad_pass, 0, "3000 mutated frames: what is passed is untouched");
	CHECK(fwd > 100 && bad_fwd == 0,
	      "what is forwarded (%d) has a valid IPv4 header, its UDP checksum as good as the "
	      "received one's",
	      fwd);
	CHECK_EQ_INT(after - before, 3000, "every frame counted once");
	CHECK_EQ_INT(bad_fp, 0, "no Send indication changed under its FINGERPRINT is forwarded");
}

int main(void)
{
	char why[160];
	int missing = 0;

	if (xh_open(&h, why, sizeof(why)) < 0) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	addr_parse(&client, "192.0.2.10", 40000);
	addr_parse(&listen_a, "192.0.2.1", 3478);
	addr_parse(&relay, "203.0.113.1", 50000);
	addr_parse(&peer, "8.8.8.8", 5000);
	addr_parse(&client6, "2001:db8::10", 40000);
	addr_parse(&listen6, "2001:db8::1", 3478);
	addr_parse(&relay6, "2001:db8::100", 50002);
	addr_parse(&peer6, "2001:4860::8888", 5000);
	CHECK_EQ_INT(install(), 0, "entries installed");
	test_not_udp_ip();
	test_lengths();
	test_not_relayed();
	test_entry_refusals();
	test_fingerprint();
	test_mutations();
	for (uint32_t r = 1; r < TERN_XDP_NSTATS; r++)
		if (!covered[r]) {
			printf("# reason %s not exercised\n", reason_names[r]);
			missing++;
		}
	CHECK_EQ_INT(missing, 0, "every pass reason is exercised");
	xh_close(&h);
	return tap_done();
}
