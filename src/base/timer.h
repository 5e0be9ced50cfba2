/* A timer wheel for lifetimes (allocations, permissions, channels, reservations).
 * Timers are embedded in their owners (no malloc per timer); time is an input (now_ms).
 * Single-threaded: one wheel per worker. Resolution: TIMER_TICK_MS. */
#ifndef TERN_BASE_TIMER_H
#define TERN_BASE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_TICK_MS 100

struct timer;
typedef void (*timer_cb)(struct timer *t, void *arg);

/* Embedded in its owner; initialise with timer_init before first use. */
struct timer {
	struct timer *next;
	struct timer **pprev;	   /* NULL when not armed */
	struct timer_wheel *wheel; /* the wheel t is armed on (valid while armed) */
	uint64_t expire_ms;
	timer_cb cb;
	void *arg;
};

struct timer_wheel;

/* Creates a wheel whose clock starts at now_ms. Returns 0 or -ENOMEM. */
int timer_wheel_new(uint64_t now_ms, struct timer_wheel **out);
/* Frees the wheel (takes w). Armed timers are left unarmed, their callbacks not run. */
void timer_wheel_free(struct timer_wheel *w);
void timer_init(struct timer *t, timer_cb cb, void *arg);
/* Arms t to fire at expire_ms (re-arms if already armed). A time at or before the wheel's
 * clock fires on the next advance. */
void timer_set(struct timer_wheel *w, struct timer *t, uint64_t expire_ms);
/* Disarms t if armed; safe on an unarmed timer and from inside any timer callback. */
void timer_cancel(struct timer *t);
bool timer_is_armed(const struct timer *t);
/* Fires, in expiry order within a tick, every timer due at or before now_ms. Callbacks may
 * set, cancel or free (after cancel) any timer, including their own. */
void timer_wheel_advance(struct timer_wheel *w, uint64_t now_ms);
/* Number of armed timers. */
uint64_t timer_wheel_count(const struct timer_wheel *w);

#endif
