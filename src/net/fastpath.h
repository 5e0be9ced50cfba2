/* The XDP fast path as net/ sees it (DESIGN.md §2: xdp/ is called only from here). One per
 * process, made and freed by the server on the main thread: the program is loaded for the
 * relay port range and attached to the configured interfaces; its maps are shared by every
 * worker. Two implementations chosen by the build: fastpath.c (configure --enable-xdp) and
 * fastpath_none.c (without it: xdp-interfaces gets a warning, user space only). */
#ifndef TERN_NET_FASTPATH_H
#define TERN_NET_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "net/server.h"
#include "net/stats.h"
#include "turn/server.h"

struct net_fastpath;

/* Loads the program for o's relay ports (o->min_port..o->max_port, already defaulted) and
 * attaches it to o->xdp_if in o->xdp_mode. Never fails a start: when no interface is named
 * *out is NULL; when loading or an attach fails, it says so in one warning, detaches what it
 * attached, frees the maps and sets *out to NULL (user space only). Returns 0. */
int net_fastpath_new(const struct net_opts *o, struct net_fastpath **out);
/* Detaches the program from every interface and frees the maps; f may be NULL. */
void net_fastpath_free(struct net_fastpath *f);
/* s's fast path (net/server.c), or NULL when none is attached. Any thread between
 * net_server_new and net_server_free. */
struct net_fastpath *net_server_fastpath(const struct net_server *s);

/* One UDP allocation's relay as its entries name it: the client's source, the address it
 * reached, the relay socket's address and the generation of its port. */
struct net_fastpath_alloc {
	struct addr client, listen, relay;
	uint32_t gen;
};

/* Bumps the generation of relay port port and returns it (never 0): when a relay socket is
 * bound and again before it closes, so that no entry of an earlier use is ever used. Any
 * worker thread; f NULL: 0 (no fast path). */
uint32_t net_fastpath_port_use(struct net_fastpath *f, uint16_t port);
/* Installs (on) or removes the entries of a permission for peer's IP address (RFC 8656
 * §9) or of channel number bound to peer (§12). Any worker thread. 0 or -errno (the
 * traffic then stays in user space). */
int net_fastpath_perm(struct net_fastpath *f, const struct net_fastpath_alloc *a,
		      const struct addr *peer, bool on);
int net_fastpath_chan(struct net_fastpath *f, const struct net_fastpath_alloc *a, uint16_t number,
		      const struct addr *peer, bool on);

/* What the fast path relayed through the relay socket bound to relay since its slot was
 * made (totals: a slot outlives its socket, so the caller keeps the values it has seen),
 * read from shared memory without a system call. Any worker thread. 0, -EOPNOTSUPP (f
 * NULL) or -ERANGE (a port outside the relay range). */
int net_fastpath_acct(struct net_fastpath *f, const struct addr *relay,
		      struct turn_fast_count *out);
/* A relay socket bound to relay joins the fast path: a new generation for its port
 * (net_fastpath_port_use, returned), its slot's throttle of the port's last user cleared,
 * and *seen (the caller's, kept with the socket) = the slot's values now, the baseline of
 * net_fastpath_take. One relay socket per port number at a time (generations and slots
 * are per port: with several relay addresses, or both families, two sockets may share a
 * number): while one holds it, another gets 0, user space only. Any worker thread; f
 * NULL: 0. *seen is zeroed when 0 is returned. */
uint32_t net_fastpath_relay_start(struct net_fastpath *f, const struct addr *relay,
				  struct turn_fast_count *seen);
/* The relay socket of a nonzero net_fastpath_relay_start closes: its port's generation
 * bumped (its entries are never used again), then the port given back. Any worker thread;
 * f NULL: nothing. */
void net_fastpath_relay_end(struct net_fastpath *f, const struct addr *relay);
/* *d = what the fast path relayed through relay since *seen, then *seen = now; zero when
 * nothing (or f NULL). */
void net_fastpath_take(struct net_fastpath *f, const struct addr *relay,
		       struct turn_fast_count *seen, struct turn_fast_count *d);
/* On: every datagram of relay goes to user space (max-bps enforced there); off: the fast
 * path may relay them again. Any worker thread. 0, -EOPNOTSUPP or -ERANGE. */
int net_fastpath_throttle(struct net_fastpath *f, const struct addr *relay, bool on);
/* The program's counters, process-wide: packets forwarded and why others were passed.
 * Any thread. 0, or -EOPNOTSUPP (f NULL: no fast path attached). */
int net_fastpath_stats(struct net_fastpath *f, struct net_xdp_stats *out);

#endif
