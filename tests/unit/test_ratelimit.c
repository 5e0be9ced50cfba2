/* Token buckets and the unauthenticated-reply limiter: exact refill, burst, unlimited;
 * per-IP reply and byte budgets, per-port fairness inside them, proven transport
 * addresses, eviction under many sources, and one limiter shared by several threads. */
#include "turn/ratelimit.h"

#include <pthread.h>
#include <stdio.h>

#include "tap.h"

/* CHECK evaluates its condition twice; these conditions take tokens, so evaluate once. */
#define CHECK_ONCE(cond, ...)                                                                      \
	do {                                                                                       \
		bool once_ = (cond);                                                               \
		CHECK(once_, __VA_ARGS__);                                                         \
	} while (0)

static int take_all(struct tbucket *b, uint64_t now)
{
	int n = 0;

	while (n < 1000000 && tbucket_take(b, 1, now))
		n++;
	return n;
}

static void test_bucket(void)
{
	struct tbucket b;
	int got = 0;

	tbucket_init(&b, 10, 5, 1000);
	CHECK_EQ_INT(take_all(&b, 1000), 5, "starts full: burst 5");
	CHECK_ONCE(!tbucket_take(&b, 1, 1099), "empty before 100 ms at 10/s");
	CHECK_ONCE(tbucket_take(&b, 1, 1100), "one token after exactly 100 ms");
	CHECK_ONCE(!tbucket_take(&b, 1, 1100), "and only one");
	CHECK_EQ_INT(take_all(&b, 1400), 3, "three after 300 ms more");
	CHECK_EQ_INT(take_all(&b, 100000), 5, "refill capped at burst");

	/* 1 token per second in 1 ms steps: no rounding loss over a long run */
	tbucket_init(&b, 1, 1, 0);
	tbucket_take(&b, 1, 0);
	for (uint64_t t = 1; t <= 60000; t++)
		got += tbucket_take(&b, 1, t);
	CHECK_EQ_INT(got, 60, "1/s over 60 s in 1 ms steps: exactly 60");

	/* 3 per second: one token each 333.33 ms, exactly 3000 in 1000 s (burst 2 so the
	 * fractions are never clipped at the bucket's top) */
	tbucket_init(&b, 3, 2, 0);
	take_all(&b, 0);
	got = 0;
	for (uint64_t t = 8; t <= 1000000; t += 8)
		got += tbucket_take(&b, 1, t);
	CHECK_EQ_INT(got, 3000, "3/s in 8 ms steps over 1000 s: exactly 3000");

	/* byte-sized takes, as for max-bps */
	tbucket_init(&b, 1000, 1500, 0);
	CHECK_ONCE(tbucket_take(&b, 1200, 0), "take 1200 of 1500");
	CHECK_ONCE(!tbucket_take(&b, 1200, 0), "not another 1200");
	CHECK_ONCE(!tbucket_take(&b, 1200, 899), "not after 899 ms");
	CHECK_ONCE(tbucket_take(&b, 1200, 900), "after 900 ms");
	CHECK_ONCE(!tbucket_take(&b, 2000, 100000), "never more than the burst");
	CHECK_ONCE(tbucket_take(&b, 1500, 100000), "the whole burst");
	CHECK_ONCE(!tbucket_take(&b, 1, 50), "clock going back: no refill");
	CHECK_ONCE(!tbucket_take(&b, 1, 100000), "nor when it comes back");
	CHECK_ONCE(tbucket_take(&b, 1, 100001), "refill resumes");

	tbucket_init(&b, 0, 0, 0);
	CHECK_EQ_INT(take_all(&b, 0), 1000000, "rate 0 is unlimited");
	CHECK_ONCE(tbucket_take(&b, UINT64_MAX, 0), "unlimited takes anything");

	tbucket_init(&b, UINT64_MAX, UINT64_MAX, 0);
	CHECK_ONCE(tbucket_take(&b, UINT64_MAX / 2000, 0), "huge values saturate");
	CHECK_ONCE(tbucket_take(&b, 1, UINT64_MAX), "huge time step saturates");
}

/* Charging what was already spent elsewhere (the kernel fast path's bytes, max-bps). */
static void test_spend(void)
{
	struct tbucket b;

	tbucket_init(&b, 1000, 1500, 0);
	CHECK_ONCE(tbucket_is_full(&b, 0), "starts full");
	CHECK_ONCE(tbucket_spend(&b, 1000, 0), "1000 of 1500 covered");
	CHECK_ONCE(!tbucket_is_full(&b, 0), "no longer full");
	CHECK_ONCE(!tbucket_spend(&b, 600, 0), "600 more: not covered");
	CHECK_ONCE(!tbucket_take(&b, 1, 0), "and the bucket is emptied");
	CHECK_ONCE(!tbucket_is_full(&b, 1499), "not full after 1499 ms at 1000/s");
	CHECK_ONCE(tbucket_is_full(&b, 1500), "full after 1500 ms");
	CHECK_ONCE(tbucket_spend(&b, 1500, 1500), "the whole burst covered");
	CHECK_ONCE(!tbucket_spend(&b, 1, 1500), "then nothing");
	CHECK_ONCE(tbucket_spend(&b, 0, 1500), "nothing is always covered");
	tbucket_init(&b, 0, 0, 0);
	CHECK_ONCE(tbucket_spend(&b, UINT64_MAX, 0) && tbucket_is_full(&b, 0),
		   "unlimited: always covered, always full");
}

static void src(struct addr *a, unsigned i)
{
	char ip[32];

	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	addr_parse(a, ip, (uint16_t)i);
}

static struct ratelimit *rl(uint64_t rate, uint64_t bytes, uint64_t port_rate)
{
	struct ratelimit_cfg c = {.rate = rate,
				  .bytes = bytes,
				  .port_rate = port_rate,
				  .proven_ms = 600000,
				  .slots = 100,
				  .proven_slots = 100};
	struct ratelimit *r = NULL;

	CHECK_EQ_INT(ratelimit_new(&c, &r), 0, "ratelimit_new %llu/s %llu B/s %llu/s per port",
		     (unsigned long long)rate, (unsigned long long)bytes,
		     (unsigned long long)port_rate);
	return r;
}

/* Replies of len bytes allowed to a, at most max tries. */
static int allow_n(struct ratelimit *r, const struct addr *a, size_t len, uint64_t now, int max)
{
	int n = 0;

	while (n < max && ratelimit_allow(r, a, len, now))
		n++;
	return n;
}

static void test_ip_budget(void)
{
	struct ratelimit *r = rl(3, 0, 0);
	struct addr a, b, a2, v6;
	int n;

	addr_parse(&a, "192.0.2.1", 1000);
	addr_parse(&a2, "192.0.2.1", 2000);
	addr_parse(&b, "192.0.2.2", 1000);
	addr_parse(&v6, "::ffff:192.0.2.1", 1000);
	CHECK_EQ_INT(allow_n(r, &a, 100, 0, 100), 3, "source a: burst 3");
	CHECK_ONCE(!ratelimit_allow(r, &a2, 100, 0), "same IP, other port: same IP budget");
	CHECK_ONCE(ratelimit_allow(r, &b, 100, 0), "source b isolated from a");
	CHECK_ONCE(ratelimit_allow(r, &v6, 100, 0), "IPv6 spelling is a separate source");
	CHECK_ONCE(!ratelimit_allow(r, &a, 100, 333), "a: nothing before 1/3 s");
	CHECK_ONCE(ratelimit_allow(r, &a, 100, 334), "a: one after 1/3 s");
	ratelimit_free(r);
	ratelimit_free(NULL);

	r = rl(0, 0, 0);
	CHECK_EQ_INT(allow_n(r, &a, 1500, 0, 1000), 1000, "nothing counted: unlimited");
	ratelimit_free(r);

	/* 10,000/s over 10 s in 1 ms steps: exactly the rate plus the burst */
	r = rl(10000, 0, 0);
	n = 0;
	for (uint64_t t = 0; t < 10000; t++)
		n += allow_n(r, &a, 100, t, 1000);
	CHECK_EQ_INT(n, 10000 + 9999 * 10, "10,000/s: burst then 10 per ms, nothing more");
	ratelimit_free(r);
}

static void test_bytes(void)
{
	struct ratelimit *r = rl(0, 10000, 0);
	struct addr a, a2;
	uint64_t sent = 0, t;
	size_t len;

	addr_parse(&a, "192.0.2.1", 1000);
	addr_parse(&a2, "192.0.2.1", 1001);
	CHECK_EQ_INT(allow_n(r, &a, 1000, 0, 100), 10, "10,000 B burst: ten 1,000 B replies");
	CHECK_ONCE(!ratelimit_allow(r, &a2, 1, 0), "not one byte more, from any port");
	CHECK_ONCE(!ratelimit_allow(r, &a, 1000, 99), "1,000 B need 100 ms");
	CHECK_ONCE(ratelimit_allow(r, &a, 1000, 100), "and are there after 100 ms");
	CHECK_ONCE(!ratelimit_allow(r, &a, 20000, 1000000), "never more than the burst at once");
	ratelimit_free(r);

	/* Mixed sizes from two ports over 60 s: bytes allowed <= burst + rate * time. */
	r = rl(0, 10000, 0);
	for (t = 0; t < 60000; t += 7) {
		len = 60 + (t * 13) % 200;
		sent += ratelimit_allow(r, t % 2 ? &a : &a2, len, t) ? len : 0;
	}
	CHECK(sent <= 10000 + 60000 * 10, "60 s: %llu B <= budget %d B", (unsigned long long)sent,
	      10000 + 60000 * 10);
	CHECK(sent >= 60000 * 10 - 1000, "and the budget is used (%llu B)",
	      (unsigned long long)sent);
	ratelimit_free(r);
}

static void test_port_fairness(void)
{
	struct ratelimit *r = rl(100, 0, 10);
	struct addr flood, other;
	int flooded = 0, answered = 0;

	addr_parse(&flood, "192.0.2.1", 5000);
	/* One port floods: 100,000 requests over 10 s get its own 10/s (plus burst). */
	for (uint64_t t = 0; t < 10000; t++)
		flooded += allow_n(r, &flood, 100, t, 10);
	CHECK_EQ_INT(flooded, 10 + 99, "flooding port over 10 s: burst 10 then 10/s");
	/* Meanwhile every other port of the IP still has its share. */
	flooded = 0;
	for (unsigned p = 0; p < 50; p++) {
		addr_parse(&other, "192.0.2.1", (uint16_t)(6000 + p));
		answered += ratelimit_allow(r, &other, 100, 9999);
		flooded += allow_n(r, &flood, 100, 9999, 100);
	}
	CHECK_EQ_INT(answered, 50, "50 other ports of the same IP all answered");
	CHECK_EQ_INT(flooded, 0, "the flooding port still limited");
	/* Many ports together still stop at the IP's budget. */
	answered = 0;
	for (unsigned p = 0; p < 1000; p++) {
		addr_parse(&other, "192.0.2.1", (uint16_t)(7000 + p));
		answered += allow_n(r, &other, 100, 9999, 5);
	}
	CHECK_EQ_INT(answered, 50, "1,000 more ports: only the rest of the IP budget");
	ratelimit_free(r);
}

static void spoof_flood(struct ratelimit *r, uint64_t now)
{
	struct addr spoof;

	for (unsigned p = 0; p < 100; p++) {
		addr_parse(&spoof, "192.0.2.1", (uint16_t)(10000 + p));
		allow_n(r, &spoof, 100, now, 100);
	}
}

static void test_proven(void)
{
	struct ratelimit *r = rl(10, 1000, 5);
	struct addr client, stranger;

	addr_parse(&client, "192.0.2.1", 4000);
	addr_parse(&stranger, "192.0.2.1", 4001);
	CHECK_ONCE(!ratelimit_is_proven(r, &client, 0), "not proven at first");
	ratelimit_prove(r, &client, 0);
	CHECK_ONCE(ratelimit_is_proven(r, &client, 1), "proven after a verified request");
	CHECK_ONCE(!ratelimit_is_proven(r, &stranger, 1), "only that port");
	/* A spoofed flood in the IP's name from many ports empties the IP budget. */
	spoof_flood(r, 10);
	CHECK_ONCE(!ratelimit_allow(r, &stranger, 100, 10), "the IP budget is spent");
	CHECK_EQ_INT(allow_n(r, &client, 100, 10, 100), 10,
		     "the proven address has its own budget (10 of 1,000 B)");
	CHECK_ONCE(!ratelimit_is_proven(r, &client, 600000), "proof expires after proven_ms");
	spoof_flood(r, 600000);
	CHECK_ONCE(!ratelimit_allow(r, &client, 100, 600000), "then it shares the IP budget");
	ratelimit_prove(r, &client, 600000);
	CHECK_ONCE(ratelimit_is_proven(r, &client, 600001), "proven again");
	ratelimit_free(r);
}

static void test_eviction(void)
{
	struct ratelimit *r = rl(1, 0, 0);
	struct addr a, victim;
	int denied = 0, fresh = 0, proven = 0;

	/* 128 slots fill up; then 100,000 new sources: each is admitted once (it gets a slot),
	 * and is limited right after; nothing crashes or loops. */
	for (unsigned i = 1000; i < 101000; i++) {
		src(&a, i);
		fresh += ratelimit_allow(r, &a, 10, 10 + i);
		denied += !ratelimit_allow(r, &a, 10, 10 + i);
	}
	CHECK_EQ_INT(fresh, 100000, "every new source gets a slot");
	CHECK_EQ_INT(denied, 100000, "and is limited right away");
	/* a source seen just now survives one newcomer in its group; the stalest goes */
	addr_parse(&victim, "203.0.113.7", 0);
	ratelimit_allow(r, &victim, 10, 200000);
	CHECK_ONCE(!ratelimit_allow(r, &victim, 10, 200000), "victim limited");
	src(&a, 555555);
	ratelimit_allow(r, &a, 10, 200001);
	CHECK_ONCE(!ratelimit_allow(r, &victim, 10, 200001),
		   "recent source not evicted by one newcomer");
	/* The proof table is bounded too: 100,000 proofs, the latest ones remembered. */
	for (unsigned i = 0; i < 100000; i++) {
		src(&a, i);
		ratelimit_prove(r, &a, 300000 + i);
	}
	for (unsigned i = 99990; i < 100000; i++) {
		src(&a, i);
		proven += ratelimit_is_proven(r, &a, 400000);
	}
	CHECK_EQ_INT(proven, 10, "the latest proofs are kept");
	ratelimit_free(r);
}

/* Several workers answer one IP at once: together they never exceed its budget. */
#define T_THREADS 4
#define T_TRIES	  200000

struct t_worker {
	struct ratelimit *r;
	int id;
	uint64_t sent, bytes;
};

static void *t_worker_run(void *arg)
{
	struct t_worker *w = arg;
	struct addr a;

	addr_parse(&a, "198.51.100.1", (uint16_t)(1000 + w->id));
	for (uint64_t i = 0; i < T_TRIES; i++) {
		uint64_t now = i / 1000; /* 200 ms of synthetic time */

		if (ratelimit_allow(w->r, &a, 100, now)) {
			w->sent++;
			w->bytes += 100;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	struct ratelimit *r = rl(1000, 50000, 0);
	struct t_worker w[T_THREADS];
	pthread_t th[T_THREADS];
	uint64_t sent = 0, bytes = 0;

	for (int i = 0; i < T_THREADS; i++) {
		w[i] = (struct t_worker){.r = r, .id = i};
		pthread_create(&th[i], NULL, t_worker_run, &w[i]);
	}
	for (int i = 0; i < T_THREADS; i++) {
		pthread_join(th[i], NULL);
		sent += w[i].sent;
		bytes += w[i].bytes;
	}
	/* Over <= 200 ms: bytes <= 50,000 burst + 50,000 B/s * 0.2 s; replies likewise. */
	CHECK(bytes <= 50000 + 10000, "%d threads, one IP: %llu B <= 60,000 B", T_THREADS,
	      (unsigned long long)bytes);
	CHECK(sent >= 500, "and the budget is used (%llu replies)", (unsigned long long)sent);
	ratelimit_free(r);
}

int main(void)
{
	test_bucket();
	test_spend();
	test_ip_budget();
	test_bytes();
	test_port_fairness();
	test_proven();
	test_eviction();
	test_threads();
	return tap_done();
}
