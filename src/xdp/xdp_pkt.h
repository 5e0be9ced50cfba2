/* Packet helpers for the XDP program (tern.bpf.c only): the parsed UDP datagram, bounded
 * byte reads and writes, and ones' complement sums. Sums are of 16-bit big-endian words as
 * integers (RFC 1071), accumulated in 64 bits and folded at the end. */
#ifndef TERN_XDP_PKT_H
#define TERN_XDP_PKT_H

#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "xdp/xdp_maps.h"

#define ETH_HDR 14
#define IP4_HDR 20
#define IP6_HDR 40
#define UDP_HDR 8

/* A UDP datagram over IPv4 or IPv6 without options or extension headers. */
struct xdp_pkt {
	struct tern_xdp_ep src, dst;
	__u32 len; /* UDP payload length */
	__u64 neg; /* sum of the pseudo header and the UDP header (checksum included) */
};

static __always_inline __u32 csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u32)((s & 0xffff) + (s >> 16));
}

static __always_inline __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __always_inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Sum of n bytes (n even, a constant) at p; the caller has checked p + n <= end. */
static __always_inline __u64 csum_bytes(const __u8 *p, const int n)
{
	__u64 s = 0;

#pragma unroll
	for (int i = 0; i < n; i += 2)
		s += get16(p + i);
	return s;
}

/* Sum of the pseudo header (RFC 768, RFC 8200 §8.1) of a UDP datagram of ulen bytes. */
static __always_inline __u64 csum_pseudo(const struct tern_xdp_ep *s, const struct tern_xdp_ep *d,
					 __u32 ulen)
{
	const int n = s->family == TERN_XDP_V4 ? 4 : 16;
	__u64 sum = 17 + ulen;

#pragma unroll
	for (int i = 0; i < 16; i += 2) {
		if (i < n)
			sum += get16(s->addr + i) + get16(d->addr + i);
	}
	return sum;
}

/* Sum of the bytes of a UDP datagram from its end at variable offset: a byte at an even
 * offset from the UDP header is a word's high byte. */
static __always_inline __u64 csum_byte_at(__u8 b, __u32 off)
{
	return off & 1 ? b : (__u64)b << 8;
}

#endif
