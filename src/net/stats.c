/* Metrics snapshots of the workers (net/stats.h). */
#include "net/stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/fastpath.h"
#include "net/tcp.h"
#include "net/worker.h"

_Static_assert(sizeof(struct net_stats) % sizeof(uint64_t) == 0, "net_stats: uint64_t only");

struct net_stats_run {
	struct net_stats *slot; /* one per worker, indexed by worker id */
	unsigned n;
};

static void net_stats_tcp(const struct net_worker *w, struct net_stats *st)
{
	for (const struct net_tcp_conn *c = w->conns; c; c = c->next) {
		if (c->bev == NULL || c->handshaking)
			st->tcp[NET_TCP_HANDSHAKE]++;
		else if (c->nrelays > 0)
			st->tcp[NET_TCP_ALLOCATED]++;
		else
			st->tcp[NET_TCP_OPEN]++;
	}
}

/* On w's thread: w's own slot only. */
static void net_stats_one(struct net_worker *w, void *arg)
{
	struct net_stats_run *r = arg;
	struct net_stats *st;

	if (w->id >= r->n)
		return;
	st = &r->slot[w->id];
	memset(st, 0, sizeof(*st));
	st->workers = 1;
	if (w->turn == NULL)
		return;
	turn_server_stats(w->turn, &st->turn);
	net_stats_tcp(w, st);
	st->tcp[NET_TCP_PEER] = st->turn.c.tcp_conns;
	st->dtls_sessions = w->dtls_sessions;
}

int net_stats_collect(struct net_server *s, struct net_stats *out)
{
	struct net_stats_run r = {.n = net_server_nworkers(s)};
	int rc;

	memset(out, 0, sizeof(*out));
	r.slot = calloc(r.n ? r.n : 1, sizeof(*r.slot));
	if (r.slot == NULL)
		return -ENOMEM;
	rc = net_server_each(s, net_stats_one, &r);
	for (unsigned i = 0; i < r.n; i++)
		net_stats_add(out, &r.slot[i]);
	free(r.slot);
	return rc;
}

struct net_stats_realm_run {
	struct turn_realm_traffic *slot; /* TURN_REALM_SLOTS per worker */
	size_t *n;			 /* per worker */
	unsigned nw;
};

static void net_stats_realm_one(struct net_worker *w, void *arg)
{
	struct net_stats_realm_run *r = arg;

	if (w->id < r->nw && w->turn)
		turn_server_realm_traffic(w->turn, &r->slot[(size_t)w->id * TURN_REALM_SLOTS],
					  TURN_REALM_SLOTS, &r->n[w->id]);
}

int net_stats_realms(struct net_server *s, struct turn_realm_traffic *t, size_t cap, size_t *n)
{
	struct net_stats_realm_run r = {.nw = net_server_nworkers(s)};
	int rc = -ENOMEM;

	*n = 0;
	r.slot = calloc((size_t)(r.nw ? r.nw : 1) * TURN_REALM_SLOTS, sizeof(*r.slot));
	r.n = calloc(r.nw ? r.nw : 1, sizeof(*r.n));
	if (r.slot && r.n) {
		rc = net_server_each(s, net_stats_realm_one, &r);
		for (unsigned w = 0; w < r.nw; w++)
			for (size_t i = 0; i < r.n[w]; i++)
				turn_realm_traffic_add(t, cap, n,
						       &r.slot[(size_t)w * TURN_REALM_SLOTS + i]);
	}
	free(r.slot);
	free(r.n);
	return rc;
}

void net_stats_add(struct net_stats *sum, const struct net_stats *one)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *v = (const uint64_t *)one;

	for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
		d[i] += v[i];
}

int net_stats_xdp(struct net_server *s, struct net_xdp_stats *out)
{
	return net_fastpath_stats(net_server_fastpath(s), out) < 0 ? -ENODEV : 0;
}

const char *net_xdp_reason_name(unsigned r)
{
	/* In the order of enum tern_xdp_stat (xdp/xdp_maps.h), after TERN_XDP_FORWARDED. */
	static const char *const n[NET_XDP_REASONS] = {
		"malformed", "vlan",	"not_ip",    "fragment", "ip_options", "ipv6_ext",
		"not_udp",   "bad_len", "no_csum",   "not_turn", "send_shape", "dont_fragment",
		"miss",	     "stale",	"throttled", "mtu",	 "no_route",   "fingerprint"};

	return r < NET_XDP_REASONS ? n[r] : "other";
}

const char *net_tcp_state_name(unsigned st)
{
	static const char *const n[NET_TCP_N] = {"handshake", "open", "allocated", "peer"};

	return st < NET_TCP_N ? n[st] : "other";
}
