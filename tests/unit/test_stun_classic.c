/* Classic STUN (RFC 3489) Binding Requests (stun/classic.c), and the RFC 5780 attributes as
 * the codec reads and writes them (CHANGE-REQUEST, RESPONSE-PORT, PADDING, RESPONSE-ORIGIN,
 * OTHER-ADDRESS). The classic request below is byte for byte what Debian's stun-client 0.97
 * sends for its test II (change IP). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "base/addr.h"
#include "base/bytes.h"
#include "stun/classic.h"
#include "stun/enc.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"

static const uint8_t stunclient_test2[28] = {
	0x00, 0x01, 0x00, 0x08, 0x02, 0x02, 0x44, 0x36, 0x9f, 0x4d, 0x77, 0x58, 0xa4, 0x5a,
	0x77, 0x2e, 0x2a, 0x7f, 0xcb, 0x3d, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04};

static void test_is(void)
{
	uint8_t b[28];

	CHECK(stun_classic_is(stunclient_test2, sizeof(stunclient_test2)), "stun-client's request");
	CHECK(!stun_classic_is(stunclient_test2, 27), "length must match the header");
	memcpy(b, stunclient_test2, sizeof(b));
	bytes_put32(b + 4, STUN_MAGIC_COOKIE);
	CHECK(!stun_classic_is(b, sizeof(b)), "a magic cookie makes it RFC 5389");
	memcpy(b, stunclient_test2, sizeof(b));
	b[1] = 0x03;
	CHECK(!stun_classic_is(b, sizeof(b)), "only Binding Requests");
	b[1] = 0x01;
	b[3] = 0x06;
	CHECK(!stun_classic_is(b, sizeof(b)), "length a multiple of 4");
	CHECK(!stun_classic_is(b, 19), "shorter than a header");
}

static void test_decode(void)
{
	uint8_t b[64];
	struct stun_classic_req r;

	CHECK_EQ_INT(stun_classic_decode(&r, stunclient_test2, sizeof(stunclient_test2)), 0,
		     "decodes");
	CHECK(r.has_change && r.change == 4, "CHANGE-REQUEST change IP");
	CHECK(r.tid == stunclient_test2 + 4, "the 128-bit id is bytes 4..19");
	CHECK(!r.has_response_address && !r.has_integrity && r.nunknown == 0, "nothing else");

	/* RESPONSE-ADDRESS, an unknown comprehension-required type, an optional one. */
	memcpy(b, stunclient_test2, 20);
	memcpy(b + 20, "\x00\x02\x00\x08\x00\x01\x12\x34\x0a\x00\x00\x01", 12);
	memcpy(b + 32, "\x00\x20\x00\x04\x00\x00\x00\x00", 8);
	memcpy(b + 40, "\x80\x22\x00\x04tern", 8);
	bytes_put16(b + 2, 28);
	CHECK_EQ_INT(stun_classic_decode(&r, b, 48), 0, "decodes with more attributes");
	CHECK(r.has_response_address, "RESPONSE-ADDRESS seen");
	CHECK(r.nunknown == 1 && r.unknown[0] == 0x0020, "0x0020 unknown, 0x8022 ignored");

	/* Malformed: overrun, CHANGE-REQUEST of 8 bytes, odd length. */
	memcpy(b, stunclient_test2, 28);
	b[23] = 0x08;
	CHECK_EQ_INT(stun_classic_decode(&r, b, 28), -EBADMSG, "attribute past the end");
	bytes_put16(b + 2, 12);
	memset(b + 28, 0, 4);
	CHECK_EQ_INT(stun_classic_decode(&r, b, 32), -EBADMSG, "CHANGE-REQUEST is 4 bytes");
	memcpy(b + 20, "\x80\x22\x00\x03tern", 8);
	bytes_put16(b + 2, 8);
	CHECK_EQ_INT(stun_classic_decode(&r, b, 28), -EBADMSG, "lengths are multiples of 4");
	bytes_put16(b + 2, 4);
	memcpy(b + 20, "\x00\x03\x00", 3);
	b[23] = 0;
	CHECK_EQ_INT(stun_classic_decode(&r, b, 23), -EBADMSG, "not classic: length mismatch");
}

static void test_encode(void)
{
	uint8_t out[128];
	struct stun_enc e;
	struct addr a;
	const uint8_t *tid = stunclient_test2 + 4;
	uint16_t unk = 0x0020;
	int n;

	addr_parse(&a, "192.0.2.7", 4000);
	CHECK_EQ_INT(stun_classic_enc_init(&e, out, sizeof(out), STUN_CLASS_SUCCESS, tid), 0,
		     "starts");
	stun_enc_put_addr(&e, STUN_ATTR_MAPPED_ADDRESS, &a);
	n = stun_enc_finish(&e);
	CHECK_EQ_INT(n, 32, "header + MAPPED-ADDRESS");
	CHECK(bytes_get16(out) == 0x0101 && bytes_get16(out + 2) == 12, "Binding success, length");
	CHECK_MEM(out + 4, tid, STUN_CLASSIC_TID_LEN, "all 128 bits echoed");
	CHECK_MEM(out + 20, "\x00\x01\x00\x08\x00\x01\x0f\xa0\xc0\x00\x02\x07", 12,
		  "MAPPED-ADDRESS 192.0.2.7:4000");

	CHECK_EQ_INT(stun_classic_enc_error(&e, out, sizeof(out), tid, 420, &unk, 1), 0, "error");
	n = stun_enc_finish(&e);
	CHECK(n > 20 && bytes_get16(out) == 0x0111, "Binding error response");
	CHECK_MEM(out + 4, tid, STUN_CLASSIC_TID_LEN, "id echoed in the error");
	CHECK(n == 20 + 8 + 20 + 8 && bytes_get16(out + 20) == STUN_ATTR_ERROR_CODE &&
		      out[26] == 4 && out[27] == 20,
	      "ERROR-CODE 420 (%d bytes)", n);
}

/* RFC 5780 §7: the request attributes the server reads and the ones it writes. */
static void test_rfc5780_attrs(void)
{
	uint8_t tid[STUN_TID_LEN] = {1, 2, 3}, buf[256], pad[40] = {0};
	struct stun_enc e;
	struct stun_msg m;
	struct stun_str s;
	struct addr a, o, got;
	uint32_t cr;
	uint16_t port;

	addr_parse(&a, "198.51.100.1", 3478);
	addr_parse(&o, "2001:db8::2", 3479);
	stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_enc_put_u32(&e, STUN_ATTR_CHANGE_REQUEST, 0x6);
	stun_enc_put(&e, STUN_ATTR_RESPONSE_PORT, "\xc3\x50\x00\x00", 4);
	stun_enc_put(&e, STUN_ATTR_PADDING, pad, sizeof(pad));
	stun_enc_put_addr(&e, STUN_ATTR_RESPONSE_ORIGIN, &a);
	stun_enc_put_addr(&e, STUN_ATTR_OTHER_ADDRESS, &o);
	CHECK(stun_msg_decode(&m, buf, (size_t)stun_enc_finish(&e)) == 0, "decodes");
	CHECK(stun_msg_get_u32(&m, STUN_ATTR_CHANGE_REQUEST, &cr) == 0 && cr == 6,
	      "CHANGE-REQUEST flags");
	CHECK(stun_msg_get_response_port(&m, &port) == 0 && port == 50000, "RESPONSE-PORT");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_PADDING, &s) == 0 && s.len == sizeof(pad),
	      "PADDING");
	CHECK(stun_msg_get_addr(&m, STUN_ATTR_RESPONSE_ORIGIN, &got) == 0 && addr_eq(&got, &a),
	      "RESPONSE-ORIGIN");
	CHECK(stun_msg_get_addr(&m, STUN_ATTR_OTHER_ADDRESS, &got) == 0 && addr_eq(&got, &o),
	      "OTHER-ADDRESS (IPv6)");
	CHECK(m.nunknown == 0, "all known to the codec");

	/* CHANGE-REQUEST and RESPONSE-PORT have fixed lengths: a request with others is 400. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_enc_put(&e, STUN_ATTR_CHANGE_REQUEST, pad, 8);
	CHECK(stun_msg_decode(&m, buf, (size_t)stun_enc_finish(&e)) < 0 &&
		      m.why == STUN_DERR_BAD_ATTR_LEN,
	      "CHANGE-REQUEST of 8 bytes refused");
	stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_enc_put(&e, STUN_ATTR_RESPONSE_PORT, pad, 2);
	CHECK(stun_msg_decode(&m, buf, (size_t)stun_enc_finish(&e)) < 0 &&
		      m.why == STUN_DERR_BAD_ATTR_LEN,
	      "RESPONSE-PORT of 2 bytes refused");
}

int main(void)
{
	test_is();
	test_decode();
	test_encode();
	test_rfc5780_attrs();
	return tap_done();
}
