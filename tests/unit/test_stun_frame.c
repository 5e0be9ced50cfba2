/* Stream framing: partial reads at every split point, coalesced messages, ChannelData
 * padding, oversize, garbage. */
#include "stun/frame.h"

#include <errno.h>
#include <string.h>

#include "stun/chdata.h"
#include "stun/err.h"
#include "stun_check.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

#define MAX 4096

/* A stream: 2.1 request, a ChannelData of 5 bytes (+3 padding), 2.2 response, an empty
 * ChannelData. */
static size_t make_stream(uint8_t *s, size_t *ends)
{
	size_t n = 0;

	memcpy(s + n, rfc5769_request, sizeof(rfc5769_request));
	n += sizeof(rfc5769_request);
	ends[0] = n;
	stun_chdata_put_header(s + n, 0x4000, 5);
	memcpy(s + n + 4, "hello\0\0\0", 8);
	n += 12;
	ends[1] = n;
	memcpy(s + n, rfc5769_response_v4, sizeof(rfc5769_response_v4));
	n += sizeof(rfc5769_response_v4);
	ends[2] = n;
	stun_chdata_put_header(s + n, 0x4fff, 0);
	n += 4;
	ends[3] = n;
	return n;
}

static void test_coalesced(void)
{
	static const enum stun_frame_kind kinds[4] = {STUN_FRAME_STUN, STUN_FRAME_CHDATA,
						      STUN_FRAME_STUN, STUN_FRAME_CHDATA};
	uint8_t s[512];
	size_t ends[4], len = make_stream(s, ends), off = 0, i;
	enum stun_frame_kind k;
	int rc, ok = 1;

	for (i = 0; i < 4; i++) {
		rc = stun_frame_next(s + off, len - off, MAX, &k, NULL);
		if (rc <= 0 || off + (size_t)rc != ends[i] || k != kinds[i])
			ok = 0;
		off += rc > 0 ? (size_t)rc : 0;
	}
	CHECK(ok && off == len, "four coalesced frames found in one buffer");
	CHECK_EQ_INT(stun_frame_next(s + off, 0, MAX, &k, NULL), 0, "empty buffer: need more");
}

/* Feeds the stream with a split at every point: each frame appears once all its bytes are
 * there and never before. */
static void test_partial(void)
{
	uint8_t s[512];
	size_t ends[4], len = make_stream(s, ends), start, avail, i;
	enum stun_frame_kind k;
	int bad = 0;

	for (i = 0, start = 0; i < 4; start = ends[i], i++) {
		for (avail = 0; avail < ends[i] - start; avail++) {
			uint8_t tmp[512];

			/* Copy to the end of a buffer so ASan sees any over-read. */
			memcpy(tmp + sizeof(tmp) - avail, s + start, avail);
			if (stun_frame_next(tmp + sizeof(tmp) - avail, avail, MAX, &k, NULL) != 0)
				bad++;
		}
		if (stun_frame_next(s + start, len - start, MAX, &k, NULL) !=
		    (int)(ends[i] - start))
			bad++;
	}
	CHECK_EQ_INT(bad, 0, "partial reads: 0 until complete, then the frame length");
}

static void test_errors(void)
{
	uint8_t b[64];
	enum stun_frame_kind k;
	enum stun_derr why;

	memset(b, 0, sizeof(b));
	b[0] = 0x80;
	CHECK_DERR(stun_frame_next(b, 1, MAX, &k, &why), why, EBADMSG, STUN_DERR_NOT_STUN,
		   "0b10 first byte");
	b[0] = 0xC0;
	CHECK_DERR(stun_frame_next(b, 1, MAX, &k, &why), why, EBADMSG, STUN_DERR_NOT_STUN,
		   "0b11 first byte");
	memcpy(b, rfc5769_request, 20);
	b[7] ^= 1;
	CHECK_DERR(stun_frame_next(b, 8, MAX, &k, &why), why, EBADMSG, STUN_DERR_BAD_COOKIE,
		   "bad cookie");
	memcpy(b, rfc5769_request, 20);
	b[3] = 0x02;
	CHECK_DERR(stun_frame_next(b, 20, MAX, &k, &why), why, EBADMSG, STUN_DERR_BAD_LENGTH,
		   "odd STUN length");
	b[2] = 0xff, b[3] = 0xfc;
	CHECK_DERR(stun_frame_next(b, 20, MAX, &k, &why), why, EMSGSIZE, STUN_DERR_OVERSIZED,
		   "STUN above max_len");
	CHECK_EQ_INT(stun_frame_next(b, 20, 65555, &k, NULL), 0,
		     "same with a large max: need more");
	stun_chdata_put_header(b, 0x4000, 5000);
	CHECK_DERR(stun_frame_next(b, 4, MAX, &k, &why), why, EMSGSIZE, STUN_DERR_OVERSIZED,
		   "ChannelData above max_len");
	stun_chdata_put_header(b, 0x7fff, 4);
	CHECK(stun_frame_next(b, 8, MAX, &k, NULL) == 8 && k == STUN_FRAME_CHDATA,
	      "channel 0x7fff (RFC 5766 range) frames");
	stun_chdata_put_header(b, 0x4000, 1);
	CHECK_EQ_INT(stun_frame_next(b, 5, MAX, &k, NULL), 0, "ChannelData waits for its padding");
	CHECK(stun_frame_next(b, 8, MAX, &k, NULL) == 8 && k == STUN_FRAME_CHDATA,
	      "ChannelData of 1 byte is 8 on a stream");
}

int main(void)
{
	test_coalesced();
	test_partial();
	test_errors();
	return tap_done();
}
