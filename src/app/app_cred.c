/* The composed credential store of a worker (app/app_cred.h). */
#include "app/app_cred.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/rest.h"
#include "base/xmalloc.h"
#include "cred/redis.h"
#include "cred/static.h"

struct app_cred {
	struct cred_store store;        /* handed to the TURN core; impl = this */
	const struct app_cred_cfg *cfg;
	struct cred_store users;        /* the static store's view, when there are users */
	struct cred_redis_worker *redis;
};

/* Carries a static lookup's answer (always synchronous) to the caller, unless the user is
 * unknown and Redis is there to ask next. */
struct app_cred_hop {
	cred_cb cb;
	void *arg;
	bool fall_through;
	bool can_fall;
};

static void app_cred_hop_cb(void *arg, const struct cred_result *res)
{
	struct app_cred_hop *h = arg;

	if (res->status == -ENOENT && h->can_fall) {
		h->fall_through = true;
		return;
	}
	h->cb(h->arg, res);
}

/* REST keys from the static secrets (no Redis). */
static void app_cred_rest_static(const struct app_cred_cfg *cfg, const struct cred_query *q,
				 cred_cb cb, void *arg)
{
	struct cred_key keys[CRED_KEYS_MAX];
	struct cred_limits none = {0};
	struct cred_result res = {.status = -ENOENT, .limits = &none};
	size_t n = 0;

	for (size_t i = 0; i < cfg->nsecrets && n < CRED_KEYS_MAX; i++) {
		const char *s = cfg->secrets[i];

		if (auth_rest_key(s, strlen(s), q->user, q->user_len, q->realm, q->realm_len,
				  &keys[n]) == 0)
			n++;
	}
	if (n) {
		res.status = 0;
		res.key = keys;
		res.nkeys = n;
	}
	cb(arg, &res);
	explicit_bzero(keys, sizeof(keys));
}

static int app_cred_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	struct app_cred *c = impl;
	const struct app_cred_cfg *cfg = c->cfg;
	struct app_cred_hop hop = {.cb = cb, .arg = arg, .can_fall = c->redis != NULL};
	int rc;

	/* The REST check needs the wall clock: the store is where it is read. */
	if (cfg->rest && q->user &&
	    auth_rest_check(q->user, q->user_len, cfg->rest_sep, (int64_t)time(NULL)) == 0) {
		if (c->redis)
			return cred_redis_lookup(c->redis, q, true, cb, arg);
		app_cred_rest_static(cfg, q, cb, arg);
		return 0;
	}
	if (c->users.ops) {
		rc = c->users.ops->lookup(c->users.impl, q, app_cred_hop_cb, &hop);
		if (rc < 0 || !hop.fall_through)
			return rc;
	}
	if (c->redis)
		return cred_redis_lookup(c->redis, q, false, cb, arg);
	cb(arg, &(struct cred_result){.status = -ENOENT});
	return 0;
}

static void app_cred_cancel(void *impl, cred_cb cb, void *arg)
{
	struct app_cred *c = impl;

	if (c->redis)
		cred_redis_cancel(c->redis, cb, arg);
}

/* Only Redis keeps per-realm peer lists. */
static int app_cred_peer_verdict(void *impl, const char *realm, size_t rlen,
				 const struct addr *peer)
{
	struct app_cred *c = impl;

	return c->redis ? cred_redis_peer_verdict(c->redis, realm, rlen, peer) : 0;
}

static void app_cred_free(void *impl)
{
	struct app_cred *c = impl;

	cred_redis_worker_free(c->redis);
	free(c);
}

static const struct cred_store_ops app_cred_ops = {
	.lookup = app_cred_lookup,
	.cancel = app_cred_cancel,
	.free = app_cred_free,
	.peer_verdict = app_cred_peer_verdict,
};

int app_cred_new(const struct app_cred_cfg *cfg, struct event_base *base,
		 struct cred_store **out)
{
	struct app_cred *c = xcalloc(1, sizeof(*c));
	int err;

	c->cfg = cfg;
	if (cfg->users)
		cred_static_store(cfg->users, &c->users);
	if (cfg->redis && (err = cred_redis_worker_new(cfg->redis, base, &c->redis)) < 0) {
		free(c);
		return err;
	}
	/* The realm's peer lists are fetched as soon as Redis answers, ready for the first
	 * CreatePermission. */
	if (c->redis && cfg->realm && cfg->realm[0])
		cred_redis_peers_prefetch(c->redis, cfg->realm, strlen(cfg->realm));
	c->store.ops = &app_cred_ops;
	c->store.impl = c;
	*out = &c->store;
	return 0;
}
