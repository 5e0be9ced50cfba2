/* Load shedding (turn/shed.c): a server over max-allocations or draining answers a new
 * Allocate with 300 Try Alternate (RFC 8489 §10, signed): alternate-server of the
 * client's family first, tls-alternate-server with ALTERNATE-DOMAIN (§14.16) for clients
 * on TLS or DTLS, else the fleet's choice (fake turn_fleet_ops); never the address the
 * client reached; without an alternate 508 (draining) or 486 (over max-allocations). */
#include "test_turn_fake.h"

#include "turn/shared.h"

/* Like a TLS connection: a framed, proven stream whose clients move to TLS addresses. */
static const struct turn_conn_ops fake_tls_ops = {
	.name = "tls", .stream = true, .proven = true, .secure = true, .send = fake_conn_send};

/* A fleet that offers one node (or none: rc), recording what it was asked. */
struct fake_fleet {
	int rc;
	struct addr node;
	const char *domain;
	int calls, family;
	bool tls;
};

static int fake_alternate(void *impl, int family, bool tls, struct addr *out, char *domain,
			  size_t dlen)
{
	struct fake_fleet *f = impl;

	f->calls++;
	f->family = family;
	f->tls = tls;
	if (f->rc)
		return f->rc;
	*out = f->node;
	snprintf(domain, dlen, "%s", f->domain ? f->domain : "");
	return 0;
}

static const struct turn_fleet_ops fake_fleet_ops = {.alternate = fake_alternate};

static bool alt_is(const struct t_env *t, const char *ip, uint16_t port)
{
	struct addr got, want;

	addr_parse(&want, ip, port);
	return stun_msg_get_addr(&t->m, STUN_ATTR_ALTERNATE_SERVER, &got) == 0 &&
	       addr_eq(&got, &want);
}

/* ALTERNATE-DOMAIN is name (NULL: absent). */
static bool domain_is(const struct t_env *t, const char *name)
{
	struct stun_str d;
	int rc = stun_msg_get_bytes(&t->m, STUN_ATTR_ALTERNATE_DOMAIN, &d);

	if (name == NULL)
		return rc < 0;
	return rc == 0 && d.len == strlen(name) && memcmp(d.p, name, d.len) == 0;
}

static void as(struct t_env *t, const char *user, const char *pass, uint16_t port)
{
	t->user = user;
	t->pass = pass;
	t->nonce[0] = 0;
	addr_parse(&t->src, "192.0.2.10", port);
	t->dgram.conn.remote = t->src;
}

static void test_max_allocations(void)
{
	struct t_env t;
	struct addr alts[1];
	int opens;

	t_init(&t);
	t.cfg.max_allocations = 1;
	t_start(&t);
	as(&t, "alice", "secret", 41000);
	CHECK_EQ_INT(t_allocate(&t), 0, "max-allocations 1: the first Allocate succeeds");
	opens = t.net.opens;
	as(&t, "bob", "hunter2", 41001);
	CHECK_EQ_INT(t_allocate(&t), 486, "the second, without an alternate: 486");
	CHECK_EQ_INT(t.net.opens, opens, "no relay opened");
	addr_parse(&alts[0], "198.51.100.7", 3479);
	t.cfg.alternates = alts;
	t.cfg.nalternates = 1;
	CHECK_EQ_INT(t_allocate(&t), 300, "with alternate-server: 300 Try Alternate");
	CHECK(alt_is(&t, "198.51.100.7", 3479), "ALTERNATE-SERVER: the alternate-server");
	CHECK(domain_is(&t, NULL), "no ALTERNATE-DOMAIN for a client off TLS");
	CHECK(t_resp_signed(&t), "the 300 is signed with the request's key");
	CHECK_EQ_INT(turn_server_counters(t.s)->alloc_fail[turn_fail_slot(300)], 1,
		     "counted as a 300");
	as(&t, "alice", "secret", 41000);
	t_challenge(&t);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "alice deletes her allocation");
	as(&t, "bob", "hunter2", 41001);
	CHECK_EQ_INT(t_allocate(&t), 0, "under max-allocations again: bob allocates here");
	t.cfg.max_allocations = 0;
	as(&t, "alice", "secret", 41002);
	CHECK_EQ_INT(t_allocate(&t), 0, "max-allocations 0: no limit");
	t_stop(&t);
}

static void test_tls_alternates(void)
{
	struct t_env t;
	struct turn_shared *sh;
	struct addr alts[2], tls_alts[2];

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	addr_parse(&alts[0], "198.51.100.7", 3478);
	addr_parse(&tls_alts[0], "2001:db8::5", 5349);
	addr_parse(&tls_alts[1], "198.51.100.8", 5349);
	t.cfg.alternates = alts;
	t.cfg.nalternates = 1;
	t.cfg.tls_alternates = tls_alts;
	t.cfg.ntls_alternates = 2;
	t.cfg.alternate_domain = "turn2.example.net";
	t_start(&t);
	turn_shared_set_draining(sh, true);
	as(&t, "alice", "secret", 41000);
	CHECK_EQ_INT(t_allocate(&t), 300, "draining, UDP client: 300");
	CHECK(alt_is(&t, "198.51.100.7", 3478) && domain_is(&t, NULL),
	      "alternate-server, without ALTERNATE-DOMAIN");
	fake_conn_init(&t.stream, &fake_tls_ops, &t.local, &t.src);
	t.conn = &t.stream;
	t.nonce[0] = 0;
	CHECK_EQ_INT(t_allocate(&t), 300, "draining, TLS client: 300");
	CHECK(alt_is(&t, "198.51.100.8", 5349),
	      "tls-alternate-server of the client's family (IPv4)");
	CHECK(domain_is(&t, "turn2.example.net"), "ALTERNATE-DOMAIN: alternate-domain");
	CHECK(t_resp_signed(&t), "signed: ALTERNATE-DOMAIN under MESSAGE-INTEGRITY");
	t.cfg.ntls_alternates = 1; /* only an IPv6 one */
	CHECK_EQ_INT(t_allocate(&t), 508,
		     "TLS client, no tls-alternate-server of its family: 508 (never a "
		     "plain alternate-server)");
	t_stop(&t);
	turn_shared_free(sh);
}

static void test_fleet(void)
{
	struct t_env t;
	struct turn_shared *sh;
	struct fake_fleet f = {0};
	struct addr alts[1];

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t_start(&t);
	turn_server_set_fleet(t.s, &fake_fleet_ops, &f);
	addr_parse(&f.node, "198.51.100.20", 3478);
	f.domain = "n2.example.net";
	turn_shared_set_draining(sh, true);
	as(&t, "alice", "secret", 41000);
	CHECK_EQ_INT(t_allocate(&t), 300, "draining, no alternate-server: the fleet's node");
	CHECK(alt_is(&t, "198.51.100.20", 3478) && domain_is(&t, NULL),
	      "ALTERNATE-SERVER: the node the fleet chose; no domain off TLS");
	CHECK(f.calls == 1 && f.family == AF_INET && !f.tls, "asked for IPv4, not TLS");
	fake_conn_init(&t.stream, &fake_tls_ops, &t.local, &t.src);
	t.conn = &t.stream;
	t.nonce[0] = 0;
	addr_parse(&f.node, "198.51.100.20", 5349);
	CHECK_EQ_INT(t_allocate(&t), 300, "TLS client: 300");
	CHECK(f.tls && alt_is(&t, "198.51.100.20", 5349) && domain_is(&t, "n2.example.net"),
	      "the node's TLS address and its domain in ALTERNATE-DOMAIN");
	t.conn = &t.dgram;
	t.nonce[0] = 0;
	f.node = t.local;
	CHECK_EQ_INT(t_allocate(&t), 508, "the fleet names this server itself: never, 508");
	f.rc = -ENOENT;
	CHECK_EQ_INT(t_allocate(&t), 508, "no live node: 508");
	turn_shared_set_draining(sh, false);
	t.cfg.max_allocations = 1;
	as(&t, "bob", "hunter2", 41001);
	CHECK_EQ_INT(t_allocate(&t), 0, "drain off: allocated here");
	as(&t, "alice", "secret", 41002);
	CHECK_EQ_INT(t_allocate(&t), 486, "over max-allocations, no live node: 486");
	f.rc = 0;
	addr_parse(&f.node, "198.51.100.21", 3478);
	CHECK_EQ_INT(t_allocate(&t), 300, "over max-allocations: 300 to the fleet's node");
	CHECK(alt_is(&t, "198.51.100.21", 3478), "... that node");
	addr_parse(&alts[0], "198.51.100.7", 3478);
	t.cfg.alternates = alts;
	t.cfg.nalternates = 1;
	f.calls = 0;
	CHECK(t_allocate(&t) == 300 && alt_is(&t, "198.51.100.7", 3478) && f.calls == 0,
	      "alternate-server of the client's family comes first (the fleet not asked)");
	alts[0] = t.local;
	CHECK(t_allocate(&t) == 300 && alt_is(&t, "198.51.100.21", 3478),
	      "an alternate-server that is this server itself is skipped");
	t_stop(&t);
	turn_shared_free(sh);
}

int main(void)
{
	test_max_allocations();
	test_tls_alternates();
	test_fleet();
	return tap_done();
}
