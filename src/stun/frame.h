/* Framing of STUN and ChannelData messages over a byte stream (TCP/TLS; RFC 8489 §6.2.2,
 * RFC 8656 §12.5): decides where the next message ends in the bytes received so far. */
#ifndef TERN_STUN_FRAME_H
#define TERN_STUN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "stun/err.h"

enum stun_frame_kind {
	STUN_FRAME_STUN = 1,
	STUN_FRAME_CHDATA = 2,
};

/* Looks at buf[0..len) (bytes received, not yet consumed). Returns:
 *   > 0: a whole frame of that many bytes is at buf (ChannelData counted with its padding);
 *        *kind says which;
 *   0:   more bytes are needed;
 *   < 0: the stream can not be framed; the connection should be closed. -EBADMSG: not
 *        STUN nor ChannelData (STUN_DERR_NOT_STUN, STUN_DERR_BAD_COOKIE,
 *        STUN_DERR_BAD_LENGTH); -ERANGE: a bad channel number (STUN_DERR_BAD_CHANNEL);
 *        -EMSGSIZE: a length above max_len (STUN_DERR_OVERSIZED). The reason goes to *why
 *        when why is not NULL (untouched otherwise).
 * Pure: no state besides the bytes, so partial and coalesced reads are just calls with more
 * or fewer bytes. */
int stun_frame_next(const uint8_t *buf, size_t len, size_t max_len, enum stun_frame_kind *kind,
		    enum stun_derr *why);

#endif
