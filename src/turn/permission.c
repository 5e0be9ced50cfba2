/* The CreatePermission method (RFC 8656 §10.2): installs or refreshes a permission for the
 * IP address of each XOR-PEER-ADDRESS, all of them or none. */
#include "turn/core.h"

#include <string.h>

#include "stun/err.h"
#include "stun/stun.h"
#include "turn/peer.h"
#include "turn/relayset.h"

/* More XOR-PEER-ADDRESS attributes than this in one request: 400 (a message holds at most
 * STUN_MAX_ATTRS attributes, a few of which authenticate it). */
#define TURN_PERMS_PER_REQUEST 32

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
static bool turn_peer_policy(struct turn_server *s, const struct addr *peer)
{
	const struct peer_policy *p = s->cfg->peers;
	int v;

	if (s->cfg->relays && turn_relayset_is_own(s->cfg->relays, peer))
		return false;
	v = turn_realm_verdict(s, peer);
	if (v != 0)
		return v > 0;
	return p == NULL || peer_policy_allows(p, peer);
}

/* Whether the peer may be reached (RFC 8656 §21): relay-to-relay first (a relay address in
 * its exact spelling at a live relay port), then turn_peer_policy. *relay_only is set when
 * only relay-to-relay admits it: then every datagram is checked again. */
static bool turn_peer_allowed(struct turn_server *s, const struct addr *peer, bool *relay_only)
{
	*relay_only = false;
	if (s->cfg->relays && turn_relayset_is_live(s->cfg->relays, peer)) {
		*relay_only = !turn_peer_policy(s, peer);
		return true;
	}
	return turn_peer_policy(s, peer);
}

int turn_peer_check(struct turn_ctx *x, const struct turn_alloc *a, const struct addr *peer,
		    bool *relay_only)
{
	if (turn_alloc_relay_for(a, addr_family(peer)) < 0)
		return STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH;
	if (!turn_peer_allowed(x->s, peer, relay_only))
		return STUN_ERR_FORBIDDEN;
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

/* How many of the n addresses have no permission yet (duplicates counted once). */
static size_t turn_perm_new_count(struct turn_alloc *a, const struct turn_ip *ips, size_t n,
				  uint64_t now_ms)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		bool seen = turn_perm_find(a, &ips[i], now_ms) != NULL;

		for (j = 0; j < i && !seen; j++)
			seen = turn_ip_eq(&ips[i], &ips[j]);
		k += !seen;
	}
	return k;
}

int turn_create_permission(struct turn_ctx *x)
{
	const struct turn_cfg *cfg = x->s->cfg;
	struct addr peers[TURN_PERMS_PER_REQUEST];
	struct turn_ip ips[TURN_PERMS_PER_REQUEST];
	bool relay_only[TURN_PERMS_PER_REQUEST];
	size_t n = TURN_PERMS_PER_REQUEST, i;
	struct turn_alloc *a;
	struct stun_enc e;
	uint64_t expire;
	int code;

	a = turn_ctx_alloc(x, &code);
	if (a == NULL)
		return turn_resp_error(x, code);
	/* §10.2: at least one XOR-PEER-ADDRESS, all well-formed (400); more than
	 * TURN_PERMS_PER_REQUEST of them is refused (400), never cut short. */
	if (stun_msg_get_xor_addrs(x->m, STUN_ATTR_XOR_PEER_ADDRESS, peers, &n) < 0 || n == 0)
		return turn_resp_error(x, STUN_ERR_BAD_REQUEST);
	/* §10.2: every address of a relayed family (443) and allowed by policy (403);
	 * nothing is installed unless all pass. */
	for (i = 0; i < n; i++) {
		code = turn_peer_check(x, a, &peers[i], &relay_only[i]);
		if (code)
			return turn_resp_error(x, code);
		turn_ip_from_addr(&ips[i], &peers[i]);
	}
	turn_perm_expire(a, x->now_ms);
	if (cfg->max_perms &&
	    a->nperms + turn_perm_new_count(a, ips, n, x->now_ms) > cfg->max_perms)
		return turn_resp_error(x, STUN_ERR_INSUFFICIENT_CAPACITY);
	/* §9: install or refresh each, Permission Lifetime from now. */
	expire = turn_perm_expiry(cfg, x->now_ms);
	for (i = 0; i < n; i++) {
		if (turn_perm_add(a, &ips[i], expire, cfg->max_perms, relay_only[i]) < 0)
			return turn_resp_error(x, STUN_ERR_INSUFFICIENT_CAPACITY);
	}
	turn_alloc_schedule(x->s, a);
	turn_resp_begin(x, &e);
	return turn_resp_finish(x, &e);
}
