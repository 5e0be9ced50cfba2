/* TURN for ternd: the shared read-only struct turn_cfg (realm, lifetimes, quotas, peer
 * policy, nonce key, cross-worker state) and the credential store, built once from the
 * configuration on the main thread. Owns all of it until app_turn_free, which runs after
 * every worker has stopped. */
#ifndef TERN_APP_APP_TURN_H
#define TERN_APP_APP_TURN_H

#include "app/cfg.h"

struct app_turn;
struct cred_redis;
struct net_opts;

/* Builds TURN from cfg and the relay addresses already settled in o (cfg_to_net_opts, then
 * net_opts_relay_addrs), and sets o->turn, o->cred_new and o->cred_arg (borrowing *out).
 * Logs one summary line. 0, or -EINVAL / -ENOMEM / -EIO with a log line. */
int app_turn_new(const struct cfg *cfg, struct net_opts *o, struct app_turn **out);
/* The Redis credential store, or NULL without redis-userdb (metrics read its counters). */
struct cred_redis *app_turn_redis(const struct app_turn *t);
/* The cross-worker state every worker shares (the drain flag; turn/shared.h). */
struct turn_shared *app_turn_shared(struct app_turn *t);
/* Frees t (NULL is fine). */
void app_turn_free(struct app_turn *t);

#endif
