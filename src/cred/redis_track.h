/* A worker's invalidation feed (DESIGN.md §4): its subscriber connection listens on Tern's
 * channel (CRED_REDIS_CHANNEL, published by ternctl) and on Redis's __redis__:invalidate,
 * to which its command connection redirects server-assisted client-side caching
 *   CLIENT TRACKING on REDIRECT <subscriber's CLIENT ID> BCAST PREFIX turn/ PREFIX tern/realm/
 * (RESP2, Redis >= 6), so that a key changed by any writer (redis-cli, turnadmin, an
 * application) is dropped from the cache at once. The cache may be used only while the
 * feed is whole: tracking acknowledged for the live subscriber, subscribed to both
 * channels. From a lost connection (either one) until then, lookups bypass the cache
 * (cred_redis_track_is_usable false) and everything is dropped. A Redis refusing CLIENT ID
 * or CLIENT TRACKING (< 6): logged once per process; the cache is then used as before,
 * with Tern's channel and the TTL. Used only on the worker's thread. */
#ifndef TERN_CRED_REDIS_TRACK_H
#define TERN_CRED_REDIS_TRACK_H

#include <stdatomic.h>
#include <stdbool.h>

#include "cred/redis_inval.h"

struct cred_redis_conn;

struct cred_redis_track {
	struct cred_redis_conn *cmd, *sub;	/* borrowed */
	const struct cred_redis_inval_ops *ops; /* the drops; borrowed */
	void *arg;
	atomic_bool *logged; /* the process's "no tracking" was logged; borrowed */
	long long sub_id;    /* the subscriber's CLIENT ID, -1 unknown */
	long long sent_id;   /* the REDIRECT of the last CLIENT TRACKING sent */
	unsigned sent, acked;
	bool subscribed; /* to __redis__:invalidate */
	bool on;	 /* tracking acknowledged for sub_id */
	bool unsupported;
};

void cred_redis_track_init(struct cred_redis_track *t, struct cred_redis_conn *cmd,
			   struct cred_redis_conn *sub, const struct cred_redis_inval_ops *ops,
			   void *arg, atomic_bool *logged);
/* The connections' up/down hooks (cred/redis_conn.h). */
void cred_redis_track_sub_up(struct cred_redis_track *t);
void cred_redis_track_sub_down(struct cred_redis_track *t);
void cred_redis_track_cmd_up(struct cred_redis_track *t);
void cred_redis_track_cmd_down(struct cred_redis_track *t);
/* Whether cached answers may be used (and new ones cached). */
bool cred_redis_track_is_usable(const struct cred_redis_track *t);

#endif
