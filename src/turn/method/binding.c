/* The Binding method (RFC 8489 §6.3.1, §14.2): tells the client the transport address
 * its request came from, and serves the NAT behaviour discovery usage (RFC 5780 §6, §7).
 * No authentication, no state; the checks every request gets (RFC 8489 §6.3, the 420 of
 * §6.3.1.1) ran in turn_server_input.
 *
 * Amplification (the server is on the internet, and nothing here is authenticated):
 * - A client "asks" for RFC 5780 when its request carries CHANGE-REQUEST, RESPONSE-PORT or
 *   PADDING (RFC 5780 §6.1's request attributes), or when it carries no attribute at all
 *   but SOFTWARE and FINGERPRINT and the server has an alternate address: that bare request
 *   is test I of RFC 5780 §4.3/§4.4, which turnutils_natdiscovery sends as a 20-byte header
 *   and which needs OTHER-ADDRESS to go on. Only a client that asks gets MAPPED-ADDRESS,
 *   RESPONSE-ORIGIN and OTHER-ADDRESS (§6.1); anyone else gets the RFC 8489 response.
 * - Every response that carries them, is padded, or is redirected counts against the
 *   unauthenticated-reply limiter (turn_resp_unauth: per source IP, replies and bytes) on
 *   connections whose address is not proven.
 * - A redirected response only ever goes to the request's source IP (RESPONSE-PORT changes
 *   the port, §7.5) from one of the server's own sockets (CHANGE-REQUEST, §6.1 Table 1).
 * - PADDING (§7.6) is answered with a response no longer than the request (§10: no more
 *   than the received datagram), and never with RESPONSE-PORT (§6.1, §10: 400). */
#include "turn/core.h"

#include <string.h>

#include "stun/err.h"
#include "stun/stun.h"

/* RFC 5780 §7.2: the "change IP" (A) and "change port" (B) bits of CHANGE-REQUEST. */
#define CR_CHANGE_IP   0x4u
#define CR_CHANGE_PORT 0x2u

/* What a Binding request asks of RFC 5780. */
struct turn_bind {
	bool asked;	 /* the extras go in the response */
	unsigned change; /* TURN_CHANGE_PORT | TURN_CHANGE_IP */
	bool has_port;	 /* RESPONSE-PORT */
	uint16_t port;
	bool has_padding;    /* PADDING */
	uint16_t refused[3]; /* request attributes a no-rfc5780 server does not know */
	size_t nrefused;
};

/* No attribute but SOFTWARE and FINGERPRINT: RFC 5780 §4.3 test I as clients send it. */
static bool turn_bind_is_bare(const struct stun_msg *m)
{
	for (uint16_t i = 0; i < m->nattrs; i++) {
		if (m->attrs[i].type != STUN_ATTR_SOFTWARE &&
		    m->attrs[i].type != STUN_ATTR_FINGERPRINT)
			return false;
	}
	return true;
}

/* Reads the RFC 5780 request attributes of x's request into *b. */
static void turn_bind_read(const struct turn_ctx *x, struct turn_bind *b)
{
	const struct stun_msg *m = x->m;
	const struct turn_conn_alt *alt = x->client->conn->alt;
	uint32_t cr;

	memset(b, 0, sizeof(*b));
	if (stun_msg_get_u32(m, STUN_ATTR_CHANGE_REQUEST, &cr) == 0) {
		b->asked = true;
		b->change = ((cr & CR_CHANGE_IP) ? TURN_CHANGE_IP : 0) |
			    ((cr & CR_CHANGE_PORT) ? TURN_CHANGE_PORT : 0);
		if (b->change)
			b->refused[b->nrefused++] = STUN_ATTR_CHANGE_REQUEST;
	}
	if (stun_msg_get_response_port(m, &b->port) == 0) {
		b->asked = b->has_port = true;
		b->refused[b->nrefused++] = STUN_ATTR_RESPONSE_PORT;
	}
	if (stun_msg_find(m, STUN_ATTR_PADDING)) {
		b->asked = b->has_padding = true;
		b->refused[b->nrefused++] = STUN_ATTR_PADDING;
	}
	if (!b->asked && alt && alt->has_other && turn_bind_is_bare(m))
		b->asked = true;
}

/* 420 naming the RFC 5780 attributes a no-rfc5780 server treats as unknown (RFC 5780 §5:
 * clients must be prepared for it). */
static int turn_bind_unknown(struct turn_ctx *x, const uint16_t *types, size_t ntypes)
{
	struct stun_msg m = *x->m;
	const struct stun_msg *orig = x->m;
	int n;

	memcpy(m.unknown, types, ntypes * sizeof(types[0]));
	m.nunknown = (uint8_t)ntypes;
	x->m = &m;
	n = turn_resp_unauth_error(x, STUN_ERR_UNKNOWN_ATTRIBUTE);
	x->m = orig;
	return n;
}

/* The error the request earns, or 0 to answer it (RFC 5780 §6, §6.1, §7.5); for a 420,
 * *what is the attribute refused. */
static int turn_bind_check(const struct turn_ctx *x, const struct turn_bind *b, uint16_t *what)
{
	const struct turn_conn *c = x->client->conn;

	/* §6.1, §7.5, §10: PADDING and RESPONSE-PORT together are refused; so is port 0,
	 * where nothing can listen. */
	if ((b->has_padding && b->has_port) || (b->has_port && b->port == 0))
		return STUN_ERR_BAD_REQUEST;
	/* Over a stream the response returns on the connection: no other source, no other
	 * port, and nothing for PADDING to fragment. */
	if (c->ops->stream && (b->change || b->has_port || b->has_padding))
		return STUN_ERR_BAD_REQUEST;
	/* §6, §6.1: no alternate address and port for that change: 420. §7.5: RESPONSE-PORT
	 * support is optional (420) where the connection can only answer its own remote. */
	*what = STUN_ATTR_CHANGE_REQUEST;
	if (b->change && !(c->alt && c->alt->via[b->change]))
		return STUN_ERR_UNKNOWN_ATTRIBUTE;
	*what = STUN_ATTR_RESPONSE_PORT;
	if (b->has_port && !(c->alt && c->alt->via[0]))
		return STUN_ERR_UNKNOWN_ATTRIBUTE;
	return 0;
}

/* §6.1, §7.6: PADDING sized so the response is no longer than the request; room is kept
 * for SOFTWARE and FINGERPRINT, which turn_resp_finish adds. */
static void turn_bind_pad(struct turn_ctx *x, struct stun_enc *e)
{
	size_t tail = STUN_ATTR_HDR_LEN + (x->m->i_fp >= 0 ? 8 : 0);
	size_t target = x->m->len < x->cap ? x->m->len : x->cap;
	size_t pad = 0;
	uint8_t *v;

	if (x->s->software)
		tail += STUN_ATTR_HDR_LEN + ((x->s->software_len + 3) & ~(size_t)3);
	if (target > e->len + tail)
		pad = (target - e->len - tail) & ~(size_t)3;
	if (stun_enc_reserve(e, STUN_ATTR_PADDING, pad, &v) == 0)
		memset(v, 0, pad);
}

/* The connection the response leaves from: RFC 5780 §6.1 Table 1. */
static struct turn_conn *turn_bind_via(const struct turn_ctx *x, const struct turn_bind *b)
{
	struct turn_conn *c = x->client->conn;

	return b->change && c->alt && c->alt->via[b->change] ? c->alt->via[b->change] : c;
}

static int turn_bind_respond(struct turn_ctx *x, const struct turn_bind *b)
{
	const struct turn_client *cl = x->client;
	const struct turn_conn_alt *alt = cl->conn->alt;
	struct turn_conn *via = turn_bind_via(x, b);
	struct addr to = cl->src;
	struct stun_enc e;
	int n;

	/* RFC 8489 §6.3.1.2: XOR-MAPPED-ADDRESS = the source transport address. */
	turn_resp_begin(x, &e);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, &cl->src);
	if (b->asked) {
		/* RFC 5780 §6.1: MAPPED-ADDRESS too, RESPONSE-ORIGIN (where the response
		 * leaves from: a listening socket's local, else the address the client
		 * reached), OTHER-ADDRESS when there is an alternate (§7.4). */
		stun_enc_put_addr(&e, STUN_ATTR_MAPPED_ADDRESS, &cl->src);
		stun_enc_put_addr(&e, STUN_ATTR_RESPONSE_ORIGIN,
				  via == cl->conn ? &cl->local : &via->local);
		if (alt && alt->has_other)
			stun_enc_put_addr(&e, STUN_ATTR_OTHER_ADDRESS, &alt->other);
	}
	if (b->has_padding)
		turn_bind_pad(x, &e);
	n = turn_resp_finish(x, &e);
	if (!b->asked || n <= 0)
		return n;
	n = turn_resp_unauth(x->s, cl, n, x->now_ms);
	if (n <= 0 || (via == cl->conn && !b->has_port))
		return n;
	/* §6.1: "sent from the source address as determined above and to the source address
	 * of the Request"; §7.5: to RESPONSE-PORT of the source IP. */
	if (b->has_port)
		addr_set_port(&to, b->port);
	x->s->c.binding_redirected++;
	via->ops->send(via, &to, x->out, (size_t)n);
	return 0;
}

int turn_binding(struct turn_ctx *x)
{
	struct turn_bind b;
	uint16_t what = 0;
	int code;

	turn_bind_read(x, &b);
	if (x->s->cfg->no_rfc5780) {
		if (b.nrefused)
			return turn_bind_unknown(x, b.refused, b.nrefused);
		b.asked = false;
	}
	code = turn_bind_check(x, &b, &what);
	if (code)
		return code == STUN_ERR_UNKNOWN_ATTRIBUTE ? turn_bind_unknown(x, &what, 1)
							  : turn_resp_unauth_error(x, code);
	return turn_bind_respond(x, &b);
}
