/* A worker's credential store as ternd builds it from the configuration: a chain
 * (cred/chain.h) of, in order, the TURN REST static secrets, Redis's REST secrets (both only
 * with use-auth-secret), the static users and Redis's users (both only when long-term users
 * are allowed: see app_cred_cfg.long_term). A reload builds a new one per worker on the
 * same Redis connections. */
#ifndef TERN_APP_APP_CRED_H
#define TERN_APP_APP_CRED_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/cred.h"

struct cred_static;
struct cred_rest_static;
struct cred_redis;
struct cred_redis_worker;
struct event_base;

/* What every worker's store shares (built on the main thread, read-only afterwards). */
struct app_cred_cfg {
	const char *realm;
	const struct cred_static *users;	/* NULL: no static users */
	const struct cred_rest_static *secrets; /* NULL: no static-auth-secret */
	struct cred_redis *redis;		/* NULL: no Redis */
	bool rest;				/* use-auth-secret */
	char rest_sep;				/* rest-api-separator */
	/* Long-term users (static and Redis) are asked: always without use-auth-secret; with
	 * it, only when lt-cred-mech was given explicitly (as coturn does). */
	bool long_term;
	/* Called once with release_arg when a store built from this is freed (NULL: none),
	 * on the thread that frees it: what the store borrows (users, secrets) may go then. */
	void (*release)(void *arg);
	void *release_arg;
};

/* A worker's store on base (its ops->free frees it and, with the last store holding
 * them, its Redis connections). *rw: the worker's Redis connections a store built before
 * holds (reused: a reload keeps them), or NULL to make new ones; on success *rw is the
 * one the new store holds, or NULL when it holds none (a pointer valid while a store holding
 * it lives). 0 or -errno (release is not called). */
int app_cred_new(const struct app_cred_cfg *cfg, struct event_base *base,
		 struct cred_redis_worker **rw, struct cred_store **out);

#endif
