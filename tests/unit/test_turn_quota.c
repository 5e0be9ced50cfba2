/* The user quota of TURN REST credentials (use-auth-secret): every "<expiry>:<user>"
 * credential of one user counts against that user's quota; a long-term user whose name has
 * the separator keeps its whole name; the 441 check still wants the very username (RFC
 * 8656 §5). */
#include "test_turn_fake.h"

#include "base/crypto.h"
#include "turn/shared.h"

/* The quota count of a quota name (turn/alloc.h: SHA-256(name ":" realm)'s first half). */
static uint32_t user_count(struct turn_shared *sh, const char *name)
{
	uint8_t ident[32];
	struct crypto_part parts[3] = {{name, strlen(name)}, {":", 1}, {T_REALM, strlen(T_REALM)}};

	crypto_sha256(parts, 3, ident);
	return turn_shared_user_count(sh, ident);
}

static void t_as(struct t_env *t, const char *user, const char *pass, uint16_t port)
{
	t->user = user;
	t->pass = pass;
	addr_parse(&t->src, "192.0.2.10", port);
}

static void test_rest_quota(void)
{
	struct t_env t;
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.user_quota = 1;
	t.creds.users[0] = (struct fake_user){"4102444800:carol", "p1"};
	t.creds.users[1] = (struct fake_user){"4102444900:carol", "p2"};
	t.creds.users[2] = (struct fake_user){"carol:x", "p3"};
	t.creds.users[3] = (struct fake_user){"4102444800:dave", "p4"};
	t.creds.nusers = 4;
	t.creds.quota_user[0] = "carol";
	t.creds.quota_user[1] = "carol";
	t.creds.quota_user[3] = "dave";
	t_start(&t);
	t_as(&t, "4102444800:carol", "p1", 41000);
	CHECK_EQ_INT(t_allocate(&t), 0, "carol's first REST credential: allocated");
	CHECK_EQ_INT(user_count(sh, "carol"), 1, "counted for carol, not the whole name");
	CHECK_EQ_INT(user_count(sh, "4102444800:carol"), 0, "nothing for the whole name");
	t_as(&t, "4102444900:carol", "p2", 41001);
	CHECK_EQ_INT(t_allocate(&t), 486, "a second REST credential of carol: 486 (user-quota 1)");
	t_as(&t, "4102444800:dave", "p4", 41002);
	CHECK_EQ_INT(t_allocate(&t), 0, "dave's REST credential: his own quota");
	t_as(&t, "carol:x", "p3", 41003);
	CHECK_EQ_INT(t_allocate(&t), 0, "a long-term user 'carol:x': its whole name, not carol's");
	CHECK_EQ_INT(user_count(sh, "carol:x"), 1, "counted under 'carol:x'");
	/* §5: a request on carol's allocation under her other credential: 441. */
	t_as(&t, "4102444900:carol", "p2", 41000);
	CHECK_EQ_INT(t_refresh(&t, false, 0), 441, "the same user part, another username: 441");
	t_as(&t, "4102444800:carol", "p1", 41000);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "carol deletes her allocation");
	CHECK_EQ_INT(user_count(sh, "carol"), 0, "carol's unit released");
	t_as(&t, "4102444900:carol", "p2", 41001);
	CHECK_EQ_INT(t_allocate(&t), 0, "now her other credential may allocate");
	t_stop(&t);
	CHECK_EQ_INT(turn_shared_total(sh), 0, "released at teardown");
	turn_shared_free(sh);
}

/* Without a quota name (static or Redis users) nothing changed: the whole username. */
static void test_plain_quota(void)
{
	struct t_env t;
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.user_quota = 1;
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "alice");
	CHECK_EQ_INT(user_count(sh, "alice"), 1, "counted under alice");
	addr_parse(&t.src, "192.0.2.10", 40002);
	CHECK_EQ_INT(t_allocate(&t), 486, "alice's second: 486");
	t_stop(&t);
	turn_shared_free(sh);
}

int main(void)
{
	test_rest_quota();
	test_plain_quota();
	return tap_done();
}
