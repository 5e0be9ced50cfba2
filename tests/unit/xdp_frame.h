/* Ethernet frames for the XDP tests, built independently of the program under test: an
 * IPv4 (no options) or IPv6 header, a UDP header and the payload, with the IPv4 header
 * checksum and the UDP checksum computed over the whole datagram (RFC 768, RFC 1071,
 * RFC 8200 §8.1). Static functions; included by the test_xdp_*.c programs. */
#ifndef TERN_TESTS_XDP_FRAME_H
#define TERN_TESTS_XDP_FRAME_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/addr.h"

#define XF_ETH 14

/* Fields of a frame that a test may want to vary. */
struct xf_hdr {
	uint8_t dmac[6], smac[6];
	struct addr src, dst;
	uint16_t ip_id;	  /* IPv4 identification */
	uint16_t ip_frag; /* IPv4 flags and fragment offset, e.g. 0x4000 (DF) */
};

static inline uint32_t xf_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static inline uint16_t xf_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline void xf_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* The UDP checksum of the datagram udp (ulen bytes, checksum field 0) between src and dst. */
static inline uint16_t xf_udp_csum(const struct addr *src, const struct addr *dst,
				   const uint8_t *udp, size_t ulen)
{
	size_t alen;
	const uint8_t *s = addr_raw(src, &alen), *d = addr_raw(dst, &alen);
	uint32_t sum = 17 + (uint32_t)ulen;
	uint16_t c;

	sum = xf_sum(sum, s, alen);
	sum = xf_sum(sum, d, alen);
	sum = xf_sum(sum, udp, ulen);
	c = (uint16_t)~xf_fold(sum);
	return c ? c : 0xffff;
}

/* Writes the frame into buf (cap bytes); returns its length, 0 if it does not fit. */
static inline size_t xf_build(uint8_t *buf, size_t cap, const struct xf_hdr *h, const void *payload,
			      size_t len)
{
	size_t alen, hl = addr_family(&h->src) == AF_INET ? 20 : 40, ulen = 8 + len;
	uint8_t *ip = buf + XF_ETH, *u = ip + hl;
	uint16_t sp = addr_port(&h->src), dp = addr_port(&h->dst);

	if (XF_ETH + hl + ulen > cap)
		return 0;
	memcpy(buf, h->dmac, 6);
	memcpy(buf + 6, h->smac, 6);
	xf_put16(buf + 12, hl == 20 ? 0x0800 : 0x86dd);
	memset(ip, 0, hl);
	if (hl == 20) {
		ip[0] = 0x45;
		xf_put16(ip + 2, (uint16_t)(20 + ulen));
		xf_put16(ip + 4, h->ip_id);
		xf_put16(ip + 6, h->ip_frag);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, addr_raw(&h->src, &alen), 4);
		memcpy(ip + 16, addr_raw(&h->dst, &alen), 4);
		xf_put16(ip + 10, (uint16_t)~xf_fold(xf_sum(0, ip, 20)));
	} else {
		ip[0] = 0x60;
		xf_put16(ip + 4, (uint16_t)ulen);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, addr_raw(&h->src, &alen), 16);
		memcpy(ip + 24, addr_raw(&h->dst, &alen), 16);
	}
	xf_put16(u, sp);
	xf_put16(u + 2, dp);
	xf_put16(u + 4, (uint16_t)ulen);
	xf_put16(u + 6, 0);
	memcpy(u + 8, payload, len);
	xf_put16(u + 6, xf_udp_csum(&h->src, &h->dst, u, ulen));
	return XF_ETH + hl + ulen;
}

/* Offsets into a frame xf_build made. */
static inline size_t xf_l4(const uint8_t *frame)
{
	return XF_ETH + (frame[12] == 0x08 ? 20 : 40);
}

/* Whether the UDP checksum of the frame (n bytes, as xf_build lays it out: no IPv4
 * options, no IPv6 extension headers) verifies; an IPv4 checksum of 0 (none) verifies. */
static inline bool xf_udp_ok(const uint8_t *f, size_t n)
{
	size_t l4 = xf_l4(f), ulen, alen = l4 == 34 ? 4 : 16;
	uint32_t sum;

	if (n < l4 + 8)
		return false;
	ulen = (size_t)(f[l4 + 4] << 8 | f[l4 + 5]);
	if (ulen < 8 || l4 + ulen > n)
		return false;
	if (alen == 4 && f[l4 + 6] == 0 && f[l4 + 7] == 0)
		return true;
	sum = 17 + (uint32_t)ulen;
	sum = xf_sum(sum, f + l4 - 2 * alen, 2 * alen);
	sum = xf_sum(sum, f + l4, ulen);
	return xf_fold(sum) == 0xffff;
}

/* Whether the IPv4 header checksum of the frame verifies (true for IPv6). */
static inline bool xf_ip_ok(const uint8_t *f)
{
	return xf_l4(f) != 34 || xf_fold(xf_sum(0, f + 14, 20)) == 0xffff;
}

#endif
