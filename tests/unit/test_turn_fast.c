/* The kernel fast path as turn/ drives it (turn/fast.c, turn_relay_ops fast_perm and
 * fast_chan): a permission (RFC 8656 §9.2) and a channel (§12.2) are announced before the
 * success response leaves, withdrawn when they expire and before the relay closes. */
#include "test_turn_fake.h"

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

static const struct turn_relay_ops fast_ops = {.open = fake_open,
					       .close = fake_close,
					       .send = fake_send,
					       .fast_perm = fast_perm,
					       .fast_chan = fast_chan};

static void t_start_fast(struct t_env *t)
{
	cur = t;
	nev = 0;
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

int main(void)
{
	test_withdrawn();
	return tap_done();
}
