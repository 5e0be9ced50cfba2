/* The per-source TCP connection table: counts per IPv4 address and per IPv6 /64, the
 * per-source limit, the bound on connections in total, entries that go when their count
 * reaches zero (backward-shift deletion keeps every other entry reachable), and churn with
 * many sources that leaves the table empty. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/addr.h"
#include "net/srcmap.h"
#include "tap.h"

static struct addr ip(const char *s, uint16_t port)
{
	struct addr a;

	if (addr_parse(&a, s, port) < 0)
		abort();
	return a;
}

static struct addr ip4n(unsigned n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "10.%u.%u.%u", (n >> 16) & 255, (n >> 8) & 255, n & 255);
	return ip(buf, 1000);
}

static void test_limits(void)
{
	struct net_srcmap *m;
	struct addr a = ip("192.0.2.1", 1), a2 = ip("192.0.2.1", 2), b = ip("192.0.2.2", 1);
	int err = 0;

	CHECK_EQ_INT(net_srcmap_new(16, &m), 0, "new");
	for (int i = 0; i < 3; i++)
		err |= net_srcmap_take(m, i ? &a2 : &a, 3);
	CHECK_EQ_INT(err, 0, "three connections from one address (ports differ)");
	CHECK_EQ_INT(net_srcmap_take(m, &a, 3), -EDQUOT, "the fourth is over the limit");
	CHECK_EQ_INT(net_srcmap_count(m, &a), 3, "count 3");
	CHECK_EQ_INT(net_srcmap_take(m, &b, 3), 0, "another address is not affected");
	CHECK_EQ_INT(net_srcmap_sources(m), 2, "two sources");
	net_srcmap_put(m, &a);
	CHECK_EQ_INT(net_srcmap_take(m, &a, 3), 0, "after one closes, one more is allowed");
	for (int i = 0; i < 3; i++)
		net_srcmap_put(m, &a);
	net_srcmap_put(m, &b);
	CHECK_EQ_INT(net_srcmap_sources(m), 0, "all closed: no entry left");
	CHECK_EQ_INT(net_srcmap_count(m, &a), 0, "count 0");
	net_srcmap_put(m, &a);
	CHECK_EQ_INT(net_srcmap_sources(m), 0, "a put without a take changes nothing");
	int taken = 0;

	for (int i = 0; i < 100; i++)
		taken += net_srcmap_take(m, &a, 0) == 0;
	CHECK(taken == 16 && net_srcmap_count(m, &a) == 16,
	      "limit 0: no per-source limit, but no more than max_conns in total");
	CHECK_EQ_INT(net_srcmap_take(m, &b, 0), -ENOSPC, "max_conns reached: -ENOSPC");
	net_srcmap_free(m);
}

static void test_ipv6(void)
{
	struct net_srcmap *m;
	struct addr a = ip("2001:db8:1:2::1", 1), a2 = ip("2001:db8:1:2:ffff::7", 1);
	struct addr b = ip("2001:db8:1:3::1", 1), v4 = ip("0.0.0.0", 1);

	CHECK_EQ_INT(net_srcmap_new(8, &m), 0, "new");
	CHECK_EQ_INT(net_srcmap_take(m, &a, 2), 0, "first from the /64");
	CHECK_EQ_INT(net_srcmap_take(m, &a2, 2), 0, "second from the /64 (another host)");
	CHECK_EQ_INT(net_srcmap_take(m, &a2, 2), -EDQUOT, "the /64 is one source");
	CHECK_EQ_INT(net_srcmap_take(m, &b, 2), 0, "the next /64 is another source");
	CHECK_EQ_INT(net_srcmap_take(m, &v4, 2), 0, "0.0.0.0 is not the IPv6 zero prefix");
	CHECK_EQ_INT(net_srcmap_sources(m), 3, "three sources");
	net_srcmap_free(m);
}

/* Many sources in and out in an interleaved order: every count stays right and the
 * table ends empty (a deletion that lost an entry would show as a wrong count). */
static void test_churn(void)
{
	enum { N = 3000 };
	struct net_srcmap *m;
	int bad = 0;

	CHECK_EQ_INT(net_srcmap_new(2 * N, &m), 0, "new");
	for (unsigned i = 0; i < N; i++) {
		struct addr a = ip4n(i * 7919u);

		bad += net_srcmap_take(m, &a, 2) != 0;
		if (i % 3 == 0)
			bad += net_srcmap_take(m, &a, 2) != 0;
	}
	CHECK_EQ_INT(bad, 0, "%d sources in", N);
	CHECK_EQ_INT(net_srcmap_sources(m), N, "%d entries", N);
	for (unsigned i = 0; i < N; i += 2) {
		struct addr a = ip4n(i * 7919u);

		net_srcmap_put(m, &a);
		if (i % 3 == 0)
			net_srcmap_put(m, &a);
	}
	for (unsigned i = 0; i < N; i++) {
		struct addr a = ip4n(i * 7919u);
		unsigned want = i % 2 ? (i % 3 == 0 ? 2 : 1) : 0;

		bad += net_srcmap_count(m, &a) != want;
	}
	CHECK_EQ_INT(bad, 0, "counts right after half the sources left");
	for (unsigned i = 1; i < N; i += 2) {
		struct addr a = ip4n(i * 7919u);

		net_srcmap_put(m, &a);
		if (i % 3 == 0)
			net_srcmap_put(m, &a);
	}
	CHECK_EQ_INT(net_srcmap_sources(m), 0, "empty at the end");
	net_srcmap_free(m);
}

int main(void)
{
	test_limits();
	test_ipv6();
	test_churn();
	return tap_done();
}
