/* Allocate and Refresh (RFC 8656 §7.2, §8.2): success, retransmission, errors, lifetimes,
 * expiry, EVEN-PORT/RESERVATION-TOKEN, address families, quotas, teardown. */
#include "test_turn_fake.h"

#include "base/crypto.h"
#include "turn/core.h"
#include "turn/shared.h"

static void alloc_req(struct t_env *t, struct stun_enc *e, bool keep_tid)
{
	t_begin(t, e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, keep_tid);
	stun_enc_put_u32(e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
}

static void test_allocate_basic(void)
{
	struct t_env t;
	struct addr relayed, mapped;
	uint8_t first[2048];
	int first_len;
	struct stun_enc e;

	t_init(&t);
	t.fingerprint = true;
	t_start(&t);
	CHECK_EQ_INT(t_challenge(&t), 401, "first contact: 401");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_REALM) && t.nonce[0], "401 carries REALM and NONCE");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_SOFTWARE) == NULL, "no SOFTWARE unless configured");
	CHECK_EQ_INT(t_allocate(&t), 0, "Allocate succeeds");
	CHECK(t_resp_signed(&t), "success carries valid MESSAGE-INTEGRITY");
	CHECK(t.m.i_fp >= 0, "FINGERPRINT echoed");
	CHECK_EQ_INT(stun_msg_get_xor_addr(&t.m, STUN_ATTR_XOR_RELAYED_ADDRESS, &relayed), 0,
		     "XOR-RELAYED-ADDRESS");
	CHECK(addr_eq(&relayed, &t.net.r[0].relayed), "relayed address from ops->open");
	CHECK_EQ_INT(stun_msg_get_xor_addr(&t.m, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped), 0,
		     "XOR-MAPPED-ADDRESS");
	CHECK(addr_eq(&mapped, &t.src), "mapped = client source");
	CHECK_EQ_INT(t_lifetime(&t), 600, "default lifetime 600");
	CHECK_EQ_INT(t.net.opens, 1, "one relay opened");
	CHECK(t.net.last_req.family == AF_INET && t.net.last_req.alloc != NULL,
	      "IPv4 relay requested for the allocation");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 1, "allocs counter");
	memcpy(first, t.resp, (size_t)t.resp_len);
	first_len = t.resp_len;

	/* Retransmission with the same transaction id: the same success again. */
	alloc_req(&t, &e, true);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "retransmitted Allocate: success");
	CHECK(t.resp_len == first_len && memcmp(first, t.resp, (size_t)first_len) == 0,
	      "same response bytes");
	CHECK_EQ_INT(t.net.opens, 1, "no second relay");
	/* A new transaction on the same 5-tuple: 437. */
	CHECK_EQ_INT(t_allocate(&t), 437, "second Allocate: 437");
	CHECK(t_resp_signed(&t), "437 signed");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "turn_server_free closed the relay once");
	CHECK_EQ_INT(t.creds.freed, 1, "credential store freed with the server");
}

static void test_allocate_errors(void)
{
	struct t_env t;
	struct stun_enc e;
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t_start(&t);
	t_challenge(&t);
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	CHECK_EQ_INT(t_send(&t, &e, true), 400, "no REQUESTED-TRANSPORT: 400");
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_TCP << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 442, "TCP transport: 442");
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_FAMILY_IPV4 << 24);
	stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 400, "REQUESTED- + ADDITIONAL-ADDRESS-FAMILY: 400");
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV4 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 400, "ADDITIONAL-ADDRESS-FAMILY IPv4: 400");
	alloc_req(&t, &e, false);
	stun_enc_put(&e, STUN_ATTR_EVEN_PORT, "\x80", 1);
	stun_enc_put(&e, STUN_ATTR_RESERVATION_TOKEN, "12345678", 8);
	CHECK_EQ_INT(t_send(&t, &e, true), 400, "EVEN-PORT + RESERVATION-TOKEN: 400");
	alloc_req(&t, &e, false);
	stun_enc_put(&e, STUN_ATTR_RESERVATION_TOKEN, "12345678", 8);
	CHECK_EQ_INT(t_send(&t, &e, true), 508, "unknown RESERVATION-TOKEN: 508");
	t.net.fail_next = -ENOSPC;
	CHECK_EQ_INT(t_allocate(&t), 508, "no free port: 508");
	t.net.fail_next = -EAFNOSUPPORT;
	CHECK_EQ_INT(t_allocate(&t), 440, "no relay address of the family: 440");
	t.net.fail_next = -EIO;
	CHECK_EQ_INT(t_allocate(&t), 500, "other open failure: 500");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "no allocation left behind");
	CHECK_EQ_INT(turn_shared_total(sh), 0, "quota released after failures");
	/* An unknown comprehension-required attribute: 420. */
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, 0x0042, 1);
	CHECK_EQ_INT(t_send(&t, &e, true), 420, "unknown attribute: 420");
	t_stop(&t);
	turn_shared_free(sh);
}

static void test_lifetimes(void)
{
	struct t_env t;
	struct stun_enc e;

	t_init(&t);
	t_start(&t);
	t_challenge(&t);
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, 100000);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "Allocate with a long LIFETIME");
	CHECK_EQ_INT(t_lifetime(&t), 3600, "clamped to the maximum");
	CHECK_EQ_INT(t_refresh(&t, true, 60), 0, "Refresh 60");
	CHECK_EQ_INT(t_lifetime(&t), 600, "below the default: the default");
	CHECK_EQ_INT(t_refresh(&t, true, 1200), 0, "Refresh 1200");
	CHECK_EQ_INT(t_lifetime(&t), 1200, "1200 granted");
	CHECK_EQ_INT(t_refresh(&t, false, 0), 0, "Refresh without LIFETIME");
	CHECK_EQ_INT(t_lifetime(&t), 600, "default");
	t_advance(&t, 599 * 1000);
	CHECK_EQ_INT(t.net.closes, 0, "alive just before expiry");
	t_advance(&t, 1500);
	CHECK_EQ_INT(t.net.closes, 1, "expired: relay closed");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "allocation gone");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 438, "nonce older than its lifetime: 438");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_NONCE) != NULL, "438 carries a fresh NONCE");
	CHECK_EQ_INT(t_refresh(&t, true, 600), 437, "Refresh after expiry, fresh nonce: 437");

	CHECK_EQ_INT(t_allocate(&t), 0, "allocate again");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "Refresh 0: success");
	CHECK_EQ_INT(t_lifetime(&t), 0, "LIFETIME 0 echoed");
	CHECK_EQ_INT(t.net.closes, 2, "Refresh 0 closed the relay");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 437, "again: 437");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "every relay closed exactly once");
}

static void test_refresh_family(void)
{
	struct t_env t;
	struct stun_enc e;

	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "IPv4 allocation");
	t_begin(&t, &e, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 443, "Refresh for IPv6 on an IPv4 allocation: 443");
	t_stop(&t);
}

static void test_even_port(void)
{
	struct t_env t, t2;
	struct stun_enc e;
	struct stun_str tok;
	uint8_t token[8];
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t_start(&t);
	t_challenge(&t);
	alloc_req(&t, &e, false);
	stun_enc_put(&e, STUN_ATTR_EVEN_PORT, "\x80", 1);
	stun_enc_put(&e, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "EVEN-PORT R=1: success");
	CHECK(t.net.last_req.even_port && t.net.last_req.reserve_next, "even port + reserve asked");
	CHECK(t.net.last_req.dont_fragment, "DONT-FRAGMENT passed to net");
	CHECK_EQ_INT(stun_msg_get_bytes(&t.m, STUN_ATTR_RESERVATION_TOKEN, &tok), 0,
		     "RESERVATION-TOKEN in the response");
	memcpy(token, tok.p, 8);
	CHECK_EQ_INT(t.net.nr, 2, "relay + reservation");

	/* Another worker (same turn_shared) takes the token. */
	t_init(&t2);
	t2.cfg.shared = sh;
	addr_parse(&t2.src, "192.0.2.99", 5555);
	t_start(&t2);
	t_challenge(&t2);
	alloc_req(&t2, &e, false);
	stun_enc_put(&e, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	CHECK_EQ_INT(t_send(&t2, &e, true), 0, "Allocate with the token on another worker");
	CHECK(t2.net.last_req.reserved == &t.net.r[1], "the reserved handle handed to open");
	addr_parse(&t2.src, "192.0.2.99", 5556);
	alloc_req(&t2, &e, false);
	stun_enc_put(&e, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	CHECK_EQ_INT(t_send(&t2, &e, true), 508, "the token works once");
	t_advance(&t, 31000);
	CHECK_EQ_INT(t.net.r[1].closes, 0, "a taken reservation is not closed by its maker");

	/* A reservation nobody takes: released after 30 s. */
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "delete the first allocation");
	alloc_req(&t, &e, false);
	stun_enc_put(&e, STUN_ATTR_EVEN_PORT, "\x80", 1);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "EVEN-PORT R=1 again");
	CHECK_EQ_INT(t.net.nr, 4, "relay + reservation");
	t_advance(&t, 29000);
	CHECK_EQ_INT(t.net.r[3].closes, 0, "held for 30 s");
	t_advance(&t, 2000);
	CHECK_EQ_INT(t.net.r[3].closes, 1, "released via ops->close after 30 s");
	CHECK_EQ_INT(t.net.r[2].closes, 0, "the allocation's own relay stays");

	/* No reservation possible: 508. */
	t.net.no_reserve = true;
	addr_parse(&t.src, "192.0.2.10", 40001);
	alloc_req(&t, &e, false);
	stun_enc_put(&e, STUN_ATTR_EVEN_PORT, "\x80", 1);
	CHECK_EQ_INT(t_send(&t, &e, true), 508, "EVEN-PORT R=1 unsatisfiable: 508");
	/* EVEN-PORT without R. */
	t.net.no_reserve = false;
	alloc_req(&t, &e, false);
	stun_enc_put(&e, STUN_ATTR_EVEN_PORT, "\x00", 1);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "EVEN-PORT R=0");
	CHECK(t.net.last_req.even_port && !t.net.last_req.reserve_next, "even port, no reserve");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_RESERVATION_TOKEN) == NULL, "no token");
	t_stop(&t);
	t_stop(&t2);
	CHECK(fake_all_closed_once(&t.net), "worker 1: every handle closed once");
	CHECK(fake_all_closed_once(&t2.net), "worker 2: every handle closed once");
	turn_shared_free(sh);
}

static void test_families(void)
{
	struct t_env t;
	struct stun_enc e;
	struct addr ra[2];
	size_t n = 2;
	uint8_t fam;
	int code;
	struct stun_str reason;

	t_init(&t);
	t_start(&t);
	t_challenge(&t);
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "REQUESTED-ADDRESS-FAMILY IPv6");
	CHECK_EQ_INT(t.net.last_req.family, AF_INET6, "IPv6 relay opened");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "deleted");

	t.net.fail_v6 = -EAFNOSUPPORT;
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 440, "no IPv6 relay: 440");

	t.net.fail_v6 = 0;
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "dual allocation");
	CHECK_EQ_INT(stun_msg_get_xor_addrs(&t.m, STUN_ATTR_XOR_RELAYED_ADDRESS, ra, &n), 0,
		     "XOR-RELAYED-ADDRESSes");
	CHECK(n == 2 && addr_family(&ra[0]) == AF_INET && addr_family(&ra[1]) == AF_INET6,
	      "one IPv4 and one IPv6");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "deleted");

	t.net.fail_v6 = -EAFNOSUPPORT;
	alloc_req(&t, &e, false);
	stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "dual allocation, IPv6 unavailable: success");
	n = 2;
	stun_msg_get_xor_addrs(&t.m, STUN_ATTR_XOR_RELAYED_ADDRESS, ra, &n);
	CHECK_EQ_INT(n, 1, "one relayed address");
	CHECK(stun_msg_get_addr_error(&t.m, &fam, &code, &reason) == 0 && fam == STUN_FAMILY_IPV6 &&
		      code == 440,
	      "ADDRESS-ERROR-CODE IPv6 440");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "dual relays closed once each");
}

static void test_quota(void)
{
	struct t_env t;
	struct turn_shared *sh;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.user_quota = 1;
	t.cfg.total_quota = 2;
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "alice's first allocation");
	addr_parse(&t.src, "192.0.2.10", 40002);
	CHECK_EQ_INT(t_allocate(&t), 486, "alice's second: user quota 486");
	t.user = "bob", t.pass = "hunter2";
	CHECK_EQ_INT(t_allocate(&t), 0, "bob's first");
	addr_parse(&t.src, "192.0.2.10", 40003);
	t.creds.users[2] = (struct fake_user){"carol", "pw"};
	t.creds.nusers = 3;
	t.user = "carol", t.pass = "pw";
	CHECK_EQ_INT(t_allocate(&t), 486, "carol: total quota 486");
	CHECK_EQ_INT(turn_shared_total(sh), 2, "two counted");
	t_stop(&t);
	CHECK_EQ_INT(turn_shared_total(sh), 0, "released at teardown");
	turn_shared_free(sh);
}

/* The quota count of a user (turn_shared keys it by SHA-256(username ":" realm)). */
static uint32_t user_count(struct turn_shared *sh, const char *user)
{
	uint8_t ident[32];
	struct crypto_part parts[3] = {{user, strlen(user)}, {":", 1}, {T_REALM, strlen(T_REALM)}};

	crypto_sha256(parts, 3, ident);
	return turn_shared_user_count(sh, ident);
}

/* Allocate with EVEN-PORT R=1 from port of 192.0.2.10; returns the code, the token in tok. */
static int alloc_reserve(struct t_env *t, uint16_t port, uint8_t tok[8])
{
	struct stun_enc e;
	struct stun_str s;
	int code;

	addr_parse(&t->src, "192.0.2.10", port);
	alloc_req(t, &e, false);
	stun_enc_put(&e, STUN_ATTR_EVEN_PORT, "\x80", 1);
	code = t_send(t, &e, true);
	if (code == 0 && stun_msg_get_bytes(&t->m, STUN_ATTR_RESERVATION_TOKEN, &s) == 0 &&
	    s.len == 8)
		memcpy(tok, s.p, 8);
	return code;
}

/* A port held by RESERVATION-TOKEN counts against the user and total quotas of the user
 * who made it until an Allocate takes it (then it is that allocation's) or it expires. */
static void test_reservation_quota(void)
{
	struct t_env t;
	struct turn_shared *sh;
	struct stun_enc e;
	uint8_t tok[8], tok2[8];
	int opens;

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.user_quota = 2;
	t.cfg.total_quota = 5;
	t.creds.users[2] = (struct fake_user){"carol", "pw"};
	t.creds.nusers = 3;
	t_start(&t);
	t_challenge(&t);
	CHECK_EQ_INT(alloc_reserve(&t, 41000, tok), 0, "alice: EVEN-PORT R=1");
	CHECK_EQ_INT(user_count(sh, "alice"), 2, "allocation + reservation count for alice");
	CHECK_EQ_INT(turn_shared_total(sh), 2, "and in the total");
	opens = t.net.nr;
	CHECK_EQ_INT(alloc_reserve(&t, 41001, tok2), 486, "alice: a second R=1 over quota: 486");
	CHECK_EQ_INT(t.net.nr, opens, "refused before any port is opened");
	CHECK_EQ_INT(t_allocate(&t), 486, "alice: a plain Allocate is over quota too");
	addr_parse(&t.src, "192.0.2.10", 41000);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "alice deletes her allocation");
	CHECK_EQ_INT(user_count(sh, "alice"), 1, "the reservation still counts");
	CHECK_EQ_INT(alloc_reserve(&t, 41002, tok2), 486,
		     "alice: R=1 with a reservation held: 486 (no ports without quota)");
	CHECK_EQ_INT(t_allocate(&t), 0, "alice: a plain Allocate fits");
	CHECK_EQ_INT(user_count(sh, "alice"), 2, "alice: allocation + reservation");

	/* bob fills the total; carol takes alice's reservation: it becomes carol's. */
	t.user = "bob", t.pass = "hunter2";
	CHECK_EQ_INT(alloc_reserve(&t, 41100, tok2), 0, "bob: EVEN-PORT R=1");
	CHECK_EQ_INT(turn_shared_total(sh), 4, "total: 2 allocations + 2 reservations");
	t.user = "carol", t.pass = "pw";
	CHECK_EQ_INT(alloc_reserve(&t, 41200, tok2), 486, "carol: R=1 over the total: 486");
	addr_parse(&t.src, "192.0.2.10", 41201);
	alloc_req(&t, &e, false);
	stun_enc_put(&e, STUN_ATTR_RESERVATION_TOKEN, tok, 8);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "carol: Allocate with alice's token");
	CHECK_EQ_INT(user_count(sh, "alice"), 1, "alice: the taken reservation no longer hers");
	CHECK_EQ_INT(user_count(sh, "carol"), 1, "carol: her allocation");
	CHECK_EQ_INT(turn_shared_total(sh), 4, "total: 3 allocations + bob's reservation");
	t_advance(&t, TURN_RESERVATION_MS + 1000);
	CHECK_EQ_INT(user_count(sh, "bob"), 1, "bob: an expired reservation is released");
	CHECK_EQ_INT(turn_shared_total(sh), 3, "total: the 3 allocations");
	t_stop(&t);
	CHECK_EQ_INT(turn_shared_total(sh), 0, "all released at teardown");
	CHECK(fake_all_closed_once(&t.net), "every relay and reservation closed once");
	turn_shared_free(sh);
}

/* A reservation held at teardown is released with its quota. */
static void test_reservation_quota_teardown(void)
{
	struct t_env t;
	struct turn_shared *sh;
	uint8_t tok[8];

	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.total_quota = 1;
	t_start(&t);
	t_challenge(&t);
	CHECK_EQ_INT(alloc_reserve(&t, 42000, tok), 486, "R=1 needs two under total-quota 1");
	CHECK_EQ_INT(t.net.nr, 0, "no port opened");
	t.cfg.total_quota = 3;
	CHECK_EQ_INT(alloc_reserve(&t, 42000, tok), 0, "R=1 under total-quota 3");
	CHECK_EQ_INT(alloc_reserve(&t, 42001, tok), 486, "a second R=1 would need 4: 486");
	addr_parse(&t.src, "192.0.2.10", 42000);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "allocation deleted");
	t.net.no_reserve = true;
	CHECK_EQ_INT(alloc_reserve(&t, 42002, tok), 508, "no reservation possible: 508");
	CHECK_EQ_INT(turn_shared_total(sh), 1, "the failed R=1 released both units");
	t_stop(&t);
	CHECK_EQ_INT(turn_shared_total(sh), 0, "the reservation released at teardown");
	CHECK(fake_all_closed_once(&t.net), "every relay and reservation closed once");
	turn_shared_free(sh);
}

static void test_tcp_client_gone(void)
{
	struct t_env t;
	struct turn_client c;

	t_init(&t);
	t_use_stream(&t);
	t.cfg.software = "Tern test";
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "Allocate over a stream");
	CHECK(stun_msg_find(&t.m, STUN_ATTR_SOFTWARE) != NULL, "SOFTWARE when configured");
	c = t_client(&t);
	turn_server_client_gone(t.s, &c);
	CHECK_EQ_INT(t.net.closes, 1, "connection gone: relay closed");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 0, "allocation freed");
	turn_server_client_gone(t.s, &c);
	CHECK_EQ_INT(t.net.closes, 1, "a second notice is harmless");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "closed once");
}

/* The 5-tuple includes the connection: the same addresses over a datagram and a stream
 * connection are two allocations, and the stream's end frees only its own. */
static void test_conn_identity(void)
{
	struct t_env t;
	struct turn_client c;

	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "Allocate on the datagram connection");
	t_use_stream(&t);
	CHECK_EQ_INT(t_refresh(&t, true, 600), 437, "same addresses on a stream: no allocation");
	CHECK_EQ_INT(t_allocate(&t), 0, "Allocate on the stream connection");
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 2, "two allocations");
	c = t_client(&t);
	turn_server_client_gone(t.s, &c);
	CHECK_EQ_INT(turn_server_counters(t.s)->allocs, 1, "the stream's one freed");
	t.conn = &t.dgram;
	CHECK_EQ_INT(t_refresh(&t, true, 600), 0, "the datagram one lives on");
	CHECK_EQ_INT(t.dgram.sends + t.stream.sends, 0,
		     "every answer went back as the return value");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "closed once");
}

static void test_many(void)
{
	struct t_env t;
	int i, ok = 0;

	t_init(&t);
	t.cfg.no_auth = true;
	t_start(&t);
	for (i = 0; i < 200; i++) {
		addr_parse(&t.src, "192.0.2.50", (uint16_t)(1000 + i));
		ok += t_allocate(&t) == 0;
	}
	CHECK_EQ_INT(ok, 200, "200 allocations (table grows)");
	for (i = 0; i < 200; i += 2) {
		addr_parse(&t.src, "192.0.2.50", (uint16_t)(1000 + i));
		t_refresh(&t, true, 0);
	}
	ok = 0;
	for (i = 1; i < 200; i += 2) {
		addr_parse(&t.src, "192.0.2.50", (uint16_t)(1000 + i));
		ok += t_refresh(&t, true, 700) == 0;
	}
	CHECK_EQ_INT(ok, 100, "the other half still found after removals");
	CHECK(!t_resp_signed(&t) && t.m.i_mi < 0, "no_auth: responses unsigned");
	t_stop(&t);
	CHECK(fake_all_closed_once(&t.net), "all 200 relays closed once");
}

/* The lifetimes turn/server.h defines are the ones a zeroed turn_cfg falls back to, and a
 * configured one wins (RFC 8656 §7.2, §9, §12). */
static void test_lifetime_defaults(void)
{
	struct turn_cfg zero = {0}, set = {.default_lifetime_s = 100,
					   .max_lifetime_s = 200,
					   .perm_lifetime_s = 30,
					   .channel_lifetime_s = 40};

	CHECK_EQ_INT(turn_lifetime(&zero, false, 0), TURN_ALLOC_LIFETIME_S, "default allocation");
	CHECK_EQ_INT(TURN_ALLOC_LIFETIME_S, 600, "allocation default is 10 minutes");
	CHECK_EQ_INT(turn_lifetime(&zero, true, 1000000), TURN_MAX_LIFETIME_S, "default maximum");
	CHECK_EQ_INT(TURN_MAX_LIFETIME_S, 3600, "maximum default is one hour");
	CHECK(turn_perm_expiry(&zero, 1000) == 1000 + TURN_PERM_LIFETIME_S * 1000ull,
	      "default permission lifetime");
	CHECK_EQ_INT(TURN_PERM_LIFETIME_S, 300, "permission lifetime is 5 minutes");
	CHECK(turn_chan_expiry(&zero, 1000) == 1000 + TURN_CHANNEL_LIFETIME_S * 1000ull,
	      "default channel lifetime");
	CHECK_EQ_INT(TURN_CHANNEL_LIFETIME_S, 600, "channel lifetime is 10 minutes");
	CHECK_EQ_INT(turn_lifetime(&set, false, 0), 100, "configured default");
	CHECK_EQ_INT(turn_lifetime(&set, true, 1000), 200, "configured maximum");
	CHECK(turn_perm_expiry(&set, 5) == 30005, "configured permission lifetime");
	CHECK(turn_chan_expiry(&set, 5) == 40005, "configured channel lifetime");
}

int main(void)
{
	test_lifetime_defaults();
	test_allocate_basic();
	test_allocate_errors();
	test_lifetimes();
	test_refresh_family();
	test_even_port();
	test_families();
	test_quota();
	test_reservation_quota();
	test_reservation_quota_teardown();
	test_tcp_client_gone();
	test_conn_identity();
	test_many();
	return tap_done();
}
