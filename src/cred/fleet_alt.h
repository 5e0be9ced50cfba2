/* Load shedding's choice of a node (cred/fleet_alt.c): the cards of the fleet's live
 * nodes (cred/fleet_keys.h FLEET_F_*) as a worker keeps them, and the least loaded one a
 * client may be sent to. Pure: no Redis, no clock (the part of fleet_alt.c that unit tests
 * drive). */
#ifndef TERN_CRED_FLEET_ALT_H
#define TERN_CRED_FLEET_ALT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* What a node's card offers; an address of family 0 is absent (none on the card, or one
 * no client may be sent to: loopback, unspecified, link-local, unparsable). */
struct fleet_alt_node {
	struct addr addr4, addr6, tls4, tls6;
	char domain[256];
	uint64_t allocations;
	uint64_t max_allocations; /* 0 = no limit */
};

/* One card (HGETALL's field/value pairs: f[i], flen[i], i < n, n even) into *out. 0, or
 * -ENOENT when the node takes no new allocation (draining, at its max-allocations) or
 * offers no address a client may be sent to. */
int fleet_alt_card(const char *const *f, const size_t *flen, size_t n, struct fleet_alt_node *out);

/* The node of v[0..n) to send a client of family (AF_INET, AF_INET6) to: one with an
 * address of that family (a TLS one when tls), under its max-allocations, the fewest
 * allocations first (ties: the first). Its address in *out, its node-domain in domain
 * ("" when none or not tls); its allocations count one more, so the next choice before
 * the cards are read again spreads over the fleet. 0 or -ENOENT. */
int fleet_alt_choose(struct fleet_alt_node *v, size_t n, int family, bool tls, struct addr *out,
		     char *domain, size_t dlen);

#endif
