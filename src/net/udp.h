/* Batched UDP: one socket of one worker, read with recvmmsg and answered with sendmmsg.
 * Internal to net/; every function runs on the owning worker's thread except _new and
 * the batch allocation, done before the worker starts. */
#ifndef TERN_NET_UDP_H
#define TERN_NET_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct mmsghdr;
struct net_worker;
struct net_udp;
struct net_udp_batch;

/* Watches fd (takes it, also on failure) on w's base for datagrams to local. 0 or -errno. */
int net_udp_new(struct net_worker *w, int fd, const struct addr *local, struct net_udp **out);
/* Stops watching and closes the socket (takes u; NULL is fine). */
void net_udp_free(struct net_udp *u);

/* Sends one datagram to a client (a response completed later, relayed data). 0 or -errno
 * (counted as a send error). */
int net_udp_send(struct net_udp *u, const struct addr *to, const uint8_t *buf, size_t len);
/* Sends msgs[0..n) with sendmmsg. A datagram the kernel refuses (unreachable destination)
 * is skipped; a full socket buffer drops the rest of the batch, as any UDP server would. */
void net_udp_send_batch(struct net_udp *u, struct mmsghdr *msgs, int n);

/* The preallocated receive and send slots a worker shares among its UDP sockets. */
struct net_udp_batch *net_udp_batch_new(void);
void net_udp_batch_free(struct net_udp_batch *b);

#endif
