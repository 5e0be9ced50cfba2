/* Unauthenticated replies through the TURN core (DESIGN.md §3): 401, 438, 400 and 420 all
 * count against one limiter shared by the workers, per source IP in replies and bytes,
 * fair per source port; stream transports and proven UDP transport addresses are not
 * throttled by a flood in their IP's name. */
#include "test_turn_fake.h"

#include "turn/ratelimit.h"

/* A request of an unknown method: 400 without authentication. */
static int t_unknown_method(struct t_env *t)
{
	struct stun_enc e;

	t_begin(t, &e, 0x0fff, STUN_CLASS_REQUEST, false);
	return t_send(t, &e, false);
}

/* An Allocate with an unknown comprehension-required attribute: 420. */
static int t_unknown_attr(struct t_env *t)
{
	struct stun_enc e;

	t_begin(t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, 0x0077, 1);
	return t_send(t, &e, false);
}

/* Two workers' cores on one limiter: the budget of an IP is one, whichever worker answers. */
static void test_shared(void)
{
	struct t_env a, b;
	struct ratelimit *rl = NULL;
	int answered = 0;

	t_init(&a);
	a.cfg.unauth_rate = 10;
	CHECK_EQ_INT(turn_unauth_new(&a.cfg, &rl), 0, "limiter for 10/s");
	a.cfg.unauth = rl;
	t_init(&b);
	b.cfg = a.cfg;
	b.cfg.nonce_key = &a.nk;
	t_start(&a);
	t_start(&b);
	for (int i = 0; i < 40; i++) {
		struct t_env *w = i % 2 ? &a : &b;

		addr_parse(&w->src, "192.0.2.10", (uint16_t)(40000 + i));
		answered += t_challenge(w) == 401;
	}
	CHECK_EQ_INT(answered, 10, "two workers, 40 challenges to one IP: 10 answered in all");
	CHECK_EQ_INT(turn_server_counters(a.s)->unauth_limited +
			     turn_server_counters(b.s)->unauth_limited,
		     30, "30 counted as limited");
	t_advance(&a, 1000);
	b.now = a.now;
	CHECK_EQ_INT(t_challenge(&b), 401, "answered again a second later");
	t_stop(&a);
	t_stop(&b);
	ratelimit_free(rl);
	CHECK_EQ_INT(turn_unauth_new(&b.cfg, &rl), 0, "unauth_rate only");
	CHECK(rl != NULL, "a limiter while unauth_rate is set");
	ratelimit_free(rl);
	b.cfg.unauth_rate = 0;
	b.cfg.unauth_bytes = 1000;
	b.cfg.unauth_port_rate = 1;
	CHECK_EQ_INT(turn_unauth_new(&b.cfg, &rl), 0, "unauth_rate 0");
	CHECK(rl == NULL, "unauth_rate 0: no limiter at all");
}

/* 401, 438, 400 and 420 share the budget; every reply counted in replies and bytes. */
static void test_every_kind(void)
{
	struct t_env t;
	const struct turn_counters *c;
	uint64_t bytes = 0;

	t_init(&t);
	t.cfg.unauth_rate = 4;
	t_start(&t);
	c = turn_server_counters(t.s);
	CHECK_EQ_INT(t_challenge(&t), 401, "401");
	t_advance(&t, 601000); /* the nonce ages; the budget is full again */
	bytes = c->unauth_bytes;
	t_allocate(&t);
	CHECK_EQ_INT(t.code, 438, "stale nonce: 438");
	bytes += (uint64_t)t.resp_len;
	CHECK_EQ_INT(t_unknown_method(&t), 400, "unknown method: 400");
	bytes += (uint64_t)t.resp_len;
	CHECK_EQ_INT(t_unknown_attr(&t), 420, "unknown attribute: 420");
	bytes += (uint64_t)t.resp_len;
	CHECK_EQ_INT(t_challenge(&t), 401, "401");
	bytes += (uint64_t)t.resp_len;
	CHECK_EQ_INT(c->unauth_sent, 5, "five unauthenticated replies counted");
	CHECK_EQ_INT(c->unauth_bytes, bytes, "and their bytes (%llu)", (unsigned long long)bytes);
	CHECK_EQ_INT(t_challenge(&t), 0, "budget spent: no 401");
	CHECK_EQ_INT(t_unknown_method(&t), 0, "no 400");
	CHECK_EQ_INT(t_unknown_attr(&t), 0, "no 420");
	CHECK_EQ_INT(c->unauth_limited, 3, "three limited");
	t_stop(&t);
}

/* A byte budget: replies out never exceed it, whatever their count. */
static void test_bytes(void)
{
	struct t_env t;
	uint64_t sent = 0;
	int answered = 0, last = 0;

	t_init(&t);
	t.cfg.unauth_rate = 1000000;
	t.cfg.unauth_bytes = 1000;
	t_start(&t);
	for (int i = 0; i < 100; i++) {
		addr_parse(&t.src, "192.0.2.10", (uint16_t)(20000 + i));
		if (t_challenge(&t) == 401) {
			answered++;
			sent += (uint64_t)t.resp_len;
			last = t.resp_len;
		}
	}
	CHECK(sent <= 1000 && answered > 0, "1,000 B/s: %d replies, %llu B", answered,
	      (unsigned long long)sent);
	CHECK(sent + (uint64_t)last > 1000, "the budget is used (a %d B reply more would not fit)",
	      last);
	t_stop(&t);
}

/* One port's flood spends its own small bucket, not its IP's. */
static void test_port_fairness(void)
{
	struct t_env t;
	int flood = 0, others = 0;

	t_init(&t);
	t.cfg.unauth_rate = 100;
	t.cfg.unauth_port_rate = 5;
	t_start(&t);
	for (int i = 0; i < 1000; i++)
		flood += t_challenge(&t) == 401;
	CHECK_EQ_INT(flood, 5, "a flooding port: 5 of 1,000 answered");
	for (int i = 0; i < 90; i++) {
		addr_parse(&t.src, "192.0.2.10", (uint16_t)(30000 + i));
		others += t_challenge(&t) == 401;
	}
	CHECK_EQ_INT(others, 90, "90 other ports of that IP all answered");
	t_stop(&t);
}

/* A spoofed flood in t's IP's name from 100 ports: how many were answered. */
static int t_spoof(struct t_env *t, uint16_t base)
{
	struct addr keep = t->src;
	char nonce[sizeof(t->nonce)];
	int answered = 0;

	memcpy(nonce, t->nonce, sizeof(nonce));
	for (int i = 0; i < 100; i++) {
		addr_parse(&t->src, "192.0.2.10", (uint16_t)(base + i));
		answered += t_challenge(t) == 401;
	}
	t->src = keep;
	memcpy(t->nonce, nonce, sizeof(nonce));
	return answered;
}

/* A flood in the IP's name does not throttle a TCP client or a proven UDP address. */
static void test_proven(void)
{
	struct t_env t;
	char nonce[sizeof(t.nonce)];

	t_init(&t);
	t.cfg.unauth_rate = 5;
	t.cfg.unauth_port_rate = 0;
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "a UDP client allocates (its 401 is one of 5)");
	CHECK_EQ_INT(t_spoof(&t, 1000), 4, "a spoofed flood spends the rest of the IP's budget");
	memcpy(nonce, t.nonce, sizeof(nonce));
	CHECK_EQ_INT(t_challenge(&t), 401, "the proven address still gets its 401");
	memcpy(t.nonce, nonce, sizeof(nonce));
	t_advance(&t, 300000);
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "refresh at 300 s (proven again)");
	t_advance(&t, 301000);
	t_spoof(&t, 2000);
	CHECK_EQ_INT(t_spoof(&t, 3000), 0, "flooded again: nothing left for the IP");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 438,
		     "the proven address gets its 438 (stale nonce)");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "and refreshes with the new nonce");
	addr_parse(&t.src, "192.0.2.10", 50000);
	t_use_stream(&t);
	CHECK_EQ_INT(t_challenge(&t), 401, "TCP from the flooded IP: 401 answered");
	CHECK_EQ_INT(t_unknown_method(&t), 400, "TCP: 400 answered");
	t.conn = &t.dgram;
	addr_parse(&t.src, "192.0.2.10", 50001);
	CHECK_EQ_INT(t_challenge(&t), 0, "UDP from a new port of that IP: not answered");
	t_stop(&t);
}

/* DESIGN.md §3: an unauthenticated reply is not much larger than the request: no SOFTWARE,
 * only the error code and the challenge (SOFTWARE stays on authenticated responses). */
static void test_size(void)
{
	struct t_env t;
	char sw[121]; /* the longest SOFTWARE: 120 characters */

	memset(sw, 'x', sizeof(sw) - 1);
	sw[sizeof(sw) - 1] = 0;
	t_init(&t);
	t.cfg.software = sw;
	t_start(&t);
	CHECK_EQ_INT(t_challenge(&t), 401, "401");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_SOFTWARE) == NULL, "no SOFTWARE in the 401");
	CHECK(t.resp_len <= 20 + 20 + 4 + 12 + 4 + AUTH_NONCE_MAX + 12,
	      "401 of %d B: header, ERROR-CODE, REALM, NONCE, PASSWORD-ALGORITHMS", t.resp_len);
	CHECK_EQ_INT(t_unknown_method(&t), 400, "400");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_SOFTWARE) == NULL && t.resp_len <= 20 + 20,
	      "400 of %d B: header and ERROR-CODE", t.resp_len);
	CHECK_EQ_INT(t_allocate(&t), 0, "authenticated Allocate");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_SOFTWARE) != NULL, "its response has SOFTWARE");
	t_stop(&t);
}

int main(void)
{
	test_size();
	test_shared();
	test_every_kind();
	test_bytes();
	test_port_fairness();
	test_proven();
	return tap_done();
}
