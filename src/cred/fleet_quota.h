/* Fleet quotas (DESIGN.md §7; README "### Fleet quotas"): user-quota and total-quota
 * counted over every node sharing the Redis. Each worker counts its allocations in its
 * own field "<node id>/<worker>" of the quota hashes (cred/fleet_keys.h); one Lua script
 * per Allocate drops the fields of nodes whose lease ended, sums the live ones and counts
 * the new units only when the quotas allow them (all or nothing). A release is a
 * HINCRBY -1 sent without waiting. The worker remembers what its field should hold and
 * rewrites it whole each time its connection comes up, so that counts changed while
 * Redis was away (releases that could not be sent, grants whose answer was lost, a
 * Redis that restarted empty) are right again.
 * Everything on the worker's thread, through its fleet_worker. */
#ifndef TERN_CRED_FLEET_QUOTA_H
#define TERN_CRED_FLEET_QUOTA_H

#include <stdint.h>

struct fleet_worker;

/* The user quota's key: the first 16 bytes of SHA-256(quota user ":" realm). */
#define FLEET_QUOTA_IDENT_LEN 16

struct fleet_quota_ask {
	const uint8_t *ident; /* FLEET_QUOTA_IDENT_LEN bytes, or NULL: the total only */
	const char *realm;
	uint32_t n;	      /* units */
	uint32_t user_quota;  /* 0 = unlimited */
	uint32_t total_quota; /* 0 = unlimited */
};

/* status: 0 granted (counted), -EDQUOT over a quota, -EIO no answer from Redis. */
typedef void (*fleet_quota_cb)(void *arg, int status);

/* Counts q's units in the realm's total and the user's hash if both quotas allow (q is
 * borrowed for the call). 0: cb runs once, later (never inside this call); -EIO: Redis
 * is not connected, cb will not run. */
int fleet_quota_acquire(struct fleet_worker *fw, const struct fleet_quota_ask *q, fleet_quota_cb cb,
			void *arg);
/* cb will not run for (cb, arg); units it would have been granted are given back. */
void fleet_quota_cancel(struct fleet_worker *fw, fleet_quota_cb cb, void *arg);
/* Gives back one unit of ident (NULL: the total only) in realm. */
void fleet_quota_release(struct fleet_worker *fw, const uint8_t *ident, const char *realm);

#endif
