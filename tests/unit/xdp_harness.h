/* The XDP program under test: loaded from its skeleton inside a network namespace of the
 * test's own (one veth, x0, with fixed MAC addresses, routes and permanent neighbours, and
 * forwarding on, which bpf_fib_lookup requires), run on crafted frames with
 * bpf_prog_test_run_opts as if received on x0, and fed map entries the way the worker that
 * owns an allocation would. Static functions; included by the test_xdp_*.c programs. */
#ifndef TERN_TESTS_XDP_HARNESS_H
#define TERN_TESTS_XDP_HARNESS_H

#include "config.h" /* first: _GNU_SOURCE for unshare(2) */

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "xdp/tern.skel.h"
#include "xdp/xdp_load.h"
#include "xdp/xdp_maps.h"
#include "xdp_frame.h"

#define XH_IF	    "x0"
#define XH_MIN_PORT 50000
#define XH_MAX_PORT 50999

static const uint8_t xh_mac_srv[6] = {0x02, 0, 0, 0, 0, 0x01};	  /* x0 */
static const uint8_t xh_mac_client[6] = {0x02, 0, 0, 0, 0, 0x0c}; /* every client */
static const uint8_t xh_mac_peer[6] = {0x02, 0, 0, 0, 0, 0x0e};	  /* every peer */

/* Clients are in 192.0.2.0/24 and 2001:db8::/64 (x0 has .1 and ::1), peers in 8.8.8.0/24
 * and 2001:4860::/32; neighbours exist for the addresses below only (8.8.4.4 is routed
 * without one; nothing routes 9.9.9.9). */
static const char *const xh_setup[] = {
	"ip link set lo up",
	"ip link add " XH_IF " address 02:00:00:00:00:01 type veth peer name x1",
	"ip link set " XH_IF " up",
	"ip link set x1 up",
	"ip addr add 192.0.2.1/24 dev " XH_IF,
	"ip addr add 203.0.113.1/32 dev " XH_IF,
	"ip route add 8.8.0.0/16 dev " XH_IF,
	"ip -6 addr add 2001:db8::1/64 dev " XH_IF " nodad",
	"ip -6 addr add 2001:db8::100/128 dev " XH_IF " nodad",
	"ip -6 route add 2001:4860::/32 dev " XH_IF,
	"ip neigh add 192.0.2.10 lladdr 02:00:00:00:00:0c nud permanent dev " XH_IF,
	"ip neigh add 8.8.8.8 lladdr 02:00:00:00:00:0e nud permanent dev " XH_IF,
	"ip -6 neigh add 2001:db8::10 lladdr 02:00:00:00:00:0c nud permanent dev " XH_IF,
	"ip -6 neigh add 2001:4860::8888 lladdr 02:00:00:00:00:0e nud permanent dev " XH_IF,
	"echo 1 > /proc/sys/net/ipv4/conf/all/forwarding",
	"echo 1 > /proc/sys/net/ipv6/conf/all/forwarding",
};

struct xh {
	struct tern_bpf *skel;
	int ifindex; /* x0's */
};

/* Enters a new network namespace and sets it up. Returns 0, or -errno with why set. */
static inline int xh_netns(char *why, size_t n)
{
	char cmd[256];
	int err;

	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		snprintf(why, n, "cannot enter a network namespace: %s", strerror(errno));
		return err;
	}
	for (size_t i = 0; i < sizeof(xh_setup) / sizeof(xh_setup[0]); i++) {
		snprintf(cmd, sizeof(cmd), "{ %s; } >/dev/null 2>&1", xh_setup[i]);
		if (system(cmd) != 0) {
			snprintf(why, n, "namespace set-up failed: %s", xh_setup[i]);
			return -EIO;
		}
	}
	return 0;
}

/* xh_netns, then loads the program. Returns 0, or -errno with why set (the test then
 * skips: no root, no BPF). */
static inline int xh_open(struct xh *h, char *why, size_t n)
{
	struct tern_xdp_cfg cfg = {.min_port = XH_MIN_PORT, .max_port = XH_MAX_PORT};
	uint32_t zero = 0;
	int err;

	memset(h, 0, sizeof(*h));
	err = xh_netns(why, n);
	if (err < 0)
		return err;
	h->ifindex = (int)if_nametoindex(XH_IF);
	h->skel = tern_bpf__open_and_load();
	if (h->skel == NULL) {
		err = -errno;
		snprintf(why, n, "cannot load the XDP program: %s", strerror(errno));
		return err;
	}
	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.tern_cfg), &zero, &cfg, BPF_ANY);
}

static inline void xh_close(struct xh *h)
{
	tern_bpf__destroy(h->skel);
	h->skel = NULL;
}

/* Runs the frame in as received on ifindex; out gets the frame after the program (cap
 * bytes). Returns the XDP action (XDP_PASS, XDP_TX, ...) or -errno. */
static inline int xh_run_fd(int prog_fd, int ifindex, const uint8_t *in, size_t len, uint8_t *out,
			    size_t cap, size_t *out_len)
{
	struct xdp_md ctx = {.data_end = (uint32_t)len, .ingress_ifindex = (uint32_t)ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = (uint32_t)cap, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int rc = bpf_prog_test_run_opts(prog_fd, &o);

	if (rc < 0)
		return rc;
	*out_len = o.data_size_out;
	return (int)o.retval;
}

static inline int xh_run(struct xh *h, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			 size_t *out_len)
{
	return xh_run_fd(bpf_program__fd(h->skel->progs.tern_xdp), h->ifindex, in, len, out, cap,
			 out_len);
}

/* A statistic (enum tern_xdp_stat) summed over all CPUs. */
static inline uint64_t xh_stat(struct xh *h, uint32_t stat)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1], sum = 0;

	if (ncpu <= 0 || bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.tern_stats), &stat, v) < 0)
		return UINT64_MAX;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static inline int xh_set_gen(struct xh *h, uint16_t port, uint32_t gen)
{
	uint32_t k = port;

	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.tern_gen), &k, &gen, BPF_ANY);
}

/* The accounting slot (tern_acct) of relay, read with a system call (the loader reads it
 * through its mapping). 0 or -errno. */
static inline int xh_acct(struct xh *h, const struct addr *relay, struct tern_xdp_acct *out)
{
	uint32_t k = TERN_XDP_ACCT_SLOT(addr_family(relay) == AF_INET6, addr_port(relay),
					XH_MIN_PORT, XH_MAX_PORT);

	return bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.tern_acct), &k, out) < 0 ? -errno : 0;
}

static inline int xh_acct_set(struct xh *h, const struct addr *relay, const struct tern_xdp_acct *v)
{
	uint32_t k = TERN_XDP_ACCT_SLOT(addr_family(relay) == AF_INET6, addr_port(relay),
					XH_MIN_PORT, XH_MAX_PORT);

	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.tern_acct), &k, v, BPF_ANY) < 0
		       ? -errno
		       : 0;
}

/* ChannelData from client (reaching listen) on channel -> peer from relay. */
static inline int xh_put_chan(struct xh *h, const struct addr *client, const struct addr *listen,
			      uint16_t channel, const struct tern_xdp_to_peer *v)
{
	struct tern_xdp_chan_key k;

	memset(&k, 0, sizeof(k));
	xdp_fast_ep(&k.client, client);
	xdp_fast_ep(&k.listen, listen);
	k.channel = channel;
	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.tern_chan), &k, v, BPF_ANY);
}

static inline void xh_perm_key(struct tern_xdp_perm_key *k, const struct addr *client,
			       const struct addr *listen, const struct addr *peer)
{
	struct tern_xdp_ep p;

	memset(k, 0, sizeof(*k));
	xdp_fast_ep(&k->client, client);
	xdp_fast_ep(&k->listen, listen);
	xdp_fast_ep(&p, peer);
	memcpy(k->peer, p.addr, 16);
	k->peer_family = p.family;
}

/* Send indications from client (reaching listen) to any port of peer's address. */
static inline int xh_put_perm(struct xh *h, const struct addr *client, const struct addr *listen,
			      const struct addr *peer, const struct tern_xdp_to_peer *v)
{
	struct tern_xdp_perm_key k;

	xh_perm_key(&k, client, listen, peer);
	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.tern_perm), &k, v, BPF_ANY);
}

static inline int xh_get_perm(struct xh *h, const struct addr *client, const struct addr *listen,
			      const struct addr *peer, struct tern_xdp_to_peer *v)
{
	struct tern_xdp_perm_key k;

	xh_perm_key(&k, client, listen, peer);
	return bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.tern_perm), &k, v);
}

/* From peer (port 0: any port of its address) to relay -> the client. */
static inline int xh_put_peer(struct xh *h, const struct addr *relay, const struct addr *peer,
			      const struct tern_xdp_to_client *v)
{
	struct tern_xdp_peer_key k;

	memset(&k, 0, sizeof(k));
	xdp_fast_ep(&k.relay, relay);
	xdp_fast_ep(&k.peer, peer);
	return bpf_map_update_elem(bpf_map__fd(h->skel->maps.tern_peer), &k, v, BPF_ANY);
}

static inline int xh_get_peer(struct xh *h, const struct addr *relay, const struct addr *peer,
			      struct tern_xdp_to_client *v)
{
	struct tern_xdp_peer_key k;

	memset(&k, 0, sizeof(k));
	xdp_fast_ep(&k.relay, relay);
	xdp_fast_ep(&k.peer, peer);
	return bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.tern_peer), &k, v);
}

static inline int xh_get_chan(struct xh *h, const struct addr *client, const struct addr *listen,
			      uint16_t channel, struct tern_xdp_to_peer *v)
{
	struct tern_xdp_chan_key k;

	memset(&k, 0, sizeof(k));
	xdp_fast_ep(&k.client, client);
	xdp_fast_ep(&k.listen, listen);
	k.channel = channel;
	return bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.tern_chan), &k, v);
}

/* A frame from smac to the server's interface: UDP from src to dst carrying payload (len
 * bytes), into f (4096 bytes); returns its length. */
static inline size_t xh_frame(uint8_t *f, const uint8_t *smac, const struct addr *src,
			      const struct addr *dst, const void *payload, size_t len)
{
	struct xf_hdr hd = {.src = *src, .dst = *dst, .ip_id = 1};

	memcpy(hd.dmac, xh_mac_srv, 6);
	memcpy(hd.smac, smac, 6);
	return xf_build(f, 4096, &hd, payload, len);
}

#endif
