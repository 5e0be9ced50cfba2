/* Mobility across workers (RFC 8016): the forward op of net_relay_ops. Internal to net/. */
#ifndef TERN_NET_MOBILITY_H
#define TERN_NET_MOBILITY_H

struct turn_mob_move;

/* struct turn_relay_ops forward (turn/server.h): ctx is the requesting worker. Posts mv to
 * worker number `worker` (its notify queue), which detaches the allocation and posts the
 * move back to ctx for adoption; when ctx's queue is full, the owner takes the allocation
 * back. 0, -ENOENT (no such worker) or -EAGAIN (the owner's queue is full). */
int net_mob_forward(void *ctx, unsigned worker, struct turn_mob_move *mv);

#endif
