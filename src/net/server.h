/* The server's threads and sockets: N workers, each with its own event base and its own
 * SO_REUSEPORT sockets (DESIGN.md §3). app/ fills struct net_opts from the configuration
 * and drives the lifecycle: net_server_new → net_server_start → (signals) → net_server_stop
 * → net_server_free. All functions are called from the main thread. */
#ifndef TERN_NET_SERVER_H
#define TERN_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define NET_MAX_LISTEN 32
/* Relay addresses: relay-ip, or the listening addresses (enumerated when wildcard). */
#define NET_MAX_RELAY 64
/* The XDP fast path (net/fastpath.h): interfaces it may attach to, and a name's size. */
#define NET_MAX_XDP_IF 8
#define NET_IFNAME_MAX 16 /* IFNAMSIZ */

enum net_xdp_mode {
	NET_XDP_AUTO,	 /* native where the driver has it, else generic */
	NET_XDP_NATIVE,	 /* the driver's XDP only */
	NET_XDP_GENERIC, /* the stack's XDP (any interface) */
};

struct cred_store;
struct event_base;
struct iprange_list;
struct tls_ctxset;
struct turn_cfg;
struct turn_server;

/* Creates one worker's credential store (the worker's TURN core takes it). Called on the
 * main thread while the server is created; base is that worker's event base, for a store
 * that does asynchronous I/O on it (only from the worker's thread). 0 or -errno. */
typedef int (*net_cred_new_cb)(void *arg, struct event_base *base, struct cred_store **out);

/* external-ip: advertise pub for relayed addresses on priv (has_priv), or on every relay
 * address of pub's family (no priv; a 1:1 NAT in front of one address). */
struct net_external {
	struct addr pub;
	struct addr priv;
	bool has_priv;
};

struct net_opts {
	unsigned threads;		    /* workers; 0 = online CPUs */
	uint16_t port;			    /* listening-port (UDP and TCP) */
	struct addr listen[NET_MAX_LISTEN]; /* listening-ip; nlisten 0 = every local address */
	size_t nlisten;
	bool no_udp;
	bool no_tcp;
	/* RFC 5780 §6 (set by app/ only when the NAT behaviour discovery usage is on): the
	 * alternate port; 0 = none. Each configured (not enumerated) listening address that has
	 * an alternate, the next configured address of its family (net/alt.h), also listens on
	 * it (UDP, and TCP for plain and TLS-on-first-byte connections), so Binding can answer
	 * CHANGE-REQUEST from the alternate address and port. alt_tls_port: the same for the
	 * TLS listeners (tls_tcp); 0 = none. */
	uint16_t alt_port;
	uint16_t alt_tls_port;
	size_t max_tcp_conns;	 /* per worker; 0 = default */
	unsigned max_tcp_per_ip; /* TCP connections per source IPv4 address or IPv6
				  * /64 (all workers); 0 = no limit */
	unsigned tcp_idle_s;	 /* idle seconds before a TCP connection without an
				  * allocation is closed; 0 = NET_DEFAULT_TCP_IDLE_S */
	/* TLS (RFC 8656 §3.1): the certificates, or NULL for no TLS at all. The server takes
	 * its own reference; net_server_tls_swap replaces it. tls_tcp: a TLS listener on
	 * tls_port per listening address, and the plain TCP listeners accept TLS too (a
	 * first byte 0x16 starts a handshake); dtls: DTLS 1.2 on UDP tls_port. */
	struct tls_ctxset *tls;
	bool tls_tcp;
	bool dtls;
	uint16_t tls_port;    /* tls-listening-port; 0 = any free port (tests) */
	unsigned handshake_s; /* TLS handshake (and PROXY header) timeout, seconds; 0 =
			       * NET_DEFAULT_HANDSHAKE_S */
	/* Sources whose TCP and TLS connections must start with a PROXY header (v1 or v2,
	 * read before TLS) naming the real client; borrowed; NULL or empty = none. */
	const struct iprange_list *proxy_trusted;

	/* The STUN/TURN core's settings (required; turn->stun_only: Binding only, no relay
	 * addresses). */
	const struct turn_cfg *turn; /* borrowed while net_server_new creates the workers (a
				      * reload hands each its own: turn_server_reconfigure);
				      * its relays for the server's lifetime */
	net_cred_new_cb cred_new;    /* NULL: no credential store (no-auth, stun-only) */
	void *cred_arg;
	/* Called once per worker right after its TURN core is made (main thread, before the
	 * worker starts): app/ gives it its fleet (turn_server_set_fleet). 0 or -errno. */
	int (*turn_attach)(void *arg, struct event_base *base, unsigned worker,
			   struct turn_server *s);
	void *turn_attach_arg;
	struct addr relay[NET_MAX_RELAY]; /* relay-ip (ports ignored); see net_opts_relay_addrs */
	size_t nrelay;
	uint16_t min_port, max_port; /* relay port range; 0, 0 = the NET_DEFAULT_ ones below */
	struct net_external external[NET_MAX_LISTEN];
	size_t nexternal;
	/* The XDP fast path (README "XDP fast path"): the interfaces to attach it to (none = no
	 * fast path) and how. Loaded and attached by net_server_new; a failure there is one
	 * warning and user space only, never a failed start. */
	char xdp_if[NET_MAX_XDP_IF][NET_IFNAME_MAX];
	size_t nxdp_if;
	enum net_xdp_mode xdp_mode;
};

/* Defaults of the net_opts above, also the option table's (app/cfg_opt.c): relay ports
 * from the IANA dynamic range (RFC 6335 §6), and the TCP idle timeout in seconds. */
#define NET_DEFAULT_MIN_PORT	49152
#define NET_DEFAULT_MAX_PORT	65535
#define NET_DEFAULT_TCP_IDLE_S	60
#define NET_DEFAULT_HANDSHAKE_S 10

struct net_server;
struct net_worker;

/* Fills o->relay when o->nrelay is 0, the way relay-ip defaults: the listening addresses
 * that are not wildcards; for a wildcard (or no listening-ip), every local address of
 * that family that is up and that a remote peer could reach (never loopback, link-local
 * or another special-purpose address other than the private-use ranges). A relayed address then
 * sits on the address the client reached when it is one of them, else on the first of the requested
 * family. Call before net_server_new (app/ also feeds the list to the peer policy). 0 or -errno. */
int net_opts_relay_addrs(struct net_opts *o);

/* Creates the server and binds every socket (so a port in use fails here, before any
 * thread starts). Returns 0 and *out, or -errno with a log line naming the address. */
int net_server_new(const struct net_opts *opts, struct net_server **out);
/* Starts the worker threads. 0 or -errno. */
int net_server_start(struct net_server *s);
/* Asks every worker to stop accepting, finish in-flight work and exit; joins them.
 * Returns within about a second. */
void net_server_stop(struct net_server *s);
/* Frees the server (takes s). Only after net_server_stop, or if never started. */
void net_server_free(struct net_server *s);

/* Replaces the TLS certificates of every worker (a reload): new handshakes use set, those
 * in progress and established sessions keep the one they started with. Takes a reference
 * on set. Only for a server created with TLS. 0 or -errno (a worker's queue stayed full:
 * that worker keeps the old set; logged). */
int net_server_tls_swap(struct net_server *s, struct tls_ctxset *set);

/* Runs fn(w, arg) on the thread of every worker w, through its notify queue, and returns
 * once every one has run: the control path's one way into workers (metrics snapshots,
 * admin commands, reload, drain; DESIGN.md §3). fn reads and changes only w's own state
 * (struct net_worker, net/worker.h, and w->turn, which is NULL when the worker has already
 * shut down). Control threads only, never a worker's, and only between net_server_start
 * and net_server_stop. 0, or -errno when a worker's queue stayed full for a second (that
 * worker did not run fn; the others did). */
typedef void (*net_each_cb)(struct net_worker *w, void *arg);
int net_server_each(struct net_server *s, net_each_cb fn, void *arg);
/* Inside a net_each_cb, on w's thread: w's TURN core (NULL once the worker has shut down)
 * and w's event base (for a store doing I/O on it). */
struct turn_server *net_worker_turn(struct net_worker *w);
struct event_base *net_worker_base(struct net_worker *w);
/* The number of workers. */
unsigned net_server_nworkers(const struct net_server *s);

/* The number of listening addresses (after enumeration). */
size_t net_server_nlisten(const struct net_server *s);
/* The i-th listening address for UDP or TCP, with the bound port (useful with port 0).
 * 0, or -ENOENT if there is no such listener. */
int net_server_local_addr(const struct net_server *s, size_t i, bool tcp, struct addr *out);
/* The i-th TLS listening address (TCP), with the bound port. 0 or -ENOENT. */
int net_server_tls_addr(const struct net_server *s, size_t i, struct addr *out);
/* The i-th DTLS listening address (UDP), with the bound port. 0 or -ENOENT. */
int net_server_dtls_addr(const struct net_server *s, size_t i, struct addr *out);

#endif
