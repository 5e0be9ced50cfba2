/* Token buckets: per-allocation bandwidth (max-bps) and per-source limits on
 * unauthenticated responses (401s). Time is an input. No malloc after creation. */
#ifndef TERN_TURN_RATELIMIT_H
#define TERN_TURN_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct tbucket {
	uint64_t tokens;        /* in units of 1/1000 of a token, so slow rates stay exact */
	uint64_t last_ms;
	uint64_t rate;          /* tokens per second; 0 = unlimited */
	uint64_t burst;         /* bucket size in tokens */
};

/* rate tokens per second, burst tokens; starts full. */
void tbucket_init(struct tbucket *b, uint64_t rate, uint64_t burst, uint64_t now_ms);
/* Takes n tokens if available: true (take) or false (drop). Unlimited buckets always take. */
bool tbucket_take(struct tbucket *b, uint64_t n, uint64_t now_ms);

/* A fixed-size table of per-source-address buckets (IP only, port ignored). When full,
 * the least recently seen slot in the probed group is reused. */
struct ratelimit;

/* slots: table size (rounded up to a power of two); rate per second and burst per source.
 * Returns 0 or -ENOMEM. */
int ratelimit_new(size_t slots, uint64_t rate, uint64_t burst, struct ratelimit **out);
void ratelimit_free(struct ratelimit *r);
/* True when src may be answered now (and counts it). rate 0 = unlimited. */
bool ratelimit_allow(struct ratelimit *r, const struct addr *src, uint64_t now_ms);

#endif
