/* The fleet (DESIGN.md §7): ternd nodes sharing one Redis (redis-userdb, Sentinel
 * included) for what must hold across them: quota counts with per-node leases
 * (cred/fleet_quota.c), the registry of nodes and sessions and the control channel
 * (cred/fleet_reg.c), and the choice of a live node to shed load to (cred/fleet_alt.c).
 * Keys: cred/fleet_keys.h.
 *
 * Use: the main thread calls fleet_new once; each worker gets a fleet_worker (its own
 * Redis connection on the worker's event base, a one-second tick); everything of a
 * fleet_worker runs on its worker's thread. Worker 0 also keeps the node's lease and card
 * alive (every second: the lease end in tern/fleet/nodes, the card from the info
 * callback). Nothing here is on the packet path; nothing blocks a worker. */
#ifndef TERN_CRED_FLEET_H
#define TERN_CRED_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cred/fleet_keys.h"

struct event_base;
struct fleet;
struct fleet_worker;

/* What the node says of itself on its card (FLEET_F_*); strings "" when absent. */
struct fleet_node_info {
	char addr4[64], addr6[64]; /* "IP:PORT", "[IP]:PORT" */
	char tls4[64], tls6[64];
	char domain[256];
	uint64_t allocations;
	uint64_t max_allocations;
	bool draining;
};

/* Filled on worker 0's thread, every second (app/: the shared counts and the drain
 * flag are atomics or locked). */
typedef void (*fleet_info_fn)(void *arg, struct fleet_node_info *out);

struct fleet_opts {
	const char *conninfo;  /* redis-userdb (borrowed) */
	const char *node_name; /* NULL: the host name */
	uint32_t lease_s;      /* 0 = 30 */
	bool quota;	       /* fleet-quota */
	bool registry;	       /* fleet-registry */
	bool alternates;       /* fleet-alternates */
	fleet_info_fn info;    /* NULL: a card with the name only */
	void *info_arg;
};

/* Parses the connection string, names this instance. 0, -EINVAL (why set), -ENOMEM. */
int fleet_new(const struct fleet_opts *o, struct fleet **out, char *why, size_t len);
/* After every fleet_worker is gone. A clean stop: the node's lease, card, sessions and
 * quota units are removed from Redis first (one blocking connection, bounded by the
 * connect timeout), so the fleet stops counting them at once instead of after a lease. */
void fleet_free(struct fleet *f);
/* This instance's id ("<name>~<8 hex>") and name. */
const char *fleet_id(const struct fleet *f);
const char *fleet_name(const struct fleet *f);
uint32_t fleet_lease_ms(const struct fleet *f);
const struct fleet_opts *fleet_opts(const struct fleet *f);

/* Worker id's part on base (main thread, before the worker starts). 0 or -ENOMEM. */
int fleet_worker_new(struct fleet *f, struct event_base *base, unsigned id,
		     struct fleet_worker **out);
void fleet_worker_free(struct fleet_worker *fw);
/* Whether fw's connection is up (AUTH/SELECT answered, the master found). */
bool fleet_worker_up(const struct fleet_worker *fw);

/* The fleet's nonce secret (cred/fleet_secret.c, FLEET_KEY_NONCE_SECRET): len random
 * bytes (at most 64) the first node stores and every node reads, into out. Blocking (at
 * most a couple of seconds): main thread, at start. 0, -EINVAL (why set: conninfo), or
 * -EIO (why set: Redis unreachable or the stored value unusable). */
int fleet_nonce_secret(const char *conninfo, uint8_t *out, size_t len, char *why, size_t wlen);

/* Load shedding (cred/fleet_alt.c, with fleet-alternates): a live node to send a new
 * allocation of family (AF_INET, AF_INET6) to, from fw's copy of the registry (read every
 * second): the least loaded one with an address of that family (its TLS address when
 * tls, and its node-domain in domain, "" when none), never this node, a draining one, one
 * at its max-allocations, or a loopback, unspecified or link-local address. 0 with *out,
 * or -ENOENT (none, fleet-alternates off, or the copy is older than a lease). */
struct addr;
int fleet_alt_pick(struct fleet_worker *fw, int family, bool tls, struct addr *out, char *domain,
		   size_t dlen);

#endif
