/* Follows a Redis Sentinel failover as it happens: one subscriber connection to one of the
 * configured sentinels (AUTH with sentinel_password when set), SUBSCRIBEd to the channel
 * +switch-master. Each message that names our master hands the new master's address to
 * the callback, so the owner reconnects at once instead of waiting for its connection to
 * the old master to fail (it may not: a partitioned or paused master keeps its clients).
 * A sentinel that cannot be reached or drops the subscription is replaced by the next one
 * in the list at once; after a whole round of failures the next round waits 1 s. A switch
 * published while no subscription stood is missed: the owner's own fallbacks (reconnect
 * through the sentinels after a failure, ROLE checked) still apply.
 * Runs on the worker thread that owns the base; started on any thread before that. */
#ifndef TERN_CRED_REDIS_WATCH_H
#define TERN_CRED_REDIS_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/async.h>

#include "cred/redis_conf.h"

struct event;
struct event_base;

/* master: the new master's address (borrowed for the call). May close the watch. */
typedef void (*cred_redis_watch_cb)(void *arg, const struct cred_redis_addr *master);

struct cred_redis_watch {
	struct event_base *base;
	const struct cred_redis_conf *conf; /* borrowed; nsentinels > 0 */
	redisAsyncContext *ac;		    /* the subscriber, or NULL while waiting */
	unsigned idx;			    /* the sentinel used (next) */
	unsigned tries;			    /* sentinels failed in this round */
	bool subscribed;		    /* SUBSCRIBE confirmed */
	struct event *timer;		    /* reconnect */
	cred_redis_watch_cb on_switch;
	void *arg;
};

/* Prepares w and schedules the first subscription on base (right away). 0 or -ENOMEM. */
int cred_redis_watch_init(struct cred_redis_watch *w, struct event_base *base,
			  const struct cred_redis_conf *conf, cred_redis_watch_cb on_switch,
			  void *arg);
/* Closes w (safe on a zeroed or already closed watch). */
void cred_redis_watch_close(struct cred_redis_watch *w);
/* Parses the payload of a +switch-master message (len bytes, borrowed): "<master name>
 * <old ip> <old port> <new ip> <new port>". 0 with *out = the new address when the name
 * is master; -ENOENT for another master's name; -EINVAL when malformed. */
int cred_redis_watch_parse(const char *msg, size_t len, const char *master,
			   struct cred_redis_addr *out);

#endif
