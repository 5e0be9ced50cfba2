/* The counters behind the metrics (turn/server.h, turn/stats.h), counted where the event
 * happens: requests by method and transport, authentication failures by reason (the first
 * challenge is none), Allocate failures by code, peers denied by reason, the allocation
 * gauges, and what each realm relayed. */
#include "test_turn_fake.h"
#include "turn/stats.h"

static struct peer_policy *t_policy(void)
{
	struct peer_policy_cfg pc = {0};
	struct peer_policy *p = NULL;

	peer_policy_new(&pc, &p);
	return p;
}

static const struct turn_counters *t_c(const struct t_env *t)
{
	return turn_server_counters(t->s);
}

static void test_requests_auth(void)
{
	struct t_env t;

	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_challenge(&t), 401, "the first Allocate: challenged");
	CHECK(t_c(&t)->requests[STUN_METHOD_ALLOCATE][TURN_TR_UDP] == 1, "one Allocate over UDP");
	for (int i = 0; i < TURN_AUTH_FAIL_N; i++)
		CHECK(t_c(&t)->auth_fail[i] == 0, "the challenge is no failure (%s)",
		      turn_auth_fail_name((unsigned)i));
	t.pass = "wrong";
	CHECK_EQ_INT(t_allocate(&t), 401, "a wrong password: 401");
	CHECK(t_c(&t)->auth_fail[TURN_AUTH_BAD_INTEGRITY] == 1, "counted as bad_integrity");
	t.user = "mallory";
	CHECK_EQ_INT(t_allocate(&t), 401, "an unknown user: 401");
	CHECK(t_c(&t)->auth_fail[TURN_AUTH_UNKNOWN_USER] == 1, "counted as unknown_user");
	t.user = "alice";
	t.pass = "secret";
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK(t_c(&t)->requests[STUN_METHOD_ALLOCATE][TURN_TR_UDP] == 4, "four Allocates");
	CHECK_EQ_INT(t_refresh(&t, false, 0), 0, "refreshed");
	CHECK(t_c(&t)->requests[STUN_METHOD_REFRESH][TURN_TR_UDP] == 1, "one Refresh");
	t_stop(&t);
}

static void test_alloc_fail(void)
{
	struct t_env t;
	struct turn_stats st;

	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	turn_server_stats(t.s, &st);
	CHECK(st.allocs[TURN_TR_UDP][TURN_FAM_IPV4] == 1 && st.c.allocs_total == 1,
	      "gauge: one UDP allocation of IPv4");
	CHECK_EQ_INT(t_allocate(&t), 437, "again from the same 5-tuple: 437");
	CHECK(t_c(&t)->alloc_fail[turn_fail_slot(437)] == 1, "counted under 437");
	CHECK(t_c(&t)->alloc_fail[0] == 0, "nothing under other codes");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "deleted");
	turn_server_stats(t.s, &st);
	CHECK(st.allocs[TURN_TR_UDP][TURN_FAM_IPV4] == 0 && st.c.allocs_total == 1,
	      "gauge back to 0, created stays 1");
	t_stop(&t);
}

static void test_peer_denied(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	struct turn_stats st;

	t_init(&t);
	t.cfg.peers = t_policy();
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "10.0.0.1"), 403, "a private peer: 403");
	CHECK(t_c(&t)->peer_denied[TURN_DENY_POLICY] == 1, "counted as policy");
	CHECK_EQ_INT(t_create_perm(&t, "2001:4860::8888"), 443, "IPv6 peer, IPv4 relay: 443");
	CHECK(t_c(&t)->peer_denied[TURN_DENY_FAMILY] == 1, "counted as family_mismatch");
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 5, "x", 1, &msg) == 0, "no permission: dropped");
	turn_server_stats(t.s, &st);
	CHECK(st.c.peer_denied[TURN_DENY_NO_PERMISSION] == 1, "counted as no_permission");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);
}

static void test_realms(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	struct turn_realm_traffic rt[TURN_REALM_SLOTS];
	size_t n = 0;

	t_init(&t);
	t.cfg.peers = t_policy();
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "permission");
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 5, "hello", 5, &msg) > 0, "relayed to the client");
	turn_server_realm_traffic(t.s, rt, TURN_REALM_SLOTS, &n);
	CHECK(n == 1 && strcmp(rt[0].realm, T_REALM) == 0 && rt[0].pkts_to_client == 1 &&
		      rt[0].bytes_to_client == 5,
	      "a live allocation: its realm's traffic");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "deleted");
	n = 0;
	turn_server_realm_traffic(t.s, rt, TURN_REALM_SLOTS, &n);
	CHECK(n == 1 && rt[0].pkts_to_client == 1 && rt[0].bytes_to_client == 5,
	      "ended: still counted in its realm");
	t_stop(&t);
	peer_policy_free((struct peer_policy *)t.cfg.peers);
}

int main(void)
{
	test_requests_auth();
	test_alloc_fail();
	test_peer_denied();
	test_realms();
	return tap_done();
}
