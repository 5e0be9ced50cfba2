/* The XDP fast path from user space (libbpf): loads the program (src/xdp/tern.bpf.c, from its
 * skeleton), attaches it to interfaces, installs and removes forwarding entries, reads its
 * statistics, and detaches it and frees its maps at the end. Never logs; errors are -errno
 * for the caller to report. One struct xdp_fast per process; the entry functions are
 * thread-safe (each is one map operation per direction), the others belong to one thread.
 * Built only with configure --enable-xdp; called only by net/. */
#ifndef TERN_XDP_LOAD_H
#define TERN_XDP_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "xdp/xdp_maps.h"

struct xdp_fast;

enum xdp_fast_mode {
	XDP_FAST_AUTO,	  /* native if the driver has it, else generic */
	XDP_FAST_NATIVE,  /* the driver's XDP (fails where the driver has none) */
	XDP_FAST_GENERIC, /* the stack's XDP (any interface, slower) */
};

/* One allocation as its entries see it: the client's source and the address it reached,
 * the relayed address (of the peer's family), its relay port's generation, the largest IP
 * packet to send (0: the route's MTU only) and whether max-bps holds it in user space. */
struct xdp_fast_alloc {
	struct addr client, listen, relay;
	uint32_t gen;
	uint16_t mtu;
	bool throttled;
};

/* Loads the program with relay ports min_port..max_port (tern_acct sized and mapped for
 * them). Returns 0 and *out (owned by the caller: xdp_fast_free), or -errno (-EPERM without
 * CAP_BPF/CAP_SYS_ADMIN, -EINVAL for an empty range). */
int xdp_fast_open(uint16_t min_port, uint16_t max_port, struct xdp_fast **out);
/* Attaches to ifname (an interface without an XDP program) in mode; *native (may be NULL)
 * tells whether the driver's XDP was used. Returns 0, -ENODEV, -EBUSY (another program is
 * attached), -EOPNOTSUPP, -EMEDIUMTYPE (generic mode where UDP GRO merges datagrams before
 * XDP: xdp_fast_if_udp_gro; nothing stays attached) or another -errno. */
int xdp_fast_attach(struct xdp_fast *x, const char *ifname, enum xdp_fast_mode mode, bool *native);
/* 1 when ifname's GRO merges UDP datagrams (rx-gro-list or rx-udp-gro-forwarding on), so
 * that generic XDP would see several as one; 0 when not; -errno when it cannot tell. */
int xdp_fast_if_udp_gro(const char *ifname);
/* Detaches from every interface it was attached to (where it still is) and frees the maps. */
void xdp_fast_free(struct xdp_fast *x);
/* a as the maps spell an endpoint (address, port in network order, family). */
void xdp_fast_ep(struct tern_xdp_ep *e, const struct addr *a);

/* A bound channel (RFC 8656 §12): ChannelData on channel -> peer, and peer's datagrams ->
 * ChannelData. Installed before the ChannelBind success response leaves. */
int xdp_fast_chan_put(struct xdp_fast *x, const struct xdp_fast_alloc *a, uint16_t channel,
		      const struct addr *peer);
int xdp_fast_chan_del(struct xdp_fast *x, const struct xdp_fast_alloc *a, uint16_t channel,
		      const struct addr *peer);
/* A permission (§9): Send indications to peer's IP address -> datagrams, and datagrams from
 * it (any port without a channel) -> Data indications whose transaction ids are seq (then
 * counting up, 8 bytes in host order) followed by salt, as turn/data.c's. */
int xdp_fast_perm_put(struct xdp_fast *x, const struct xdp_fast_alloc *a, const struct addr *peer,
		      uint64_t seq, const uint8_t salt[4]);
int xdp_fast_perm_del(struct xdp_fast *x, const struct xdp_fast_alloc *a, const struct addr *peer);
/* Sets the generation of a relay port: entries of another generation are never used. Bump
 * it before the port is released, so that a reused port cannot inherit a stale entry. */
int xdp_fast_gen_set(struct xdp_fast *x, uint16_t port, uint32_t gen);
/* The accounting slot of relay socket relay (tern_acct, xdp/xdp_maps.h), read through the
 * shared mapping (no system call): what the program forwarded through it since the slot
 * was made (a slot outlives its socket: the caller keeps a baseline) and its flags. Any
 * thread. 0, or -ERANGE (relay's port outside the relay range). */
int xdp_fast_acct_read(struct xdp_fast *x, const struct addr *relay, struct tern_xdp_acct *out);
/* Sets (on) or clears relay's TERN_XDP_F_THROTTLED flag: while set, every datagram the
 * program would forward through relay goes to the stack (PASS_THROTTLED). Any thread.
 * 0 or -ERANGE. */
int xdp_fast_throttle(struct xdp_fast *x, const struct addr *relay, bool on);
/* The statistics (enum tern_xdp_stat) summed over the CPUs. */
int xdp_fast_stats(struct xdp_fast *x, uint64_t out[TERN_XDP_NSTATS]);
/* The program's file descriptor (for bpf_prog_test_run_opts in tests). */
int xdp_fast_prog_fd(const struct xdp_fast *x);

#endif
