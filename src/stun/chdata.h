/* ChannelData messages (RFC 8656 §12.4). */
#ifndef TERN_STUN_CHDATA_H
#define TERN_STUN_CHDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun/err.h"

#define STUN_CHDATA_HDR_LEN 4

struct stun_chdata {
	uint16_t channel;
	uint16_t len;	     /* application data length */
	const uint8_t *data; /* borrowed, inside the parsed buffer */
	enum stun_derr why;  /* why stun_chdata_parse failed (STUN_DERR_OK on success) */
};

/* True if the first byte marks a ChannelData message (0b01 top bits). */
static inline bool stun_chdata_is(const uint8_t *buf, size_t len)
{
	return len >= 1 && (buf[0] & 0xC0) == 0x40;
}
/* Parses a datagram: channel in 0x4000-0x7FFF, length field <= len - 4 (padding or trailing
 * bytes over UDP are allowed, RFC 8656 §12.5). Returns 0, -EBADMSG (STUN_DERR_TRUNCATED)
 * or -ERANGE (STUN_DERR_BAD_CHANNEL), and always sets out->why; the other fields are
 * written only on success. */
int stun_chdata_parse(struct stun_chdata *out, const uint8_t *buf, size_t len);
/* Writes the 4-byte header in front of data of length len at hdr (the headroom). */
void stun_chdata_put_header(uint8_t *hdr, uint16_t channel, uint16_t len);
/* Bytes a ChannelData message of payload len occupies on a stream (padded to 4). */
static inline size_t stun_chdata_stream_len(size_t len)
{
	return (STUN_CHDATA_HDR_LEN + len + 3) & ~(size_t)3;
}

#endif
