/* Mobility internals shared by turn/mobility.c (tickets, Refresh, moves within a worker)
 * and turn/mob_move.c (moves across workers). Internal to turn/; worker thread. */
#ifndef TERN_TURN_MOB_H
#define TERN_TURN_MOB_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/key.h"
#include "turn/core.h"
#include "turn/ticket.h"

/* The mobility state of an allocation (a->mob; NULL for allocations without mobility). */
struct turn_mob {
	struct turn_mob *next; /* in the owner's bucket (s->mob) */
	struct turn_alloc *a;
	uint32_t id;  /* unique in the process */
	uint16_t gen; /* bumped by every move: tickets of an older generation are stale */
	bool linked;  /* in an owner's index (false while a move carries it) */
	bool moved;
	uint8_t move_tid[STUN_TID_LEN]; /* the Refresh that moved it last: a retransmission
					 * of it is answered again */
	struct turn_conn parked;	/* a->client.conn while parked (turn_mob_park) */
};

/* A move across workers: what the requesting worker needs to answer the Refresh, and the
 * allocation while it changes hands. */
struct turn_mob_move {
	struct turn_client client; /* the new 5-tuple */
	struct turn_ticket t;
	bool has_ident;
	uint8_t ident[TURN_IDENT_LEN];
	bool authed;
	struct auth_ltc_req rq; /* views into req */
	uint8_t key[AUTH_KEY_MAX];
	size_t klen;
	uint8_t *req; /* owned copy of the Refresh */
	size_t req_len;
	const struct turn_relay_ops *ops; /* to free a carried allocation without a server */
	struct turn_shared *shared;
	struct turn_alloc *a; /* detached, or NULL */
	int code;	      /* why the owner did not hand it over (437, 441) */
};

/* The index of s by id. */
struct turn_mob *turn_mob_find(struct turn_server *s, uint32_t id);
void turn_mob_link(struct turn_server *s, struct turn_mob *m);
void turn_mob_unlink(struct turn_server *s, struct turn_mob *m);
/* Whether a may be taken over by the request's user (has_ident, ident). */
bool turn_mob_owner_ok(const struct turn_alloc *a, bool has_ident, const uint8_t *ident);
/* The relays of a stop / start receiving on s's worker (ops->detach / ops->attach at
 * a->client; a parked allocation's stay detached). turn_mob_attach: 0 or -errno. */
void turn_mob_detach(struct turn_server *s, struct turn_alloc *a);
int turn_mob_attach(struct turn_server *s, struct turn_alloc *a);
/* The move is done (a at its new 5-tuple, from the client address from): generation, the
 * moving transaction, the session line. */
void turn_mob_moved(struct turn_server *s, struct turn_alloc *a, const uint8_t *tid,
		    const struct addr *from);
/* The success response of a Refresh with MOBILITY-TICKET on allocation a (at x's
 * 5-tuple): its LIFETIME applied as RFC 8656 §8.2 says (0 deletes a), LIFETIME and, while
 * a lives, its new ticket (RFC 8016 §3.2). */
int turn_mob_finish(struct turn_ctx *x, struct turn_alloc *a);
/* Whether a is the allocation t names, moved by the transaction of m (a retransmission of
 * the Refresh that moved it), or presented with its current ticket. */
bool turn_mob_is_same(const struct turn_alloc *a, const struct turn_ticket *t,
		      const struct stun_msg *m);
/* RFC 8016 §3.2 across workers (turn/mob_move.c): hands the move to ops->forward. */
int turn_mob_forward(struct turn_ctx *x, const struct turn_ticket *t);

#endif
