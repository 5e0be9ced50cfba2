/* The Refresh method (RFC 8656 §8.2): sets an allocation's time-to-expiry, or deletes it
 * with a LIFETIME of zero; on a dual allocation, REQUESTED-ADDRESS-FAMILY narrows either to
 * that family's relayed address (§8.1). */
#include "turn/core.h"

#include "stun/err.h"
#include "stun/stun.h"
#include "turn/sesslog.h"

/* §8.1, §8.2 on a dual allocation with REQUESTED-ADDRESS-FAMILY: only relay i is refreshed
 * (the other keeps its own time-to-expiry, §6) or, with a desired lifetime of zero,
 * deleted; deleting the last family deletes the allocation (the one free path). The
 * allocation's quota unit stays until the allocation ends. */
static void turn_refresh_family(struct turn_ctx *x, struct turn_alloc *a, int i, uint32_t life)
{
	int family = a->relayed[i].family;

	if (life == 0 && a->nrelay < 2) {
		turn_alloc_end(x->s, a, TURN_END_DELETED);
		return;
	}
	if (life == 0) {
		turn_slog_relay_ended(a, family, TURN_END_DELETED);
		turn_alloc_drop_relay(x->s, a, i);
	} else {
		turn_alloc_set_relay_expiry(a, i, x->now_ms + (uint64_t)life * 1000);
		turn_slog_refreshed(a, life, family);
	}
	turn_alloc_schedule(x->s, a);
}

int turn_refresh(struct turn_ctx *x)
{
	struct turn_alloc *a;
	struct stun_enc e;
	uint8_t fam;
	uint32_t req = 0, life;
	bool has;
	int code, relay = -1;

	/* RFC 8016 §3.2: a Refresh carrying MOBILITY-TICKET (turn/mobility.c). */
	if (stun_msg_find(x->m, STUN_ATTR_MOBILITY_TICKET))
		return turn_mob_refresh(x);
	/* §5: the allocation of this 5-tuple (437), created with these credentials (441). */
	a = turn_ctx_alloc(x, &code);
	if (a == NULL)
		return turn_resp_error(x, code);
	/* §8.2: a REQUESTED-ADDRESS-FAMILY the allocation does not have: 443. */
	if (stun_msg_find(x->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY)) {
		if (stun_msg_get_family(x->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam) == 0)
			relay = turn_alloc_relay_for(a,
						     fam == STUN_FAMILY_IPV6 ? AF_INET6 : AF_INET);
		if (relay < 0)
			return turn_resp_error(x, STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH);
	}
	/* §8.2: the "desired lifetime"; zero deletes the allocation (one free path). */
	has = stun_msg_get_u32(x->m, STUN_ATTR_LIFETIME, &req) == 0;
	life = turn_lifetime(x->s->cfg, has, req);
	if (relay >= 0) {
		turn_refresh_family(x, a, relay, life);
	} else if (life == 0) {
		turn_alloc_end(x->s, a, TURN_END_DELETED);
	} else {
		turn_alloc_set_expiry(a, x->now_ms + (uint64_t)life * 1000);
		turn_alloc_schedule(x->s, a);
		turn_slog_refreshed(a, life, 0);
	}
	turn_resp_begin(x, &e);
	stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, life);
	return turn_resp_finish(x, &e);
}
