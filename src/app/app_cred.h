/* A worker's credential store as ternd composes it: TURN REST usernames (when
 * use-auth-secret is on and the name carries a future expiry) are answered from the
 * shared secrets (static ones, plus Redis's); every other name from the static users,
 * then from Redis. */
#ifndef TERN_APP_APP_CRED_H
#define TERN_APP_APP_CRED_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/cred.h"

struct cred_static;
struct cred_redis;
struct event_base;

/* What every worker's store shares (built on the main thread, read-only afterwards). */
struct app_cred_cfg {
	const char *realm;
	const struct cred_static *users;        /* NULL: no static users */
	struct cred_redis *redis;               /* NULL: no Redis */
	bool rest;                              /* use-auth-secret */
	char rest_sep;                          /* rest-api-separator */
	const char *const *secrets;             /* static-auth-secret (without Redis) */
	size_t nsecrets;
};

/* A worker's store (its ops->free frees it and its Redis connections). 0 or -errno. */
int app_cred_new(const struct app_cred_cfg *cfg, struct event_base *base,
		 struct cred_store **out);

#endif
