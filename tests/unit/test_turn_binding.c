/* turn_dispatch and the Binding handler: RFC 8489 §6.3. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "stun/enc.h"
#include "stun/err.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "turn/dispatch.h"

static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
/* Unauthenticated responses stay close to the request's size (DESIGN.md §3). */
#define BOUND 40

struct t_env {
	struct turn_opts opts;
	struct addr src, local;
	uint8_t req[512];
	int req_len;
	uint8_t resp[1500];
	int resp_len;
	struct stun_msg m;
};

static void t_env_init(struct t_env *t, const char *src_ip, uint16_t port, const char *sw)
{
	memset(t, 0, sizeof(*t));
	turn_opts_init(&t->opts, sw);
	addr_parse(&t->src, src_ip, port);
	addr_parse(&t->local, strchr(src_ip, ':') ? "::1" : "127.0.0.1", 3478);
}

/* Starts a request of the given method/class in t->req; the caller adds attributes. */
static void t_begin(struct t_env *t, struct stun_enc *e, uint16_t method, uint8_t cls)
{
	stun_enc_init(e, t->req, sizeof(t->req), method, cls, tid);
}

/* Runs the dispatch on t->req[0..req_len) and decodes a response if there is one. */
static int t_run(struct t_env *t)
{
	struct turn_pkt p = { .buf = t->req, .len = (size_t)t->req_len, .src = &t->src,
			      .local = &t->local, .transport = TURN_TRANSPORT_UDP };

	t->resp_len = turn_dispatch(&t->opts, &p, t->resp, sizeof(t->resp));
	if (t->resp_len <= 0)
		return t->resp_len;
	return stun_msg_decode(&t->m, t->resp, (size_t)t->resp_len);
}

static void t_send(struct t_env *t, struct stun_enc *e)
{
	t->req_len = stun_enc_finish(e);
	CHECK(t->req_len > 0, "request encodes");
	CHECK_EQ_INT(t_run(t), 0, "response decodes");
	CHECK(t->resp_len <= t->req_len + BOUND, "response %d bytes for a %d-byte request",
	      t->resp_len, t->req_len);
	CHECK_MEM(t->m.tid, tid, STUN_TID_LEN, "transaction id echoed");
}

static void test_mapped(const char *ip, uint16_t port)
{
	struct t_env t;
	struct stun_enc e;
	struct addr got;

	t_env_init(&t, ip, port, NULL);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	t_send(&t, &e);
	CHECK_EQ_INT(t.m.cls, STUN_CLASS_SUCCESS, "%s: success response", ip);
	CHECK_EQ_INT(t.m.method, STUN_METHOD_BINDING, "%s: Binding method", ip);
	CHECK_EQ_INT(stun_msg_get_xor_addr(&t.m, STUN_ATTR_XOR_MAPPED_ADDRESS, &got), 0,
		     "%s: XOR-MAPPED-ADDRESS present", ip);
	CHECK(addr_eq(&got, &t.src), "%s: mapped address is the source", ip);
	CHECK(stun_msg_find(&t.m, STUN_ATTR_SOFTWARE) == NULL, "%s: no SOFTWARE by default", ip);
	CHECK_EQ_INT(t.m.i_fp, -1, "%s: no FINGERPRINT unless asked", ip);
}

static void test_fingerprint(void)
{
	struct t_env t;
	struct stun_enc e;

	t_env_init(&t, "192.0.2.7", 5000, NULL);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	stun_enc_put_fingerprint(&e);
	t_send(&t, &e);
	CHECK_EQ_INT(t.m.cls, STUN_CLASS_SUCCESS, "fingerprinted request: success");
	CHECK(t.m.i_fp >= 0, "FINGERPRINT echoed (and verified by the decoder)");

	/* A wrong FINGERPRINT: silently discarded. */
	t.req[t.req_len - 1] ^= 0x55;
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "bad FINGERPRINT dropped");
}

static void test_software(void)
{
	struct t_env t;
	struct stun_enc e;
	struct stun_str sw;

	t_env_init(&t, "192.0.2.8", 6000, "Tern 0.1");
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	stun_enc_put(&e, STUN_ATTR_SOFTWARE, "client", 6);
	t_send(&t, &e);
	CHECK_EQ_INT(stun_msg_get_bytes(&t.m, STUN_ATTR_SOFTWARE, &sw), 0, "SOFTWARE present");
	CHECK(sw.len == 8 && memcmp(sw.p, "Tern 0.1", 8) == 0, "SOFTWARE is the configured value");

	t_env_init(&t, "192.0.2.8", 6000, "");
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	t_send(&t, &e);
	CHECK(stun_msg_find(&t.m, STUN_ATTR_SOFTWARE) == NULL, "empty SOFTWARE means none");
}

static void test_unknown_attr(void)
{
	struct t_env t;
	struct stun_enc e;
	uint16_t types[4];
	size_t n = 4;
	int code = 0;
	struct stun_str reason;

	t_env_init(&t, "192.0.2.9", 7000, NULL);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	stun_enc_put_u32(&e, 0x0042, 7);
	stun_enc_put_u32(&e, 0x8042, 7);
	stun_enc_put_fingerprint(&e);
	t_send(&t, &e);
	CHECK_EQ_INT(t.m.cls, STUN_CLASS_ERROR, "unknown comprehension-required: error");
	CHECK_EQ_INT(t.m.method, STUN_METHOD_BINDING, "error keeps the method");
	stun_msg_get_error(&t.m, &code, &reason);
	CHECK_EQ_INT(code, STUN_ERR_UNKNOWN_ATTRIBUTE, "420");
	CHECK_EQ_INT(stun_msg_get_unknown(&t.m, types, &n), 0, "UNKNOWN-ATTRIBUTES present");
	CHECK(n == 1 && types[0] == 0x0042, "lists only the comprehension-required type");
	CHECK(t.m.i_fp >= 0, "error response echoes FINGERPRINT");

	/* Only an unknown optional attribute: ignored. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	stun_enc_put_u32(&e, 0x8042, 7);
	t_send(&t, &e);
	CHECK_EQ_INT(t.m.cls, STUN_CLASS_SUCCESS, "unknown optional attribute ignored");
}

static void test_bad_request(void)
{
	struct t_env t;
	struct stun_enc e;
	int code = 0;
	struct stun_str reason;

	t_env_init(&t, "192.0.2.10", 8000, NULL);
	t_begin(&t, &e, 0x0123, STUN_CLASS_REQUEST);
	t_send(&t, &e);
	stun_msg_get_error(&t.m, &code, &reason);
	CHECK(t.m.cls == STUN_CLASS_ERROR && code == STUN_ERR_BAD_REQUEST,
	      "unknown method: 400 (got class %d code %d)", t.m.cls, code);
	CHECK_EQ_INT(t.m.method, 0x0123, "400 keeps the method");

	/* A sound header with an attribute running past the end: 400. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	stun_enc_put_u32(&e, STUN_ATTR_SOFTWARE, 0);
	t.req_len = stun_enc_finish(&e);
	t.req[STUN_HDR_LEN + 3] = 40; /* SOFTWARE length 40 in an 8-byte body */
	CHECK_EQ_INT(t_run(&t), 0, "attribute overrun answered");
	code = 0;
	stun_msg_get_error(&t.m, &code, &reason);
	CHECK(t.m.cls == STUN_CLASS_ERROR && code == STUN_ERR_BAD_REQUEST,
	      "attribute overrun: 400");
	CHECK(t.resp_len <= t.req_len + BOUND, "400 size bound");

	/* The same damage in an indication: dropped. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_INDICATION);
	stun_enc_put_u32(&e, STUN_ATTR_SOFTWARE, 0);
	t.req_len = stun_enc_finish(&e);
	t.req[STUN_HDR_LEN + 3] = 40;
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "malformed indication dropped");
}

static void test_no_response(void)
{
	struct t_env t;
	struct stun_enc e;
	uint8_t chdata[8] = { 0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4 };

	t_env_init(&t, "192.0.2.11", 9000, NULL);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_INDICATION);
	t.req_len = stun_enc_finish(&e);
	CHECK_EQ_INT(t_run(&t), 0, "Binding indication: no response");

	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS);
	t.req_len = stun_enc_finish(&e);
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "unsolicited success response dropped");

	memcpy(t.req, chdata, sizeof(chdata));
	t.req_len = sizeof(chdata);
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "ChannelData ignored");

	t.req_len = 0;
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "empty datagram dropped");
	t.req_len = 19;
	memset(t.req, 0, 19);
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "short datagram dropped");

	/* A Binding request with trailing bytes past its declared length. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	t.req_len = stun_enc_finish(&e) + 4;
	CHECK(t_run(&t) <= 0, "length mismatch not answered with success");
}

static void test_garbage(void)
{
	struct t_env t;
	unsigned seed = 12345, answered = 0, bad = 0;

	t_env_init(&t, "192.0.2.12", 9100, NULL);
	for (int i = 0; i < 20000; i++) {
		t.req_len = (int)(rand_r(&seed) % sizeof(t.req));
		for (int j = 0; j < t.req_len; j++)
			t.req[j] = (uint8_t)rand_r(&seed);
		if (i & 1 && t.req_len >= STUN_HDR_LEN) {
			/* Half of them look like STUN: top bits, cookie, length. */
			t.req[0] &= 0x3F;
			t.req[2] = (uint8_t)((t.req_len - STUN_HDR_LEN) >> 8);
			t.req[3] = (uint8_t)((t.req_len - STUN_HDR_LEN) & 0xFC);
			t.req_len = STUN_HDR_LEN + (t.req[2] << 8 | t.req[3]);
			t.req[4] = 0x21, t.req[5] = 0x12, t.req[6] = 0xA4, t.req[7] = 0x42;
		}
		int rc = t_run(&t);

		if (t.resp_len <= 0)
			continue;
		answered++;
		if (rc != 0 || t.resp_len > t.req_len + BOUND) {
			bad++;
			break;
		}
	}
	CHECK(bad == 0, "random input: every answer decodes and is within the bound (%u answered)",
	      answered);
}

int main(void)
{
	test_mapped("192.0.2.1", 32853);
	test_mapped("2001:db8::1", 40000);
	test_mapped("::ffff:10.0.0.1", 1);
	test_fingerprint();
	test_software();
	test_unknown_attr();
	test_bad_request();
	test_no_response();
	test_garbage();
	return tap_done();
}
