/* bps-capacity (coturn's): the bandwidth every allocation reserves out of one budget shared
 * by the workers (turn/shared.h), max-bps in bytes per second, a partial grant when less is
 * left, 486 when nothing is, the grant returned when the allocation ends, the realm's
 * max-bps from the credential store. RFC 8656 §7.2 step 10 leaves the limits to local
 * policy and names 486 (Allocation Quota Reached) for them. */
#include "test_turn_fake.h"

#include "turn/shared.h"

static void t_port(struct t_env *t, uint16_t port)
{
	addr_parse(&t->src, "192.0.2.10", port);
}

/* How many of n 1000-byte datagrams from a peer reach the client of the allocation made
 * last, at t->src, at once (a permission for 8.8.8.8 is made first). */
static int t_burst(struct t_env *t, int n)
{
	struct t_peer_buf pb;
	struct addr peer;
	const uint8_t *msg;
	struct turn_alloc *a = t->net.r[t->net.nr - 1].req.alloc;
	int ok = 0;

	if (t_create_perm(t, "8.8.8.8") != 0)
		return -1;
	addr_parse(&peer, "8.8.8.8", 53);
	for (int i = 0; i < n; i++) {
		memset(pb.b + TURN_PEER_HEADROOM, 'b', 1000);
		ok += turn_peer_input(t->s, a, &peer, pb.b + TURN_PEER_HEADROOM, 1000, t->now, &msg,
				      &t->to) > 0;
	}
	return ok;
}

static void test_capacity(void)
{
	struct t_env t;
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.max_bps = 2000;
	t.cfg.bps_capacity = 5000;
	t_start(&t);
	t_port(&t, 40000);
	CHECK_EQ_INT(t_allocate(&t), 0, "first allocation: granted its max-bps");
	CHECK(turn_shared_bps_granted(sh) == 2000, "2000 bytes/s granted");
	t_port(&t, 40001);
	CHECK_EQ_INT(t_allocate(&t), 0, "second: granted its max-bps");
	t_port(&t, 40002);
	CHECK_EQ_INT(t_allocate(&t), 0, "third: what is left (1000)");
	CHECK(turn_shared_bps_granted(sh) == 5000, "the whole capacity granted");
	CHECK_EQ_INT(t_burst(&t, 3), 1,
		     "the third is held to its 1000 bytes/s (one 1000-byte "
		     "datagram of three in a burst of 1500)");
	t_port(&t, 40003);
	CHECK_EQ_INT(t_allocate(&t), 486, "fourth: capacity exhausted, 486");
	CHECK_EQ_INT(turn_shared_total(sh), 3, "the refused one holds no quota unit");
	CHECK(turn_shared_bps_granted(sh) == 5000, "and no bandwidth");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 3, "three allocations");

	t_port(&t, 40000);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "the first ends (Refresh LIFETIME 0)");
	CHECK(turn_shared_bps_granted(sh) == 3000, "its 2000 returned");
	t_port(&t, 40003);
	CHECK_EQ_INT(t_allocate(&t), 0, "the fourth is admitted now");
	CHECK_EQ_INT(t_burst(&t, 3), 2, "with its full 2000 bytes/s");

	/* A reload's capacity (the server reads its cfg at each Allocate) holds for new
	 * allocations; the live ones keep their grants. */
	t.cfg.bps_capacity = 9000;
	t_port(&t, 40004);
	CHECK_EQ_INT(t_allocate(&t), 0, "a larger capacity admits another");
	CHECK(turn_shared_bps_granted(sh) == 7000, "7000 granted");
	t_stop(&t);
	CHECK(turn_shared_bps_granted(sh) == 0, "every grant returned at teardown");
	CHECK_EQ_INT(turn_shared_total(sh), 0, "and every quota unit");
	turn_shared_free(sh);
}

/* Without bps-capacity the grants are counted (metrics), nothing refused; without max-bps
 * nothing is reserved (coturn: bps-capacity needs max-bps). */
static void test_unlimited(void)
{
	struct t_env t;
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.max_bps = 1000000;
	t_start(&t);
	for (uint16_t p = 40000; p < 40005; p++) {
		t_port(&t, p);
		CHECK_EQ_INT(t_allocate(&t), 0, "allocation without a capacity");
	}
	CHECK(turn_shared_bps_granted(sh) == 5000000, "five grants counted");
	t.cfg.max_bps = 0;
	t.cfg.bps_capacity = 1;
	t_port(&t, 40005);
	CHECK_EQ_INT(t_allocate(&t), 0, "no max-bps: nothing to reserve, admitted");
	CHECK(turn_shared_bps_granted(sh) == 5000000, "nothing reserved for it");
	t_stop(&t);
	CHECK(turn_shared_bps_granted(sh) == 0, "returned at teardown");
	turn_shared_free(sh);
}

/* The realm's max-bps (Redis turn/realm/<realm>/max-bps, bytes per second as coturn's)
 * wins over the server's, for the limit and the reservation. */
static void test_realm_bps(void)
{
	struct t_env t;
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.max_bps = 100000;
	t.cfg.bps_capacity = 4000;
	t.creds.limits.max_bps = 3000;
	t_start(&t);
	t_port(&t, 40000);
	CHECK_EQ_INT(t_allocate(&t), 0, "the realm's max-bps: 3000 granted");
	CHECK(turn_shared_bps_granted(sh) == 3000, "3000 reserved");
	CHECK_EQ_INT(t_burst(&t, 4), 3,
		     "held to 3000 bytes/s (a burst of three 1000-byte "
		     "datagrams)");
	t_port(&t, 40001);
	CHECK_EQ_INT(t_allocate(&t), 0, "the rest (1000)");
	t_port(&t, 40002);
	CHECK_EQ_INT(t_allocate(&t), 486, "then 486");
	t_stop(&t);
	turn_shared_free(sh);
}

/* The budget itself: all or what is left, never above the capacity, release floors at 0. */
static void test_shared_bps(void)
{
	struct turn_shared *sh;

	turn_shared_new(&sh);
	CHECK(turn_shared_bps_acquire(sh, 0, 10) == 0, "nothing asked: nothing granted");
	CHECK(turn_shared_bps_acquire(sh, 6, 10) == 6, "6 of 10");
	CHECK(turn_shared_bps_acquire(sh, 6, 10) == 4, "the 4 left");
	CHECK(turn_shared_bps_acquire(sh, 1, 10) == 0, "none left");
	CHECK(turn_shared_bps_acquire(sh, 1, 8) == 0, "a capacity lowered below the grants");
	turn_shared_bps_release(sh, 6);
	CHECK(turn_shared_bps_granted(sh) == 4, "6 returned");
	turn_shared_bps_release(sh, 100);
	CHECK(turn_shared_bps_granted(sh) == 0, "never below 0");
	CHECK(turn_shared_bps_acquire(sh, 1ull << 40, 0) == 1ull << 40, "unlimited: all of it");
	turn_shared_free(sh);
}

int main(void)
{
	test_shared_bps();
	test_capacity();
	test_unlimited();
	test_realm_bps();
	return tap_done();
}
