/* The kernel fast path as turn/ drives it (turn/fast.c, turn_relay_ops fast_perm and
 * fast_chan): a permission (RFC 8656 §9.2) and a channel (§12.2) are announced before the
 * success response leaves, withdrawn when they expire and before the relay closes. Its
 * accounting (turn/fast_acct.c, fast_take and fast_throttle, with scripted counts and a
 * synthetic clock): taken once a second into the session list, the counters, the realm
 * totals and the session line; the last take after the entries are withdrawn and before
 * the relay closes or the allocation moves; max-bps throttles and releases. A reload's
 * peer settings end the grants they refuse (turn/peer_purge.c). */
#include "test_turn_fake.h"

#include <unistd.h>

#include "base/log.h"
#include "turn/stats.h"
#include "turn/ticket.h"

struct fast_ev {
	char kind; /* 'p' permission, 'c' channel */
	bool on;
	uint16_t number;
	struct addr peer, client;
	void *relay;
	int resp_len; /* the response's length when it was called (0: not made yet) */
	int closes;   /* relays closed when it was called */
};

static struct fast_ev evs[64];
static int nev;
static struct t_env *cur;

static void fast_rec(char kind, void *relay, const struct turn_client *client, uint16_t number,
		     const struct addr *peer, bool on)
{
	if (nev == (int)(sizeof(evs) / sizeof(evs[0])))
		return;
	evs[nev++] = (struct fast_ev){.kind = kind,
				      .on = on,
				      .number = number,
				      .peer = *peer,
				      .client = client->src,
				      .relay = relay,
				      .resp_len = cur->resp_len,
				      .closes = cur->net.closes};
}

static void fast_perm(void *ctx, void *relay, const struct turn_client *client,
		      const struct addr *peer, bool on)
{
	(void)ctx;
	fast_rec('p', relay, client, 0, peer, on);
}

static void fast_chan(void *ctx, void *relay, const struct turn_client *client, uint16_t number,
		      const struct addr *peer, bool on)
{
	(void)ctx;
	fast_rec('c', relay, client, number, peer, on);
}

/* fast_take hands out, once, what is scripted for the relay (by fake relay id). */
static struct {
	struct turn_fast_count next[FAKE_MAX_RELAYS];
	int takes;
	int take_nev, take_closes; /* events and closes when the last take was made */
	int on, off;		   /* fast_throttle calls */
	bool throttled[FAKE_MAX_RELAYS];
} fk;

static void fast_take(void *ctx, void *relay, struct turn_fast_count *d)
{
	struct fake_relay *r = relay;

	(void)ctx;
	fk.takes++;
	fk.take_nev = nev;
	fk.take_closes = cur->net.closes;
	*d = fk.next[r->id];
	fk.next[r->id] = (struct turn_fast_count){0};
}

static void fast_throttle(void *ctx, void *relay, bool on)
{
	struct fake_relay *r = relay;

	(void)ctx;
	*(on ? &fk.on : &fk.off) += 1;
	fk.throttled[r->id] = on;
}

static void fast_detach(void *ctx, void *relay)
{
	(void)ctx;
	(void)relay;
}

static int fast_attach(void *ctx, void *relay, const struct turn_client *client)
{
	(void)ctx;
	(void)relay;
	(void)client;
	return 0;
}

static const struct turn_relay_ops fast_ops = {.open = fake_open,
					       .close = fake_close,
					       .send = fake_send,
					       .detach = fast_detach,
					       .attach = fast_attach,
					       .fast_perm = fast_perm,
					       .fast_chan = fast_chan,
					       .fast_take = fast_take,
					       .fast_throttle = fast_throttle};

static void t_start_fast(struct t_env *t)
{
	cur = t;
	nev = 0;
	memset(&fk, 0, sizeof(fk));
	if (turn_server_new(&t->cfg, &fast_ops, &t->net, &t->creds.store, t->now, &t->s) != 0) {
		printf("Bail out! turn_server_new\n");
		exit(1);
	}
}

/* Event i is kind/on for peer ip:port (channel number), on relay 0, for t's client. */
static bool ev_is(const struct t_env *t, int i, char kind, bool on, const char *ip, uint16_t port,
		  uint16_t number)
{
	struct addr peer;

	addr_parse(&peer, ip, port);
	return i < nev && evs[i].kind == kind && evs[i].on == on && evs[i].number == number &&
	       addr_eq(&evs[i].peer, &peer) && addr_eq(&evs[i].client, &t->src) &&
	       evs[i].relay == (void *)&t->net.r[0];
}

/* turn_server_input returns the response for net/ to send: an announcement made while
 * t->resp_len is still 0 came before it existed. */
static void test_installed_before_response(struct t_env *t)
{
	t->resp_len = 0;
	CHECK_EQ_INT(t_create_perm(t, "8.8.8.8"), 0, "CreatePermission 8.8.8.8");
	CHECK(nev == 1 && ev_is(t, 0, 'p', true, "8.8.8.8", 0, 0),
	      "the permission is announced once, peer port 0, on the allocation's relay");
	CHECK(nev == 1 && evs[0].resp_len == 0 && t->resp_len > 0,
	      "announced before the success response was made");
	t->resp_len = 0;
	CHECK_EQ_INT(t_channel_bind(t, 0x4000, "8.8.4.4", 1000), 0, "ChannelBind 0x4000");
	CHECK(nev == 3 && ev_is(t, 1, 'p', true, "8.8.4.4", 0, 0) &&
		      ev_is(t, 2, 'c', true, "8.8.4.4", 1000, 0x4000),
	      "ChannelBind announces the permission and the channel");
	CHECK(nev == 3 && evs[1].resp_len == 0 && evs[2].resp_len == 0 && t->resp_len > 0,
	      "both before the success response was made");
	CHECK_EQ_INT(t_create_perm(t, "10.1.2.3"), 403, "a denied peer: 403");
	CHECK_EQ_INT(nev, 3, "nothing announced for a refused peer");
}

static void test_withdrawn(void)
{
	struct peer_policy_cfg pc = {0};
	struct peer_policy *policy = NULL;
	struct t_env t;
	int n;

	t_init(&t);
	CHECK_EQ_INT(peer_policy_new(&pc, &policy), 0, "the default peer policy");
	t.cfg.peers = policy;
	t_start_fast(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_refresh(&t, true, 3600), 0, "for an hour");
	CHECK_EQ_INT(nev, 0, "an allocation alone announces nothing");
	test_installed_before_response(&t);
	n = nev;
	t_advance(&t, 301 * 1000);
	CHECK(nev == n + 2 && !evs[n].on && !evs[n + 1].on && evs[n].kind == 'p' &&
		      evs[n + 1].kind == 'p',
	      "both permissions withdrawn when they expire (300 s), the channel stays");
	n = nev;
	t_stop(&t);
	CHECK(nev == n + 1 && ev_is(&t, n, 'c', false, "8.8.4.4", 1000, 0x4000),
	      "the allocation's end withdraws the channel");
	CHECK(nev == n + 1 && evs[n].closes == 0 && t.net.closes == 1,
	      "withdrawn before the relay closed");
	peer_policy_free(policy);
}

/* ---- accounting ---- */

static char log_path[] = "/tmp/test_turn_fast_XXXXXX";

static int first_session(const struct turn_session *ss, void *arg)
{
	*(struct turn_session *)arg = *ss;
	return 1;
}

/* The session list's view of t's (only) allocation. */
static struct turn_session session_of(struct t_env *t)
{
	struct turn_session ss = {0};

	turn_server_sessions(t->s, t->now, first_session, &ss);
	return ss;
}

static void script(int relay, uint64_t pp, uint64_t bp, uint64_t pc, uint64_t bc)
{
	fk.next[relay] = (struct turn_fast_count){.pkts_to_peer = pp,
						  .bytes_to_peer = bp,
						  .pkts_to_client = pc,
						  .bytes_to_client = bc};
}

/* Ticks at now + ms (no whole-second stepping: the take's own rate limit is tested). */
static void tick_at(struct t_env *t, uint64_t ms)
{
	t->now += ms;
	turn_server_tick(t->s, t->now);
}

static void test_take_folded(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	const struct turn_counters *c;
	struct turn_session ss;
	struct turn_realm_traffic rt[2] = {0};
	size_t nrt = 0;
	int takes;

	t_init(&t);
	t_start_fast(&t);
	c = turn_server_counters(t.s);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "198.51.100.7"), 0, "permission");
	tick_at(&t, 0);
	takes = fk.takes;
	CHECK(takes >= 1, "a tick takes the relay's counts");
	script(0, 10, 1000, 5, 700);
	tick_at(&t, 400);
	tick_at(&t, 400);
	CHECK(fk.takes == takes && session_of(&t).pkts_to_peer == 0,
	      "not again within TURN_FAST_TAKE_MS (ticks at +400, +800 ms)");
	tick_at(&t, 200);
	CHECK_EQ_INT(fk.takes, takes + 1, "taken again at +1000 ms, once");
	ss = session_of(&t);
	CHECK(ss.pkts_to_peer == 10 && ss.bytes_to_peer == 1000 && ss.pkts_to_client == 5 &&
		      ss.bytes_to_client == 700,
	      "the session list includes the kernel's counts");
	CHECK(c->fast_relayed_to_peer == 10 && c->fast_relayed_bytes_to_peer == 1000 &&
		      c->fast_relayed_to_client == 5 && c->fast_relayed_bytes_to_client == 700,
	      "the worker's kernel-path counters");
	t_peer_send(&t, &pb, "198.51.100.7", 5000, "0123456789", 10, &msg);
	ss = session_of(&t);
	CHECK(c->relayed_to_client == 1 && c->relayed_bytes_to_client == 10 &&
		      c->relayed_to_peer == 0 && c->fast_relayed_to_client == 5,
	      "user space counts its own datagram apart");
	CHECK(ss.pkts_to_client == 6 && ss.bytes_to_client == 710,
	      "the session holds both paths' sum");
	turn_server_realm_traffic(t.s, rt, 2, &nrt);
	CHECK(nrt == 1 && rt[0].pkts_to_peer == 10 && rt[0].bytes_to_client == 710,
	      "the realm totals include the kernel's counts");
	tick_at(&t, 1000);
	CHECK(session_of(&t).pkts_to_peer == 10, "a take of nothing adds nothing");
	t_stop(&t);
}

/* The last take: after the entries are withdrawn, before the relay closes, into the
 * session line. */
static void test_last_take(void)
{
	struct t_env t;
	char *text;
	int n;

	unlink(log_path);
	log_open(log_path, false, LOG_LVL_INFO);
	t_init(&t);
	t_start_fast(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4001, "198.51.100.9", 6000), 0, "channel");
	tick_at(&t, 1000);
	script(0, 3, 300, 4, 400);
	n = nev;
	tick_at(&t, 500);
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "deleted half a second after a take");
	CHECK(nev == n + 2 && fk.take_nev == n + 2 && fk.take_closes == 0 && t.net.closes == 1,
	      "taken once more after both entries were withdrawn, before the relay closed");
	text = tap_slurp(log_path);
	CHECK(strstr(text, "allocation ended id=") &&
		      strstr(text, " pkts_to_peer=3 bytes_to_peer=300 pkts_to_client=4 "
				   "bytes_to_client=400\n"),
	      "the session line includes what the kernel relayed since the last tick");
	free(text);
	CHECK(turn_server_counters(t.s)->fast_relayed_to_client == 4, "and the counters");
	t_stop(&t);
	log_close();
}

/* A dual allocation's family that ends alone: its relay's last take before it closes. */
static void test_relay_dropped(void)
{
	struct t_env t;
	struct stun_enc e;

	t_init(&t);
	t_start_fast(&t);
	t_challenge(&t);
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "a dual allocation");
	CHECK_EQ_INT(t.net.nr, 2, "two relays");
	script(1, 2, 20, 0, 0);
	script(0, 1, 10, 0, 0);
	t_begin(&t, &e, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, 0);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "its IPv6 relay deleted");
	CHECK(t.net.r[1].closes == 1 && t.net.r[0].closes == 0 && fk.take_closes == 0,
	      "only that relay closed, after its take");
	CHECK(session_of(&t).pkts_to_peer == 2 && fk.next[0].pkts_to_peer == 1,
	      "its counts kept; the other relay's left for the tick");
	tick_at(&t, 1000);
	CHECK(session_of(&t).pkts_to_peer == 3, "the tick takes the IPv4 relay's");
	t_stop(&t);
}

/* max-bps 10000 bytes/s (a burst of one second): the kernel's bytes are charged to the
 * buckets; more than they hold throttles the allocation until a tick finds them full. */
static void test_throttle(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	char data[1200] = {0};
	int sent = 0;

	t_init(&t);
	t.cfg.max_bps = 10000;
	t_start_fast(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated, max-bps 10000");
	CHECK_EQ_INT(t_create_perm(&t, "198.51.100.7"), 0, "permission");
	tick_at(&t, 1000);
	script(0, 8, 8000, 0, 0);
	tick_at(&t, 1000);
	CHECK(fk.on == 0 && !fk.throttled[0], "8000 bytes in a second: within the rate");
	script(0, 0, 0, 20, 25000);
	tick_at(&t, 1000);
	CHECK(fk.on == 1 && fk.throttled[0], "25000 bytes to the client in a second: throttled");
	CHECK_EQ_INT(turn_server_counters(t.s)->fast_throttled, 1, "counted");
	tick_at(&t, 500);
	for (int i = 0; i < 3; i++)
		sent += t_peer_send(&t, &pb, "198.51.100.7", 5000, data, sizeof(data), &msg) > 0;
	CHECK_EQ_INT(sent, 3, "user space relays 3600 bytes within the rate meanwhile");
	tick_at(&t, 500);
	CHECK(fk.off == 0 && fk.throttled[0],
	      "its bucket not full a second later: still throttled");
	tick_at(&t, 1000);
	CHECK(fk.off == 1 && !fk.throttled[0], "full again: released");
	script(0, 0, 0, 30, 30000);
	tick_at(&t, 1000);
	CHECK(fk.on == 2 && fk.throttled[0], "over again: throttled again");
	t_stop(&t);
	CHECK(fk.off == 2 && !fk.throttled[0], "released before its relay closed");
}

static void test_unlimited(void)
{
	struct t_env t;

	t_init(&t);
	t_start_fast(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated, no max-bps");
	script(0, 1000000, 1000000000, 1000000, 1000000000);
	tick_at(&t, 1000);
	CHECK(fk.on == 0 && session_of(&t).bytes_to_peer == 1000000000,
	      "no max-bps: never throttled, everything counted");
	t_stop(&t);
	CHECK_EQ_INT(fk.off, 0, "nothing to release");
}

/* A move (RFC 8016) within the worker: the entries go and the counts are taken before. */
static void test_move(void)
{
	struct turn_ticket_key *key = NULL;
	struct t_env t;
	struct stun_enc e;
	struct stun_str tk;
	char ticket[64] = {0};
	int n;

	t_init(&t);
	turn_ticket_key_new(&key);
	t.cfg.ticket_key = key;
	t_start_fast(&t);
	t_challenge(&t);
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put(&e, STUN_ATTR_MOBILITY_TICKET, "", 0);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "a mobile allocation");
	if (stun_msg_get_bytes(&t.m, STUN_ATTR_MOBILITY_TICKET, &tk) == 0 && tk.len < 64)
		memcpy(ticket, tk.p, tk.len);
	CHECK_EQ_INT(t_create_perm(&t, "198.51.100.7"), 0, "permission");
	script(0, 7, 70, 0, 0);
	n = nev;
	addr_parse(&t.src, "192.0.2.99", 41000);
	t.nonce[0] = 0;
	t_challenge(&t);
	t_begin(&t, &e, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST, false);
	stun_enc_put(&e, STUN_ATTR_MOBILITY_TICKET, ticket, strlen(ticket));
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "moved to a new 5-tuple");
	CHECK(nev == n + 1 && !evs[n].on && fk.take_nev == n + 1,
	      "the entry withdrawn, then the counts taken");
	CHECK_EQ_INT(session_of(&t).pkts_to_peer, 7, "the moved allocation keeps them");
	t_stop(&t);
	turn_ticket_key_free(key);
}

/* A reload whose peer policy refuses 10.0.0.0/8 again: the grants to 10.1.2.3 end in user
 * space and in the fast path; 8.8.8.8's stay. */
static void test_reload_purge(void)
{
	struct iprange_list open10 = {0};
	struct peer_policy_cfg pc = {.allowed = &open10};
	struct peer_policy *opened = NULL, *strict = NULL;
	struct peer_policy_cfg sc = {0};
	struct fake_creds creds2;
	struct turn_cfg cfg2;
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	const struct turn_counters *c;
	int n;

	iprange_list_add(&open10, "10.0.0.0/8");
	CHECK(peer_policy_new(&pc, &opened) == 0 && peer_policy_new(&sc, &strict) == 0,
	      "two peer policies");
	t_init(&t);
	t.cfg.peers = opened;
	t_start_fast(&t);
	c = turn_server_counters(t.s);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "10.1.2.3"), 0, "10.1.2.3 allowed by allowed-peer-ip");
	CHECK_EQ_INT(t_channel_bind(&t, 0x4002, "10.1.2.3", 7000), 0, "and a channel to it");
	CHECK_EQ_INT(t_create_perm(&t, "8.8.8.8"), 0, "8.8.8.8");
	CHECK(t_peer_send(&t, &pb, "10.1.2.3", 7000, "x", 1, &msg) > 0, "10.1.2.3 relayed");
	n = nev;
	creds2 = t.creds;
	creds2.store.impl = &creds2;
	cfg2 = t.cfg;
	cfg2.peers = strict;
	CHECK_EQ_INT(turn_server_reconfigure(t.s, &cfg2, &creds2.store), 0, "reloaded");
	CHECK(nev == n + 2 && evs[n].kind == 'c' && !evs[n].on && evs[n].number == 0x4002 &&
		      evs[n + 1].kind == 'p' && !evs[n + 1].on,
	      "its channel and permission withdrawn from the fast path, nothing else");
	CHECK(c->peer_denied[TURN_DENY_POLICY] == 2, "both counted as refused by policy");
	CHECK(t_peer_send(&t, &pb, "10.1.2.3", 7000, "x", 1, &msg) == 0 && c->dropped_no_perm == 1,
	      "10.1.2.3's datagrams dropped in user space");
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 53, "x", 1, &msg) > 0, "8.8.8.8 still relayed");
	CHECK_EQ_INT(t_create_perm(&t, "10.1.2.3"), 403, "and refused anew");
	n = nev;
	t_stop(&t);
	CHECK(nev == n + 1 && evs[n].kind == 'p', "at the end only 8.8.8.8 is left to withdraw");
	peer_policy_free(opened);
	peer_policy_free(strict);
	iprange_list_free(&open10);
}

/* The realm allows 10.0.0.0/8 (peer_verdict) where the server's policy does not. A reload
 * whose new store has not heard from the realm yet keeps the grant: the purge asks the
 * store in use until then. */
static int realm_allows_10(void *impl, const char *realm, size_t rlen, const struct addr *peer)
{
	const struct sockaddr_in *in = &peer->u.in4;

	(void)impl;
	(void)realm;
	(void)rlen;
	return in->sin_family == AF_INET && ((const uint8_t *)&in->sin_addr)[0] == 10 ? 1 : 0;
}

static void test_reload_realm_kept(void)
{
	static struct cred_store_ops with_realm, silent;
	struct peer_policy *strict = NULL;
	struct peer_policy_cfg sc = {0};
	struct fake_creds creds2;
	struct turn_cfg cfg2;
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	int n;

	CHECK(peer_policy_new(&sc, &strict) == 0, "a peer policy refusing 10.0.0.0/8");
	t_init(&t);
	with_realm = *t.creds.store.ops;
	with_realm.peer_verdict = realm_allows_10;
	silent = *t.creds.store.ops;
	silent.peer_verdict = NULL;
	t.creds.store.ops = &with_realm;
	t.cfg.peers = strict;
	t_start_fast(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocated");
	CHECK_EQ_INT(t_create_perm(&t, "10.1.2.3"), 0, "10.1.2.3 allowed by the realm's list");
	n = nev;
	creds2 = t.creds;
	creds2.store.impl = &creds2;
	creds2.store.ops = &silent;
	cfg2 = t.cfg;
	CHECK_EQ_INT(turn_server_reconfigure(t.s, &cfg2, &creds2.store), 0, "reloaded");
	CHECK(nev == n, "nothing withdrawn: the realm's list still allows 10.1.2.3");
	CHECK(t_peer_send(&t, &pb, "10.1.2.3", 7000, "x", 1, &msg) > 0, "10.1.2.3 still relayed");
	t_stop(&t);
	peer_policy_free(strict);
}

int main(void)
{
	int fd = mkstemp(log_path);

	if (fd >= 0)
		close(fd);
	test_withdrawn();
	test_take_folded();
	test_last_take();
	test_relay_dropped();
	test_throttle();
	test_unlimited();
	test_move();
	test_reload_purge();
	test_reload_realm_kept();
	unlink(log_path);
	return tap_done();
}
