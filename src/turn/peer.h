/* Which peer addresses the server's configuration lets an allocation reach (DESIGN.md §5;
 * RFC 8656 §21 on the risks). The server's own addresses and relay-to-relay come first and
 * are decided in turn/relayset.h; then, first match wins:
 *   1. an allowed-peer-ip range — allowed;
 *   2. a denied-peer-ip range — denied;
 *   3. the IANA special-purpose ranges (unspecified, loopback unless allow_loopback,
 *      link-local, multicast, broadcast, reserved, CGNAT, RFC 1918, ULA, documentation,
 *      benchmarking, ...) — denied;
 *   4. anything else — allowed.
 * An IPv6 peer that embeds an IPv4 address (IPv4-mapped ::ffff:0:0/96, IPv4-translated
 * ::ffff:0:0:0/96, IPv4-compatible ::/96, 6to4 2002::/16, NAT64 64:ff9b::/96) is also checked as
 * that IPv4 address, and denied if either form is denied. The local-use NAT64 prefix 64:ff9b:1::/48
 * is denied as a whole (where its IPv4 address sits is a local choice; allowed-peer-ip opens it).
 * Immutable after creation: shared read-only by every worker. */
#ifndef TERN_TURN_PEER_H
#define TERN_TURN_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/iprange.h"

struct peer_policy_cfg {
	const struct iprange_list *allowed; /* borrowed during peer_policy_new */
	const struct iprange_list *denied;
	bool allow_loopback;
};

struct peer_policy;

/* Copies what it needs from cfg. 0 or -ENOMEM. */
int peer_policy_new(const struct peer_policy_cfg *cfg, struct peer_policy **out);
void peer_policy_free(struct peer_policy *p);
/* True when the peer (address and port) may be used. */
bool peer_policy_allows(const struct peer_policy *p, const struct addr *peer);
/* Sets *v4 (port kept) to the IPv4 address an IPv6 peer embeds (IPv4-mapped,
 * IPv4-translated, IPv4-compatible, NAT64 64:ff9b::/96, 6to4); false when it embeds none. */
bool peer_addr_embedded_v4(const struct addr *a, struct addr *v4);
/* True when a remote peer could reach a as a relay address: not special-purpose, or a
 * private-use range (RFC 1918, shared address space, unique local) that peers on the same
 * network, or through a NAT in front of it (external-ip), can reach. Loopback, link-local,
 * unspecified, multicast, documentation and the embedded-IPv4 forms are not. */
bool peer_addr_is_relayable(const struct addr *a);

#endif
