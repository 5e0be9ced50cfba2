/* Timer wheel: ordering, cancel, re-arm and free from callbacks, many random timers, large
 * clock jumps, count. */
#include "base/timer.h"

#include <stdlib.h>

#include "tap.h"

#define LOG_MAX 64

struct rec {
	struct timer t;
	int id;
	int fired;
	uint64_t fired_at; /* the wheel time passed to the advance that fired it */
};

static int fire_log[LOG_MAX], nlog;
static uint64_t clock_ms;
static struct timer_wheel *wheel;

static void on_fire(struct timer *t, void *arg)
{
	struct rec *r = arg;

	(void)t;
	r->fired++;
	r->fired_at = clock_ms;
	if (nlog < LOG_MAX)
		fire_log[nlog++] = r->id;
}

static void advance(uint64_t now)
{
	clock_ms = now;
	timer_wheel_advance(wheel, now);
}

static void test_order(void)
{
	struct rec r[5];
	/* set out of order; two in the same tick (1010, 1050), one at the wheel's clock */
	uint64_t when[5] = {1300, 1050, 1010, 1000, 5000};

	nlog = 0;
	timer_wheel_new(1000, &wheel);
	for (int i = 0; i < 5; i++) {
		r[i] = (struct rec){.id = i};
		timer_init(&r[i].t, on_fire, &r[i]);
		CHECK(!timer_is_armed(&r[i].t), "order: unarmed after init %d", i);
		timer_set(wheel, &r[i].t, when[i]);
	}
	CHECK_EQ_INT(timer_wheel_count(wheel), 5, "order: count 5");
	advance(1000);
	CHECK_EQ_INT(nlog, 1, "order: timer at the clock fires on the next advance");
	CHECK_EQ_INT(fire_log[0], 3, "order: it is the one at 1000");
	advance(1049);
	CHECK_EQ_INT(nlog, 2, "order: 1010 fired at 1049, 1050 not yet");
	advance(1500);
	CHECK_EQ_INT(nlog, 4, "order: 1050 and 1300 fired by 1500");
	CHECK(fire_log[1] == 2 && fire_log[2] == 1 && fire_log[3] == 0,
	      "order: expiry order 1010, 1050, 1300");
	CHECK(timer_is_armed(&r[4].t), "order: 5000 still armed");
	CHECK_EQ_INT(timer_wheel_count(wheel), 1, "order: count 1");
	advance(4999);
	CHECK_EQ_INT(nlog, 4, "order: not early");
	advance(5000);
	CHECK_EQ_INT(nlog, 5, "order: 5000 fired at 5000");
	CHECK(!timer_is_armed(&r[4].t), "order: unarmed after firing");
	CHECK_EQ_INT(timer_wheel_count(wheel), 0, "order: count 0");
	timer_wheel_free(wheel);
}

static void test_cancel(void)
{
	struct rec a = {.id = 1}, b = {.id = 2};

	nlog = 0;
	timer_wheel_new(0, &wheel);
	timer_init(&a.t, on_fire, &a);
	timer_init(&b.t, on_fire, &b);
	timer_cancel(&a.t);
	CHECK(!timer_is_armed(&a.t), "cancel: unarmed cancel is a no-op");
	timer_set(wheel, &a.t, 500);
	timer_set(wheel, &b.t, 500);
	timer_cancel(&a.t);
	timer_cancel(&a.t);
	CHECK(!timer_is_armed(&a.t), "cancel: disarmed");
	CHECK_EQ_INT(timer_wheel_count(wheel), 1, "cancel: count 1");
	timer_set(wheel, &b.t, 900);
	CHECK_EQ_INT(timer_wheel_count(wheel), 1, "cancel: re-set keeps count 1");
	advance(600);
	CHECK_EQ_INT(nlog, 0, "cancel: nothing at 600 (b moved to 900)");
	advance(1000);
	CHECK(a.fired == 0 && b.fired == 1, "cancel: only b fired, once");
	timer_set(wheel, &a.t, 2000);
	timer_wheel_free(wheel);
	CHECK(!timer_is_armed(&a.t), "cancel: wheel free leaves timers unarmed");
}

/* Re-arms itself a fixed number of times, one period apart. */
struct rearm {
	struct timer t;
	int n;
	uint64_t at[8];
};

static void on_rearm(struct timer *t, void *arg)
{
	struct rearm *r = arg;

	r->at[r->n++] = clock_ms;
	if (r->n < 5)
		timer_set(wheel, t, t->expire_ms + 1000);
}

static void test_rearm(void)
{
	struct rearm r = {.n = 0};

	timer_wheel_new(0, &wheel);
	timer_init(&r.t, on_rearm, &r);
	timer_set(wheel, &r.t, 1000);
	for (uint64_t now = 100; now <= 10000; now += 100)
		advance(now);
	CHECK_EQ_INT(r.n, 5, "rearm: fired 5 times");
	CHECK(r.at[0] == 1000 && r.at[4] == 5000, "rearm: at 1000 .. 5000");
	r.n = 0;
	timer_set(wheel, &r.t, 20000);
	advance(30000);
	/* one advance fires due re-arms within it (21000..24000 are all <= 30000) */
	CHECK_EQ_INT(r.n, 5, "rearm: chain inside one advance");
	CHECK_EQ_INT(timer_wheel_count(wheel), 0, "rearm: count 0");
	timer_wheel_free(wheel);
}

/* A callback that cancels and frees another due timer, and frees itself. */
struct victim {
	struct timer t;
	int fired;
};

static struct victim *victim_b;

static void on_victim(struct timer *t, void *arg)
{
	struct victim *v = arg;

	v->fired++;
}

static void on_killer(struct timer *t, void *arg)
{
	struct victim *self = arg;

	timer_cancel(&victim_b->t);
	free(victim_b);
	victim_b = NULL;
	timer_cancel(t);
	free(self);
}

static void test_free_in_cb(void)
{
	struct victim *a = calloc(1, sizeof(*a));
	struct victim c = {.fired = 0};

	victim_b = calloc(1, sizeof(*victim_b));
	timer_wheel_new(0, &wheel);
	timer_init(&a->t, on_killer, a);
	timer_init(&victim_b->t, on_victim, victim_b);
	timer_init(&c.t, on_victim, &c);
	timer_set(wheel, &a->t, 100);
	timer_set(wheel, &victim_b->t, 150); /* same tick, due in the same batch */
	timer_set(wheel, &c.t, 190);
	advance(199);
	CHECK(victim_b == NULL, "free: victim freed in callback");
	CHECK_EQ_INT(c.fired, 1, "free: later timer in the batch still fires");
	CHECK_EQ_INT(timer_wheel_count(wheel), 0, "free: count 0");
	timer_wheel_free(wheel);
}

#define NRAND 10000

static void test_random(void)
{
	static struct rec r[NRAND];
	int bad = 0, early = 0, late = 0;
	uint64_t now;

	srand(12345);
	timer_wheel_new(0, &wheel);
	nlog = LOG_MAX;
	for (int i = 0; i < NRAND; i++) {
		r[i] = (struct rec){.id = i};
		timer_init(&r[i].t, on_fire, &r[i]);
		/* 0.1 s .. 3600 s, beyond one revolution of the wheel */
		timer_set(wheel, &r[i].t, 100 + (uint64_t)rand() % 3600000);
	}
	CHECK_EQ_INT(timer_wheel_count(wheel), NRAND, "random: count");
	for (now = 0; now <= 3700000; now += TIMER_TICK_MS)
		advance(now);
	for (int i = 0; i < NRAND; i++) {
		bad += r[i].fired != 1;
		early += r[i].fired_at < r[i].t.expire_ms;
		late += r[i].fired_at >= r[i].t.expire_ms + TIMER_TICK_MS;
	}
	CHECK_EQ_INT(bad, 0, "random: every timer fired exactly once");
	CHECK_EQ_INT(early, 0, "random: none early");
	CHECK_EQ_INT(late, 0, "random: none a tick late");
	CHECK_EQ_INT(timer_wheel_count(wheel), 0, "random: count 0");

	/* odd steps: each fires at the first advance at or after its expiry */
	for (int i = 0; i < NRAND; i++) {
		r[i].fired = 0;
		timer_set(wheel, &r[i].t, now + 1 + (uint64_t)rand() % 900000);
	}
	bad = 0;
	while (timer_wheel_count(wheel) > 0) {
		uint64_t prev = now;

		now += 1 + (uint64_t)rand() % 7777;
		advance(now);
		for (int i = 0; i < NRAND; i++) {
			if (r[i].fired_at == now && r[i].fired &&
			    (r[i].t.expire_ms > now || r[i].t.expire_ms <= prev))
				bad++;
		}
	}
	for (int i = 0; i < NRAND; i++)
		bad += r[i].fired != 1;
	CHECK_EQ_INT(bad, 0, "random steps: each fired once, at the first advance past it");
	timer_wheel_free(wheel);
}

static void test_jump(void)
{
	struct rec r[4];
	uint64_t when[4] = {3600000, 1000, 500000, 7200000};

	nlog = 0;
	timer_wheel_new(0, &wheel);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct rec){.id = i};
		timer_init(&r[i].t, on_fire, &r[i]);
		timer_set(wheel, &r[i].t, when[i]);
	}
	advance(3600000); /* an hour at once: one sweep, not 36,000 ticks */
	CHECK_EQ_INT(nlog, 3, "jump: three due after an hour");
	CHECK(fire_log[0] == 1 && fire_log[1] == 2 && fire_log[2] == 0,
	      "jump: fired in expiry order");
	CHECK(timer_is_armed(&r[3].t), "jump: two-hour timer still armed");
	advance(7199999);
	CHECK_EQ_INT(nlog, 3, "jump: not early");
	advance(7200000);
	CHECK_EQ_INT(nlog, 4, "jump: two-hour timer fired");
	timer_set(wheel, &r[0].t, 100); /* in the past */
	advance(7200000);
	CHECK_EQ_INT(r[0].fired, 2, "jump: past expiry fires on the next advance");
	advance(UINT64_MAX / 2);
	CHECK_EQ_INT(timer_wheel_count(wheel), 0, "jump: huge jump is fine");
	timer_wheel_free(wheel);
	timer_wheel_free(NULL);
}

int main(void)
{
	test_order();
	test_cancel();
	test_rearm();
	test_free_in_cb();
	test_random();
	test_jump();
	return tap_done();
}
