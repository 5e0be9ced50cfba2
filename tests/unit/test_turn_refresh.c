/* Refresh on a dual allocation (RFC 8656 §6, §8.1, §8.2): with REQUESTED-ADDRESS-FAMILY
 * only that family's relayed address is refreshed or deleted, the other keeping its own
 * time-to-expiry; deleting (or expiring) the last family ends the allocation; the quota
 * unit stays until then; relays are closed once each. */
#include "test_turn_fake.h"

#include "base/crypto.h"
#include "turn/alloc.h"
#include "turn/shared.h"

static uint32_t user_count(struct turn_shared *sh, const char *name)
{
	uint8_t ident[32];
	struct crypto_part parts[3] = {{name, strlen(name)}, {":", 1}, {T_REALM, strlen(T_REALM)}};

	crypto_sha256(parts, 3, ident);
	return turn_shared_user_count(sh, ident);
}

static int t_dual(struct t_env *t)
{
	struct stun_enc e;

	if (t->nonce[0] == 0)
		t_challenge(t);
	t_begin(t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	return t_send(t, &e, true);
}

/* Refresh with REQUESTED-ADDRESS-FAMILY fam (STUN_FAMILY_*) and LIFETIME life (< 0: none). */
static int t_refresh_fam(struct t_env *t, uint8_t fam, long life)
{
	struct stun_enc e;
	int rc;

	t_begin(t, &e, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, (uint32_t)fam << 24);
	if (life >= 0)
		stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, (uint32_t)life);
	rc = t_send(t, &e, true);
	return rc == 438 ? t_refresh_fam(t, fam, life) : rc; /* the nonce aged: again */
}

/* A plain Refresh, again with the fresh nonce after a 438. */
static int t_refresh_all(struct t_env *t, bool has_life, uint32_t life)
{
	int rc = t_refresh(t, has_life, life);

	return rc == 438 ? t_refresh(t, has_life, life) : rc;
}

static void t_setup(struct t_env *t, struct turn_shared **sh)
{
	turn_shared_new(sh);
	t_init(t);
	t->cfg.shared = *sh;
	t->cfg.user_quota = 1;
	t_start(t);
	CHECK_EQ_INT(t_dual(t), 0, "dual allocation");
	CHECK(t->net.nr == 2 && t->net.r[0].req.family == AF_INET &&
		      t->net.r[1].req.family == AF_INET6,
	      "relay 0 IPv4, relay 1 IPv6");
}

static void t_teardown(struct t_env *t, struct turn_shared *sh)
{
	t_stop(t);
	CHECK(fake_all_closed_once(&t->net), "every relay closed exactly once");
	CHECK_EQ_INT(turn_shared_total(sh), 0, "no quota left");
	turn_shared_free(sh);
}

/* Delete one family then the other, in both orders. */
static void test_delete(bool v6_first)
{
	const char *o = v6_first ? "IPv6 first" : "IPv4 first";
	uint8_t first = v6_first ? STUN_FAMILY_IPV6 : STUN_FAMILY_IPV4;
	uint8_t second = v6_first ? STUN_FAMILY_IPV4 : STUN_FAMILY_IPV6;
	int gone = v6_first ? 1 : 0, kept = 1 - gone;
	struct turn_shared *sh;
	struct t_env t;

	t_setup(&t, &sh);
	CHECK_EQ_INT(t_refresh_fam(&t, first, 0), 0, "%s: LIFETIME 0 for one family", o);
	CHECK_EQ_INT(t_lifetime(&t), 0, "%s: LIFETIME 0 answered", o);
	CHECK(!t.net.r[gone].open && t.net.r[gone].closes == 1, "%s: its relay closed", o);
	CHECK(t.net.r[kept].open, "%s: the other relay still open", o);
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 1, "%s: the allocation remains", o);
	CHECK_EQ_INT(user_count(sh, "alice"), 1, "%s: its quota unit too", o);
	CHECK_EQ_INT(t_refresh_fam(&t, first, 600), 443, "%s: the deleted family: 443", o);
	CHECK_EQ_INT(t_create_perm(&t, v6_first ? "2001:db8::1" : "8.8.8.8"), 443,
		     "%s: no permission for the deleted family's peers (443)", o);
	CHECK_EQ_INT(t_create_perm(&t, v6_first ? "8.8.8.8" : "2001:db8::1"), 0,
		     "%s: the remaining family's peers still", o);
	CHECK_EQ_INT(t_refresh_fam(&t, second, 900), 0, "%s: the remaining family refreshed", o);
	CHECK_EQ_INT(t_lifetime(&t), 900, "%s: LIFETIME 900", o);
	CHECK_EQ_INT(t_refresh_fam(&t, second, 0), 0, "%s: LIFETIME 0 for the last family", o);
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "%s: the allocation is gone", o);
	CHECK_EQ_INT(user_count(sh, "alice"), 0, "%s: its quota unit released", o);
	CHECK_EQ_INT(t_refresh(&t, false, 0), 437, "%s: a later Refresh: 437", o);
	CHECK_EQ_INT(t_dual(&t), 0, "%s: a new allocation within the quota", o);
	t_teardown(&t, sh);
}

/* Each family keeps its own time-to-expiry. */
static void test_expiry(void)
{
	struct turn_shared *sh;
	struct t_env t;

	t_setup(&t, &sh);
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV6, 3600), 0, "IPv6 refreshed to 3600 s");
	CHECK_EQ_INT(t_lifetime(&t), 3600, "LIFETIME 3600");
	t_advance(&t, 599 * 1000);
	CHECK(t.net.r[0].open && t.net.r[1].open, "599 s: both open");
	t_advance(&t, 2 * 1000);
	CHECK(!t.net.r[0].open && t.net.r[1].open, "601 s: the IPv4 relay expired, IPv6 open");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 1, "the allocation remains");
	CHECK_EQ_INT(user_count(sh, "alice"), 1, "with its quota unit");
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV4, -1), 443, "IPv4 gone: 443");
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV6, -1), 0, "IPv6 refreshed (default 600)");
	t_advance(&t, 599 * 1000);
	CHECK(t.net.r[1].open, "the IPv6 relay's own expiry moved");
	t_advance(&t, 2 * 1000);
	CHECK(!t.net.r[1].open, "and is kept: expired after 600 s");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "the last family expired: gone");
	CHECK_EQ_INT(user_count(sh, "alice"), 0, "quota released");
	t_teardown(&t, sh);
}

/* The earlier family expires first whichever it is; a Refresh without the attribute sets
 * both again. */
static void test_expiry_other(void)
{
	struct turn_shared *sh;
	struct t_env t;

	t_setup(&t, &sh);
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV4, 1800), 0, "IPv4 refreshed to 1800 s");
	t_advance(&t, 300 * 1000);
	CHECK_EQ_INT(t_refresh_all(&t, true, 1200), 0, "Refresh without the attribute: both");
	t_advance(&t, 1199 * 1000);
	CHECK(t.net.r[0].open && t.net.r[1].open, "1199 s later both open");
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV6, 600), 0, "IPv6 to 600 s");
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV4, 1200), 0, "IPv4 to 1200 s");
	t_advance(&t, 601 * 1000);
	CHECK(t.net.r[0].open && !t.net.r[1].open, "IPv6 expired first this time");
	CHECK_EQ_INT(t_refresh_all(&t, true, 0), 0, "LIFETIME 0 without the attribute: all");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "gone");
	t_teardown(&t, sh);
}

/* max-allocate-lifetime 86400 s: the families may differ by nearly a day; the earlier one
 * still expires on time (within TURN_SKEW_UNIT_S, never before it should). */
static void test_expiry_long(void)
{
	struct turn_shared *sh;
	struct t_env t;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.max_lifetime_s = 86400;
	t_start(&t);
	CHECK_EQ_INT(t_dual(&t), 0, "dual allocation (600 s)");
	t_advance(&t, 1500);
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV6, 86400), 0, "IPv6 to 86400 s");
	CHECK_EQ_INT(t_lifetime(&t), 86400, "LIFETIME 86400");
	t_advance(&t, 599 * 1000);
	CHECK(t.net.r[0].open, "IPv4 open until its 600 s are up");
	t_advance(&t, 1000 * TURN_SKEW_UNIT_S);
	CHECK(!t.net.r[0].open && t.net.r[1].open, "IPv4 expired within a unit, IPv6 open");
	t_advance(&t, (uint64_t)(86400 - 600 - 2 * TURN_SKEW_UNIT_S) * 1000);
	CHECK(t.net.r[1].open, "IPv6 open to the end of its day");
	t_advance(&t, 10 * 1000);
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "then gone");
	t_teardown(&t, sh);
}

/* A single-family allocation: the attribute of its family acts on the whole of it. */
static void test_single(void)
{
	struct turn_shared *sh;
	struct t_env t;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "IPv4 allocation");
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV6, 0), 443, "IPv6: 443");
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV4, 700), 0, "IPv4 refreshed");
	t_advance(&t, 699 * 1000);
	CHECK(t.net.r[0].open, "alive at 699 s");
	CHECK_EQ_INT(t_refresh_fam(&t, STUN_FAMILY_IPV4, 0), 0, "IPv4 LIFETIME 0");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "the allocation is gone");
	t_teardown(&t, sh);
}

int main(void)
{
	test_delete(true);
	test_delete(false);
	test_expiry();
	test_expiry_other();
	test_expiry_long();
	test_single();
	return tap_done();
}
