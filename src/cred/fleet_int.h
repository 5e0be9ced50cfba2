/* Inside the fleet (cred/fleet*.c only): the worker's state each part hangs off, and the
 * hooks fleet.c calls. Each part keeps its own struct behind a pointer of struct
 * fleet_worker and implements its five hooks (init may leave the pointer NULL: the part
 * is off). */
#ifndef TERN_CRED_FLEET_INT_H
#define TERN_CRED_FLEET_INT_H

#include <hiredis/async.h>

#include "cred/fleet.h"
#include "cred/redis_conf.h"
#include "cred/redis_conn.h"

struct fleet {
	struct fleet_opts o;
	struct cred_redis_conf conf;
	struct cred_redis_health health;
	char name[64];
	char id[FLEET_ID_MAX];
	uint32_t lease_ms;
	uint64_t started; /* unix seconds */
};

struct fleet_quota; /* cred/fleet_quota.c */
struct fleet_reg;   /* cred/fleet_reg.c */
struct fleet_alt;   /* cred/fleet_alt.c */

struct fleet_worker {
	struct fleet *f;
	struct event_base *base;
	unsigned id; /* 0 keeps the lease and the card */
	struct cred_redis_conn conn;
	struct event *tick; /* every FLEET_TICK_MS */
	uint64_t ticks;
	bool beat_pending; /* a heartbeat is in flight */
	struct fleet_quota *quota;
	struct fleet_reg *reg;
	struct fleet_alt *alt;
};

#define FLEET_TICK_MS 1000

/* Sends a command on fw's connection (cred_redis_conn_cmd). */
int fleet_cmd(struct fleet_worker *fw, redisCallbackFn *fn, void *privdata, int argc,
	      const char **argv, const size_t *argvlen);

/* Each part: init (fw->part set or left NULL; 0 or -ENOMEM), free, tick (every
 * FLEET_TICK_MS), up (the connection is ready: resynchronise), down (it was lost: pending
 * commands already failed). */
int fleet_quota_init(struct fleet_worker *fw);
void fleet_quota_free(struct fleet_worker *fw);
void fleet_quota_tick(struct fleet_worker *fw);
void fleet_quota_up(struct fleet_worker *fw);
void fleet_quota_down(struct fleet_worker *fw);
int fleet_reg_init(struct fleet_worker *fw);
void fleet_reg_free(struct fleet_worker *fw);
void fleet_reg_tick(struct fleet_worker *fw);
void fleet_reg_up(struct fleet_worker *fw);
void fleet_reg_down(struct fleet_worker *fw);
int fleet_alt_init(struct fleet_worker *fw);
void fleet_alt_free(struct fleet_worker *fw);
void fleet_alt_tick(struct fleet_worker *fw);
void fleet_alt_up(struct fleet_worker *fw);
void fleet_alt_down(struct fleet_worker *fw);

/* A clean stop's cleanup on a blocking connection c (redisContext *), in fleet_free:
 * each part removes what it wrote. */
struct redisContext;
void fleet_quota_cleanup(struct fleet *f, struct redisContext *c);
void fleet_reg_cleanup(struct fleet *f, struct redisContext *c);

#endif
