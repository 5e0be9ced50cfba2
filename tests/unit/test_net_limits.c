/* The descriptor budget and the per-source limit shared by the workers: TCP connections
 * stop at limit - reserve descriptors in use, relay sockets at limit - NET_FD_SPARE, both
 * counted against the server's own descriptors; what is given back can be taken again; a
 * source over its limit is refused without touching the budget; an episode is reported
 * once when it starts and once when it ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/addr.h"
#include "net/limits.h"
#include "tap.h"

static struct addr src(int i)
{
	struct addr a;
	char buf[32];

	snprintf(buf, sizeof(buf), "198.51.100.%d", i);
	if (addr_parse(&a, buf, 40000) < 0)
		abort();
	return a;
}

static int take_tcp_until_refused(struct net_limits *l, int most, int *err)
{
	int n = 0;

	while (n < most) {
		struct addr a = src(n % 200);

		*err = net_limits_tcp_take(l, &a);
		if (*err)
			break;
		n++;
	}
	return n;
}

static void test_budget(void)
{
	struct net_limits *l;
	int err = 0, n;

	CHECK_EQ_INT(net_limits_new(1000, 0, &l), 0, "new");
	/* As net_limits_start would set them for RLIMIT_NOFILE 256 with 16 open. */
	l->limit = 256;
	l->reserve = 64;
	l->base = 16;
	n = take_tcp_until_refused(l, 1000, &err);
	CHECK_EQ_INT(n, 256 - 64 - 16, "TCP connections stop at limit - reserve in use");
	CHECK_EQ_INT(err, -EMFILE, "then -EMFILE");
	for (n = 0; net_limits_relay_take(l, 1) == 0; n++)
		;
	CHECK_EQ_INT(n, 64 - NET_FD_SPARE, "relay sockets get the reserve less the spare");
	CHECK_EQ_INT(net_limits_relay_take(l, 2), -EMFILE, "a pair does not fit either");
	net_limits_relay_put(l, 2);
	CHECK_EQ_INT(net_limits_relay_take(l, 2), 0, "two given back: a pair fits again");
	{
		struct addr a = src(0);

		net_limits_tcp_put(l, &a);
	}
	CHECK_EQ_INT(net_limits_relay_take(l, 1), 0, "a closed TCP connection frees a relay");
	n = take_tcp_until_refused(l, 10, &err);
	CHECK_EQ_INT(n, 0, "relay sockets past limit - reserve keep TCP connections out");
	CHECK_EQ_INT(atomic_load(&l->tcp), 256 - 64 - 16 - 1, "the TCP count is exact");
	net_limits_free(l);
}

static void test_per_source(void)
{
	struct net_limits *l;
	struct addr a = src(1), b = src(2);

	CHECK_EQ_INT(net_limits_new(100, 2, &l), 0, "new, 2 per source");
	l->limit = 1024;
	l->reserve = 256;
	CHECK(net_limits_tcp_take(l, &a) == 0 && net_limits_tcp_take(l, &a) == 0, "two from a");
	CHECK_EQ_INT(net_limits_tcp_take(l, &a), -EDQUOT, "the third from a: -EDQUOT");
	CHECK_EQ_INT(atomic_load(&l->tcp), 2, "a refused source does not use the budget");
	CHECK_EQ_INT(net_limits_tcp_take(l, &b), 0, "b is another source");
	net_limits_tcp_put(l, &a);
	CHECK_EQ_INT(net_limits_tcp_take(l, &a), 0, "a again after one closed");
	net_limits_free(l);
}

static void test_episode(void)
{
	struct net_limits *l;
	unsigned long n = 0;

	CHECK_EQ_INT(net_limits_new(10, 0, &l), 0, "new");
	CHECK(!net_episode_ok(&l->relay_short, &n), "no episode: a success reports nothing");
	CHECK(net_episode_fail(&l->relay_short), "the first failure starts the episode");
	CHECK(!net_episode_fail(&l->relay_short) && !net_episode_fail(&l->relay_short),
	      "later failures do not");
	CHECK(net_episode_ok(&l->relay_short, &n) && n == 3,
	      "the next success ends it, with the failures counted (%lu)", n);
	CHECK(!net_episode_ok(&l->relay_short, &n), "and only once");
	CHECK(net_episode_fail(&l->relay_short), "a new failure starts a new episode");
	net_limits_free(l);
}

int main(void)
{
	test_budget();
	test_per_source();
	test_episode();
	return tap_done();
}
