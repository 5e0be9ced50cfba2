/* The layouts shared by the XDP program (tern.bpf.c) and user space: map keys, map values,
 * the configuration and the pass-reason counters. Compiled both by clang -target bpf and by
 * the host compiler, so only fixed-width types, no pointers, explicit padding.
 *
 * Byte order: addresses and ports as on the wire (network order); every other field in host
 * order. An endpoint's address holds an IPv4 address in its first 4 bytes (the rest zero).
 *
 * Maps (names as in the object file):
 *   tern_chan  hash  chan_key -> to_peer     ChannelData from a client (RFC 8656 §12.6)
 *   tern_perm  hash  perm_key -> to_peer     Send indications from a client (§11.2); the
 *                                            value's peer port is unused
 *   tern_peer  hash  peer_key -> to_client   datagrams from a peer (§11.3, §12.7); an entry
 *                                            with peer port 0 matches any port of that IP
 *                                            (a permission: Data indication)
 *   tern_gen   array [relay port] -> u32     the relay port's generation; an entry whose gen
 *                                            differs is stale and never used
 *   tern_cfg   array [0] -> cfg
 *   tern_stats per-CPU array [stat] -> u64    packets forwarded, and why others went to the
 *                                            stack (enum tern_xdp_stat)
 *   tern_acct  array, mmappable [slot] -> acct  per relay socket: what was forwarded, and
 *                                            the throttle flag (TERN_XDP_F_THROTTLED)
 *                                            user space sets (TERN_XDP_ACCT_SLOT)
 * Entries' pkts/bytes count forwarded packets and their application data bytes (atomic). */
#ifndef TERN_XDP_MAPS_H
#define TERN_XDP_MAPS_H

#include <linux/types.h>

#define TERN_XDP_MAX_ENTRIES 65536
#define TERN_XDP_MAX_DATA    2048 /* application data longer than this: pass (MTU) */

enum tern_xdp_family { TERN_XDP_V4 = 4, TERN_XDP_V6 = 6 };

struct tern_xdp_ep {
	__u8 addr[16];
	__be16 port;
	__u8 family; /* TERN_XDP_V4 or TERN_XDP_V6 */
	__u8 pad;
};

struct tern_xdp_chan_key {
	struct tern_xdp_ep client, listen;
	__u16 channel;
	__u16 pad;
};

struct tern_xdp_perm_key {
	struct tern_xdp_ep client, listen;
	__u8 peer[16];
	__u8 peer_family;
	__u8 pad[3];
};

struct tern_xdp_peer_key {
	struct tern_xdp_ep relay, peer;
};

/* Entry flags. */
#define TERN_XDP_F_THROTTLED 0x1 /* max-bps: the allocation's traffic goes to user space */

struct tern_xdp_to_peer {
	struct tern_xdp_ep relay, peer;
	__u32 gen; /* == tern_gen[relay port], else stale */
	__u16 mtu; /* largest IP packet sent (0: no limit but the route's) */
	__u16 flags;
	__u64 pkts, bytes;
};

struct tern_xdp_to_client {
	struct tern_xdp_ep listen, client;
	__u32 gen; /* == tern_gen[relay port of the key], else stale */
	__u16 mtu; /* as in to_peer */
	__u16 flags;
	__u16 channel; /* 0: no channel, a Data indication */
	__u8 tid_salt[4];
	__u16 pad;
	__u64 tid_seq; /* a Data indication's transaction id: tid_seq (8 bytes, host order,
			  then incremented) followed by tid_salt, as turn_ind_tid() */
	__u64 pkts, bytes;
};

/* One relay socket's slot in tern_acct: what the program forwarded through it (atomic adds;
 * bytes are application data bytes, as user space counts them) and its flags. A slot
 * outlives the socket: user space keeps the values it has already seen (a baseline). */
struct tern_xdp_acct {
	__u64 pkts_to_peer, bytes_to_peer;
	__u64 pkts_to_client, bytes_to_client;
	__u32 flags; /* TERN_XDP_F_THROTTLED: every datagram of this relay goes to the stack */
	__u32 pad;
};

/* The slot of relay port port (host order, in min_port..max_port) of family: IPv4 relays
 * first, then IPv6; 2 * (max_port - min_port + 1) slots in all. */
#define TERN_XDP_ACCT_SLOT(v6, port, min_port, max_port)                                           \
	((__u32)((v6) ? (max_port) - (min_port) + 1 : 0) + (__u32)((port) - (min_port)))
#define TERN_XDP_ACCT_SLOTS(min_port, max_port) (2 * ((__u32)(max_port) - (min_port) + 1))

struct tern_xdp_cfg {
	__u16 min_port, max_port; /* relay ports; a datagram to one is from a peer */
};

enum tern_xdp_stat {
	TERN_XDP_FORWARDED,	 /* not a pass reason: packets the program relayed */
	TERN_XDP_PASS_MALFORMED, /* too short for its headers */
	TERN_XDP_PASS_VLAN,
	TERN_XDP_PASS_NOT_IP,
	TERN_XDP_PASS_FRAGMENT,
	TERN_XDP_PASS_IP_OPTIONS,
	TERN_XDP_PASS_IPV6_EXT,
	TERN_XDP_PASS_NOT_UDP,
	TERN_XDP_PASS_BAD_LEN,	  /* lengths disagree, bad IPv4 header checksum */
	TERN_XDP_PASS_NO_CSUM,	  /* IPv4 UDP without a checksum, or a checksum offloaded by a
				   * sender on this host (only the pseudo header's sum) */
	TERN_XDP_PASS_NOT_TURN,	  /* to a listening port but neither ChannelData nor Send */
	TERN_XDP_PASS_SEND_SHAPE, /* a Send indication other than XOR-PEER-ADDRESS, DATA[,
				     FINGERPRINT] */
	TERN_XDP_PASS_DONT_FRAGMENT,
	TERN_XDP_PASS_MISS,
	TERN_XDP_PASS_STALE,
	TERN_XDP_PASS_THROTTLED,
	TERN_XDP_PASS_MTU,
	TERN_XDP_PASS_NO_ROUTE,	   /* no route or neighbour (bpf_fib_lookup) */
	TERN_XDP_PASS_FINGERPRINT, /* a Send indication whose FINGERPRINT does not match */
	TERN_XDP_NSTATS
};

#endif
