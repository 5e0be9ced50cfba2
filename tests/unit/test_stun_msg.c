/* Decoder tests: RFC 5769 vectors field by field, one test per malformed class, truncation
 * at every length, getters on malformed values. */
#include "stun/msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "base/addr.h"
#include "stun/err.h"
#include "stun_check.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

static const uint8_t tid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* A Binding request (or the given type) whose body is the raw attribute bytes. */
static size_t build_type(uint8_t *b, uint16_t type, const uint8_t *attrs, size_t alen)
{
	b[0] = (uint8_t)(type >> 8);
	b[1] = (uint8_t)type;
	b[2] = (uint8_t)(alen >> 8);
	b[3] = (uint8_t)alen;
	b[4] = 0x21, b[5] = 0x12, b[6] = 0xa4, b[7] = 0x42;
	memcpy(b + 8, tid, 12);
	if (alen > 0)
		memcpy(b + 20, attrs, alen);
	return 20 + alen;
}

static size_t build(uint8_t *b, const uint8_t *attrs, size_t alen)
{
	return build_type(b, 0x0001, attrs, alen);
}

static int decode_attrs(struct stun_msg *m, uint8_t *b, const uint8_t *attrs, size_t alen)
{
	return stun_msg_decode(m, b, build(b, attrs, alen));
}

static bool str_eq(const struct stun_str *s, const char *want)
{
	return s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

static void test_request(void)
{
	struct stun_msg m;
	struct stun_str s;
	uint32_t u;

	CHECK(stun_msg_is_stun(rfc5769_request, sizeof(rfc5769_request)), "2.1 is STUN");
	CHECK_EQ_INT(stun_msg_decode(&m, rfc5769_request, sizeof(rfc5769_request)), 0,
		     "2.1 decodes");
	CHECK_EQ_INT(m.method, STUN_METHOD_BINDING, "2.1 method Binding");
	CHECK_EQ_INT(m.cls, STUN_CLASS_REQUEST, "2.1 class request");
	CHECK_MEM(m.tid, rfc5769_tid, 12, "2.1 transaction id");
	CHECK_EQ_INT(m.len, sizeof(rfc5769_request), "2.1 length");
	CHECK_EQ_INT(m.nattrs, 6, "2.1 six attributes");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_SOFTWARE, &s) == 0 &&
		      str_eq(&s, RFC5769_SOFTWARE_REQUEST),
	      "2.1 SOFTWARE");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_USERNAME, &s) == 0 && str_eq(&s, RFC5769_USERNAME),
	      "2.1 USERNAME");
	CHECK(m.i_mi == 4 && m.i_fp == 5 && m.i_mi256 == -1, "2.1 integrity indices");
	/* PRIORITY (0x0024) and ICE-CONTROLLED (0x8029) are ICE attributes Tern does not know:
	 * only the comprehension-required one is listed for a 420. */
	CHECK(m.nunknown == 1 && m.unknown[0] == 0x0024, "2.1 PRIORITY listed as unknown");
	CHECK(stun_msg_get_u32(&m, STUN_ATTR_FINGERPRINT, &u) == 0 && u == 0xe57a3bcf,
	      "2.1 FINGERPRINT value");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_MESSAGE_INTEGRITY, &s) == 0 && s.len == 20,
	      "2.1 MESSAGE-INTEGRITY view");
}

static void test_response(const uint8_t *v, size_t len, const char *ip, const char *name)
{
	struct stun_msg m;
	struct stun_str s;
	struct addr got, want;

	addr_parse(&want, ip, RFC5769_MAPPED_PORT);
	CHECK_EQ_INT(stun_msg_decode(&m, v, len), 0, "%s decodes", name);
	CHECK(m.method == STUN_METHOD_BINDING && m.cls == STUN_CLASS_SUCCESS, "%s Binding success",
	      name);
	CHECK_MEM(m.tid, rfc5769_tid, 12, "%s transaction id", name);
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_SOFTWARE, &s) == 0 &&
		      str_eq(&s, RFC5769_SOFTWARE_RESPONSE),
	      "%s SOFTWARE", name);
	CHECK_EQ_INT(stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &got), 0,
		     "%s XOR-MAPPED-ADDRESS", name);
	CHECK(addr_eq(&got, &want), "%s mapped address %s:%d", name, ip, RFC5769_MAPPED_PORT);
	CHECK_EQ_INT(stun_msg_get_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &got), 0,
		     "%s get_addr un-XORs xor types", name);
	CHECK(addr_eq(&got, &want), "%s get_addr same address", name);
	CHECK(m.nunknown == 0 && m.nattrs == 4, "%s attributes", name);
}

static void test_request_lt(void)
{
	struct stun_msg m;
	struct stun_str s;

	CHECK_EQ_INT(stun_msg_decode(&m, rfc5769_request_lt, sizeof(rfc5769_request_lt)), 0,
		     "2.4 decodes");
	CHECK_MEM(m.tid, rfc5769_lt_tid, 12, "2.4 transaction id");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_USERNAME, &s) == 0 &&
		      str_eq(&s, RFC5769_LT_USERNAME),
	      "2.4 USERNAME");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_NONCE, &s) == 0 && str_eq(&s, RFC5769_LT_NONCE),
	      "2.4 NONCE");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_REALM, &s) == 0 && str_eq(&s, RFC5769_LT_REALM),
	      "2.4 REALM");
	CHECK(m.i_mi == 3 && m.i_fp == -1, "2.4 MI last, no FINGERPRINT");
}

static void test_header_errors(void)
{
	uint8_t b[64];
	struct stun_msg m;
	size_t n = build(b, NULL, 0);

	CHECK_EQ_INT(stun_msg_decode(&m, b, n), 0, "empty Binding request decodes");
	CHECK_DERR(stun_msg_decode(&m, b, 19), m.why, EBADMSG, STUN_DERR_TRUNCATED,
		   "19 bytes: truncated");
	b[0] = 0x80;
	CHECK_DERR(stun_msg_decode(&m, b, n), m.why, EBADMSG, STUN_DERR_NOT_STUN,
		   "top bits set: not STUN");
	CHECK(!stun_msg_is_stun(b, n), "is_stun false on top bits");
	b[0] = 0;
	b[5] = 0x13;
	CHECK_DERR(stun_msg_decode(&m, b, n), m.why, EBADMSG, STUN_DERR_BAD_COOKIE, "bad cookie");
	CHECK(!stun_msg_is_stun(b, n), "is_stun false on bad cookie");
	b[5] = 0x12;
	b[3] = 2;
	CHECK_DERR(stun_msg_decode(&m, b, n + 2), m.why, EBADMSG, STUN_DERR_BAD_LENGTH,
		   "length not a multiple of 4");
	CHECK(!stun_msg_is_stun(b, n + 2), "is_stun false on odd length");
	b[3] = 4;
	CHECK_DERR(stun_msg_decode(&m, b, n), m.why, EBADMSG, STUN_DERR_TRUNCATED,
		   "declared length > bytes");
	b[3] = 0;
	CHECK_DERR(stun_msg_decode(&m, b, n + 4), m.why, EBADMSG, STUN_DERR_BAD_LENGTH,
		   "trailing bytes");
	CHECK(!stun_msg_is_stun(b, 19), "is_stun false below 20 bytes");
}

static void test_attr_errors(void)
{
	static const uint8_t overrun[] = {0x80, 0x22, 0x00, 0x08, 'a', 'b', 'c', 'd'};
	static const uint8_t overrun_pad[] = {0x80, 0x22, 0x00, 0x05, 'a', 'b', 'c', 'd'};
	static const uint8_t fam[] = {0x00, 0x20, 0x00, 0x08, 0x00, 0x03, 0, 0, 1, 2, 3, 4};
	static const uint8_t v4len[] = {0x00, 0x20, 0x00, 0x14, 0x00, 0x01, 0, 0, 1, 2, 3, 4,
					0,    0,    0,	  0,	0,    0,    0, 0, 0, 0, 0, 0};
	static const uint8_t lifetime[] = {0x00, 0x0d, 0x00, 0x02, 0, 1, 0, 0};
	static const uint8_t mi_len[] = {0x00, 0x08, 0x00, 0x10, 0, 0, 0, 0, 0, 0,
					 0,    0,    0,	   0,	 0, 0, 0, 0, 0, 0};
	static const uint8_t mi256_len[] = {0x00, 0x1c, 0x00, 0x0c, 0, 0, 0, 0,
					    0,	  0,	0,    0,    0, 0, 0, 0};
	static const uint8_t userhash_len[] = {0x00, 0x1e, 0x00, 0x04, 0, 0, 0, 0};
	static const uint8_t fp_len[] = {0x80, 0x28, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t df_len[] = {0x00, 0x1a, 0x00, 0x01, 0, 0, 0, 0};
	uint8_t b[2048];
	struct stun_msg m;

	CHECK_DERR(decode_attrs(&m, b, overrun, sizeof(overrun)), m.why, EBADMSG,
		   STUN_DERR_ATTR_OVERRUN, "attribute overruns the message");
	CHECK_DERR(decode_attrs(&m, b, overrun_pad, sizeof(overrun_pad)), m.why, EBADMSG,
		   STUN_DERR_ATTR_OVERRUN, "attribute padding overruns the message");
	CHECK_DERR(decode_attrs(&m, b, fam, sizeof(fam)), m.why, EAFNOSUPPORT, STUN_DERR_BAD_FAMILY,
		   "address family 3");
	CHECK_DERR(decode_attrs(&m, b, v4len, sizeof(v4len)), m.why, EBADMSG,
		   STUN_DERR_BAD_ATTR_LEN, "IPv4 address with 20-byte value");
	CHECK_DERR(decode_attrs(&m, b, lifetime, sizeof(lifetime)), m.why, EBADMSG,
		   STUN_DERR_BAD_ATTR_LEN, "LIFETIME of 2 bytes");
	CHECK_DERR(decode_attrs(&m, b, mi_len, sizeof(mi_len)), m.why, EBADMSG,
		   STUN_DERR_BAD_ATTR_LEN, "MESSAGE-INTEGRITY of 16 bytes");
	CHECK_DERR(decode_attrs(&m, b, mi256_len, sizeof(mi256_len)), m.why, EBADMSG,
		   STUN_DERR_BAD_ATTR_LEN, "MESSAGE-INTEGRITY-SHA256 of 12 bytes");
	CHECK_DERR(decode_attrs(&m, b, userhash_len, sizeof(userhash_len)), m.why, EBADMSG,
		   STUN_DERR_BAD_ATTR_LEN, "USERHASH of 4 bytes");
	CHECK_DERR(decode_attrs(&m, b, fp_len, sizeof(fp_len)), m.why, EBADMSG,
		   STUN_DERR_BAD_ATTR_LEN, "FINGERPRINT of 8 bytes");
	CHECK_DERR(decode_attrs(&m, b, df_len, sizeof(df_len)), m.why, EBADMSG,
		   STUN_DERR_BAD_ATTR_LEN, "DONT-FRAGMENT with a value");
}

/* An attribute of type with len bytes of fill. */
static size_t text_attr(uint8_t *a, uint16_t type, size_t len, uint8_t fill)
{
	a[0] = (uint8_t)(type >> 8);
	a[1] = (uint8_t)type;
	a[2] = (uint8_t)(len >> 8);
	a[3] = (uint8_t)len;
	memset(a + 4, fill, len);
	memset(a + 4 + len, 0, (4 - len % 4) % 4);
	return 4 + ((len + 3) & ~(size_t)3);
}

static void test_oversized(void)
{
	static const uint16_t types[] = {STUN_ATTR_USERNAME, STUN_ATTR_REALM, STUN_ATTR_NONCE,
					 STUN_ATTR_SOFTWARE};
	static const char *names[] = {"USERNAME", "REALM", "NONCE", "SOFTWARE"};
	uint8_t a[1024], b[1100];
	struct stun_msg m;
	size_t i, n;

	for (i = 0; i < 4; i++) {
		n = text_attr(a, types[i], 764, 'x');
		CHECK_DERR(decode_attrs(&m, b, a, n), m.why, EMSGSIZE, STUN_DERR_OVERSIZED,
			   "%s of 764 bytes", names[i]);
	}
	n = text_attr(a, STUN_ATTR_USERNAME, 763, 'x');
	CHECK_EQ_INT(decode_attrs(&m, b, a, n), 0, "USERNAME of 763 bytes accepted");
	n = text_attr(a, STUN_ATTR_REALM, 128, 'x');
	CHECK_DERR(decode_attrs(&m, b, a, n), m.why, EMSGSIZE, STUN_DERR_OVERSIZED,
		   "REALM of 128 characters");
	n = text_attr(a, STUN_ATTR_REALM, 127, 'x');
	CHECK_EQ_INT(decode_attrs(&m, b, a, n), 0, "REALM of 127 characters accepted");
	/* 127 three-byte characters = 381 bytes: within both limits. */
	for (i = 0; i < 127; i++)
		memcpy(a + 4 + 3 * i, "\xe3\x83\x9e", 3);
	a[0] = 0x00, a[1] = 0x15, a[2] = 381 >> 8, a[3] = 381 & 0xff;
	memset(a + 4 + 381, 0, 3);
	CHECK_EQ_INT(decode_attrs(&m, b, a, 4 + 384), 0, "NONCE of 127 UTF-8 characters");
}

static void test_too_many(void)
{
	uint8_t a[4 * (STUN_MAX_ATTRS + 1)], b[512];
	struct stun_msg m;
	size_t i;

	for (i = 0; i <= STUN_MAX_ATTRS; i++) {
		a[4 * i] = 0x80, a[4 * i + 1] = 0x77, a[4 * i + 2] = 0, a[4 * i + 3] = 0;
	}
	CHECK_EQ_INT(decode_attrs(&m, b, a, 4 * STUN_MAX_ATTRS), 0, "STUN_MAX_ATTRS accepted");
	CHECK_DERR(decode_attrs(&m, b, a, sizeof(a)), m.why, E2BIG, STUN_DERR_TOO_MANY_ATTRS,
		   "STUN_MAX_ATTRS + 1 attributes");
}

static void test_unknown(void)
{
	static const uint8_t a[] = {0x00, 0x7f, 0x00, 0x00, 0x00, 0x7e, 0x00, 0x00,
				    0x00, 0x7f, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00};
	uint8_t b[64];
	struct stun_msg m;

	CHECK_EQ_INT(decode_attrs(&m, b, a, sizeof(a)), 0, "unknown attributes decode");
	CHECK(m.nunknown == 2 && m.unknown[0] == 0x007f && m.unknown[1] == 0x007e,
	      "comprehension-required unknowns recorded once each, optional ones not");
	CHECK_EQ_INT(m.nattrs, 4, "all four recorded as attributes");
}

/* Integrity position rules (RFC 8489 §14.5-§14.7). MI/FP values are not checked here
 * (FINGERPRINT is: it is computed). */
static void test_positions(void)
{
	uint8_t a[256], b[300];
	struct stun_msg m;
	size_t n = 0;
	uint32_t u;

	n += text_attr(a + n, STUN_ATTR_MESSAGE_INTEGRITY, 20, 0);
	n += text_attr(a + n, STUN_ATTR_LIFETIME, 4, 1); /* ignored */
	n += text_attr(a + n, 0x0077, 4, 1);		 /* ignored, not "unknown" */
	n += text_attr(a + n, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 32, 0);
	n += text_attr(a + n, STUN_ATTR_MESSAGE_INTEGRITY, 20, 0); /* ignored */
	CHECK_EQ_INT(decode_attrs(&m, b, a, n), 0, "attributes after MI are ignored, not errors");
	CHECK(m.nattrs == 2 && m.i_mi == 0 && m.i_mi256 == 1, "only MI and MI-SHA256 recorded");
	CHECK(stun_msg_get_u32(&m, STUN_ATTR_LIFETIME, &u) == -ENOENT /* STUN_DERR_ABSENT */,
	      "LIFETIME after MI is not visible");
	CHECK_EQ_INT(m.nunknown, 0, "unknown type after MI not listed");

	n = text_attr(a, STUN_ATTR_FINGERPRINT, 4, 0);
	n += text_attr(a + n, STUN_ATTR_SOFTWARE, 4, 'x');
	CHECK_DERR(decode_attrs(&m, b, a, n), m.why, EBADMSG, STUN_DERR_FINGERPRINT_POSITION,
		   "attribute after FINGERPRINT");
	n = text_attr(a, STUN_ATTR_MESSAGE_INTEGRITY, 20, 0);
	n += text_attr(a + n, STUN_ATTR_FINGERPRINT, 4, 0);
	n += text_attr(a + n, STUN_ATTR_LIFETIME, 4, 0);
	CHECK_DERR(decode_attrs(&m, b, a, n), m.why, EBADMSG, STUN_DERR_FINGERPRINT_POSITION,
		   "ignorable attribute after FINGERPRINT still rejected");
}

static void test_fingerprint_value(void)
{
	uint8_t v[sizeof(rfc5769_request)];
	struct stun_msg m;

	memcpy(v, rfc5769_request, sizeof(v));
	v[sizeof(v) - 1] ^= 1;
	CHECK_DERR(stun_msg_decode(&m, v, sizeof(v)), m.why, EBADMSG, STUN_DERR_BAD_FINGERPRINT,
		   "wrong FINGERPRINT value");
	memcpy(v, rfc5769_request, sizeof(v));
	v[30] ^= 1; /* inside SOFTWARE: covered by FINGERPRINT */
	CHECK_DERR(stun_msg_decode(&m, v, sizeof(v)), m.why, EBADMSG, STUN_DERR_BAD_FINGERPRINT,
		   "body change breaks FINGERPRINT");
}

static void test_truncation(void)
{
	const uint8_t *vs[] = {rfc5769_request, rfc5769_response_v4, rfc5769_response_v6,
			       rfc5769_request_lt, rfc8489_b1_request};
	const size_t ls[] = {sizeof(rfc5769_request), sizeof(rfc5769_response_v4),
			     sizeof(rfc5769_response_v6), sizeof(rfc5769_request_lt),
			     sizeof(rfc8489_b1_request)};
	uint8_t buf[256];
	struct stun_msg m;
	size_t i, n;
	int bad = 0;

	for (i = 0; i < 5; i++) {
		for (n = 0; n < ls[i]; n++) {
			/* Exact-size copy so ASan catches any read past the end. */
			uint8_t *p = buf + sizeof(buf) - n;

			memcpy(p, vs[i], n);
			if (stun_msg_decode(&m, p, n) >= 0)
				bad++;
		}
	}
	CHECK_EQ_INT(bad, 0, "every truncation of every vector is an error");
}

static void test_getters_malformed(void)
{
	uint8_t a[64], b[128];
	struct stun_msg m;
	struct stun_str s;
	struct addr ad;
	int code;
	uint8_t fam;
	uint16_t algs[4];
	size_t n;

	n = text_attr(a, STUN_ATTR_ERROR_CODE, 8, 0);
	a[6] = 7, a[7] = 1;
	CHECK(decode_attrs(&m, b, a, n) == 0 &&
		      stun_msg_get_error(&m, &code, &s) == -ERANGE /* STUN_DERR_BAD_VALUE */,
	      "ERROR-CODE class 7");
	a[6] = 4, a[7] = 100;
	CHECK(decode_attrs(&m, b, a, n) == 0 &&
		      stun_msg_get_error(&m, &code, &s) == -ERANGE /* STUN_DERR_BAD_VALUE */,
	      "ERROR-CODE number 100");
	a[6] = 4, a[7] = 38;
	CHECK(decode_attrs(&m, b, a, n) == 0 && stun_msg_get_error(&m, &code, &s) == 0 &&
		      code == 438 && s.len == 4,
	      "ERROR-CODE 438");
	n = text_attr(a, STUN_ATTR_ERROR_CODE, 2, 0);
	CHECK_DERR(decode_attrs(&m, b, a, n), m.why, EBADMSG, STUN_DERR_BAD_ATTR_LEN,
		   "ERROR-CODE of 2 bytes");
	n = text_attr(a, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 4, 0);
	a[4] = 3;
	CHECK(decode_attrs(&m, b, a, n) == 0 &&
		      stun_msg_get_family(&m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam) ==
			      -EAFNOSUPPORT /* STUN_DERR_BAD_FAMILY */,
	      "REQUESTED-ADDRESS-FAMILY 3");
	a[4] = 2;
	CHECK(decode_attrs(&m, b, a, n) == 0 &&
		      stun_msg_get_family(&m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam) == 0 &&
		      fam == 2,
	      "REQUESTED-ADDRESS-FAMILY IPv6");
	n = text_attr(a, STUN_ATTR_PASSWORD_ALGORITHMS, 8, 0);
	a[4 + 3] = 8; /* the first entry claims 8 parameter bytes; only 4 follow */
	CHECK(decode_attrs(&m, b, a, n) == 0 && stun_msg_get_pwalgs(&m, algs, &(size_t){4}) ==
							-EBADMSG /* STUN_DERR_BAD_ATTR_LEN */,
	      "PASSWORD-ALGORITHMS entry overruns");
	n = text_attr(a, STUN_ATTR_PASSWORD_ALGORITHM, 4, 0);
	a[7] = 8;
	CHECK(decode_attrs(&m, b, a, n) == 0 &&
		      stun_msg_get_pwalg(&m, algs, &s) == -EBADMSG /* STUN_DERR_BAD_ATTR_LEN */,
	      "PASSWORD-ALGORITHM parameters overrun");
	n = build(b, NULL, 0);
	CHECK(stun_msg_decode(&m, b, n) == 0 &&
		      stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS, &ad) ==
			      -ENOENT /* STUN_DERR_ABSENT */,
	      "absent attribute");
	CHECK(stun_addr_decode((const uint8_t *)"\0\1\0", 3, true, tid, &ad) ==
		      -EBADMSG /* STUN_DERR_BAD_ATTR_LEN */,
	      "address value of 3 bytes");
}

static void test_getters_ok(void)
{
	uint8_t a[256], b[300];
	struct stun_msg m;
	struct addr peers[4], want;
	struct stun_str s;
	size_t n = 0, np = 4;
	uint16_t ch, port, algs[4], types[4];
	uint8_t proto;
	bool r;
	uint32_t u;

	n += text_attr(a + n, STUN_ATTR_CHANNEL_NUMBER, 4, 0);
	a[4] = 0x40, a[5] = 0x01;
	n += text_attr(a + n, STUN_ATTR_REQUESTED_TRANSPORT, 4, 0);
	a[n - 4] = 17;
	n += text_attr(a + n, STUN_ATTR_EVEN_PORT, 1, 0x80);
	n += text_attr(a + n, STUN_ATTR_RESPONSE_PORT, 4, 0);
	a[n - 4] = 0x12, a[n - 3] = 0x34;
	n += text_attr(a + n, STUN_ATTR_DONT_FRAGMENT, 0, 0);
	n += text_attr(a + n, STUN_ATTR_LIFETIME, 4, 0);
	a[n - 2] = 0x02, a[n - 1] = 0x58;
	n += text_attr(a + n, STUN_ATTR_PASSWORD_ALGORITHMS, 8, 0);
	a[n - 7] = 1, a[n - 3] = 2;
	n += text_attr(a + n, STUN_ATTR_UNKNOWN_ATTRIBUTES, 4, 0);
	a[n - 3] = 0x7f, a[n - 1] = 0x7e;
	/* Two XOR-PEER-ADDRESS: 192.0.2.1:32853 xor'd as in RFC 5769 §2.2 (port 0xa147). */
	n += text_attr(a + n, STUN_ATTR_XOR_PEER_ADDRESS, 8, 0);
	memcpy(a + n - 8, rfc5769_response_v4 + 40, 8);
	n += text_attr(a + n, STUN_ATTR_XOR_PEER_ADDRESS, 8, 0);
	memcpy(a + n - 8, rfc5769_response_v4 + 40, 8);
	a[n - 1] ^= 1;
	CHECK_EQ_INT(decode_attrs(&m, b, a, n), 0, "TURN attributes decode");
	CHECK(stun_msg_get_channel(&m, &ch) == 0 && ch == 0x4001, "CHANNEL-NUMBER");
	CHECK(stun_msg_get_transport(&m, &proto) == 0 && proto == 17, "REQUESTED-TRANSPORT");
	CHECK(stun_msg_get_even_port(&m, &r) == 0 && r, "EVEN-PORT R bit");
	CHECK(stun_msg_get_response_port(&m, &port) == 0 && port == 0x1234, "RESPONSE-PORT");
	CHECK(stun_msg_has(&m, STUN_ATTR_DONT_FRAGMENT), "DONT-FRAGMENT");
	CHECK(!stun_msg_has(&m, STUN_ATTR_ICMP), "no ICMP");
	CHECK(stun_msg_get_u32(&m, STUN_ATTR_LIFETIME, &u) == 0 && u == 600, "LIFETIME 600");
	n = 4;
	CHECK(stun_msg_get_pwalgs(&m, algs, &n) == 0 && n == 2 && algs[0] == 1 && algs[1] == 2,
	      "PASSWORD-ALGORITHMS MD5, SHA-256");
	n = 4;
	CHECK(stun_msg_get_unknown(&m, types, &n) == 0 && n == 2 && types[1] == 0x7e,
	      "UNKNOWN-ATTRIBUTES");
	/* These tests use tid 1..12, not the RFC's; the IPv4 XOR only uses the cookie. */
	CHECK(stun_msg_get_xor_addrs(&m, STUN_ATTR_XOR_PEER_ADDRESS, peers, &np) == 0 && np == 2,
	      "two XOR-PEER-ADDRESS");
	addr_parse(&want, RFC5769_MAPPED_IPV4, RFC5769_MAPPED_PORT);
	CHECK(addr_eq(&peers[0], &want) && !addr_eq(&peers[1], &want), "peer addresses in order");
	np = 1;
	CHECK(stun_msg_get_xor_addrs(&m, STUN_ATTR_XOR_PEER_ADDRESS, peers, &np) ==
			      -E2BIG /* STUN_DERR_TOO_MANY_ATTRS */
		      && np == 1,
	      "xor_addrs: more attributes than *n is an error, not a silent cut");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_DATA, &s) == -ENOENT /* STUN_DERR_ABSENT */,
	      "no DATA");
}

int main(void)
{
	test_request();
	test_response(rfc5769_response_v4, sizeof(rfc5769_response_v4), RFC5769_MAPPED_IPV4, "2.2");
	test_response(rfc5769_response_v6, sizeof(rfc5769_response_v6), RFC5769_MAPPED_IPV6, "2.3");
	test_request_lt();
	test_header_errors();
	test_attr_errors();
	test_oversized();
	test_too_many();
	test_unknown();
	test_positions();
	test_fingerprint_value();
	test_truncation();
	test_getters_malformed();
	test_getters_ok();
	return tap_done();
}
