/* Classic Binding (RFC 3489 §8.2, §11): what clients older than RFC 5389 need, such as
 * Debian's stun-client and its NAT type test (RFC 3489 §10.1). They send a header without
 * the magic cookie and a CHANGE-REQUEST (flags 0 for test I), and read MAPPED-ADDRESS,
 * SOURCE-ADDRESS and CHANGED-ADDRESS from the response; a comprehension-required type they
 * do not know (XOR-MAPPED-ADDRESS, 0x0020, is one) ends their parse, so the response holds
 * only RFC 3489 attributes (and SOFTWARE, RFC 3489's SERVER).
 *
 * The same amplification bounds as turn/method/binding.c, tighter where RFC 3489 was
 * careless: every response goes through the unauthenticated-reply limiter and is a few
 * dozen bytes; it goes to the request's source only, from one of the server's own sockets
 * (RFC 5780 §6.1 Table 1); RESPONSE-ADDRESS (§11.2.2, a redirect to any address: the
 * reflection RFC 5389 §19 removed it for) is never honoured and such a request is dropped.
 * Dropped as well: requests with MESSAGE-INTEGRITY (the shared-secret mechanism of §9 does
 * not exist here), from IPv6 (RFC 3489 addresses are IPv4), on streams, on a no-rfc5780
 * server, and asking for a change the server cannot make. The last is silence rather than
 * an error on purpose: RFC 3489 clients match responses by transaction id alone, so any
 * answer would read as "response received from the changed address". */
#include "turn/core.h"

#include <errno.h>

#include "stun/classic.h"
#include "stun/err.h"
#include "stun/stun.h"

#define CR_CHANGE_IP   0x4u
#define CR_CHANGE_PORT 0x2u

/* Whether the request is answerable at all (see above); counts a refusal. */
static bool turn_classic_admits(struct turn_server *s, const struct turn_pkt *p,
				const struct stun_classic_req *r, unsigned change)
{
	const struct turn_conn *c = p->conn;

	if (s->cfg->no_rfc5780 || c->ops->stream || addr_family(p->src) != AF_INET ||
	    r->has_response_address || r->has_integrity ||
	    (change && !(c->alt && c->alt->via[change]))) {
		s->c.classic_dropped++;
		return false;
	}
	return true;
}

static int turn_classic_success(struct turn_server *s, const struct turn_pkt *p,
				const struct stun_classic_req *r, struct turn_conn *via,
				uint8_t *out, size_t cap)
{
	const struct turn_conn_alt *alt = p->conn->alt;
	struct stun_enc e;

	/* RFC 3489 §8.2: MAPPED-ADDRESS (the source), SOURCE-ADDRESS (where the response
	 * leaves from), CHANGED-ADDRESS (the alternate IP and port, when there is one). */
	stun_classic_enc_init(&e, out, cap, STUN_CLASS_SUCCESS, r->tid);
	stun_enc_put_addr(&e, STUN_ATTR_MAPPED_ADDRESS, p->src);
	stun_enc_put_addr(&e, STUN_ATTR_SOURCE_ADDRESS, via == p->conn ? p->local : &via->local);
	if (alt && alt->has_other)
		stun_enc_put_addr(&e, STUN_ATTR_CHANGED_ADDRESS, &alt->other);
	if (s->software)
		stun_enc_put(&e, STUN_ATTR_SOFTWARE, s->software, s->software_len);
	return stun_enc_finish(&e);
}

int turn_classic_binding(struct turn_server *s, const struct turn_pkt *p, uint64_t now_ms,
			 uint8_t *out, size_t cap)
{
	struct turn_client c = {.conn = p->conn, .src = *p->src, .local = *p->local};
	struct stun_classic_req r;
	struct turn_conn *via;
	unsigned change;
	int n;

	if (stun_classic_decode(&r, p->buf, p->len) < 0)
		return -EBADMSG;
	change = ((r.change & CR_CHANGE_IP) ? TURN_CHANGE_IP : 0) |
		 ((r.change & CR_CHANGE_PORT) ? TURN_CHANGE_PORT : 0);
	if (!turn_classic_admits(s, p, &r, change))
		return -EBADMSG;
	/* RFC 3489 §8.2: unknown comprehension-required attributes: 420. */
	if (r.nunknown) {
		struct stun_enc e;

		stun_classic_enc_error(&e, out, cap, r.tid, STUN_ERR_UNKNOWN_ATTRIBUTE, r.unknown,
				       r.nunknown);
		return turn_resp_unauth(s, &c, stun_enc_finish(&e), now_ms);
	}
	via = change ? p->conn->alt->via[change] : p->conn;
	n = turn_resp_unauth(s, &c, turn_classic_success(s, p, &r, via, out, cap), now_ms);
	if (n <= 0)
		return n;
	s->c.classic_answered++;
	if (via == p->conn)
		return n;
	s->c.binding_redirected++;
	via->ops->send(via, p->src, out, (size_t)n);
	return 0;
}
