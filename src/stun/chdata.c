/* ChannelData messages (RFC 8656 §12.4, §12.5). */
#include "stun/chdata.h"

#include "base/bytes.h"
#include "stun/err.h"
#include "stun/stun.h"

int stun_chdata_parse(struct stun_chdata *out, const uint8_t *buf, size_t len)
{
	uint16_t channel, dlen;

	out->why = STUN_DERR_OK;
	if (len < STUN_CHDATA_HDR_LEN)
		return stun_derr_fail(&out->why, STUN_DERR_TRUNCATED);
	channel = bytes_get16(buf);
	/* §12, with RFC 5766 clients' 0x5000-0x7FFF accepted (see STUN_CHANNEL_MAX). */
	if (channel < STUN_CHANNEL_MIN || channel > STUN_CHANNEL_MAX)
		return stun_derr_fail(&out->why, STUN_DERR_BAD_CHANNEL);
	dlen = bytes_get16(buf + 2);
	/* §12.5: over UDP the datagram may carry padding (or more) after the data. */
	if (dlen > len - STUN_CHDATA_HDR_LEN)
		return stun_derr_fail(&out->why, STUN_DERR_TRUNCATED);
	out->channel = channel;
	out->len = dlen;
	out->data = buf + STUN_CHDATA_HDR_LEN;
	return 0;
}

void stun_chdata_put_header(uint8_t *hdr, uint16_t channel, uint16_t len)
{
	bytes_put16(hdr, channel);
	bytes_put16(hdr + 2, len);
}
