/* Stream framing of STUN and ChannelData messages (RFC 8489 §6.2.2, RFC 8656 §12.5). */
#include "stun/frame.h"

#include "base/bytes.h"
#include "stun/chdata.h"
#include "stun/err.h"
#include "stun/stun.h"

/* A STUN message: 20 bytes of header plus the length field (RFC 8489 §5). The cookie is
 * checked as soon as it has arrived, so garbage is refused without waiting for more. */
static int stun_frame_stun(const uint8_t *buf, size_t len, size_t max_len, enum stun_derr *why)
{
	size_t total;

	if (len >= 8 && bytes_get32(buf + 4) != STUN_MAGIC_COOKIE)
		return stun_derr_fail(why, STUN_DERR_BAD_COOKIE);
	if (len < 4)
		return 0;
	total = STUN_HDR_LEN + (size_t)bytes_get16(buf + 2);
	if (total % 4 != 0)
		return stun_derr_fail(why, STUN_DERR_BAD_LENGTH);
	if (total > max_len)
		return stun_derr_fail(why, STUN_DERR_OVERSIZED);
	return len >= total ? (int)total : 0;
}

/* ChannelData: 4 bytes of header plus the data, padded to 4 on streams (RFC 8656 §12.5). */
static int stun_frame_chdata(const uint8_t *buf, size_t len, size_t max_len, enum stun_derr *why)
{
	uint16_t channel;
	size_t total;

	if (len < 2)
		return 0;
	channel = bytes_get16(buf);
	if (channel < STUN_CHANNEL_MIN || channel > STUN_CHANNEL_MAX)
		return stun_derr_fail(why, STUN_DERR_BAD_CHANNEL);
	if (len < STUN_CHDATA_HDR_LEN)
		return 0;
	total = stun_chdata_stream_len(bytes_get16(buf + 2));
	if (total > max_len)
		return stun_derr_fail(why, STUN_DERR_OVERSIZED);
	return len >= total ? (int)total : 0;
}

int stun_frame_next(const uint8_t *buf, size_t len, size_t max_len, enum stun_frame_kind *kind,
		    enum stun_derr *why)
{
	int rc;

	if (len == 0)
		return 0;
	switch (buf[0] & 0xC0) {
	case 0x00:
		rc = stun_frame_stun(buf, len, max_len, why);
		if (rc > 0)
			*kind = STUN_FRAME_STUN;
		return rc;
	case 0x40:
		rc = stun_frame_chdata(buf, len, max_len, why);
		if (rc > 0)
			*kind = STUN_FRAME_CHDATA;
		return rc;
	default:
		return stun_derr_fail(why, STUN_DERR_NOT_STUN);
	}
}
