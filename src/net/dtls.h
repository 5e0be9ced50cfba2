/* DTLS 1.2 client connections (RFC 8656 §3.1, RFC 6347): one SO_REUSEPORT UDP socket per
 * worker and listening address on the TLS port, and the sessions of the clients that
 * reach it, each a client connection of the TURN core (turn/conn.h: "dtls", a datagram
 * transport whose address the cookie exchange proved).
 *
 * A datagram from a source without a session opens nothing: a ClientHello without a valid
 * cookie is answered with a HelloVerifyRequest (net/dtls_hello.h) and forgotten, anything
 * else is dropped (counted). Only a ClientHello with a valid cookie (net/tls_cookie.h;
 * secrets shared by every worker and rotated) creates a session, and only while the
 * worker has fewer than NET_DTLS_HALFOPEN handshakes in progress and fewer than
 * max_tcp_conns (net_opts) sessions. A handshake must end within handshake_s; an
 * established session without an allocation closes after tcp_idle_s without a STUN
 * request; with one it lives until the allocation ends, then sends close_notify and
 * closes. A new ClientHello from a session's address (another random) is answered
 * statelessly in the same way, and with a valid cookie replaces the session (RFC 6347
 * §4.2.8). The client's close_notify or a fatal alert closes it at
 * once; closing a session ends its allocation (turn_server_client_gone).
 *
 * Internal to net/. Everything runs on the owning worker's thread, except the functions
 * marked "main thread", called before the workers start or before a set is shared. */
#ifndef TERN_NET_DTLS_H
#define TERN_NET_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* Handshakes in progress per worker; a valid-cookie ClientHello over it is dropped. */
#define NET_DTLS_HALFOPEN 256
/* The datagram size the handshake's flights are cut to (DTLS_set_link_mtu), small enough
 * for any path. */
#define NET_DTLS_MTU 1200
/* Seconds between cookie secret rotations; a cookie stays valid for one more period. */
#define NET_DTLS_ROTATE_S 300

struct net_worker;
struct net_dtls;
struct net_dtls_keys;
struct tls_ctxset;

/* The cookie secrets every worker of a server shares. Main thread. 0 or -errno. */
int net_dtls_keys_new(struct net_dtls_keys **out);
/* Takes k (NULL is fine); after every socket using it is freed. */
void net_dtls_keys_free(struct net_dtls_keys *k);

/* Installs the cookie callbacks the DTLS handshake consults (DTLSv1_listen and the
 * ClientHello check that follows it) on set's DTLS context. Main thread, on every set
 * before workers use it (at start and on each reload). 0, or -EINVAL when the set has no
 * DTLS context. */
int net_dtls_prepare(struct tls_ctxset *set);

/* Watches fd (takes it, also on failure), a UDP socket bound to local, for DTLS clients
 * of w, whose current set (w->tls) each new session takes a reference of. keys is
 * borrowed. Before the worker starts. 0 or -errno. */
int net_dtls_new(struct net_worker *w, int fd, const struct addr *local, struct net_dtls_keys *keys,
		 struct net_dtls **out);
/* Closes every session (close_notify; turn_server_client_gone while the worker's TURN
 * core exists) and the socket. Takes d (NULL is fine). */
void net_dtls_free(struct net_dtls *d);

#endif
