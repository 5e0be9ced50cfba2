/* Sessions (turn/session.c): the list of a worker's allocations as the admin socket shows
 * it, kill by session id and by user (the client's next request gets 437), and the drain
 * check of Allocate (RFC 8656 §7.2, RFC 8489 §10: 300 with the ALTERNATE-SERVER of the
 * client's family, signed; 508 without one) while existing allocations are served. */
#include "test_turn_fake.h"

#include "turn/shared.h"

#define MAX_SEEN 8

struct seen {
	struct turn_session s[MAX_SEEN];
	char user[MAX_SEEN][32], realm[MAX_SEEN][32];
	int n;
};

static int collect(const struct turn_session *ss, void *arg)
{
	struct seen *v = arg;

	if (v->n < MAX_SEEN) {
		v->s[v->n] = *ss;
		snprintf(v->user[v->n], sizeof(v->user[0]), "%s", ss->user);
		snprintf(v->realm[v->n], sizeof(v->realm[0]), "%s", ss->realm);
		v->s[v->n].user = v->user[v->n];
		v->s[v->n].realm = v->realm[v->n];
	}
	v->n++;
	return 0;
}

static void list(struct t_env *t, struct seen *v)
{
	memset(v, 0, sizeof(*v));
	turn_server_sessions(t->s, t->now, collect, v);
}

static void t_as(struct t_env *t, const char *user, const char *pass, uint16_t port)
{
	t->user = user;
	t->pass = pass;
	addr_parse(&t->src, "192.0.2.10", port);
}

static int find_user(const struct seen *v, const char *user)
{
	for (int i = 0; i < v->n && i < MAX_SEEN; i++)
		if (strcmp(v->s[i].user, user) == 0)
			return i;
	return -1;
}

static void test_list_and_kill(void)
{
	struct t_env t;
	struct seen v;
	struct addr want;
	int i;

	t_init(&t);
	t_start(&t);
	turn_server_set_worker(t.s, 3);
	t_as(&t, "alice", "secret", 41000);
	CHECK_EQ_INT(t_allocate(&t), 0, "alice allocates");
	t_as(&t, "bob", "hunter2", 41001);
	CHECK_EQ_INT(t_allocate(&t), 0, "bob allocates");
	t_advance(&t, 5000);
	list(&t, &v);
	CHECK_EQ_INT(v.n, 2, "two sessions listed");
	i = find_user(&v, "alice");
	CHECK(i >= 0, "alice's session is there");
	if (i < 0)
		return;
	addr_parse(&want, "192.0.2.10", 41000);
	CHECK(addr_eq(&v.s[i].client, &want), "her client address");
	CHECK(addr_eq(&v.s[i].local, &t.local), "the server address she reached");
	CHECK(strcmp(v.s[i].transport, "dgram") == 0, "the connection's transport name");
	CHECK(strcmp(v.s[i].realm, T_REALM) == 0, "the realm");
	CHECK_EQ_INT(v.s[i].nrelay, 1, "one relayed address");
	CHECK(addr_eq(&v.s[i].relayed[0], &t.net.r[0].relayed), "the relayed address net/ gave");
	CHECK_EQ_INT(v.s[i].age_ms, 5000, "age 5 s");
	CHECK_EQ_INT(v.s[i].expires_in_ms, 595000, "expires in 595 s");
	CHECK_EQ_INT(v.s[i].id >> 48, 3, "the worker id in the top bits of the session id");
	CHECK(v.s[0].id != v.s[1].id, "ids differ");
	CHECK_EQ_INT(turn_server_kill(t.s, v.s[i].id), 0, "kill alice's session");
	CHECK_EQ_INT(t.net.r[0].closes, 1, "its relay closed");
	CHECK_EQ_INT(turn_server_kill(t.s, v.s[i].id), -ENOENT, "a second kill: -ENOENT");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 1, "one allocation left");
	list(&t, &v);
	CHECK(v.n == 1 && find_user(&v, "bob") == 0, "only bob's is listed");
	t_as(&t, "alice", "secret", 41000);
	CHECK_EQ_INT(t_refresh(&t, true, 600), 437, "alice's next Refresh: 437");
	CHECK_EQ_INT(turn_server_kill_user(t.s, "bob", "other.realm"), 0,
		     "kill bob in another realm: none");
	CHECK_EQ_INT(turn_server_kill_user(t.s, "bob", NULL), 1, "kill bob: one");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "none left");
	CHECK(fake_all_closed_once(&t.net), "every relay closed once");
	t_stop(&t);
}

static void test_kill_user_many(void)
{
	struct t_env t;
	struct seen v;

	t_init(&t);
	t_start(&t);
	for (uint16_t p = 42000; p < 42020; p++) {
		t_as(&t, p % 2 ? "bob" : "alice", p % 2 ? "hunter2" : "secret", p);
		t.nonce[0] = 0;
		t_allocate(&t);
	}
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 20, "20 allocations");
	CHECK_EQ_INT(turn_server_kill_user(t.s, "alice", T_REALM), 10, "alice's 10 killed");
	list(&t, &v);
	CHECK(v.n == 10 && find_user(&v, "alice") < 0, "bob's 10 remain");
	t_stop(&t);
}

static void test_drain(void)
{
	struct t_env t;
	struct turn_shared *sh;
	struct addr alts[2], got;
	int opens;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	addr_parse(&alts[0], "2001:db8::1", 3478);
	addr_parse(&alts[1], "198.51.100.7", 3479);
	t.cfg.alternates = alts;
	t.cfg.nalternates = 2;
	t_start(&t);
	t_as(&t, "alice", "secret", 41000);
	CHECK_EQ_INT(t_allocate(&t), 0, "before the drain: allocated");
	turn_shared_set_draining(sh, true);
	CHECK(turn_shared_is_draining(sh), "draining");
	opens = t.net.opens;
	t_as(&t, "bob", "hunter2", 41001);
	t.nonce[0] = 0;
	CHECK_EQ_INT(t_allocate(&t), 300, "draining: a new Allocate gets 300 Try Alternate");
	CHECK(stun_msg_get_addr(&t.m, STUN_ATTR_ALTERNATE_SERVER, &got) == 0 &&
		      addr_eq(&got, &alts[1]),
	      "ALTERNATE-SERVER: the alternate of the client's family (IPv4)");
	CHECK(t_resp_signed(&t), "the 300 is signed with the request's key (RFC 8489 §10)");
	CHECK_EQ_INT(t.net.opens, opens, "no relay opened");
	t_as(&t, "alice", "secret", 41000);
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "the existing allocation refreshes");
	CHECK_EQ_INT(t_create_perm(&t, "198.51.100.20"), 0, "... creates permissions");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4000, "198.51.100.20", 5000), 0, "... binds channels");
	CHECK_EQ_INT(t_allocate(&t), 437, "its 5-tuple's new Allocate: still 437 first");
	t.cfg.nalternates = 1; /* only an IPv6 alternate */
	t_as(&t, "bob", "hunter2", 41002);
	CHECK_EQ_INT(t_allocate(&t), 508, "no alternate of the client's family: 508");
	t.cfg.nalternates = 0;
	CHECK_EQ_INT(t_allocate(&t), 508, "no alternate-server: 508");
	turn_shared_set_draining(sh, false);
	CHECK_EQ_INT(t_allocate(&t), 0, "drain off: allocates again");
	t_stop(&t);
	turn_shared_free(sh);
}

/* The fleet's session registry hooks (turn_fleet_ops session_up/session_down): what a
 * fake registry saw. */
struct reg {
	uint64_t up[MAX_SEEN], down[MAX_SEEN];
	char user[MAX_SEEN][32];
	int nup, ndown;
	bool freed;
};

static void reg_up(void *impl, const struct turn_session *ss)
{
	struct reg *r = impl;

	if (r->nup < MAX_SEEN) {
		r->up[r->nup] = ss->id;
		snprintf(r->user[r->nup], sizeof(r->user[0]), "%s", ss->user);
	}
	r->nup++;
}

static void reg_down(void *impl, uint64_t id)
{
	struct reg *r = impl;

	if (r->ndown < MAX_SEEN)
		r->down[r->ndown] = id;
	r->ndown++;
}

static void reg_free(void *impl)
{
	((struct reg *)impl)->freed = true;
}

static const struct turn_fleet_ops reg_ops = {
	.session_up = reg_up, .session_down = reg_down, .free = reg_free};

static void test_fleet_registry(void)
{
	struct t_env t;
	struct reg r = {0};
	struct seen v;

	t_init(&t);
	t_start(&t);
	turn_server_set_fleet(t.s, &reg_ops, &r);
	t_as(&t, "alice", "secret", 43000);
	CHECK_EQ_INT(t_allocate(&t), 0, "alice allocates");
	t_as(&t, "bob", "hunter2", 43001);
	CHECK_EQ_INT(t_allocate(&t), 0, "bob allocates");
	list(&t, &v);
	CHECK(r.nup == 2 && r.ndown == 0, "the registry heard of two allocations, none ended");
	CHECK(!strcmp(r.user[0], "alice") && !strcmp(r.user[1], "bob"), "with their users");
	CHECK(v.n == 2 && ((r.up[0] == v.s[0].id && r.up[1] == v.s[1].id) ||
			   (r.up[0] == v.s[1].id && r.up[1] == v.s[0].id)),
	      "under their session ids");
	t_as(&t, "alice", "hunter2", 43002);
	CHECK_EQ_INT(t_allocate(&t), 401, "a refused Allocate");
	CHECK_EQ_INT(r.nup, 2, "is not registered");
	t_as(&t, "alice", "secret", 43000);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "alice deletes hers (Refresh 0, RFC 8656 §7.3)");
	CHECK(r.ndown == 1 && r.down[0] == r.up[0], "her session ended in the registry");
	CHECK_EQ_INT(turn_server_kill_user(t.s, "bob", NULL), 1, "bob's is killed");
	CHECK(r.ndown == 2 && r.down[1] == r.up[1], "his ended too");
	t_as(&t, "alice", "secret", 43003);
	t.nonce[0] = 0;
	CHECK_EQ_INT(t_allocate(&t), 0, "alice allocates again");
	t_advance(&t, 601000);
	CHECK(r.nup == 3 && r.ndown == 3 && r.down[2] == r.up[2],
	      "an expired allocation ends in the registry");
	t_stop(&t);
	CHECK(r.freed, "the fleet is freed with the server");
}

int main(void)
{
	test_list_and_kill();
	test_kill_user_many();
	test_drain();
	test_fleet_registry();
	return tap_done();
}
