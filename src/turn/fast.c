/* The kernel fast path as turn/ drives it: every permission and channel binding of a UDP
 * allocation is announced to net/ (turn_relay_ops fast_perm, fast_chan) before the success
 * response that grants it leaves, and withdrawn when it expires, when the allocation moves
 * and before its relay is closed, so that an entry never outlives what user space allows
 * (README "XDP fast path"). */
#include "turn/alloc.h"

#include <sys/socket.h>

#include "turn/core.h"

/* The relay of ip's family, or NULL: no fast path for a (TCP) or no such relay. */
static void *turn_fast_relay(const struct turn_alloc *a, const struct turn_ip *ip)
{
	int i;

	if (a->tcp)
		return NULL;
	i = turn_alloc_relay_for(a, ip->family);
	return i < 0 ? NULL : a->relay[i];
}

void turn_fast_perm(struct turn_server *s, struct turn_alloc *a, const struct turn_perm *p, bool on)
{
	void *relay;
	struct addr peer;

	/* A relay_only permission names the server itself: left to user space. */
	if (!s->ops->fast_perm || p->relay_only)
		return;
	relay = turn_fast_relay(a, &p->ip);
	if (relay == NULL)
		return;
	turn_ip_to_addr(&p->ip, 0, &peer);
	s->ops->fast_perm(s->ops_ctx, relay, &a->client, &peer, on);
}

void turn_fast_chan(struct turn_server *s, struct turn_alloc *a, const struct turn_chan *c, bool on)
{
	void *relay;
	struct addr peer;

	if (!s->ops->fast_chan)
		return;
	relay = turn_fast_relay(a, &c->ip);
	if (relay == NULL)
		return;
	turn_ip_to_addr(&c->ip, c->port, &peer);
	s->ops->fast_chan(s->ops_ctx, relay, &a->client, c->number, &peer, on);
}

void turn_fast_expire(struct turn_server *s, struct turn_alloc *a, uint64_t now_ms)
{
	for (uint16_t i = 0; i < a->nperms; i++)
		if (a->perms[i].expire_ms <= now_ms)
			turn_fast_perm(s, a, &a->perms[i], false);
	for (uint16_t i = 0; i < a->nchans; i++)
		if (a->chans[i].expire_ms <= now_ms)
			turn_fast_chan(s, a, &a->chans[i], false);
}

void turn_fast_clear(struct turn_server *s, struct turn_alloc *a, int family)
{
	for (uint16_t i = 0; i < a->nperms; i++)
		if (family == AF_UNSPEC || a->perms[i].ip.family == family)
			turn_fast_perm(s, a, &a->perms[i], false);
	for (uint16_t i = 0; i < a->nchans; i++)
		if (family == AF_UNSPEC || a->chans[i].ip.family == family)
			turn_fast_chan(s, a, &a->chans[i], false);
}
