/* Token buckets: per-allocation bandwidth (max-bps), and the limit on unauthenticated
 * replies (DESIGN.md §3), one table shared by every worker. Time is an input. No malloc
 * after creation. */
#ifndef TERN_TURN_RATELIMIT_H
#define TERN_TURN_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct tbucket {
	uint64_t tokens; /* in units of 1/1000 of a token, so slow rates stay exact */
	uint64_t last_ms;
	uint64_t rate;	/* tokens per second; 0 = unlimited */
	uint64_t burst; /* bucket size in tokens */
};

/* rate tokens per second, burst tokens; starts full. */
void tbucket_init(struct tbucket *b, uint64_t rate, uint64_t burst, uint64_t now_ms);
/* Takes n tokens if available: true (take) or false (drop). Unlimited buckets always take. */
bool tbucket_take(struct tbucket *b, uint64_t n, uint64_t now_ms);
/* True when n tokens are available now (refills, takes nothing). */
bool tbucket_has(struct tbucket *b, uint64_t n, uint64_t now_ms);
/* Takes n tokens, or every token there is when fewer: true when all n were there (what
 * was already spent elsewhere, e.g. by the kernel fast path, is charged either way).
 * Unlimited buckets always cover it. */
bool tbucket_spend(struct tbucket *b, uint64_t n, uint64_t now_ms);
/* True when the bucket holds its whole burst now (unlimited ones always). */
bool tbucket_is_full(struct tbucket *b, uint64_t now_ms);

/* The unauthenticated-reply limiter: what a source can make the server send without
 * credentials. A source IP has one budget, in replies and in bytes per second (burst: one
 * second's worth); inside it each source port has its own small bucket, so one port
 * flooding (spoofed or not) cannot spend the budget of the IP's other ports. A transport
 * address that proved it receives our replies (ratelimit_prove: a request with valid
 * MESSAGE-INTEGRITY over our nonce) has a budget of its own for proven_ms, untouched by
 * a flood in its IP's name. Thread-safe (lock-striped); used only for unauthenticated
 * replies, never on the relay path. */
struct ratelimit;

struct ratelimit_cfg {
	uint64_t rate;	     /* replies per second per source IP; 0 = not counted */
	uint64_t bytes;	     /* bytes per second per source IP; 0 = not counted */
	uint64_t port_rate;  /* replies per second per source port; 0 = not counted */
	uint64_t proven_ms;  /* how long a proven transport address stays proven */
	size_t slots;	     /* sources tracked (rounded up to a power of two) */
	size_t proven_slots; /* proven transport addresses remembered (the same) */
};

/* Returns 0, -ENOMEM or -EIO (no randomness for the table key). */
int ratelimit_new(const struct ratelimit_cfg *c, struct ratelimit **out);
void ratelimit_free(struct ratelimit *r);
/* True when a reply of len bytes may go to src now, and then counts it; false (nothing
 * counted) when any of its budgets is short. Any thread. */
bool ratelimit_allow(struct ratelimit *r, const struct addr *src, size_t len, uint64_t now_ms);
/* Remembers src (IP and port) as proven until now_ms + proven_ms. Any thread. */
void ratelimit_prove(struct ratelimit *r, const struct addr *src, uint64_t now_ms);
/* True when src is proven at now_ms. */
bool ratelimit_is_proven(struct ratelimit *r, const struct addr *src, uint64_t now_ms);

#endif
