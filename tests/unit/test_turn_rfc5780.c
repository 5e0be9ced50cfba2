/* Binding's NAT behaviour discovery (RFC 5780 §6, §7) and classic RFC 3489 requests, through
 * turn_server_input with fake connections standing for the worker's sockets on the
 * alternate address and port (turn/conn.h struct turn_conn_alt): every CHANGE-REQUEST
 * combination, RESPONSE-PORT, PADDING bounds, streams, no alternate, no-rfc5780, and the
 * amplification bounds (who gets the extras, the unauthenticated-reply limiter). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "base/addr.h"
#include "base/bytes.h"
#include "stun/classic.h"
#include "stun/enc.h"
#include "stun/err.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "test_turn_fake.h"
#include "turn/server.h"

/* The server: A1 203.0.113.1, A2 203.0.113.2, P1 3478, P2 3479; requests reach A1:P1. */
struct r_env {
	struct t_env t;
	struct fake_conn alt[4]; /* [1] A1:P2, [2] A2:P1, [3] A2:P2 */
	struct turn_conn_alt tab;
};

static void r_init(struct r_env *r, bool with_alt)
{
	static const char *const ip[4] = {"", "203.0.113.1", "203.0.113.2", "203.0.113.2"};
	static const uint16_t port[4] = {0, 3479, 3478, 3479};

	t_init(&r->t);
	memset(&r->tab, 0, sizeof(r->tab));
	r->tab.via[0] = &r->t.dgram.conn;
	for (int i = 1; i < 4 && with_alt; i++) {
		struct addr a;

		addr_parse(&a, ip[i], port[i]);
		fake_conn_init(&r->alt[i], &fake_dgram_ops, &a, NULL);
		r->tab.via[i] = &r->alt[i].conn;
	}
	r->tab.has_other = with_alt;
	if (with_alt)
		r->tab.other = r->alt[3].conn.local;
	r->t.dgram.conn.alt = &r->tab;
}

static int r_sends(const struct r_env *r)
{
	return r->alt[1].sends + r->alt[2].sends + r->alt[3].sends;
}

/* A Binding request with CHANGE-REQUEST flags (cr < 0: none), RESPONSE-PORT (0: none) and
 * PADDING of pad bytes (< 0: none); runs it. */
static int r_bind(struct r_env *r, int cr, uint16_t rport, int pad)
{
	static uint8_t zeros[1600];
	struct stun_enc e;
	uint8_t rp[4] = {0};

	t_begin(&r->t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	if (cr >= 0)
		stun_enc_put_u32(&e, STUN_ATTR_CHANGE_REQUEST, (uint32_t)cr);
	if (rport) {
		bytes_put16(rp, rport);
		stun_enc_put(&e, STUN_ATTR_RESPONSE_PORT, rp, 4);
	}
	if (pad >= 0)
		stun_enc_put(&e, STUN_ATTR_PADDING, zeros, (size_t)pad);
	r->t.req_len = stun_enc_finish(&e);
	return t_run(&r->t);
}

static bool r_addr(const struct stun_msg *m, uint16_t type, const struct addr *want)
{
	struct addr got;

	return stun_msg_get_addr(m, type, &got) == 0 && addr_eq(&got, want);
}

/* §6.1 Table 1: each combination leaves from its socket, to the source, naming itself. */
static void test_change(void)
{
	static const char *const name[4] = {"none", "change port", "change IP", "both"};
	static const uint32_t flags[4] = {0, 0x2, 0x4, 0x6};

	for (int i = 0; i < 4; i++) {
		struct r_env r;
		struct stun_msg m;
		const struct fake_conn *via = i ? &r.alt[i] : NULL;

		r_init(&r, true);
		t_start(&r.t);
		CHECK_EQ_INT(r_bind(&r, (int)flags[i], 0, -1), 0, "%s: handled", name[i]);
		if (i == 0) {
			CHECK(r.t.resp_len > 0 && r_sends(&r) == 0, "none: answered in place");
			m = r.t.m;
		} else {
			CHECK(r.t.resp_len == 0 && via->sends == 1 && r_sends(&r) == 1,
			      "%s: sent by its socket only", name[i]);
			CHECK(addr_eq(&via->last_to, &r.t.src), "%s: to the source", name[i]);
			CHECK(stun_msg_decode(&m, via->buf, via->len) == 0, "%s: decodes", name[i]);
		}
		CHECK(r_addr(&m, STUN_ATTR_RESPONSE_ORIGIN, i ? &via->conn.local : &r.t.local),
		      "%s: RESPONSE-ORIGIN is the sending socket", name[i]);
		CHECK(r_addr(&m, STUN_ATTR_OTHER_ADDRESS, &r.tab.other),
		      "%s: OTHER-ADDRESS is A2:P2", name[i]);
		CHECK(r_addr(&m, STUN_ATTR_MAPPED_ADDRESS, &r.t.src), "%s: MAPPED-ADDRESS",
		      name[i]);
		CHECK_EQ_INT(turn_server_counters(r.t.s)->binding_redirected, i ? 1 : 0,
			     "%s: redirections counted", name[i]);
		t_stop(&r.t);
	}
}

/* §7.5: to the source IP at RESPONSE-PORT, also combined with a change. */
static void test_response_port(void)
{
	struct r_env r;
	struct addr want = {0};
	struct stun_msg m;

	r_init(&r, true);
	t_start(&r.t);
	CHECK_EQ_INT(r_bind(&r, -1, 50000, -1), 0, "RESPONSE-PORT handled");
	want = r.t.src;
	addr_set_port(&want, 50000);
	CHECK(r.t.resp_len == 0 && r.t.dgram.sends == 1 && addr_eq(&r.t.dgram.last_to, &want),
	      "sent from the same socket to the source IP at port 50000");
	CHECK(stun_msg_decode(&m, r.t.dgram.buf, r.t.dgram.len) == 0 &&
		      r_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &r.t.src),
	      "XOR-MAPPED-ADDRESS is still the request's source");
	CHECK_EQ_INT(r_bind(&r, 0x6, 50001, -1), 0, "RESPONSE-PORT with both changes");
	addr_set_port(&want, 50001);
	CHECK(r.alt[3].sends == 1 && addr_eq(&r.alt[3].last_to, &want), "from A2:P2 to port 50001");
	CHECK_EQ_INT(r_bind(&r, -1, 50000, 100), 0, "RESPONSE-PORT with PADDING");
	CHECK_EQ_INT(r.t.code, STUN_ERR_BAD_REQUEST, "PADDING and RESPONSE-PORT: 400 (§6.1)");
	{
		struct stun_enc e;

		t_begin(&r.t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
		stun_enc_put(&e, STUN_ATTR_RESPONSE_PORT, "\0\0\0\0", 4);
		r.t.req_len = stun_enc_finish(&e);
		CHECK(t_run(&r.t) == 0 && r.t.code == STUN_ERR_BAD_REQUEST,
		      "RESPONSE-PORT 0: 400, nothing sent");
	}
	t_stop(&r.t);
}

/* §6.1, §7.6, §10: PADDING in the response, never longer than the request. */
static void test_padding(void)
{
	struct r_env r;
	struct stun_str s;

	r_init(&r, true);
	r.t.cfg.software = "Tern test";
	t_start(&r.t);
	CHECK_EQ_INT(r_bind(&r, -1, 0, 1500), 0, "PADDING 1500");
	CHECK(r.t.resp_len > 1400 && r.t.resp_len <= r.t.req_len, "response %d bytes, request %d",
	      r.t.resp_len, r.t.req_len);
	CHECK(stun_msg_get_bytes(&r.t.m, STUN_ATTR_PADDING, &s) == 0, "PADDING in the response");
	CHECK_EQ_INT(r_bind(&r, -1, 0, 0), 0, "empty PADDING");
	CHECK(stun_msg_get_bytes(&r.t.m, STUN_ATTR_PADDING, &s) == 0 && s.len == 0,
	      "a small request gets an empty PADDING back");
	CHECK_EQ_INT(r_bind(&r, 0x6, 0, 600), 0, "PADDING with both changes");
	CHECK(r.alt[3].sends == 1 && r.alt[3].len <= (size_t)r.t.req_len,
	      "redirected padded response no longer than the request");
	t_stop(&r.t);
}

/* Who gets the extras: bare test I and the RFC 5780 attributes; not other requests. */
static void test_asked(void)
{
	struct r_env r;
	struct stun_enc e;

	r_init(&r, true);
	t_start(&r.t);
	CHECK_EQ_INT(r_bind(&r, -1, 0, -1), 0, "bare request");
	CHECK(stun_msg_find(&r.t.m, STUN_ATTR_OTHER_ADDRESS) &&
		      stun_msg_find(&r.t.m, STUN_ATTR_RESPONSE_ORIGIN),
	      "bare request (RFC 5780 test I): OTHER-ADDRESS and RESPONSE-ORIGIN");
	CHECK_EQ_INT(turn_server_counters(r.t.s)->unauth_sent, 1, "through the limiter");
	t_begin(&r.t, &e, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, false);
	stun_enc_put(&e, 0x8029, "\0\0\0\0\0\0\0\1", 8); /* ICE-CONTROLLED */
	r.t.req_len = stun_enc_finish(&e);
	CHECK(t_run(&r.t) == 0 && r.t.code == 0, "a request with other attributes");
	CHECK(!stun_msg_find(&r.t.m, STUN_ATTR_OTHER_ADDRESS) &&
		      !stun_msg_find(&r.t.m, STUN_ATTR_MAPPED_ADDRESS),
	      "does not ask: plain RFC 8489 response");
	CHECK_EQ_INT(turn_server_counters(r.t.s)->unauth_sent, 1, "and is not limited");
	t_stop(&r.t);

	/* One address: bare requests get the plain response; asking ones RESPONSE-ORIGIN. */
	r_init(&r, false);
	t_start(&r.t);
	CHECK(r_bind(&r, -1, 0, -1) == 0 && !stun_msg_find(&r.t.m, STUN_ATTR_RESPONSE_ORIGIN),
	      "no alternate: bare request gets the plain response");
	CHECK(r_bind(&r, 0, 0, -1) == 0 && r.t.code == 0 &&
		      stun_msg_find(&r.t.m, STUN_ATTR_RESPONSE_ORIGIN) &&
		      !stun_msg_find(&r.t.m, STUN_ATTR_OTHER_ADDRESS),
	      "no alternate: all-zero CHANGE-REQUEST answered, no OTHER-ADDRESS (§7.4)");
	t_stop(&r.t);
}

static bool r_lists(const struct t_env *t, uint16_t type)
{
	uint16_t types[8];
	size_t n = 8;

	if (t->code != STUN_ERR_UNKNOWN_ATTRIBUTE || stun_msg_get_unknown(&t->m, types, &n) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (types[i] == type)
			return true;
	return false;
}

/* §6: without an alternate, 420 for a change; RESPONSE-PORT still works (§5). */
static void test_no_alternate(void)
{
	struct r_env r;

	r_init(&r, false);
	t_start(&r.t);
	for (int cr = 2; cr <= 6; cr += 2) {
		CHECK_EQ_INT(r_bind(&r, cr, 0, -1), 0, "flags %d handled", cr);
		CHECK(r_lists(&r.t, STUN_ATTR_CHANGE_REQUEST), "flags %d: 420 CHANGE-REQUEST", cr);
	}
	CHECK(r_bind(&r, -1, 4000, -1) == 0 && r.t.resp_len == 0 && r.t.dgram.sends == 1,
	      "RESPONSE-PORT honoured with one address");
	t_stop(&r.t);

	/* A datagram connection without a table (DTLS): RESPONSE-PORT optional, 420. */
	r_init(&r, false);
	r.t.dgram.conn.alt = NULL;
	t_start(&r.t);
	CHECK(r_bind(&r, -1, 4000, -1) == 0 && r_lists(&r.t, STUN_ATTR_RESPONSE_PORT),
	      "no table: RESPONSE-PORT 420 (§7.5: support optional)");
	t_stop(&r.t);
}

/* Over a stream the response returns on the connection. */
static void test_stream(void)
{
	struct r_env r;

	/* A TCP listener's table: OTHER-ADDRESS, no socket to send from (net/alt.c). */
	r_init(&r, true);
	memset(r.tab.via, 0, sizeof(r.tab.via));
	t_use_stream(&r.t);
	r.t.stream.conn.alt = &r.tab;
	t_start(&r.t);
	CHECK(r_bind(&r, 0x6, 0, -1) == 0 && r.t.code == STUN_ERR_BAD_REQUEST && r_sends(&r) == 0,
	      "stream: CHANGE-REQUEST 400");
	CHECK(r_bind(&r, -1, 4000, -1) == 0 && r.t.code == STUN_ERR_BAD_REQUEST,
	      "stream: RESPONSE-PORT 400");
	CHECK(r_bind(&r, -1, 0, 64) == 0 && r.t.code == STUN_ERR_BAD_REQUEST,
	      "stream: PADDING 400");
	CHECK(r_bind(&r, 0, 0, -1) == 0 && r.t.code == 0 &&
		      r_addr(&r.t.m, STUN_ATTR_RESPONSE_ORIGIN, &r.t.local) &&
		      r_addr(&r.t.m, STUN_ATTR_OTHER_ADDRESS, &r.tab.other),
	      "stream: RESPONSE-ORIGIN and OTHER-ADDRESS on the connection");
	t_stop(&r.t);
}

/* no-rfc5780: the request attributes are unknown; an all-zero CHANGE-REQUEST asks nothing. */
static void test_disabled(void)
{
	struct r_env r;

	r_init(&r, true);
	r.t.cfg.no_rfc5780 = true;
	t_start(&r.t);
	CHECK(r_bind(&r, 0x4, 0, -1) == 0 && r_lists(&r.t, STUN_ATTR_CHANGE_REQUEST),
	      "no-rfc5780: change 420");
	CHECK(r_bind(&r, -1, 4000, -1) == 0 && r_lists(&r.t, STUN_ATTR_RESPONSE_PORT),
	      "no-rfc5780: RESPONSE-PORT 420");
	CHECK(r_bind(&r, -1, 0, 100) == 0 && r_lists(&r.t, STUN_ATTR_PADDING),
	      "no-rfc5780: PADDING 420");
	CHECK(r_bind(&r, 0, 0, -1) == 0 && r.t.code == 0 &&
		      !stun_msg_find(&r.t.m, STUN_ATTR_RESPONSE_ORIGIN),
	      "no-rfc5780: zero CHANGE-REQUEST gets the plain response");
	CHECK(r_bind(&r, -1, 0, -1) == 0 && !stun_msg_find(&r.t.m, STUN_ATTR_OTHER_ADDRESS),
	      "no-rfc5780: bare request gets the plain response");
	CHECK_EQ_INT(r_sends(&r) + r.t.dgram.sends, 0, "nothing redirected");
	t_stop(&r.t);
}

/* The unauthenticated-reply limiter bounds every extra response, redirected or not. */
static void test_limited(void)
{
	struct r_env r;
	const struct turn_counters *c;

	r_init(&r, true);
	r.t.cfg.unauth_rate = 3;
	t_start(&r.t);
	c = turn_server_counters(r.t.s);
	for (int i = 0; i < 6; i++)
		r_bind(&r, i % 2 ? 0x6 : -1, 0, -1);
	CHECK_EQ_INT(c->unauth_sent, 3, "three answered");
	CHECK_EQ_INT(c->unauth_limited, 3, "three limited");
	CHECK(r.alt[3].sends <= 2, "redirections inside the budget (%d)", r.alt[3].sends);
	CHECK(r_bind(&r, 0, 50000, -1) == 0 && r.t.resp_len == 0 && r.t.dgram.sends == 0,
	      "RESPONSE-PORT over the budget: nothing sent");
	t_stop(&r.t);
}

/* ---- classic RFC 3489 ---- */

/* stun-client's request: 128-bit id starting with the test number, CHANGE-REQUEST. */
static int r_classic(struct r_env *r, uint8_t test, uint32_t cr, const void *more, size_t mlen)
{
	struct turn_pkt p = {.src = &r->t.src, .local = &r->t.local, .conn = &r->t.dgram.conn};
	uint8_t *b = r->t.req;

	memset(b, 0, 20);
	bytes_put16(b, 0x0001);
	bytes_put16(b + 2, (uint16_t)(8 + mlen));
	b[4] = test;
	memset(b + 5, 0x5a, 15);
	memcpy(b + 20, "\x00\x03\x00\x04", 4);
	bytes_put32(b + 24, cr);
	if (mlen)
		memcpy(b + 28, more, mlen);
	p.buf = b;
	p.len = 28 + mlen;
	r->t.req_len = (int)p.len;
	return r->t.resp_len =
		       turn_server_input(r->t.s, &p, r->t.now, r->t.resp, sizeof(r->t.resp));
}

/* The first attribute of type in a classic message, or NULL. */
static const uint8_t *r_classic_attr(const uint8_t *b, size_t len, uint16_t type)
{
	for (size_t off = 20; off + 4 <= len; off += 4 + ((bytes_get16(b + off + 2) + 3u) & ~3u))
		if (bytes_get16(b + off) == type)
			return b + off;
	return NULL;
}

static bool r_classic_addr(const uint8_t *b, size_t len, uint16_t type, const struct addr *want)
{
	const uint8_t *a = r_classic_attr(b, len, type);
	struct addr got;

	return a && stun_addr_decode(a + 4, bytes_get16(a + 2), false, NULL, &got) == 0 &&
	       addr_eq(&got, want);
}

static void test_classic(void)
{
	struct r_env r;
	const uint8_t *b;

	r_init(&r, true);
	r.t.cfg.software = "Tern test";
	t_start(&r.t);
	CHECK(r_classic(&r, 1, 0, NULL, 0) > 0, "test I answered in place");
	b = r.t.resp;
	CHECK(bytes_get16(b) == 0x0101 && memcmp(b + 4, r.t.req + 4, 16) == 0,
	      "Binding success echoing the 128-bit id");
	CHECK(r_classic_addr(b, (size_t)r.t.resp_len, STUN_ATTR_MAPPED_ADDRESS, &r.t.src),
	      "MAPPED-ADDRESS");
	CHECK(r_classic_addr(b, (size_t)r.t.resp_len, STUN_ATTR_SOURCE_ADDRESS, &r.t.local),
	      "SOURCE-ADDRESS");
	CHECK(r_classic_addr(b, (size_t)r.t.resp_len, STUN_ATTR_CHANGED_ADDRESS, &r.tab.other),
	      "CHANGED-ADDRESS");
	CHECK(!r_classic_attr(b, (size_t)r.t.resp_len, STUN_ATTR_XOR_MAPPED_ADDRESS),
	      "no XOR-MAPPED-ADDRESS (ends an RFC 3489 parse)");
	CHECK(r.t.resp_len <= 28 + 44, "small: %d bytes for 28 (3 addresses, SOFTWARE)",
	      r.t.resp_len);
	CHECK(r_classic(&r, 2, 0x4, NULL, 0) == 0 && r.alt[2].sends == 1 &&
		      r_classic_addr(r.alt[2].buf, r.alt[2].len, STUN_ATTR_SOURCE_ADDRESS,
				     &r.alt[2].conn.local),
	      "test II (change IP) from A2:P1");
	CHECK(r_classic(&r, 3, 0x2, NULL, 0) == 0 && r.alt[1].sends == 1 &&
		      addr_eq(&r.alt[1].last_to, &r.t.src),
	      "test III (change port) from A1:P2 to the source");
	CHECK(r_classic(&r, 4, 0, "\x00\x02\x00\x08\x00\x01\x00\x35\xc6\x33\x64\x09", 12) ==
			      -EBADMSG &&
		      turn_server_counters(r.t.s)->classic_dropped == 1,
	      "RESPONSE-ADDRESS: dropped, never redirected");
	CHECK(r_classic(&r, 5, 0, "\x00\x30\x00\x04\0\0\0\0", 8) > 0 &&
		      bytes_get16(r.t.resp) == 0x0111,
	      "unknown comprehension-required attribute: 420");
	CHECK_EQ_INT(turn_server_counters(r.t.s)->classic_answered, 3, "answers counted");
	t_stop(&r.t);

	r_init(&r, false);
	t_start(&r.t);
	CHECK(r_classic(&r, 2, 0x4, NULL, 0) == -EBADMSG && r.t.dgram.sends == 0,
	      "no alternate: a change is not answered at all");
	CHECK(r_classic(&r, 1, 0, NULL, 0) > 0 &&
		      !r_classic_attr(r.t.resp, (size_t)r.t.resp_len, STUN_ATTR_CHANGED_ADDRESS),
	      "no alternate: test I answered without CHANGED-ADDRESS");
	t_stop(&r.t);

	r_init(&r, true);
	r.t.cfg.no_rfc5780 = true;
	t_start(&r.t);
	CHECK_EQ_INT(r_classic(&r, 1, 0, NULL, 0), -EBADMSG, "no-rfc5780: classic dropped");
	t_stop(&r.t);

	r_init(&r, true);
	addr_parse(&r.t.src, "2001:db8::5", 4000);
	t_start(&r.t);
	CHECK_EQ_INT(r_classic(&r, 1, 0, NULL, 0), -EBADMSG, "IPv6 source: classic dropped");
	t_stop(&r.t);
}

int main(void)
{
	test_change();
	test_response_port();
	test_padding();
	test_asked();
	test_no_alternate();
	test_stream();
	test_disabled();
	test_limited();
	test_classic();
	return tap_done();
}
