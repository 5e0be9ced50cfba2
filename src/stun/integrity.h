/* MESSAGE-INTEGRITY (HMAC-SHA1), MESSAGE-INTEGRITY-SHA256 and FINGERPRINT over an encoded
 * message (RFC 8489 §14.5, §14.6, §14.7). */
#ifndef TERN_STUN_INTEGRITY_H
#define TERN_STUN_INTEGRITY_H

#include <stddef.h>
#include <stdint.h>

#include "stun/msg.h"

/* Verifies the MESSAGE-INTEGRITY of a decoded message with key (borrowed). The HMAC covers
 * the message up to the attribute with the header length adjusted as the RFC says.
 * Constant-time comparison. Returns 0, -ENOENT (STUN_DERR_NO_INTEGRITY: the attribute is
 * absent), -EACCES (STUN_DERR_INTEGRITY_MISMATCH) or, when the crypto library fails, -EIO
 * (STUN_DERR_CRYPTO). */
int stun_integrity_verify_sha1(const struct stun_msg *m, const uint8_t *key, size_t klen);
/* The same for MESSAGE-INTEGRITY-SHA256 (truncated values of 16..32 bytes accepted). */
int stun_integrity_verify_sha256(const struct stun_msg *m, const uint8_t *key, size_t klen);

/* The FINGERPRINT value for buf[0..len) where len is the length up to (not including) the
 * FINGERPRINT attribute and buf's header length already counts it. */
uint32_t stun_fingerprint(const uint8_t *buf, size_t len);

#endif
