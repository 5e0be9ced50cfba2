/* A worker's counters and gauges for metrics (app/metrics.c, through net/stats.h): what
 * struct turn_counters holds, with the gauges counted at the time of the call and the
 * derived slots filled, and the label names of every indexed counter. */
#ifndef TERN_TURN_STATS_H
#define TERN_TURN_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "turn/server.h"

/* The relayed address families of an allocation: one IPv4, one IPv6, or both (RFC 8656
 * §7.2 step 9, a dual allocation). */
enum turn_family { TURN_FAM_IPV4, TURN_FAM_IPV6, TURN_FAM_DUAL, TURN_FAM_N };

/* Only uint64_t fields (summed field by field across workers). */
struct turn_stats {
	struct turn_counters c;
	uint64_t allocs[TURN_TR_N][TURN_FAM_N]; /* current, by the client's transport */
	uint64_t bps_granted; /* bytes/s granted to them (turn_shared_bps_acquire) */
};

/* Fills *out from s: its counters, the allocations it holds now, and
 * c.peer_denied[TURN_DENY_NO_PERMISSION / _NOT_RELAY] from the per-datagram drop counters.
 * Worker thread (or s not running). */
void turn_server_stats(const struct turn_server *s, struct turn_stats *out);

/* What the allocations of one realm relayed (UDP relays: application data), for the
 * opt-in per-realm metrics. The realm as the allocation recorded it (turn_alloc_realm);
 * TURN_REALM_OTHER once TURN_REALM_SLOTS realms are in use. */
#define TURN_REALM_SLOTS 16
#define TURN_REALM_LEN	 128
#define TURN_REALM_OTHER "(other)"
struct turn_realm_traffic {
	char realm[TURN_REALM_LEN];
	uint64_t pkts_to_peer, pkts_to_client;
	uint64_t bytes_to_peer, bytes_to_client;
};
/* Adds to t[0..*n) (at most cap entries, *n updated) what the allocations of s relayed,
 * ended ones and those it holds now, merged by realm. Worker thread. */
void turn_server_realm_traffic(const struct turn_server *s, struct turn_realm_traffic *t,
			       size_t cap, size_t *n);
/* Adds what (realm, its numbers) to t[0..*n), merged by realm name; the last entry takes
 * every realm beyond cap as TURN_REALM_OTHER. */
void turn_realm_traffic_add(struct turn_realm_traffic *t, size_t cap, size_t *n,
			    const struct turn_realm_traffic *what);

/* Label values (static strings): "udp", "tcp", "tls", "dtls"; "ipv4", "ipv6", "dual";
 * the method of a requests slot ("binding", "allocate", ...; "other" for slot 0 and the
 * numbers of no method); the reasons of enum turn_auth_fail and enum turn_peer_deny. */
const char *turn_transport_name(unsigned t);
const char *turn_family_name(unsigned f);
const char *turn_method_name(unsigned slot);
const char *turn_auth_fail_name(unsigned why);
const char *turn_peer_deny_name(unsigned why);

#endif
