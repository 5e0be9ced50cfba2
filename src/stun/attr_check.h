/* Per-type attribute value rules shared by the decoder and the typed getters (internal to
 * stun/). */
#ifndef TERN_STUN_ATTR_CHECK_H
#define TERN_STUN_ATTR_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun/err.h"

/* The longest USERNAME, REALM, NONCE, SOFTWARE, reason phrase or ALTERNATE-DOMAIN value
 * the decoder accepts: RFC 8489 §14.3, §14.9, §14.10, §14.14 ("as long as 763 bytes when
 * decoding"). */
#define STUN_TEXT_MAX_BYTES 763
/* REALM, NONCE, SOFTWARE, reason phrases: "fewer than 128 characters". */
#define STUN_TEXT_MAX_CHARS 127

/* Checks the value of an attribute of the given type against its RFC length and format
 * rules. Sets *known to whether the type is one Tern understands. Returns 0, or -EBADMSG
 * (STUN_DERR_BAD_ATTR_LEN), -EMSGSIZE (STUN_DERR_OVERSIZED), -EAFNOSUPPORT
 * (STUN_DERR_BAD_FAMILY) with the reason in *why when why is not NULL. */
int stun_attr_check(uint16_t type, const uint8_t *v, size_t len, bool *known, enum stun_derr *why);

#endif
