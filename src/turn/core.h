/* The inside of struct turn_server, the request context every method's handler gets, and
 * the method table. Internal to turn/; everything here runs on the worker thread that owns
 * the server. */
#ifndef TERN_TURN_CORE_H
#define TERN_TURN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/cred.h"
#include "auth/ltc.h"
#include "base/timer.h"
#include "stun/enc.h"
#include "stun/msg.h"
#include "turn/alloc.h"
#include "turn/ratelimit.h"
#include "turn/refusal.h"
#include "turn/server.h"
#include "turn/stats.h"
#include "turn/tcp_conn.h"

/* Requests parked while their credential lookup or their fleet quota is outstanding. */
#define TURN_PENDING_MAX 256
/* The largest request worth parking (bigger ones get 500 when the lookup is slow). */
#define TURN_PENDING_MSG_MAX 2048
/* Room for any response the server builds. */
#define TURN_RESP_MAX 1024
/* How long a RESERVATION-TOKEN holds its port (RFC 8656 §7.2: at least 30 s). */
#define TURN_RESERVATION_MS 30000
/* Buckets of the per-worker index of mobility-enabled allocations by id (turn/mobility.c). */
#define TURN_MOB_BUCKETS 256
/* Source IPs (and proven transport addresses) the unauthenticated-reply limiter tracks. */
#define TURN_UNAUTH_SLOTS	 4096
#define TURN_UNAUTH_PROVEN_SLOTS 16384

struct turn_ctx;
typedef int (*turn_method_cb)(struct turn_ctx *x);

/* A request waiting for its credential lookup. */
struct turn_pending {
	struct turn_server *s;
	bool used;
	bool in_lookup;		  /* inside cred_lookup: a callback now is synchronous */
	bool done;		  /* the callback ran */
	struct cred_store *store; /* the store asked (s->creds, or s->old_creds after a
				   * reload) */
	struct turn_client client;
	uint8_t *buf; /* owned copy of the request (asynchronous case) */
	size_t len;
	turn_method_cb handler;
	struct auth_ltc_req rq;
	int status;
	struct cred_key key[CRED_KEYS_MAX]; /* alternatives, tried in order */
	size_t nkeys;
	struct cred_limits limits;
	uint8_t ident[TURN_IDENT_LEN];
	/* Parked for the fleet quota (turn_fleet_park) instead, already authenticated: the
	 * key it verified with, whether it has an ident, the units asked. */
	bool fleet;
	bool has_ident;
	uint8_t fkey[AUTH_KEY_MAX];
	size_t fklen;
	uint32_t fleet_n;
};

/* A port held by RESERVATION-TOKEN, released by this worker when the token expires. */
struct turn_resv {
	struct turn_resv *next;
	struct turn_server *s;
	struct timer timer;
	uint8_t token[TURN_TOKEN_LEN];
};

struct turn_server {
	const struct turn_cfg *cfg;
	const struct turn_relay_ops *ops;
	void *ops_ctx;
	struct cred_store *creds;     /* owned; NULL allowed with no_auth */
	struct cred_store *old_creds; /* owned: the store a reload replaced, until no lookup
				       * is pending on it (turn_server_tick frees it) */
	struct turn_shared *shared;   /* cfg->shared or own_shared */
	struct turn_shared *own_shared;
	const char *software; /* cfg->software, NULL when unset or empty */
	size_t software_len;
	struct timer_wheel *wheel;
	struct ratelimit *unauth; /* cfg->unauth or own_unauth; NULL: unlimited */
	struct ratelimit *own_unauth;
	struct turn_alloc_table allocs;
	struct turn_resv *resv;
	struct turn_tcp_table tcp; /* RFC 6062 CONNECTION-IDs */
	uint64_t now_ms;
	uint64_t fast_next_ms; /* the next take of the fast path's counts (turn_fast_tick) */
	uint64_t tid_seq;      /* Data indication transaction ids: seq + salt */
	uint8_t tid_salt[4];
	struct turn_counters c;
	unsigned worker;			/* turn_server_set_worker */
	struct turn_refusal_log refusals;	/* turn/refusal.h */
	uint64_t session_seq;			/* the last session id's sequence */
	struct turn_mob *mob[TURN_MOB_BUCKETS]; /* mobility-enabled allocations by id */
	/* What ended allocations relayed, by realm (turn/stats.c). */
	struct turn_realm_traffic *realms; /* TURN_REALM_SLOTS, made at the first end */
	size_t nrealms;
	struct turn_pending pending[TURN_PENDING_MAX];
	size_t pending_next;		    /* where the search for a free slot starts */
	const struct turn_fleet_ops *fleet; /* turn_server_set_fleet; NULL: one node */
	void *fleet_impl;
	/* Made at the first answer from the fleet: one response per pending slot, so that a
	 * replayed request's response is queued (turn_conn_ops queue: batched with the
	 * iteration's others) from a buffer nothing rewrites before the flush (a slot parked
	 * again in the same iteration is answered in a later one at the earliest). */
	uint8_t (*fleet_out)[TURN_RESP_MAX];
	uint8_t scratch[TURN_RESP_MAX];
};

/* One request (or indication) being handled, whatever its method: built once by
 * turn_server_input, then authenticated when the method needs it. */
struct turn_ctx {
	struct turn_server *s;
	const struct stun_msg *m;
	const struct turn_client *client;
	uint64_t now_ms;
	bool authed;   /* sign the response */
	bool admitted; /* authenticated, or no_auth: its error responses carry SOFTWARE */
	struct auth_ltc_req rq;
	const uint8_t *key;
	size_t klen;
	bool has_ident;
	uint8_t ident[TURN_IDENT_LEN];
	struct cred_limits limits;
	/* A request replayed once the fleet answered its quota (turn_fleet_park): the
	 * answer (0 granted: fleet_n units are the handler's to hand over or give back,
	 * -EDQUOT, -EIO). */
	bool fleet_done;
	int fleet_status;
	uint32_t fleet_n;
	/* The peer a 403 refuses (turn_peer_check), for its log line; valid until the
	 * handler returns. */
	const struct addr *refused_peer;
	uint8_t *out;
	size_t cap;
};

/* Handlers: each writes the response into x->out and returns its length, 0 for none, or
 * -EBADMSG. */
int turn_binding(struct turn_ctx *x);		/* turn/method/binding.c */
int turn_allocate(struct turn_ctx *x);		/* turn/method/allocate.c */
int turn_refresh(struct turn_ctx *x);		/* turn/method/refresh.c */
int turn_create_permission(struct turn_ctx *x); /* turn/method/create_permission.c */
int turn_channel_bind(struct turn_ctx *x);	/* turn/method/channel_bind.c */
int turn_connect(struct turn_ctx *x);		/* turn/method/connect.c (RFC 6062) */
int turn_connection_bind(struct turn_ctx *x);	/* turn/method/connection_bind.c */

/* The Connect response for tc (turn/method/connect.c): success with CONNECTION-ID (code
 * 0) or the error code, built from tc->reply and sent on the allocation's connection. */
void turn_tcp_connect_reply(struct turn_server *s, struct turn_tcp_conn *tc, int code);
/* A classic RFC 3489 Binding Request (no magic cookie; stun/classic.h): like
 * turn_server_input, returns the response length in out, 0 (sent through another of the
 * connection's sockets, or limited) or -EBADMSG (not answered). turn/method/binding_classic.c */
int turn_classic_binding(struct turn_server *s, const struct turn_pkt *p, uint64_t now_ms,
			 uint8_t *out, size_t cap);

/* One row of the method table (turn/method/table.c), per STUN method. */
struct turn_method {
	turn_method_cb request;	   /* NULL: requests answered 400 (RFC 8489 §6.3.1) */
	turn_method_cb indication; /* NULL: indications accepted, nothing sent */
	bool auth;		   /* requests go through turn_auth_run (RFC 8656 §5) */
	bool stun;		   /* served by a STUN-only server (cfg->stun_only) */
};
/* The row of method, or NULL for a method Tern does not know. */
const struct turn_method *turn_method_find(uint16_t method);

/* Authentication (RFC 8489 §9.2.4), then handler with x authenticated
 * (turn/authenticate.c). */
int turn_auth_run(struct turn_ctx *x, turn_method_cb handler);
/* The fleet stage of a handler (turn/authenticate.c): asks s->fleet's quota_acquire for q
 * on behalf of x, an authenticated request. Returns 0 with *status set when the answer
 * came at once (or the fleet could not be asked: -EIO), or 1 when x was parked: handler
 * runs again later with x->fleet_done, fleet_status and fleet_n set, its response sent
 * through the client's connection; nothing to send now. */
int turn_fleet_park(struct turn_ctx *x, const struct turn_fleet_quota *q, turn_method_cb handler,
		    int *status);
/* Gives back one fleet unit of ident (NULL: the total only) in realm (turn/alloc.c). */
void turn_fleet_release(struct turn_server *s, const uint8_t *ident, const char *realm);
/* Cancels every pending lookup (server teardown). */
void turn_auth_cancel_all(struct turn_server *s);
/* Cancels the pending lookups of one client (its connection closed). */
void turn_auth_cancel_client(struct turn_server *s, const struct turn_client *c);
/* The lookups pending on store; turn_auth_cancel_store cancels them (the requests are
 * dropped unanswered: the client retransmits). */
size_t turn_auth_pending_on(const struct turn_server *s, const struct cred_store *store);
void turn_auth_cancel_store(struct turn_server *s, const struct cred_store *store);

/* Responses (turn/respond.c). */
void turn_resp_begin(struct turn_ctx *x, struct stun_enc *e);
/* Finishes a success response: SOFTWARE, integrity when authenticated, FINGERPRINT when
 * the request had one. */
int turn_resp_finish(struct turn_ctx *x, struct stun_enc *e);
/* An error response to x's request: the one builder of every error Tern sends. ERROR-CODE,
 * UNKNOWN-ATTRIBUTES for a 420, SOFTWARE only when x->admitted, integrity when
 * x->authed, FINGERPRINT when the request had one. */
int turn_resp_error(struct turn_ctx *x, int code);
/* 300 Try Alternate with ALTERNATE-SERVER alt (RFC 8489 §10, §14.15) and, when domain is
 * not NULL, ALTERNATE-DOMAIN (§14.16), through the same builder. */
int turn_resp_try_alternate(struct turn_ctx *x, const struct addr *alt, const char *domain);
/* Sessions (turn/session.c): the next session id of s. */
uint64_t turn_session_id(struct turn_server *s);
/* Load shedding (turn/shed.c), the check of a new Allocate: false when s takes it (not
 * draining, under max_allocations), else true with *n the response (300 naming another
 * server, else 508 draining or 486 over max_allocations). */
bool turn_drain_refuse(struct turn_ctx *x, int *n);
/* The fleet's session registry (s->fleet session_up/session_down, when set): allocation a
 * began (was created, or arrived from another worker), ended (or left for another worker). */
void turn_session_fleet_up(struct turn_server *s, const struct turn_alloc *a);
void turn_session_fleet_down(struct turn_server *s, const struct turn_alloc *a);
/* An unauthenticated reply of n bytes (n from a builder; <= 0 passes through) to c: n when
 * the limiter lets it go (connections with a proven address always), else 0 (counted as
 * limited). */
int turn_resp_unauth(struct turn_server *s, const struct turn_client *c, int n, uint64_t now_ms);
/* An unsigned error response to x's request, which did not authenticate, through
 * turn_resp_unauth. */
int turn_resp_unauth_error(struct turn_ctx *x, int code);
/* 401 or 438 with REALM and a fresh NONCE, through turn_resp_unauth. */
int turn_resp_challenge(struct turn_ctx *x, int code);
/* The allocation of x's 5-tuple, checked against x's credentials: NULL with *code 437 or
 * 441 (RFC 8656 §5). */
struct turn_alloc *turn_ctx_alloc(struct turn_ctx *x, int *code);
/* A peer for allocation a: of a relayed family (else 443), allowed (else 403) by, first
 * match wins, the server's own addresses (only a live relay port in the relay address's
 * exact spelling: *relay_only set), the realm's allowed-peer-ip then denied-peer-ip (the
 * credential store's peer_verdict), then the server's peer policy. Returns 0 or the code
 * (turn/peer_access.c; CreatePermission and ChannelBind run it). */
int turn_peer_check(struct turn_ctx *x, const struct turn_alloc *a, const struct addr *peer,
		    bool *relay_only);
/* Whether peer may be reached, by the checks of turn_peer_check after the family's
 * (relay-to-relay, then the policy); a refusal is counted in peer_denied. *relay_only as
 * turn_peer_check sets it. */
bool turn_peer_allowed(struct turn_server *s, const struct addr *peer, bool *relay_only);
/* The kernel fast path's counts (turn/fast_acct.c): at most every TURN_FAST_TAKE_MS, every
 * allocation's take (turn_fast_take), and the max-bps throttle set or released. */
void turn_fast_tick(struct turn_server *s, uint64_t now_ms);
/* Whether data between a and peer (ip: peer's IP) may pass at now_ms, either way (RFC 8656
 * §9): a permission for ip and, for one with relay_only set, peer still a live relay port.
 * A refusal is counted (dropped_no_perm or dropped_not_relay). Per datagram: no malloc. */
bool turn_perm_admits(struct turn_server *s, struct turn_alloc *a, const struct turn_ip *ip,
		      const struct addr *peer, uint64_t now_ms);
/* The desired lifetime in seconds of RFC 8656 §7.2/§8.2 for a LIFETIME of req (or none). */
uint32_t turn_lifetime(const struct turn_cfg *cfg, bool has, uint32_t req);
/* When a permission (RFC 8656 §9) or a channel binding (§12) installed or refreshed at
 * now_ms expires, under cfg's lifetimes (0: the TURN_*_LIFETIME_S defaults). */
uint64_t turn_perm_expiry(const struct turn_cfg *cfg, uint64_t now_ms);
uint64_t turn_chan_expiry(const struct turn_cfg *cfg, uint64_t now_ms);

/* An allocation ends, or leaves s for another worker (RFC 8016 move): what it relayed goes
 * to its realm's totals in s (turn/stats.c; nothing when out of memory).
 * turn_realm_carry: it arrives in s (a move adopted or aborted): what it relayed so far,
 * already in some worker's totals, is taken off s's (modulo 2^64: only the sum over the
 * workers is read), so that the sum counts it once and never goes down meanwhile. */
void turn_realm_account(struct turn_server *s, const struct turn_alloc *a);
void turn_realm_carry(struct turn_server *s, const struct turn_alloc *a);

/* A fresh transaction id for a Data indication (turn/data.c). */
void turn_ind_tid(struct turn_server *s, uint8_t tid[STUN_TID_LEN]);

/* Mobility (RFC 8016; turn/mobility.c). turn_mob_allocate_check: §3.1 for an Allocate:
 * 0 with *mobile set when it carries an empty MOBILITY-TICKET and mobility is on, else 0,
 * or the error code (405 mobility off or a TCP relay, 400 a non-empty ticket).
 * turn_mob_enable: a gets an id and its ticket state (0 or -ENOMEM; freed by
 * turn_alloc_free through turn_mob_fini). turn_mob_put_ticket: a's current ticket into a
 * success response (nothing for an allocation without mobility). turn_mob_refresh: a
 * Refresh carrying MOBILITY-TICKET (§3.2), whatever its 5-tuple. */
int turn_mob_allocate_check(struct turn_ctx *x, bool *mobile);
int turn_mob_enable(struct turn_server *s, struct turn_alloc *a);
void turn_mob_put_ticket(struct turn_ctx *x, struct stun_enc *e, const struct turn_alloc *a);
int turn_mob_refresh(struct turn_ctx *x);
void turn_mob_fini(struct turn_server *s, struct turn_alloc *a);
/* a's client connection is about to be freed (turn_server_client_gone). A mobility-enabled
 * allocation (its TCP, TLS or DTLS connection ended: the client may be roaming) is kept
 * for its move (RFC 8016 §3.2) or its expiry: its relays stop receiving and its 5-tuple
 * names no live connection. Returns true when parked, false when a must
 * be freed as usual. */
bool turn_mob_park(struct turn_server *s, struct turn_alloc *a);

/* Send indications and ChannelData from the client (turn/send.c). */
int turn_send_indication(struct turn_ctx *x);
int turn_client_chdata(struct turn_server *s, const struct turn_pkt *p, uint64_t now_ms);

/* Reservations (turn/reserve.c). turn_resv_add hands the reserved port and one quota unit
 * acquired for ident (NULL: the total only) to a new token; 0, or -ENOMEM leaving both the
 * caller's. */
int turn_resv_add(struct turn_server *s, const uint8_t token[TURN_TOKEN_LEN], void *handle,
		  int family, const uint8_t *ident, uint64_t now_ms);
void turn_resv_free_all(struct turn_server *s);

#endif
