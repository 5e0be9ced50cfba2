/* relay-ip defaults, the per-client choice of relay address, external-ip mapping. */
#include "net/relay_addr.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "net/sock.h"
#include "turn/peer.h"

static bool net_relay_addr_has(const struct net_opts *o, const struct addr *a)
{
	for (size_t i = 0; i < o->nrelay; i++)
		if (addr_ip_eq(&o->relay[i], a))
			return true;
	return false;
}

static void net_relay_addr_add(struct net_opts *o, const struct addr *a)
{
	if (o->nrelay < NET_MAX_RELAY && !net_relay_addr_has(o, a)) {
		o->relay[o->nrelay] = *a;
		addr_set_port(&o->relay[o->nrelay++], 0);
	}
}

/* Adds every local address of family that a remote peer could reach (RFC 8656 §21):
 * never loopback, link-local or another special-purpose address but the private-use ones
 * (turn/peer.h, peer_addr_is_relayable); relay-ip configures any address explicitly. */
static void net_relay_addr_add_local(struct net_opts *o, int family, const struct addr *local,
				     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_family(&local[i]) == family && peer_addr_is_relayable(&local[i]))
			net_relay_addr_add(o, &local[i]);
}

int net_opts_relay_addrs(struct net_opts *o)
{
	struct addr local[NET_MAX_RELAY];
	size_t n = 0;
	bool any4 = o->nlisten == 0, any6 = o->nlisten == 0;
	int err;

	if (o->nrelay)
		return 0;
	for (size_t i = 0; i < o->nlisten; i++) {
		if (!addr_is_any(&o->listen[i]))
			net_relay_addr_add(o, &o->listen[i]);
		else if (addr_family(&o->listen[i]) == AF_INET)
			any4 = true;
		else
			any6 = true;
	}
	if (!any4 && !any6)
		return 0;
	err = net_sock_local_addrs(0, local, NET_MAX_RELAY, &n);
	if (err)
		return err;
	if (any4)
		net_relay_addr_add_local(o, AF_INET, local, n);
	if (any6)
		net_relay_addr_add_local(o, AF_INET6, local, n);
	return 0;
}

const struct addr *net_relay_addr_pick(const struct net_opts *o, int family,
				       const struct addr *local)
{
	const struct addr *first = NULL;

	for (size_t i = 0; i < o->nrelay; i++) {
		if (addr_family(&o->relay[i]) != family)
			continue;
		if (local && addr_ip_eq(&o->relay[i], local))
			return &o->relay[i];
		if (!first)
			first = &o->relay[i];
	}
	return first;
}

void net_relay_addr_external(const struct net_opts *o, const struct addr *relay, struct addr *out)
{
	const struct net_external *hit = NULL;

	for (size_t i = 0; i < o->nexternal; i++) {
		const struct net_external *e = &o->external[i];

		if (addr_family(&e->pub) != addr_family(relay))
			continue;
		if (e->has_priv && addr_ip_eq(&e->priv, relay)) {
			hit = e;
			break;
		}
		if (!e->has_priv && !hit)
			hit = e;
	}
	*out = hit ? hit->pub : *relay;
	addr_set_port(out, addr_port(relay));
}
