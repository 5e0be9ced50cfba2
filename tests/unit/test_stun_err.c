/* The return convention of stun/err.h: every decode failure is one of the documented
 * errnos, the one the table gives for the reason reported, and never a negated reason. */
#include "stun/err.h"

#include <errno.h>
#include <string.h>

#include "stun/chdata.h"
#include "stun/frame.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

/* The errnos err.h documents; nothing else may come back from stun/. */
static bool documented_errno(int err)
{
	static const int ok[] = {EBADMSG, E2BIG,  EAFNOSUPPORT, EMSGSIZE, ERANGE,
				 EACCES,  ENOENT, ENOSPC,	EIO};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (err == ok[i])
			return true;
	}
	return false;
}

static void test_table(void)
{
	enum stun_derr why, out;
	int bad = 0;

	CHECK(stun_derr_errno(STUN_DERR_OK) == 0 && stun_derr_fail(NULL, STUN_DERR_OK) == 0,
	      "STUN_DERR_OK is no error");
	for (why = STUN_DERR_OK + 1; why < STUN_DERR_MAX; why++) {
		out = STUN_DERR_OK;
		if (!documented_errno(stun_derr_errno(why)) ||
		    stun_derr_fail(&out, why) != -stun_derr_errno(why) || out != why ||
		    strcmp(stun_derr_str(why), "unknown error") == 0)
			bad++;
	}
	CHECK_EQ_INT(bad, 0,
		     "every reason has a documented errno, fail returns it and records "
		     "the reason, every reason has its text");
	CHECK(stun_derr_errno(STUN_DERR_TRUNCATED) == EBADMSG &&
		      stun_derr_errno(STUN_DERR_TOO_MANY_ATTRS) == E2BIG &&
		      stun_derr_errno(STUN_DERR_BAD_FAMILY) == EAFNOSUPPORT &&
		      stun_derr_errno(STUN_DERR_OVERSIZED) == EMSGSIZE &&
		      stun_derr_errno(STUN_DERR_BAD_VALUE) == ERANGE &&
		      stun_derr_errno(STUN_DERR_INTEGRITY_MISMATCH) == EACCES &&
		      stun_derr_errno(STUN_DERR_ABSENT) == ENOENT &&
		      stun_derr_errno(STUN_DERR_NO_ROOM) == ENOSPC &&
		      stun_derr_errno(STUN_DERR_CRYPTO) == EIO,
	      "the table of err.h");
}

/* One decode: a success leaves no reason; a failure returns a documented errno, the one of
 * the reason it reports. Returns false on a violation. */
static bool decode_keeps_convention(const uint8_t *p, size_t n, enum stun_derr *seen)
{
	struct stun_msg m;
	int rc = stun_msg_decode(&m, p, n);

	if (rc == 0)
		return m.why == STUN_DERR_OK;
	if (m.why <= STUN_DERR_OK || m.why >= STUN_DERR_MAX)
		return false;
	seen[m.why] = m.why;
	return rc < 0 && documented_errno(-rc) && rc == -stun_derr_errno(m.why);
}

/* Every truncation and every single-bit flip of the RFC vectors, decoded. */
static void test_decode_vectors(void)
{
	const uint8_t *vs[] = {rfc5769_request, rfc5769_response_v4, rfc5769_response_v6,
			       rfc5769_request_lt, rfc8489_b1_request};
	const size_t ls[] = {sizeof(rfc5769_request), sizeof(rfc5769_response_v4),
			     sizeof(rfc5769_response_v6), sizeof(rfc5769_request_lt),
			     sizeof(rfc8489_b1_request)};
	enum stun_derr seen[STUN_DERR_MAX] = {0};
	uint8_t buf[256];
	size_t i, n, bit;
	int bad = 0, classes = 0;

	for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		for (n = 0; n <= ls[i]; n++) {
			memcpy(buf + sizeof(buf) - n, vs[i], n);
			bad += !decode_keeps_convention(buf + sizeof(buf) - n, n, seen);
		}
		for (bit = 0; bit < 8 * ls[i]; bit++) {
			memcpy(buf, vs[i], ls[i]);
			buf[bit / 8] ^= (uint8_t)(1u << bit % 8);
			bad += !decode_keeps_convention(buf, ls[i], seen);
		}
	}
	for (i = 0; i < STUN_DERR_MAX; i++)
		classes += seen[i] != STUN_DERR_OK;
	CHECK_EQ_INT(bad, 0,
		     "truncated and bit-flipped vectors: each failure is the documented "
		     "errno of its reason");
	CHECK(classes >= 5, "the mutations reach %d failure classes", classes);
}

/* The other two wire decoders, on their malformed inputs. */
static void test_chdata_frame(void)
{
	static const uint8_t bad_frames[][8] = {
		{0x80},
		{0xC0},
		{0x00, 0x01, 0x00, 0x02, 0x21, 0x12, 0xa4, 0x42},
		{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x43},
		{0x40, 0x00, 0xff, 0xff},
	};
	static const uint8_t bad_chdata[][4] = {
		{0x3f, 0xff, 0, 0}, {0x80, 0, 0, 0}, {0x40, 0x00, 0, 1}};
	struct stun_chdata cd;
	enum stun_frame_kind k;
	enum stun_derr why;
	size_t i;
	int rc, bad = 0;

	for (i = 0; i < sizeof(bad_frames) / sizeof(bad_frames[0]); i++) {
		why = STUN_DERR_OK;
		rc = stun_frame_next(bad_frames[i], sizeof(bad_frames[i]), 1024, &k, &why);
		if (rc >= 0 || why == STUN_DERR_OK || !documented_errno(-rc) ||
		    rc != -stun_derr_errno(why))
			bad++;
	}
	for (i = 0; i < sizeof(bad_chdata) / sizeof(bad_chdata[0]); i++) {
		rc = stun_chdata_parse(&cd, bad_chdata[i], sizeof(bad_chdata[i]));
		if (rc >= 0 || cd.why == STUN_DERR_OK || !documented_errno(-rc) ||
		    rc != -stun_derr_errno(cd.why))
			bad++;
	}
	CHECK_EQ_INT(bad, 0, "frame and ChannelData failures: the documented errno of the reason");
}

int main(void)
{
	test_table();
	test_decode_vectors();
	test_chdata_frame();
	return tap_done();
}
