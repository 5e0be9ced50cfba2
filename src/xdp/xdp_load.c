/* The XDP fast path from user space: libbpf and the skeleton bpftool generated from
 * tern.bpf.c (xdp/tern.skel.h, in the build tree). */
#include "xdp/xdp_load.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xdp/tern.skel.h"

#define XDP_FAST_MAX_IFS 32

struct xdp_fast {
	struct tern_bpf *skel;
	struct tern_xdp_acct *acct; /* tern_acct mapped (acct_len bytes), or NULL */
	size_t acct_len;
	uint16_t min_port, max_port;
	int nifs;
	unsigned ifindex[XDP_FAST_MAX_IFS];
	uint32_t mode[XDP_FAST_MAX_IFS]; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
};

/* libbpf writes its warnings to stderr unless told otherwise; the library never logs. */
static int xdp_fast_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* Opens the skeleton, sizes tern_acct for the relay ports, loads it. 0 or -errno. */
static int xdp_fast_load(struct xdp_fast *x)
{
	uint32_t n = TERN_XDP_ACCT_SLOTS(x->min_port, x->max_port);
	int err;

	x->skel = tern_bpf__open();
	if (x->skel == NULL)
		return errno ? -errno : -EINVAL;
	err = bpf_map__set_max_entries(x->skel->maps.tern_acct, n);
	if (err == 0)
		err = tern_bpf__load(x->skel);
	if (err)
		return err < 0 ? err : -EINVAL;
	/* The slots are contiguous, each rounded up to 8 bytes (40: already). */
	x->acct_len = (size_t)n * sizeof(struct tern_xdp_acct);
	x->acct = mmap(NULL, x->acct_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(x->skel->maps.tern_acct), 0);
	if (x->acct == MAP_FAILED) {
		x->acct = NULL;
		return -errno;
	}
	return 0;
}

int xdp_fast_open(uint16_t min_port, uint16_t max_port, struct xdp_fast **out)
{
	struct tern_xdp_cfg cfg = {.min_port = min_port, .max_port = max_port};
	struct xdp_fast *x;
	uint32_t zero = 0;
	int err;

	if (min_port == 0 || max_port < min_port)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	x->min_port = min_port;
	x->max_port = max_port;
	libbpf_set_print(xdp_fast_quiet);
	err = xdp_fast_load(x);
	if (err == 0 &&
	    bpf_map_update_elem(bpf_map__fd(x->skel->maps.tern_cfg), &zero, &cfg, BPF_ANY) < 0)
		err = -errno;
	if (err) {
		xdp_fast_free(x);
		return err;
	}
	*out = x;
	return 0;
}

int xdp_fast_attach(struct xdp_fast *x, const char *ifname, enum xdp_fast_mode mode, bool *native)
{
	static const uint32_t flags[] = {[XDP_FAST_AUTO] = 0,
					 [XDP_FAST_NATIVE] = XDP_FLAGS_DRV_MODE,
					 [XDP_FAST_GENERIC] = XDP_FLAGS_SKB_MODE};
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	unsigned idx = if_nametoindex(ifname);
	int rc;

	if (idx == 0)
		return -ENODEV;
	if (x->nifs == XDP_FAST_MAX_IFS)
		return -ENOSPC;
	rc = bpf_xdp_attach((int)idx, bpf_program__fd(x->skel->progs.tern_xdp),
			    XDP_FLAGS_UPDATE_IF_NOEXIST | flags[mode], NULL);
	if (rc == -EEXIST) /* a program attached in the other mode */
		return -EBUSY;
	if (rc < 0)
		return rc;
	rc = bpf_xdp_query((int)idx, 0, &q);
	/* Generic XDP runs after GRO: where GRO merges UDP, the program would take several
	 * datagrams for one (xdp_ifgro.c). An interface that cannot tell is taken as not
	 * merging: the ethtool features are there on every Linux interface. */
	if (rc == 0 && q.attach_mode == XDP_ATTACHED_SKB && xdp_fast_if_udp_gro(ifname) == 1) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o,
			    .old_prog_fd = bpf_program__fd(x->skel->progs.tern_xdp));
		bpf_xdp_detach((int)idx, XDP_FLAGS_REPLACE | XDP_FLAGS_SKB_MODE, &o);
		return -EMEDIUMTYPE;
	}
	x->ifindex[x->nifs] = idx;
	x->mode[x->nifs++] = rc == 0 && q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE
									  : XDP_FLAGS_DRV_MODE;
	if (native)
		*native = x->mode[x->nifs - 1] == XDP_FLAGS_DRV_MODE;
	return 0;
}

void xdp_fast_free(struct xdp_fast *x)
{
	if (x == NULL)
		return;
	for (int i = 0; i < x->nifs; i++) {
		/* Only where our program is still the one attached (XDP_FLAGS_REPLACE). */
		LIBBPF_OPTS(bpf_xdp_attach_opts, o,
			    .old_prog_fd = bpf_program__fd(x->skel->progs.tern_xdp));
		bpf_xdp_detach((int)x->ifindex[i], XDP_FLAGS_REPLACE | x->mode[i], &o);
	}
	if (x->acct)
		munmap(x->acct, x->acct_len);
	tern_bpf__destroy(x->skel);
	free(x);
}

void xdp_fast_ep(struct tern_xdp_ep *e, const struct addr *a)
{
	size_t n;
	const uint8_t *raw = addr_raw(a, &n);

	memset(e, 0, sizeof(*e));
	memcpy(e->addr, raw, n);
	e->port = htons(addr_port(a));
	e->family = addr_family(a) == AF_INET ? TERN_XDP_V4 : TERN_XDP_V6;
}

static void xdp_fast_to_peer(struct tern_xdp_to_peer *v, const struct xdp_fast_alloc *a,
			     const struct addr *peer)
{
	memset(v, 0, sizeof(*v));
	xdp_fast_ep(&v->relay, &a->relay);
	xdp_fast_ep(&v->peer, peer);
	v->gen = a->gen;
	v->mtu = a->mtu;
	v->flags = a->throttled ? TERN_XDP_F_THROTTLED : 0;
}

static void xdp_fast_to_client(struct tern_xdp_to_client *v, const struct xdp_fast_alloc *a,
			       uint16_t channel)
{
	memset(v, 0, sizeof(*v));
	xdp_fast_ep(&v->listen, &a->listen);
	xdp_fast_ep(&v->client, &a->client);
	v->gen = a->gen;
	v->mtu = a->mtu;
	v->flags = a->throttled ? TERN_XDP_F_THROTTLED : 0;
	v->channel = channel;
}

static void xdp_fast_chan_key(struct tern_xdp_chan_key *k, const struct xdp_fast_alloc *a,
			      uint16_t channel)
{
	memset(k, 0, sizeof(*k));
	xdp_fast_ep(&k->client, &a->client);
	xdp_fast_ep(&k->listen, &a->listen);
	k->channel = channel;
}

static void xdp_fast_perm_key(struct tern_xdp_perm_key *k, const struct xdp_fast_alloc *a,
			      const struct addr *peer)
{
	struct tern_xdp_ep p;

	memset(k, 0, sizeof(*k));
	xdp_fast_ep(&k->client, &a->client);
	xdp_fast_ep(&k->listen, &a->listen);
	xdp_fast_ep(&p, peer);
	memcpy(k->peer, p.addr, sizeof(k->peer));
	k->peer_family = p.family;
}

/* The key of peer's datagrams to a's relay: port 0 for any port (a permission). */
static void xdp_fast_peer_key(struct tern_xdp_peer_key *k, const struct xdp_fast_alloc *a,
			      const struct addr *peer, bool any_port)
{
	memset(k, 0, sizeof(*k));
	xdp_fast_ep(&k->relay, &a->relay);
	xdp_fast_ep(&k->peer, peer);
	if (any_port)
		k->peer.port = 0;
}

static int xdp_fast_put(struct bpf_map *m, const void *k, const void *v)
{
	return bpf_map_update_elem(bpf_map__fd(m), k, v, BPF_ANY) < 0 ? -errno : 0;
}

/* Deletes k; an absent entry is no error. */
static int xdp_fast_del(struct bpf_map *m, const void *k)
{
	return bpf_map_delete_elem(bpf_map__fd(m), k) < 0 && errno != ENOENT ? -errno : 0;
}

int xdp_fast_chan_put(struct xdp_fast *x, const struct xdp_fast_alloc *a, uint16_t channel,
		      const struct addr *peer)
{
	struct tern_xdp_chan_key ck;
	struct tern_xdp_peer_key pk;
	struct tern_xdp_to_peer tp;
	struct tern_xdp_to_client tc;
	int rc;

	xdp_fast_chan_key(&ck, a, channel);
	xdp_fast_to_peer(&tp, a, peer);
	xdp_fast_peer_key(&pk, a, peer, false);
	xdp_fast_to_client(&tc, a, channel);
	rc = xdp_fast_put(x->skel->maps.tern_chan, &ck, &tp);
	if (rc == 0) {
		rc = xdp_fast_put(x->skel->maps.tern_peer, &pk, &tc);
		if (rc < 0)
			xdp_fast_del(x->skel->maps.tern_chan, &ck);
	}
	return rc;
}

int xdp_fast_chan_del(struct xdp_fast *x, const struct xdp_fast_alloc *a, uint16_t channel,
		      const struct addr *peer)
{
	struct tern_xdp_chan_key ck;
	struct tern_xdp_peer_key pk;
	int r1, r2;

	xdp_fast_chan_key(&ck, a, channel);
	xdp_fast_peer_key(&pk, a, peer, false);
	r1 = xdp_fast_del(x->skel->maps.tern_chan, &ck);
	r2 = xdp_fast_del(x->skel->maps.tern_peer, &pk);
	return r1 < 0 ? r1 : r2;
}

int xdp_fast_perm_put(struct xdp_fast *x, const struct xdp_fast_alloc *a, const struct addr *peer,
		      uint64_t seq, const uint8_t salt[4])
{
	struct tern_xdp_perm_key mk;
	struct tern_xdp_peer_key pk;
	struct tern_xdp_to_peer tp;
	struct tern_xdp_to_client tc;
	int rc;

	xdp_fast_perm_key(&mk, a, peer);
	xdp_fast_to_peer(&tp, a, peer);
	tp.peer.port = 0;
	xdp_fast_peer_key(&pk, a, peer, true);
	xdp_fast_to_client(&tc, a, 0);
	tc.tid_seq = seq;
	memcpy(tc.tid_salt, salt, sizeof(tc.tid_salt));
	rc = xdp_fast_put(x->skel->maps.tern_perm, &mk, &tp);
	if (rc == 0) {
		rc = xdp_fast_put(x->skel->maps.tern_peer, &pk, &tc);
		if (rc < 0)
			xdp_fast_del(x->skel->maps.tern_perm, &mk);
	}
	return rc;
}

int xdp_fast_perm_del(struct xdp_fast *x, const struct xdp_fast_alloc *a, const struct addr *peer)
{
	struct tern_xdp_perm_key mk;
	struct tern_xdp_peer_key pk;
	int r1, r2;

	xdp_fast_perm_key(&mk, a, peer);
	xdp_fast_peer_key(&pk, a, peer, true);
	r1 = xdp_fast_del(x->skel->maps.tern_perm, &mk);
	r2 = xdp_fast_del(x->skel->maps.tern_peer, &pk);
	return r1 < 0 ? r1 : r2;
}

int xdp_fast_gen_set(struct xdp_fast *x, uint16_t port, uint32_t gen)
{
	uint32_t k = port;

	return xdp_fast_put(x->skel->maps.tern_gen, &k, &gen);
}

int xdp_fast_stats(struct xdp_fast *x, uint64_t out[TERN_XDP_NSTATS])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (uint32_t s = 0; s < TERN_XDP_NSTATS; s++) {
		out[s] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.tern_stats), &s, v) < 0)
			continue;
		for (int i = 0; i < ncpu; i++)
			out[s] += v[i];
	}
	free(v);
	return 0;
}

/* relay's slot in the mapping, or NULL (a port outside the relay range). */
static struct tern_xdp_acct *xdp_fast_slot(struct xdp_fast *x, const struct addr *relay)
{
	uint16_t port = addr_port(relay);

	if (x->acct == NULL || port < x->min_port || port > x->max_port)
		return NULL;
	return &x->acct[TERN_XDP_ACCT_SLOT(addr_family(relay) == AF_INET6, port, x->min_port,
					   x->max_port)];
}

int xdp_fast_acct_read(struct xdp_fast *x, const struct addr *relay, struct tern_xdp_acct *out)
{
	struct tern_xdp_acct *a = xdp_fast_slot(x, relay);

	if (a == NULL)
		return -ERANGE;
	/* Each counter is read whole (aligned 64-bit loads); the four together are not a
	 * snapshot, which a later read makes up for. */
	out->pkts_to_peer = __atomic_load_n(&a->pkts_to_peer, __ATOMIC_RELAXED);
	out->bytes_to_peer = __atomic_load_n(&a->bytes_to_peer, __ATOMIC_RELAXED);
	out->pkts_to_client = __atomic_load_n(&a->pkts_to_client, __ATOMIC_RELAXED);
	out->bytes_to_client = __atomic_load_n(&a->bytes_to_client, __ATOMIC_RELAXED);
	out->flags = __atomic_load_n(&a->flags, __ATOMIC_RELAXED);
	out->pad = 0;
	return 0;
}

int xdp_fast_throttle(struct xdp_fast *x, const struct addr *relay, bool on)
{
	struct tern_xdp_acct *a = xdp_fast_slot(x, relay);

	if (a == NULL)
		return -ERANGE;
	if (on)
		__atomic_fetch_or(&a->flags, TERN_XDP_F_THROTTLED, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&a->flags, ~(uint32_t)TERN_XDP_F_THROTTLED, __ATOMIC_RELAXED);
	return 0;
}

int xdp_fast_prog_fd(const struct xdp_fast *x)
{
	return bpf_program__fd(x->skel->progs.tern_xdp);
}
