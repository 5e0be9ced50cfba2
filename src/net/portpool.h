/* Relay ports: a UDP socket bound to a relay address at a free port of [min, max],
 * chosen from a random start and probed upwards (wrapping), so allocations spread over
 * the range and no table of ports is kept: the kernel's bind is the source of truth,
 * shared by every worker. Internal to net/; runs on a worker thread. */
#ifndef TERN_NET_PORTPOOL_H
#define TERN_NET_PORTPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"

struct net_portpool {
	uint16_t min, max;
	uint64_t rng; /* xorshift state, per worker */
};

/* What one bind asks for. */
struct net_port_req {
	const struct addr *ip; /* the relay address (its port is ignored); borrowed */
	bool even;	       /* the port must be even */
	bool pair;	       /* also bind port + 1 (EVEN-PORT with the R bit) */
};

/* Seeds the generator (getrandom, mixed with seed). */
void net_portpool_init(struct net_portpool *p, uint16_t min, uint16_t max, uint64_t seed);

/* Binds a nonblocking, close-on-exec UDP socket (fds[0]) and, with req->pair, a second one
 * at the next port (fds[1]). Returns 0 with the bound address of fds[0] in *bound, -ENOSPC
 * when every candidate port is taken, or -errno (socket or bind failure other than
 * EADDRINUSE). */
int net_portpool_bind(struct net_portpool *p, const struct net_port_req *req, int fds[2],
		      struct addr *bound);

#endif
