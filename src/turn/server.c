/* The TURN server core of one worker (turn/server.h): lifecycle, the entry points net/
 * calls, and the one request pipeline every message goes through: decode, the checks of
 * RFC 8489 §6.3, the method table (turn/method/table.c), authentication when the method
 * needs it, the handler. */
#include "turn/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "stun/chdata.h"
#include "stun/classic.h"
#include "stun/err.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "turn/core.h"
#include "turn/shared.h"

int turn_unauth_new(const struct turn_cfg *cfg, struct ratelimit **out)
{
	uint32_t life_s = cfg->nonce_key && cfg->nonce_key->lifetime_s ? cfg->nonce_key->lifetime_s
								       : AUTH_NONCE_LIFETIME_S;
	struct ratelimit_cfg rc = {
		.rate = cfg->unauth_rate,
		.bytes = cfg->unauth_bytes,
		.port_rate = cfg->unauth_port_rate,
		.proven_ms = (uint64_t)life_s * 1000,
		.slots = TURN_UNAUTH_SLOTS,
		.proven_slots = TURN_UNAUTH_PROVEN_SLOTS,
	};

	/* unauth_rate 0 turns the whole limit off (as before unauth_bytes existed). */
	*out = NULL;
	if (rc.rate == 0)
		return 0;
	return ratelimit_new(&rc, out);
}

static void turn_server_set_software(struct turn_server *s, const struct turn_cfg *cfg)
{
	s->software = cfg->software && *cfg->software ? cfg->software : NULL;
	s->software_len = s->software ? strlen(s->software) : 0;
}

int turn_server_new(const struct turn_cfg *cfg, const struct turn_relay_ops *ops, void *ops_ctx,
		    struct cred_store *creds, uint64_t now_ms, struct turn_server **out)
{
	struct turn_server *s = calloc(1, sizeof(*s));

	if (s == NULL)
		goto fail;
	s->cfg = cfg;
	s->ops = ops;
	s->ops_ctx = ops_ctx;
	s->creds = creds;
	s->now_ms = now_ms;
	turn_server_set_software(s, cfg);
	crypto_random(s->tid_salt, sizeof(s->tid_salt));
	if (timer_wheel_new(now_ms, &s->wheel) < 0 || turn_alloc_table_init(&s->allocs) < 0)
		goto fail;
	s->unauth = cfg->unauth;
	if (s->unauth == NULL) {
		if (turn_unauth_new(cfg, &s->own_unauth) < 0)
			goto fail;
		s->unauth = s->own_unauth;
	}
	s->shared = cfg->shared;
	if (s->shared == NULL) {
		if (turn_shared_new(&s->own_shared) < 0)
			goto fail;
		s->shared = s->own_shared;
	}
	*out = s;
	return 0;
fail:
	turn_server_free(s);
	if (s == NULL && creds)
		creds->ops->free(creds->impl);
	return -ENOMEM;
}

/* Every allocation through the one free path. Removal shifts later entries back into the
 * freed slot, so each slot is emptied before moving on. */
static void turn_server_free_allocs(struct turn_server *s)
{
	size_t i;

	for (i = 0; i < s->allocs.cap; i++) {
		while (s->allocs.slot[i])
			turn_alloc_end(s, s->allocs.slot[i], TURN_END_SHUTDOWN);
	}
}

void turn_server_free(struct turn_server *s)
{
	if (s == NULL)
		return;
	turn_auth_cancel_all(s);
	if (s->allocs.slot)
		turn_server_free_allocs(s);
	turn_resv_free_all(s);
	turn_alloc_table_fini(&s->allocs);
	if (s->wheel)
		timer_wheel_free(s->wheel);
	ratelimit_free(s->own_unauth);
	turn_shared_free(s->own_shared);
	free(s->realms);
	free(s->fleet_out);
	if (s->creds)
		s->creds->ops->free(s->creds->impl);
	if (s->old_creds)
		s->old_creds->ops->free(s->old_creds->impl);
	/* Last: freeing the allocations above still releases their units through it. */
	if (s->fleet && s->fleet->free)
		s->fleet->free(s->fleet_impl);
	free(s);
}

void turn_server_set_fleet(struct turn_server *s, const struct turn_fleet_ops *ops, void *impl)
{
	s->fleet = ops;
	s->fleet_impl = impl;
}

/* The store a reload replaces: freed now when no lookup waits on it, else kept in
 * old_creds until turn_server_tick finds it idle. A store still kept from the reload
 * before goes now, its lookups dropped (two reloads within a lookup's timeout). */
static void turn_server_retire_creds(struct turn_server *s)
{
	if (s->old_creds) {
		turn_auth_cancel_store(s, s->old_creds);
		s->old_creds->ops->free(s->old_creds->impl);
		s->old_creds = NULL;
	}
	if (s->creds && turn_auth_pending_on(s, s->creds))
		s->old_creds = s->creds;
	else if (s->creds)
		s->creds->ops->free(s->creds->impl);
	s->creds = NULL;
}

int turn_server_reconfigure(struct turn_server *s, const struct turn_cfg *cfg,
			    struct cred_store *creds)
{
	struct ratelimit *own = NULL;

	/* A configuration without the shared limiter (tests) gets one of its own, as in
	 * turn_server_new. */
	if (cfg->unauth == NULL && turn_unauth_new(cfg, &own) < 0) {
		if (creds)
			creds->ops->free(creds->impl);
		return -ENOMEM;
	}
	/* A peer the new settings refuse loses what it was granted (README "XDP fast
	 * path"). The realm's peer lists are asked of the store in use until now: a new store
	 * may not have loaded them yet, and its silence must not end a grant they allow. */
	s->cfg = cfg;
	turn_peer_purge(s);
	turn_server_retire_creds(s);
	s->creds = creds;
	turn_server_set_software(s, cfg);
	ratelimit_free(s->own_unauth);
	s->own_unauth = own;
	s->unauth = cfg->unauth ? cfg->unauth : own;
	return 0;
}

/* Which failures of stun_msg_decode leave a request worth answering: its header and
 * transaction id are sound, its attributes are not (RFC 8489 §6.3: 400). Anything else,
 * a bad FINGERPRINT included (§7.3: it may not be STUN at all), is dropped. */
static bool turn_decode_is_answerable(enum stun_derr why)
{
	switch (why) {
	case STUN_DERR_ATTR_OVERRUN:
	case STUN_DERR_TOO_MANY_ATTRS:
	case STUN_DERR_BAD_FAMILY:
	case STUN_DERR_BAD_ATTR_LEN:
	case STUN_DERR_OVERSIZED:
	case STUN_DERR_INTEGRITY_POSITION:
	case STUN_DERR_FINGERPRINT_POSITION:
	case STUN_DERR_BAD_VALUE:
		return true;
	default:
		return false;
	}
}

/* A message that failed to decode: a request whose failure lies in its attributes gets 400
 * (unsigned, no FINGERPRINT echo, through the unauthenticated-reply limit), anything else
 * -EBADMSG. stun_msg_decode has set m's method, class and transaction id from the sound
 * header; nothing decoded from the attributes is trusted. */
static int turn_decode_failed(struct turn_ctx *x, struct stun_msg *m)
{
	if (!turn_decode_is_answerable(m->why) || m->cls != STUN_CLASS_REQUEST)
		return -EBADMSG;
	m->i_mi = m->i_mi256 = m->i_fp = -1;
	m->nunknown = 0;
	return turn_resp_unauth_error(x, STUN_ERR_BAD_REQUEST);
}

/* RFC 8489 §6.3.1: a request, through the method table. */
static int turn_server_request(struct turn_ctx *x)
{
	const struct turn_method *tm = turn_method_find(x->m->method);
	unsigned slot = x->m->method < TURN_METHOD_SLOTS ? x->m->method : 0;

	x->s->c.requests[slot][x->client->conn->ops->transport]++;
	/* An unknown method, or (STUN-only server) any method but Binding: 400, unsigned and
	 * limited like every reply to a request that did not authenticate. */
	if (tm == NULL || tm->request == NULL || (x->s->cfg->stun_only && !tm->stun))
		return turn_resp_unauth_error(x, STUN_ERR_BAD_REQUEST);
	/* §6.3.1.1: unknown comprehension-required attributes: 420. */
	if (x->m->nunknown)
		return turn_resp_unauth_error(x, STUN_ERR_UNKNOWN_ATTRIBUTE);
	if (tm->auth)
		return turn_auth_run(x, tm->request);
	/* Binding: no authentication, and its success is the service itself, outside the
	 * unauthenticated-reply limit (STUN servers answer high Binding rates). */
	return tm->request(x);
}

/* RFC 8489 §6.3.2: an indication is never answered; one without a handler (Binding's) is
 * accepted as is. A STUN-only server drops Send indications. */
static int turn_server_indication(struct turn_ctx *x)
{
	const struct turn_method *tm = turn_method_find(x->m->method);

	if (tm == NULL || tm->indication == NULL || (x->s->cfg->stun_only && !tm->stun))
		return 0;
	return tm->indication(x);
}

int turn_server_input(struct turn_server *s, const struct turn_pkt *p, uint64_t now_ms,
		      uint8_t *out, size_t cap)
{
	struct stun_msg m;
	struct turn_client c;
	struct turn_ctx x = {
		.s = s, .m = &m, .client = &c, .now_ms = now_ms, .out = out, .cap = cap};
	int err;

	s->now_ms = now_ms;
	/* RFC 8656 §12: ChannelData first, it is the hot path (none on a STUN-only server). */
	if (stun_chdata_is(p->buf, p->len))
		return s->cfg->stun_only ? -EBADMSG : turn_client_chdata(s, p, now_ms);
	if (p->len < STUN_HDR_LEN)
		return -EBADMSG;
	if (!stun_msg_is_stun(p->buf, p->len))
		return stun_classic_is(p->buf, p->len)
			       ? turn_classic_binding(s, p, now_ms, out, cap)
			       : -EBADMSG;
	c = (struct turn_client){.conn = p->conn, .src = *p->src, .local = *p->local};
	err = stun_msg_decode(&m, p->buf, p->len);
	if (err < 0)
		return turn_decode_failed(&x, &m);
	switch (m.cls) {
	case STUN_CLASS_REQUEST:
		return turn_server_request(&x);
	case STUN_CLASS_INDICATION:
		return turn_server_indication(&x);
	default:
		/* Responses: Tern sends no requests to clients, so none is expected. */
		return -EBADMSG;
	}
}

void turn_server_tick(struct turn_server *s, uint64_t now_ms)
{
	s->now_ms = now_ms;
	/* Not from a store's callback: here the replaced store may go. */
	if (s->old_creds && turn_auth_pending_on(s, s->old_creds) == 0) {
		s->old_creds->ops->free(s->old_creds->impl);
		s->old_creds = NULL;
	}
	timer_wheel_advance(s->wheel, now_ms);
	turn_fast_tick(s, now_ms);
}

void turn_server_client_gone(struct turn_server *s, const struct turn_client *c)
{
	struct turn_alloc *a = turn_alloc_find(&s->allocs, c->conn, &c->src, &c->local);

	/* RFC 8656 §3.1 (§5): over a stream the allocation ends with its control connection;
	 * a mobility-enabled one waits for its move instead (RFC 8016, turn/mobility.c). */
	if (a && !turn_mob_park(s, a))
		turn_alloc_end(s, a, TURN_END_CONN_GONE);
	/* Requests of that connection still waiting for a lookup will not be answered. */
	turn_auth_cancel_client(s, c);
}

const struct turn_counters *turn_server_counters(const struct turn_server *s)
{
	return &s->c;
}
