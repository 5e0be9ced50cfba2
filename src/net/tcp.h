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
 *   2. net/tls.c, for TLS: the handshake, in OpenSSL over memory BIOs; afterwards TLS
 *      records are sealed and opened by net/tls.c (net/tls_rec.h) around stage 3;
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
struct tls_rec;
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
	/* TLS: the handshake's SSL (kept afterwards only for a suite that is no AEAD), the
	 * record keys once it is over, and the plaintext opened ahead of the framing. */
	struct ssl_st *ssl;
	struct tls_rec *rec;
	struct evbuffer *plain;
	struct tls_ctxset *tls; /* TLS: the certificates it was accepted with (a ref) */
	time_t deadline;	/* close unless a valid STUN request comes first; 0: none */
	time_t alloc_by;	/* max-allocate-timeout: the deadline never passes it while the
				 * connection has no allocation; 0: no such limit */
	uint16_t read_wm;	/* the input's high watermark */
	unsigned nrelays;	/* relay sockets of its allocation */
	struct net_tcp_conn *ended_next; /* on w->ended */
	struct net_tcp_peer *pair;	 /* RFC 6062: bound to this peer data connection
					  * (net/tcprelay.h); framing has ended */
	/* On w->dirty: output added since the last flush (net_tcp_flush). */
	struct net_tcp_conn *dirty_prev, *dirty_next;
	struct evbuffer_cb_entry *out_cb;
	bool dirty;
	bool src_counted; /* remote counted per source in w->limits (not a trusted proxy's) */
	bool proxied;	  /* from a trusted proxy: a PROXY header is required */
	bool tls_only;	  /* accepted on a TLS listener */
	bool handshaking; /* TLS handshake in progress */
	bool ended;	  /* its allocation ended: on w->ended, closing soon */
	bool freeing;	  /* net_tcp_conn_free is ending its allocation */
	bool paused;	  /* reading stopped until the output drains */
	bool closing;	  /* close once the output is flushed */
};

/* now + secs, but never past c's max-allocate-timeout (coturn's: counted from the
 * connection's accept, whatever it sends, until it has an allocation). */
static inline time_t net_tcp_until(const struct net_tcp_conn *c, time_t now, time_t secs)
{
	return c->alloc_by && c->alloc_by < now + secs ? c->alloc_by : now + secs;
}

/* Accepts on fd (a listening socket; taken, also on failure) for local; tls: every
 * connection is TLS (tls-listening-port). 0 or -errno. */
int net_tcp_listener_new(struct net_worker *w, int fd, const struct addr *local, bool tls,
			 struct net_tcp_listener **out);
/* Stops accepting and closes the socket (takes l; NULL is fine). */
void net_tcp_listener_free(struct net_tcp_listener *l);
/* The address l listens on; whether every connection it accepts is TLS. */
const struct addr *net_tcp_listener_local(const struct net_tcp_listener *l);
bool net_tcp_listener_is_tls(const struct net_tcp_listener *l);
/* Connections accepted by l from now on report other as RFC 5780 OTHER-ADDRESS (a listener
 * on the alternate address and port exists; net/alt.h). Before the worker starts. */
void net_tcp_listener_set_other(struct net_tcp_listener *l, const struct addr *other);
/* Closes every connection of w. */
void net_tcp_close_all(struct net_worker *w);
/* Sets up w's TCP state (the event that closes connections whose allocation ended). Before
 * the worker starts. 0 or -ENOMEM. */
int net_tcp_worker_init(struct net_worker *w);

/* The bufferevent of c->fd for stages 2 and 3 (taking c->fd; NULL: out of memory, c->fd
 * untouched). Its output is written at the end of the loop iteration in which it was added
 * (net_tcp_flush), straight to the socket: libevent watches for writability only when
 * the socket did not take it all. */
struct bufferevent *net_tcp_bev_new(struct net_tcp_conn *c);
/* Writes the output added during this loop iteration of every connection of w. Worker
 * thread, from net_worker_flush. */
void net_tcp_flush(struct net_worker *w);
/* Stage 3 on c->fd, a plain socket. 0 or -ENOMEM (c->fd untouched: the caller frees c). */
int net_tcp_plain_start(struct net_tcp_conn *c);
/* Stage 3 on bev (which owns the socket from now on): framing, timeouts, reading. */
void net_tcp_conn_start(struct net_tcp_conn *c, struct bufferevent *bev);
/* Bytes queued toward the client (TLS: records) not yet sent. */
size_t net_tcp_out_len(const struct net_tcp_conn *c);
/* Handles what stage 3's input already holds (after net_tcp_conn_start: bytes that came
 * with the end of the handshake). May free c. */
void net_tcp_kick(struct net_tcp_conn *c);
/* The output has drained completely: closes c if it was closing, reads again if it was
 * paused. */
void net_tcp_out_drained(struct net_tcp_conn *c);
/* Closes c and ends its allocation (takes c). */
void net_tcp_conn_free(struct net_tcp_conn *c);
/* Closes c later in the loop iteration, once its output is flushed (never from within the
 * call). */
void net_tcp_conn_end(struct net_tcp_conn *c);
/* A connection another worker accepted and handed over (RFC 6062 ConnectionBind,
 * net/tcprelay.h): fd (taken, also on failure) and the bytes already read from it
 * (borrowed): bytes[0..n) is input the framing had (TLS: plaintext), bytes[n..n+nraw)
 * what came after it from the socket (TLS: records not yet opened); both handled first.
 * For TLS, rec is its record state (taken, also on failure) and tls the certificates it was
 * accepted with (a reference, taken); both NULL for plain TCP. */
struct net_tcp_adopt {
	int fd;
	struct addr remote, local;
	struct tls_rec *rec;
	struct tls_ctxset *tls;
	const uint8_t *bytes;
	size_t n, nraw;
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

/* Stage 2 (net/tls.c): a TLS server handshake on c->fd with w's current certificates, then
 * stage 3 on the same bufferevent. 0 or -errno (the caller frees c). */
int net_tls_start(struct net_tcp_conn *c);
/* Frees c's TLS state (keys wiped). */
void net_tls_free(struct net_tcp_conn *c);
/* Wipes and frees record keys taken with net_tls_detach (NULL is fine). */
void net_tls_rec_free(struct tls_rec *r);
/* RFC 6062 handoff (net/tcprelay.c): c's record state, taken from c, when the connection
 * can move to another worker (an AEAD suite: no SSL object left, nothing sealed and not yet
 * sent), else NULL (c untouched). */
struct tls_rec *net_tls_detach(struct net_tcp_conn *c);
/* Stage 3 of c on c->fd (taken) with record state rec (taken, also on failure) another
 * worker detached. 0 or -ENOMEM (the caller frees c). */
int net_tls_adopt(struct net_tcp_conn *c, struct tls_rec *rec);
/* Stage 3 of a TLS connection: seals buf (len bytes) into records on the socket's output.
 * 0 or -errno. */
int net_tls_write(struct net_tcp_conn *c, const uint8_t *buf, size_t len);
/* Stage 3 of a TLS connection: opens the records in the socket's input and returns the
 * plaintext buffer the framing reads. *full: it stopped with plaintext to spare (call
 * again once the framing consumed some). *err: 0, or -EPROTO when the connection must end
 * after what was opened (an alert, close_notify included; a record that does not
 * authenticate; a protocol error). */
struct evbuffer *net_tls_input(struct net_tcp_conn *c, bool *full, int *err);

#endif
