/* The ICMP attribute (RFC 8656 §18.13): encoding, decoding, the MTU rule. */
#include "stun/icmp.h"

#include <errno.h>
#include <string.h>

#include "stun/stun.h"
#include "tap.h"

static const uint8_t tid[STUN_TID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* A Data indication carrying only an ICMP attribute of the given value. */
static int build_raw(uint8_t *buf, size_t cap, const uint8_t *v, size_t len)
{
	struct stun_enc e;

	stun_enc_init(&e, buf, cap, STUN_METHOD_DATA, STUN_CLASS_INDICATION, tid);
	stun_enc_put(&e, STUN_ATTR_ICMP, v, len);
	return stun_enc_finish(&e);
}

static void test_encode(void)
{
	uint8_t buf[64];
	struct stun_enc e;
	struct stun_msg m;
	struct stun_icmp in = {.type = 3, .code = 4, .data = 1400}, out = {0};
	static const uint8_t want[12] = {0x80, 0x04, 0x00, 0x08, 0, 0, 3, 4, 0, 0, 0x05, 0x78};
	int n;

	stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_DATA, STUN_CLASS_INDICATION, tid);
	CHECK_EQ_INT(stun_enc_put_icmp(&e, &in), 0, "put ICMP");
	n = stun_enc_finish(&e);
	CHECK_EQ_INT(n, STUN_HDR_LEN + 12, "header + 4 + 8 bytes");
	CHECK_MEM(buf + STUN_HDR_LEN, want, sizeof(want),
		  "type 0x8004, length 8, reserved zero, type, code, MTU big-endian");
	CHECK_EQ_INT(stun_msg_decode(&m, buf, (size_t)n), 0, "decodes");
	CHECK_EQ_INT(stun_msg_get_icmp(&m, &out), 0, "get ICMP");
	CHECK(out.type == 3 && out.code == 4 && out.data == 1400, "round trip");

	/* Too little room: the encoder's sticky -ENOSPC. */
	stun_enc_init(&e, buf, STUN_HDR_LEN + 8, STUN_METHOD_DATA, STUN_CLASS_INDICATION, tid);
	CHECK_EQ_INT(stun_enc_put_icmp(&e, &in), -ENOSPC, "no room: -ENOSPC");
}

static void test_decode(void)
{
	uint8_t buf[64];
	struct stun_msg m;
	struct stun_icmp out = {0};
	static const uint8_t v6[8] = {0xff, 0xff, 1, 4, 0, 0, 0, 0};
	int n;

	/* The reserved bits are ignored on receipt. */
	n = build_raw(buf, sizeof(buf), v6, sizeof(v6));
	CHECK_EQ_INT(stun_msg_decode(&m, buf, (size_t)n), 0, "decodes");
	CHECK_EQ_INT(stun_msg_get_icmp(&m, &out), 0, "reserved bits set: still read");
	CHECK(out.type == 1 && out.code == 4 && out.data == 0, "ICMPv6 port unreachable");

	/* Wrong lengths, then absent. */
	n = build_raw(buf, sizeof(buf), NULL, 0);
	CHECK(n > 0, "a message with an empty ICMP attribute builds");
	CHECK(stun_msg_decode(&m, buf, (size_t)n) < 0, "an empty ICMP is refused by the decoder");
	n = build_raw(buf, sizeof(buf), v6, 4);
	CHECK(stun_msg_decode(&m, buf, (size_t)n) < 0, "a 4-byte ICMP is refused by the decoder");

	{
		struct stun_enc e;

		stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_DATA, STUN_CLASS_INDICATION, tid);
		n = stun_enc_finish(&e);
		CHECK_EQ_INT(stun_msg_decode(&m, buf, (size_t)n), 0, "empty indication decodes");
		CHECK_EQ_INT(stun_msg_get_icmp(&m, &out), -stun_derr_errno(STUN_DERR_ABSENT),
			     "absent");
	}
}

static void test_mtu_rule(void)
{
	CHECK(stun_icmp_has_mtu(false, 3, 4), "ICMPv4 3/4 fragmentation needed: MTU");
	CHECK(!stun_icmp_has_mtu(false, 3, 3), "ICMPv4 3/3 port unreachable: zero");
	CHECK(!stun_icmp_has_mtu(false, 11, 0), "ICMPv4 11 time exceeded: zero");
	CHECK(stun_icmp_has_mtu(true, 2, 0), "ICMPv6 2 packet too big: MTU");
	CHECK(!stun_icmp_has_mtu(true, 1, 4), "ICMPv6 1/4 port unreachable: zero");
	CHECK(!stun_icmp_has_mtu(true, 3, 4), "ICMPv6 3/4: zero (code 4 only matters for v4)");
}

int main(void)
{
	test_encode();
	test_decode();
	test_mtu_rule();
	return tap_done();
}
