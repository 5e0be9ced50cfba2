/* Load shedding: a server that takes no new allocation now, because it is draining or
 * holds max-allocations, sends the client elsewhere (300 Try Alternate) or refuses it
 * (turn_cfg; called by Allocate, turn/method/allocate.c). */
#include "turn/core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stun/err.h"
#include "turn/shared.h"

/* An ALTERNATE-DOMAIN value and its NUL (the attribute holds at most 255 bytes). */
#define TURN_SHED_DOMAIN_MAX 256

/* Whether s takes no new allocation now: draining, or max_allocations reached (every
 * worker's allocations and reserved ports, turn_shared_total). */
static bool turn_shed_full(const struct turn_server *s, bool *draining)
{
	uint32_t max = s->cfg->max_allocations;

	*draining = turn_shared_is_draining(s->shared);
	return *draining || (max > 0 && turn_shared_total(s->shared) >= max);
}

/* The first of v[0..n) of family that is not the address the client reached (a server
 * never sends a client back to itself), or NULL. */
static const struct addr *turn_shed_static(const struct addr *v, size_t n, int family,
					   const struct addr *self)
{
	for (size_t i = 0; i < n; i++)
		if (addr_family(&v[i]) == family && !addr_eq(&v[i], self))
			return &v[i];
	return NULL;
}

/* Where x's client goes, in the order turn_cfg gives: the alternate-server of its family
 * (tls-alternate-server and alternate-domain for TLS and DTLS), else the fleet's least
 * loaded live node of that family. 0 with *alt and domain ("" when none), or -ENOENT. */
static int turn_shed_pick(struct turn_ctx *x, struct addr *alt, char *domain, size_t dlen)
{
	const struct turn_server *s = x->s;
	const struct turn_cfg *cfg = s->cfg;
	const struct addr *self = &x->client->local;
	int family = addr_family(&x->client->src);
	bool tls = x->client->conn && x->client->conn->ops->secure;
	const struct addr *a =
		tls ? turn_shed_static(cfg->tls_alternates, cfg->ntls_alternates, family, self)
		    : turn_shed_static(cfg->alternates, cfg->nalternates, family, self);

	domain[0] = '\0';
	if (a) {
		*alt = *a;
		if (tls && cfg->alternate_domain)
			snprintf(domain, dlen, "%s", cfg->alternate_domain);
		return 0;
	}
	if (s->fleet && s->fleet->alternate &&
	    s->fleet->alternate(s->fleet_impl, family, tls, alt, domain, dlen) == 0 &&
	    addr_family(alt) == family && !addr_eq(alt, self)) {
		if (!tls)
			domain[0] = '\0';
		return 0;
	}
	domain[0] = '\0';
	return -ENOENT;
}

/* RFC 8656 §7.2 step 11: at any point the server may redirect the client with 300 (Try
 * Alternate) and, per RFC 8489 §10, ALTERNATE-SERVER (§14.15): an address of the
 * request's own family, so the client reaches it the way it reached this one; for a
 * client on TLS or DTLS, ALTERNATE-DOMAIN (§14.16) names the certificate to expect there.
 * The request authenticated already, so the 300 carries MESSAGE-INTEGRITY (the client
 * checks it before it moves). Without an alternate the server has no capacity for it:
 * 508 (Insufficient Capacity) while draining, 486 (Allocation Quota Reached, step 10)
 * over max-allocations. */
bool turn_drain_refuse(struct turn_ctx *x, int *n)
{
	char domain[TURN_SHED_DOMAIN_MAX];
	struct addr alt;
	bool draining;

	if (!turn_shed_full(x->s, &draining))
		return false;
	if (turn_shed_pick(x, &alt, domain, sizeof(domain)) == 0)
		*n = turn_resp_try_alternate(x, &alt, domain[0] ? domain : NULL);
	else
		*n = turn_resp_error(x, draining ? STUN_ERR_INSUFFICIENT_CAPACITY
						 : STUN_ERR_ALLOCATION_QUOTA_REACHED);
	return true;
}
