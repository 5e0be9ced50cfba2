/* Relay sockets: the struct turn_relay_ops the TURN core acts through (ctx = the struct
 * net_worker), and the peer-to-client hot path: each relay socket is drained with recvmmsg
 * into slots with TURN_PEER_HEADROOM bytes in front of the data, turn_peer_input builds the
 * ChannelData or Data indication in place, and the results go to the client's connection
 * (turn/conn.h): queued for one sendmmsg per socket at the end of the loop iteration where
 * the connection can queue, else sent at once. Internal to net/; everything runs on the
 * owning worker's thread except the batch allocation. */
#ifndef TERN_NET_RELAY_H
#define TERN_NET_RELAY_H

#include <stdbool.h>

#include "base/addr.h"
#include "turn/server.h"

struct event;
struct net_relay_batch;
struct net_worker;

/* A relay socket, or a reservation (EVEN-PORT R) waiting to be taken: no event, no alloc.
 * For a TCP allocation (RFC 6062, net/tcprelay.c) the listening socket on the relayed
 * address. */
struct net_relay {
	struct net_worker *w;
	int fd;
	struct event *ev;
	struct turn_alloc *alloc;
	struct turn_conn *conn; /* the allocation's client connection (held), or NULL */
	struct addr local;
	bool df;  /* opened with DONT-FRAGMENT: DF on every datagram */
	bool tcp; /* a TCP listener (not in the relay-to-relay set) */
	/* Its port's generation in the XDP fast path (net/fastpath.h), for a UDP allocation
	 * of a UDP client whose port number no other relay socket holds there; 0: none (user
	 * space only). */
	uint32_t fast_gen;
	/* With fast_gen: the values of its accounting slot already reported (read when the
	 * socket was bound, since a slot carries over from the port's last user, then at each
	 * fast_take). */
	struct turn_fast_count fast_seen;
};

/* turn_relay_ops close: closes a relay socket (UDP or TCP listener) or a reservation. */
void net_relay_close(void *ctx, void *relay);

extern const struct turn_relay_ops net_relay_ops;

/* The receive and send slots a worker shares among its relay sockets. */
struct net_relay_batch *net_relay_batch_new(void);
void net_relay_batch_free(struct net_relay_batch *b);
/* Frees the receive slots for reuse: what was queued in them has left (net_worker_flush
 * calls it after the connections' flush). b may be NULL. */
void net_relay_release(struct net_relay_batch *b);
/* Between these two, datagrams the TURN core sends to peers are queued and leave in one
 * sendmmsg per relay socket at the flush. The UDP client path brackets each received
 * batch with them: the queued data lives in that batch's receive slots. b may be NULL. */
void net_relay_defer_begin(struct net_relay_batch *b);
void net_relay_defer_flush(struct net_relay_batch *b);

#endif
