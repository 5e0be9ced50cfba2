/* A worker's short-lived cache of Redis answers (DESIGN.md §4): per (realm, user) the key
 * lookup's outcome, per realm the TURN REST secrets and the realm's limits. Bounded: a
 * fixed number of slots, direct-mapped by hash (a collision replaces the older entry).
 * Entries expire after ttl_ms; cred_redis_cache_drop removes them at once (invalidation).
 * One per worker, used only on that worker's thread. */
#ifndef TERN_CRED_REDIS_CACHE_H
#define TERN_CRED_REDIS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "auth/cred.h"

/* One cached answer. user NULL: a realm entry (secrets, limits). */
struct cred_redis_entry {
	char *realm; /* owned */
	size_t rlen;
	char *user; /* owned; NULL for a realm entry */
	size_t ulen;
	uint64_t expires_ms;
	int status; /* 0 or -ENOENT */
	struct cred_key key;
	struct cred_limits limits;
	size_t nsecrets;	      /* realm entry: secrets[0..nsecrets) */
	char *secrets[CRED_KEYS_MAX]; /* owned, NUL-terminated */
	size_t secret_lens[CRED_KEYS_MAX];
};

struct cred_redis_cache;

/* slots 0 = 1024; ttl_ms 0 = 5000. 0 or -ENOMEM. */
int cred_redis_cache_new(size_t slots, uint64_t ttl_ms, struct cred_redis_cache **out);
void cred_redis_cache_free(struct cred_redis_cache *c);
/* The live entry for (realm, user) (user NULL: the realm entry), or NULL. Borrowed until
 * the next put or drop. */
const struct cred_redis_entry *cred_redis_cache_get(struct cred_redis_cache *c, const char *realm,
						    size_t rlen, const char *user, size_t ulen,
						    uint64_t now_ms);
/* A fresh entry for (realm, user), names copied, expiring at now_ms + ttl, for the caller
 * to fill (status, key, limits, secrets: strings the cache then owns). NULL on -ENOMEM. */
struct cred_redis_entry *cred_redis_cache_put(struct cred_redis_cache *c, const char *realm,
					      size_t rlen, const char *user, size_t ulen,
					      uint64_t now_ms);
/* Drops entries: realm NULL every entry; user NULL the realm's entry and all its users'. */
void cred_redis_cache_drop(struct cred_redis_cache *c, const char *realm, size_t rlen,
			   const char *user, size_t ulen);
/* Incremented by every drop: an answer fetched across a drop is not cached. */
uint64_t cred_redis_cache_gen(const struct cred_redis_cache *c);

#endif
