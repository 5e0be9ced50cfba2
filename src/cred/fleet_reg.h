/* A fleet worker's session registry and control channel (cred/fleet.h; keys in
 * cred/fleet_keys.h, formats in cred/fleet_fmt.h). With fleet-registry on, each worker
 * writes its allocations into the node's tern/fleet/node/<id>/sessions: the new and the
 * ended ones at most once a tick (FLEET_TICK_MS), all of them with their byte counts every
 * third of a lease (and after a reconnect), the hash expiring a lease after its last
 * write; never per packet. The full refresh (one script) also deletes this worker's lines
 * that name no live allocation, so an end whose HDEL was lost with the connection
 * heals. Each worker subscribes to tern/fleet/control on a second connection and hands
 * the commands meant for this node to the control hook. Everything on the worker's
 * thread; calls on a worker whose registry is off do nothing. */
#ifndef TERN_CRED_FLEET_REG_H
#define TERN_CRED_FLEET_REG_H

#include <stdbool.h>
#include <stdint.h>

struct fleet_worker;
struct fleet_sess;
struct fleet_ctl;

/* Lists the worker's allocations: fleet_reg_put for each (in the call). */
typedef void (*fleet_reg_list_fn)(void *arg, struct fleet_worker *fw);
/* A control command for this node (a kill-session names this node instance). */
typedef void (*fleet_reg_ctl_fn)(void *arg, const struct fleet_ctl *c);

/* Main thread, before the worker starts. */
void fleet_reg_set_hooks(struct fleet_worker *fw, fleet_reg_list_fn list, fleet_reg_ctl_fn ctl,
			 void *arg);
bool fleet_reg_is_on(const struct fleet_worker *fw);
/* Allocation id began (s borrowed; its worker field is ignored), ended. */
void fleet_reg_session_up(struct fleet_worker *fw, uint64_t id, const struct fleet_sess *s);
void fleet_reg_session_down(struct fleet_worker *fw, uint64_t id);
/* Inside the list hook only: one live allocation. */
void fleet_reg_put(struct fleet_worker *fw, uint64_t id, const struct fleet_sess *s);

#endif
