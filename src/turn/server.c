/* The TURN server core of one worker (turn/server.h): lifecycle, the entry points net/
 * calls, and the routing of each message to its method. */
#include "turn/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "stun/chdata.h"
#include "stun/err.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "turn/core.h"
#include "turn/handler.h"
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
	turn_opts_init(&s->opts, cfg->software);
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
			turn_alloc_free(s, s->allocs.slot[i]);
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
	if (s->creds)
		s->creds->ops->free(s->creds->impl);
	free(s);
}

static turn_method_cb turn_request_handler(uint16_t method)
{
	switch (method) {
	case STUN_METHOD_ALLOCATE:
		return turn_allocate;
	case STUN_METHOD_REFRESH:
		return turn_refresh;
	case STUN_METHOD_CREATE_PERMISSION:
		return turn_create_permission;
	case STUN_METHOD_CHANNEL_BIND:
		return turn_channel_bind;
	default:
		return NULL;
	}
}

static int turn_server_request(struct turn_server *s, const struct stun_msg *m,
			       const struct turn_pkt *p, uint64_t now_ms, uint8_t *out, size_t cap)
{
	struct turn_req r = {.msg = m, .pkt = p, .opts = &s->opts};
	struct turn_client c = {
		.transport = p->transport, .src = *p->src, .local = *p->local, .sock = p->sock};
	turn_method_cb handler;
	int n;

	if (m->method == STUN_METHOD_BINDING)
		return turn_binding_request(&r, out, cap);
	handler = turn_request_handler(m->method);
	if (handler == NULL) {
		n = turn_error_response(&r, STUN_ERR_BAD_REQUEST, out, cap);
		return turn_resp_unauth(s, &c, n, now_ms);
	}
	/* RFC 8489 §6.3.1.1: unknown comprehension-required attributes: 420. */
	if (m->nunknown) {
		n = turn_resp_plain_error(s, m, STUN_ERR_UNKNOWN_ATTRIBUTE, out, cap);
		return turn_resp_unauth(s, &c, n, now_ms);
	}
	return turn_auth_run(s, m, &c, handler, now_ms, out, cap);
}

int turn_server_input(struct turn_server *s, const struct turn_pkt *p, uint64_t now_ms,
		      uint8_t *out, size_t cap)
{
	struct stun_msg m;
	struct turn_client c;
	int err;

	s->now_ms = now_ms;
	/* RFC 8656 §12: ChannelData first, it is the hot path. */
	if (stun_chdata_is(p->buf, p->len))
		return turn_client_chdata(s, p, now_ms);
	if (p->len < STUN_HDR_LEN || !stun_msg_is_stun(p->buf, p->len))
		return -EBADMSG;
	err = stun_msg_decode(&m, p->buf, p->len);
	if (err < 0) {
		c = (struct turn_client){.transport = p->transport, .src = *p->src};
		return turn_resp_unauth(s, &c, turn_decode_failed(p->buf, m.why, out, cap), now_ms);
	}
	switch (m.cls) {
	case STUN_CLASS_REQUEST:
		return turn_server_request(s, &m, p, now_ms, out, cap);
	case STUN_CLASS_INDICATION:
		if (m.method != STUN_METHOD_SEND)
			return 0;
		c = (struct turn_client){.transport = p->transport,
					 .src = *p->src,
					 .local = *p->local,
					 .sock = p->sock};
		return turn_send_indication(s, &m, &c, now_ms);
	default:
		return -EBADMSG;
	}
}

void turn_server_tick(struct turn_server *s, uint64_t now_ms)
{
	s->now_ms = now_ms;
	timer_wheel_advance(s->wheel, now_ms);
}

void turn_server_client_gone(struct turn_server *s, const struct turn_client *c)
{
	struct turn_alloc *a = turn_alloc_find(&s->allocs, c->transport, &c->src, &c->local);

	/* RFC 8656 §3.1 (§5): over TCP/TLS the allocation ends with its control connection. */
	if (a)
		turn_alloc_free(s, a);
	/* Requests of that connection still waiting for a lookup will not be answered. */
	turn_auth_cancel_client(s, c);
}

const struct turn_counters *turn_server_counters(const struct turn_server *s)
{
	return &s->c;
}
