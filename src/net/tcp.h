/* STUN over TCP and TLS (RFC 8489 §6.2.2, §6.2.3): per-worker SO_REUSEPORT listeners and
 * the connections they accept, which stay on that worker. Internal to net/; everything runs
 * on the owning worker's thread except net_tcp_listener_new, called before the worker
 * starts.
 *
 * A connection goes through up to three stages, each in its own file:
 *   1. net/tcp_pre.c, before any frame: the PROXY header from a trusted proxy, then the
 *      first byte, which tells TLS (0x16, a handshake record) from plain STUN on a port
 *      that takes both; only for connections that need it (a trusted proxy's, or when TLS
 *      is on), bounded by the handshake timeout;
 *   2. net/tls.c, for TLS: the handshake, over libevent's OpenSSL bufferevent;
 *   3. net/tcp.c: the framing (STUN and ChannelData, shared by TCP and TLS), the TURN core,
 *      output watermarks, idle and allocation lifetimes. */
#ifndef TERN_NET_TCP_H
#define TERN_NET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/addr.h"
#include "turn/conn.h"

struct bufferevent;
struct event;
struct evbuffer;
struct net_worker;
struct net_tcp_listener;
struct net_tcp_pre;
struct net_tcp_peer;
struct tls_ctxset;
struct ssl_st;

struct net_tcp_conn {
	struct turn_conn conn; /* first; its remote is the client, its local what it reached */
	struct net_tcp_conn *prev, *next;
	struct net_worker *w;
	struct bufferevent *bev; /* NULL during stage 1 */
	int fd;			 /* the socket during stage 1; -1 afterwards (bev owns it) */
	/* Stages 1 and 2 end by stage_until_ms (the handshake timeout from the accept, not
	 * from the last byte: a client dribbling bytes gains nothing). Stage 1: c->fd readable
	 * or that time; stage 2: that time. */
	struct event *stage_ev;
	uint64_t stage_until_ms;
	struct net_tcp_pre *pre; /* stage 1: a PROXY header read so far */
	/* TLS: the output of the socket under the TLS filter (records not yet sent), which
	 * counts in the connection's output as much as the plaintext above it. */
	struct evbuffer *under_out;
	struct tls_ctxset *tls; /* TLS: the certificates it was accepted with (a ref) */
	time_t deadline;	/* close unless a valid STUN request comes first; 0: none */
	uint16_t read_wm;	/* the input's high watermark */
	unsigned nrelays;	/* relay sockets of its allocation */
	struct net_tcp_conn *ended_next; /* on w->ended */
	struct net_tcp_peer *pair;	 /* RFC 6062: bound to this peer data connection
					  * (net/tcprelay.h); framing has ended */
	bool src_counted; /* remote counted per source in w->limits (not a trusted proxy's) */
	bool proxied;	  /* from a trusted proxy: a PROXY header is required */
	bool tls_only;	  /* accepted on a TLS listener */
	bool handshaking; /* TLS handshake in progress */
	bool ended;	  /* its allocation ended: on w->ended, closing soon */
	bool freeing;	  /* net_tcp_conn_free is ending its allocation */
	bool paused;	  /* reading stopped until the output drains */
	bool closing;	  /* close once the output is flushed */
};

/* Accepts on fd (a listening socket; taken, also on failure) for local; tls: every
 * connection is TLS (tls-listening-port). 0 or -errno. */
int net_tcp_listener_new(struct net_worker *w, int fd, const struct addr *local, bool tls,
			 struct net_tcp_listener **out);
/* Stops accepting and closes the socket (takes l; NULL is fine). */
void net_tcp_listener_free(struct net_tcp_listener *l);
/* Closes every connection of w. */
void net_tcp_close_all(struct net_worker *w);
/* Sets up w's TCP state (the event that closes connections whose allocation ended). Before
 * the worker starts. 0 or -ENOMEM. */
int net_tcp_worker_init(struct net_worker *w);

/* Stage 3 on c->fd, a plain socket. 0 or -ENOMEM (c->fd untouched: the caller frees c). */
int net_tcp_plain_start(struct net_tcp_conn *c);
/* Stage 3 on bev (which owns the socket from now on): framing, timeouts, reading. */
void net_tcp_conn_start(struct net_tcp_conn *c, struct bufferevent *bev);
/* Bytes queued toward the client, plaintext and (TLS) records not yet sent. */
size_t net_tcp_out_len(const struct net_tcp_conn *c);
/* The output has drained completely: closes c if it was closing, reads again if it was
 * paused. */
void net_tcp_out_drained(struct net_tcp_conn *c);
/* Closes c and ends its allocation (takes c). */
void net_tcp_conn_free(struct net_tcp_conn *c);
/* Closes c later in the loop iteration, once its output is flushed (never from within the
 * call). */
void net_tcp_conn_end(struct net_tcp_conn *c);
/* A connection another worker accepted and handed over (RFC 6062 ConnectionBind,
 * net/tcprelay.h): fd (taken, also on failure) with the bytes already read from it
 * (borrowed; plaintext), which are handled first. For TLS, ssl is its session (a
 * reference, taken) and tls the certificates it was accepted with (a reference, taken);
 * both NULL for plain TCP. */
struct net_tcp_adopt {
	int fd;
	struct addr remote, local;
	struct ssl_st *ssl;
	struct tls_ctxset *tls;
	const uint8_t *bytes;
	size_t n;
};
void net_tcp_adopt(struct net_worker *w, const struct net_tcp_adopt *a);
/* The shared parts of the turn_conn ops of TCP and TLS connections. */
int net_tcp_conn_send(struct turn_conn *tc, const struct addr *to, const uint8_t *buf, size_t len);
void net_tcp_conn_hold(struct turn_conn *tc);
void net_tcp_conn_release(struct turn_conn *tc);

/* Stage 1 (net/tcp_pre.c): watches c->fd until the PROXY header (c->proxied) and the first
 * byte are in, then starts stage 2 or 3. 0 or -ENOMEM (c untouched: the caller frees). */
int net_tcp_pre_start(struct net_tcp_conn *c);
/* Frees the state of stages 1 and 2 (stage_ev, pre). */
void net_tcp_pre_free(struct net_tcp_conn *c);

/* Stage 2 (net/tls.c): a TLS server session on c->fd with w's current certificates, then
 * stage 3 on its bufferevent. 0 or -errno (c->fd untouched: the caller frees c). */
int net_tls_start(struct net_tcp_conn *c);
/* RFC 6062 handoff (net/tcprelay.c): a new reference to c's TLS session when it can move
 * to another worker (handshake done, no records pending either way), else NULL. */
struct ssl_st *net_tls_detach(struct net_tcp_conn *c);
/* Stage 3 of c on c->fd (taken) with the session ssl (taken, also on failure) that another
 * worker detached. 0 or -ENOMEM (c->fd then -1 when already closed). */
int net_tls_adopt(struct net_tcp_conn *c, struct ssl_st *ssl);
/* Detaches what net_tls_start hooked on the socket below (before c is freed: the socket's
 * buffers may outlive c inside libevent for a moment). */
void net_tls_free(struct net_tcp_conn *c);
/* The handshake's end (BEV_EVENT_CONNECTED, or an error, EOF or timeout while
 * c->handshaking): true when c was freed (a failed handshake, logged). */
bool net_tls_event(struct net_tcp_conn *c, short what);

#endif
