/* Encoder tests: RFC 5769 responses rebuilt byte for byte, NO_ROOM, position rules, the
 * error response builder. */
#include "stun/enc.h"

#include <errno.h>
#include <string.h>

#include "stun/err.h"
#include "stun/integrity.h"
#include "stun/msg.h"
#include "stun_check.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

#define SHORT_KEY     ((const uint8_t *)RFC5769_PASSWORD)
#define SHORT_KEY_LEN (sizeof(RFC5769_PASSWORD) - 1)

/* Rebuilds an RFC 5769 response. The vectors fill the SOFTWARE padding with 0x20 (see
 * rfc5769.h); the encoder writes zeros as RFC 8489 §14 requires. With space_pad the test
 * writes the vector's 0x20 into the padding through stun_enc_reserve before the
 * integrity attributes are computed, so the result must equal the vector exactly. */
static int rebuild(uint8_t *out, size_t cap, const char *ip, bool space_pad)
{
	const char *sw = RFC5769_SOFTWARE_RESPONSE;
	size_t swlen = strlen(sw);
	struct stun_enc e;
	struct addr a;
	uint8_t *v;

	addr_parse(&a, ip, RFC5769_MAPPED_PORT);
	stun_enc_init(&e, out, cap, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, rfc5769_tid);
	if (stun_enc_reserve(&e, STUN_ATTR_SOFTWARE, swlen, &v) == 0) {
		memcpy(v, sw, swlen);
		if (space_pad)
			memset(v + swlen, 0x20, (4 - swlen % 4) % 4);
	}
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
	stun_enc_put_integrity_sha1(&e, SHORT_KEY, SHORT_KEY_LEN);
	stun_enc_put_fingerprint(&e);
	return stun_enc_finish(&e);
}

static void test_rebuild(const uint8_t *vec, size_t len, const char *ip, const char *name)
{
	uint8_t out[256], zeroed[256];
	struct stun_msg m;
	int n;

	n = rebuild(out, sizeof(out), ip, true);
	CHECK_EQ_INT(n, len, "%s rebuilt length", name);
	CHECK(n == (int)len && memcmp(out, vec, len) == 0,
	      "%s rebuilt byte for byte (0x20 padding as in the vector)", name);
	/* With the encoder's own zero padding: identical up to the padding byte, and the
	 * result verifies on its own. */
	n = rebuild(out, sizeof(out), ip, false);
	memcpy(zeroed, vec, len);
	zeroed[35] = 0x00; /* the one padding byte of "test vector" (11 bytes) */
	CHECK(n == (int)len && memcmp(out, zeroed, 36 + (len == 80 ? 12 : 24)) == 0,
	      "%s zero-padded: header and attributes match the vector", name);
	CHECK(stun_msg_decode(&m, out, (size_t)n) == 0 &&
		      stun_integrity_verify_sha1(&m, SHORT_KEY, SHORT_KEY_LEN) == 0,
	      "%s zero-padded: FINGERPRINT and MESSAGE-INTEGRITY verify", name);
}

static void test_no_room(void)
{
	uint8_t out[256], ref[256];
	int full, n, cap, bad = 0;

	full = rebuild(ref, sizeof(ref), RFC5769_MAPPED_IPV6, true);
	for (cap = 0; cap < full; cap++) {
		memset(out, 0xAA, sizeof(out));
		n = rebuild(out, (size_t)cap, RFC5769_MAPPED_IPV6, true);
		if (n != -ENOSPC) /* STUN_DERR_NO_ROOM */
			bad++;
		if (out[cap] != 0xAA)
			bad++; /* wrote past cap */
	}
	CHECK_EQ_INT(bad, 0, "every capacity below %d bytes: NO_ROOM, nothing written past cap",
		     full);
	CHECK_EQ_INT(rebuild(out, (size_t)full, RFC5769_MAPPED_IPV6, true), full,
		     "exact capacity fits");
}

static void test_sticky_and_positions(void)
{
	uint8_t out[128];
	struct stun_enc e;
	uint8_t tid[12] = {0};

	stun_enc_init(&e, out, 24, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	CHECK_DERR(stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, 1), e.why, ENOSPC, STUN_DERR_NO_ROOM,
		   "put beyond cap: NO_ROOM");
	CHECK_DERR(stun_enc_put(&e, STUN_ATTR_DONT_FRAGMENT, NULL, 0), e.why, ENOSPC,
		   STUN_DERR_NO_ROOM, "later puts refused even if they would fit");
	CHECK_DERR(stun_enc_finish(&e), e.why, ENOSPC, STUN_DERR_NO_ROOM, "finish reports NO_ROOM");

	stun_enc_init(&e, out, sizeof(out), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_enc_put_integrity_sha1(&e, (const uint8_t *)"k", 1);
	CHECK_DERR(stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, 1), e.why, EBADMSG,
		   STUN_DERR_INTEGRITY_POSITION, "attribute after MESSAGE-INTEGRITY refused");
	stun_enc_init(&e, out, sizeof(out), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	CHECK_EQ_INT(stun_enc_put_integrity_sha1(&e, (const uint8_t *)"k", 1), 0, "MI");
	CHECK_EQ_INT(stun_enc_put_integrity_sha256(&e, (const uint8_t *)"k", 1), 0,
		     "MI-SHA256 after MI allowed");
	CHECK_EQ_INT(stun_enc_put_fingerprint(&e), 0, "FINGERPRINT after both allowed");
	CHECK_DERR(stun_enc_put_fingerprint(&e), e.why, EBADMSG, STUN_DERR_FINGERPRINT_POSITION,
		   "nothing after FINGERPRINT");
	stun_enc_init(&e, out, sizeof(out), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	CHECK_DERR(stun_enc_put_error(&e, 200), e.why, ERANGE, STUN_DERR_BAD_VALUE,
		   "ERROR-CODE 200 refused");
}

static void test_error_response(void)
{
	static const uint16_t unknown[] = {0x0024, 0x7777, 0x0002};
	uint8_t out[128];
	struct stun_msg m;
	struct stun_str reason;
	uint16_t types[8];
	size_t n = 8;
	int len, code;

	len = stun_enc_error_response(out, sizeof(out), STUN_METHOD_ALLOCATE, rfc5769_tid,
				      STUN_ERR_UNKNOWN_ATTRIBUTE, unknown, 3, true);
	CHECK(len > 0 && stun_msg_decode(&m, out, (size_t)len) == 0, "420 response decodes");
	CHECK(m.method == STUN_METHOD_ALLOCATE && m.cls == STUN_CLASS_ERROR &&
		      memcmp(m.tid, rfc5769_tid, 12) == 0,
	      "420: Allocate error, same transaction id");
	CHECK(stun_msg_get_error(&m, &code, &reason) == 0 && code == 420 &&
		      reason.len == strlen("Unknown Attribute") &&
		      memcmp(reason.p, "Unknown Attribute", reason.len) == 0,
	      "420 code and reason");
	CHECK(stun_msg_get_unknown(&m, types, &n) == 0 && n == 3 && types[0] == 0x0024 &&
		      types[1] == 0x7777 && types[2] == 0x0002,
	      "420 UNKNOWN-ATTRIBUTES listed");
	CHECK(m.i_fp == m.nattrs - 1, "420 FINGERPRINT last (and verified by decode)");
	len = stun_enc_error_response(out, sizeof(out), STUN_METHOD_BINDING, rfc5769_tid,
				      STUN_ERR_BAD_REQUEST, unknown, 3, false);
	CHECK(len > 0 && stun_msg_decode(&m, out, (size_t)len) == 0 &&
		      stun_msg_find(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES) == NULL && m.i_fp == -1,
	      "400: no UNKNOWN-ATTRIBUTES, no FINGERPRINT");
	CHECK_EQ_INT(stun_enc_error_response(out, 30, STUN_METHOD_BINDING, rfc5769_tid,
					     STUN_ERR_BAD_REQUEST, NULL, 0, false),
		     -ENOSPC, "error response into 30 bytes: -ENOSPC (NO_ROOM)");
	CHECK(strcmp(stun_err_reason(438), "Stale Nonce") == 0 &&
		      strcmp(stun_err_reason(299), "Error") == 0,
	      "reason table");
	CHECK(strcmp(stun_derr_str(STUN_DERR_NO_ROOM), "no room in output buffer") == 0 &&
		      strcmp(stun_derr_str(STUN_DERR_MAX), "unknown error") == 0 &&
		      strcmp(stun_derr_str((enum stun_derr)1000), "unknown error") == 0,
	      "stun_derr_str");
}

static void test_roundtrip(void)
{
	static const uint16_t algs[] = {STUN_PWALG_MD5, STUN_PWALG_SHA256};
	uint8_t out[256], tid[12] = {9};
	struct stun_enc e;
	struct stun_msg m;
	struct addr a, b;
	struct stun_str s;
	uint16_t got[4];
	size_t n = 4;
	uint8_t fam;
	int code, len;

	addr_parse(&a, "2001:db8::1", 3478);
	stun_enc_init(&e, out, sizeof(out), STUN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_RELAYED_ADDRESS, &a);
	stun_enc_put_addr(&e, STUN_ATTR_ALTERNATE_SERVER, &a);
	stun_enc_put_pwalgs(&e, algs, 2);
	stun_enc_put_addr_error(&e, STUN_FAMILY_IPV6, 440);
	stun_enc_put(&e, STUN_ATTR_DATA, "abcde", 5);
	stun_enc_put_integrity_sha256(&e, (const uint8_t *)"key", 3);
	len = stun_enc_finish(&e);
	CHECK(len > 0 && stun_msg_decode(&m, out, (size_t)len) == 0, "Allocate success decodes");
	CHECK(stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_RELAYED_ADDRESS, &b) == 0 && addr_eq(&a, &b),
	      "XOR-RELAYED-ADDRESS IPv6 round trip");
	CHECK(stun_msg_get_addr(&m, STUN_ATTR_ALTERNATE_SERVER, &b) == 0 && addr_eq(&a, &b),
	      "ALTERNATE-SERVER round trip");
	CHECK(stun_msg_get_pwalgs(&m, got, &n) == 0 && n == 2 && got[1] == STUN_PWALG_SHA256,
	      "PASSWORD-ALGORITHMS round trip");
	CHECK(stun_msg_get_addr_error(&m, &fam, &code, &s) == 0 && fam == 2 && code == 440,
	      "ADDRESS-ERROR-CODE round trip");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_DATA, &s) == 0 && s.len == 5 &&
		      memcmp(s.p, "abcde", 5) == 0 && s.p[5] == 0 && s.p[6] == 0 && s.p[7] == 0,
	      "DATA round trip, zero padding");
	CHECK(stun_integrity_verify_sha256(&m, (const uint8_t *)"key", 3) == 0,
	      "MI-SHA256 round trip");
}

int main(void)
{
	test_rebuild(rfc5769_response_v4, sizeof(rfc5769_response_v4), RFC5769_MAPPED_IPV4, "2.2");
	test_rebuild(rfc5769_response_v6, sizeof(rfc5769_response_v6), RFC5769_MAPPED_IPV6, "2.3");
	test_no_room();
	test_sticky_and_positions();
	test_error_response();
	test_roundtrip();
	return tap_done();
}
