/* Metrics snapshots (DESIGN.md §7): every worker copies its counters on its own thread
 * (net_server_each, through its notify queue) into its own slot of a per-scrape array,
 * and the caller sums them. Nothing is shared with the packet path: the workers' counters
 * stay plain fields only they write. */
#ifndef TERN_NET_STATS_H
#define TERN_NET_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "turn/stats.h"

struct net_server;

/* Client TCP and TLS connections by state: in the PROXY header or TLS handshake, open
 * without an allocation, holding an allocation; and RFC 6062 peer data connections. */
enum net_tcp_state { NET_TCP_HANDSHAKE, NET_TCP_OPEN, NET_TCP_ALLOCATED, NET_TCP_PEER, NET_TCP_N };

/* Only uint64_t fields (net_stats_add sums them as such). */
struct net_stats {
	struct turn_stats turn;
	uint64_t tcp[NET_TCP_N];
	uint64_t dtls_sessions; /* DTLS sessions open */
	uint64_t workers;	/* workers that answered */
};

/* The XDP fast path's counters (net/fastpath.h), process-wide: datagrams it relayed, and
 * those it passed to the stack by reason (net_xdp_reason_name). */
#define NET_XDP_REASONS 18
struct net_xdp_stats {
	uint64_t forwarded;
	uint64_t passed[NET_XDP_REASONS];
};

/* Sums the snapshot of every worker of s into *out (zeroed first). Control threads only,
 * between net_server_start and net_server_stop (net_server_each). 0, or -errno (a worker
 * did not answer: *out holds the others; -ENOMEM: nothing). */
int net_stats_collect(struct net_server *s, struct net_stats *out);
/* What every worker's allocations relayed, by realm (turn/stats.h), merged into
 * t[0..*n) (at most cap). Same threads and results as net_stats_collect. */
int net_stats_realms(struct net_server *s, struct turn_realm_traffic *t, size_t cap, size_t *n);
/* The fast path's counters of s. Any thread. 0, or -ENODEV when no program is attached
 * (built without it, no xdp-interfaces, or its start failed). */
int net_stats_xdp(struct net_server *s, struct net_xdp_stats *out);
/* The label value of a pass reason (0..NET_XDP_REASONS-1): "malformed", "vlan", "not_ip",
 * "fragment", "ip_options", "ipv6_ext", "not_udp", "bad_len", "no_csum", "not_turn",
 * "send_shape", "dont_fragment", "miss", "stale", "throttled", "mtu", "no_route",
 * "fingerprint". */
const char *net_xdp_reason_name(unsigned r);
/* sum += one, field by field. */
void net_stats_add(struct net_stats *sum, const struct net_stats *one);
/* The label value of a TCP state: "handshake", "open", "allocated", "peer". */
const char *net_tcp_state_name(unsigned st);

#endif
