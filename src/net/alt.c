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

/* The table of the socket c (RFC 5780 §6.1 Table 1). */
static void net_alt_build(struct net_worker *w, const struct addr *a, size_t n, uint16_t port,
			  uint16_t alt_port, struct turn_conn *c, struct turn_conn_alt *t)
{
	uint16_t p = addr_port(&c->local);
	uint16_t other = !alt_port ? 0 : p == port ? alt_port : p == alt_port ? port : 0;
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

void net_alt_link(struct net_worker *w, const struct addr *a, size_t n, uint16_t port,
		  uint16_t alt_port)
{
	struct turn_conn_alt t;

	for (size_t k = 0; k < w->nudp; k++) {
		net_alt_build(w, a, n, port, alt_port, net_udp_conn(w->udp[k]), &t);
		net_udp_set_alt(w->udp[k], &t);
	}
	/* A TCP listener answers on its connections only: OTHER-ADDRESS where its UDP twin
	 * has one (the same address and port also listen on TCP), and nothing to redirect. */
	for (size_t k = 0; k < w->ntcpl; k++) {
		const struct addr *local = net_tcp_listener_local(w->tcpl[k]);
		struct turn_conn *u = net_alt_find(w, local, addr_port(local));

		if (u && u->alt && u->alt->has_other)
			net_tcp_listener_set_other(w->tcpl[k], &u->alt->other);
	}
}
