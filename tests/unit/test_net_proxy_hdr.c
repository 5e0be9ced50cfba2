/* The PROXY protocol header parser (haproxy doc/proxy-protocol.txt §2.1, §2.2): valid v1
 * and v2 headers give their length and fields, every proper prefix of one asks for more,
 * payload after one is left alone; each class of malformed header gets its documented
 * error, as early as the bytes at hand allow. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "net/proxy_hdr.h"
#include "tap.h"

#define V2_SIG "\r\n\r\n\0\r\nQUIT\n"

static struct addr ip(const char *s, uint16_t port)
{
	struct addr a;

	if (addr_parse(&a, s, port) < 0)
		abort();
	return a;
}

/* Parses buf[0..n) as a whole; on the way checks that each proper prefix asks for more
 * and leaves *h alone, and that payload after the header changes nothing. */
static int parse_whole(const void *buf, size_t n, struct proxy_hdr *h, const char *what)
{
	static uint8_t with_payload[PROXY_HDR_MAX + 32];
	struct proxy_hdr untouched, h2;
	size_t k;
	int rc, more = 0;

	memset(&untouched, 0x5A, sizeof(untouched));
	for (k = 0; k < n; k++) {
		h2 = untouched;
		if (proxy_hdr_parse(buf, k, &h2) != 0 || memcmp(&h2, &untouched, sizeof(h2)) != 0)
			more++;
	}
	CHECK_EQ_INT(more, 0, "%s: each of the %zu proper prefixes asks for more", what, n);
	rc = proxy_hdr_parse(buf, n, h);
	CHECK_EQ_INT(rc, (int)n, "%s: the whole header parses to its length", what);
	memcpy(with_payload, buf, n);
	memcpy(with_payload + n, "\x00\x01\x00\x00\x21\x12\xa4\x42payload", 15);
	CHECK_EQ_INT(proxy_hdr_parse(with_payload, n + 15, &h2), (int)n,
		     "%s: followed by a STUN header, returns the header's length", what);
	return rc;
}

static int parse_str(const char *s, struct proxy_hdr *h)
{
	return proxy_hdr_parse((const uint8_t *)s, strlen(s), h);
}

/* A v2 header: signature, ver_cmd, fam, then the block (addresses and TLVs). */
static size_t v2(uint8_t *out, uint8_t ver_cmd, uint8_t fam, const void *block, size_t blen)
{
	memcpy(out, V2_SIG, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (uint8_t)(blen >> 8);
	out[15] = (uint8_t)blen;
	if (blen > 0)
		memcpy(out + 16, block, blen);
	return 16 + blen;
}

static void check_addrs(const struct proxy_hdr *h, const char *src, uint16_t sport, const char *dst,
			uint16_t dport, const char *what)
{
	struct addr s = ip(src, sport), d = ip(dst, dport);

	CHECK(!h->local && addr_eq(&h->src, &s) && addr_eq(&h->dst, &d),
	      "%s: source %s port %u, destination %s port %u", what, src, sport, dst, dport);
}

static void test_v1_valid(void)
{
	static const char tcp4[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
	static const char tcp6[] = "PROXY TCP6 2001:db8::1 "
				   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 0\r\n";
	char longest[PROXY_HDR_V1_MAX + 1];
	struct proxy_hdr h;

	parse_whole(tcp4, strlen(tcp4), &h, "v1 TCP4");
	CHECK(h.version == 1 && h.transport == PROXY_HDR_STREAM && h.authority == NULL &&
		      !h.has_ssl,
	      "v1 TCP4: version 1, stream, no TLVs");
	check_addrs(&h, "192.168.0.1", 56324, "192.168.0.11", 443, "v1 TCP4");

	parse_whole(tcp6, strlen(tcp6), &h, "v1 TCP6");
	CHECK(h.version == 1 && h.transport == PROXY_HDR_STREAM, "v1 TCP6: version 1, stream");
	check_addrs(&h, "2001:db8::1", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0,
		    "v1 TCP6");

	parse_whole("PROXY UNKNOWN\r\n", 15, &h, "v1 UNKNOWN");
	CHECK(h.version == 1 && h.local && h.transport == PROXY_HDR_UNSPEC &&
		      addr_family(&h.src) == AF_UNSPEC && addr_family(&h.dst) == AF_UNSPEC,
	      "v1 UNKNOWN: local, no addresses");

	/* §2.1's worst case, 107 bytes: UNKNOWN followed by anything up to the CRLF. */
	snprintf(longest, sizeof(longest), "PROXY UNKNOWN %.39s %.39s 65535 65535\r\n",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	CHECK_EQ_INT(strlen(longest), PROXY_HDR_V1_MAX, "the longest v1 line is 107 bytes");
	parse_whole(longest, strlen(longest), &h, "v1 UNKNOWN, 107 bytes");
	CHECK(h.local, "v1 UNKNOWN with addresses: still local (they are ignored)");
}

static void test_v1_malformed(void)
{
	char line[PROXY_HDR_V1_MAX + 8];
	struct proxy_hdr h;

	CHECK_EQ_INT(parse_str("G", &h), -EBADMSG, "neither 'P' nor CR: refused at the 1st byte");
	CHECK_EQ_INT(parse_str("PROXX", &h), -EBADMSG, "wrong signature: refused at once");
	CHECK_EQ_INT(parse_str("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", &h), -EBADMSG,
		     "signature in lower case");
	CHECK_EQ_INT(parse_str("PROXY TCP5", &h), -EBADMSG, "unknown protocol, refused at once");
	CHECK_EQ_INT(parse_str("PROXY UNKNOWNX\r\n", &h), -EBADMSG, "UNKNOWN glued to more");
	CHECK_EQ_INT(parse_str("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", &h), -EBADMSG,
		     "two spaces after PROXY");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4  5.6.7.8", &h), -EBADMSG,
		     "two spaces between addresses, refused before the CRLF");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", &h), -EBADMSG,
		     "a space before the CRLF");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", &h), -EBADMSG, "a port missing");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", &h), -EBADMSG,
		     "a field too many");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", &h), -EBADMSG,
		     "a lone LF ends the line");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", &h), -EBADMSG,
		     "a CR not followed by LF");

	/* Addresses. */
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", &h), -EBADMSG,
		     "IPv4 with three octets");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", &h), -EBADMSG,
		     "IPv4 octet over 255");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.07.8 1 2\r\n", &h), -EBADMSG,
		     "IPv4 octet with a leading zero");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6..8 1 2\r\n", &h), -EBADMSG,
		     "IPv4 with an empty octet");
	CHECK_EQ_INT(parse_str("PROXY TCP4 ::1 5.6.7.8 1 2\r\n", &h), -EBADMSG,
		     "TCP4 with an IPv6 address");
	CHECK_EQ_INT(parse_str("PROXY TCP6 ::1 5.6.7.8 1 2\r\n", &h), -EBADMSG,
		     "TCP6 with an IPv4 address");
	CHECK_EQ_INT(parse_str("PROXY TCP6 1::2::3 ::1 1 2\r\n", &h), -EBADMSG,
		     "IPv6 with two '::'");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4/8", &h), -EBADMSG,
		     "a byte no address holds, refused before the CRLF");

	/* Ports. */
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", &h), -EBADMSG,
		     "port over 65535");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1 080\r\n", &h), -EBADMSG,
		     "port with a leading zero");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1 000001\r\n", &h), -EBADMSG,
		     "port with six digits");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 1 a\r\n", &h), -EBADMSG, "port in hex");
	CHECK_EQ_INT(parse_str("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", &h), -EBADMSG,
		     "negative port");

	/* The length limit: no CRLF within 107 bytes. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	CHECK_EQ_INT(proxy_hdr_parse((uint8_t *)line, PROXY_HDR_V1_MAX - 1, &h), 0,
		     "106 bytes without CRLF: more may come");
	CHECK_EQ_INT(proxy_hdr_parse((uint8_t *)line, PROXY_HDR_V1_MAX, &h), -EBADMSG,
		     "107 bytes without CRLF: refused");
	memcpy(line + PROXY_HDR_V1_MAX - 1, "\r\n", 2);
	CHECK_EQ_INT(proxy_hdr_parse((uint8_t *)line, PROXY_HDR_V1_MAX + 1, &h), -EBADMSG,
		     "a 108-byte line: refused");
}

static void test_v2_valid(void)
{
	static const uint8_t a4[] = {192, 0, 2, 1, 198, 51, 100, 7, 0xC3, 0x50, 0x0D, 0x96};
	static const uint8_t a6[] = {0x20, 0x01, 0x0d, 0xb8, 0,	   0,	0, 0, 0, 0, 0, 0, 0, 0, 0,
				     1,	   0x20, 0x01, 0x0d, 0xb8, 0,	0, 0, 0, 0, 0, 0, 0, 0, 0,
				     0,	   2,	 0x12, 0x34, 0x0D, 0x96};
	/* TCP4 addresses, then NOOP, AUTHORITY, CRC32C (skipped) and SSL with a sub-TLV. */
	static const uint8_t tlv[] = {
		192, 0,	  2,   1,   198,  51,  100, 7,	  0xC3, 0x50, 0x01, 0xBB, 0x04,
		0,   2,	  0,   0,   0x02, 0,   16,  't',  'u',	'r',  'n',  '.',  'e',
		'x', 'a', 'm', 'p', 'l',  'e', '.', 'c',  'o',	'm',  0x03, 0,	  4,
		1,   2,	  3,   4,   0x20, 0,   15,  0x07, 0,	0,    0,    0,	  0x21,
		0,   7,	  'T', 'L', 'S',  'v', '1', '.',  '3'};
	uint8_t buf[PROXY_HDR_MAX + 16], big[PROXY_HDR_MAX];
	struct proxy_hdr h;
	size_t n;

	n = v2(buf, 0x21, 0x11, a4, sizeof(a4));
	parse_whole(buf, n, &h, "v2 PROXY TCP4");
	CHECK(h.version == 2 && h.transport == PROXY_HDR_STREAM && h.authority == NULL,
	      "v2 TCP4: version 2, stream, no TLVs");
	check_addrs(&h, "192.0.2.1", 50000, "198.51.100.7", 3478, "v2 TCP4");

	n = v2(buf, 0x21, 0x21, a6, sizeof(a6));
	parse_whole(buf, n, &h, "v2 PROXY TCP6");
	CHECK(h.transport == PROXY_HDR_STREAM, "v2 TCP6: stream");
	check_addrs(&h, "2001:db8::1", 0x1234, "2001:db8::2", 3478, "v2 TCP6");

	n = v2(buf, 0x21, 0x12, a4, sizeof(a4));
	parse_whole(buf, n, &h, "v2 PROXY UDP4");
	CHECK(h.transport == PROXY_HDR_DGRAM, "v2 UDP4: datagram, reported");
	check_addrs(&h, "192.0.2.1", 50000, "198.51.100.7", 3478, "v2 UDP4");

	n = v2(buf, 0x21, 0x22, a6, sizeof(a6));
	parse_whole(buf, n, &h, "v2 PROXY UDP6");
	CHECK(h.transport == PROXY_HDR_DGRAM, "v2 UDP6: datagram");

	n = v2(buf, 0x20, 0x00, NULL, 0);
	parse_whole(buf, n, &h, "v2 LOCAL");
	CHECK(h.version == 2 && h.local && h.transport == PROXY_HDR_UNSPEC &&
		      addr_family(&h.src) == AF_UNSPEC,
	      "v2 LOCAL: local, no addresses");
	n = v2(buf, 0x20, 0x11, a4, sizeof(a4));
	parse_whole(buf, n, &h, "v2 LOCAL with a TCP4 block");
	CHECK(h.local && addr_family(&h.src) == AF_UNSPEC, "v2 LOCAL: the block is ignored");
	n = v2(buf, 0x20, 0x31, "x", 1);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), (int)n, "v2 LOCAL with family UNIX: accepted");
	n = v2(buf, 0x21, 0x00, a4, sizeof(a4));
	parse_whole(buf, n, &h, "v2 PROXY UNSPEC");
	CHECK(h.local, "v2 PROXY UNSPEC: local, like v1 UNKNOWN");

	n = v2(buf, 0x21, 0x11, tlv, sizeof(tlv));
	parse_whole(buf, n, &h, "v2 PROXY TCP4 with TLVs");
	check_addrs(&h, "192.0.2.1", 50000, "198.51.100.7", 443, "v2 with TLVs");
	CHECK(h.authority == buf + 16 + 12 + 5 + 3 && h.authority_len == 16 &&
		      memcmp(h.authority, "turn.example.com", 16) == 0,
	      "v2 AUTHORITY: a view of the host name");
	CHECK(h.has_ssl && h.ssl_client == 0x07 && h.ssl_verify == 0,
	      "v2 SSL: client bits and verify");

	/* The cap: a 512-byte header (addresses and a NOOP TLV) is the longest accepted. */
	memset(big, 0, sizeof(big));
	memcpy(big, a4, sizeof(a4));
	big[12] = 0x04;
	big[13] = (PROXY_HDR_MAX - 16 - 12 - 3) >> 8;
	big[14] = (uint8_t)(PROXY_HDR_MAX - 16 - 12 - 3);
	n = v2(buf, 0x21, 0x11, big, PROXY_HDR_MAX - 16);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), PROXY_HDR_MAX, "a 512-byte v2 header");
}

static void test_v2_malformed(void)
{
	static const uint8_t a4[] = {192, 0, 2, 1, 198, 51, 100, 7, 0xC3, 0x50, 0x0D, 0x96};
	uint8_t buf[PROXY_HDR_MAX + 64], block[256];
	struct proxy_hdr h;
	size_t n;

	n = v2(buf, 0x21, 0x11, a4, sizeof(a4));
	buf[10] = 'X';
	CHECK_EQ_INT(proxy_hdr_parse(buf, 11, &h), -EBADMSG, "v2 signature wrong at byte 11");
	CHECK_EQ_INT(proxy_hdr_parse((const uint8_t *)"\r\n\r\n\r", 5, &h), -EBADMSG,
		     "v2 signature without its NUL");
	CHECK_EQ_INT(proxy_hdr_parse((const uint8_t *)"\x00\x01\x00\x00", 4, &h), -EBADMSG,
		     "a STUN message: refused at the 1st byte");

	n = v2(buf, 0x11, 0x11, a4, sizeof(a4));
	CHECK_EQ_INT(proxy_hdr_parse(buf, 13, &h), -EBADMSG, "version 1 in a v2 header");
	buf[12] = 0x31;
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "version 3");
	buf[12] = 0x22;
	CHECK_EQ_INT(proxy_hdr_parse(buf, 13, &h), -EBADMSG, "unknown command 2");
	buf[12] = 0x2F;
	CHECK_EQ_INT(proxy_hdr_parse(buf, 13, &h), -EBADMSG, "unknown command 15");

	n = v2(buf, 0x21, 0x41, a4, sizeof(a4));
	CHECK_EQ_INT(proxy_hdr_parse(buf, 14, &h), -EBADMSG, "unknown family 4");
	buf[13] = 0x13;
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "unknown protocol 3");
	buf[13] = 0x10;
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "PROXY INET with protocol UNSPEC");
	buf[12] = 0x20;
	buf[13] = 0x41;
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "LOCAL with unknown family 4");

	n = v2(buf, 0x21, 0x11, a4, 11);
	CHECK_EQ_INT(proxy_hdr_parse(buf, 16, &h), -EBADMSG,
		     "TCP4 block of 11 bytes, refused at the fixed part");
	memset(block, 0, sizeof(block));
	n = v2(buf, 0x21, 0x21, block, 35);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "TCP6 block of 35 bytes");

	n = v2(buf, 0x21, 0x11, a4, sizeof(a4));
	buf[14] = (PROXY_HDR_MAX - 15) >> 8;
	buf[15] = (uint8_t)(PROXY_HDR_MAX - 15);
	CHECK_EQ_INT(proxy_hdr_parse(buf, 16, &h), -EMSGSIZE,
		     "length one over the cap, refused at the fixed part");
	buf[14] = buf[15] = 0xFF;
	CHECK_EQ_INT(proxy_hdr_parse(buf, 16, &h), -EMSGSIZE, "length 65535");

	n = v2(buf, 0x21, 0x31, block, 16);
	CHECK_EQ_INT(proxy_hdr_parse(buf, 14, &h), -EAFNOSUPPORT,
		     "PROXY AF_UNIX stream, refused at the 14th byte");
	n = v2(buf, 0x21, 0x32, block, 216);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EAFNOSUPPORT, "PROXY AF_UNIX datagram");

	/* TLVs. */
	memcpy(block, a4, sizeof(a4));
	memcpy(block + 12,
	       "\x02\x00\x0a"
	       "abcde",
	       8);
	n = v2(buf, 0x21, 0x11, block, 20);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "a TLV longer than the block");
	n = v2(buf, 0x21, 0x11, block, 14);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "2 bytes after the addresses");
	memcpy(block + 12, "\x20\x00\x04\x01\x00\x00\x00", 7);
	n = v2(buf, 0x21, 0x11, block, 19);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "an SSL TLV of 4 bytes");
	memcpy(block + 12, "\x20\x00\x07\x01\x00\x00\x00\x00\x21\x00", 10);
	n = v2(buf, 0x21, 0x11, block, 22);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "an SSL sub-TLV truncated");
	memcpy(block + 12, "\x02\x00\x01x\x02\x00\x01y", 8);
	n = v2(buf, 0x21, 0x11, block, 20);
	CHECK_EQ_INT(proxy_hdr_parse(buf, n, &h), -EBADMSG, "AUTHORITY twice");
}

int main(void)
{
	test_v1_valid();
	test_v1_malformed();
	test_v2_valid();
	test_v2_malformed();
	return tap_done();
}
