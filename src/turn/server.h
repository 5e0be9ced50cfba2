/* The TURN server core of one worker (RFC 8656): allocations, permissions, channels,
 * quotas and the per-method handlers. No sockets, no libevent: net/ feeds it received
 * bytes and the clock, and it acts through the injected struct turn_relay_ops. One
 * struct turn_server per worker thread; nothing in it is touched by another thread except
 * struct turn_shared (locked, control path only). Its settings, struct turn_cfg, are
 * replaced whole by a reload (turn_server_reconfigure). */
#ifndef TERN_TURN_SERVER_H
#define TERN_TURN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/cred.h"
#include "auth/nonce.h"
#include "base/addr.h"
#include "turn/conn.h"
#include "turn/peer.h"
#include "turn/relayset.h"

/* Bytes net/ must leave writable in front of peer data handed to turn_peer_input (room for
 * a Data indication's header, XOR-PEER-ADDRESS and DATA attribute header; ChannelData
 * needs only 4), and after it (DATA padding). */
#define TURN_PEER_HEADROOM 48
#define TURN_PEER_TAILROOM 4

struct turn_alloc;
struct turn_mob_move;
struct turn_server;
struct turn_ticket_key;
struct turn_tcp_conn;
struct turn_shared;
struct ratelimit;

/* One received message. */
struct turn_pkt {
	const uint8_t *buf; /* borrowed: the datagram or the whole frame */
	size_t len;
	const struct addr *src;	  /* the client's transport address (borrowed) */
	const struct addr *local; /* the server address it arrived on (borrowed) */
	struct turn_conn *conn;	  /* the connection it arrived on (borrowed, turn/conn.h) */
};

/* A client as seen by the server: its 5-tuple, the connection naming the transport and
 * answering it (borrowed, turn/conn.h), the client's address and the one it reached. */
struct turn_client {
	struct turn_conn *conn;
	struct addr src;   /* the client's transport address */
	struct addr local; /* the server address the client used */
};

/* Sends a whole STUN message or ChannelData to c through its connection. 0 or -errno. */
static inline int turn_client_send(const struct turn_client *c, const uint8_t *buf, size_t len)
{
	return c->conn->ops->send(c->conn, &c->src, buf, len);
}

/* What Allocate asks of net/ for one relayed transport address. */
struct turn_relay_req {
	int family;	    /* AF_INET or AF_INET6 */
	bool even_port;	    /* EVEN-PORT: the port must be even */
	bool reserve_next;  /* EVEN-PORT R bit: also hold port + 1 for a later Allocate */
	bool dont_fragment; /* DONT-FRAGMENT: set DF on datagrams to peers */
	void *reserved;	    /* a handle from an earlier reserve (RESERVATION-TOKEN), or NULL */
	bool tcp;	    /* RFC 6062 §5.1: a TCP listening socket on the relayed address
			     * instead of a UDP socket (never with even_port or reserved) */
	struct turn_alloc *alloc;	  /* the owner; net/ hands it back with peer data */
	const struct turn_client *client; /* the owner's client: its local address picks the
					   * relay address, and its connection holds the relay
					   * (turn_conn_ops hold); borrowed for the call */
};

struct turn_relay_res {
	void *relay;	     /* net's relay socket handle */
	struct addr relayed; /* the address to advertise (external-ip mapping applied) */
	void *reserved;	     /* with reserve_next: the handle holding port + 1 */
};

/* How often turn_server_tick takes the fast path's counts (turn_relay_ops fast_take). */
#define TURN_FAST_TAKE_MS 1000

/* What the kernel fast path relayed for one relay (turn_relay_ops fast_take): datagrams
 * and their application data bytes, each direction. */
struct turn_fast_count {
	uint64_t pkts_to_peer, bytes_to_peer;
	uint64_t pkts_to_client, bytes_to_client;
};

/* Implemented by net/. ctx is the worker's (borrowed). All run on the worker thread. */
struct turn_relay_ops {
	/* Opens (or, with req->reserved, takes over) a relay socket. Returns 0, -EAFNOSUPPORT
	 * (no relay address of that family: 440), -ENOSPC (no free port: 508), or -errno.
	 * When it fails with req->reserved set, the reservation stays the caller's: turn/
	 * releases it with close. */
	int (*open)(void *ctx, const struct turn_relay_req *req, struct turn_relay_res *res);
	/* Closes a relay socket or an unused reservation. */
	void (*close)(void *ctx, void *relay);
	/* Sends application data to a peer from the relay socket, with the DF bit set when
	 * dont_fragment (a Send indication's DONT-FRAGMENT, RFC 8656 §11.2; a relay opened
	 * with DONT-FRAGMENT sets it on every datagram anyway). Returns 0 or -errno (the
	 * caller drops and counts; an allocation is never torn down for it). */
	int (*send)(void *ctx, void *relay, const struct addr *peer, const uint8_t *data,
		    size_t len, bool dont_fragment);
	/* Mobility (RFC 8016; turn/mobility.c). All three optional: without detach and attach
	 * allocations never move, without forward they move only within their worker.
	 * detach: the relay stops receiving on worker ctx and releases the client connection
	 * it held; it then belongs to no worker (data to peers queued on ctx leaves first).
	 * attach: the relay receives on worker ctx (its thread) and holds client's connection
	 * (borrowed for the call). 0 or -errno. */
	void (*detach)(void *ctx, void *relay);
	int (*attach)(void *ctx, void *relay, const struct turn_client *client);
	/* Passes the move mv to the worker numbered worker, which owns the allocation:
	 * net/ runs turn_server_mob_detach(owner) on that worker's thread, then
	 * turn_server_mob_adopt(ctx's server) back on ctx's thread; when ctx's worker cannot
	 * be reached any more, turn_server_mob_abort(owner) instead. 0 (mv is net's until
	 * one of those takes it) or -errno (no such worker, queue full: mv stays the
	 * caller's). */
	int (*forward)(void *ctx, unsigned worker, struct turn_mob_move *mv);
	/* The kernel fast path (net/fastpath.h). Both optional (NULL: user space only); called
	 * on the worker owning the allocation, for UDP allocations and permissions to peers
	 * that are not the server's own addresses (turn/fast.c). on: after a permission for
	 * peer's IP (peer's port 0) is installed or refreshed, or channel number is bound to
	 * peer, and before the success response leaves (RFC 8656 §9.2, §12.2); !on: when it
	 * expires, the allocation ends or moves, always before its relay is closed. relay:
	 * the relay of peer's family; client borrowed for the call. A failure only leaves the
	 * traffic to user space, so nothing is returned. */
	void (*fast_perm)(void *ctx, void *relay, const struct turn_client *client,
			  const struct addr *peer, bool on);
	void (*fast_chan)(void *ctx, void *relay, const struct turn_client *client, uint16_t number,
			  const struct addr *peer, bool on);
	/* The kernel's share of the accounting. Both optional. fast_take: what the fast path
	 * relayed through relay since the previous call (deltas; zero when nothing), called
	 * about once a second and once more before the relay is closed. fast_throttle: on,
	 * every datagram of relay is passed to user space (max-bps: the allocation's rate is
	 * then enforced there); off, the fast path may relay it again. */
	void (*fast_take)(void *ctx, void *relay, struct turn_fast_count *d);
	void (*fast_throttle)(void *ctx, void *relay, bool on);

	/* RFC 6062 (TCP allocations). NULL when net/ has no TCP relaying (Allocate with
	 * REQUESTED-TRANSPORT TCP then gets 442). A peer data connection is one net/ object
	 * (a "peer conn") paired with one struct turn_tcp_conn; whichever side ends it first
	 * tells the other once: turn/ through tcp_close, net/ through turn_tcp_closed (or
	 * turn_tcp_connected with an error), never both. */

	/* Starts a non-blocking TCP connection from relay's relayed address (the listener's
	 * address and port) to peer (§5.2). tc is handed back in turn_tcp_connected. Returns 0
	 * with *conn set (the result follows through turn_tcp_connected, never from within this
	 * call) or -errno (nothing to close). */
	int (*tcp_connect)(void *ctx, void *relay, const struct addr *peer,
			   struct turn_tcp_conn *tc, void **conn);
	/* Closes a peer conn and, when bound, its client data connection, each after its
	 * output is flushed. Never calls back into turn/. */
	void (*tcp_close)(void *ctx, void *conn);
	/* ConnectionBind (§5.4): data (a stream connection, borrowed) becomes the client data
	 * connection of conn. Bytes flow both ways only after the response the caller is
	 * about to send has gone out on data (net/ starts the splice later in the loop).
	 * 0 or -errno. */
	int (*tcp_bind)(void *ctx, void *conn, struct turn_conn *data);
};

/* Lifetimes in seconds (DESIGN.md §3), the one definition app/ and the handlers share: an
 * allocation's default (RFC 8656 §7.2: 10 minutes) and the most Tern grants unless
 * --max-allocate-lifetime says otherwise, a permission's (§9: 5 minutes) and a channel
 * binding's (§12: 10 minutes). */
#define TURN_ALLOC_LIFETIME_S	600
#define TURN_MAX_LIFETIME_S	3600
#define TURN_PERM_LIFETIME_S	300
#define TURN_CHANNEL_LIFETIME_S 600

/* Settings shared read-only by every worker (built once by app/). */
struct turn_cfg {
	const char *realm;
	bool no_auth;	      /* explicit --no-auth: requests are not authenticated */
	bool stun_only;	      /* --stun-only: Binding served, every other request
			       * answered 400, Send and ChannelData dropped */
	const char *software; /* SOFTWARE value; NULL or empty: no SOFTWARE */
	/* no-rfc5780: Binding ignores the NAT behaviour discovery usage (RFC 5780): its request
	 * attributes get 420 (an all-zero CHANGE-REQUEST, which asks for nothing, excepted),
	 * and classic RFC 3489 requests are dropped. */
	bool no_rfc5780;
	uint32_t default_lifetime_s; /* 0 = TURN_ALLOC_LIFETIME_S */
	uint32_t max_lifetime_s;     /* --max-allocate-lifetime; 0 = TURN_MAX_LIFETIME_S */
	uint32_t perm_lifetime_s;    /* 0 = TURN_PERM_LIFETIME_S */
	uint32_t channel_lifetime_s; /* 0 = TURN_CHANNEL_LIFETIME_S */
	uint32_t max_perms;	     /* permissions per allocation */
	/* max-allocate-timeout (coturn's): seconds a stream client connection (TCP, TLS, DTLS)
	 * may live without an allocation, counted from its start whatever it sends
	 * (turn_server_alloc_timeout_s; net/ closes it); 0 = no such limit (the idle timeout
	 * alone). A datagram 5-tuple has no state before it allocates: nothing to time out. */
	uint32_t alloc_timeout_s;
	bool no_tcp_relay;	  /* no-tcp-relay: Allocate for TCP refused (442) */
	bool no_udp_relay;	  /* no-udp-relay: Allocate for UDP refused (403) */
	uint32_t tcp_max_conns;	  /* peer data connections per TCP allocation; 0 = 128 */
	uint32_t tcp_max_pending; /* ... of them not yet bound (connecting or waiting for a
				   * ConnectionBind); 0 = 32 */
	uint32_t tcp_bind_ms;	  /* how long a CONNECTION-ID waits for its ConnectionBind,
				   * and a Connect for its peer (RFC 6062 §5.2, §5.3: 30 s);
				   * 0 = 30000 */
	uint32_t user_quota;	  /* allocations + reserved ports per user; 0 = unlimited */
	uint32_t total_quota;	  /* allocations + reserved ports in total; 0 = unlimited */
	/* fleet-quota: an Allocate a quota applies to (user or total > 0) is also counted
	 * across the fleet (struct turn_fleet_ops quota_acquire) when the server has one;
	 * fleet_quota_local (fleet-quota-fallback local): when the fleet cannot answer, the
	 * local counts alone decide, else 500. */
	bool fleet_quota;
	bool fleet_quota_local;
	uint64_t max_bps; /* bytes/s per allocation, each direction (coturn's
			   * max-bps); 0 = unlimited */
	/* bps-capacity (coturn's): bytes/s all allocations together may be granted
	 * (turn_shared_bps_acquire). An Allocate reserves its max-bps (the realm's, else
	 * max_bps) or what is left of the capacity, and is refused with 486 when nothing is;
	 * the allocation is then limited to what it was granted. 0 = unlimited (grants are
	 * still counted). */
	uint64_t bps_capacity;
	/* Unauthenticated replies (401, 438, every error answer to a request that did not
	 * authenticate, and Binding responses carrying RFC 5780 or RFC 3489 extras: see
	 * turn/method/binding.c) on connections whose address is not proven (UDP), per source IP
	 * across all workers. unauth_rate 0: no limit at all; unauth_bytes or
	 * unauth_port_rate 0: that one not counted. */
	uint32_t unauth_rate;	   /* replies per second (burst as large) */
	uint64_t unauth_bytes;	   /* bytes per second (burst as large) */
	uint32_t unauth_port_rate; /* replies per second per source port (burst as large) */
	/* Load shedding (turn/shed.c): a server that is draining (turn_shared_set_draining)
	 * or holds max_allocations units (turn_shared_total; 0 = no limit) answers new
	 * Allocates with 300 Try Alternate (RFC 8489 §10). Where to: alternate-server, the
	 * first of the client's family (tls_alternates for clients on TLS or DTLS, with
	 * ALTERNATE-DOMAIN alternate_domain when not NULL), else a live node of the fleet
	 * (turn_fleet_ops alternate); none: 508 draining, 486 over max_allocations. */
	const struct addr *alternates;
	size_t nalternates;
	const struct addr *tls_alternates;
	size_t ntls_alternates;
	const char *alternate_domain;
	uint32_t max_allocations;
	const struct peer_policy *peers;
	struct turn_relayset *relays; /* own addresses, live relay ports; NULL in tests
				       * that need no relay-to-relay */
	const struct auth_nonce_key *nonce_key;
	struct turn_shared *shared;
	struct ratelimit *unauth; /* from turn_unauth_new; NULL: each worker its own */
	/* mobility (RFC 8016): the MOBILITY-TICKET key, shared by every worker (turn/ticket.h);
	 * NULL: mobility off, MOBILITY-TICKET answered 405 */
	const struct turn_ticket_key *ticket_key;
};

/* Cross-worker state (quota counts, reservations): created once by app/. */
int turn_shared_new(struct turn_shared **out);
void turn_shared_free(struct turn_shared *sh);

/* The unauthenticated-reply limiter for cfg's unauth_* settings, shared by every worker
 * (turn/ratelimit.h; free with ratelimit_free). *out is NULL (nothing limited) when
 * unauth_rate is 0.
 * Returns 0, -ENOMEM or -EIO. */
int turn_unauth_new(const struct turn_cfg *cfg, struct ratelimit **out);

/* Creates a worker's server core. cfg and ops are borrowed for its lifetime; creds is
 * taken: the server calls creds->ops->free(creds->impl) when freed (also when creation
 * fails), and the struct cred_store itself must stay valid until then. NULL is allowed
 * with cfg->no_auth or cfg->stun_only. Returns 0 or -ENOMEM. */
int turn_server_new(const struct turn_cfg *cfg, const struct turn_relay_ops *ops, void *ops_ctx,
		    struct cred_store *creds, uint64_t now_ms, struct turn_server **out);
/* A reload (app/reload.c): from now on s answers with cfg's settings (realm, lifetimes,
 * quotas, max-bps, peer policy, SOFTWARE, the unauthenticated-reply limits) and creds'
 * users and secrets. Existing allocations keep what they were made with: relays,
 * permissions, channels, user, realm, quota units, max-bps; but a permission or channel
 * whose peer the new settings refuse (the check CreatePermission runs, counted in
 * peer_denied) ends at once, in the fast path too (turn/peer_purge.c). cfg is borrowed as in
 * turn_server_new (the caller frees the old one once every worker has switched) and must
 * carry the same shared, relays, nonce secret and ticket_key as the old one (quota counts,
 * bandwidth grants, live relay ports and outstanding nonces and tickets carry on; only
 * nonce_key's lifetime may differ, stale-nonce: a shorter one answers a nonce made to
 * live longer with one 438 and a fresh nonce). creds is taken (NULL as in
 * turn_server_new); the old store is freed once no lookup is pending on it: at once, or
 * on a later turn_server_tick (those lookups are answered as usual). Worker thread.
 * 0, or -ENOMEM with s unchanged (creds freed). */
int turn_server_reconfigure(struct turn_server *s, const struct turn_cfg *cfg,
			    struct cred_store *creds);
/* Frees every allocation through the one free path (closing relays via ops), then s. */
void turn_server_free(struct turn_server *s);

/* One message from a client (STUN or ChannelData; p->conn set), every method through one
 * pipeline (decode, RFC 8489 §6.3 checks, the method table, authentication where the
 * method needs it, the handler). Returns the response length written to out (> 0), 0 when
 * there is nothing to send now (indications, ChannelData, a response that will follow an
 * asynchronous lookup through the connection's send, a reply the unauthenticated-reply
 * limiter dropped), or -EBADMSG (discarded: not STUN, malformed beyond answering, a bad
 * FINGERPRINT, a response, ChannelData that does not parse or reaches a STUN-only
 * server). */
int turn_server_input(struct turn_server *s, const struct turn_pkt *p, uint64_t now_ms,
		      uint8_t *out, size_t cap);
/* turn_server_input's 0 also covers a Binding response the core sent itself through
 * another connection of p->conn's turn_conn_alt (RFC 5780 CHANGE-REQUEST, RESPONSE-PORT):
 * out[0..cap) is then used as scratch. */

/* A datagram from peer arrived on a relay socket of allocation a. data[0..len) has
 * TURN_PEER_HEADROOM writable bytes before it and TURN_PEER_TAILROOM after. On success
 * returns the length (> 0) of the ChannelData or Data indication to send, built in place:
 * *msg points at it and *client at the client to send it to. Returns 0 to drop it (no
 * permission, over max-bps, allocation gone). No malloc, no logging. */
int turn_peer_input(struct turn_server *s, struct turn_alloc *a, const struct addr *peer,
		    uint8_t *data, size_t len, uint64_t now_ms, const uint8_t **msg,
		    const struct turn_client **client);

/* The worker id this server's CONNECTION-IDs (RFC 6062: top 8 bits) and MOBILITY-TICKETs
 * (RFC 8016) name, so that a ConnectionBind or a moving Refresh arriving at another
 * worker can be handed to this one. Set once, before the first request. */
void turn_server_set_worker(struct turn_server *s, unsigned id);
/* The worker a ConnectionBind request names in its CONNECTION-ID, or -1 when buf is not
 * such a request (pure: a decode, no state). */
int turn_tcp_cid_worker(const uint8_t *buf, size_t len);
/* The outcome of ops->tcp_connect for tc: 0 (connected: the Connect success with
 * CONNECTION-ID goes to the client, and the ConnectionBind timer starts) or -errno (447;
 * net/ has freed its conn already). */
void turn_tcp_connected(struct turn_server *s, struct turn_tcp_conn *tc, int err);
/* A peer connected to the relayed address of allocation a (RFC 6062 §5.3); conn is net's.
 * Returns 0 with *tc set (a ConnectionAttempt went to the client), or -EPERM (no
 * permission for the peer's IP), -ENOSPC (over the limits), -ENOMEM: net/ closes it. */
int turn_tcp_accepted(struct turn_server *s, struct turn_alloc *a, const struct addr *peer,
		      void *conn, uint64_t now_ms, struct turn_tcp_conn **tc);
/* net/ moved bytes of tc's bound connection (RFC 6062 §5.5): to_peer from the client data
 * connection to the peer, to_client the other way; counted in the allocation's
 * bytes_to_peer / bytes_to_client (a TCP allocation counts no packets). Per splice, not
 * per byte: two additions. */
void turn_tcp_relayed(struct turn_tcp_conn *tc, size_t to_peer, size_t to_client);
/* net/ closed tc's peer conn on its own (EOF, error, its client data connection closed):
 * tc is forgotten (freed, no tcp_close). */
void turn_tcp_closed(struct turn_server *s, struct turn_tcp_conn *tc);
/* An ICMP error about a datagram a relay socket of allocation a sent (RFC 8656 §11.5), as
 * net/ reads it from the socket's error queue. */
struct turn_icmp {
	struct addr peer; /* the offending datagram's destination (port 0 when unknown) */
	bool icmp6;	  /* an ICMPv6 message, else ICMPv4 */
	uint8_t type, code;
	uint32_t mtu; /* the next-hop MTU the message reports (fragmentation needed, packet
		       * too big), else ignored */
};

/* The rate of ICMP indications per allocation: a burst of TURN_ICMP_BURST, then one per
 * TURN_ICMP_INTERVAL_MS. RFC 8656 §11.5 names no rate of its own; the indication is, to
 * the client, the ICMP error message, and RFC 4443 §2.4 (f) ("an IPv6 node MUST limit the
 * rate of ICMPv6 error messages it originates", with a token bucket as the example) and
 * RFC 1812 §4.3.2.8 ask that of whoever originates them. Without it every spoofed ICMP
 * error that reaches a relay port would become a message to the client. */
#define TURN_ICMP_BURST	      8
#define TURN_ICMP_INTERVAL_MS 250

/* Reports an ICMP error to a's client in a Data indication with XOR-PEER-ADDRESS and ICMP
 * (RFC 8656 §11.5), sent through the client's connection, when: its type is one TURN
 * relays (ICMPv4 3 and 11, ICMPv6 1, 2 and 3), a permission exists for the peer's IP, and
 * the allocation's ICMP rate limit allows (TURN_ICMP_BURST, TURN_ICMP_INTERVAL_MS). Returns
 * 0 when sent, else -EPROTONOSUPPORT (type not relayed), -EACCES (no permission), -EAGAIN
 * (over the rate limit; counted in icmp_limited) or the connection's send error. No
 * malloc, no logging; a may be NULL (a reservation: nothing to report). */
int turn_peer_icmp(struct turn_server *s, struct turn_alloc *a, const struct turn_icmp *icmp,
		   uint64_t now_ms);

/* Mobility across workers (RFC 8016 §3.2; turn/mobility.c). A Refresh carrying a
 * MOBILITY-TICKET from a new 5-tuple reaches the worker the new 5-tuple hashes to; when
 * the ticket names another worker, turn/ hands a move to ops->forward and answers later.
 * The allocation changes hands whole (relays via ops->detach/attach, permissions,
 * channels, counters, quota units untouched), so that it ends owned by the worker that
 * receives its 5-tuple and the packet path stays lock-free.
 * turn_server_mob_detach: on the owner's thread: takes the allocation mv names out of s
 * (table, timer, relays detached) into mv, or records why not (437, 441).
 * turn_server_mob_adopt: on the requesting worker's thread: installs the allocation mv
 * carries at the new 5-tuple (timer on s's wheel, relays attached), answers the Refresh
 * through the client's connection, and frees mv (takes it).
 * turn_server_mob_abort: on the owner's thread, when the requester cannot be reached: the
 * allocation goes back where it was; frees mv (takes it).
 * turn_mob_move_free: frees mv with no server to run it (a worker shut down): a detached
 * allocation in it is freed (relays closed through ops with a NULL ctx, quota released). */
void turn_server_mob_detach(struct turn_server *s, struct turn_mob_move *mv);
void turn_server_mob_adopt(struct turn_server *s, struct turn_mob_move *mv, uint64_t now_ms);
void turn_server_mob_abort(struct turn_server *s, struct turn_mob_move *mv);
void turn_mob_move_free(struct turn_mob_move *mv);

/* The max-allocate-timeout in force (turn_cfg.alloc_timeout_s; 0: none): net/ reads it
 * for each new stream connection, so a reload applies to connections made after it. */
uint32_t turn_server_alloc_timeout_s(const struct turn_server *s);

/* Advances the clock: expires allocations, permissions, channels, reservations; every
 * TURN_FAST_TAKE_MS takes what the kernel fast path relayed (turn/fast_acct.c). */
void turn_server_tick(struct turn_server *s, uint64_t now_ms);
/* c's connection (c->conn, a stream) is about to be freed: frees the allocation made on
 * it (RFC 8656 §5: over a stream the allocation's lifetime ends with its connection) and
 * drops c's requests still waiting for a credential lookup. */
void turn_server_client_gone(struct turn_server *s, const struct turn_client *c);

/* Sessions (turn/session.c): the operator's view of a worker's allocations (the admin
 * socket's sessions and kill). Worker thread only, like everything in a turn_server. */
#define TURN_SESSION_NAME_MAX 256
struct turn_session {
	uint64_t id;		   /* stable, unique across workers (worker id in the top
				    * 16 bits, a per-worker sequence below) */
	struct addr client, local; /* the client's 5-tuple */
	const char *transport;	   /* "udp", "tcp", ... (the connection's name) */
	struct addr relayed[2];	   /* the relayed transport address(es) */
	unsigned nrelay;
	const char *user, *realm; /* "" when unknown; borrowed for the callback */
	uint64_t age_ms;
	uint64_t expires_in_ms;
	uint64_t pkts_to_peer, pkts_to_client;
	uint64_t bytes_to_peer, bytes_to_client;
};
/* Calls fn for each allocation of s (in no particular order) while fn returns 0. */
typedef int (*turn_session_cb)(const struct turn_session *ss, void *arg);
void turn_server_sessions(struct turn_server *s, uint64_t now_ms, turn_session_cb fn, void *arg);
/* Ends the allocation with session id (TURN_END_KILLED): 0, or -ENOENT when s has none. */
int turn_server_kill(struct turn_server *s, uint64_t id);
/* Ends every allocation of user (and, when realm is non-NULL, of that realm) with
 * TURN_END_KILLED. Returns how many, or -ENOMEM (none ended). */
int turn_server_kill_user(struct turn_server *s, const char *user, const char *realm);

/* The fleet (DESIGN.md §7): what a worker's core asks of the nodes sharing its Redis.
 * Implemented over Redis by cred/fleet*.c and wired by app/app_fleet.c; a server without
 * it (one node) counts quotas locally. Every call on the worker's thread; any member may
 * be NULL (that part is off). */
struct turn_fleet_quota {
	const uint8_t *ident; /* the user quota's key (turn/shared.h, 16 bytes); NULL: the
			       * totals only */
	const char *realm;
	uint32_t n;	      /* units: 1, the allocation (a port held by RESERVATION-TOKEN
			       * lives 30 s and counts on its node only) */
	uint32_t user_quota;  /* 0 = unlimited */
	uint32_t total_quota; /* 0 = unlimited */
};
/* status: 0 granted (the units are counted), -EDQUOT over a quota, -EIO Redis could not
 * answer (turn_cfg fleet_quota_local says what then). */
typedef void (*turn_fleet_cb)(void *arg, int status);
struct turn_fleet_ops {
	/* Counts q's units across the fleet if the quotas allow them. 0: cb runs once (inside
	 * this call or later); < 0: it will not. */
	int (*quota_acquire)(void *impl, const struct turn_fleet_quota *q, turn_fleet_cb cb,
			     void *arg);
	void (*quota_cancel)(void *impl, turn_fleet_cb cb, void *arg);
	/* Gives back one unit acquired with the same ident and realm. */
	void (*quota_release)(void *impl, const uint8_t *ident, const char *realm);
	/* The session registry: an allocation began, ended. */
	void (*session_up)(void *impl, const struct turn_session *ss);
	void (*session_down)(void *impl, uint64_t id);
	/* A live node of family (AF_INET, AF_INET6) to send a new allocation to, for a client
	 * on TLS/DTLS when tls: 0 with *out (and domain, "" when none), or -ENOENT. */
	int (*alternate)(void *impl, int family, bool tls, struct addr *out, char *domain,
			 size_t dlen);
	void (*free)(void *impl); /* with the server */
};
/* Gives s its fleet (impl taken: ops->free runs when s is freed). Worker thread, before
 * the worker starts. */
void turn_server_set_fleet(struct turn_server *s, const struct turn_fleet_ops *ops, void *impl);

/* Why an authenticated request failed (RFC 8489 §9.2.4): the store does not know the user
 * (401), the key does not verify MESSAGE-INTEGRITY (401), the nonce is stale (438), the
 * credential attributes are malformed (400 and the like), the store failed or is busy
 * (500). The 401 challenge to a request without credentials is the normal first step and
 * not a failure. */
enum turn_auth_fail {
	TURN_AUTH_UNKNOWN_USER,
	TURN_AUTH_BAD_INTEGRITY,
	TURN_AUTH_STALE_NONCE,
	TURN_AUTH_BAD_REQUEST,
	TURN_AUTH_STORE_ERROR,
	TURN_AUTH_FAIL_N
};
/* Why a peer was refused (RFC 8656 §9, §21): by CreatePermission, ChannelBind or Connect
 * (one of the server's own addresses, the realm's denied-peer-ip, the server's peer policy,
 * no relay of the peer's family: 443), or per datagram (no permission; an own address no
 * longer a live relay port). */
enum turn_peer_deny {
	TURN_DENY_OWN_ADDRESS,
	TURN_DENY_REALM,
	TURN_DENY_POLICY,
	TURN_DENY_FAMILY,
	TURN_DENY_NO_PERMISSION,
	TURN_DENY_NOT_RELAY,
	TURN_DENY_N
};
/* Requests counted per STUN method below this value (others in slot 0, which no method
 * uses), and Allocate error codes counted one slot each (turn_fail_slot). */
#define TURN_METHOD_SLOTS 16
#define TURN_FAIL_SLOTS	  12

/* Counters (read on the worker thread, e.g. for metrics). Only uint64_t fields: a
 * snapshot of several workers is summed field by field (net/stats.h). */
struct turn_counters {
	uint64_t allocs; /* current */
	uint64_t allocs_total;
	uint64_t relayed_to_peer, relayed_to_client;		 /* datagrams (UDP relays) */
	uint64_t relayed_bytes_to_peer, relayed_bytes_to_client; /* their application data */
	/* ... the same relayed by the kernel fast path instead (relay ops fast_take, added
	 * about once a second; the four above count user space only). */
	uint64_t fast_relayed_to_peer, fast_relayed_to_client;
	uint64_t fast_relayed_bytes_to_peer, fast_relayed_bytes_to_client;
	uint64_t fast_throttled; /* times an allocation was handed back to user space for
				  * max-bps (relay ops fast_throttle on) */
	uint64_t dropped_no_perm, dropped_rate, dropped_send_err;
	uint64_t dropped_not_relay; /* to an own address that is no longer a live relay port */
	uint64_t auth_401, auth_438;
	uint64_t unauth_sent, unauth_bytes; /* unauthenticated replies answered (unproven
					     * connections: UDP) */
	uint64_t unauth_limited;	    /* ... and dropped over the limit */
	uint64_t mob_moves;		    /* allocations moved to a new 5-tuple (RFC 8016) */
	uint64_t mob_cross;		    /* ... of them from another worker */
	uint64_t mob_refused;		    /* MOBILITY-TICKETs refused (400/405/437/441) */
	uint64_t tcp_conns;		    /* RFC 6062 peer data connections, current */
	uint64_t tcp_refused_perm;	    /* peer connections closed: no permission */
	uint64_t tcp_refused_limit;	    /* Connects / peer connections over the limits */
	uint64_t tcp_bind_timeout;	    /* CONNECTION-IDs never bound in time */
	uint64_t tcp_connect_failed;	    /* Connects answered 447 */
	/* Binding (RFC 5780, RFC 3489): responses sent from another address or port or to
	 * RESPONSE-PORT; classic requests answered; classic requests dropped (RESPONSE-ADDRESS,
	 * integrity, IPv6, a change the server cannot make, no-rfc5780). */
	uint64_t binding_redirected;
	uint64_t classic_answered, classic_dropped;
	uint64_t icmp_to_client; /* ICMP errors reported in Data indications */
	uint64_t icmp_dropped;	 /* ... not relayed: type, no permission */
	uint64_t icmp_limited;	 /* ... over the per-allocation rate limit */
	/* Requests by method (index: the method, < TURN_METHOD_SLOTS) and transport. */
	uint64_t requests[TURN_METHOD_SLOTS][TURN_TR_N];
	uint64_t auth_fail[TURN_AUTH_FAIL_N];
	/* Counted where refused, except NO_PERMISSION and NOT_RELAY: turn_server_stats
	 * (turn/stats.h) fills them from the dropped_ counters above. */
	uint64_t peer_denied[TURN_DENY_N];
	/* Allocate requests answered with an error once admitted, by code (turn_fail_slot). */
	uint64_t alloc_fail[TURN_FAIL_SLOTS];
};
/* The slot of alloc_fail counting code, and the code a slot counts (0: every other). */
unsigned turn_fail_slot(int code);
int turn_fail_code(unsigned slot);
const struct turn_counters *turn_server_counters(const struct turn_server *s);

#endif
