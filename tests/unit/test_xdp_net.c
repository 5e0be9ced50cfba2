/* The fast path's accounting as net/ keeps it (net/fastpath.h, behind the relay ops
 * fast_take and fast_throttle): the fast path attached to a veth by net_fastpath_new, the
 * program run on crafted frames (bpf_prog_test_run_opts, RFC 8656 §12.6, §12.7 traffic).
 * A relay's take is what the kernel relayed since its last take, then zero; a throttled
 * relay's datagrams are passed and not counted; a port reused by a new relay socket does
 * not hand the new allocation its last user's traffic (the baseline read at bind) nor its
 * throttle; a port number is held by one relay socket at a time (another family or relay
 * address on it: user space only), the IPv6 slot apart; without a fast path everything is
 * zero. The program's counters reach net/ (net_fastpath_stats) with their reason names.
 * Skips (TAP) without root or BPF. */
#include "xdp_harness.h"

#include <linux/if_link.h>
#include <unistd.h>

#include "base/log.h"
#include "net/fastpath.h"
#include "net/stats.h"
#include "stun/chdata.h"
#include "tap.h"
#include "xdp_frame.h"

static struct net_fastpath *f;
static int prog_fd = -1, ifx0;

static int run(const uint8_t *in, size_t len)
{
	uint8_t out[4096];
	size_t out_len;

	return xh_run_fd(prog_fd, ifx0, in, len, out, sizeof(out), &out_len);
}

static size_t chan_frame(uint8_t *fr, const struct net_fastpath_alloc *a, uint16_t ch, size_t len)
{
	struct xf_hdr hd = {.src = a->client, .dst = a->listen, .ip_id = 1};
	uint8_t m[2048];

	stun_chdata_put_header(m, ch, (uint16_t)len);
	memset(m + 4, 'c', len);
	memcpy(hd.dmac, xh_mac_srv, 6);
	memcpy(hd.smac, xh_mac_client, 6);
	return xf_build(fr, 4096, &hd, m, 4 + len);
}

static size_t peer_frame(uint8_t *fr, const struct addr *peer, const struct addr *relay, size_t len)
{
	struct xf_hdr hd = {.src = *peer, .dst = *relay, .ip_id = 1};
	uint8_t d[2048];

	memset(d, 'p', len);
	memcpy(hd.dmac, xh_mac_srv, 6);
	memcpy(hd.smac, xh_mac_peer, 6);
	return xf_build(fr, 4096, &hd, d, len);
}

static bool count_is(const struct turn_fast_count *d, uint64_t pp, uint64_t bp, uint64_t pc,
		     uint64_t bc)
{
	return d->pkts_to_peer == pp && d->bytes_to_peer == bp && d->pkts_to_client == pc &&
	       d->bytes_to_client == bc;
}

static int attach(void)
{
	struct net_opts o;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	memset(&o, 0, sizeof(o));
	o.min_port = XH_MIN_PORT;
	o.max_port = XH_MAX_PORT;
	snprintf(o.xdp_if[0], sizeof(o.xdp_if[0]), "%s", XH_IF);
	o.nxdp_if = 1;
	o.xdp_mode = NET_XDP_GENERIC;
	ifx0 = (int)if_nametoindex(XH_IF);
	if (net_fastpath_new(&o, &f) < 0 || f == NULL)
		return -1;
	if (bpf_xdp_query(ifx0, 0, &q) < 0 || q.prog_id == 0)
		return -1;
	prog_fd = bpf_prog_get_fd_by_id(q.prog_id);
	return prog_fd < 0 ? -1 : 0;
}

/* Allocation A on relay port 50000 relays 3 ChannelData (10 bytes) and 2 datagrams back
 * (5 bytes); throttled, then closed with the throttle still on; allocation B reuses the
 * port. */
static void test_take_and_reuse(void)
{
	struct net_fastpath_alloc a = {0}, b = {0};
	struct turn_fast_count seen_a, seen_b, seen6, d;
	struct addr peer, relay6;
	uint8_t fr[4096], back[4096];
	size_t n, nb;
	int tx = 0;

	addr_parse(&a.client, "192.0.2.10", 40000);
	addr_parse(&a.listen, "192.0.2.1", 3478);
	addr_parse(&a.relay, "203.0.113.1", 50000);
	addr_parse(&peer, "8.8.8.8", 5000);
	a.gen = net_fastpath_relay_start(f, &a.relay, &seen_a);
	CHECK(a.gen != 0 && count_is(&seen_a, 0, 0, 0, 0) &&
		      net_fastpath_chan(f, &a, 0x4000, &peer, true) == 0,
	      "relay A on port 50000 joins the fast path (baseline zero), a channel installed");
	n = chan_frame(fr, &a, 0x4000, 10);
	nb = peer_frame(back, &peer, &a.relay, 5);
	for (int i = 0; i < 3; i++)
		tx += run(fr, n) == XDP_TX;
	for (int i = 0; i < 2; i++)
		tx += run(back, nb) == XDP_TX;
	net_fastpath_take(f, &a.relay, &seen_a, &d);
	CHECK(tx == 5 && count_is(&d, 3, 30, 2, 10),
	      "A's take: 3 packets / 30 bytes to the peer, 2 / 10 to the client");
	net_fastpath_take(f, &a.relay, &seen_a, &d);
	CHECK(count_is(&d, 0, 0, 0, 0), "taken again at once: nothing");
	CHECK_EQ_INT(net_fastpath_throttle(f, &a.relay, true), 0, "A throttled (max-bps)");
	CHECK(run(fr, n) == XDP_PASS && run(back, nb) == XDP_PASS,
	      "A's datagrams go to user space, both ways");
	net_fastpath_take(f, &a.relay, &seen_a, &d);
	CHECK(count_is(&d, 0, 0, 0, 0), "nothing taken while throttled");

	net_fastpath_relay_end(f, &a.relay); /* A's relay socket closes, throttle on */
	b.client = a.client;
	addr_set_port(&b.client, 40001);
	b.listen = a.listen;
	b.relay = a.relay;
	b.gen = net_fastpath_relay_start(f, &b.relay, &seen_b);
	CHECK(b.gen != a.gen && count_is(&seen_b, 3, 30, 2, 10) &&
		      net_fastpath_chan(f, &b, 0x4000, &peer, true) == 0,
	      "relay B reuses port 50000: its baseline is the slot's values (A's traffic)");
	n = chan_frame(fr, &b, 0x4000, 7);
	CHECK(run(fr, n) == XDP_TX, "B's ChannelData relayed: A's throttle did not carry over");
	nb = chan_frame(back, &a, 0x4000, 10);
	CHECK(run(back, nb) == XDP_PASS, "A's ChannelData on its old entry is stale: passed");
	net_fastpath_take(f, &b.relay, &seen_b, &d);
	CHECK(count_is(&d, 1, 7, 0, 0), "B's take: its own packet only (1 / 7 bytes)");
	addr_parse(&relay6, "2001:db8::100", 50000);
	CHECK(net_fastpath_relay_start(f, &relay6, &seen6) == 0,
	      "an IPv6 relay bound to port 50000 while B holds it: user space only (gen 0)");
	net_fastpath_relay_end(f, &b.relay);
	CHECK(run(fr, n) == XDP_PASS, "B closed: its entries are stale");
	net_fastpath_chan(f, &b, 0x4000, &peer, false);
	CHECK(net_fastpath_relay_start(f, &relay6, &seen6) != 0 && count_is(&seen6, 0, 0, 0, 0),
	      "then the IPv6 relay on port 50000 joins, its own slot (nothing in it)");
	net_fastpath_take(f, &relay6, &seen6, &d);
	CHECK(count_is(&d, 0, 0, 0, 0), "... and takes nothing of the IPv4 relays' traffic");
	net_fastpath_relay_end(f, &relay6);
}

static void test_stats(void)
{
	struct net_xdp_stats s;

	CHECK(net_fastpath_stats(f, &s) == 0 && s.forwarded == 6 &&
		      s.passed[TERN_XDP_PASS_THROTTLED - 1] == 2 &&
		      s.passed[TERN_XDP_PASS_STALE - 1] == 2,
	      "the program's counters: 6 forwarded, 2 passed throttled, 2 stale");
	CHECK(strcmp(net_xdp_reason_name(TERN_XDP_PASS_THROTTLED - 1), "throttled") == 0 &&
		      strcmp(net_xdp_reason_name(TERN_XDP_PASS_MALFORMED - 1), "malformed") == 0 &&
		      strcmp(net_xdp_reason_name(TERN_XDP_PASS_NO_ROUTE - 1), "no_route") == 0,
	      "reason names in the program's order");
}

static void test_none(void)
{
	struct turn_fast_count seen = {1, 1, 1, 1}, d = {1, 1, 1, 1};
	struct net_xdp_stats s;
	struct addr relay;

	addr_parse(&relay, "203.0.113.1", 50000);
	CHECK(net_fastpath_relay_start(NULL, &relay, &seen) == 0 && count_is(&seen, 0, 0, 0, 0),
	      "no fast path: generation 0, baseline zero");
	net_fastpath_take(NULL, &relay, &seen, &d);
	CHECK(count_is(&d, 0, 0, 0, 0) &&
		      net_fastpath_throttle(NULL, &relay, true) == -EOPNOTSUPP &&
		      net_fastpath_stats(NULL, &s) == -EOPNOTSUPP,
	      "no fast path: nothing taken, no throttle, no counters");
}

int main(void)
{
	char why[160];

	log_set_level(LOG_LVL_WARN);
	if (xh_netns(why, sizeof(why)) < 0) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	if (attach() < 0) {
		printf("1..0 # SKIP cannot load or attach the XDP program\n");
		net_fastpath_free(f);
		return 0;
	}
	test_take_and_reuse();
	test_stats();
	test_none();
	close(prog_fd);
	net_fastpath_free(f);
	return tap_done();
}
