/* Token buckets and the per-source table: exact refill, burst, unlimited, isolation,
 * eviction under many sources. */
#include "turn/ratelimit.h"

#include <stdio.h>

#include "tap.h"

/* CHECK evaluates its condition twice; these conditions take tokens, so evaluate once. */
#define CHECK_ONCE(cond, ...)                          \
	do {                                           \
		bool once_ = (cond);                   \
		CHECK(once_, __VA_ARGS__);             \
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

static void src(struct addr *a, unsigned i)
{
	char ip[32];

	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	addr_parse(a, ip, (uint16_t)i);
}

static void test_table(void)
{
	struct ratelimit *r = NULL;
	struct addr a, b, a2, v6;
	int n = 0;

	CHECK_EQ_INT(ratelimit_new(100, 1, 3, &r), 0, "ratelimit_new");
	addr_parse(&a, "192.0.2.1", 1000);
	addr_parse(&a2, "192.0.2.1", 2000);
	addr_parse(&b, "192.0.2.2", 1000);
	addr_parse(&v6, "::ffff:192.0.2.1", 1000);
	while (n < 100 && ratelimit_allow(r, &a, 0))
		n++;
	CHECK_EQ_INT(n, 3, "source a: burst 3");
	CHECK_ONCE(!ratelimit_allow(r, &a2, 0), "same IP, other port: same bucket");
	CHECK_ONCE(ratelimit_allow(r, &b, 0), "source b isolated from a");
	CHECK_ONCE(ratelimit_allow(r, &v6, 0), "IPv6 spelling is a separate source");
	CHECK_ONCE(!ratelimit_allow(r, &a, 999), "a: nothing before 1 s");
	CHECK_ONCE(ratelimit_allow(r, &a, 1000), "a: one after 1 s");
	ratelimit_free(r);
	ratelimit_free(NULL);

	CHECK_EQ_INT(ratelimit_new(1, 0, 0, &r), 0, "unlimited table");
	for (n = 0; n < 1000 && ratelimit_allow(r, &a, 0); n++)
		;
	CHECK_EQ_INT(n, 1000, "rate 0: unlimited");
	ratelimit_free(r);
}

static void test_eviction(void)
{
	struct ratelimit *r = NULL;
	struct addr a, victim;
	int denied = 0, fresh = 0;

	ratelimit_new(64, 1, 1, &r);
	/* 64 sources fill the table; each spends its one token */
	for (unsigned i = 0; i < 64; i++) {
		src(&a, i);
		ratelimit_allow(r, &a, 0);
	}
	/* 100,000 new sources: each is admitted once (it gets a slot), none crashes or loops */
	for (unsigned i = 1000; i < 101000; i++) {
		src(&a, i);
		fresh += ratelimit_allow(r, &a, 10 + i);
		denied += !ratelimit_allow(r, &a, 10 + i);
	}
	CHECK_EQ_INT(fresh, 100000, "every new source gets a slot");
	CHECK_EQ_INT(denied, 100000, "and is limited right away");
	/* a source seen just now survives one newcomer in its group; the stalest goes */
	addr_parse(&victim, "203.0.113.7", 0);
	ratelimit_allow(r, &victim, 200000);
	CHECK_ONCE(!ratelimit_allow(r, &victim, 200000), "victim limited");
	src(&a, 555555);
	ratelimit_allow(r, &a, 200001);
	CHECK_ONCE(!ratelimit_allow(r, &victim, 200001), "recent source not evicted by one newcomer");
	ratelimit_free(r);
}

int main(void)
{
	test_bucket();
	test_table();
	test_eviction();
	return tap_done();
}
