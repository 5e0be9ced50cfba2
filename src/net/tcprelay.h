/* TCP relaying (RFC 6062): the listening socket on a TCP allocation's relayed address,
 * peer data connections (accepted there, or connected from that address and port), and
 * the splice of each with its client data connection in user space, with watermarks on
 * both sides: a side whose output is over NET_SPLICE_MAX_OUT stops the other from
 * reading, so neither direction buffers without bound and a slow reader slows the sender
 * (through TCP flow control), not the server. Internal to net/; everything runs on the
 * worker thread that owns the allocation.
 *
 * A ConnectionBind may arrive on a connection another worker accepted (SO_REUSEPORT
 * spreads them); its CONNECTION-ID names the owning worker and the connection moves there
 * (net_tcprelay_handoff) before the TURN core sees the request. */
#ifndef TERN_NET_TCPRELAY_H
#define TERN_NET_TCPRELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turn/server.h"

struct net_worker;
struct net_tcp_conn;
struct evbuffer;

/* The turn_relay_ops members (ctx = the struct net_worker). */
int net_tcprelay_open(struct net_worker *w, const struct turn_relay_req *req,
		      struct turn_relay_res *res);
int net_tcprelay_connect(void *ctx, void *relay, const struct addr *peer, struct turn_tcp_conn *tc,
			 void **conn);
void net_tcprelay_close(void *ctx, void *conn);
int net_tcprelay_bind(void *ctx, void *conn, struct turn_conn *data);

/* Frees every peer data connection of w still flushing (shutdown, after the TURN core is
 * freed). */
void net_tcprelay_close_all(struct net_worker *w);

/* Hooks of net/tcp.c for a client data connection c (c->pair set). */
/* c is being freed: its peer data connection closes once flushed (takes nothing). */
void net_tcprelay_client_gone(struct net_tcp_conn *c);
/* c's output drained (TLS: also the records below): a paused peer reads again, a closing
 * c is freed. */
void net_tcprelay_client_drained(struct net_tcp_conn *c);

/* c (stage 3) holds at the head of in, the input its framing reads (TLS: plaintext), a
 * ConnectionBind naming worker wid != c->w: hands the connection (its socket, every byte
 * read so far and, for TLS, its record state) to that worker. Returns true when c is gone
 * from this worker, false when it stays (the request is then answered here). */
bool net_tcprelay_handoff(struct net_tcp_conn *c, unsigned wid, struct evbuffer *in);

#endif
