/* The Refresh method (RFC 8656 §8.2): sets an allocation's time-to-expiry, or deletes it
 * with a LIFETIME of zero. */
#include "turn/core.h"

#include "stun/err.h"
#include "stun/stun.h"

int turn_refresh(struct turn_ctx *x)
{
	struct turn_alloc *a;
	struct stun_enc e;
	uint8_t fam;
	uint32_t req = 0, life;
	bool has;
	int code;

	/* RFC 8016 §3.2: a Refresh carrying MOBILITY-TICKET (turn/mobility.c). */
	if (stun_msg_find(x->m, STUN_ATTR_MOBILITY_TICKET))
		return turn_mob_refresh(x);
	/* §5: the allocation of this 5-tuple (437), created with these credentials (441). */
	a = turn_ctx_alloc(x, &code);
	if (a == NULL)
		return turn_resp_error(x, code);
	/* §8.2: a REQUESTED-ADDRESS-FAMILY the allocation does not have: 443. */
	if (stun_msg_find(x->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY)) {
		if (stun_msg_get_family(x->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam) < 0 ||
		    turn_alloc_relay_for(a, fam == STUN_FAMILY_IPV6 ? AF_INET6 : AF_INET) < 0)
			return turn_resp_error(x, STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH);
	}
	/* §8.2: the "desired lifetime"; zero deletes the allocation (one free path). */
	has = stun_msg_get_u32(x->m, STUN_ATTR_LIFETIME, &req) == 0;
	life = turn_lifetime(x->s->cfg, has, req);
	if (life == 0) {
		turn_alloc_free(x->s, a);
	} else {
		a->expire_ms = x->now_ms + (uint64_t)life * 1000;
		turn_alloc_schedule(x->s, a);
	}
	turn_resp_begin(x, &e);
	stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, life);
	return turn_resp_finish(x, &e);
}
