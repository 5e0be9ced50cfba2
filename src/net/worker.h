/* A worker: one thread, one event base (EVENT_BASE_FLAG_NOLOCK), its own sockets and
 * counters (DESIGN.md §3). Internal to net/. Created, given its sockets and started from
 * the main thread; afterwards other threads reach it only through net_worker_call and
 * net_worker_stop (the notify queue: an eventfd watched by the worker's base). */
#ifndef TERN_NET_WORKER_H
#define TERN_NET_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/time.h>

#include "base/addr.h"
#include "net/portpool.h"
#include "net/server.h"
#include "net/tls_hsfail.h"

struct event;
struct event_base;
struct net_udp;
struct net_worker;
struct net_udp_batch;
struct net_relay_batch;
struct net_tcp_listener;
struct net_tcp_conn;
struct net_tcp_peer;
struct net_limits;
struct net_dtls;
struct net_dtls_keys;
struct tls_ctxset;
struct crypto_aead;
struct turn_server;
struct turn_relayset;

/* Written only by the worker's thread. */
struct net_counters {
	uint64_t udp_rx;       /* datagrams received */
	uint64_t udp_tx;       /* datagrams sent */
	uint64_t udp_drop;     /* received and not answered (not STUN, malformed, truncated) */
	uint64_t udp_send_err; /* responses the kernel refused */
	uint64_t tcp_accepted;
	uint64_t tcp_refused; /* over max_tcp_conns */
	uint64_t tcp_closed;
	uint64_t tcp_rx;   /* frames received */
	uint64_t tcp_drop; /* frames not answered (malformed; ChannelData to a STUN-only server) */
	uint64_t tcp_out_drop;	  /* late responses and relayed data over the output watermark */
	uint64_t relay_rx;	  /* datagrams received from peers on relay sockets */
	uint64_t relay_tx;	  /* datagrams sent to peers */
	uint64_t relay_trunc;	  /* peer datagrams too large for a receive slot */
	uint64_t relay_icmp;	  /* ICMP errors read from relay sockets' error queues */
	uint64_t relay_send_err;  /* datagrams to peers the kernel refused (unreachable...) */
	uint64_t tcp_refused_fd;  /* closed at accept: descriptor reserve reached */
	uint64_t tcp_refused_src; /* closed at accept: the source has max_tcp_per_ip */
	uint64_t tcp_idle;	  /* closed: no STUN request in the idle time (no allocation) */
	uint64_t tcp_alloc_end;	  /* closed: their allocation ended */
	uint64_t relay_no_port;	  /* relay opens failed: every port of the range taken */
	uint64_t relay_no_fd;	  /* relay opens failed: out of descriptors */
	uint64_t tls_handshakes;  /* TLS handshakes completed */
	uint64_t tls_failed;	  /* TLS handshakes failed or timed out */
	uint64_t proxy_refused;	  /* closed: PROXY header missing, malformed or untrusted */

	/* DTLS (net/dtls.c) */
	uint64_t dtls_rx;	   /* datagrams received */
	uint64_t dtls_tx;	   /* datagrams sent by sessions */
	uint64_t dtls_hvr;	   /* HelloVerifyRequests sent */
	uint64_t dtls_drop;	   /* datagrams dropped: no session and no ClientHello, a
				    * HelloVerifyRequest that would be larger, truncated, records
				    * the TURN core discarded */
	uint64_t dtls_busy;	   /* valid-cookie ClientHellos dropped: half-open handshakes or
				    * sessions at their limit */
	uint64_t dtls_refused_src; /* handshakes refused: the source has max_tcp_per_ip */
	uint64_t dtls_send_err;	   /* datagrams the kernel refused */
	uint64_t dtls_established; /* handshakes completed */
	uint64_t dtls_hs_fail;	   /* handshakes failed or timed out */
	uint64_t dtls_closed;	   /* sessions freed, for any reason */
	uint64_t dtls_peer_closed; /* ... after the client's close_notify */
	uint64_t dtls_failed;	   /* ... after a fatal alert or error */
	uint64_t dtls_idle;	   /* ... no STUN request in the idle time (no allocation) */
	uint64_t dtls_alloc_end;   /* ... their allocation ended */
};

/* A function run on the worker's thread (net_worker_call). */
typedef void (*net_worker_cb)(struct net_worker *w, void *arg);

#define NET_WORKER_QUEUE 64
/* The largest response a handler may write for a TCP frame (UDP uses its batch slots). */
#define NET_RESP_MAX 2048

struct net_worker_cmd {
	net_worker_cb fn;
	void *arg;
};

struct net_worker {
	unsigned id;
	/* Every worker of the server, this one included (all[id] == this), for work handed
	 * to the worker that owns it (net_worker_call); set before the workers start. */
	struct net_worker **all;
	unsigned nall;
	struct event_base *base;
	pthread_t thread;
	bool started;

	/* The notify queue. */
	int notify_fd;
	struct event *notify_ev;
	atomic_bool stop;
	pthread_mutex_t qlock;
	struct net_worker_cmd q[NET_WORKER_QUEUE];
	unsigned qhead, qlen;

	const struct net_opts *opts; /* the server's, borrowed */
	struct net_fastpath *fast;   /* the server's XDP fast path (borrowed), or NULL */
	struct net_limits *limits;   /* the server's, borrowed */
	struct turn_server *turn;
	struct turn_relayset *relays; /* opts->turn->relays, kept: a reload replaces the
				       * TURN settings but never the live relay ports */    /* the STUN/TURN core; NULL only once shut down */
	struct event *tick_ev; /* turn_server_tick every TIMER_TICK_MS */
	struct net_portpool ports;
	struct net_relay_batch *rbatch;
	/* The clock, read once per loop iteration (net_worker_now). */
	struct timeval clock_mark;
	uint64_t now_ms;

	struct net_udp *udp[2 * NET_MAX_LISTEN]; /* listening port and RFC 5780 alt port */
	size_t nudp;
	struct net_udp_batch *batch;

	struct net_tcp_listener *tcpl[4 * NET_MAX_LISTEN]; /* plain, TLS, their RFC 5780 alts */
	size_t ntcpl;
	/* The certificates new TLS handshakes use (a reference; NULL: no TLS), replaced by a
	 * reload (net_server_tls_swap); and the limiter of handshake-failure lines. */
	struct tls_ctxset *tls;
	struct tls_hsfail_limit hsfail;
	struct crypto_aead *aead;   /* seals and opens TLS records (made at the first one) */
	struct net_tcp_conn *conns; /* every open connection */
	size_t nconns, max_conns;
	struct net_tcp_conn *ended; /* connections whose allocation ended, to close */
	struct net_tcp_peer *peers; /* RFC 6062 peer data connections (net/tcprelay.c) */
	struct net_tcp_conn *dirty; /* connections with output to write (net_tcp_flush) */
	struct event *reap_ev;	    /* closes them (net_tcp_reap) */
	uint8_t resp[NET_RESP_MAX]; /* TCP and DTLS response scratch */

	/* DTLS (net/dtls.c): a socket per listening address, the sessions' counts. */
	struct net_dtls *dtls[NET_MAX_LISTEN];
	size_t ndtls;
	size_t dtls_sessions, dtls_halfopen;

	struct net_counters c;
};

/* Creates worker id with its event base, notify queue, its TURN core (opts->turn, which
 * must be set; a STUN-only server is opts->turn->stun_only) and credential store. opts
 * and limits are borrowed for the worker's lifetime; opts->max_tcp_conns and
 * opts->tcp_idle_s must be set. 0 or -errno. */
int net_worker_new(unsigned id, const struct net_opts *opts, struct net_limits *limits,
		   struct net_worker **out);
/* Sends what client connections queued since the last flush (turn_conn_ops queue: relayed
 * data, one sendmmsg per UDP socket), then frees the relay receive slots that held it. The
 * worker runs it at the end of every loop iteration; the relay path runs it early when
 * its slots run short. Worker thread. */
void net_worker_flush(struct net_worker *w);
/* Milliseconds of the monotonic clock, read at most once per event-loop iteration: every
 * callback of one iteration sees the same value. Worker thread. */
uint64_t net_worker_now(struct net_worker *w);
/* The monotonic clock in milliseconds (any thread). */
uint64_t net_clock_ms(void);
/* Adds a bound UDP socket / a listening TCP socket for local address *local (takes fd,
 * also on failure); tls: every connection it accepts is TLS. Before net_worker_start
 * only. 0 or -errno. */
int net_worker_add_udp(struct net_worker *w, int fd, const struct addr *local);
int net_worker_add_tcp(struct net_worker *w, int fd, const struct addr *local, bool tls);
/* Adds a bound UDP socket on the TLS port for DTLS clients (takes fd, also on failure);
 * keys are the server's cookie secrets (borrowed). Before net_worker_start only. 0 or
 * -errno. */
int net_worker_add_dtls(struct net_worker *w, int fd, const struct addr *local,
			struct net_dtls_keys *keys);
/* Starts the thread. 0 or -errno. */
int net_worker_start(struct net_worker *w);
/* Queues fn(w, arg) to run on the worker's thread. 0 or -EAGAIN (queue full). Any thread. */
int net_worker_call(struct net_worker *w, net_worker_cb fn, void *arg);
/* Asks the worker to close its sockets and leave its loop (never fails). Any thread. */
void net_worker_stop(struct net_worker *w);
/* Waits for the thread to end (after net_worker_stop). Main thread. */
void net_worker_join(struct net_worker *w);
/* Runs what is left in the queue once the thread has ended (after join, or never started),
 * with the TURN core already freed (w->turn NULL; every command copes with that): what
 * a command carries is freed rather than leaked. Main thread, for every worker of a
 * server before any is freed (a command may reach into another worker). */
void net_worker_drain(struct net_worker *w);
/* Frees the worker, its sockets and connections (takes w). After join, or never started. */
void net_worker_free(struct net_worker *w);

#endif
