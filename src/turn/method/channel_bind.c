/* The ChannelBind method (RFC 8656 §12.2): binds a channel number to a peer transport
 * address, or refreshes that binding, and installs or refreshes the peer's permission. */
#include "turn/core.h"

#include "stun/err.h"
#include "stun/stun.h"

/* The binding rules of §12.2: a channel bound to another peer, or the peer bound to another
 * channel, is a 400. Returns 0 or the code. */
static int turn_chan_rules(struct turn_alloc *a, uint16_t number, const struct turn_ip *ip,
			   uint16_t port, uint64_t now_ms)
{
	struct turn_chan *c = turn_chan_by_number(a, number, now_ms);

	if (c && (c->port != port || !turn_ip_eq(&c->ip, ip)))
		return STUN_ERR_BAD_REQUEST;
	c = turn_chan_by_peer(a, ip, port, now_ms);
	if (c && c->number != number)
		return STUN_ERR_BAD_REQUEST;
	return 0;
}

int turn_channel_bind(struct turn_ctx *x)
{
	const struct turn_cfg *cfg = x->s->cfg;
	struct turn_alloc *a;
	struct stun_enc e;
	struct addr peer;
	struct turn_ip ip;
	uint16_t number, port;
	uint64_t perm_exp, chan_exp;
	bool relay_only;
	int code;

	a = turn_ctx_alloc(x, &code);
	if (a == NULL)
		return turn_resp_error(x, code);
	/* RFC 6062 §4: no channels on a TCP allocation (its data has no datagrams): 400. */
	if (a->tcp)
		return turn_resp_error(x, STUN_ERR_BAD_REQUEST);
	/* §12.2: CHANNEL-NUMBER in 0x4000-0x7FFF (STUN_CHANNEL_MAX) and a well-formed
	 * XOR-PEER-ADDRESS (400). */
	if (stun_msg_get_channel(x->m, &number) < 0 || number < STUN_CHANNEL_MIN ||
	    number > STUN_CHANNEL_MAX ||
	    stun_msg_get_xor_addr(x->m, STUN_ATTR_XOR_PEER_ADDRESS, &peer) < 0)
		return turn_resp_error(x, STUN_ERR_BAD_REQUEST);
	/* §12.2: the peer's family (443) and the peer policy (403), as for permissions. */
	code = turn_peer_check(x, a, &peer, &relay_only);
	if (code)
		return turn_resp_error(x, code);
	turn_ip_from_addr(&ip, &peer);
	port = addr_port(&peer);
	code = turn_chan_rules(a, number, &ip, port, x->now_ms);
	if (code)
		return turn_resp_error(x, code);
	/* Room for the permission and the channel (508), checked before changing either. */
	turn_fast_expire(x->s, a, x->now_ms);
	turn_perm_expire(a, x->now_ms);
	turn_chan_expire(a, x->now_ms);
	if (cfg->max_perms &&
	    ((!turn_perm_find(a, &ip, x->now_ms) && a->nperms >= cfg->max_perms) ||
	     (!turn_chan_by_number(a, number, x->now_ms) && a->nchans >= cfg->max_perms)))
		return turn_resp_error(x, STUN_ERR_INSUFFICIENT_CAPACITY);
	/* §12.2: bind or refresh the channel (10 min) and the permission (5 min). */
	chan_exp = turn_chan_expiry(cfg, x->now_ms);
	perm_exp = turn_perm_expiry(cfg, x->now_ms);
	if (turn_chan_bind(a, number, &ip, port, chan_exp, cfg->max_perms) < 0 ||
	    turn_perm_add(a, &ip, perm_exp, cfg->max_perms, relay_only) < 0)
		return turn_resp_error(x, STUN_ERR_INSUFFICIENT_CAPACITY);
	/* The fast path learns both before the success response leaves. */
	turn_fast_perm(x->s, a, turn_perm_find(a, &ip, x->now_ms), true);
	turn_fast_chan(x->s, a, turn_chan_by_number(a, number, x->now_ms), true);
	turn_alloc_schedule(x->s, a);
	turn_resp_begin(x, &e);
	return turn_resp_finish(x, &e);
}
