/* Which local address a relayed transport address sits on, and what is advertised for it
 * (external-ip). Internal to net/; pure functions of struct net_opts. */
#ifndef TERN_NET_RELAY_ADDR_H
#define TERN_NET_RELAY_ADDR_H

#include "base/addr.h"
#include "net/server.h"

/* The relay address of family for a client that reached the server on local (NULL when
 * unknown): the relay address with local's IP if there is one, else the first of that
 * family; NULL when there is none of that family. Borrows o. */
const struct addr *net_relay_addr_pick(const struct net_opts *o, int family,
				       const struct addr *local);
/* The address to advertise for relay socket address relay (port kept): its external-ip
 * mapping if one applies, else relay itself. */
void net_relay_addr_external(const struct net_opts *o, const struct addr *relay, struct addr *out);

#endif
