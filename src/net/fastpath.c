/* The XDP fast path through the libbpf loader of src/xdp (built with --enable-xdp). */
#include "net/fastpath.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "xdp/xdp_load.h"

struct net_fastpath {
	struct xdp_fast *x;	   /* owned */
	atomic_uint_least32_t gen; /* the last generation handed out */
	uint64_t seq;		   /* Data indications' transaction ids: first sequence */
	uint8_t salt[4];	   /* ... and their last 4 bytes */
	atomic_bool held[65536];   /* by port: a relay socket of the fast path has it */
};

static enum xdp_fast_mode net_fastpath_mode(enum net_xdp_mode m)
{
	switch (m) {
	case NET_XDP_NATIVE:
		return XDP_FAST_NATIVE;
	case NET_XDP_GENERIC:
		return XDP_FAST_GENERIC;
	case NET_XDP_AUTO:
		break;
	}
	return XDP_FAST_AUTO;
}

static const char *const net_fastpath_mode_names[] = {"auto", "native", "generic"};

/* Attaches x to every interface of o; on a failure says which. 0 or -errno. */
static int net_fastpath_attach(struct xdp_fast *x, const struct net_opts *o)
{
	const char *mode = net_fastpath_mode_names[o->xdp_mode];

	for (size_t i = 0; i < o->nxdp_if; i++) {
		bool native = false;
		int err = xdp_fast_attach(x, o->xdp_if[i], net_fastpath_mode(o->xdp_mode), &native);

		if (err) {
			log_warn("net",
				 "xdp attach failed ifname=%s mode=%s err=%s: user space only",
				 o->xdp_if[i], mode,
				 err == -EMEDIUMTYPE ? "generic XDP after UDP GRO (rx-gro-list or "
						       "rx-udp-gro-forwarding on) would see "
						       "merged datagrams"
						     : strerror(-err));
			return err;
		}
		log_info("net", "xdp attached ifname=%s mode=%s", o->xdp_if[i],
			 native ? "native" : "generic");
	}
	return 0;
}

int net_fastpath_new(const struct net_opts *o, struct net_fastpath **out)
{
	struct xdp_fast *x = NULL;
	struct net_fastpath *f;
	int err;

	*out = NULL;
	if (!o->nxdp_if)
		return 0;
	err = xdp_fast_open(o->min_port, o->max_port, &x);
	if (err) {
		log_warn("net", "xdp load failed err=%s%s: user space only", strerror(-err),
			 err == -EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN)" : "");
		return 0;
	}
	if (net_fastpath_attach(x, o) < 0) {
		xdp_fast_free(x);
		return 0;
	}
	f = xcalloc(1, sizeof(*f));
	f->x = x;
	if (getrandom(&f->seq, sizeof(f->seq), 0) != sizeof(f->seq) ||
	    getrandom(f->salt, sizeof(f->salt), 0) != sizeof(f->salt))
		f->seq = 1;
	*out = f;
	return 0;
}

void net_fastpath_free(struct net_fastpath *f)
{
	if (!f)
		return;
	xdp_fast_free(f->x);
	free(f);
	log_info("net", "xdp detached");
}

uint32_t net_fastpath_port_use(struct net_fastpath *f, uint16_t port)
{
	uint32_t gen;

	if (!f)
		return 0;
	gen = (uint32_t)atomic_fetch_add(&f->gen, 1) + 1;
	if (gen == 0)
		gen = (uint32_t)atomic_fetch_add(&f->gen, 1) + 1;
	xdp_fast_gen_set(f->x, port, gen);
	return gen;
}

static void net_fastpath_alloc_of(const struct net_fastpath_alloc *a, struct xdp_fast_alloc *x)
{
	*x = (struct xdp_fast_alloc){
		.client = a->client, .listen = a->listen, .relay = a->relay, .gen = a->gen};
}

int net_fastpath_perm(struct net_fastpath *f, const struct net_fastpath_alloc *a,
		      const struct addr *peer, bool on)
{
	struct xdp_fast_alloc x;

	if (!f)
		return -EOPNOTSUPP;
	net_fastpath_alloc_of(a, &x);
	return on ? xdp_fast_perm_put(f->x, &x, peer, f->seq, f->salt)
		  : xdp_fast_perm_del(f->x, &x, peer);
}

int net_fastpath_chan(struct net_fastpath *f, const struct net_fastpath_alloc *a, uint16_t number,
		      const struct addr *peer, bool on)
{
	struct xdp_fast_alloc x;

	if (!f)
		return -EOPNOTSUPP;
	net_fastpath_alloc_of(a, &x);
	return on ? xdp_fast_chan_put(f->x, &x, number, peer)
		  : xdp_fast_chan_del(f->x, &x, number, peer);
}

int net_fastpath_acct(struct net_fastpath *f, const struct addr *relay, struct turn_fast_count *out)
{
	struct tern_xdp_acct a;
	int rc;

	if (!f)
		return -EOPNOTSUPP;
	rc = xdp_fast_acct_read(f->x, relay, &a);
	if (rc < 0)
		return rc;
	*out = (struct turn_fast_count){.pkts_to_peer = a.pkts_to_peer,
					.bytes_to_peer = a.bytes_to_peer,
					.pkts_to_client = a.pkts_to_client,
					.bytes_to_client = a.bytes_to_client};
	return 0;
}

int net_fastpath_throttle(struct net_fastpath *f, const struct addr *relay, bool on)
{
	return f ? xdp_fast_throttle(f->x, relay, on) : -EOPNOTSUPP;
}

uint32_t net_fastpath_relay_start(struct net_fastpath *f, const struct addr *relay,
				  struct turn_fast_count *seen)
{
	uint32_t gen;

	memset(seen, 0, sizeof(*seen));
	if (!f || atomic_exchange(&f->held[addr_port(relay)], true))
		return 0;
	gen = net_fastpath_port_use(f, addr_port(relay));
	/* After the new generation: no entry of the port's last user counts any more. */
	(void)net_fastpath_throttle(f, relay, false);
	if (net_fastpath_acct(f, relay, seen) < 0)
		memset(seen, 0, sizeof(*seen));
	return gen;
}

void net_fastpath_relay_end(struct net_fastpath *f, const struct addr *relay)
{
	if (!f)
		return;
	net_fastpath_port_use(f, addr_port(relay));
	atomic_store(&f->held[addr_port(relay)], false);
}

void net_fastpath_take(struct net_fastpath *f, const struct addr *relay,
		       struct turn_fast_count *seen, struct turn_fast_count *d)
{
	struct turn_fast_count now;

	memset(d, 0, sizeof(*d));
	if (net_fastpath_acct(f, relay, &now) < 0)
		return;
	d->pkts_to_peer = now.pkts_to_peer - seen->pkts_to_peer;
	d->bytes_to_peer = now.bytes_to_peer - seen->bytes_to_peer;
	d->pkts_to_client = now.pkts_to_client - seen->pkts_to_client;
	d->bytes_to_client = now.bytes_to_client - seen->bytes_to_client;
	*seen = now;
}

_Static_assert(NET_XDP_REASONS == TERN_XDP_NSTATS - 1, "a name for every pass reason");

int net_fastpath_stats(struct net_fastpath *f, struct net_xdp_stats *out)
{
	uint64_t v[TERN_XDP_NSTATS];
	int rc;

	if (!f)
		return -EOPNOTSUPP;
	rc = xdp_fast_stats(f->x, v);
	if (rc < 0)
		return rc;
	out->forwarded = v[TERN_XDP_FORWARDED];
	memcpy(out->passed, v + 1, sizeof(out->passed));
	return 0;
}
