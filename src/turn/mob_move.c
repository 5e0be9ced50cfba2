/* Mobility across workers (RFC 8016 §3.2; turn/server.h): the new 5-tuple of a moving
 * allocation usually hashes (SO_REUSEPORT) to another worker than the one that owns it.
 * The receiving worker hands a move to ops->forward; the owner detaches the allocation
 * into it (turn_server_mob_detach); the receiving worker adopts it and answers
 * (turn_server_mob_adopt). The allocation is owned by exactly one worker at every moment
 * but the hand-over itself, when it is in no table and has no timer: the packet path never
 * takes a lock. */
#include "turn/mob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stun/err.h"
#include "turn/sesslog.h"
#include "turn/shared.h"

/* Points the views of rq (into the request at old) at the same bytes of mv->req. */
static void turn_mob_rebase(struct turn_mob_move *mv, const uint8_t *old)
{
	if (mv->rq.user)
		mv->rq.user = mv->req + (mv->rq.user - old);
	if (mv->rq.userhash)
		mv->rq.userhash = mv->req + (mv->rq.userhash - old);
	if (mv->rq.realm)
		mv->rq.realm = mv->req + (mv->rq.realm - old);
}

/* A move for x's Refresh and ticket t, or NULL (no memory, a request too large). */
static struct turn_mob_move *turn_mob_move_new(struct turn_ctx *x, const struct turn_ticket *t)
{
	struct turn_mob_move *mv;

	if (x->m->len > TURN_PENDING_MSG_MAX || x->klen > AUTH_KEY_MAX)
		return NULL;
	mv = calloc(1, sizeof(*mv));
	if (mv == NULL || (mv->req = malloc(x->m->len)) == NULL) {
		free(mv);
		return NULL;
	}
	memcpy(mv->req, x->m->buf, x->m->len);
	mv->req_len = x->m->len;
	mv->client = *x->client;
	mv->t = *t;
	mv->has_ident = x->has_ident;
	memcpy(mv->ident, x->ident, TURN_IDENT_LEN);
	mv->authed = x->authed;
	mv->rq = x->rq;
	turn_mob_rebase(mv, x->m->buf);
	if (x->klen)
		memcpy(mv->key, x->key, x->klen);
	mv->klen = x->klen;
	mv->ops = x->s->ops;
	mv->shared = x->s->shared;
	return mv;
}

int turn_mob_forward(struct turn_ctx *x, const struct turn_ticket *t)
{
	struct turn_server *s = x->s;
	struct turn_mob_move *mv;

	if (s->ops->forward == NULL) { /* one worker: no other can own it */
		s->c.mob_refused++;
		return turn_resp_error(x, STUN_ERR_ALLOCATION_MISMATCH);
	}
	mv = turn_mob_move_new(x, t);
	if (mv == NULL)
		return turn_resp_error(x, STUN_ERR_SERVER_ERROR);
	if (s->ops->forward(s->ops_ctx, t->worker, mv) < 0) {
		turn_mob_move_free(mv);
		s->c.mob_refused++;
		return turn_resp_error(x, STUN_ERR_ALLOCATION_MISMATCH);
	}
	/* The answer follows the adoption, through the client's connection. */
	return 0;
}

void turn_server_mob_detach(struct turn_server *s, struct turn_mob_move *mv)
{
	struct turn_mob *m = turn_mob_find(s, mv->t.id);
	struct turn_alloc *a = m ? m->a : NULL;

	/* RFC 8016 §3.2: gone (expired, deleted), moved since, or about to expire: 437. */
	mv->code = STUN_ERR_ALLOCATION_MISMATCH;
	if (a == NULL || m->gen != mv->t.gen || a->expire_ms <= s->now_ms)
		return;
	if (!turn_mob_owner_ok(a, mv->has_ident, mv->ident)) {
		mv->code = STUN_ERR_WRONG_CREDENTIALS;
		return;
	}
	timer_cancel(&a->timer);
	turn_mob_detach(s, a);
	turn_alloc_unlink(s, a);
	turn_realm_account(s, a);
	turn_mob_unlink(s, m);
	turn_session_fleet_down(s, a);
	a->s = NULL;
	mv->a = a;
	mv->code = 0;
}

/* Puts the carried allocation into s at a->client: table, index, relays, timer. On
 * failure it ends (the one free path) and 500 is returned; else 0. */
static int turn_mob_install(struct turn_server *s, struct turn_alloc *a)
{
	a->s = s;
	turn_realm_carry(s, a);
	if (turn_alloc_link(s, a) < 0) {
		/* Not in the table: turn_alloc_free's count must find it counted. */
		s->c.allocs++;
		turn_alloc_end(s, a, TURN_END_FAILED);
		return STUN_ERR_SERVER_ERROR;
	}
	turn_mob_link(s, a->mob);
	if (turn_mob_attach(s, a) < 0) {
		turn_alloc_end(s, a, TURN_END_FAILED);
		return STUN_ERR_SERVER_ERROR;
	}
	turn_alloc_schedule(s, a);
	turn_session_fleet_up(s, a);
	return 0;
}

/* The allocation arrived: installed at the new 5-tuple unless that 5-tuple got an
 * allocation meanwhile or it expired on the way (then it is freed: 437). */
static int turn_mob_adopt_alloc(struct turn_ctx *x, struct turn_mob_move *mv)
{
	struct turn_server *s = x->s;
	struct turn_alloc *a = mv->a, *other;
	struct addr from = a->client.src;
	int code;

	mv->a = NULL;
	other = turn_alloc_find(&s->allocs, mv->client.conn, &mv->client.src, &mv->client.local);
	a->client = mv->client;
	code = turn_mob_install(s, a);
	if (code)
		return turn_resp_error(x, code);
	if (other || a->expire_ms <= x->now_ms) {
		turn_alloc_end(s, a, other ? TURN_END_FAILED : TURN_END_EXPIRED);
		s->c.mob_refused++;
		return turn_resp_error(x, STUN_ERR_ALLOCATION_MISMATCH);
	}
	turn_mob_moved(s, a, x->m->tid, &from);
	s->c.mob_cross++;
	return turn_mob_finish(x, a);
}

/* The owner did not hand it over: a retransmission of the Refresh that moved it here
 * (forwarded again while the first was on its way) is answered as the first; anything
 * else gets the owner's code. */
static int turn_mob_adopt_refused(struct turn_ctx *x, struct turn_mob_move *mv)
{
	struct turn_server *s = x->s;
	struct turn_alloc *a =
		turn_alloc_find(&s->allocs, mv->client.conn, &mv->client.src, &mv->client.local);

	if (a && turn_mob_is_same(a, &mv->t, x->m) &&
	    turn_mob_owner_ok(a, mv->has_ident, mv->ident))
		return turn_mob_finish(x, a);
	s->c.mob_refused++;
	return turn_resp_error(x, mv->code ? mv->code : STUN_ERR_ALLOCATION_MISMATCH);
}

void turn_server_mob_adopt(struct turn_server *s, struct turn_mob_move *mv, uint64_t now_ms)
{
	struct stun_msg m;
	struct turn_ctx x = {.s = s,
			     .m = &m,
			     .client = &mv->client,
			     .now_ms = now_ms,
			     .authed = mv->authed,
			     .admitted = true,
			     .rq = mv->rq,
			     .key = mv->key,
			     .klen = mv->klen,
			     .has_ident = mv->has_ident,
			     .out = s->scratch,
			     .cap = sizeof(s->scratch)};
	int n = 0;

	s->now_ms = now_ms;
	memcpy(x.ident, mv->ident, TURN_IDENT_LEN);
	if (stun_msg_decode(&m, mv->req, mv->req_len) == 0)
		n = mv->a ? turn_mob_adopt_alloc(&x, mv) : turn_mob_adopt_refused(&x, mv);
	if (n > 0)
		turn_client_send(&mv->client, s->scratch, (size_t)n);
	turn_mob_move_free(mv);
}

void turn_server_mob_abort(struct turn_server *s, struct turn_mob_move *mv)
{
	struct turn_alloc *a = mv->a, *other;

	/* Back where it was: its 5-tuple (a->client) was not changed on the way out, unless
	 * that 5-tuple has made another allocation meanwhile (then this one ends). */
	mv->a = NULL;
	if (a) {
		other = turn_alloc_find(&s->allocs, a->client.conn, &a->client.src,
					&a->client.local);
		if (turn_mob_install(s, a) == 0 && other)
			turn_alloc_end(s, a, TURN_END_FAILED);
	}
	turn_mob_move_free(mv);
}

void turn_mob_move_free(struct turn_mob_move *mv)
{
	struct turn_alloc *a;

	if (mv == NULL)
		return;
	a = mv->a;
	if (a) {
		/* No server runs it any more: what turn_alloc_end does, without a table (nor
		 * a clock: the line gives no duration; its connection may be gone). */
		a->client.conn = NULL;
		turn_slog_ended(a, 0, TURN_END_SHUTDOWN);
		for (int i = 0; i < a->nrelay; i++)
			mv->ops->close(NULL, a->relay[i]);
		if (a->nrelay > 0)
			turn_shared_release(mv->shared, a->has_ident ? a->ident : NULL);
		turn_shared_bps_release(mv->shared, a->bps);
		turn_perm_fini(a);
		turn_chan_fini(a);
		turn_mob_fini(NULL, a);
		free(a->names);
		free(a);
	}
	free(mv->req);
	free(mv);
}
