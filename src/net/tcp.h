/* STUN over TCP (RFC 8489 §6.2.2): per-worker SO_REUSEPORT listeners and the connections
 * they accept, which stay on that worker. Internal to net/; everything runs on the owning
 * worker's thread except net_tcp_listener_new, called before the worker starts. */
#ifndef TERN_NET_TCP_H
#define TERN_NET_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct net_worker;
struct net_tcp_conn;
struct net_tcp_listener;

/* Accepts on fd (a listening socket; taken, also on failure) for local. 0 or -errno. */
int net_tcp_listener_new(struct net_worker *w, int fd, const struct addr *local,
			 struct net_tcp_listener **out);
/* Stops accepting and closes the socket (takes l; NULL is fine). */
void net_tcp_listener_free(struct net_tcp_listener *l);
/* Closes every connection of w. */
void net_tcp_close_all(struct net_worker *w);
/* Sets up w's TCP state (the event that closes connections whose allocation ended). Before
 * the worker starts. 0 or -ENOMEM. */
int net_tcp_worker_init(struct net_worker *w);

#endif
