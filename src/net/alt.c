/* RFC 5780 §6 alternate addresses and ports (net/alt.h). */
#include "net/alt.h"

#include <string.h>

#include "net/tcp.h"
#include "net/udp.h"
#include "net/worker.h"
#include "turn/conn.h"

int net_alt_pair(const struct addr *a, size_t n, size_t i)
{
	for (size_t k = 1; k < n; k++) {
		size_t j = (i + k) % n;

		if (addr_family(&a[j]) == addr_family(&a[i]) && !addr_ip_eq(&a[j], &a[i]))
			return (int)j;
	}
	return -1;
}

/* The listening address of a[0..n) that local is on, or -1. */
static int net_alt_index(const struct addr *a, size_t n, const struct addr *local)
{
	for (size_t i = 0; i < n; i++)
		if (addr_ip_eq(&a[i], local))
			return (int)i;
	return -1;
}

/* w's UDP socket at ip:port, or NULL. */
static struct turn_conn *net_alt_find(struct net_worker *w, const struct addr *ip, uint16_t port)
{
	struct addr want = *ip;

	addr_set_port(&want, port);
	for (size_t k = 0; k < w->nudp; k++) {
		struct turn_conn *c = net_udp_conn(w->udp[k]);

		if (addr_eq(&c->local, &want))
			return c;
	}
	return NULL;
}

/* Whether w has a TCP or TLS listener at ip:port. */
static bool net_alt_has_tcp(struct net_worker *w, const struct addr *ip, uint16_t port)
{
	struct addr want = *ip;

	addr_set_port(&want, port);
	for (size_t k = 0; k < w->ntcpl; k++)
		if (addr_eq(net_tcp_listener_local(w->tcpl[k]), &want))
			return true;
	return false;
}

/* The other port of p's pair, or 0. */
static uint16_t net_alt_other_port(const struct net_alt_ports *ps, uint16_t p, bool tls)
{
	uint16_t a = tls ? ps->tls_port : ps->port, b = tls ? ps->alt_tls_port : ps->alt_port;

	if (!a || !b)
		return 0;
	return p == a ? b : p == b ? a : 0;
}

/* The table of the socket c (RFC 5780 §6.1 Table 1). */
static void net_alt_build(struct net_worker *w, const struct addr *a, size_t n,
			  const struct net_alt_ports *ps, struct turn_conn *c,
			  struct turn_conn_alt *t)
{
	uint16_t p = addr_port(&c->local);
	uint16_t other = net_alt_other_port(ps, p, false);
	int i = net_alt_index(a, n, &c->local);
	int j = i < 0 ? -1 : net_alt_pair(a, n, (size_t)i);

	memset(t, 0, sizeof(*t));
	t->via[0] = c;
	if (other == 0 || j < 0)
		return;
	t->via[TURN_CHANGE_PORT] = net_alt_find(w, &c->local, other);
	t->via[TURN_CHANGE_IP] = net_alt_find(w, &a[j], p);
	t->via[TURN_CHANGE_IP | TURN_CHANGE_PORT] = net_alt_find(w, &a[j], other);
	/* §6: OTHER-ADDRESS only when every change can be made. */
	t->has_other = t->via[1] && t->via[2] && t->via[3];
	if (t->has_other)
		t->other = t->via[3]->local;
	else
		memset(&t->via[1], 0, 3 * sizeof(t->via[0]));
}

/* A TCP or TLS listener's OTHER-ADDRESS (its connections change nothing). */
static void net_alt_tcp(struct net_worker *w, const struct addr *a, size_t n,
			const struct net_alt_ports *ps, struct net_tcp_listener *l)
{
	const struct addr *local = net_tcp_listener_local(l);
	uint16_t p = addr_port(local);
	uint16_t other = net_alt_other_port(ps, p, net_tcp_listener_is_tls(l));
	int i = net_alt_index(a, n, local);
	int j = i < 0 ? -1 : net_alt_pair(a, n, (size_t)i);
	struct addr o;

	if (other == 0 || j < 0 || !net_alt_has_tcp(w, local, other) ||
	    !net_alt_has_tcp(w, &a[j], p) || !net_alt_has_tcp(w, &a[j], other))
		return;
	o = a[j];
	addr_set_port(&o, other);
	net_tcp_listener_set_other(l, &o);
}

void net_alt_link(struct net_worker *w, const struct addr *a, size_t n,
		  const struct net_alt_ports *ports)
{
	struct turn_conn_alt t;

	for (size_t k = 0; k < w->nudp; k++) {
		net_alt_build(w, a, n, ports, net_udp_conn(w->udp[k]), &t);
		net_udp_set_alt(w->udp[k], &t);
	}
	for (size_t k = 0; k < w->ntcpl; k++)
		net_alt_tcp(w, a, n, ports, w->tcpl[k]);
}
