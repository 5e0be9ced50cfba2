/* Open TCP connections per source: an open-addressing table (linear probing,
 * backward-shift deletion) keyed by the source's IPv4 address or IPv6 /64 prefix (one
 * host usually holds a whole /64), with a count per key. An entry lives only while its
 * count is above 0, so the table never holds more entries than there are connections: its
 * size is fixed at creation (a power of two, at least twice max_conns) and it never
 * allocates afterwards. The hash is keyed by a random seed, so no client can choose
 * sources that collide. Not thread-safe: the caller locks (net_limits). */
#ifndef TERN_NET_SRCMAP_H
#define TERN_NET_SRCMAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct net_srcmap;

/* A table for at most max_conns connections at once. 0 or -ENOMEM. */
int net_srcmap_new(size_t max_conns, struct net_srcmap **out);
/* Takes m (NULL is fine). */
void net_srcmap_free(struct net_srcmap *m);
/* Counts one more connection from src (its port ignored) unless src already has limit
 * of them (limit 0: no limit). 0, -EDQUOT (src at its limit) or -ENOSPC (max_conns
 * connections counted already). */
int net_srcmap_take(struct net_srcmap *m, const struct addr *src, unsigned limit);
/* Counts one connection from src fewer (after a successful take). */
void net_srcmap_put(struct net_srcmap *m, const struct addr *src);
/* Connections counted for src. */
unsigned net_srcmap_count(const struct net_srcmap *m, const struct addr *src);
/* Sources with at least one connection (table entries in use). */
size_t net_srcmap_sources(const struct net_srcmap *m);

#endif
