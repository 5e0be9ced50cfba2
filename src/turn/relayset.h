/* The server's own addresses and its live relay ports (DESIGN.md §5, RFC 8656 §21): what
 * keeps an authenticated client from using the relay to reach the server's host.
 *
 * - Own addresses: every address of the host (relay, external, listening and interface
 *   addresses). As a peer, an own address is refused in any spelling (IPv4-mapped,
 *   -compatible, -translated, NAT64, 6to4 embed the same IPv4 address) and at any port,
 *   with one exception:
 * - Live relay ports: a relay (or external) address in its exact spelling, at a port that
 *   is bound right now to a relay socket of this server (any worker). That is
 *   relay-to-relay between two clients of the same server, the common WebRTC case.
 *
 * Created once by app/ from the configuration; the address lists are immutable, the
 * port bitmaps are updated by net/ (any worker thread, atomically) when a relay socket is
 * bound and closed and read by turn/ on the control path and for every datagram sent to a
 * peer that only the exception admits. */
#ifndef TERN_TURN_RELAYSET_H
#define TERN_TURN_RELAYSET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/addr.h"

/* external-ip: pub is advertised for relay address priv (has_priv), or for every relay
 * address of pub's family. */
struct turn_relayset_ext {
	struct addr pub, priv;
	bool has_priv;
};

struct turn_relayset_cfg {
	const struct addr *relay; /* the relay addresses (ports ignored); borrowed */
	size_t nrelay;
	const struct turn_relayset_ext *ext;
	size_t next;
	const struct addr *own; /* further own addresses (listening, interfaces) */
	size_t nown;
	bool loopback_open; /* allow-loopback-peers: loopback is not refused as own */
};

struct turn_relayset;

/* Copies what it needs from cfg. 0 or -ENOMEM. */
int turn_relayset_new(const struct turn_relayset_cfg *cfg, struct turn_relayset **out);
void turn_relayset_free(struct turn_relayset *rs);
/* A reload's allow-loopback-peers: whether loopback counts as own (cfg's loopback_open).
 * Any thread. */
void turn_relayset_set_loopback(struct turn_relayset *rs, bool open);

/* Marks local (a relay address with the port a relay socket is bound to) live or not.
 * A local address that is not a relay address is ignored. Any thread. */
void turn_relayset_mark(struct turn_relayset *rs, const struct addr *local, bool live);
/* True when peer, in its exact spelling, is a relay address (or its external address) at
 * a live relay port. Any thread; no lock, no malloc. */
bool turn_relayset_is_live(const struct turn_relayset *rs, const struct addr *peer);
/* True when peer's IP, in any spelling, is one of the server's own addresses (ports
 * ignored); loopback is not own when the set was made with loopback_open. */
bool turn_relayset_is_own(const struct turn_relayset *rs, const struct addr *peer);

#endif
