/* PROXY protocol header parser, versions 1 (text) and 2 (binary), per haproxy's
 * doc/proxy-protocol.txt §2.1 and §2.2. Pure: no I/O, no malloc, no logging, no clock; the
 * result's views borrow the caller's buffer.
 *
 * What is accepted:
 *   v1  "PROXY TCP4 <src> <dst> <sport> <dport>\r\n", the same with TCP6, and "PROXY UNKNOWN"
 *       followed by anything up to the CRLF (the spec says to ignore it). Exactly one space
 *       between fields; addresses in the family's numeric form; ports decimal 0..65535
 *       without a leading zero; CRLF within the first PROXY_HDR_V1_MAX bytes.
 *   v2  version 2 with command PROXY or LOCAL. LOCAL ignores the address block (it is
 *       skipped, whatever the family). PROXY with INET or INET6 over STREAM or DGRAM gives
 *       the addresses; PROXY with UNSPEC (family and protocol both 0) is treated like LOCAL,
 *       as v1's UNKNOWN is (§2.2: fall back to the connection's own endpoints).
 *       TLVs after the addresses must be well framed; AUTHORITY and SSL are reported, the
 *       others (CRC32C included: not verified) are skipped.
 * What is refused, beyond malformed bytes:
 *   - PROXY with AF_UNIX (families 0x31, 0x32): -EAFNOSUPPORT. Tern keys rate limits,
 *     quotas and the 5-tuple on the client's IP address; a UNIX-socket client has none, and
 *     falling back to the proxy's address would lump every such client together.
 *   - a v2 header longer than PROXY_HDR_MAX bytes (address block plus TLVs): -EMSGSIZE.
 *
 * Given PROXY_HDR_MAX bytes or more, proxy_hdr_parse never asks for more, so a reader that
 * has buffered that much has its answer. */
#ifndef TERN_NET_PROXY_HDR_H
#define TERN_NET_PROXY_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* Longest v1 line, CRLF included (§2.1: "PROXY UNKNOWN" with two full IPv6 addresses). */
#define PROXY_HDR_V1_MAX 107
/* The v2 fixed part: signature, version/command, family/protocol, length. */
#define PROXY_HDR_V2_FIXED 16
/* Tern's cap on a whole header (v2: fixed part, addresses and TLVs). */
#define PROXY_HDR_MAX 512

/* The transport of the proxied connection. */
enum proxy_hdr_transport {
	PROXY_HDR_UNSPEC = 0,
	PROXY_HDR_STREAM = 1, /* TCP */
	PROXY_HDR_DGRAM = 2,  /* UDP (v2 only) */
};

/* Bits of the SSL TLV's client field (§2.2.6). */
#define PROXY_HDR_SSL_CLIENT_SSL       0x01
#define PROXY_HDR_SSL_CLIENT_CERT_CONN 0x02
#define PROXY_HDR_SSL_CLIENT_CERT_SESS 0x04

struct proxy_hdr {
	uint8_t version; /* 1 or 2 */
	/* True for v2 LOCAL, v2 PROXY UNSPEC and v1 UNKNOWN: use the connection's own
	 * addresses; src and dst are then zeroed (family AF_UNSPEC), transport UNSPEC. */
	bool local;
	enum proxy_hdr_transport transport;
	struct addr src; /* the client as the proxy saw it */
	struct addr dst; /* the address the client reached on the proxy */
	/* v2 TLVs, views into the parsed buffer (NULL and 0 when absent). */
	const uint8_t *authority; /* PP2_TYPE_AUTHORITY: the host name (SNI), not terminated */
	size_t authority_len;
	bool has_ssl;	     /* a PP2_TYPE_SSL TLV was present */
	uint8_t ssl_client;  /* PROXY_HDR_SSL_CLIENT_* bits */
	uint32_t ssl_verify; /* 0: the client's certificate was presented and verified */
};

/* Parses the PROXY header at the start of buf[0..len) (borrows buf; *out's views point
 * into it). Returns:
 *   > 0            the header's length in bytes; *out is set; payload follows at buf + rc;
 *   0              buf is a proper prefix of a possible header: read more and call again
 *                  (never when len >= PROXY_HDR_MAX);
 *   -EBADMSG       not a valid PROXY header: wrong signature, bad v1 syntax, address or
 *                  port, no CRLF within PROXY_HDR_V1_MAX bytes, v2 version other than 2,
 *                  unknown command, family or protocol, address block shorter than its
 *                  family needs, badly framed TLV;
 *   -EAFNOSUPPORT  v2 PROXY for an AF_UNIX connection;
 *   -EMSGSIZE      v2 header longer than PROXY_HDR_MAX.
 * It fails as soon as the bytes at hand cannot begin a header (a first byte other than
 * 'P' or '\r' fails at once). *out is written only when rc > 0. */
int proxy_hdr_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out);

#endif
