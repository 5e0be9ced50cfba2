/* The server's own addresses and live relay ports (turn/relayset.h): exact spelling,
 * external-ip mappings, embedded IPv4 forms, loopback with allow-loopback-peers, and
 * ports marked from several threads at once. */
#include "turn/relayset.h"

#include <pthread.h>

#include "tap.h"

static bool live(const struct turn_relayset *rs, const char *ip, uint16_t port)
{
	struct addr a;

	addr_parse(&a, ip, port);
	return turn_relayset_is_live(rs, &a);
}

static bool own(const struct turn_relayset *rs, const char *ip)
{
	struct addr a;

	addr_parse(&a, ip, 9);
	return turn_relayset_is_own(rs, &a);
}

static void mark(struct turn_relayset *rs, const char *ip, uint16_t port, bool on)
{
	struct addr a;

	addr_parse(&a, ip, port);
	turn_relayset_mark(rs, &a, on);
}

static void test_live(void)
{
	struct addr relay[3], other;
	struct turn_relayset_ext ext[2];
	struct turn_relayset_cfg rc = {
		.relay = relay, .nrelay = 3, .ext = ext, .next = 2, .own = &other, .nown = 1};
	struct turn_relayset *rs = NULL;

	addr_parse(&relay[0], "10.0.0.5", 0);
	addr_parse(&relay[1], "10.0.0.6", 0);
	addr_parse(&relay[2], "2a00:5::1", 0);
	addr_parse(&ext[0].pub, "45.0.0.5", 0);
	addr_parse(&ext[0].priv, "10.0.0.5", 0);
	ext[0].has_priv = true;
	addr_parse(&ext[1].pub, "2a00:9::9", 0);
	ext[1].has_priv = false;
	addr_parse(&other, "198.51.100.7", 3478);
	CHECK_EQ_INT(turn_relayset_new(&rc, &rs), 0, "created");
	CHECK(!live(rs, "10.0.0.5", 50000), "nothing live at first");
	mark(rs, "10.0.0.5", 50000, true);
	mark(rs, "2a00:5::1", 65535, true);
	CHECK(live(rs, "10.0.0.5", 50000), "a marked port is live");
	CHECK(!live(rs, "10.0.0.5", 50001), "its neighbour is not");
	CHECK(!live(rs, "10.0.0.6", 50000), "the same port of another relay address is not");
	CHECK(!live(rs, "::ffff:10.0.0.5", 50000), "the mapped spelling is not");
	CHECK(live(rs, "45.0.0.5", 50000), "through its external-ip PUBLIC/PRIVATE");
	CHECK(!live(rs, "45.0.0.5", 50002), "external-ip at a port not live");
	CHECK(live(rs, "2a00:9::9", 65535), "through an external-ip without PRIVATE");
	CHECK(live(rs, "2a00:5::1", 65535), "IPv6, port 65535");
	CHECK(!live(rs, "10.0.0.5", 0), "port 0 never");
	mark(rs, "10.0.0.5", 50000, false);
	CHECK(!live(rs, "10.0.0.5", 50000) && !live(rs, "45.0.0.5", 50000), "released");
	mark(rs, "192.0.2.1", 50000, true);
	CHECK(!live(rs, "192.0.2.1", 50000), "marking a non-relay address is ignored");
	CHECK(own(rs, "10.0.0.6") && own(rs, "45.0.0.5") && own(rs, "198.51.100.7"),
	      "relay, external and other own addresses");
	CHECK(own(rs, "::ffff:10.0.0.6") && own(rs, "::ffff:0:10.0.0.6") && own(rs, "::10.0.0.6") &&
		      own(rs, "64:ff9b::a00:6") && own(rs, "2002:a00:6::1"),
	      "own in every embedded spelling");
	CHECK(own(rs, "127.0.0.1") && own(rs, "127.9.9.9") && own(rs, "::1") &&
		      own(rs, "0.0.0.0") && own(rs, "0.1.2.3") && own(rs, "::") &&
		      own(rs, "::ffff:127.0.0.1"),
	      "loopback and the unspecified host are always own");
	CHECK(!own(rs, "10.0.0.7") && !own(rs, "8.8.8.8") && !own(rs, "2a00:5::2"),
	      "other addresses are not");
	turn_relayset_free(rs);
	rc.loopback_open = true;
	CHECK_EQ_INT(turn_relayset_new(&rc, &rs), 0, "created with loopback open");
	CHECK(!own(rs, "127.0.0.1") && !own(rs, "::1"), "allow-loopback-peers: loopback not own");
	CHECK(own(rs, "0.0.0.0") && own(rs, "::"), "the unspecified host still is");
	turn_relayset_free(rs);
	turn_relayset_free(NULL);
}

struct marker {
	struct turn_relayset *rs;
	uint16_t first;
};

/* Marks 1000 ports (every other one from first) live, then half of them not. */
static void *marker_run(void *arg)
{
	struct marker *m = arg;

	for (int i = 0; i < 1000; i++)
		mark(m->rs, "10.0.0.5", (uint16_t)(m->first + 2 * i), true);
	for (int i = 0; i < 1000; i += 2)
		mark(m->rs, "10.0.0.5", (uint16_t)(m->first + 2 * i), false);
	return NULL;
}

/* Workers set and clear bits of the same words at once: none is lost. */
static void test_threads(void)
{
	struct addr relay;
	struct turn_relayset_cfg rc = {.relay = &relay, .nrelay = 1};
	struct marker m[2];
	pthread_t th[2];
	int bad = 0;

	addr_parse(&relay, "10.0.0.5", 0);
	CHECK_EQ_INT(turn_relayset_new(&rc, &m[0].rs), 0, "created");
	m[1].rs = m[0].rs;
	m[0].first = 40000;
	m[1].first = 40001;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, marker_run, &m[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 1000; i++)
		for (int parity = 0; parity < 2; parity++)
			bad += live(m[0].rs, "10.0.0.5", (uint16_t)(40000 + parity + 2 * i)) !=
			       (i % 2 == 1);
	CHECK_EQ_INT(bad, 0,
		     "two threads on interleaved ports: every bit as the last write left it");
	turn_relayset_free(m[0].rs);
}

int main(void)
{
	test_live();
	test_threads();
	return tap_done();
}
