/* The CreatePermission method (RFC 8656 §10.2): installs or refreshes a permission for the
 * IP address of each XOR-PEER-ADDRESS, all of them or none. */
#include "turn/core.h"

#include <string.h>

#include "stun/err.h"
#include "stun/stun.h"

/* More XOR-PEER-ADDRESS attributes than this in one request: 400 (a message holds at most
 * STUN_MAX_ATTRS attributes, a few of which authenticate it). */
#define TURN_PERMS_PER_REQUEST 32

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
	turn_fast_expire(x->s, a, x->now_ms);
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
	/* The fast path learns each before the success response leaves. */
	for (i = 0; i < n; i++)
		turn_fast_perm(x->s, a, turn_perm_find(a, &ips[i], x->now_ms), true);
	turn_alloc_schedule(x->s, a);
	turn_resp_begin(x, &e);
	return turn_resp_finish(x, &e);
}
