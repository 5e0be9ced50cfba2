/* TURN for ternd: the shared read-only struct turn_cfg (realm, lifetimes, quotas, peer
 * policy, nonce key, cross-worker state) and the credential stores, built from the
 * configuration on the main thread. A reload builds a new generation of the settings and
 * static credentials and swaps it into every worker; the nonce secret, quota counts, relay
 * addresses, Redis and the mobility ticket key carry on. Owns all of it until
 * app_turn_free, which runs after every worker has stopped. Main thread. */
#ifndef TERN_APP_APP_TURN_H
#define TERN_APP_APP_TURN_H

#include "app/cfg.h"

struct app_turn;
struct app_turn_gen;
struct cred_redis;
struct net_opts;
struct net_server;

/* Builds TURN from cfg (borrowed until app_turn_free) and the relay addresses already
 * settled in o (cfg_to_net_opts, then net_opts_relay_addrs), and sets o->turn, o->cred_new
 * and o->cred_arg (borrowing *out). Logs one summary line. 0, or -EINVAL / -ENOMEM / -EIO
 * with a log line. */
int app_turn_new(const struct cfg *cfg, struct net_opts *o, struct app_turn **out);
/* The Redis credential store, or NULL without redis-userdb (metrics read its counters). */
struct cred_redis *app_turn_redis(const struct app_turn *t);
/* The cross-worker state every worker shares (the drain flag; turn/shared.h). */
struct turn_shared *app_turn_shared(struct app_turn *t);
/* Frees t (NULL is fine). */
void app_turn_free(struct app_turn *t);

/* A reload, in two steps so that nothing changes when any part of it fails.
 * app_turn_prepare: the generation for cfg, whose options that need a restart already hold
 * the running values (cfg_reload_load). 0 (cfg is taken: freed with the generation) or
 * -errno with a log line (cfg stays the caller's).
 * app_turn_abort: drops a prepared generation (and its cfg).
 * app_turn_swap: every worker of srv (running) takes g (turn_server_reconfigure, a new
 * credential store on its Redis connections); the old generation goes once no worker and
 * no pending lookup uses it. Logs the summary line. 0, or -errno when a worker could not
 * take it (that worker keeps the old one, which is then kept until ternd exits).
 * app_turn_gen_cfg: g's configuration (valid while g is current). */
int app_turn_prepare(struct app_turn *t, struct cfg *cfg, struct app_turn_gen **out);
void app_turn_abort(struct app_turn_gen *g);
int app_turn_swap(struct app_turn *t, struct app_turn_gen *g, struct net_server *srv);
const struct cfg *app_turn_gen_cfg(const struct app_turn_gen *g);

#endif
