/* A reload of one worker's TURN core (turn_server_reconfigure): new users, SOFTWARE, peer
 * policy and quotas apply to new requests while an existing allocation keeps relaying and
 * refreshing; the quota counts carry on; the replaced credential store is freed at once
 * when idle, else only once its pending lookups are answered (on a later tick), and a
 * second reload before that drops them; a new stale-nonce (the same secret, another
 * lifetime) keeps the nonces made before valid within its own lifetime; new lifetimes
 * apply to permissions made after. */
#include "test_turn_fake.h"

/* A policy denying one range (NULL: the default policy). */
static struct peer_policy *t_deny(const char *range)
{
	struct iprange_list denied = {0};
	struct peer_policy_cfg pc = {.denied = &denied};
	struct peer_policy *p = NULL;

	if (range)
		iprange_list_add(&denied, range);
	peer_policy_new(&pc, &p);
	iprange_list_free(&denied);
	return p;
}

static void t_store_init(struct fake_creds *f, bool with_carol)
{
	memset(f, 0, sizeof(*f));
	f->store.ops = &fake_cred_ops;
	f->store.impl = f;
	f->users[0] = (struct fake_user){"alice", "secret"};
	f->users[1] = (struct fake_user){"bob", "hunter2"};
	f->nusers = 2;
	if (with_carol)
		f->users[f->nusers++] = (struct fake_user){"carol", "c-pass"};
}

/* Switches t's requests to another client address and user (and gets a nonce). */
static void t_as(struct t_env *t, const char *ip, const char *user, const char *pass)
{
	addr_parse(&t->src, ip, 40000);
	t->user = user;
	t->pass = pass;
	t->nonce[0] = 0;
	t_challenge(t);
}

static bool t_has_software(const struct t_env *t, const char *want)
{
	struct stun_str sw;

	return stun_msg_get_bytes(&t->m, STUN_ATTR_SOFTWARE, &sw) == 0 && sw.len == strlen(want) &&
	       memcmp(sw.p, want, sw.len) == 0;
}

static void test_settings(void)
{
	struct t_env t;
	struct turn_cfg cfg2;
	struct fake_creds b;
	struct t_peer_buf pb;
	const uint8_t *msg;

	t_init(&t);
	t.cfg.peers = t_deny(NULL);
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "alice allocates");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "alice: permission for 8.8.8.8");
	t_as(&t, "192.0.2.11", "carol", "c-pass");
	CHECK_EQ_INT(t_allocate(&t), 401, "carol is unknown before the reload");

	cfg2 = t.cfg;
	cfg2.peers = t_deny("8.8.4.4");
	cfg2.software = "tern-2";
	cfg2.user_quota = 1;
	t_store_init(&b, true);
	CHECK_EQ_INT(turn_server_reconfigure(t.s, &cfg2, &b.store), 0, "reconfigure");
	CHECK_EQ_INT(t.creds.freed, 1, "the idle old store is freed at once");
	CHECK_EQ_INT(t_allocate(&t), 0, "carol allocates after the reload");
	CHECK(t_has_software(&t, "tern-2"), "with the new SOFTWARE");

	t_as(&t, "192.0.2.10", "alice", "secret");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "alice's allocation refreshes");
	CHECK_EQ_INT(t_peer_send(&t, &pb, "8.8.8.8", 5000, "x", 1, &msg) > 0, 1,
		     "alice's permission still relays");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.4.4"), 403, "the new policy denies 8.8.4.4");
	CHECK_EQ_INT(t_create_perm(&t, "1.1.1.1"), 0, "and allows the rest");
	t_as(&t, "192.0.2.12", "alice", "secret");
	CHECK_EQ_INT(t_allocate(&t), 486, "the new user-quota counts alice's running allocation");
	t_stop(&t);
	CHECK_EQ_INT(b.freed, 1, "the new store is freed with the server");
	CHECK(fake_all_closed_once(&t.net), "relays closed once");
	peer_policy_free((struct peer_policy *)t.cfg.peers);
	peer_policy_free((struct peer_policy *)cfg2.peers);
}

static void test_pending(void)
{
	struct t_env t;
	struct fake_creds b, c;

	t_init(&t);
	t.creds.async = true;
	t_start(&t);
	t_challenge(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "alice's Allocate waits for its lookup");
	t_store_init(&b, true);
	CHECK_EQ_INT(turn_server_reconfigure(t.s, &t.cfg, &b.store), 0, "reconfigure");
	CHECK_EQ_INT(t.creds.freed, 0, "the old store stays while a lookup is pending on it");
	t_advance(&t, 1000);
	CHECK_EQ_INT(t.creds.freed, 0, "... also across ticks");
	CHECK_EQ_INT(fake_creds_complete(&t.creds), 1, "the old store answers");
	CHECK_EQ_INT(t.dgram.sends, 1, "the Allocate is answered");
	t.m.cls = 0;
	CHECK(stun_msg_decode(&t.m, t.dgram.buf, t.dgram.len) == 0 && t.m.cls == STUN_CLASS_SUCCESS,
	      "with a success");
	CHECK_EQ_INT(t.creds.freed, 0, "not freed from within its own callback");
	t_advance(&t, 100);
	CHECK_EQ_INT(t.creds.freed, 1, "freed on the next tick");

	/* A second reload while lookups wait on the first's old store drops them. */
	b.async = true;
	t_as(&t, "192.0.2.11", "carol", "c-pass");
	CHECK_EQ_INT(t_allocate(&t), 0, "carol's Allocate waits on the new store");
	t_store_init(&c, false);
	CHECK_EQ_INT(turn_server_reconfigure(t.s, &t.cfg, &c.store), 0, "second reconfigure");
	CHECK_EQ_INT(b.freed, 0, "b kept for its pending lookup");
	t_store_init(&t.creds, false);
	CHECK_EQ_INT(turn_server_reconfigure(t.s, &t.cfg, &t.creds.store), 0, "third reconfigure");
	CHECK_EQ_INT(b.cancels, 1, "b's pending lookup is cancelled");
	CHECK_EQ_INT(b.freed, 1, "b is freed");
	CHECK_EQ_INT(c.freed, 1, "c, idle, is freed at once");
	t_stop(&t);
	CHECK_EQ_INT(t.creds.freed, 1, "the current store is freed with the server");
}

static void test_teardown_pending(void)
{
	struct t_env t;
	struct fake_creds b;

	t_init(&t);
	t.creds.async = true;
	t_start(&t);
	t_challenge(&t);
	t_allocate(&t);
	t_store_init(&b, false);
	turn_server_reconfigure(t.s, &t.cfg, &b.store);
	t_stop(&t);
	CHECK_EQ_INT(t.creds.cancels, 1, "teardown cancels the old store's pending lookup");
	CHECK_EQ_INT(t.creds.freed, 1, "and frees it once");
	CHECK_EQ_INT(b.freed, 1, "the current store is freed once");
}

/* app/app_turn.c gives each generation a copy of ternd's nonce key with that generation's
 * stale-nonce (RFC 8489 §9.2.4: 438 once stale). */
static void test_stale_nonce(void)
{
	struct t_env t;
	struct turn_cfg cfg2;
	struct auth_nonce_key nk2;
	struct fake_creds b;
	struct t_peer_buf pb;
	const uint8_t *msg;

	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated with a nonce of the 600 s key");
	nk2 = t.nk;
	nk2.lifetime_s = 5;
	cfg2 = t.cfg;
	cfg2.nonce_key = &nk2;
	cfg2.perm_lifetime_s = 40;
	t_store_init(&b, false);
	CHECK_EQ_INT(turn_server_reconfigure(t.s, &cfg2, &b.store), 0, "reload: stale-nonce 5");
	/* A nonce of the old key expires later than 5 s from now can be: refused (auth/nonce.h)
	 * once, and the client carries on with the fresh one. */
	CHECK_EQ_INT(t_refresh(&t, true, 600), 438, "the old key's nonce outlives 5 s: 438");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "the fresh nonce works");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "a permission under the new lifetime");
	t_advance(&t, 3000);
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "3 s later the nonce still works");
	t_advance(&t, 3000);
	CHECK_EQ_INT(t_refresh(&t, true, 600), 438, "6 s after it was made: 438");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "and the next fresh one works");
	CHECK_EQ_INT(t_peer_send(&t, &pb, "8.8.8.8", 53, "x", 1, &msg) > 0, 1,
		     "8.8.8.8 reaches the client 6 s after its permission");
	t_advance(&t, 35000);
	CHECK_EQ_INT(t_peer_send(&t, &pb, "8.8.8.8", 53, "x", 1, &msg), 0,
		     "41 s after it, dropped (permission-lifetime 40)");
	t_stop(&t);
}

int main(void)
{
	test_stale_nonce();
	test_settings();
	test_pending();
	test_teardown_pending();
	return tap_done();
}
