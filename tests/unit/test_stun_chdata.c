/* ChannelData parse/build (RFC 8656 §12.4, §12.5). */
#include "stun/chdata.h"

#include <errno.h>
#include <string.h>

#include "stun/err.h"
#include "stun/stun.h"
#include "stun_check.h"
#include "tap.h"

int main(void)
{
	uint8_t b[16] = {0};
	struct stun_chdata cd;

	stun_chdata_put_header(b, 0x4001, 5);
	memcpy(b + 4, "hello", 5);
	CHECK(b[0] == 0x40 && b[1] == 0x01 && b[2] == 0 && b[3] == 5, "header bytes");
	CHECK(stun_chdata_is(b, 9), "is ChannelData");
	CHECK_EQ_INT(stun_chdata_parse(&cd, b, 9), 0, "exact datagram parses");
	CHECK_EQ_INT(cd.why, STUN_DERR_OK, "no reason after a success");
	CHECK(cd.channel == 0x4001 && cd.len == 5 && cd.data == b + 4, "fields are views");
	CHECK_EQ_INT(stun_chdata_parse(&cd, b, 12), 0, "UDP padding after the data allowed");
	CHECK_EQ_INT(cd.len, 5, "length ignores padding");
	CHECK_DERR(stun_chdata_parse(&cd, b, 8), cd.why, EBADMSG, STUN_DERR_TRUNCATED,
		   "length overruns");
	CHECK_DERR(stun_chdata_parse(&cd, b, 3), cd.why, EBADMSG, STUN_DERR_TRUNCATED,
		   "short header");
	stun_chdata_put_header(b, 0x3fff, 0);
	CHECK_DERR(stun_chdata_parse(&cd, b, 4), cd.why, ERANGE, STUN_DERR_BAD_CHANNEL,
		   "channel 0x3fff");
	stun_chdata_put_header(b, 0x8000, 0);
	CHECK_DERR(stun_chdata_parse(&cd, b, 4), cd.why, ERANGE, STUN_DERR_BAD_CHANNEL,
		   "channel 0x8000");
	stun_chdata_put_header(b, 0x7fff, 0);
	CHECK_EQ_INT(stun_chdata_parse(&cd, b, 4), 0, "channel 0x7fff (RFC 5766 clients)");
	stun_chdata_put_header(b, 0x4fff, 0);
	CHECK(stun_chdata_parse(&cd, b, 4) == 0 && cd.len == 0, "channel 0x4fff, empty data");
	CHECK(!stun_chdata_is((const uint8_t *)"\x00", 1) && !stun_chdata_is(b, 0),
	      "STUN / empty is not ChannelData");
	CHECK(stun_chdata_stream_len(0) == 4 && stun_chdata_stream_len(1) == 8 &&
		      stun_chdata_stream_len(4) == 8 && stun_chdata_stream_len(5) == 12,
	      "stream length padded to 4");
	return tap_done();
}
