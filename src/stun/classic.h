/* Classic STUN (RFC 3489): the Binding Request of clients older than RFC 5389, such as
 * Debian's stun-client. Its header has no magic cookie: bytes 4..19 are a 128-bit
 * transaction id. Only what a server needs to answer one: recognise the request, walk its
 * attributes, and start a response that echoes the whole 128-bit id. Pure: no malloc, no
 * I/O, no clock, no logging. */
#ifndef TERN_STUN_CLASSIC_H
#define TERN_STUN_CLASSIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun/enc.h"

#define STUN_CLASSIC_TID_LEN 16
/* The most unknown comprehension-required types remembered for a 420. */
#define STUN_CLASSIC_MAX_UNKNOWN 8

/* RFC 3489 §11.2 attribute types that RFC 5389 retired (CHANGE-REQUEST, 0x0003, lives on in
 * RFC 5780 and is in stun/stun.h). */
enum stun_classic_attr {
	STUN_ATTR_RESPONSE_ADDRESS = 0x0002, /* §11.2.2: send the response elsewhere */
	STUN_ATTR_SOURCE_ADDRESS = 0x0004,   /* §11.2.5: where the response came from */
	STUN_ATTR_CHANGED_ADDRESS = 0x0005,  /* §11.2.3: the alternate address and port */
	STUN_ATTR_PASSWORD = 0x0007,	     /* §11.2.7 */
	STUN_ATTR_REFLECTED_FROM = 0x000B,   /* §11.2.11 */
};

/* A decoded classic Binding Request (views into the caller's buffer). */
struct stun_classic_req {
	const uint8_t *tid; /* STUN_CLASSIC_TID_LEN bytes */
	bool has_change;
	uint32_t change;	   /* CHANGE-REQUEST's raw 32 bits */
	bool has_response_address; /* RESPONSE-ADDRESS present */
	bool has_integrity;	   /* MESSAGE-INTEGRITY present (shared-secret mechanism) */
	uint8_t nunknown;
	uint16_t unknown[STUN_CLASSIC_MAX_UNKNOWN];
};

/* True when buf[0..len) is shaped like a classic Binding Request: type 0x0001, a body
 * length that is a multiple of 4 and matches len, and no RFC 5389 magic cookie. */
bool stun_classic_is(const uint8_t *buf, size_t len);

/* Decodes a classic Binding Request (stun_classic_is must hold). Attributes must lie within
 * the message; CHANGE-REQUEST must be 4 bytes. Comprehension-required types the classic
 * usage does not know are listed in r->unknown (RFC 3489 §8.2: 420). Returns 0 or -EBADMSG
 * (*r then unspecified). */
int stun_classic_decode(struct stun_classic_req *r, const uint8_t *buf, size_t len);

/* Starts a classic response of class cls to a request with the 128-bit id tid: like
 * stun_enc_init, with the 16 bytes after the type and length all transaction id. */
int stun_classic_enc_init(struct stun_enc *e, uint8_t *buf, size_t cap, uint8_t cls,
			  const uint8_t *tid);
/* Starts a classic error response (ERROR-CODE, and for a 420 UNKNOWN-ATTRIBUTES). */
int stun_classic_enc_error(struct stun_enc *e, uint8_t *buf, size_t cap, const uint8_t *tid,
			   int code, const uint16_t *unknown, size_t nunknown);

#endif
