/* Mobility with TURN (RFC 8016): MOBILITY-TICKET in Allocate (§3.1) and Refresh (§3.2),
 * and an allocation moving to a new 5-tuple within its worker. Moves across workers are
 * in turn/mob_move.c.
 *
 * Decisions:
 * - Tickets go to UDP relay allocations over any client transport. Over a stream (TCP,
 *   TLS) or a DTLS session, a mobility-enabled allocation outlives its connection (as in
 *   coturn): it is parked (turn_mob_park) until its ticket moves it or it expires, where
 *   RFC 8656 §5 would end it with the connection. An RFC 6062 TCP relay allocation gets
 *   405 (Mobility Forbidden: "cannot be performed due to administrative or similar
 *   restrictions", §3.4), as does any request with MOBILITY-TICKET while mobility is off.
 * - The move is made at the Refresh (a hard switch): from then on the old 5-tuple has no
 *   allocation (437). Its relays, permissions, channels, lifetime, bandwidth buckets and
 *   quota unit move with it; nothing is reopened.
 * - A ticket is refused with 437 when it names no live allocation of this process (forged,
 *   altered, expired, of an older generation: the allocation has moved since), and with
 *   441 when another user presents it (RFC 8656 §5). A Refresh with a ticket on a 5-tuple
 *   that has another allocation gets 400, as coturn answers.
 * - A ticket is valid for max-allocate-lifetime after it is issued; a Refresh carrying the
 *   current ticket from the allocation's own 5-tuple renews it. */
#include "turn/mob.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "stun/err.h"
#include "stun/stun.h"
#include "turn/sesslog.h"

/* Allocation ids unique across every worker of the process (a ticket names its allocation
 * by id, whichever worker owns it): the one counter all turn_servers share. */
static _Atomic uint32_t turn_mob_seq;

static bool turn_mob_on(const struct turn_server *s)
{
	return s->cfg->ticket_key && s->ops->detach && s->ops->attach;
}

struct turn_mob *turn_mob_find(struct turn_server *s, uint32_t id)
{
	struct turn_mob *m = s->mob[id & (TURN_MOB_BUCKETS - 1)];

	while (m && m->id != id)
		m = m->next;
	return m;
}

void turn_mob_link(struct turn_server *s, struct turn_mob *m)
{
	struct turn_mob **b = &s->mob[m->id & (TURN_MOB_BUCKETS - 1)];

	m->next = *b;
	*b = m;
	m->linked = true;
}

void turn_mob_unlink(struct turn_server *s, struct turn_mob *m)
{
	struct turn_mob **p = &s->mob[m->id & (TURN_MOB_BUCKETS - 1)];

	if (!m->linked)
		return;
	while (*p && *p != m)
		p = &(*p)->next;
	if (*p)
		*p = m->next;
	m->next = NULL;
	m->linked = false;
}

int turn_mob_allocate_check(struct turn_ctx *x, bool *mobile)
{
	struct stun_str tok;
	uint8_t proto = 0;

	*mobile = false;
	if (stun_msg_find(x->m, STUN_ATTR_MOBILITY_TICKET) == NULL)
		return 0;
	/* RFC 8016 §3.1: mobility off (or a TCP relay, see above): 405. */
	stun_msg_get_transport(x->m, &proto);
	if (!turn_mob_on(x->s) || proto != STUN_TRANSPORT_UDP) {
		x->s->c.mob_refused++;
		return STUN_ERR_MOBILITY_FORBIDDEN;
	}
	/* §3.1: the client asks with an empty MOBILITY-TICKET. */
	if (stun_msg_get_bytes(x->m, STUN_ATTR_MOBILITY_TICKET, &tok) < 0 || tok.len != 0) {
		x->s->c.mob_refused++;
		return STUN_ERR_BAD_REQUEST;
	}
	*mobile = true;
	return 0;
}

int turn_mob_enable(struct turn_server *s, struct turn_alloc *a)
{
	struct turn_mob *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	do
		m->id = atomic_fetch_add(&turn_mob_seq, 1) + 1;
	while (m->id == 0);
	m->a = a;
	a->mob = m;
	turn_mob_link(s, m);
	return 0;
}

void turn_mob_fini(struct turn_server *s, struct turn_alloc *a)
{
	if (a->mob == NULL)
		return;
	if (s)
		turn_mob_unlink(s, a->mob);
	free(a->mob);
	a->mob = NULL;
}

/* The connection a parked allocation names (its own: no two parked allocations share a
 * 5-tuple in the table): nothing reaches it (its relays do not receive), and nothing is
 * sent through it. */
static int turn_mob_parked_send(struct turn_conn *c, const struct addr *to, const uint8_t *buf,
				size_t len)
{
	(void)c;
	(void)to;
	(void)buf;
	(void)len;
	return -ENOTCONN;
}

static const struct turn_conn_ops turn_mob_parked_ops = {.name = "parked",
							 .send = turn_mob_parked_send};

bool turn_mob_park(struct turn_server *s, struct turn_alloc *a)
{
	if (a->mob == NULL || a->client.conn == &a->mob->parked)
		return false;
	turn_mob_detach(s, a);
	turn_alloc_unlink(s, a);
	a->mob->parked = (struct turn_conn){.ops = &turn_mob_parked_ops, .local = a->client.local};
	a->client.conn = &a->mob->parked;
	/* Relinking after the unlink never needs to grow the table. */
	if (turn_alloc_link(s, a) < 0) {
		s->c.allocs++; /* counted again for turn_alloc_free */
		turn_alloc_end(s, a, TURN_END_CONN_GONE);
	}
	return true;
}

void turn_mob_put_ticket(struct turn_ctx *x, struct stun_enc *e, const struct turn_alloc *a)
{
	const struct turn_cfg *cfg = x->s->cfg;
	uint32_t max_s = cfg->max_lifetime_s ? cfg->max_lifetime_s : TURN_MAX_LIFETIME_S;
	struct turn_ticket t = {.worker = (uint16_t)x->s->worker,
				.expire_s = (uint32_t)(x->now_ms / 1000) + max_s};
	char text[TURN_TICKET_LEN];

	if (a->mob == NULL || cfg->ticket_key == NULL)
		return;
	t.id = a->mob->id;
	t.gen = a->mob->gen;
	t.ident_tag = a->has_ident ? turn_ticket_ident_tag(a->ident) : 0;
	/* RFC 8016 §3.1, §3.2: the ticket, new with every response (the expiry moves). */
	if (turn_ticket_seal(cfg->ticket_key, &t, text) == 0)
		stun_enc_put(e, STUN_ATTR_MOBILITY_TICKET, text, TURN_TICKET_LEN);
}

bool turn_mob_owner_ok(const struct turn_alloc *a, bool has_ident, const uint8_t *ident)
{
	if (a->has_ident != has_ident)
		return false;
	return !has_ident || memcmp(a->ident, ident, TURN_IDENT_LEN) == 0;
}

void turn_mob_detach(struct turn_server *s, struct turn_alloc *a)
{
	/* Its fast-path entries name the old 5-tuple: gone before it moves, and what the
	 * kernel relayed for it taken on this worker. */
	turn_fast_clear(s, a, AF_UNSPEC);
	turn_fast_take(s, a, -1);
	for (int i = 0; i < a->nrelay; i++)
		s->ops->detach(s->ops_ctx, a->relay[i]);
}

int turn_mob_attach(struct turn_server *s, struct turn_alloc *a)
{
	int err;

	/* Parked (taken back after a move that failed): its relays stay detached. */
	if (a->mob && a->client.conn == &a->mob->parked)
		return 0;
	for (int i = 0; i < a->nrelay; i++) {
		err = s->ops->attach(s->ops_ctx, a->relay[i], &a->client);
		if (err < 0)
			return err;
	}
	return 0;
}

void turn_mob_moved(struct turn_server *s, struct turn_alloc *a, const uint8_t *tid,
		    const struct addr *from)
{
	turn_slog_moved(a, from);
	a->mob->gen++;
	a->mob->moved = true;
	memcpy(a->mob->move_tid, tid, STUN_TID_LEN);
	s->c.mob_moves++;
}

int turn_mob_finish(struct turn_ctx *x, struct turn_alloc *a)
{
	uint32_t req = 0, life;
	bool has = stun_msg_get_u32(x->m, STUN_ATTR_LIFETIME, &req) == 0;
	struct stun_enc e;

	/* RFC 8656 §8.2 as for any Refresh: the desired lifetime; zero deletes. */
	life = turn_lifetime(x->s->cfg, has, req);
	turn_resp_begin(x, &e);
	stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, life);
	if (life == 0) {
		turn_alloc_end(x->s, a, TURN_END_DELETED);
	} else {
		turn_alloc_set_expiry(a, x->now_ms + (uint64_t)life * 1000);
		turn_alloc_schedule(x->s, a);
		turn_mob_put_ticket(x, &e, a);
		turn_slog_refreshed(a, life, 0);
	}
	return turn_resp_finish(x, &e);
}

bool turn_mob_is_same(const struct turn_alloc *a, const struct turn_ticket *t,
		      const struct stun_msg *m)
{
	const struct turn_mob *mob = a->mob;

	if (mob == NULL || mob->id != t->id)
		return false;
	if (t->gen == mob->gen)
		return true;
	return mob->moved && (uint16_t)(t->gen + 1) == mob->gen &&
	       memcmp(mob->move_tid, m->tid, STUN_TID_LEN) == 0;
}

/* RFC 8016 §3.2, the checks of the ticket itself. Returns 0 and *t, or the error code. */
static int turn_mob_ticket(struct turn_ctx *x, struct turn_ticket *t)
{
	struct stun_str tok;

	if (!turn_mob_on(x->s))
		return STUN_ERR_MOBILITY_FORBIDDEN;
	if (stun_msg_get_bytes(x->m, STUN_ATTR_MOBILITY_TICKET, &tok) < 0 || tok.len == 0)
		return STUN_ERR_BAD_REQUEST;
	/* Forged, altered or expired: it names no allocation. */
	if (turn_ticket_open(x->s->cfg->ticket_key, tok.p, tok.len, t) < 0 ||
	    (uint64_t)t->expire_s * 1000 < x->now_ms)
		return STUN_ERR_ALLOCATION_MISMATCH;
	/* Another user's ticket (RFC 8656 §5); the owner compares the whole ident again. */
	if (x->has_ident && t->ident_tag != turn_ticket_ident_tag(x->ident))
		return STUN_ERR_WRONG_CREDENTIALS;
	return 0;
}

/* The 5-tuple already has an allocation: the ticket must be its own (a retransmission of
 * the Refresh that moved it here, or a renewal of its ticket), else 400. */
static int turn_mob_here_already(struct turn_ctx *x, struct turn_alloc *a,
				 const struct turn_ticket *t)
{
	if (!turn_mob_is_same(a, t, x->m)) {
		x->s->c.mob_refused++;
		return turn_resp_error(x, STUN_ERR_BAD_REQUEST);
	}
	if (!turn_mob_owner_ok(a, x->has_ident, x->ident)) {
		x->s->c.mob_refused++;
		return turn_resp_error(x, STUN_ERR_WRONG_CREDENTIALS);
	}
	return turn_mob_finish(x, a);
}

/* The allocation lives in this worker: it changes its 5-tuple in place (relays detached
 * from the old client connection and attached to the new one). */
static int turn_mob_move_local(struct turn_ctx *x, const struct turn_ticket *t)
{
	struct turn_server *s = x->s;
	struct turn_mob *m = turn_mob_find(s, t->id);
	struct turn_alloc *a = m ? m->a : NULL;

	if (a == NULL || m->gen != t->gen || a->expire_ms <= x->now_ms) {
		s->c.mob_refused++;
		return turn_resp_error(x, STUN_ERR_ALLOCATION_MISMATCH);
	}
	if (!turn_mob_owner_ok(a, x->has_ident, x->ident)) {
		s->c.mob_refused++;
		return turn_resp_error(x, STUN_ERR_WRONG_CREDENTIALS);
	}
	struct addr from = a->client.src;

	turn_mob_detach(s, a);
	turn_alloc_unlink(s, a);
	a->client = *x->client;
	/* Relinking after the unlink never needs to grow the table. */
	if (turn_alloc_link(s, a) < 0 || turn_mob_attach(s, a) < 0) {
		turn_alloc_end(s, a, TURN_END_FAILED);
		return turn_resp_error(x, STUN_ERR_SERVER_ERROR);
	}
	turn_mob_moved(s, a, x->m->tid, &from);
	return turn_mob_finish(x, a);
}

int turn_mob_refresh(struct turn_ctx *x)
{
	struct turn_server *s = x->s;
	struct turn_ticket t;
	struct turn_alloc *a;
	int code = turn_mob_ticket(x, &t);

	if (code) {
		s->c.mob_refused++;
		return turn_resp_error(x, code);
	}
	a = turn_alloc_find(&s->allocs, x->client->conn, &x->client->src, &x->client->local);
	if (a)
		return turn_mob_here_already(x, a, &t);
	/* §3.2: the allocation moves to the 5-tuple the Refresh came from. */
	if (t.worker == s->worker)
		return turn_mob_move_local(x, &t);
	return turn_mob_forward(x, &t);
}
