/* A worker's credential store as ternd builds it from the configuration: a chain
 * (cred/chain.h) of, in order, the TURN REST static secrets, Redis's REST secrets (both only
 * with use-auth-secret), the static users and Redis's users (both only when long-term users
 * are allowed: see app_cred_cfg.long_term). */
#ifndef TERN_APP_APP_CRED_H
#define TERN_APP_APP_CRED_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/cred.h"

struct cred_static;
struct cred_rest_static;
struct cred_redis;
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
};

/* A worker's store (its ops->free frees it and its Redis connections). 0 or -errno. */
int app_cred_new(const struct app_cred_cfg *cfg, struct event_base *base, struct cred_store **out);

#endif
