/* Cross-worker TURN state (struct turn_shared): allocation counts per user and in total
 * (user-quota, total-quota), the bandwidth granted to allocations (bps-capacity) and the
 * RESERVATION-TOKEN table, so a token made on one worker works from any other. One mutex
 * for the counts and tokens, an atomic for the bandwidth; control path only (Allocate and
 * allocation teardown). */
#ifndef TERN_TURN_SHARED_H
#define TERN_TURN_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turn/server.h"

/* A user's quota key: the first half of an allocation's ident (turn/alloc.h), the user
 * quota's name. */
#define TURN_SHARED_IDENT_LEN 16
#define TURN_SHARED_TOKEN_LEN 8

/* Counts n (1 or 2) units for ident (NULL: only the total): one per allocation, one per
 * port held by a RESERVATION-TOKEN. All or nothing: user_quota/total_quota (0: unlimited)
 * must allow the n together. Returns 0, -EDQUOT (over a quota: 486) or -ENOMEM. */
int turn_shared_acquire(struct turn_shared *sh, const uint8_t *ident, uint32_t n,
			uint32_t user_quota, uint32_t total_quota);
/* Undoes one unit of turn_shared_acquire with the same ident. */
void turn_shared_release(struct turn_shared *sh, const uint8_t *ident);
/* Current counts (tests, metrics). */
uint32_t turn_shared_user_count(struct turn_shared *sh, const uint8_t *ident);
uint32_t turn_shared_total(struct turn_shared *sh);

/* bps-capacity (coturn's allocate_bps): grants an allocation want bytes/s (its max-bps)
 * out of capacity shared by every worker: all of it, what is left when less, or 0 when
 * nothing is (the Allocate gets 486). capacity 0: unlimited, want granted and counted.
 * want 0 (no max-bps): nothing reserved, 0. Lock-free (a compare-and-swap loop). */
uint64_t turn_shared_bps_acquire(struct turn_shared *sh, uint64_t want, uint64_t capacity);
/* Returns a grant of turn_shared_bps_acquire (the allocation ended). */
void turn_shared_bps_release(struct turn_shared *sh, uint64_t grant);
/* Bytes/s granted to live allocations (metrics). */
uint64_t turn_shared_bps_granted(struct turn_shared *sh);

/* Drain: while set, every worker answers new Allocates with 300 Try Alternate or 508
 * (RFC 8656 §7.2) and keeps serving the allocations it has. An atomic: set by the control
 * thread, read by Allocate only (no lock). */
void turn_shared_set_draining(struct turn_shared *sh, bool on);
bool turn_shared_is_draining(struct turn_shared *sh);

/* Records a reservation: handle (net's), family, valid until expire_ms. It takes over one
 * unit acquired for ident (NULL: the total only; the ident is copied): the reserved port
 * counts against its maker's quotas until the token is taken. 0 or -ENOMEM (the unit is
 * then still the caller's). */
int turn_shared_token_put(struct turn_shared *sh, const uint8_t token[TURN_SHARED_TOKEN_LEN],
			  void *handle, int family, uint64_t expire_ms, const uint8_t *ident);
/* Removes the reservation, releases its maker's unit and hands the handle over (an
 * Allocate taking it counts the allocation for its own user). With now_ms past the expiry
 * the token is refused (-ENOENT) and left for its owner to release; pass 0 to take it
 * regardless (the owner's release). 0 or -ENOENT. */
int turn_shared_token_take(struct turn_shared *sh, const uint8_t token[TURN_SHARED_TOKEN_LEN],
			   uint64_t now_ms, void **handle, int *family);

#endif
