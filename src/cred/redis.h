/* The Redis credential store (DESIGN.md §4), coturn-compatible keys (spelled by
 * cred/redis_keys.h):
 *   turn/realm/<realm>/user/<user>/key         hex MD5 key (string; turnadmin -a)
 *   tern/realm/<realm>/user/<user>/sha256-key  hex SHA-256 key (optional; PASSWORD-ALGORITHM
 *                                              SHA-256 for that user)
 *   turn/realm/<realm>/secret                  SET of TURN REST shared secrets
 *   turn/realm/<realm>/max-bps, .../user-quota, .../total-quota   integers (separate string
 *                                              keys, as coturn's turnadmin writes them)
 *   turn/realm/<realm>/allowed-peer-ip, .../denied-peer-ip   SETs of peer ranges
 *                                              (cred/redis_peers.h)
 * and the channel tern/invalidate ("<realm>/<user>", "<realm>" or "*") that drops cached
 * answers at once ("<realm>" and "*" the peer lists too). Commands are always argument
 * vectors: names are bytes, never syntax.
 *
 * Use: the main thread calls cred_redis_new once; each worker gets its own
 * cred_redis_worker (a command connection and a subscriber connection on the worker's
 * event base, a cache, a bounded set of pending lookups); lookups, cancels and the
 * worker's free run on that worker's thread; cred_redis_free after every worker is gone.
 * Fails closed: Redis unreachable → -EIO, too many pending → -EAGAIN, no answer in time →
 * -ETIMEDOUT (and the connection is dropped and re-established with backoff). */
#ifndef TERN_CRED_REDIS_H
#define TERN_CRED_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/cred.h"
#include "base/addr.h"
#include "cred/redis_keys.h"

struct event_base;
struct cred_redis;
struct cred_redis_worker;

struct cred_redis_opts {
	const char *conninfo;  /* --redis-userdb connection string (borrowed) */
	uint32_t cache_ttl_ms; /* 0 = 5000 */
	uint32_t cache_slots;  /* 0 = 1024 */
	uint32_t pending_max;  /* per worker; 0 = 256 */
	uint32_t timeout_ms;   /* per lookup; 0 = 2000 */
};

/* Parses the connection string and copies the options. 0, or -EINVAL with the reason in
 * why (len bytes), or -ENOMEM. Does not connect. */
int cred_redis_new(const struct cred_redis_opts *o, struct cred_redis **out, char *why, size_t len);
void cred_redis_free(struct cred_redis *r);
/* "host:port" of the server, or "sentinel:<master name>", for log lines. */
const char *cred_redis_addr(const struct cred_redis *r, char *buf, size_t len);

/* A worker's store on base (borrowed); connects right away (asynchronously). 0 or
 * -ENOMEM. */
int cred_redis_worker_new(struct cred_redis *r, struct event_base *base,
			  struct cred_redis_worker **out);
/* Drops the creator's reference to w; the last reference (cred_redis_store's views hold
 * one each) frees it: pending lookups are dropped without their callbacks. */
void cred_redis_worker_free(struct cred_redis_worker *w);
/* Fills *out with a view of w implementing auth/cred.h: rest false, the long-term users
 * (cred_redis_lookup with rest false); rest true, the realm's TURN REST secrets (the chain,
 * cred/chain.h, routes only valid REST usernames there). Both views share w, its cancel
 * and its peer_verdict; each holds a reference on w that its ops->free drops. */
void cred_redis_store(struct cred_redis_worker *w, bool rest, struct cred_store *out);

/* Looks q up (by q->user, or by q->userhash through Tern's index: cred/redis_userhash.h;
 * neither: -ENOENT). rest: q->user is a
 * valid TURN REST username (the caller checked its expiry): answer one key per secret of
 * the realm's set (at most CRED_KEYS_MAX) with the realm's limits (-ENOENT, limits still
 * given, when the set is empty); else the user's keys and the realm's limits. cb runs
 * inside this call for a cached answer or when Redis is known to be down, else later on
 * the worker's thread. 0 (cb will run once) or -EAGAIN (too many pending) / -EINVAL /
 * -ENOMEM (cb will not run). */
int cred_redis_lookup(struct cred_redis_worker *w, const struct cred_query *q, bool rest,
		      cred_cb cb, void *arg);
/* Cancels the pending lookup started with (cb, arg). */
void cred_redis_cancel(struct cred_redis_worker *w, cred_cb cb, void *arg);
/* The realm's verdict on peer's address from its allowed-peer-ip / denied-peer-ip (the
 * store's peer_verdict, auth/cred.h): +1 allowed, -1 denied, 0 no opinion, answered at once
 * from the worker's copy. While the worker holds no copy of the realm's lists (its first
 * use, or just after an invalidation of the realm, until the fetch lands) the answer is 0
 * and a fetch starts: cred_redis_peers_prefetch avoids that gap at start-up. */
int cred_redis_peer_verdict(struct cred_redis_worker *w, const char *realm, size_t rlen,
			    const struct addr *peer);
/* Fetches realm's peer lists as soon as the worker's connection is up and keeps them
 * (refetched at once after an invalidation). 0, -EINVAL, -ENOSPC or -ENOMEM. */
int cred_redis_peers_prefetch(struct cred_redis_worker *w, const char *realm, size_t rlen);
/* What the metrics report (app/metrics.c): lookups by result (answered from the worker's
 * cache; found, unknown, failed, timed out by Redis; refused: too many pending), and
 * whether every worker's command connection is up. */
enum cred_redis_result {
	CRED_REDIS_CACHED,
	CRED_REDIS_FOUND,
	CRED_REDIS_NOT_FOUND,
	CRED_REDIS_ERROR,
	CRED_REDIS_TIMEOUT,
	CRED_REDIS_BUSY,
	CRED_REDIS_RESULTS
};
struct cred_redis_stats {
	uint64_t lookups[CRED_REDIS_RESULTS];
	unsigned workers; /* worker stores alive */
	unsigned up;	  /* ... whose command connection is up */
};
/* Reads r's counters (relaxed atomics, any thread). */
void cred_redis_stats_read(const struct cred_redis *r, struct cred_redis_stats *out);
/* The label value of a result: "cached", "found", "not_found", "error", "timeout", "busy". */
const char *cred_redis_result_name(unsigned res);

/* Lookups waiting for Redis (including abandoned ones whose reply has not arrived). */
size_t cred_redis_pending(const struct cred_redis_worker *w);

#endif
