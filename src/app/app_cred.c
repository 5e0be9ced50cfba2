/* The composed credential store of a worker (app/app_cred.h): only the chain's links are
 * decided here; the routing is cred/chain.c's. */
#include "app/app_cred.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cred/chain.h"
#include "cred/redis.h"
#include "cred/rest_static.h"
#include "cred/static.h"

/* The chain, and what its free releases. */
struct app_cred_store {
	struct cred_store self;
	struct cred_store *chain;
	void (*release)(void *arg);
	void *release_arg;
};

static int app_cred_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	struct app_cred_store *s = impl;

	return cred_lookup(s->chain, q, cb, arg);
}

static void app_cred_cancel(void *impl, cred_cb cb, void *arg)
{
	struct app_cred_store *s = impl;

	s->chain->ops->cancel(s->chain->impl, cb, arg);
}

static int app_cred_peer_verdict(void *impl, const char *realm, size_t rlen,
				 const struct addr *peer)
{
	struct app_cred_store *s = impl;

	return cred_peer_verdict(s->chain, realm, rlen, peer);
}

static void app_cred_free(void *impl)
{
	struct app_cred_store *s = impl;

	s->chain->ops->free(s->chain->impl);
	if (s->release)
		s->release(s->release_arg);
	free(s);
}

static const struct cred_store_ops app_cred_ops = {
	.lookup = app_cred_lookup,
	.cancel = app_cred_cancel,
	.free = app_cred_free,
	.peer_verdict = app_cred_peer_verdict,
};

/* The chain's links for cfg, Redis's views on w (NULL: none). Returns how many. */
static size_t app_cred_links(const struct app_cred_cfg *cfg, struct cred_redis_worker *w,
			     struct cred_chain_link *l)
{
	size_t n = 0;

	if (cfg->rest && cfg->secrets) {
		l[n].kind = CRED_CHAIN_REST;
		cred_rest_static_store(cfg->secrets, &l[n++].store);
	}
	if (cfg->rest && w) {
		l[n].kind = CRED_CHAIN_REST;
		cred_redis_store(w, true, &l[n++].store);
	}
	if (cfg->long_term && cfg->users) {
		l[n].kind = CRED_CHAIN_USERS;
		cred_static_store(cfg->users, &l[n++].store);
	}
	if (cfg->long_term && w) {
		l[n].kind = CRED_CHAIN_USERS;
		cred_redis_store(w, false, &l[n++].store);
	}
	return n;
}

int app_cred_new(const struct app_cred_cfg *cfg, struct event_base *base,
		 struct cred_redis_worker **rw, struct cred_store **out)
{
	struct cred_chain_cfg cc = {.rest = cfg->rest, .rest_sep = cfg->rest_sep};
	struct cred_chain_link l[4];
	struct cred_redis_worker *w = cfg->redis ? *rw : NULL;
	struct app_cred_store *s = calloc(1, sizeof(*s));
	bool made = false;
	int err = s ? 0 : -ENOMEM;

	if (!err && cfg->redis && !w && (err = cred_redis_worker_new(cfg->redis, base, &w)) == 0)
		made = true;
	if (err) {
		free(s);
		return err;
	}
	/* The realm's peer lists are fetched as soon as Redis answers, ready for the first
	 * CreatePermission. */
	if (w && cfg->realm && cfg->realm[0])
		cred_redis_peers_prefetch(w, cfg->realm, strlen(cfg->realm));
	err = cred_chain_new(&cc, l, app_cred_links(cfg, w, l), &s->chain);
	/* The views hold the worker now (a Redis in no link is freed here). */
	if (made)
		cred_redis_worker_free(w);
	if (err) {
		free(s);
		return err;
	}
	*rw = w && (cfg->rest || cfg->long_term) ? w : NULL;
	s->self = (struct cred_store){&app_cred_ops, s};
	s->release = cfg->release;
	s->release_arg = cfg->release_arg;
	*out = &s->self;
	return 0;
}
