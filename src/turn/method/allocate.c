/* The Allocate method (RFC 8656 §7.2): checks, quota, relayed transport address(es) through
 * ops->open, the allocation, and the success response. */
#include "turn/core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "stun/err.h"
#include "stun/stun.h"
#include "turn/sesslog.h"
#include "turn/shared.h"

/* What the request asks for, once its attributes have been checked. */
struct turn_alloc_plan {
	bool dont_fragment;
	bool tcp; /* RFC 6062: REQUESTED-TRANSPORT TCP */
	bool even_port, reserve_next;
	bool has_token;
	uint8_t token[TURN_TOKEN_LEN];
	void *reserved; /* taken from turn_shared: ours to use or close */
	bool resv_unit; /* a quota unit for port N+1 acquired, not yet handed to its token */
	int family;	/* the first relay */
	bool dual;	/* ADDITIONAL-ADDRESS-FAMILY: also an IPv6 relay */
	uint32_t lifetime_s;
	bool mobile;	      /* RFC 8016 §3.1: an empty MOBILITY-TICKET asks for a ticket */
	uint64_t bps;	      /* granted out of bps-capacity: ours to hand to the allocation */
	uint32_t fleet_units; /* counted across the fleet, not yet the allocation's: given
			       * back when the Allocate ends without one */
};

static int turn_stun_family(uint8_t f)
{
	return f == STUN_FAMILY_IPV6 ? AF_INET6 : AF_INET;
}

static int turn_allocate_check_tcp(struct turn_ctx *x, struct turn_alloc_plan *pl);
static int turn_allocate_check_rest(struct turn_ctx *x, struct turn_alloc_plan *pl);

/* Steps 3 to 9 of §7.2 that look only at the request. Returns 0 or an error code. */
static int turn_allocate_check(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	const struct stun_msg *m = x->m;
	uint8_t proto;

	/* Step 3: REQUESTED-TRANSPORT present and well-formed (400), UDP (442), or TCP
	 * (RFC 6062 §5.1). */
	if (stun_msg_get_transport(m, &proto) < 0)
		return STUN_ERR_BAD_REQUEST;
	if (proto == STUN_TRANSPORT_TCP)
		return turn_allocate_check_tcp(x, pl);
	if (proto != STUN_TRANSPORT_UDP)
		return STUN_ERR_UNSUPPORTED_TRANSPORT;
	/* RFC 6062 §5.1 step 1: UDP forbidden by local policy (no-udp-relay): 403. */
	if (x->s->cfg->no_udp_relay)
		return STUN_ERR_FORBIDDEN;
	return turn_allocate_check_rest(x, pl);
}

/* RFC 6062 §5.1: a TCP allocation. Returns 0 or an error code. */
static int turn_allocate_check_tcp(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	const struct stun_msg *m = x->m;
	const struct turn_server *s = x->s;

	/* Step 1: TCP is a protocol this server relays unless no-tcp-relay says otherwise
	 * (or net/ has no TCP relaying): 442. */
	if (s->cfg->no_tcp_relay || s->ops->tcp_connect == NULL)
		return STUN_ERR_UNSUPPORTED_TRANSPORT;
	/* Step 2: the client connection transport is not TCP or TLS: 400. */
	if (!x->client->conn->ops->stream)
		return STUN_ERR_BAD_REQUEST;
	/* Step 3: DONT-FRAGMENT, EVEN-PORT or RESERVATION-TOKEN: 400 (and, as no relayed
	 * address pair exists for TCP, ADDITIONAL-ADDRESS-FAMILY too). */
	if (stun_msg_find(m, STUN_ATTR_DONT_FRAGMENT) || stun_msg_find(m, STUN_ATTR_EVEN_PORT) ||
	    stun_msg_find(m, STUN_ATTR_RESERVATION_TOKEN) ||
	    stun_msg_find(m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY))
		return STUN_ERR_BAD_REQUEST;
	/* Step 4: a TCP relayed transport address; step 5 (no RESERVATION-TOKEN in the
	 * success) follows from step 3. */
	pl->tcp = true;
	return turn_allocate_check_rest(x, pl);
}

/* Steps 4 to 9 of RFC 8656 §7.2. Returns 0 or an error code. */
static int turn_allocate_check_rest(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	const struct stun_msg *m = x->m;
	bool has_rt = stun_msg_find(m, STUN_ATTR_RESERVATION_TOKEN) != NULL;
	bool has_ep = stun_msg_find(m, STUN_ATTR_EVEN_PORT) != NULL;
	bool has_raf = stun_msg_find(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY) != NULL;
	bool has_aaf = stun_msg_find(m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY) != NULL;
	uint8_t fam;
	struct stun_str tok;

	/* Step 4: DONT-FRAGMENT is supported (net/ sets DF on the relay socket). */
	pl->dont_fragment = stun_msg_has(m, STUN_ATTR_DONT_FRAGMENT);
	/* Step 5: RESERVATION-TOKEN excludes EVEN-PORT and both family attributes. */
	if (has_rt && (has_ep || has_raf || has_aaf))
		return STUN_ERR_BAD_REQUEST;
	if (has_rt) {
		if (stun_msg_get_bytes(m, STUN_ATTR_RESERVATION_TOKEN, &tok) < 0 ||
		    tok.len != TURN_TOKEN_LEN)
			return STUN_ERR_BAD_REQUEST;
		pl->has_token = true;
		memcpy(pl->token, tok.p, TURN_TOKEN_LEN);
	}
	/* Step 6: REQUESTED- and ADDITIONAL-ADDRESS-FAMILY together. */
	if (has_raf && has_aaf)
		return STUN_ERR_BAD_REQUEST;
	/* Step 7: the requested family (IPv4 when absent); unknown ones get 440. */
	pl->family = AF_INET;
	if (has_raf) {
		if (stun_msg_get_family(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam) < 0)
			return STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED;
		pl->family = turn_stun_family(fam);
	}
	/* Step 8: EVEN-PORT; with the R bit it excludes ADDITIONAL-ADDRESS-FAMILY. */
	if (has_ep) {
		if (stun_msg_get_even_port(m, &pl->reserve_next) < 0)
			return STUN_ERR_BAD_REQUEST;
		pl->even_port = true;
		if (pl->reserve_next && has_aaf)
			return STUN_ERR_BAD_REQUEST;
	}
	/* Step 9: ADDITIONAL-ADDRESS-FAMILY must ask for IPv6. */
	if (has_aaf) {
		if (stun_msg_get_family(m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, &fam) < 0 ||
		    fam != STUN_FAMILY_IPV6)
			return STUN_ERR_BAD_REQUEST;
		pl->dual = true;
	}
	return 0;
}

/* Step 5, second half: the token must be valid, its port still held (else 508). */
static int turn_allocate_take_token(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	int family;

	if (!pl->has_token)
		return 0;
	if (turn_shared_token_take(x->s->shared, pl->token, x->now_ms ? x->now_ms : 1,
				   &pl->reserved, &family) < 0)
		return STUN_ERR_INSUFFICIENT_CAPACITY;
	pl->family = family;
	pl->has_token = false; /* not echoed: only a new reservation is */
	return 0;
}

static int turn_open_code(int rc)
{
	switch (rc) {
	case -EAFNOSUPPORT:
		return STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED;
	case -ENOSPC:
		return STUN_ERR_INSUFFICIENT_CAPACITY;
	default:
		return STUN_ERR_SERVER_ERROR;
	}
}

/* Opens one relay of family into a; returns 0 or an error code. */
static int turn_allocate_open(struct turn_ctx *x, struct turn_alloc *a, struct turn_alloc_plan *pl,
			      int family, bool first)
{
	struct turn_server *s = x->s;
	struct turn_relay_req req = {.family = family,
				     .tcp = pl->tcp,
				     .dont_fragment = pl->dont_fragment,
				     .alloc = a,
				     .client = &a->client};
	struct turn_relay_res res = {0};
	int rc;

	if (first) {
		req.even_port = pl->even_port;
		req.reserve_next = pl->reserve_next;
		req.reserved = pl->reserved;
	}
	rc = s->ops->open(s->ops_ctx, &req, &res);
	if (rc < 0) {
		if (req.reserved)
			s->ops->close(s->ops_ctx, req.reserved);
		return turn_open_code(rc);
	}
	a->relay[a->nrelay] = res.relay;
	turn_ip_from_addr(&a->relayed[a->nrelay], &res.relayed);
	a->relayed_port[a->nrelay] = addr_port(&res.relayed);
	a->nrelay++;
	if (!req.reserve_next)
		return 0;
	/* §7.2: port N+1 is held under a token for a later Allocate (else step 8: 508); the
	 * token takes over the quota unit acquired for it. */
	if (res.reserved == NULL || crypto_random(a->token, sizeof(a->token)) < 0 ||
	    turn_resv_add(s, a->token, res.reserved, family, x->has_ident ? x->ident : NULL,
			  x->now_ms) < 0) {
		if (res.reserved)
			s->ops->close(s->ops_ctx, res.reserved);
		return STUN_ERR_INSUFFICIENT_CAPACITY;
	}
	pl->resv_unit = false;
	a->has_token = true;
	return 0;
}

/* The relays: one, or for a dual allocation IPv4 and IPv6 where one failing is reported in
 * ADDRESS-ERROR-CODE (step 9). Returns 0 or the error code. */
static int turn_allocate_relays(struct turn_ctx *x, struct turn_alloc *a,
				struct turn_alloc_plan *pl)
{
	int code = turn_allocate_open(x, a, pl, pl->family, true), code6;

	if (!pl->dual)
		return code;
	code6 = turn_allocate_open(x, a, pl, AF_INET6, false);
	if (code && code6)
		return code;
	if (code || code6) {
		a->addr_err = (uint16_t)(code ? code : code6);
		a->addr_err_family = code ? STUN_FAMILY_IPV4 : STUN_FAMILY_IPV6;
	}
	return 0;
}

/* The allocation's bandwidth: what it was granted (max-bps, bytes per second each way as
 * coturn's, RFC 8656 §7.2 leaves it to local policy), a burst of one second or one
 * full-size datagram. */
static void turn_alloc_limits(struct turn_ctx *x, struct turn_alloc *a)
{
	uint64_t burst = a->bps > 1500 ? a->bps : 1500;

	tbucket_init(&a->bw_to_peer, a->bps, burst, x->now_ms);
	tbucket_init(&a->bw_to_client, a->bps, burst, x->now_ms);
}

/* The success response, also rebuilt for a retransmitted Allocate (§7.2). */
static int turn_allocate_success(struct turn_ctx *x, const struct turn_alloc *a)
{
	struct stun_enc e;
	struct addr ra;
	int i;

	turn_resp_begin(x, &e);
	for (i = 0; i < a->nrelay; i++) {
		turn_ip_to_addr(&a->relayed[i], a->relayed_port[i], &ra);
		stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_RELAYED_ADDRESS, &ra);
	}
	stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, a->granted_s);
	if (a->has_token)
		stun_enc_put(&e, STUN_ATTR_RESERVATION_TOKEN, a->token, TURN_TOKEN_LEN);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, &x->client->src);
	turn_mob_put_ticket(x, &e, a);
	if (a->addr_err)
		stun_enc_put_addr_error(&e, a->addr_err_family, a->addr_err);
	return turn_resp_finish(x, &e);
}

/* RFC 8656 §7.2 step 10 ("some locally defined allocation quota": 486), the server's
 * bandwidth (bps-capacity, as coturn's allocate_bps): the allocation reserves its
 * max-bps, the realm's (Redis) else the server's, out of the capacity every worker shares;
 * what is left when less; 486 when nothing is (its quota units released). Without a
 * max-bps nothing is reserved. Returns 0 or an error code. */
static int turn_allocate_bandwidth(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	struct turn_server *s = x->s;
	uint64_t want = x->limits.max_bps ? x->limits.max_bps : s->cfg->max_bps;

	if (want == 0)
		return 0;
	pl->bps = turn_shared_bps_acquire(s->shared, want, s->cfg->bps_capacity);
	if (pl->bps)
		return 0;
	for (int i = pl->reserve_next ? 2 : 1; i > 0; i--)
		turn_shared_release(s->shared, x->has_ident ? x->ident : NULL);
	pl->resv_unit = false;
	return STUN_ERR_ALLOCATION_QUOTA_REACHED;
}

/* Step 10: the quota. An allocation counts one for its user and in the total, and with
 * EVEN-PORT R so does the port it reserves (until its token is taken or released), so the
 * two are acquired together before any port is opened. Returns 0 or an error code. */
static int turn_allocate_quota(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	struct turn_server *s = x->s;
	uint32_t uq = x->limits.user_quota ? x->limits.user_quota : s->cfg->user_quota;
	uint32_t tq = x->limits.total_quota ? x->limits.total_quota : s->cfg->total_quota;

	if (turn_shared_acquire(s->shared, x->has_ident ? x->ident : NULL, pl->reserve_next ? 2 : 1,
				uq, tq) < 0)
		return STUN_ERR_ALLOCATION_QUOTA_REACHED;
	pl->resv_unit = pl->reserve_next;
	return turn_allocate_bandwidth(x, pl);
}

/* Releases the reservation's unit when no token took it over. */
static void turn_allocate_drop_resv_unit(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	if (pl->resv_unit)
		turn_shared_release(x->s->shared, x->has_ident ? x->ident : NULL);
	pl->resv_unit = false;
}

/* The allocation itself, its quota acquired; returns the response. */
static int turn_allocate_create(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	struct turn_server *s = x->s;
	const uint8_t *ident = x->has_ident ? x->ident : NULL;
	struct turn_alloc *a = NULL;
	int code;

	if (turn_alloc_new(s, x->client, &a) < 0 ||
	    (pl->tcp && (a->tcp = calloc(1, sizeof(*a->tcp))) == NULL)) {
		if (a)
			turn_alloc_free(s, a);
		turn_shared_release(s->shared, ident);
		turn_shared_bps_release(s->shared, pl->bps);
		turn_allocate_drop_resv_unit(x, pl);
		return turn_resp_error(x, STUN_ERR_SERVER_ERROR);
	}
	a->bps = pl->bps; /* returned by turn_alloc_free from now on */
	pl->bps = 0;
	a->has_ident = x->has_ident;
	memcpy(a->ident, x->ident, TURN_IDENT_LEN);
	turn_alloc_set_names(a, &x->rq, s->cfg->realm);
	code = turn_allocate_relays(x, a, pl);
	pl->reserved = NULL; /* handed to ops->open (or closed by turn_allocate_open) */
	turn_allocate_drop_resv_unit(x, pl);
	if (a->nrelay > 0 && pl->fleet_units > 0) {
		/* The fleet unit goes with the first relay too (turn_alloc_free). */
		a->fleet_unit = true;
		pl->fleet_units--;
	}
	if (code) {
		/* The one free path closes what was opened; the quota goes with the first
		 * relay, so without one it is released here. */
		bool had_relay = a->nrelay > 0;

		turn_alloc_free(s, a);
		if (!had_relay)
			turn_shared_release(s->shared, ident);
		return turn_resp_error(x, code);
	}
	memcpy(a->tid, x->m->tid, STUN_TID_LEN);
	a->granted_s = pl->lifetime_s;
	a->expire_ms = x->now_ms + (uint64_t)pl->lifetime_s * 1000;
	turn_alloc_limits(x, a);
	if (pl->mobile && turn_mob_enable(s, a) < 0) {
		turn_alloc_free(s, a);
		return turn_resp_error(x, STUN_ERR_SERVER_ERROR);
	}
	turn_alloc_schedule(s, a);
	s->c.allocs_total++;
	turn_slog_created(a);
	turn_session_fleet_up(s, a);
	return turn_allocate_success(x, a);
}

/* RFC 8656 §7.2 step 10 across the fleet (DESIGN.md §7): when a quota applies (the
 * user's or the total, the realm's from the store else the server's), the units are
 * counted by every node sharing the Redis before any port is opened: the request waits
 * for that (the handler runs again with the answer). Refused: 486; the fleet unreachable:
 * 500, or with fleet-quota-fallback local the local counts alone (turn_allocate_quota).
 * Returns 0 to go on, -EINPROGRESS when parked, or an error code. */
static int turn_allocate_fleet(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	struct turn_server *s = x->s;
	struct turn_fleet_quota q = {
		.ident = x->has_ident ? x->ident : NULL,
		.realm = s->cfg->realm,
		.n = 1,
		.user_quota = x->limits.user_quota ? x->limits.user_quota : s->cfg->user_quota,
		.total_quota = x->limits.total_quota ? x->limits.total_quota : s->cfg->total_quota,
	};
	int status;

	if (x->fleet_done) {
		status = x->fleet_status;
	} else {
		if (!s->cfg->fleet_quota || s->fleet == NULL || s->fleet->quota_acquire == NULL ||
		    (q.user_quota == 0 && q.total_quota == 0))
			return 0;
		if (turn_fleet_park(x, &q, turn_allocate, &status) == 1)
			return -EINPROGRESS;
		if (status == 0)
			pl->fleet_units = q.n;
	}
	if (status == 0)
		return 0;
	if (status == -EDQUOT)
		return STUN_ERR_ALLOCATION_QUOTA_REACHED;
	return s->cfg->fleet_quota_local ? 0 : STUN_ERR_SERVER_ERROR;
}

static int turn_allocate_steps(struct turn_ctx *x, struct turn_alloc_plan *pl);

int turn_allocate(struct turn_ctx *x)
{
	struct turn_alloc_plan pl = {0};
	int n;

	/* A replay with units granted: they are the plan's until the allocation takes one. */
	if (x->fleet_done && x->fleet_status == 0)
		pl.fleet_units = x->fleet_n;
	n = turn_allocate_steps(x, &pl);
	for (; pl.fleet_units > 0; pl.fleet_units--)
		turn_fleet_release(x->s, x->has_ident ? x->ident : NULL, x->s->cfg->realm);
	return n;
}

static int turn_allocate_steps(struct turn_ctx *x, struct turn_alloc_plan *pl)
{
	struct turn_alloc *a;
	uint32_t life = 0;
	bool has_life;
	int code;

	/* Step 2: the 5-tuple is in use. A retransmission of the Allocate that created it
	 * gets the same success response again; anything else 437. */
	a = turn_ctx_alloc(x, &code);
	if (a && memcmp(a->tid, x->m->tid, STUN_TID_LEN) == 0)
		return turn_allocate_success(x, a);
	if (a || code == STUN_ERR_WRONG_CREDENTIALS)
		return turn_resp_error(x, a ? STUN_ERR_ALLOCATION_MISMATCH : code);
	/* Step 11: a draining server redirects with 300 Try Alternate (RFC 8489 §10), or has
	 * no capacity (508); turn/session.c. */
	if (turn_drain_refuse(x, &code))
		return code;
	code = turn_allocate_check(x, pl);
	if (code == 0)
		code = turn_mob_allocate_check(x, &pl->mobile);
	if (code == 0)
		code = turn_allocate_fleet(x, pl);
	if (code == -EINPROGRESS)
		return 0;
	if (code == 0)
		code = turn_allocate_take_token(x, pl);
	if (code == 0)
		code = turn_allocate_quota(x, pl);
	if (code) {
		if (pl->reserved) /* a taken token's port, refused over quota */
			x->s->ops->close(x->s->ops_ctx, pl->reserved);
		return turn_resp_error(x, code);
	}
	/* §7.2: the initial time-to-expiry; a LIFETIME of 0 asks for the default. */
	has_life = stun_msg_get_u32(x->m, STUN_ATTR_LIFETIME, &life) == 0 && life > 0;
	pl->lifetime_s = turn_lifetime(x->s->cfg, has_life, life);
	return turn_allocate_create(x, pl);
}
