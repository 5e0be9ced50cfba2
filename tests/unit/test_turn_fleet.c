/* Fleet quotas in the TURN core (RFC 8656 §7.2 step 10 across nodes): an Allocate a quota
 * applies to waits for the fleet's count (fake fleet ops, answering at once or later), gets
 * 486 when the fleet refuses, 500 when it cannot answer (or the local counts decide with
 * fleet-quota-fallback local); every path that ends an allocation gives its fleet unit
 * back exactly once, and an Allocate no quota applies to never asks. */
#include "test_turn_fake.h"

#include "turn/shared.h"

#define FF_PEND 8

struct fake_fleet {
	int acquires, cancels, releases, frees;
	bool sync;	 /* answer inside quota_acquire */
	int sync_status; /* ... with this status */
	int fail;	 /* quota_acquire returns this (< 0) */
	struct turn_fleet_quota last;
	bool last_has_ident;
	turn_fleet_cb cb[FF_PEND];
	void *arg[FF_PEND];
	uint32_t n[FF_PEND];
	int npend;
	int units; /* granted minus released */
};

static int ff_acquire(void *impl, const struct turn_fleet_quota *q, turn_fleet_cb cb, void *arg)
{
	struct fake_fleet *f = impl;

	f->acquires++;
	f->last = *q;
	f->last_has_ident = q->ident != NULL;
	if (f->fail)
		return f->fail;
	if (f->sync) {
		if (f->sync_status == 0)
			f->units += (int)q->n;
		cb(arg, f->sync_status);
		return 0;
	}
	if (f->npend == FF_PEND)
		return -EAGAIN;
	f->cb[f->npend] = cb;
	f->arg[f->npend] = arg;
	f->n[f->npend++] = q->n;
	return 0;
}

static void ff_cancel(void *impl, turn_fleet_cb cb, void *arg)
{
	struct fake_fleet *f = impl;

	for (int i = 0; i < f->npend; i++) {
		if (f->cb[i] == cb && f->arg[i] == arg) {
			f->cancels++;
			f->npend--;
			f->cb[i] = f->cb[f->npend];
			f->arg[i] = f->arg[f->npend];
			f->n[i] = f->n[f->npend];
			i--;
		}
	}
}

static void ff_release(void *impl, const uint8_t *ident, const char *realm)
{
	struct fake_fleet *f = impl;

	(void)ident;
	(void)realm;
	f->releases++;
	f->units--;
}

static void ff_free(void *impl)
{
	((struct fake_fleet *)impl)->frees++;
}

static const struct turn_fleet_ops ff_ops = {.quota_acquire = ff_acquire,
					     .quota_cancel = ff_cancel,
					     .quota_release = ff_release,
					     .free = ff_free};

/* Answers every pending count with status; returns how many. */
static int ff_answer(struct fake_fleet *f, int status)
{
	int n = 0;

	while (f->npend > 0) {
		int i = --f->npend;

		if (status == 0)
			f->units += (int)f->n[i];
		f->cb[i](f->arg[i], status);
		n++;
	}
	return n;
}

static void t_fleet_start(struct t_env *t, struct fake_fleet *f, uint32_t user_quota)
{
	memset(f, 0, sizeof(*f));
	t->cfg.user_quota = user_quota;
	t->cfg.fleet_quota = true;
	t_start(t);
	turn_server_set_fleet(t->s, &ff_ops, f);
}

/* The ERROR-CODE (0: success) of the last message the connection sent (decoded into
 * t->m), -1 when none. */
static int conn_code(struct t_env *t, struct fake_conn *c)
{
	struct stun_str reason;
	int code = 0;

	if (c->sends == 0 || stun_msg_decode(&t->m, c->buf, c->len) < 0)
		return -1;
	if (t->m.cls == STUN_CLASS_ERROR)
		stun_msg_get_error(&t->m, &code, &reason);
	return code;
}

/* An Allocate that waits for the fleet: nothing answered now, the answer later. */
static int parked_allocate(struct t_env *t, struct fake_fleet *f, int status)
{
	int before;

	if (t->nonce[0] == 0)
		t_challenge(t);
	before = t->conn->sends;
	if (t_allocate(t) != 0 || t->resp_len != 0 || f->npend != 1)
		return -2;
	ff_answer(f, status);
	return t->conn->sends == before + 1 ? conn_code(t, t->conn) : -1;
}

static void test_no_quota_no_fleet(void)
{
	struct t_env t;
	struct fake_fleet f;

	t_init(&t);
	t_fleet_start(&t, &f, 0);
	CHECK_EQ_INT(t_allocate(&t), 0, "no quota applies: allocated at once");
	CHECK_EQ_INT(f.acquires, 0, "... without asking the fleet");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "deleted");
	CHECK_EQ_INT(f.releases, 0, "nothing to give back");
	t_stop(&t);
	CHECK_EQ_INT(f.frees, 1, "the fleet is freed with the server");

	t_init(&t);
	t_fleet_start(&t, &f, 2);
	t.cfg.fleet_quota = false;
	CHECK_EQ_INT(t_allocate(&t), 0, "fleet-quota off: allocated at once");
	CHECK_EQ_INT(f.acquires, 0, "... counted locally only");
	t_stop(&t);
}

static void test_parked_grant(void)
{
	struct t_env t;
	struct fake_fleet f;

	t_init(&t);
	t_fleet_start(&t, &f, 2);
	CHECK_EQ_INT(parked_allocate(&t, &f, 0), 0,
		     "user-quota 2: the Allocate waits for the fleet, then succeeds");
	CHECK(t_resp_signed(&t), "the later response is signed with the user's key");
	CHECK_EQ_INT(f.acquires, 1, "one count asked");
	CHECK(f.last_has_ident && f.last.n == 1 && f.last.user_quota == 2 &&
		      f.last.total_quota == 0 && strcmp(f.last.realm, T_REALM) == 0,
	      "for the user, one unit, the user's quota, the realm");
	CHECK_EQ_INT(fake_open_count(&t.net), 1, "a relay opened after the grant");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "the allocation deleted (Refresh 0)");
	CHECK_EQ_INT(f.releases, 1, "its fleet unit given back once");
	CHECK_EQ_INT(f.units, 0, "the fleet's count back to 0");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "every relay closed once");
}

static void test_refused_and_unreachable(void)
{
	struct t_env t;
	struct fake_fleet f;

	t_init(&t);
	t_fleet_start(&t, &f, 2);
	CHECK_EQ_INT(parked_allocate(&t, &f, -EDQUOT), 486,
		     "the fleet refuses: 486 Allocation Quota Reached");
	CHECK_EQ_INT(t.net.opens, 0, "no relay opened");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "no allocation");
	CHECK_EQ_INT(parked_allocate(&t, &f, -EIO), 500,
		     "the fleet cannot answer, fallback closed: 500");
	CHECK_EQ_INT(t.net.opens, 0, "still no relay");
	f.fail = -EIO;
	CHECK_EQ_INT(t_allocate(&t), 500, "Redis not connected (acquire refused): 500");
	CHECK_EQ_INT(f.releases, 0, "nothing granted, nothing given back");
	t_stop(&t);
}

static void test_fallback_local(void)
{
	struct t_env t;
	struct fake_fleet f;

	t_init(&t);
	t.cfg.fleet_quota_local = true;
	t_fleet_start(&t, &f, 1);
	f.fail = -EIO;
	CHECK_EQ_INT(t_allocate(&t), 0, "fallback local: the local count allows the first");
	addr_parse(&t.src, "192.0.2.10", 40001);
	CHECK_EQ_INT(t_allocate(&t), 486, "... and refuses the second (user-quota 1, locally)");
	CHECK_EQ_INT(f.acquires, 2, "the fleet was asked both times");
	addr_parse(&t.src, "192.0.2.10", 40000);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "deleted");
	CHECK_EQ_INT(f.releases, 0, "not counted in the fleet: nothing given back there");
	f.fail = 0;
	f.sync = true;
	CHECK_EQ_INT(t_allocate(&t), 0, "the fleet back (answering at once): allocated");
	CHECK_EQ_INT(f.units, 1, "counted in the fleet");
	t_stop(&t);
	CHECK_EQ_INT(f.units, 0, "given back at teardown");
}

static void test_realm_quota_from_store(void)
{
	struct t_env t;
	struct fake_fleet f;

	t_init(&t);
	t.creds.limits.total_quota = 7;
	t_fleet_start(&t, &f, 0);
	f.sync = true;
	CHECK_EQ_INT(t_allocate(&t), 0, "the realm's total-quota (store) applies: allocated");
	CHECK(f.acquires == 1 && f.last.total_quota == 7 && f.last.user_quota == 0,
	      "the fleet was asked with the realm's total-quota 7");
	t_stop(&t);
}

static void test_release_paths(void)
{
	struct t_env t;
	struct fake_fleet f;

	t_init(&t);
	t_fleet_start(&t, &f, 5);
	f.sync = true;
	t.net.fail_next = -ENOSPC;
	CHECK_EQ_INT(t_allocate(&t), 508, "granted, then no relay port: 508");
	CHECK(f.releases == 1 && f.units == 0, "the unused unit given back");
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	t_advance(&t, 601 * 1000);
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "expired");
	CHECK(f.releases == 2 && f.units == 0, "expiry gives its unit back");
	addr_parse(&t.src, "192.0.2.10", 40002);
	t.nonce[0] = 0; /* the old one is stale by now */
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated again");
	CHECK_EQ_INT(turn_server_kill_user(t.s, "alice", NULL), 1, "killed by the operator");
	CHECK(f.releases == 3 && f.units == 0, "a kill gives its unit back");
	addr_parse(&t.src, "192.0.2.10", 40003);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated once more");
	t_stop(&t);
	CHECK(f.releases == 4 && f.units == 0, "the server's teardown gives it back");
}

static void test_stream_gone_while_parked(void)
{
	struct t_env t;
	struct fake_fleet f;
	struct turn_client c;

	t_init(&t);
	t_use_stream(&t);
	t_fleet_start(&t, &f, 2);
	t_challenge(&t);
	CHECK(t_allocate(&t) == 0 && t.resp_len == 0 && f.npend == 1, "parked for the fleet");
	c = t_client(&t);
	turn_server_client_gone(t.s, &c);
	CHECK(f.cancels == 1 && f.npend == 0, "its connection closed: the count is cancelled");
	CHECK_EQ_INT(t.net.opens, 0, "no relay opened");
	t_stop(&t);
}

static void test_retransmission_while_parked(void)
{
	struct t_env t;
	struct fake_fleet f;
	int sends;

	t_init(&t);
	t_fleet_start(&t, &f, 2);
	t_challenge(&t);
	CHECK(t_allocate(&t) == 0 && t.resp_len == 0, "parked");
	CHECK(t_run(&t) == 0 && t.resp_len == 0, "its retransmission parked too");
	CHECK_EQ_INT(f.npend, 2, "two counts asked");
	sends = t.dgram.sends;
	CHECK_EQ_INT(ff_answer(&f, 0), 2, "both granted");
	CHECK_EQ_INT(t.dgram.sends, sends + 2, "both answered");
	CHECK_EQ_INT(conn_code(&t, &t.dgram), 0, "... with the allocation's success");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 1, "one allocation");
	CHECK(f.releases == 1 && f.units == 1, "the retransmission's unit given back");
	t_stop(&t);
	CHECK_EQ_INT(f.units, 0, "all given back at teardown");
}

static void test_teardown_while_parked(void)
{
	struct t_env t;
	struct fake_fleet f;

	t_init(&t);
	t_fleet_start(&t, &f, 2);
	t_challenge(&t);
	CHECK(t_allocate(&t) == 0 && t.resp_len == 0, "parked");
	t_stop(&t);
	CHECK(f.cancels == 1 && f.npend == 0 && f.frees == 1,
	      "teardown cancels the count before freeing the fleet");
}

int main(void)
{
	test_no_quota_no_fleet();
	test_parked_grant();
	test_refused_and_unreachable();
	test_fallback_local();
	test_realm_quota_from_store();
	test_release_paths();
	test_stream_gone_while_parked();
	test_retransmission_while_parked();
	test_teardown_while_parked();
	return tap_done();
}
