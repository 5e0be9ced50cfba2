/* Builds STUN messages into a caller's buffer. No malloc. Every put function returns 0 or
 * the encoder's first error, -errno, which is sticky: the encoder then refuses all further
 * puts and finish reports it; e->why holds its reason (stun/err.h). No room left is
 * -ENOSPC (STUN_DERR_NO_ROOM). The position rules of RFC 8489 §14.5-§14.7 are enforced:
 * after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may be put, after
 * MESSAGE-INTEGRITY-SHA256 only FINGERPRINT, after FINGERPRINT nothing; a violation is
 * -EBADMSG (STUN_DERR_INTEGRITY_POSITION or STUN_DERR_FINGERPRINT_POSITION). An
 * out-of-range value (ERROR-CODE outside 300..699, a value longer than 65535) is -ERANGE
 * (STUN_DERR_BAD_VALUE), an address of another family -EAFNOSUPPORT (STUN_DERR_BAD_FAMILY),
 * an HMAC failure -EIO (STUN_DERR_CRYPTO). */
#ifndef TERN_STUN_ENC_H
#define TERN_STUN_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "stun/err.h"

struct stun_enc {
	uint8_t *buf; /* borrowed */
	size_t cap;
	size_t len;	    /* bytes written so far (header included) */
	enum stun_derr why; /* the first error's reason, sticky (STUN_DERR_OK: none) */
	uint8_t seal;	    /* internal: which integrity attributes have been put */
};

/* Starts a message of the given method and class with the 12-byte transaction id tid. */
int stun_enc_init(struct stun_enc *e, uint8_t *buf, size_t cap, uint16_t method, uint8_t cls,
		  const uint8_t *tid);
/* Generic attribute: value bytes copied and padded to 4 with zeros. */
int stun_enc_put(struct stun_enc *e, uint16_t type, const void *val, size_t len);
/* Reserves len bytes for an attribute's value and returns a pointer to them in *out (the
 * caller fills it, e.g. DATA copied straight from a socket). */
int stun_enc_reserve(struct stun_enc *e, uint16_t type, size_t len, uint8_t **out);
int stun_enc_put_u32(struct stun_enc *e, uint16_t type, uint32_t v);
/* XOR-MAPPED/PEER/RELAYED-ADDRESS (xor with cookie and transaction id). */
int stun_enc_put_xor_addr(struct stun_enc *e, uint16_t type, const struct addr *a);
/* MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS. */
int stun_enc_put_addr(struct stun_enc *e, uint16_t type, const struct addr *a);
/* ERROR-CODE with the reason phrase from the one table (stun_err_reason). */
int stun_enc_put_error(struct stun_enc *e, int code);
/* UNKNOWN-ATTRIBUTES listing n types. */
int stun_enc_put_unknown(struct stun_enc *e, const uint16_t *types, size_t n);
/* PASSWORD-ALGORITHMS listing n algorithms without parameters. */
int stun_enc_put_pwalgs(struct stun_enc *e, const uint16_t *algs, size_t n);
/* ADDRESS-ERROR-CODE. */
int stun_enc_put_addr_error(struct stun_enc *e, uint8_t family, int code);
/* Appends MESSAGE-INTEGRITY computed with key; nothing but MI-SHA256/FINGERPRINT may follow. */
int stun_enc_put_integrity_sha1(struct stun_enc *e, const uint8_t *key, size_t klen);
/* Appends MESSAGE-INTEGRITY-SHA256 (32 bytes). */
int stun_enc_put_integrity_sha256(struct stun_enc *e, const uint8_t *key, size_t klen);
/* Appends FINGERPRINT. Must be last. */
int stun_enc_put_fingerprint(struct stun_enc *e);
/* Returns the final length (>0) or the first error (-ENOSPC, ...). The header
 * length is kept current by every put, so finish only reports. */
int stun_enc_finish(const struct stun_enc *e);

/* Starts an error response to a request with transaction id tid: the header, ERROR-CODE
 * and, for a 420, UNKNOWN-ATTRIBUTES. The caller may append more (REALM, NONCE, integrity,
 * FINGERPRINT) and calls stun_enc_finish. Returns 0 or the encoder's sticky error. */
int stun_enc_error_begin(struct stun_enc *e, uint8_t *buf, size_t cap, uint16_t method,
			 const uint8_t *tid, int code, const uint16_t *unknown, size_t nunknown);

/* Builds a complete error response (method, ERROR-CODE, and for 420 UNKNOWN-ATTRIBUTES;
 * FINGERPRINT when fingerprint is true) for a request with transaction id tid.
 * Returns the length or the encoder's error (-ENOSPC when cap is too small). With
 * stun_enc_error_begin, the one place error
 * responses are built. */
int stun_enc_error_response(uint8_t *buf, size_t cap, uint16_t method, const uint8_t *tid, int code,
			    const uint16_t *unknown, size_t nunknown, bool fingerprint);

#endif
