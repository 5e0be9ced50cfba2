/* Differential tests of the XDP fast path (src/xdp/tern.bpf.c): the same crafted frame
 * goes through the user-space relay (turn/, with the fakes of test_turn_fake.h) and through
 * the XDP program (bpf_prog_test_run_opts); the frame the program emits must be, byte for
 * byte, the frame that carries what user space sent: for ChannelData both ways (padded and
 * not, RFC 8656 §12.5-§12.7), Send indications (§11.2; with and without a FINGERPRINT,
 * RFC 8489 §14.7, as Firefox sends them) and Data indications (§11.3), with
 * IPv4, IPv6 and mixed-family allocations. Entry counters, the IPv4 identification (the
 * entry's packet count) and Data indications' transaction ids (the same sequence as user
 * space's) are checked along. Skips (TAP) without root or BPF. */
#include "xdp_harness.h"

#include "stun/chdata.h"
#include "test_turn_fake.h"
#include "turn/core.h"
#include "xdp_frame.h"

#define PEER_PORT 5000

struct scen {
	const char *name;
	const char *client, *listen; /* IP addresses; ports 40000 and 3478 */
	int relay_family;
	const char *peer; /* IP address */
};

static const struct scen scens[] = {
	{"v4", "192.0.2.10", "192.0.2.1", AF_INET, "8.8.8.8"},
	{"v6", "2001:db8::10", "2001:db8::1", AF_INET6, "2001:4860::8888"},
	{"v4 client, v6 peer", "192.0.2.10", "192.0.2.1", AF_INET6, "2001:4860::8888"},
	{"v6 client, v4 peer", "2001:db8::10", "2001:db8::1", AF_INET, "8.8.8.8"},
};

static struct xh h;
static struct t_env t;
static const struct scen *sc;
static struct addr relay, peer; /* the allocation's relayed address; the channel's peer */
/* The channel: RFC 8656's range, then RFC 5766's upper part, which Tern accepts too. */
static uint16_t chan_num = 0x4001;

static int t_allocate_family(int family)
{
	struct stun_enc e;

	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
			 (uint32_t)(family == AF_INET6 ? STUN_FAMILY_IPV6 : STUN_FAMILY_IPV4)
				 << 24);
	return t_send(&t, &e, false);
}

/* The entries the worker owning the allocation installs once ChannelBind (§11.1) and the
 * permission it implies have succeeded. */
static int install(void)
{
	struct tern_xdp_to_peer tp = {.gen = 1};
	struct tern_xdp_to_client tc = {.gen = 1, .channel = chan_num};
	struct addr any;
	int rc = 0;

	xdp_fast_ep(&tp.relay, &relay);
	xdp_fast_ep(&tp.peer, &peer);
	xdp_fast_ep(&tc.listen, &t.local);
	xdp_fast_ep(&tc.client, &t.src);
	rc |= xh_put_chan(&h, &t.src, &t.local, chan_num, &tp);
	rc |= xh_put_perm(&h, &t.src, &t.local, &peer, &tp);
	rc |= xh_put_peer(&h, &relay, &peer, &tc);
	tc.channel = 0;
	tc.tid_seq = t.s->tid_seq;
	memcpy(tc.tid_salt, t.s->tid_salt, 4);
	any = peer;
	addr_set_port(&any, 0);
	rc |= xh_put_peer(&h, &relay, &any, &tc);
	rc |= xh_set_gen(&h, addr_port(&relay), 1);
	return rc;
}

static int scen_start(const struct scen *s)
{
	sc = s;
	t_init(&t);
	t.cfg.no_auth = true;
	addr_parse(&t.src, s->client, 40000);
	addr_parse(&t.local, s->listen, 3478);
	fake_conn_init(&t.dgram, &fake_dgram_ops, &t.local, NULL);
	t.conn = &t.dgram;
	t_start(&t);
	if (t_allocate_family(s->relay_family) != 0)
		return -1;
	relay = t.net.r[0].relayed;
	addr_parse(&peer, s->peer, PEER_PORT);
	if (t_channel_bind(&t, chan_num, s->peer, PEER_PORT) != 0)
		return -1;
	return install();
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* Runs in through XDP and checks the result is exactly want (want_len bytes, XDP_TX). */
static void check_xdp(const uint8_t *in, size_t in_len, const uint8_t *want, size_t want_len,
		      const char *what)
{
	uint64_t fwd = xh_stat(&h, TERN_XDP_FORWARDED);
	uint8_t out[4096];
	size_t out_len = 0;
	int act = xh_run(&h, in, in_len, out, sizeof(out), &out_len);

	CHECK(act == XDP_TX && xh_stat(&h, TERN_XDP_FORWARDED) == fwd + 1,
	      "%s, %s: XDP transmits it and counts it", sc->name, what);
	if (act != XDP_TX)
		printf("#   action %d\n", act);
	CHECK(out_len == want_len && memcmp(out, want, want_len) == 0,
	      "%s, %s: the frame is the user-space relay's, byte for byte (%zu bytes)", sc->name,
	      what, want_len);
	if (out_len != want_len)
		printf("#   got %zu bytes, want %zu\n", out_len, want_len);
	if (act == XDP_PASS)
		for (uint32_t r = 1; r < TERN_XDP_NSTATS; r++)
			if (xh_stat(&h, r) != 0)
				printf("#   passed for reason %u: %llu so far\n", r,
				       (unsigned long long)xh_stat(&h, r));
}

/* §12.6: ChannelData of len bytes from the client (pad bytes after it, non-zero). */
static void test_chan_to_peer(size_t len, size_t pad, size_t eth_pad)
{
	struct xf_hdr in_h = {.src = t.src, .dst = t.local, .ip_id = 0x1234, .ip_frag = 0x4000};
	struct xf_hdr out_h = {.src = relay, .ip_frag = 0};
	uint8_t msg[2048], in[4096], want[4096];
	struct tern_xdp_to_peer before, after;
	size_t in_len, want_len;
	int sends = t.net.sends;
	char what[96];

	snprintf(what, sizeof(what), "ChannelData of %zu bytes, %zu after it%s to the peer", len,
		 pad, eth_pad ? ", in a padded Ethernet frame," : "");
	stun_chdata_put_header(msg, chan_num, (uint16_t)len);
	fill(msg + 4, len, (unsigned)len);
	memset(msg + 4 + len, 0xa5, pad);
	memcpy(t.req, msg, 4 + len + pad);
	t.req_len = (int)(4 + len + pad);
	t_run(&t);
	CHECK(t.net.sends == sends + 1 && addr_eq(&t.net.last_peer, &peer) && t.net.last_len == len,
	      "%s, %s: user space relays it", sc->name, what);
	memcpy(in_h.dmac, xh_mac_srv, 6);
	memcpy(in_h.smac, xh_mac_client, 6);
	in_len = xf_build(in, sizeof(in), &in_h, msg, 4 + len + pad);
	memset(in + in_len, 0, eth_pad);
	xh_get_chan(&h, &t.src, &t.local, chan_num, &before);
	memcpy(out_h.dmac, xh_mac_peer, 6);
	memcpy(out_h.smac, xh_mac_srv, 6);
	out_h.dst = t.net.last_peer;
	out_h.ip_id = (uint16_t)before.pkts;
	want_len = xf_build(want, sizeof(want), &out_h, t.net.last_data, t.net.last_len);
	check_xdp(in, in_len + eth_pad, want, want_len, what);
	xh_get_chan(&h, &t.src, &t.local, chan_num, &after);
	CHECK(after.pkts == before.pkts + 1 && after.bytes == before.bytes + len,
	      "%s, %s: the entry counts 1 packet, %zu bytes", sc->name, what, len);
}

/* §11.2: a Send indication of XOR-PEER-ADDRESS (the peer's address, port) and DATA, then
 * FINGERPRINT when fp. */
static void test_send_to_peer(size_t len, uint16_t port, bool fp)
{
	struct xf_hdr in_h = {.src = t.src, .dst = t.local, .ip_id = 7, .ip_frag = 0};
	struct xf_hdr out_h = {.src = relay};
	uint8_t data[2048], in[4096], want[4096], tid[STUN_TID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct tern_xdp_to_peer before, after;
	size_t in_len, want_len;
	int sends = t.net.sends, n;
	struct stun_enc e;
	struct addr to = peer;
	char what[96];

	snprintf(what, sizeof(what), "Send indication of %zu bytes%s to port %u", len,
		 fp ? " with FINGERPRINT" : "", port);
	addr_set_port(&to, port);
	fill(data, len, (unsigned)len + 1);
	stun_enc_init(&e, t.req, sizeof(t.req), STUN_METHOD_SEND, STUN_CLASS_INDICATION, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &to);
	stun_enc_put(&e, STUN_ATTR_DATA, data, len);
	if (fp)
		stun_enc_put_fingerprint(&e);
	n = stun_enc_finish(&e);
	t.req_len = n;
	t_run(&t);
	CHECK(n > 0 && t.net.sends == sends + 1 && addr_eq(&t.net.last_peer, &to) &&
		      t.net.last_len == len,
	      "%s, %s: user space relays it", sc->name, what);
	memcpy(in_h.dmac, xh_mac_srv, 6);
	memcpy(in_h.smac, xh_mac_client, 6);
	in_len = xf_build(in, sizeof(in), &in_h, t.req, (size_t)n);
	memcpy(out_h.dmac, xh_mac_peer, 6);
	memcpy(out_h.smac, xh_mac_srv, 6);
	out_h.dst = t.net.last_peer;
	xh_get_perm(&h, &t.src, &t.local, &to, &before);
	out_h.ip_id = (uint16_t)before.pkts;
	want_len = xf_build(want, sizeof(want), &out_h, t.net.last_data, t.net.last_len);
	check_xdp(in, in_len, want, want_len, what);
	xh_get_perm(&h, &t.src, &t.local, &to, &after);
	CHECK(after.pkts == before.pkts + 1 && after.bytes == before.bytes + len,
	      "%s, %s: the entry counts 1 packet, %zu bytes", sc->name, what, len);
}

/* §11.3, §12.7: len bytes from the peer at port: over the channel from PEER_PORT, else in a
 * Data indication. */
static void test_peer_to_client(size_t len, uint16_t port)
{
	struct xf_hdr in_h = {.dst = relay, .ip_id = 99, .ip_frag = 0};
	struct xf_hdr out_h = {.src = t.local, .dst = t.src, .ip_frag = 0x4000};
	uint8_t data[2048], in[4096], want[4096];
	struct tern_xdp_to_client before, after;
	struct t_peer_buf pb;
	struct addr from = peer, key = peer;
	const uint8_t *msg = NULL;
	size_t in_len, want_len;
	char what[96];
	int n;

	snprintf(what, sizeof(what), "%zu bytes from the peer's port %u to the client", len, port);
	addr_set_port(&from, port);
	if (port != PEER_PORT)
		addr_set_port(&key, 0);
	fill(data, len, (unsigned)len + 2);
	n = t_peer_send(&t, &pb, sc->peer, port, data, len, &msg);
	CHECK(n > 0 && t.to != NULL, "%s, %s: user space relays it", sc->name, what);
	if (n <= 0)
		return;
	in_h.src = from;
	memcpy(in_h.dmac, xh_mac_srv, 6);
	memcpy(in_h.smac, xh_mac_peer, 6);
	in_len = xf_build(in, sizeof(in), &in_h, data, len);
	xh_get_peer(&h, &relay, &key, &before);
	memcpy(out_h.dmac, xh_mac_client, 6);
	memcpy(out_h.smac, xh_mac_srv, 6);
	out_h.ip_id = (uint16_t)before.pkts;
	want_len = xf_build(want, sizeof(want), &out_h, msg, (size_t)n);
	check_xdp(in, in_len, want, want_len, what);
	xh_get_peer(&h, &relay, &key, &after);
	CHECK(after.pkts == before.pkts + 1 && after.bytes == before.bytes + len,
	      "%s, %s: the entry counts 1 packet, %zu bytes", sc->name, what, len);
}

static void run_scen(const struct scen *s)
{
	if (scen_start(s) != 0) {
		CHECK(0, "%s: allocation, channel and entries set up", s->name);
		return;
	}
	test_chan_to_peer(100, 0, 0);
	test_chan_to_peer(101, 3, 0);
	test_chan_to_peer(1, 3, 0);
	test_chan_to_peer(2, 2, 0);
	test_chan_to_peer(1, 0, 20);
	test_send_to_peer(57, PEER_PORT, false);
	test_send_to_peer(64, 6000, false);
	test_send_to_peer(57, PEER_PORT, true);
	test_send_to_peer(64, 6000, true);
	test_send_to_peer(1200, 6002, true);
	test_send_to_peer(1201, 6003, true);
	test_peer_to_client(100, PEER_PORT);
	test_peer_to_client(33, PEER_PORT);
	test_peer_to_client(45, 5002);
	test_peer_to_client(100, 5003);
	test_peer_to_client(2, 5002);
	test_peer_to_client(1200, 5004);
	for (size_t len = 0; len < 8; len++) {
		test_chan_to_peer(len, (4 - len % 4) % 4, 0);
		test_send_to_peer(len, 6001, false);
		test_send_to_peer(len, 6001, true);
		test_peer_to_client(len, PEER_PORT);
		test_peer_to_client(len, 5005);
	}
	t_stop(&t);
}

int main(void)
{
	char why[160];

	if (xh_open(&h, why, sizeof(why)) < 0) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	for (size_t i = 0; i < sizeof(scens) / sizeof(scens[0]); i++)
		run_scen(&scens[i]);
	chan_num = 0x7ffe;
	run_scen(&scens[0]);
	run_scen(&scens[1]);
	xh_close(&h);
	return tap_done();
}
