/* One asynchronous Redis connection on a worker's event base: connects, AUTHs and SELECTs
 * the database, and after any failure reconnects with backoff (100 ms doubling to 5 s).
 * With sentinels in the configuration each (re)connect first asks them in turn for the
 * master's address (SENTINEL get-master-addr-by-name), connects there and checks that ROLE
 * says master (else it asks again, backoff capped at 1 s). Each such connection also
 * keeps a subscription to +switch-master on one sentinel (cred/redis_watch.h): when a
 * sentinel announces a new address for our master, the connection is dropped at once
 * (pending commands fail) and made again to that address (ROLE checked), whatever state it
 * was in. A switch missed by the subscription is still followed: a failover closes the
 * clients of the old master (sentinels kill them, or it died), and the next connect asks
 * the sentinels.
 * Outages are logged once for the whole process through a shared struct
 * cred_redis_health: "redis unreachable" when the first connection goes down, "redis
 * connected again" when the last one is back. Everything runs on the worker thread that
 * owns the base (created on the main thread before that worker starts). */
#ifndef TERN_CRED_REDIS_CONN_H
#define TERN_CRED_REDIS_CONN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <hiredis/async.h>

#include "cred/redis_conf.h"
#include "cred/redis_watch.h"

struct event;
struct event_base;

/* Shared by every connection of the process (lives in the main thread's store). */
struct cred_redis_health {
	atomic_uint down;      /* connections counted as down */
	atomic_uint up;	       /* connections up (AUTH and SELECT answered) */
	atomic_bool announced; /* the first successful connection was logged */
};

typedef void (*cred_redis_conn_cb)(void *arg);

struct cred_redis_conn {
	struct event_base *base;
	const struct cred_redis_conf *conf; /* borrowed */
	struct cred_redis_health *health;   /* borrowed; NULL: log at debug only */
	redisAsyncContext *ac;		    /* NULL while waiting to reconnect */
	redisAsyncContext *sac;		    /* a sentinel being asked, or NULL */
	unsigned sentinel_idx;		    /* the sentinel asked next */
	unsigned sentinel_tries;	    /* sentinels failed in this round */
	struct cred_redis_addr master;	    /* the master's address from the sentinels */
	const char *host;		    /* where ac connects: conf->host or master.host */
	unsigned port;
	bool up;   /* AUTH and SELECT answered */
	bool down; /* counted in health->down */
	bool closing;
	unsigned backoff_ms;
	struct event *timer;	       /* reconnect, or connect timeout */
	struct cred_redis_watch watch; /* +switch-master (through sentinels only) */
	cred_redis_conn_cb on_up;      /* connected and ready */
	cred_redis_conn_cb on_down;    /* lost; pending commands already failed */
	void *arg;
};

/* Prepares c and schedules the first connect on base (right away). 0 or -ENOMEM. */
int cred_redis_conn_init(struct cred_redis_conn *c, struct event_base *base,
			 const struct cred_redis_conf *conf, struct cred_redis_health *health,
			 cred_redis_conn_cb on_up, cred_redis_conn_cb on_down, void *arg);
/* Closes c: pending commands get their callback with a NULL reply. */
void cred_redis_conn_close(struct cred_redis_conn *c);
/* Sends a command built from an argument vector (binary safe). Commands sent while
 * connecting are queued behind AUTH/SELECT (through sentinels: refused until ROLE said
 * master). 0, or -EIO when there is no connection (waiting to reconnect) or hiredis
 * refuses. */
int cred_redis_conn_cmd(struct cred_redis_conn *c, redisCallbackFn *fn, void *privdata, int argc,
			const char **argv, const size_t *argvlen);
/* Drops the connection now (e.g. a command timed out) and reconnects with backoff.
 * Pending commands get their callback with a NULL reply before this returns. Not from
 * inside a hiredis callback. */
void cred_redis_conn_fail(struct cred_redis_conn *c, const char *why);
/* Attaches a new context to base (hiredis's libevent adapter, included only by
 * redis_conn.c). 0 or -ENOMEM. */
int cred_redis_conn_attach(redisAsyncContext *ac, struct event_base *base);

#endif
