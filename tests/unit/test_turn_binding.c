/* Binding (RFC 8489 §6.3) through the path ternd runs: turn_server_new + turn_server_input,
 * the one request pipeline and method table every method shares. Also the error responses
 * every method gets from that pipeline (400 unknown method, 420, the decode-failed 400) and
 * a STUN-only server (cfg.stun_only). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../vectors/rfc5769.h"
#include "base/addr.h"
#include "stun/enc.h"
#include "stun/err.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "test_turn_fake.h"
#include "turn/server.h"

/* Unauthenticated responses stay close to the request's size (DESIGN.md §3). */
#define BOUND 40

/* A server for a client at ip:port (the local address of its family); software may be
 * NULL. */
static void b_init(struct t_env *t, const char *ip, uint16_t port, const char *sw, bool stun_only)
{
	t_init(t);
	addr_parse(&t->src, ip, port);
	addr_parse(&t->local, strchr(ip, ':') ? "::1" : "127.0.0.1", 3478);
	t->cfg.software = sw;
	t->cfg.stun_only = stun_only;
	t_start(t);
}

/* Finishes the message in e, runs it, and checks the answer: it decodes, echoes the
 * transaction id and stays within BOUND of the request. */
static void b_send(struct t_env *t, struct stun_enc *e)
{
	t->req_len = stun_enc_finish(e);
	CHECK(t->req_len > 0, "request encodes");
	CHECK_EQ_INT(t_run(t), 0, "response decodes");
	CHECK(t->resp_len > 0, "answered");
	CHECK(t->resp_len <= t->req_len + BOUND, "response %d bytes for a %d-byte request",
	      t->resp_len, t->req_len);
	CHECK_MEM(t->m.tid, t->tid, STUN_TID_LEN, "transaction id echoed");
}

static bool b_has_software(const struct t_env *t)
{
	return stun_msg_find(&t->m, STUN_ATTR_SOFTWARE) != NULL;
}

static void test_mapped(const char *ip, uint16_t port)
{
	struct t_env t;
	struct stun_enc e;
	struct addr got;

	b_init(&t, ip, port, NULL, false);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	b_send(&t, &e);
	CHECK_EQ_INT(t.m.cls, STUN_CLASS_SUCCESS, "%s: success response", ip);
	CHECK_EQ_INT(t.m.method, STUN_METHOD_BINDING, "%s: Binding method", ip);
	CHECK_EQ_INT(stun_msg_get_xor_addr(&t.m, STUN_ATTR_XOR_MAPPED_ADDRESS, &got), 0,
		     "%s: XOR-MAPPED-ADDRESS present", ip);
	CHECK(addr_eq(&got, &t.src), "%s: mapped address is the source", ip);
	CHECK(!b_has_software(&t), "%s: no SOFTWARE by default", ip);
	CHECK_EQ_INT(t.m.i_fp, -1, "%s: no FINGERPRINT unless asked", ip);
	CHECK(t.m.i_mi < 0 && t.m.i_mi256 < 0, "%s: not signed", ip);
	t_stop(&t);
}

/* RFC 5769 §2.2/§2.3: for the vectors' mapped address and transaction id, the
 * XOR-MAPPED-ADDRESS Tern sends is the vectors' attribute byte for byte. */
static void test_rfc5769_mapped(const char *ip, const uint8_t *vec, size_t attr_off,
				size_t attr_len)
{
	struct t_env t;
	struct stun_enc e;
	const struct stun_attr *a;

	b_init(&t, ip, RFC5769_MAPPED_PORT, NULL, false);
	memcpy(t.tid, rfc5769_tid, STUN_TID_LEN);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, true);
	b_send(&t, &e);
	a = stun_msg_find(&t.m, STUN_ATTR_XOR_MAPPED_ADDRESS);
	CHECK(a != NULL && t.resp_len >= (int)(a->off + attr_len), "%s: XOR-MAPPED-ADDRESS", ip);
	if (a)
		CHECK_MEM(t.resp + a->off, vec + attr_off, attr_len,
			  "%s: XOR-MAPPED-ADDRESS is RFC 5769's bytes", ip);
	t_stop(&t);
}

/* RFC 5769 §2.1: the sample request carries PRIORITY (0x0024), comprehension-required and
 * unknown to a STUN server: 420 listing it, FINGERPRINT echoed, no SOFTWARE. */
static void test_rfc5769_request(void)
{
	struct t_env t;
	uint16_t types[4];
	size_t n = 4;

	b_init(&t, RFC5769_MAPPED_IPV4, RFC5769_MAPPED_PORT, "Tern 0.1", false);
	memcpy(t.req, rfc5769_request, sizeof(rfc5769_request));
	t.req_len = (int)sizeof(rfc5769_request);
	memcpy(t.tid, rfc5769_tid, STUN_TID_LEN);
	CHECK_EQ_INT(t_run(&t), 0, "RFC 5769 request answered");
	CHECK_EQ_INT(t.code, STUN_ERR_UNKNOWN_ATTRIBUTE, "RFC 5769 request: 420");
	CHECK_MEM(t.m.tid, rfc5769_tid, STUN_TID_LEN, "RFC 5769 transaction id echoed");
	CHECK(stun_msg_get_unknown(&t.m, types, &n) == 0 && n == 1 && types[0] == 0x0024,
	      "420 lists PRIORITY");
	CHECK(t.m.i_fp >= 0, "420 echoes FINGERPRINT");
	CHECK(!b_has_software(&t), "420 carries no SOFTWARE");
	t_stop(&t);
}

static void test_fingerprint(void)
{
	struct t_env t;
	struct stun_enc e;

	b_init(&t, "192.0.2.7", 5000, NULL, false);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	stun_enc_put_fingerprint(&e);
	b_send(&t, &e);
	CHECK_EQ_INT(t.m.cls, STUN_CLASS_SUCCESS, "fingerprinted request: success");
	CHECK(t.m.i_fp >= 0, "FINGERPRINT echoed (and verified by the decoder)");

	/* A wrong FINGERPRINT: silently discarded. */
	t.req[t.req_len - 1] ^= 0x55;
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "bad FINGERPRINT dropped");
	t_stop(&t);
}

/* The Binding success response is what ternd sent before the one pipeline, byte for
 * byte: XOR-MAPPED-ADDRESS, SOFTWARE when configured (also to an unauthenticated
 * client), FINGERPRINT when the request had one, nothing else. */
static void test_software(void)
{
	struct t_env t;
	struct stun_enc e;
	struct stun_str sw;
	uint8_t want[256];
	int n;

	b_init(&t, "192.0.2.8", 6000, "Tern 0.1", false);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	stun_enc_put(&e, STUN_ATTR_SOFTWARE, "client", 6);
	stun_enc_put_fingerprint(&e);
	b_send(&t, &e);
	CHECK_EQ_INT(stun_msg_get_bytes(&t.m, STUN_ATTR_SOFTWARE, &sw), 0, "SOFTWARE present");
	CHECK(sw.len == 8 && memcmp(sw.p, "Tern 0.1", 8) == 0, "SOFTWARE is the configured value");
	stun_enc_init(&e, want, sizeof(want), STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, t.tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, &t.src);
	stun_enc_put(&e, STUN_ATTR_SOFTWARE, "Tern 0.1", 8);
	stun_enc_put_fingerprint(&e);
	n = stun_enc_finish(&e);
	CHECK(n == t.resp_len && memcmp(want, t.resp, (size_t)n) == 0,
	      "success bytes: XOR-MAPPED-ADDRESS, SOFTWARE, FINGERPRINT (%d vs %d bytes)",
	      t.resp_len, n);
	t_stop(&t);

	b_init(&t, "192.0.2.8", 6000, "", false);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	b_send(&t, &e);
	CHECK(!b_has_software(&t), "empty SOFTWARE means none");
	t_stop(&t);
}

/* Sends method with an unknown comprehension-required attribute (0x0042) and an unknown
 * optional one (0x8042); returns the response length. */
static int b_unknown(struct t_env *t, uint16_t method, uint8_t *copy)
{
	struct stun_enc e;
	uint16_t types[4];
	size_t n = 4;

	t_begin(t, &e, method, STUN_CLASS_REQUEST, true);
	if (method == STUN_METHOD_ALLOCATE)
		stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, 0x0042, 7);
	stun_enc_put_u32(&e, 0x8042, 7);
	stun_enc_put_fingerprint(&e);
	b_send(t, &e);
	CHECK_EQ_INT(t->m.cls, STUN_CLASS_ERROR,
		     "method %#x: unknown comprehension-required: error", method);
	CHECK_EQ_INT(t->m.method, method, "method %#x: error keeps the method", method);
	CHECK_EQ_INT(t->code, STUN_ERR_UNKNOWN_ATTRIBUTE, "method %#x: 420", method);
	CHECK_EQ_INT(stun_msg_get_unknown(&t->m, types, &n), 0,
		     "method %#x: UNKNOWN-ATTRIBUTES present", method);
	CHECK(n == 1 && types[0] == 0x0042,
	      "method %#x: lists only the comprehension-required type", method);
	CHECK(t->m.i_fp >= 0, "method %#x: error response echoes FINGERPRINT", method);
	CHECK(!b_has_software(t), "method %#x: unauthenticated 420 carries no SOFTWARE", method);
	CHECK(stun_msg_find(&t->m, STUN_ATTR_NONCE) == NULL, "method %#x: 420 before any challenge",
	      method);
	memcpy(copy, t->resp, (size_t)t->resp_len);
	return t->resp_len;
}

static void test_unknown_attr(void)
{
	struct t_env t;
	struct stun_enc e;
	uint8_t bind[256], alloc[256];
	int nb, na;

	b_init(&t, "192.0.2.9", 7000, "Tern 0.1", false);
	t_new_tid(&t);
	nb = b_unknown(&t, STUN_METHOD_BINDING, bind);
	na = b_unknown(&t, STUN_METHOD_ALLOCATE, alloc);
	/* One builder: the same bytes but for the message type (and so the FINGERPRINT). */
	CHECK(nb == na && memcmp(bind + 2, alloc + 2, (size_t)nb - 8 - 2) == 0,
	      "Binding and Allocate 420 built alike");
	CHECK_EQ_INT(fake_open_count(&t.net), 0, "no relay opened");

	/* Only an unknown optional attribute: ignored. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, 0x8042, 7);
	b_send(&t, &e);
	CHECK_EQ_INT(t.m.cls, STUN_CLASS_SUCCESS, "unknown optional attribute ignored");
	t_stop(&t);
}

static void test_bad_request(void)
{
	struct t_env t;
	struct stun_enc e;

	b_init(&t, "192.0.2.10", 8000, "Tern 0.1", false);
	t_begin(&t, &e, 0x0123, STUN_CLASS_REQUEST, false);
	stun_enc_put_fingerprint(&e);
	b_send(&t, &e);
	CHECK(t.m.cls == STUN_CLASS_ERROR && t.code == STUN_ERR_BAD_REQUEST,
	      "unknown method: 400 (got class %d code %d)", t.m.cls, t.code);
	CHECK_EQ_INT(t.m.method, 0x0123, "400 keeps the method");
	CHECK(!b_has_software(&t), "unknown method: 400 without SOFTWARE");
	CHECK(t.m.i_fp >= 0, "unknown method: 400 echoes FINGERPRINT");
	CHECK(t.m.i_mi < 0 && t.m.i_mi256 < 0, "unknown method: 400 unsigned");

	/* A sound header with an attribute running past the end: 400. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_SOFTWARE, 0);
	t.req_len = stun_enc_finish(&e);
	t.req[STUN_HDR_LEN + 3] = 40; /* SOFTWARE length 40 in an 8-byte body */
	CHECK_EQ_INT(t_run(&t), 0, "attribute overrun answered");
	CHECK(t.m.cls == STUN_CLASS_ERROR && t.code == STUN_ERR_BAD_REQUEST,
	      "attribute overrun: 400");
	CHECK_EQ_INT(t.m.method, STUN_METHOD_BINDING, "decode-failed 400 keeps the method");
	CHECK_MEM(t.m.tid, t.tid, STUN_TID_LEN, "decode-failed 400 echoes the transaction id");
	CHECK(!b_has_software(&t), "decode-failed 400 without SOFTWARE");
	CHECK(t.resp_len <= t.req_len + BOUND, "400 size bound");

	/* The same damage in an Allocate request: 400 too, before any authentication. */
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_SOFTWARE, 0);
	t.req_len = stun_enc_finish(&e);
	t.req[STUN_HDR_LEN + 3] = 40;
	CHECK_EQ_INT(t_run(&t), 0, "Allocate attribute overrun answered");
	CHECK(t.m.method == STUN_METHOD_ALLOCATE && t.code == STUN_ERR_BAD_REQUEST,
	      "Allocate attribute overrun: 400");

	/* The same damage in an indication: dropped. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_INDICATION, false);
	stun_enc_put_u32(&e, STUN_ATTR_SOFTWARE, 0);
	t.req_len = stun_enc_finish(&e);
	t.req[STUN_HDR_LEN + 3] = 40;
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "malformed indication dropped");
	t_stop(&t);
}

static void test_no_response(void)
{
	struct t_env t;
	struct stun_enc e;
	uint8_t chdata[8] = {0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4};

	b_init(&t, "192.0.2.11", 9000, NULL, false);
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_INDICATION, false);
	t.req_len = stun_enc_finish(&e);
	CHECK_EQ_INT(t_run(&t), 0, "Binding indication: no response");

	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, false);
	t.req_len = stun_enc_finish(&e);
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "unsolicited success response dropped");

	/* ChannelData without an allocation: nothing sent, nothing relayed. */
	memcpy(t.req, chdata, sizeof(chdata));
	t.req_len = sizeof(chdata);
	CHECK(t_run(&t) <= 0 && t.net.sends == 0, "ChannelData without allocation ignored");

	t.req_len = 0;
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "empty datagram dropped");
	t.req_len = 19;
	memset(t.req, 0, 19);
	CHECK_EQ_INT(t_run(&t), -EBADMSG, "short datagram dropped");

	/* A Binding request with trailing bytes past its declared length. */
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	t.req_len = stun_enc_finish(&e) + 4;
	CHECK(t_run(&t) <= 0, "length mismatch not answered with success");
	t_stop(&t);
}

/* DESIGN.md §3: error replies to unauthenticated requests are limited per source IP;
 * Binding's success is the service and is not (scripts/bench.sh binding). */
static void test_limiter(void)
{
	struct t_env t;
	struct stun_enc e;
	int ok = 0, errs = 0;

	t_init(&t);
	t.cfg.unauth_rate = 2;
	t_start(&t);
	for (int i = 0; i < 50; i++) {
		t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
		t.req_len = stun_enc_finish(&e);
		ok += t_run(&t) == 0 && t.code == 0;
	}
	CHECK_EQ_INT(ok, 50, "every Binding request answered");
	CHECK(turn_server_counters(t.s)->unauth_sent == 0, "Binding successes not counted");
	for (int i = 0; i < 50; i++) {
		t_begin(&t, &e, 0x0123, STUN_CLASS_REQUEST, false);
		t.req_len = stun_enc_finish(&e);
		errs += t_run(&t) == 0 && t.code == STUN_ERR_BAD_REQUEST;
	}
	CHECK(errs >= 1 && errs <= 2, "unknown-method 400s limited (%d of 50 sent)", errs);
	CHECK(turn_server_counters(t.s)->unauth_limited >= 48, "the rest counted as limited");
	t_stop(&t);
}

/* Sends an unsigned request of method (with the attributes a TURN server would want) and
 * returns its error code. */
static int b_turn_request(struct t_env *t, uint16_t method)
{
	struct stun_enc e;
	struct addr peer;

	addr_parse(&peer, "198.51.100.1", 1234);
	t_begin(t, &e, method, STUN_CLASS_REQUEST, false);
	if (method == STUN_METHOD_ALLOCATE)
		stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	if (method == STUN_METHOD_CHANNEL_BIND)
		stun_enc_put_u32(&e, STUN_ATTR_CHANNEL_NUMBER, 0x4000u << 16);
	if (method == STUN_METHOD_CREATE_PERMISSION || method == STUN_METHOD_CHANNEL_BIND)
		stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	b_send(t, &e);
	CHECK(!b_has_software(t) && stun_msg_find(&t->m, STUN_ATTR_NONCE) == NULL,
	      "method %#x: refusal without SOFTWARE or challenge", method);
	return t->code;
}

static void test_stun_only(void)
{
	static const uint16_t turn[] = {STUN_METHOD_ALLOCATE, STUN_METHOD_REFRESH,
					STUN_METHOD_CREATE_PERMISSION, STUN_METHOD_CHANNEL_BIND,
					0x0123};
	struct t_env t;
	struct stun_enc e;

	b_init(&t, "192.0.2.13", 9200, "Tern 0.1", true);
	for (size_t i = 0; i < sizeof(turn) / sizeof(turn[0]); i++)
		CHECK_EQ_INT(b_turn_request(&t, turn[i]), STUN_ERR_BAD_REQUEST,
			     "stun-only: method %#x answered 400", turn[i]);
	CHECK(turn_server_counters(t.s)->unauth_sent == 5, "refusals go through the limiter");
	t_begin(&t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	b_send(&t, &e);
	CHECK(t.code == 0 && b_has_software(&t), "stun-only: Binding answered 200 with SOFTWARE");
	CHECK(t.net.opens == 0 && t.creds.lookups == 0,
	      "stun-only: no relay opened, no credential asked");
	t_stop(&t);
}

/* Send indications and ChannelData reach the relay ops, but not on a STUN-only server
 * (the same allocation, the server's flag turned on). */
static void test_stun_only_drops_data(void)
{
	uint8_t chdata[8] = {0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4};
	struct t_env t;
	struct stun_enc e;
	struct addr peer;
	int sends;

	t_init(&t);
	t_start(&t);
	addr_parse(&peer, "198.51.100.1", 1234);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "198.51.100.1", 1234), 0, "channel bound");
	for (int only = 0; only < 2; only++) {
		t.cfg.stun_only = only;
		sends = t.net.sends;
		memcpy(t.req, chdata, sizeof(chdata));
		t.req_len = sizeof(chdata);
		CHECK(t_run(&t) == (only ? -EBADMSG : 0), "stun_only=%d: ChannelData", only);
		t_begin(&t, &e, STUN_METHOD_SEND, STUN_CLASS_INDICATION, false);
		stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
		stun_enc_put(&e, STUN_ATTR_DATA, "data", 4);
		t.req_len = stun_enc_finish(&e);
		CHECK_EQ_INT(t_run(&t), 0, "stun_only=%d: Send indication not answered", only);
		CHECK_EQ_INT(t.net.sends - sends, only ? 0 : 2, "stun_only=%d: relayed to the peer",
			     only);
	}
	t_stop(&t);
}

/* Random input: every answer decodes; a STUN-only server's answers (Binding, 400, 420) stay
 * within BOUND. */
static void test_garbage(bool stun_only)
{
	struct t_env t;
	unsigned seed = 12345, answered = 0, bad = 0;

	b_init(&t, "192.0.2.12", 9100, NULL, stun_only);
	for (int i = 0; i < 20000; i++) {
		t.req_len = (int)(rand_r(&seed) % 512);
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
		if (rc != 0 || (stun_only && t.resp_len > t.req_len + BOUND)) {
			bad++;
			break;
		}
	}
	CHECK(bad == 0 && answered > 0,
	      "stun_only=%d random input: every answer decodes%s (%u answered)", stun_only,
	      stun_only ? " and is within the bound" : "", answered);
	CHECK_EQ_INT(t.net.opens, 0, "stun_only=%d random input: no relay opened", stun_only);
	t_stop(&t);
}

int main(void)
{
	test_mapped("192.0.2.1", 32853);
	test_mapped("2001:db8::1", 40000);
	test_mapped("::ffff:10.0.0.1", 1);
	test_rfc5769_mapped(RFC5769_MAPPED_IPV4, rfc5769_response_v4, 36, 12);
	test_rfc5769_mapped(RFC5769_MAPPED_IPV6, rfc5769_response_v6, 36, 24);
	test_rfc5769_request();
	test_fingerprint();
	test_software();
	test_unknown_attr();
	test_bad_request();
	test_no_response();
	test_limiter();
	test_stun_only();
	test_stun_only_drops_data();
	test_garbage(false);
	test_garbage(true);
	return tap_done();
}
