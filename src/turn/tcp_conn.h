/* RFC 6062 state of a TCP allocation: its peer data connections, each named by a
 * CONNECTION-ID, their states and the 30 s timer of each, and the per-worker table of
 * CONNECTION-IDs. Internal to turn/; one worker thread only. The sockets are net's (struct
 * turn_relay_ops tcp_*); here only the bookkeeping, freed with the allocation
 * (turn_alloc_free -> turn_tcp_fini). */
#ifndef TERN_TURN_TCP_CONN_H
#define TERN_TURN_TCP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/key.h"
#include "base/addr.h"
#include "base/timer.h"
#include "stun/stun.h"

struct turn_alloc;
struct turn_server;

#define TURN_TCP_BUCKETS     256
#define TURN_TCP_MAX_CONNS   128
#define TURN_TCP_MAX_PENDING 32
#define TURN_TCP_BIND_MS     30000

enum turn_tcp_state {
	TURN_TCP_CONNECTING, /* Connect: net/ is connecting to the peer */
	TURN_TCP_PENDING,    /* connected or accepted: waiting for its ConnectionBind */
	TURN_TCP_BOUND,	     /* spliced with a client data connection */
};

/* What the asynchronous Connect response needs of its request (RFC 8489 §9.2.4: signed
 * with the request's key). */
struct turn_tcp_reply {
	uint8_t tid[STUN_TID_LEN];
	bool authed, admitted, fingerprint, sha256;
	uint8_t klen;
	uint8_t key[AUTH_KEY_MAX];
};

struct turn_tcp_conn {
	struct turn_tcp_conn *next;  /* in the allocation's list */
	struct turn_tcp_conn *hnext; /* in the server's CONNECTION-ID table */
	struct turn_alloc *a;
	void *net; /* net's peer conn */
	uint32_t id;
	uint8_t state; /* enum turn_tcp_state */
	struct addr peer;
	struct timer timer; /* CONNECTING and PENDING: the 30 s of §5.2/§5.3 */
	struct turn_tcp_reply reply;
};

/* Hung on struct turn_alloc (tcp) for a TCP allocation only. */
struct turn_tcp {
	struct turn_tcp_conn *conns;
	uint16_t nconns, npending;
};

/* The per-worker table of CONNECTION-IDs (in struct turn_server). */
struct turn_tcp_table {
	struct turn_tcp_conn *bucket[TURN_TCP_BUCKETS];
	unsigned worker; /* the top 8 bits of every id */
};

/* A new connection of a (a->tcp set) to peer in state, with a fresh CONNECTION-ID, its
 * timer armed at now + the bind time. 0, -ENOSPC (over the limits) or -ENOMEM. */
int turn_tcp_conn_new(struct turn_server *s, struct turn_alloc *a, const struct addr *peer,
		      enum turn_tcp_state state, struct turn_tcp_conn **out);
/* Frees tc (unlinks it everywhere); with close, net's conn is closed through ops. */
void turn_tcp_conn_free(struct turn_server *s, struct turn_tcp_conn *tc, bool close);
/* The connection named id, or NULL. */
struct turn_tcp_conn *turn_tcp_find(struct turn_server *s, uint32_t id);
/* a's connection to peer (address and port) not yet closed, or NULL (§5.2: 446). */
struct turn_tcp_conn *turn_tcp_find_peer(struct turn_alloc *a, const struct addr *peer);
/* Moves tc to state, re-arming or cancelling its timer. */
void turn_tcp_set_state(struct turn_server *s, struct turn_tcp_conn *tc, enum turn_tcp_state st);
/* Frees every connection of a and a->tcp itself (turn_alloc_free). */
void turn_tcp_fini(struct turn_server *s, struct turn_alloc *a);
/* The bind time of cfg in milliseconds. */
uint64_t turn_tcp_bind_ms(const struct turn_server *s);

#endif
