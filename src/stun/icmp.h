/* The ICMP attribute (RFC 8656 §18.13): what a TURN server tells its client about an ICMP
 * error a peer's network answered a relayed datagram with (§11.5). Pure: no I/O, no malloc.
 *
 *    0                   1                   2                   3
 *   +-------------------------------+---------------+---------------+
 *   |           Reserved            |   ICMP Type   |   ICMP Code   |
 *   +-------------------------------+---------------+---------------+
 *   |                          Error Data                           |
 *   +---------------------------------------------------------------+
 *
 * Reserved is sent as zero and ignored on receipt. Error Data is the next-hop MTU for
 * ICMPv4 type 3 code 4 (fragmentation needed, RFC 1191 §4) and ICMPv6 type 2 (packet too
 * big, RFC 4443 §3.2), and zero for every other type and code. */
#ifndef TERN_STUN_ICMP_H
#define TERN_STUN_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "stun/enc.h"
#include "stun/msg.h"

/* ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) types and codes TURN relays (RFC 8656 §11.5). */
#define STUN_ICMP4_DEST_UNREACH	  3
#define STUN_ICMP4_FRAG_NEEDED	  4 /* a code of type 3 */
#define STUN_ICMP4_TIME_EXCEEDED  11
#define STUN_ICMP6_DEST_UNREACH	  1
#define STUN_ICMP6_PACKET_TOO_BIG 2
#define STUN_ICMP6_TIME_EXCEEDED  3

struct stun_icmp {
	uint8_t type;
	uint8_t code;
	uint32_t data; /* Error Data */
};

/* Whether the Error Data of an ICMP error of this type and code carries the MTU (ipv6: an
 * ICMPv6 message, else ICMPv4). */
bool stun_icmp_has_mtu(bool ipv6, uint8_t type, uint8_t code);
/* Appends an ICMP attribute with icmp's fields (the reserved bits zero). */
int stun_enc_put_icmp(struct stun_enc *e, const struct stun_icmp *icmp);
/* The ICMP attribute of m into *out: 0, or -errno (absent: STUN_DERR_ABSENT; not 8 bytes:
 * STUN_DERR_BAD_ATTR_LEN). The reserved bits are ignored. */
int stun_msg_get_icmp(const struct stun_msg *m, struct stun_icmp *out);

#endif
