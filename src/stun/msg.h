/* The decoded STUN message: header fields plus views of every attribute, pointing into
 * the caller's buffer. Decoding is pure: no malloc, no I/O, no clock, no logging. */
#ifndef TERN_STUN_MSG_H
#define TERN_STUN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "stun/err.h"
#include "stun/stun.h"

/* The most attributes one message may carry; more is STUN_DERR_TOO_MANY_ATTRS (-E2BIG). */
#define STUN_MAX_ATTRS 40
/* The most unknown comprehension-required types remembered for UNKNOWN-ATTRIBUTES. */
#define STUN_MAX_UNKNOWN 8

struct stun_attr {
	uint16_t type;
	uint16_t len; /* value length, without padding */
	uint16_t off; /* offset of the attribute header from the start of the message */
};

struct stun_msg {
	const uint8_t *buf; /* borrowed: the whole message */
	size_t len;	    /* STUN_HDR_LEN + body length */
	uint16_t method;    /* enum stun_method */
	uint8_t cls;	    /* enum stun_class */
	const uint8_t *tid; /* STUN_TID_LEN bytes inside buf */
	uint16_t nattrs;
	struct stun_attr attrs[STUN_MAX_ATTRS];
	/* Index into attrs[] or -1. Attributes after MESSAGE-INTEGRITY(-SHA256) other than
	 * those RFC 8489 §14.5/§14.6 allow are not recorded (they must be ignored). */
	int8_t i_mi;
	int8_t i_mi256;
	int8_t i_fp;
	/* Comprehension-required attribute types the codec does not know (for a 420). */
	uint8_t nunknown;
	uint16_t unknown[STUN_MAX_UNKNOWN];
	/* Why stun_msg_decode failed (STUN_DERR_OK after a success). */
	enum stun_derr why;
};

/* Looks at the first bytes of a datagram: true if it can be a STUN message (top two bits
 * zero, cookie present, length multiple of 4). Needs len >= STUN_HDR_LEN. */
bool stun_msg_is_stun(const uint8_t *buf, size_t len);

/* Decodes buf[0..len) into *m (borrows buf for m's lifetime). len must equal the header's
 * length + 20 (a datagram with trailing bytes is rejected). Checks structure, attribute
 * bounds and lengths of known fixed-size types, the position of MESSAGE-INTEGRITY,
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and the FINGERPRINT value if present.
 * Attributes after MESSAGE-INTEGRITY(-SHA256) that RFC 8489 §14.5/§14.6 say to ignore are
 * ignored (not an error); anything after FINGERPRINT is STUN_DERR_FINGERPRINT_POSITION.
 * Returns 0 or the errno of the reason (stun/err.h: -EBADMSG, -E2BIG, -EAFNOSUPPORT,
 * -EMSGSIZE, -ERANGE) and always sets m->why to the reason (STUN_DERR_OK on success).
 * When the header is valid and the failure lies in the attributes, m->method, m->cls and
 * m->tid are already set (the caller can still answer with a 400); after a header failure
 * nothing but m->why is written. */
int stun_msg_decode(struct stun_msg *m, const uint8_t *buf, size_t len);

/* The first attribute of the given type, or NULL. */
const struct stun_attr *stun_msg_find(const struct stun_msg *m, uint16_t type);
/* The value bytes of attribute a. */
static inline const uint8_t *stun_attr_value(const struct stun_msg *m, const struct stun_attr *a)
{
	return m->buf + a->off + STUN_ATTR_HDR_LEN;
}

/* Typed getters. Each returns 0 and writes its out-parameters, -ENOENT when the attribute
 * is missing (STUN_DERR_ABSENT), or, when its value is malformed, the errno of the reason
 * (stun/err.h), which within one getter names one reason: -EBADMSG a wrong length,
 * -EAFNOSUPPORT a bad family, -EMSGSIZE a value over its limit, -ERANGE a value outside
 * its type (ERROR-CODE class or number), -E2BIG more than the caller has room for. */

/* XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS (first one of type). */
int stun_msg_get_xor_addr(const struct stun_msg *m, uint16_t type, struct addr *out);
/* All XOR-PEER-ADDRESS (or other xor-address type) attributes, in order; *n in/out. More
 * than *n of them: -E2BIG (*n unchanged), never a silent cut. */
int stun_msg_get_xor_addrs(const struct stun_msg *m, uint16_t type, struct addr *out, size_t *n);
/* MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS. */
int stun_msg_get_addr(const struct stun_msg *m, uint16_t type, struct addr *out);
/* Decodes one (xor-)address value of length len (used by both of the above). */
int stun_addr_decode(const uint8_t *v, size_t len, bool xor, const uint8_t *tid, struct addr *out);

/* A view into the message: not NUL-terminated. */
struct stun_str {
	const uint8_t *p;
	size_t len;
};
/* USERNAME (<= 763 bytes: RFC 8489 §14.3 requires parsing up to 763), REALM (< 128
 * chars, <= 763 bytes), NONCE (< 128 chars, <= 763 bytes), SOFTWARE (< 128 chars,
 * <= 763 bytes), ALTERNATE-DOMAIN (<= 255 bytes), DATA, USERHASH
 * (exactly 32), MOBILITY-TICKET, RESERVATION-TOKEN (exactly 8), CONNECTION-ID (4),
 * PADDING, MESSAGE-INTEGRITY (20), MESSAGE-INTEGRITY-SHA256 (16..32, multiple of 4).
 * Enforces the listed limits. */
int stun_msg_get_bytes(const struct stun_msg *m, uint16_t type, struct stun_str *out);

/* 32-bit fields: LIFETIME, CONNECTION-ID, CHANGE-REQUEST, ICMP (the raw 32 bits). */
int stun_msg_get_u32(const struct stun_msg *m, uint16_t type, uint32_t *out);

/* ERROR-CODE: code 300..699, reason view. */
int stun_msg_get_error(const struct stun_msg *m, int *code, struct stun_str *reason);
/* UNKNOWN-ATTRIBUTES: up to *n types. */
int stun_msg_get_unknown(const struct stun_msg *m, uint16_t *types, size_t *n);
/* CHANNEL-NUMBER: the channel (any 16-bit value; the caller checks the range). */
int stun_msg_get_channel(const struct stun_msg *m, uint16_t *channel);
/* REQUESTED-TRANSPORT: the protocol number. */
int stun_msg_get_transport(const struct stun_msg *m, uint8_t *proto);
/* REQUESTED-ADDRESS-FAMILY, ADDITIONAL-ADDRESS-FAMILY: STUN_FAMILY_IPV4/IPV6 only. */
int stun_msg_get_family(const struct stun_msg *m, uint16_t type, uint8_t *family);
/* ADDRESS-ERROR-CODE: family and error code. */
int stun_msg_get_addr_error(const struct stun_msg *m, uint8_t *family, int *code,
			    struct stun_str *reason);
/* EVEN-PORT: the R bit. */
int stun_msg_get_even_port(const struct stun_msg *m, bool *reserve);
/* RESPONSE-PORT: the port. */
int stun_msg_get_response_port(const struct stun_msg *m, uint16_t *port);
/* PASSWORD-ALGORITHM: algorithm number and its parameters view. */
int stun_msg_get_pwalg(const struct stun_msg *m, uint16_t *alg, struct stun_str *params);
/* PASSWORD-ALGORITHMS: up to *n algorithm numbers, in order. */
int stun_msg_get_pwalgs(const struct stun_msg *m, uint16_t *algs, size_t *n);
/* True when a REALM, NONCE or SOFTWARE value of len bytes is within RFC 8489's limits
 * (§14.9, §14.10, §14.14: fewer than 128 characters, at most 763 bytes): what a server
 * may send and the decoder accepts. */
bool stun_text_fits(const void *p, size_t len);
/* DONT-FRAGMENT and other flag attributes: true when present (length must be 0). */
bool stun_msg_has(const struct stun_msg *m, uint16_t type);

#endif
