/* Tern's XDP fast path (RFC 8656 §11, §12): relays UDP between clients and peers for the
 * allocations user space has entered into the maps (xdp/xdp_maps.h), and passes everything
 * else, unchanged, to the stack, where the relay sockets handle it. Never drops.
 *   client -> peer: ChannelData (§12.6) or a Send indication of XOR-PEER-ADDRESS and DATA
 *                   only, optionally then FINGERPRINT, verified (§11.2; RFC 8489 §14.7:
 *                   Firefox's shape) -> the peer's datagram from the relay address;
 *   peer -> client: a datagram to a relay port -> ChannelData when a channel is bound
 *                   (§12.7), else a Data indication (§11.3) of XOR-PEER-ADDRESS and DATA,
 *                   as turn/data.c builds them (no FINGERPRINT, not padded ChannelData).
 * The output leaves through the interface and neighbour bpf_fib_lookup() finds (XDP_TX or
 * bpf_redirect); the UDP checksum is updated from the received one (so a datagram with a
 * bad checksum leaves with a bad checksum), the IPv4 header checksum computed. IP headers
 * as the relay sockets' would be: TTL/hop limit 64, DF towards clients and not towards peers
 * (net/relay.c: IP_PMTUDISC_DONT without DONT-FRAGMENT), the IPv4 identification the entry's
 * packet count. Each relay socket's slot in tern_acct counts what was forwarded through it
 * (user space folds it into its accounting) and may hold the allocation in user space
 * (max-bps: throttled). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdp/xdp_crc.h"
#include "xdp/xdp_maps.h"
#include "xdp/xdp_pkt.h"

#define AF_INET	 2
#define AF_INET6 10

#define STUN_COOKIE    0x2112A442u
#define STUN_SEND_IND  0x0016
#define STUN_DATA_IND  0x0017
#define STUN_XOR_PEER  0x0012
#define STUN_DATA      0x0013
#define STUN_DONT_FRAG 0x001A
#define STUN_FP	       0x8028
#define IND_HDR(xl)    (20 + 4 + (xl) + 4) /* STUN header, XOR-PEER-ADDRESS, DATA header */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TERN_XDP_MAX_ENTRIES);
	__type(key, struct tern_xdp_chan_key);
	__type(value, struct tern_xdp_to_peer);
} tern_chan SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TERN_XDP_MAX_ENTRIES);
	__type(key, struct tern_xdp_perm_key);
	__type(value, struct tern_xdp_to_peer);
} tern_perm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TERN_XDP_MAX_ENTRIES);
	__type(key, struct tern_xdp_peer_key);
	__type(value, struct tern_xdp_to_client);
} tern_peer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} tern_gen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tern_xdp_cfg);
} tern_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TERN_XDP_NSTATS);
	__type(key, __u32);
	__type(value, __u64);
} tern_stats SEC(".maps");

/* Sized by the loader before load (TERN_XDP_ACCT_SLOTS of the relay ports); user space
 * reads and flags the slots through a shared mapping (BPF_F_MMAPABLE), no system call. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 * 65536);
	__type(key, __u32);
	__type(value, struct tern_xdp_acct);
} tern_acct SEC(".maps");

/* Where the output goes: addresses, ports, sizes and the sum of the data it carries. */
struct xdp_out {
	const struct tern_xdp_ep *src, *dst;
	__u32 doff; /* offset of the data in the received frame */
	__u32 dlen; /* data length */
	__u32 pre;  /* bytes before the data in the UDP payload (0, 4, 36 or 48) */
	__u32 pad;  /* zero bytes after the data */
	__u64 dsum; /* ones' complement sum of the data (16-bit) */
	__u16 mtu;
	__u16 id;   /* IPv4 identification */
	__u16 frag; /* IPv4 flags (DF or 0) */
};

static __always_inline void stat_add(__u32 k)
{
	__u64 *c = bpf_map_lookup_elem(&tern_stats, &k);

	if (c)
		*c += 1;
}

static __always_inline int pass(__u32 reason)
{
	stat_add(reason);
	return XDP_PASS;
}

/* The accounting slot of the relay socket relay, or NULL (a port outside the range). */
static __always_inline struct tern_xdp_acct *acct_of(const struct tern_xdp_ep *relay)
{
	__u32 zero = 0, port = bpf_ntohs(relay->port), k;
	struct tern_xdp_cfg *cfg = bpf_map_lookup_elem(&tern_cfg, &zero);

	if (cfg == NULL || port < cfg->min_port || port > cfg->max_port)
		return NULL;
	k = TERN_XDP_ACCT_SLOT(relay->family == TERN_XDP_V6, port, cfg->min_port, cfg->max_port);
	return bpf_map_lookup_elem(&tern_acct, &k);
}

/* 0 when an entry of relay socket relay may be used: of its port's generation, neither it
 * nor the relay's slot throttled (max-bps); *acct = the slot (may be NULL). */
static __always_inline int entry_live(const struct tern_xdp_ep *relay, __u32 gen, __u16 flags,
				      struct tern_xdp_acct **acct)
{
	__u32 k = bpf_ntohs(relay->port);
	__u32 *g = bpf_map_lookup_elem(&tern_gen, &k);

	if (g == NULL || *g != gen)
		return -TERN_XDP_PASS_STALE;
	if (flags & TERN_XDP_F_THROTTLED)
		return -TERN_XDP_PASS_THROTTLED;
	*acct = acct_of(relay);
	if (*acct && (*(volatile __u32 *)&(*acct)->flags & TERN_XDP_F_THROTTLED))
		return -TERN_XDP_PASS_THROTTLED;
	return 0;
}

/* The UDP header and payload at offset l4 (IP header of hl bytes): lengths checked. */
static __always_inline int parse_udp(struct xdp_md *ctx, struct xdp_pkt *p, const int hl,
				     __u32 ulen)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + ETH_HDR + hl;
	__u64 pseudo;

	if ((void *)(udp + 1) > end)
		return -TERN_XDP_PASS_MALFORMED;
	if (ulen < UDP_HDR || bpf_ntohs(udp->len) != ulen || data + ETH_HDR + hl + ulen > end)
		return -TERN_XDP_PASS_BAD_LEN;
	if (udp->check == 0)
		return hl == IP4_HDR ? -TERN_XDP_PASS_NO_CSUM : -TERN_XDP_PASS_BAD_LEN;
	/* A sender on this host with checksum offload (CHECKSUM_PARTIAL, e.g. over a veth)
	 * leaves only the pseudo header's sum in the field for a device to finish: the
	 * datagram's checksum is not known here, and updating that sum would send a wrong
	 * one. The stack has what it needs (one datagram in 65535 with a genuine checksum
	 * of that value is passed as well, and relayed by user space). */
	pseudo = csum_pseudo(&p->src, &p->dst, ulen);
	if (get16((const __u8 *)&udp->check) == csum_fold(pseudo))
		return -TERN_XDP_PASS_NO_CSUM;
	p->src.port = udp->source;
	p->dst.port = udp->dest;
	p->len = ulen - UDP_HDR;
	p->neg = pseudo + csum_bytes((const __u8 *)udp, UDP_HDR);
	return 0;
}

static __always_inline int parse_v4(struct xdp_md *ctx, struct xdp_pkt *p)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + ETH_HDR;
	__u32 tot;

	if ((void *)(ip + 1) > end || ip->version != 4)
		return -TERN_XDP_PASS_MALFORMED;
	if (ip->ihl != 5)
		return -TERN_XDP_PASS_IP_OPTIONS;
	if (ip->frag_off & bpf_htons(0x3fff))
		return -TERN_XDP_PASS_FRAGMENT;
	if (ip->protocol != IPPROTO_UDP)
		return -TERN_XDP_PASS_NOT_UDP;
	tot = bpf_ntohs(ip->tot_len);
	if (csum_fold(csum_bytes((const __u8 *)ip, IP4_HDR)) != 0xffff || tot < IP4_HDR)
		return -TERN_XDP_PASS_BAD_LEN;
	p->src.family = p->dst.family = TERN_XDP_V4;
	__builtin_memcpy(p->src.addr, &ip->saddr, 4);
	__builtin_memcpy(p->dst.addr, &ip->daddr, 4);
	return parse_udp(ctx, p, IP4_HDR, tot - IP4_HDR);
}

static __always_inline int parse_v6(struct xdp_md *ctx, struct xdp_pkt *p)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip = data + ETH_HDR;

	if ((void *)(ip + 1) > end || ip->version != 6)
		return -TERN_XDP_PASS_MALFORMED;
	switch (ip->nexthdr) {
	case IPPROTO_UDP:
		break;
	case IPPROTO_FRAGMENT:
		return -TERN_XDP_PASS_FRAGMENT;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case 135: /* Mobility */
	case 139: /* HIP */
	case 140: /* Shim6 */
		return -TERN_XDP_PASS_IPV6_EXT;
	default:
		return -TERN_XDP_PASS_NOT_UDP;
	}
	p->src.family = p->dst.family = TERN_XDP_V6;
	__builtin_memcpy(p->src.addr, &ip->saddr, 16);
	__builtin_memcpy(p->dst.addr, &ip->daddr, 16);
	return parse_udp(ctx, p, IP6_HDR, bpf_ntohs(ip->payload_len));
}

static __always_inline int parse(struct xdp_md *ctx, struct xdp_pkt *p)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return -TERN_XDP_PASS_MALFORMED;
	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP):
		return parse_v4(ctx, p);
	case bpf_htons(ETH_P_IPV6):
		return parse_v6(ctx, p);
	case bpf_htons(ETH_P_8021Q):
	case bpf_htons(ETH_P_8021AD):
		return -TERN_XDP_PASS_VLAN;
	default:
		return -TERN_XDP_PASS_NOT_IP;
	}
}

/* Route lookup for the output: the egress interface and both MAC addresses in *f. */
static __always_inline int out_route(struct xdp_md *ctx, const struct xdp_out *o, __u32 tot,
				     struct bpf_fib_lookup *f)
{
	long r;

	__builtin_memset(f, 0, sizeof(*f));
	f->l4_protocol = IPPROTO_UDP;
	f->sport = o->src->port;
	f->dport = o->dst->port;
	f->tot_len = tot;
	f->ifindex = ctx->ingress_ifindex;
	if (o->dst->family == TERN_XDP_V4) {
		f->family = AF_INET;
		__builtin_memcpy(&f->ipv4_src, o->src->addr, 4);
		__builtin_memcpy(&f->ipv4_dst, o->dst->addr, 4);
	} else {
		f->family = AF_INET6;
		__builtin_memcpy(f->ipv6_src, o->src->addr, 16);
		__builtin_memcpy(f->ipv6_dst, o->dst->addr, 16);
	}
	r = bpf_fib_lookup(ctx, f, sizeof(*f), 0);
	if (r == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return -TERN_XDP_PASS_MTU;
	return r == BPF_FIB_LKUP_RET_SUCCESS ? 0 : -TERN_XDP_PASS_NO_ROUTE;
}

/* Makes the frame head bytes of headers, then len bytes (the data where it lies, then
 * room for padding). On failure the frame is as received. */
static __always_inline int out_resize(struct xdp_md *ctx, __u32 doff, __u32 head, __u32 len)
{
	int dh = (int)doff - (int)head, dt;
	void *data, *end;

	if (bpf_xdp_adjust_head(ctx, dh))
		return -TERN_XDP_PASS_MTU;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	dt = (int)(head + len) - (int)(end - data);
	if (dt != 0 && bpf_xdp_adjust_tail(ctx, dt)) {
		bpf_xdp_adjust_head(ctx, -dh);
		return -TERN_XDP_PASS_MTU;
	}
	return 0;
}

/* Ethernet, IP (hl bytes) and UDP headers (checksum 0) at the frame's start; returns the
 * UDP header, or NULL if the frame is shorter than its headers and pre (cannot happen
 * after out_resize). */
static __always_inline __u8 *out_headers(struct xdp_md *ctx, const struct xdp_out *o,
					 const struct bpf_fib_lookup *f, const int hl,
					 const int pre, __u32 ulen)
{
	__u8 *e = (void *)(long)ctx->data, *ip = e + ETH_HDR, *u = ip + hl;

	if ((void *)(u + UDP_HDR + pre) > (void *)(long)ctx->data_end)
		return NULL;
	__builtin_memcpy(e, f->dmac, 6);
	__builtin_memcpy(e + 6, f->smac, 6);
	put16(e + 12, hl == IP4_HDR ? ETH_P_IP : ETH_P_IPV6);
	if (hl == IP4_HDR) {
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, IP4_HDR + ulen);
		put16(ip + 4, o->id);
		put16(ip + 6, o->frag);
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		put16(ip + 10, 0);
		__builtin_memcpy(ip + 12, o->src->addr, 4);
		__builtin_memcpy(ip + 16, o->dst->addr, 4);
		put16(ip + 10, ~csum_fold(csum_bytes(ip, IP4_HDR)) & 0xffff);
	} else {
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		put16(ip + 4, ulen);
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		__builtin_memcpy(ip + 8, o->src->addr, 16);
		__builtin_memcpy(ip + 24, o->dst->addr, 16);
	}
	__builtin_memcpy(u, &o->src->port, 2);
	__builtin_memcpy(u + 2, &o->dst->port, 2);
	put16(u + 4, ulen);
	put16(u + 6, 0);
	return u;
}

/* What goes before the data towards a client: the ChannelData header (§12.7) or a Data
 * indication's header, XOR-PEER-ADDRESS and DATA's header (§11.3). */
struct xdp_prefix {
	const struct tern_xdp_ep *peer;
	__u16 channel;
	__u8 tid[12];
};

static __always_inline void out_prefix(__u8 *s, const struct xdp_out *o,
				       const struct xdp_prefix *px, const int pre)
{
	const __u8 cookie[4] = {0x21, 0x12, 0xA4, 0x42};
	const int xl = pre - IND_HDR(0);

	if (pre == 4) {
		put16(s, px->channel);
		put16(s + 2, o->dlen);
		return;
	}
	put16(s, STUN_DATA_IND);
	put16(s + 2, pre - 20 + o->dlen + o->pad);
	__builtin_memcpy(s + 4, cookie, 4);
	__builtin_memcpy(s + 8, px->tid, 12);
	put16(s + 20, STUN_XOR_PEER);
	put16(s + 22, xl);
	s[24] = 0;
	s[25] = xl == 8 ? 1 : 2;
	put16(s + 26, bpf_ntohs(px->peer->port) ^ 0x2112);
#pragma unroll
	for (int i = 0; i < xl - 4; i++)
		s[28 + i] = px->peer->addr[i] ^ (i < 4 ? cookie[i] : px->tid[i - 4]);
	put16(s + 24 + xl, STUN_DATA);
	put16(s + 26 + xl, o->dlen);
}

/* Builds the output around the data and sends it: XDP_TX, XDP_REDIRECT, or -reason with
 * the frame untouched. */
static __always_inline int forward(struct xdp_md *ctx, const struct xdp_out *o,
				   const struct xdp_prefix *px, const int hl, const int pre)
{
	__u32 ulen = UDP_HDR + pre + o->dlen + o->pad, c;
	struct bpf_fib_lookup f;
	__u8 *u, *t;
	void *end;
	int r;

	if (o->mtu != 0 && hl + ulen > o->mtu)
		return -TERN_XDP_PASS_MTU;
	r = out_route(ctx, o, hl + ulen, &f);
	if (r < 0)
		return r;
	r = out_resize(ctx, o->doff, ETH_HDR + hl + UDP_HDR + pre, o->dlen + o->pad);
	if (r < 0)
		return r;
	u = out_headers(ctx, o, &f, hl, pre, ulen);
	if (u == NULL)
		return XDP_PASS;
	if (pre != 0)
		out_prefix(u + UDP_HDR, o, px, pre);
	end = (void *)(long)ctx->data_end;
	/* The mask changes nothing (dlen <= TERN_XDP_MAX_DATA): it is a bound the verifier sees. */
	t = u + UDP_HDR + pre + (o->dlen & 0xfff);
	for (__u32 i = 0; i < 3 && i < o->pad; i++) {
		__u8 *b = t + i;

		barrier_var(b);
		if ((void *)(b + 1) > end)
			return XDP_PASS;
		*b = 0;
	}
	c = ~csum_fold(o->dsum + csum_pseudo(o->src, o->dst, ulen) + csum_bytes(u, UDP_HDR + pre));
	put16(u + 6, c & 0xffff ? c & 0xffff : 0xffff);
	if (f.ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(f.ifindex, 0);
}

static __always_inline int forward_to_peer(struct xdp_md *ctx, const struct xdp_out *o)
{
	if (o->src->family != o->dst->family)
		return -TERN_XDP_PASS_MISS;
	if (o->dst->family == TERN_XDP_V4)
		return forward(ctx, o, NULL, IP4_HDR, 0);
	return forward(ctx, o, NULL, IP6_HDR, 0);
}

/* A forwarded datagram of dlen data bytes: on its entry and on its relay's slot a (if any),
 * to the peer or to the client. */
static __always_inline void count(__u64 *pkts, __u64 *bytes, struct tern_xdp_acct *a,
				  const int to_peer, __u32 dlen)
{
	__sync_fetch_and_add(pkts, 1);
	__sync_fetch_and_add(bytes, dlen);
	if (a == NULL)
		return;
	if (to_peer) {
		__sync_fetch_and_add(&a->pkts_to_peer, 1);
		__sync_fetch_and_add(&a->bytes_to_peer, dlen);
	} else {
		__sync_fetch_and_add(&a->pkts_to_client, 1);
		__sync_fetch_and_add(&a->bytes_to_client, dlen);
	}
}

/* Adds to *neg the n (at most 3) bytes at t that follow dlen bytes of data (padding or
 * trailing bytes a forwarded datagram leaves out). Returns 0 or -1 past the frame's end. */
static __always_inline int csum_tail(__u8 *t, void *end, __u32 n, __u32 dlen, __u64 *neg)
{
	for (__u32 i = 0; i < 3 && i < n; i++) {
		__u8 *b = t + i;

		barrier_var(b);
		if ((void *)(b + 1) > end)
			return -1;
		*neg += csum_byte_at(*b, dlen + i);
	}
	return 0;
}

/* §12.6: ChannelData on a listening port (UDP payload at off); padding or trailing bytes
 * beyond 3 go to user space. */
static __always_inline int chan_to_peer(struct xdp_md *ctx, struct xdp_pkt *p, const int off)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *u = data + off;
	struct tern_xdp_chan_key k;
	struct tern_xdp_to_peer *v;
	struct tern_xdp_acct *acct = NULL;
	struct xdp_out o = {};
	__u32 ch, dlen, trail;
	__u64 neg;
	int r;

	if ((void *)(u + 4) > end)
		return -TERN_XDP_PASS_NOT_TURN;
	ch = get16(u);
	dlen = get16(u + 2);
	/* §12: 0x4000-0x4FFF, and RFC 5766's 0x5000-0x7FFF, which user space accepts too
	 * (stun/chdata.h). */
	if (ch < 0x4000 || ch > 0x7fff)
		return -TERN_XDP_PASS_NOT_TURN;
	if (dlen + 4 > p->len || p->len - 4 - dlen > 3)
		return -TERN_XDP_PASS_BAD_LEN;
	if (dlen > TERN_XDP_MAX_DATA)
		return -TERN_XDP_PASS_MTU;
	trail = p->len - 4 - dlen;
	__builtin_memset(&k, 0, sizeof(k));
	k.client = p->src;
	k.listen = p->dst;
	k.channel = ch;
	v = bpf_map_lookup_elem(&tern_chan, &k);
	if (v == NULL)
		return -TERN_XDP_PASS_MISS;
	r = entry_live(&v->relay, v->gen, v->flags, &acct);
	if (r < 0)
		return r;
	neg = p->neg + ch + dlen;
	if (csum_tail(u + 4 + dlen, end, trail, dlen, &neg) < 0)
		return -TERN_XDP_PASS_BAD_LEN;
	o.src = &v->relay;
	o.dst = &v->peer;
	o.doff = off + 4;
	o.dlen = dlen;
	o.dsum = ~csum_fold(neg) & 0xffff;
	o.mtu = v->mtu;
	o.id = (__u16)v->pkts;
	r = forward_to_peer(ctx, &o);
	if (r >= 0)
		count(&v->pkts, &v->bytes, acct, 1, dlen);
	return r;
}

/* The peer of a Send indication whose XOR-PEER-ADDRESS value (xl bytes) is at x (§14.3). */
static __always_inline void send_peer(struct tern_xdp_ep *peer, const __u8 *u, const int xl)
{
	const __u8 cookie[4] = {0x21, 0x12, 0xA4, 0x42};

	__builtin_memset(peer, 0, sizeof(*peer));
	peer->family = xl == 8 ? TERN_XDP_V4 : TERN_XDP_V6;
	peer->port = bpf_htons(get16(u + 26) ^ 0x2112);
#pragma unroll
	for (int i = 0; i < xl - 4; i++)
		peer->addr[i] = u[28 + i] ^ (i < 4 ? cookie[i] : u[8 + i - 4]);
}

/* What follows DATA (its padding ending at offset total) in a Send indication of len bytes
 * at u: nothing (0), a FINGERPRINT, last (8), or -reason: DONT-FRAGMENT, anything else. */
static __always_inline int send_trailer(__u8 *u, void *end, __u32 total, __u32 len)
{
	__u8 *t = u + total;

	if (total == len)
		return 0;
	if (total + 4 > len || (void *)(t + 4) > end)
		return -TERN_XDP_PASS_SEND_SHAPE;
	if (get16(t) == STUN_DONT_FRAG)
		return -TERN_XDP_PASS_DONT_FRAGMENT;
	if (get16(t) == STUN_FP && get16(t + 2) == 4 && total + 8 == len)
		return 8;
	return -TERN_XDP_PASS_SEND_SHAPE;
}

/* RFC 8489 §14.7: the FINGERPRINT at off + total (after DATA) must be the one of the
 * message before it, as stun/msg.c checks it; else user space drops the message (pass).
 * Adds the attribute's bytes (left out of the datagram) to *neg. */
static __always_inline int send_fp(struct xdp_md *ctx, const int off, __u32 total, __u64 *neg)
{
	__u8 *t;

	if (xdp_fp_check(ctx, off, total) < 0)
		return -TERN_XDP_PASS_FINGERPRINT;
	t = (void *)(long)ctx->data + off + total;
	if ((void *)(t + 8) > (void *)(long)ctx->data_end)
		return -TERN_XDP_PASS_BAD_LEN;
	*neg += csum_bytes(t, 8);
	return 0;
}

/* §11.2 for a Send indication of exactly XOR-PEER-ADDRESS (value xl bytes) then DATA, and
 * maybe FINGERPRINT (checked last, only for what would otherwise be forwarded). */
static __always_inline int send_shaped(struct xdp_md *ctx, struct xdp_pkt *p, const int off,
				       const int xl)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *u = data + off, *a = u + 24 + xl;
	struct tern_xdp_perm_key k;
	struct tern_xdp_to_peer *v;
	struct tern_xdp_acct *acct = NULL;
	struct tern_xdp_ep peer;
	struct xdp_out o = {};
	__u32 dlen, pad, total;
	__u64 neg;
	int r, fp;

	if ((void *)(u + IND_HDR(xl)) > end)
		return -TERN_XDP_PASS_SEND_SHAPE;
	if (get16(a) == STUN_DONT_FRAG)
		return -TERN_XDP_PASS_DONT_FRAGMENT;
	if (get16(a) != STUN_DATA)
		return -TERN_XDP_PASS_SEND_SHAPE;
	dlen = get16(a + 2);
	if (dlen > TERN_XDP_MAX_DATA)
		return -TERN_XDP_PASS_MTU;
	pad = (4 - (dlen & 3)) & 3;
	total = IND_HDR(xl) + dlen + pad;
	fp = send_trailer(u, end, total, p->len);
	if (fp < 0)
		return fp;
	send_peer(&peer, u, xl);
	__builtin_memset(&k, 0, sizeof(k));
	k.client = p->src;
	k.listen = p->dst;
	__builtin_memcpy(k.peer, peer.addr, 16);
	k.peer_family = peer.family;
	v = bpf_map_lookup_elem(&tern_perm, &k);
	if (v == NULL)
		return -TERN_XDP_PASS_MISS;
	r = entry_live(&v->relay, v->gen, v->flags, &acct);
	if (r < 0)
		return r;
	neg = p->neg + csum_bytes(u, IND_HDR(xl));
	if (csum_tail(u + IND_HDR(xl) + dlen, end, pad, dlen, &neg) < 0)
		return -TERN_XDP_PASS_BAD_LEN;
	if (fp != 0) {
		r = send_fp(ctx, off, total, &neg);
		if (r < 0)
			return r;
	}
	o.src = &v->relay;
	o.dst = &peer;
	o.doff = off + IND_HDR(xl);
	o.dlen = dlen;
	o.dsum = ~csum_fold(neg) & 0xffff;
	o.mtu = v->mtu;
	o.id = (__u16)v->pkts;
	r = forward_to_peer(ctx, &o);
	if (r >= 0)
		count(&v->pkts, &v->bytes, acct, 1, dlen);
	return r;
}

/* §11.2: a Send indication on a listening port (UDP payload at off); bounded parse. */
static __always_inline int send_to_peer(struct xdp_md *ctx, struct xdp_pkt *p, const int off)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *u = data + off;

	if ((void *)(u + 28) > end || get16(u) != STUN_SEND_IND || get16(u + 4) != 0x2112 ||
	    get16(u + 6) != 0xA442)
		return -TERN_XDP_PASS_NOT_TURN;
	if (get16(u + 2) + 20 != p->len)
		return -TERN_XDP_PASS_BAD_LEN;
	if (get16(u + 20) == STUN_DONT_FRAG)
		return -TERN_XDP_PASS_DONT_FRAGMENT;
	if (get16(u + 20) != STUN_XOR_PEER)
		return -TERN_XDP_PASS_SEND_SHAPE;
	if (u[25] == 1 && get16(u + 22) == 8)
		return send_shaped(ctx, p, off, 8);
	if (u[25] == 2 && get16(u + 22) == 20)
		return send_shaped(ctx, p, off, 20);
	return -TERN_XDP_PASS_SEND_SHAPE;
}

static __always_inline int client_at(struct xdp_md *ctx, struct xdp_pkt *p, const int off)
{
	__u8 *u = (void *)(long)ctx->data + off;

	if ((void *)(u + 1) > (void *)(long)ctx->data_end)
		return -TERN_XDP_PASS_NOT_TURN;
	if ((u[0] & 0xc0) == 0x40)
		return chan_to_peer(ctx, p, off);
	return send_to_peer(ctx, p, off);
}

/* A datagram to a listening port. */
static __always_inline int client_to_peer(struct xdp_md *ctx, struct xdp_pkt *p)
{
	if (p->dst.family == TERN_XDP_V4)
		return client_at(ctx, p, ETH_HDR + IP4_HDR + UDP_HDR);
	return client_at(ctx, p, ETH_HDR + IP6_HDR + UDP_HDR);
}

static __always_inline int forward_to_client(struct xdp_md *ctx, const struct xdp_out *o,
					     const struct xdp_prefix *px)
{
	if (o->src->family != o->dst->family)
		return -TERN_XDP_PASS_MISS;
	if (o->dst->family == TERN_XDP_V4) {
		if (o->pre == 4)
			return forward(ctx, o, px, IP4_HDR, 4);
		if (o->pre == IND_HDR(8))
			return forward(ctx, o, px, IP4_HDR, IND_HDR(8));
		return forward(ctx, o, px, IP4_HDR, IND_HDR(20));
	}
	if (o->pre == 4)
		return forward(ctx, o, px, IP6_HDR, 4);
	if (o->pre == IND_HDR(8))
		return forward(ctx, o, px, IP6_HDR, IND_HDR(8));
	return forward(ctx, o, px, IP6_HDR, IND_HDR(20));
}

/* §11.3, §12.7: a datagram to a relay port from a peer with an entry: its own (channel or
 * port-specific), else its IP address's (a permission). */
static __always_inline int peer_to_client(struct xdp_md *ctx, struct xdp_pkt *p)
{
	struct tern_xdp_peer_key k = {.relay = p->dst, .peer = p->src};
	struct tern_xdp_to_client *v;
	struct tern_xdp_acct *acct = NULL;
	struct xdp_prefix px = {.peer = &p->src};
	struct xdp_out o = {};
	__u64 seq;
	int r;

	v = bpf_map_lookup_elem(&tern_peer, &k);
	if (v == NULL) {
		k.peer.port = 0;
		v = bpf_map_lookup_elem(&tern_peer, &k);
	}
	if (v == NULL)
		return -TERN_XDP_PASS_MISS;
	r = entry_live(&p->dst, v->gen, v->flags, &acct);
	if (r < 0)
		return r;
	if (p->len > TERN_XDP_MAX_DATA)
		return -TERN_XDP_PASS_MTU;
	o.src = &v->listen;
	o.dst = &v->client;
	o.doff = ETH_HDR + (p->src.family == TERN_XDP_V4 ? IP4_HDR : IP6_HDR) + UDP_HDR;
	o.dlen = p->len;
	o.dsum = ~csum_fold(p->neg) & 0xffff;
	o.mtu = v->mtu;
	o.id = (__u16)v->pkts;
	o.frag = 0x4000;
	if (v->channel != 0) {
		px.channel = v->channel;
		o.pre = 4;
	} else {
		o.pre = p->src.family == TERN_XDP_V4 ? IND_HDR(8) : IND_HDR(20);
		o.pad = (4 - (p->len & 3)) & 3;
		seq = __sync_fetch_and_add(&v->tid_seq, 1);
		__builtin_memcpy(px.tid, &seq, 8);
		__builtin_memcpy(px.tid + 8, v->tid_salt, 4);
	}
	r = forward_to_client(ctx, &o, &px);
	if (r >= 0)
		count(&v->pkts, &v->bytes, acct, 0, p->len);
	return r;
}

SEC("xdp")
int tern_xdp(struct xdp_md *ctx)
{
	struct xdp_pkt p = {};
	struct tern_xdp_cfg *cfg;
	__u32 zero = 0, port;
	int r;

	r = parse(ctx, &p);
	if (r < 0)
		return pass(-r);
	cfg = bpf_map_lookup_elem(&tern_cfg, &zero);
	port = bpf_ntohs(p.dst.port);
	if (cfg && port >= cfg->min_port && port <= cfg->max_port && cfg->max_port != 0)
		r = peer_to_client(ctx, &p);
	else
		r = client_to_peer(ctx, &p);
	if (r < 0)
		return pass(-r);
	stat_add(TERN_XDP_FORWARDED);
	return r;
}
