/* The long-term credential mechanism around a TURN request (RFC 8489 §9.2.4, RFC 8656 §5):
 * auth_ltc_begin, the key lookup through the credential store (answered at once by a
 * static store, later by Redis: the request is then parked in a bounded pool, its bytes
 * copied, and the response goes out through the client connection's send),
 * auth_ltc_verify, then the method's handler with a context that signs the response.
 * The same pool parks an authenticated Allocate while the fleet counts its quota
 * (turn_fleet_park). */
#include "turn/core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "stun/err.h"

/* The first half of SHA-256(name ":" realm) into out. */
static void turn_ident_half(const void *name, size_t len, const char *realm,
			    uint8_t out[TURN_IDENT_LEN / 2])
{
	uint8_t h[CRYPTO_SHA256_LEN];
	struct crypto_part parts[3] = {
		{name, len},
		{":", 1},
		{realm, realm ? strlen(realm) : 0},
	};

	if (crypto_sha256(parts, 3, h) < 0)
		memset(h, 0, sizeof(h));
	memcpy(out, h, TURN_IDENT_LEN / 2);
}

/* The ident of turn/alloc.h: the quota name's half (res->quota_user, the user part of a
 * TURN REST username; else the username), then the username's. */
static void turn_ident(const uint8_t *user, size_t ulen, const struct cred_result *res,
		       const char *realm, uint8_t out[TURN_IDENT_LEN])
{
	if (res->quota_user)
		turn_ident_half(res->quota_user, res->quota_user_len, realm, out);
	else
		turn_ident_half(user, ulen, realm, out);
	turn_ident_half(user, ulen, realm, out + TURN_IDENT_LEN / 2);
}

/* A free slot, searched from after the last one taken (a burst finds one at once). */
static struct turn_pending *turn_pending_get(struct turn_server *s)
{
	for (size_t k = 0; k < TURN_PENDING_MAX; k++) {
		size_t i = (s->pending_next + k) % TURN_PENDING_MAX;

		if (!s->pending[i].used) {
			struct turn_pending *p = &s->pending[i];

			memset(p, 0, sizeof(*p));
			p->s = s;
			p->used = true;
			s->pending_next = i + 1;
			return p;
		}
	}
	return NULL;
}

static void turn_pending_put(struct turn_pending *p)
{
	free(p->buf);
	p->buf = NULL;
	p->used = false;
}

/* After the lookup: RFC 8489 §9.2.4 — unknown user or a wrong MESSAGE-INTEGRITY is a 401
 * with the challenge; a store failure a 500 (fail closed, DESIGN.md §4). */
static int turn_auth_complete(struct turn_pending *p, struct turn_ctx *x, turn_method_cb handler)
{
	const uint8_t *key = NULL;
	size_t klen = 0, i;

	if (p->status == -ENOENT) {
		x->s->c.auth_fail[TURN_AUTH_UNKNOWN_USER]++;
		turn_refusal(x, TURN_REF_UNKNOWN_USER, STUN_ERR_UNAUTHORIZED);
		return turn_resp_challenge(x, STUN_ERR_UNAUTHORIZED);
	}
	if (p->status < 0) {
		x->s->c.auth_fail[TURN_AUTH_STORE_ERROR]++;
		return turn_resp_unauth_error(x, STUN_ERR_SERVER_ERROR);
	}
	/* Several keys: TURN REST secrets in rotation; the first that verifies wins. */
	for (i = 0; i < p->nkeys; i++)
		if (auth_ltc_verify(x->m, &x->rq, &p->key[i], &key, &klen) == 0)
			break;
	if (i == p->nkeys) {
		x->s->c.auth_fail[TURN_AUTH_BAD_INTEGRITY]++;
		turn_refusal(x, TURN_REF_BAD_INTEGRITY, STUN_ERR_UNAUTHORIZED);
		return turn_resp_challenge(x, STUN_ERR_UNAUTHORIZED);
	}
	/* The source answered our nonce: its transport address receives our replies. */
	if (x->s->unauth && !x->client->conn->ops->proven)
		ratelimit_prove(x->s->unauth, &x->client->src, x->now_ms);
	x->authed = true;
	x->admitted = true;
	x->key = key;
	x->klen = klen;
	x->has_ident = true;
	memcpy(x->ident, p->ident, TURN_IDENT_LEN);
	x->limits = p->limits;
	return handler(x);
}

static void turn_auth_resume(struct turn_pending *p)
{
	struct turn_server *s = p->s;
	turn_method_cb handler = p->handler;
	struct stun_msg m;
	struct turn_ctx x = {.s = s,
			     .m = &m,
			     .client = &p->client,
			     .now_ms = s->now_ms,
			     .rq = p->rq,
			     .out = s->scratch,
			     .cap = sizeof(s->scratch)};
	int n;

	if (stun_msg_decode(&m, p->buf, p->len) == 0) {
		n = turn_auth_complete(p, &x, handler);
		if (n > 0)
			turn_client_send(&p->client, s->scratch, (size_t)n);
	}
	turn_pending_put(p);
}

static void turn_auth_cb(void *arg, const struct cred_result *res)
{
	struct turn_pending *p = arg;
	const uint8_t *user = p->rq.user;
	size_t ulen = p->rq.user_len;

	p->status = res->status;
	if (p->status == 0 && res->key) {
		p->nkeys = res->nkeys > CRED_KEYS_MAX ? CRED_KEYS_MAX : res->nkeys ? res->nkeys : 1;
		memcpy(p->key, res->key, p->nkeys * sizeof(p->key[0]));
	}
	if (p->status == 0 && res->limits)
		p->limits = *res->limits;
	if (res->user) {
		user = (const uint8_t *)res->user;
		ulen = res->user_len;
	}
	if (p->status == 0 && (res->key == NULL || user == NULL))
		p->status = -ENOENT;
	if (p->status == 0)
		turn_ident(user, ulen, res, p->s->cfg->realm, p->ident);
	p->done = true;
	if (!p->in_lookup)
		turn_auth_resume(p);
}

/* Moves the views of p->rq from the caller's buffer into p's own copy. */
static int turn_pending_park(struct turn_pending *p, const struct stun_msg *m)
{
	const uint8_t *old = m->buf;

	if (m->len > TURN_PENDING_MSG_MAX)
		return -EMSGSIZE;
	p->buf = malloc(m->len);
	if (p->buf == NULL)
		return -ENOMEM;
	memcpy(p->buf, m->buf, m->len);
	p->len = m->len;
	if (p->rq.user)
		p->rq.user = p->buf + (p->rq.user - old);
	if (p->rq.userhash)
		p->rq.userhash = p->buf + (p->rq.userhash - old);
	if (p->rq.realm)
		p->rq.realm = p->buf + (p->rq.realm - old);
	return 0;
}

/* The store could not answer (busy, failed): 500 (DESIGN.md §4: fail closed). */
static int turn_auth_store_error(struct turn_ctx *x)
{
	x->s->c.auth_fail[TURN_AUTH_STORE_ERROR]++;
	return turn_resp_unauth_error(x, STUN_ERR_SERVER_ERROR);
}

static int turn_auth_lookup(struct turn_ctx *x, turn_method_cb handler)
{
	struct turn_server *s = x->s;
	struct turn_pending *p = s->creds ? turn_pending_get(s) : NULL;
	struct cred_query q = {.realm = s->cfg->realm,
			       .realm_len = strlen(s->cfg->realm),
			       .user = (const char *)x->rq.user,
			       .user_len = x->rq.user_len,
			       .userhash = x->rq.userhash};
	int rc, n;

	if (p == NULL)
		return turn_auth_store_error(x);
	p->client = *x->client;
	p->rq = x->rq;
	p->handler = handler;
	p->store = s->creds;
	p->in_lookup = true;
	rc = cred_lookup(s->creds, &q, turn_auth_cb, p);
	p->in_lookup = false;
	if (rc < 0) {
		turn_pending_put(p);
		return turn_auth_store_error(x);
	}
	if (p->done) {
		n = turn_auth_complete(p, x, handler);
		turn_pending_put(p);
		return n;
	}
	if (turn_pending_park(p, x->m) < 0) {
		p->store->ops->cancel(p->store->impl, turn_auth_cb, p);
		turn_pending_put(p);
		return turn_auth_store_error(x);
	}
	return 0;
}

int turn_auth_run(struct turn_ctx *x, turn_method_cb handler)
{
	struct turn_server *s = x->s;
	int rc;

	/* RFC 8656 §7.2 step 1: authentication is required unless explicitly disabled. */
	if (s->cfg->no_auth) {
		x->admitted = true;
		return handler(x);
	}
	rc = auth_ltc_begin(x->m, s->cfg->realm, s->cfg->nonce_key, &x->client->src, x->now_ms,
			    &x->rq);
	/* A 401 to a request with integrity is a refusal (another realm); without, the
	 * normal first step. */
	if (rc == STUN_ERR_UNAUTHORIZED && (x->m->i_mi >= 0 || x->m->i_mi256 >= 0))
		turn_refusal(x, TURN_REF_WRONG_REALM, rc);
	if (rc == STUN_ERR_STALE_NONCE)
		x->s->c.auth_fail[TURN_AUTH_STALE_NONCE]++;
	if (rc == STUN_ERR_UNAUTHORIZED || rc == STUN_ERR_STALE_NONCE)
		return turn_resp_challenge(x, rc);
	if (rc != 0) {
		x->s->c.auth_fail[TURN_AUTH_BAD_REQUEST]++;
		return turn_resp_unauth_error(x,
					      rc >= 300 && rc <= 699 ? rc : STUN_ERR_BAD_REQUEST);
	}
	return turn_auth_lookup(x, handler);
}

static void turn_fleet_answer(void *arg, int status);

/* Cancels pending lookups of client c (NULL: all of them) on store (NULL: any), and the
 * requests waiting for the fleet (any store). */
static void turn_auth_cancel(struct turn_server *s, const struct turn_client *c,
			     const struct cred_store *store)
{
	size_t i;

	for (i = 0; i < TURN_PENDING_MAX; i++) {
		struct turn_pending *p = &s->pending[i];

		if (!p->used)
			continue;
		if (c && !turn_client_eq(&p->client, c))
			continue;
		if (store && p->store != store)
			continue;
		if (p->fleet)
			s->fleet->quota_cancel(s->fleet_impl, turn_fleet_answer, p);
		else if (p->store)
			p->store->ops->cancel(p->store->impl, turn_auth_cb, p);
		turn_pending_put(p);
	}
}

void turn_auth_cancel_client(struct turn_server *s, const struct turn_client *c)
{
	turn_auth_cancel(s, c, NULL);
}

void turn_auth_cancel_all(struct turn_server *s)
{
	turn_auth_cancel(s, NULL, NULL);
}

void turn_auth_cancel_store(struct turn_server *s, const struct cred_store *store)
{
	turn_auth_cancel(s, NULL, store);
}

size_t turn_auth_pending_on(const struct turn_server *s, const struct cred_store *store)
{
	size_t i, n = 0;

	for (i = 0; i < TURN_PENDING_MAX; i++)
		if (s->pending[i].used && s->pending[i].store == store)
			n++;
	return n;
}

/* The fleet quota's answer came later: the handler runs again on the request, replayed
 * with its authentication and the answer. */
static void turn_fleet_resume(struct turn_pending *p)
{
	struct turn_server *s = p->s;
	struct stun_msg m;
	struct turn_ctx x = {.s = s,
			     .m = &m,
			     .client = &p->client,
			     .now_ms = s->now_ms,
			     .authed = true,
			     .admitted = true,
			     .rq = p->rq,
			     .key = p->fkey,
			     .klen = p->fklen,
			     .has_ident = p->has_ident,
			     .limits = p->limits,
			     .fleet_done = true,
			     .fleet_status = p->status,
			     .fleet_n = p->fleet_n,
			     .out = s->scratch,
			     .cap = sizeof(s->scratch)};
	int n;

	memcpy(x.ident, p->ident, TURN_IDENT_LEN);
	if (s->fleet_out == NULL)
		s->fleet_out = malloc(TURN_PENDING_MAX * sizeof(*s->fleet_out));
	if (s->fleet_out && p->client.conn->ops->queue) {
		x.out = s->fleet_out[p - s->pending];
		x.cap = sizeof(s->fleet_out[0]);
	}
	if (stun_msg_decode(&m, p->buf, p->len) == 0) {
		n = p->handler(&x);
		if (n > 0 && x.out != s->scratch)
			p->client.conn->ops->queue(p->client.conn, &p->client.src, x.out,
						   (size_t)n);
		else if (n > 0)
			turn_client_send(&p->client, s->scratch, (size_t)n);
	} else if (p->status == 0) {
		/* Cannot happen (the bytes decoded before): the units go back. */
		for (uint32_t i = 0; i < p->fleet_n; i++)
			turn_fleet_release(s, p->has_ident ? p->ident : NULL, s->cfg->realm);
	}
	turn_pending_put(p);
}

static void turn_fleet_answer(void *arg, int status)
{
	struct turn_pending *p = arg;

	p->status = status;
	p->done = true;
	if (!p->in_lookup)
		turn_fleet_resume(p);
}

/* The request's authentication, kept with it while it waits. */
static void turn_fleet_keep(struct turn_pending *p, const struct turn_ctx *x,
			    turn_method_cb handler, uint32_t n)
{
	p->fleet = true;
	p->client = *x->client;
	p->rq = x->rq;
	p->handler = handler;
	p->has_ident = x->has_ident;
	memcpy(p->ident, x->ident, TURN_IDENT_LEN);
	p->limits = x->limits;
	p->fklen = x->klen <= sizeof(p->fkey) ? x->klen : sizeof(p->fkey);
	memcpy(p->fkey, x->key, p->fklen);
	p->fleet_n = n;
}

int turn_fleet_park(struct turn_ctx *x, const struct turn_fleet_quota *q, turn_method_cb handler,
		    int *status)
{
	struct turn_server *s = x->s;
	struct turn_pending *p = turn_pending_get(s);
	int rc;

	*status = -EIO;
	if (p == NULL)
		return 0;
	turn_fleet_keep(p, x, handler, q->n);
	p->in_lookup = true;
	rc = s->fleet->quota_acquire(s->fleet_impl, q, turn_fleet_answer, p);
	p->in_lookup = false;
	if (rc < 0 || p->done) {
		*status = rc < 0 ? -EIO : p->status;
		turn_pending_put(p);
		return 0;
	}
	if (turn_pending_park(p, x->m) < 0) {
		/* The fleet may still grant: cancelling gives the units back. */
		s->fleet->quota_cancel(s->fleet_impl, turn_fleet_answer, p);
		turn_pending_put(p);
		return 0;
	}
	return 1;
}
