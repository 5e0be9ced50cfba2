/* ternd's fleet (cred/fleet.h) wired to each worker's TURN core (turn_server_set_fleet):
 * made at start when redis-userdb is set and any of fleet-quota, fleet-registry,
 * fleet-alternates is on (not with stun-only or no-auth). */
#ifndef TERN_APP_FLEET_H
#define TERN_APP_FLEET_H

struct cfg;
struct net_opts;
struct turn_shared;
struct app_fleet;

/* *out NULL when the fleet is off. Sets o->turn_attach. 0, or -EINVAL / -ENOMEM (logged). */
int app_fleet_new(const struct cfg *cfg, struct net_opts *o, struct turn_shared *shared,
		  struct app_fleet **out);
/* After every worker is gone (leaves the fleet: cred/fleet.h fleet_free). */
void app_fleet_free(struct app_fleet *af);

/* When the fleet is on (as for app_fleet_new): k takes the fleet's nonce secret from
 * Redis and the wall clock as its time line, so a client sent to another node with 300
 * keeps its nonce there. Redis unreachable: k is left as it was (logged). Main thread,
 * at start (blocks at most a couple of seconds). */
struct auth_nonce_key;
void app_fleet_nonce(const struct cfg *cfg, struct auth_nonce_key *k);

#endif
