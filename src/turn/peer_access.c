/* Which peers an allocation may reach (RFC 8656 §9, §21): the check CreatePermission and
 * ChannelBind run on each XOR-PEER-ADDRESS, and the one every relayed datagram passes. */
#include "turn/core.h"

#include <string.h>

#include "stun/err.h"
#include "turn/peer.h"
#include "turn/relayset.h"

/* The realm's verdict (its allowed-peer-ip / denied-peer-ip, through the credential store)
 * on peer and on the IPv4 address peer embeds, if any: +1 when either form is allowed (an
 * allowed range wins over a denied one, as in coturn), -1 when either is denied, else 0. */
static int turn_realm_verdict(struct turn_server *s, const struct addr *peer)
{
	const char *realm = s->cfg->realm;
	size_t rlen = realm ? strlen(realm) : 0;
	struct addr v4;
	int v, v4v = 0;

	if (rlen == 0 || s->creds == NULL || s->creds->ops->peer_verdict == NULL)
		return 0;
	v = cred_peer_verdict(s->creds, realm, rlen, peer);
	if (peer_addr_embedded_v4(peer, &v4))
		v4v = cred_peer_verdict(s->creds, realm, rlen, &v4);
	if (v > 0 || v4v > 0)
		return 1;
	return v < 0 || v4v < 0 ? -1 : 0;
}

/* The peer's IP by policy, first match wins: 1. one of the server's own addresses in any
 * spelling (turn/relayset.h): refused; 2. the realm's allowed-peer-ip; 3. the realm's
 * denied-peer-ip; 4. the server's peer policy (turn/peer.h). Ports play no part. */
static bool turn_peer_policy(struct turn_server *s, const struct addr *peer,
			     enum turn_peer_deny *why)
{
	const struct peer_policy *p = s->cfg->peers;
	int v;

	*why = TURN_DENY_OWN_ADDRESS;
	if (s->cfg->relays && turn_relayset_is_own(s->cfg->relays, peer))
		return false;
	*why = TURN_DENY_REALM;
	v = turn_realm_verdict(s, peer);
	if (v != 0)
		return v > 0;
	*why = TURN_DENY_POLICY;
	return p == NULL || peer_policy_allows(p, peer);
}

/* Whether the peer may be reached (RFC 8656 §21): relay-to-relay first (a relay address in
 * its exact spelling at a live relay port), then turn_peer_policy. *relay_only is set when
 * only relay-to-relay admits it: then every datagram is checked again. */
bool turn_peer_allowed(struct turn_server *s, const struct addr *peer, bool *relay_only)
{
	enum turn_peer_deny why;

	*relay_only = false;
	if (s->cfg->relays && turn_relayset_is_live(s->cfg->relays, peer)) {
		*relay_only = !turn_peer_policy(s, peer, &why);
		return true;
	}
	if (turn_peer_policy(s, peer, &why))
		return true;
	s->c.peer_denied[why]++;
	return false;
}

int turn_peer_check(struct turn_ctx *x, const struct turn_alloc *a, const struct addr *peer,
		    bool *relay_only)
{
	if (turn_alloc_relay_for(a, addr_family(peer)) < 0) {
		x->s->c.peer_denied[TURN_DENY_FAMILY]++;
		return STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH;
	}
	if (!turn_peer_allowed(x->s, peer, relay_only)) {
		x->refused_peer = peer;
		return STUN_ERR_FORBIDDEN;
	}
	return 0;
}

bool turn_perm_admits(struct turn_server *s, struct turn_alloc *a, const struct turn_ip *ip,
		      const struct addr *peer, uint64_t now_ms)
{
	const struct turn_perm *pm = turn_perm_find(a, ip, now_ms);

	if (pm == NULL) {
		s->c.dropped_no_perm++;
		return false;
	}
	/* An own address is reachable only at a live relay port, whatever port this datagram
	 * names (turn/relayset.h). */
	if (pm->relay_only && !(s->cfg->relays && turn_relayset_is_live(s->cfg->relays, peer))) {
		s->c.dropped_not_relay++;
		return false;
	}
	return true;
}
