/* Allocations (RFC 8656 §2 "Allocation", §7), their permissions (§9) and channels (§12),
 * and the per-worker table keyed by 5-tuple. Internal to turn/; one worker thread only. */
#ifndef TERN_TURN_ALLOC_H
#define TERN_TURN_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/timer.h"
#include "stun/stun.h"
#include "turn/ratelimit.h"
#include "turn/server.h"

/* Permissions and channels held inline before an allocation grows a heap array. */
#define TURN_INLINE_PERMS 4
#define TURN_INLINE_CHANS 2
/* Who created an allocation: the first 16 bytes of SHA-256(quota name ":" realm), the user
 * quota's key (turn/shared.h), then the first 16 of SHA-256(username ":" realm). The quota
 * name is the username, or for TURN REST credentials its user part (auth/cred.h); the
 * whole 32 bytes must match for a later request (RFC 8656 §5: the same username, else
 * 441). */
#define TURN_IDENT_LEN 32
#define TURN_TOKEN_LEN 8
/* An allocation has one relay, or two for a dual allocation (RFC 8656 §7.2 step 9). */
#define TURN_MAX_RELAYS 2
/* The unit of a dual allocation's per-family expiry offset: INT16_MAX units span the
 * longest max-allocate-lifetime (86400 s); the earlier family may outlive its lifetime by
 * less than a unit, never fall short of it. */
#define TURN_SKEW_UNIT_S 4

/* An IP address in compact form (IPv4 in the first 4 bytes). */
struct turn_ip {
	uint8_t b[16];
	uint8_t family; /* AF_INET or AF_INET6 */
};

struct turn_perm {
	uint64_t expire_ms;
	struct turn_ip ip;
	/* The IP is one of the server's own: only its live relay ports may be reached, so
	 * every datagram to or from it is checked again (turn/relayset.h). */
	bool relay_only;
};

struct turn_mob;

struct turn_chan {
	uint64_t expire_ms;
	struct turn_ip ip;
	uint16_t port;
	uint16_t number;
};

/* What an allocation relayed (UDP relays: application data, without TURN framing; TCP
 * allocations, RFC 6062: the bytes of their data connections, no packets), for its
 * session log line and the admin socket's session list. */
struct turn_alloc_stats {
	uint64_t created_ms; /* the worker's clock when it was created */
	uint64_t pkts_to_peer, pkts_to_client;
	uint64_t bytes_to_peer, bytes_to_client;
};

struct turn_alloc {
	struct turn_client client; /* the 5-tuple and its connection */
	struct turn_server *s;
	struct timer timer; /* at the earliest of the expiries below */
	uint64_t expire_ms;
	void *relay[TURN_MAX_RELAYS];
	struct turn_ip relayed[TURN_MAX_RELAYS];
	uint16_t relayed_port[TURN_MAX_RELAYS];
	uint8_t nrelay;
	bool has_ident; /* false without authentication (no user quota) */
	uint8_t ident[TURN_IDENT_LEN];
	/* The Allocate success, kept to answer a retransmission (RFC 8656 §7.2). */
	uint8_t tid[STUN_TID_LEN];
	uint32_t granted_s;
	uint8_t token[TURN_TOKEN_LEN];
	uint16_t addr_err; /* ADDRESS-ERROR-CODE of a partial dual allocation */
	uint8_t addr_err_family;
	bool has_token;
	bool fleet_unit; /* its quota unit is also counted across the fleet (released with
			  * the local one: turn_alloc_free) */
	/* The kernel fast path (turn/fast_acct.c): its relays are throttled (max-bps: every
	 * datagram goes to user space); its last take is done and its entries are withdrawn
	 * (the allocation is ending: the relays close without another). */
	bool fast_throttled;
	bool fast_final;
	/* A dual allocation's families expire on their own (RFC 8656 §6, §8.1): relay[1]'s
	 * expiry minus relay[0]'s in TURN_SKEW_UNIT_S units (turn_alloc_relay_expiry),
	 * expire_ms being the later. Two bytes in what was padding: the struct does not
	 * grow. */
	int16_t relay_skew;
	/* ICMP indications to the client (turn/icmp.c): the rate limiter's state. */
	uint16_t icmp_tat;
	struct tbucket bw_to_peer, bw_to_client;
	uint64_t bps; /* bytes/s granted out of bps-capacity (turn_shared_bps_acquire), each
		       * direction; 0 = unlimited, nothing reserved. Returned by the free path. */
	struct turn_perm *perms; /* perm_inline or a heap array */
	uint16_t nperms, capperms;
	uint16_t nchans, capchans;
	struct turn_chan *chans; /* chan_inline or a heap array */
	struct turn_mob *mob;	 /* mobility (RFC 8016; turn/mobility.c), or NULL */
	struct turn_tcp *tcp;	 /* RFC 6062: a TCP allocation's connections; NULL for UDP */
	struct turn_alloc_stats st;
	uint64_t id; /* the session id (turn/session.c) */
	/* Who made it, for logs and the admin socket: the USERNAME (or "userhash:" and the
	 * USERHASH's first 8 bytes in hex) and the realm, one heap string "user\0realm";
	 * NULL without authentication or when out of memory (turn_alloc_user). */
	char *names;
	struct turn_perm perm_inline[TURN_INLINE_PERMS];
	struct turn_chan chan_inline[TURN_INLINE_CHANS];
};

/* Open-addressing (linear probing) table of allocations by 5-tuple. */
struct turn_alloc_table {
	struct turn_alloc **slot;
	size_t cap; /* power of two */
	size_t n;
	uint64_t seed;
};

int turn_alloc_table_init(struct turn_alloc_table *t);
void turn_alloc_table_fini(struct turn_alloc_table *t);
/* The allocation of a 5-tuple, or NULL. No malloc. */
struct turn_alloc *turn_alloc_find(const struct turn_alloc_table *t, const struct turn_conn *conn,
				   const struct addr *src, const struct addr *local);
/* Whether x and y are the same 5-tuple: the same connection (one object per listening
 * socket or per stream), source and local address. */
bool turn_client_eq(const struct turn_client *x, const struct turn_client *y);

/* Creates an allocation for client c (copied), in the table, timer initialised but not
 * armed, no relay yet. 0 or -ENOMEM. */
int turn_alloc_new(struct turn_server *s, const struct turn_client *c, struct turn_alloc **out);
/* Records who made a (rq: the authenticated request; NULL or no user: nothing) and the
 * realm, replacing what a held. Control path (one malloc). */
struct auth_ltc_req;
void turn_alloc_set_names(struct turn_alloc *a, const struct auth_ltc_req *rq, const char *realm);
/* a's user and realm, "" when unknown. */
const char *turn_alloc_user(const struct turn_alloc *a);
const char *turn_alloc_realm(const struct turn_alloc *a);
/* Why an allocation ended, for its session log line (turn_alloc_end). */
enum turn_end {
	TURN_END_DELETED,   /* the client's Refresh with lifetime 0 (RFC 8656 §8) */
	TURN_END_EXPIRED,   /* its lifetime ran out (§7) */
	TURN_END_CONN_GONE, /* its stream connection closed (§5) */
	TURN_END_KILLED,    /* the operator ended it (the admin socket's kill) */
	TURN_END_SHUTDOWN,  /* the server stopped */
	TURN_END_FAILED,    /* a mobility move (RFC 8016) that could not complete */
};
const char *turn_end_name(enum turn_end why);
/* Ends a live allocation (one whose created line was logged: every allocation but those of
 * an Allocate that failed, which turn_alloc_free alone frees): its session line "allocation
 * ended" with why (turn/sesslog.h), then turn_alloc_free. */
void turn_alloc_end(struct turn_server *s, struct turn_alloc *a, enum turn_end why);
/* The one free path: cancels the timer, leaves the table, closes every relay via ops,
 * releases the quota and the bandwidth grant, frees permissions and channels, then a. */
void turn_alloc_free(struct turn_server *s, struct turn_alloc *a);
/* Takes a out of s's table / puts it (back) in at a->client (mobility: a changes its
 * 5-tuple or its worker). turn_alloc_link: 0 or -ENOMEM. */
void turn_alloc_unlink(struct turn_server *s, struct turn_alloc *a);
int turn_alloc_link(struct turn_server *s, struct turn_alloc *a);
/* Re-arms a's timer at the earliest of its relays' lifetimes, permissions and channels. */
void turn_alloc_schedule(struct turn_server *s, struct turn_alloc *a);
/* When relay i (0 <= i < a->nrelay) expires: a->expire_ms, or earlier for the family of a
 * dual allocation refreshed on its own (to TURN_SKEW_UNIT_S, never earlier than asked). */
uint64_t turn_alloc_relay_expiry(const struct turn_alloc *a, int i);
/* Sets relay i's expiry, the other family keeping its own (RFC 8656 §8.2 with
 * REQUESTED-ADDRESS-FAMILY), and a->expire_ms to the later of them. The caller
 * reschedules. */
void turn_alloc_set_relay_expiry(struct turn_alloc *a, int i, uint64_t expire_ms);
/* Sets every relay's expiry (a Refresh without REQUESTED-ADDRESS-FAMILY). */
void turn_alloc_set_expiry(struct turn_alloc *a, uint64_t expire_ms);
/* Deletes relay i of an allocation that has another (RFC 8656 §8.2: a Refresh with
 * REQUESTED-ADDRESS-FAMILY and a lifetime of 0, or that family's expiry): closes it
 * through the path turn_alloc_free closes relays with; the allocation, its quota unit,
 * permissions and channels stay. The caller reschedules. */
void turn_alloc_drop_relay(struct turn_server *s, struct turn_alloc *a, int i);
/* The kernel fast path (turn/fast.c; turn_relay_ops fast_perm, fast_chan): tells net/
 * that permission p or channel c of a is installed (on) or gone (!on). Nothing for TCP
 * allocations, relay_only permissions or without the ops. */
void turn_fast_perm(struct turn_server *s, struct turn_alloc *a, const struct turn_perm *p,
		    bool on);
void turn_fast_chan(struct turn_server *s, struct turn_alloc *a, const struct turn_chan *c,
		    bool on);
/* Takes out of the fast path the permissions and channels of a that expired at now_ms
 * (before turn_perm_expire and turn_chan_expire forget them). */
void turn_fast_expire(struct turn_server *s, struct turn_alloc *a, uint64_t now_ms);
/* Takes out of the fast path every permission and channel of a whose peer has the given
 * family (AF_UNSPEC: all): before a relay closes or the allocation moves. */
void turn_fast_clear(struct turn_server *s, struct turn_alloc *a, int family);
/* The kernel fast path's accounting (turn/fast_acct.c; relay ops fast_take,
 * fast_throttle). turn_fast_take: what relay i of a (-1: every relay) relayed in the
 * kernel since the last take, added to a->st and s's counters and charged to a's max-bps
 * buckets; nothing for TCP allocations, parked ones or without the op. turn_fast_final:
 * before a ends (its session line): every entry withdrawn, then the last take; its relays
 * then close without another. turn_fast_release: relay i is closing: a throttled one is
 * released first (its slot passes to the port's next user clean). */
void turn_fast_take(struct turn_server *s, struct turn_alloc *a, int i);
void turn_fast_final(struct turn_server *s, struct turn_alloc *a);
void turn_fast_release(struct turn_server *s, struct turn_alloc *a, int i);
/* Reload (turn/peer_purge.c): ends the permissions and channels of every allocation of s
 * whose peer s's settings now refuse (withdrawn from the fast path first). */
void turn_peer_purge(struct turn_server *s);

/* The index of the relay serving peers of the given family, or -ENOENT. */
int turn_alloc_relay_for(const struct turn_alloc *a, int family);

/* Compact addresses. */
void turn_ip_from_addr(struct turn_ip *ip, const struct addr *a);
void turn_ip_to_addr(const struct turn_ip *ip, uint16_t port, struct addr *out);
bool turn_ip_eq(const struct turn_ip *x, const struct turn_ip *y);

/* Permissions (turn/perm.c). Lookups ignore expired entries. */
struct turn_perm *turn_perm_find(struct turn_alloc *a, const struct turn_ip *ip, uint64_t now_ms);
/* Installs or refreshes a permission (relay_only as turn_peer_check said); -ENOSPC above
 * max, -ENOMEM. */
int turn_perm_add(struct turn_alloc *a, const struct turn_ip *ip, uint64_t expire_ms, uint32_t max,
		  bool relay_only);
/* Removes expired permissions; returns the earliest remaining expiry (UINT64_MAX if none). */
uint64_t turn_perm_expire(struct turn_alloc *a, uint64_t now_ms);
void turn_perm_fini(struct turn_alloc *a);

/* Channels (turn/chan.c). Lookups ignore expired entries. */
struct turn_chan *turn_chan_by_number(struct turn_alloc *a, uint16_t number, uint64_t now_ms);
struct turn_chan *turn_chan_by_peer(struct turn_alloc *a, const struct turn_ip *ip, uint16_t port,
				    uint64_t now_ms);
/* Binds or refreshes; -ENOSPC above max, -ENOMEM. The caller checked the rebinding rules. */
int turn_chan_bind(struct turn_alloc *a, uint16_t number, const struct turn_ip *ip, uint16_t port,
		   uint64_t expire_ms, uint32_t max);
uint64_t turn_chan_expire(struct turn_alloc *a, uint64_t now_ms);
void turn_chan_fini(struct turn_alloc *a);

#endif
