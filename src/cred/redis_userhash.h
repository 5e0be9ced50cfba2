/* USERHASH lookups of Redis users (RFC 8489 §14.4): a request names its user only by
 * USERHASH = SHA-256(username ":" realm), so the store first reads Tern's index
 * tern/realm/<realm>/userhash/<hex> (cred/redis_keys.h; `ternctl user add/del` keep it, other
 * writers SET/DEL it alongside the user's key), checks that the name found hashes to the
 * request's USERHASH, then looks that name up as any other (cred_redis_lookup: the same
 * cache, invalidations and limits) and answers with the name (cred_result.user). A hash
 * resolved is remembered for the cache's TTL (only found ones: the checked name can stand
 * for no other hash; the user's existence is always the name lookup's answer), so a
 * USERHASH request of a cached user costs no round trip either.
 *
 * One per Redis worker store (cred/redis.c), on its thread, using its command connection.
 * Fails closed as the name lookup does: no connection → -EIO, too many pending → -EAGAIN,
 * no answer in time → -ETIMEDOUT (and the connection is dropped and re-established); a hash
 * not in the index, or an entry naming a user of another hash, → -ENOENT (401). */
#ifndef TERN_CRED_REDIS_USERHASH_H
#define TERN_CRED_REDIS_USERHASH_H

#include <stdint.h>

#include "auth/cred.h"

struct event_base;
struct cred_redis_conn;
struct cred_redis_worker;
struct cred_redis_userhash;

/* For worker w (borrowed: cred_redis_lookup resolves the names), sending on cmd (borrowed)
 * with timers on base: at most pending_max lookups at once, each answered within
 * timeout_ms; hashes remembered for ttl_ms (0 = 5000). 0 or -ENOMEM. */
int cred_redis_userhash_new(struct cred_redis_worker *w, struct cred_redis_conn *cmd,
			    struct event_base *base, uint32_t timeout_ms, uint32_t pending_max,
			    uint32_t ttl_ms, struct cred_redis_userhash **out);
/* Drops every pending lookup without its callback (call it before cmd is closed: replies
 * still due then release what they hold). NULL is a no-op. */
void cred_redis_userhash_free(struct cred_redis_userhash *u);
/* Looks q up by q->userhash (32 bytes) in realm q->realm. cb runs once, inside this call
 * (Redis down, or the name's answer cached) or later on the worker's thread. 0, or -EAGAIN /
 * -EINVAL / -ENOMEM (cb will not run). */
int cred_redis_userhash_lookup(struct cred_redis_userhash *u, const struct cred_query *q,
			       cred_cb cb, void *arg);
/* Cancels the pending lookup started with (cb, arg), if it is one of u's. */
void cred_redis_userhash_cancel(struct cred_redis_userhash *u, cred_cb cb, void *arg);

#endif
