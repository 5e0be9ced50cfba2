/* A reload's peer settings applied to what was granted before it (turn_server_reconfigure):
 * a permission (RFC 8656 §9) or channel binding (§12) whose peer the new settings refuse,
 * by the check CreatePermission and ChannelBind run (turn_peer_allowed: the server's own
 * addresses, the realm's allowed-peer-ip / denied-peer-ip, the peer policy), ends at once:
 * out of the kernel fast path first, then out of the allocation; each is counted in
 * peer_denied by its reason. The server's own addresses are left alone: their
 * permissions are checked again on every datagram already (relay_only). Worker thread. */
#include "turn/alloc.h"

#include "base/log.h"
#include "turn/core.h"
#include "turn/relayset.h"

/* Whether the peer ip (port: 0 for a permission) still passes at s's settings. */
static bool turn_purge_is_allowed(struct turn_server *s, const struct turn_ip *ip, uint16_t port)
{
	struct addr peer;
	bool relay_only;

	turn_ip_to_addr(ip, port, &peer);
	if (s->cfg->relays && turn_relayset_is_own(s->cfg->relays, &peer))
		return true;
	return turn_peer_allowed(s, &peer, &relay_only);
}

/* Ends a's refused permissions; returns how many. Expired ones are left to the expiry. */
static unsigned turn_purge_perms(struct turn_server *s, struct turn_alloc *a)
{
	unsigned n = 0;
	uint16_t i = 0;

	while (i < a->nperms) {
		struct turn_perm *p = &a->perms[i];

		if (p->relay_only || p->expire_ms <= s->now_ms ||
		    turn_purge_is_allowed(s, &p->ip, 0)) {
			i++;
			continue;
		}
		turn_fast_perm(s, a, p, false);
		a->perms[i] = a->perms[--a->nperms];
		n++;
	}
	return n;
}

/* Ends a's refused channel bindings; returns how many. */
static unsigned turn_purge_chans(struct turn_server *s, struct turn_alloc *a)
{
	unsigned n = 0;
	uint16_t i = 0;

	while (i < a->nchans) {
		struct turn_chan *c = &a->chans[i];

		if (c->expire_ms <= s->now_ms || turn_purge_is_allowed(s, &c->ip, c->port)) {
			i++;
			continue;
		}
		turn_fast_chan(s, a, c, false);
		a->chans[i] = a->chans[--a->nchans];
		n++;
	}
	return n;
}

void turn_peer_purge(struct turn_server *s)
{
	unsigned perms = 0, chans = 0;

	for (size_t i = 0; s->allocs.slot && i < s->allocs.cap; i++) {
		struct turn_alloc *a = s->allocs.slot[i];

		if (a == NULL)
			continue;
		/* The channels first: a channel's entry names its permission's peer. */
		chans += turn_purge_chans(s, a);
		perms += turn_purge_perms(s, a);
	}
	/* The allocation timers may fire early for what is gone: they reschedule. */
	if (perms || chans)
		log_info("turn",
			 "reload ended grants the peer settings now refuse permissions=%u "
			 "channels=%u worker=%u",
			 perms, chans, s->worker);
}
