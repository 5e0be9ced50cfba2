/* Batched UDP: one socket of one worker, read with recvmmsg and answered with sendmmsg.
 * Internal to net/; every function runs on the owning worker's thread except _new and
 * the batch allocation, done before the worker starts. */
#ifndef TERN_NET_UDP_H
#define TERN_NET_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct net_worker;
struct net_udp;
struct net_udp_batch;
struct turn_conn;
struct turn_conn_alt;

/* Watches fd (takes it, also on failure) on w's base for datagrams to local. 0 or -errno. */
int net_udp_new(struct net_worker *w, int fd, const struct addr *local, struct net_udp **out);
/* The client connection u is (turn/conn.h). */
struct turn_conn *net_udp_conn(struct net_udp *u);
/* Installs u's RFC 5780 table (copied into u; net/alt.h). Before the worker starts. */
void net_udp_set_alt(struct net_udp *u, const struct turn_conn_alt *alt);
/* Stops watching and closes the socket (takes u; NULL is fine). */
void net_udp_free(struct net_udp *u);

/* Sends what the sockets' connections queued for clients since the last flush (the queue
 * op of turn/conn.h), one sendmmsg per socket; the worker calls it at the end of each loop
 * iteration, before the queued buffers are reused. */
void net_udp_flush(struct net_udp_batch *b);

/* The preallocated receive and send slots a worker shares among its UDP sockets. */
struct net_udp_batch *net_udp_batch_new(void);
void net_udp_batch_free(struct net_udp_batch *b);

#endif
