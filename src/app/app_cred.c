/* The composed credential store of a worker (app/app_cred.h): only the chain's links are
 * decided here; the routing is cred/chain.c's. */
#include "app/app_cred.h"

#include <string.h>

#include "cred/chain.h"
#include "cred/redis.h"
#include "cred/rest_static.h"
#include "cred/static.h"

int app_cred_new(const struct app_cred_cfg *cfg, struct event_base *base, struct cred_store **out)
{
	struct cred_chain_cfg cc = {.rest = cfg->rest, .rest_sep = cfg->rest_sep};
	struct cred_chain_link l[4];
	struct cred_redis_worker *w = NULL;
	size_t n = 0;
	int err;

	if (cfg->redis && (err = cred_redis_worker_new(cfg->redis, base, &w)) < 0)
		return err;
	/* The realm's peer lists are fetched as soon as Redis answers, ready for the first
	 * CreatePermission. */
	if (w && cfg->realm && cfg->realm[0])
		cred_redis_peers_prefetch(w, cfg->realm, strlen(cfg->realm));
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
	/* The views hold the worker now (a Redis in no link is freed here). */
	cred_redis_worker_free(w);
	return cred_chain_new(&cc, l, n, out);
}
