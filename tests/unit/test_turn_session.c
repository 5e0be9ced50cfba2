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

int main(void)
{
	test_list_and_kill();
	test_kill_user_many();
	test_drain();
	return tap_done();
}
