/* From the configuration to struct turn_cfg, the peer policy and the static users. */
#include "app/app_turn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_cred.h"
#include "auth/nonce.h"
#include "base/iprange.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "cred/redis.h"
#include "cred/rest_static.h"
#include "cred/static.h"
#include "net/server.h"
#include "net/sock.h"
#include "turn/peer.h"
#include "turn/ratelimit.h"
#include "turn/relayset.h"
#include "turn/server.h"
#include "turn/ticket.h"

/* Permissions per allocation: ICE needs one per remote candidate address. */
#define APP_TURN_MAX_PERMS 128
/* alternate-server values (the option's range). */
#define APP_TURN_MAX_ALT 16

struct app_turn {
	struct turn_cfg tc;
	struct auth_nonce_key nonce;
	struct peer_policy *peers;
	struct turn_relayset *relays;
	struct turn_shared *shared;
	struct ratelimit *unauth;
	struct turn_ticket_key *tickets; /* mobility: the MOBILITY-TICKET key, or NULL */
	struct cred_static *users;
	struct cred_rest_static *secrets;
	struct cred_redis *redis;
	struct app_cred_cfg cc;
	struct addr alternates[APP_TURN_MAX_ALT]; /* alternate-server (drain) */
};

/* net_cred_new_cb: each worker's composed store (its Redis connections on base). */
static int app_turn_cred_new(void *arg, struct event_base *base, struct cred_store **out)
{
	struct app_turn *t = arg;

	return app_cred_new(&t->cc, base, out);
}

/* Parses a list of ranges. 0 or -EINVAL (logged). */
static int app_turn_ranges(const struct cfg_list *l, const char *name, struct iprange_list *out)
{
	for (size_t i = 0; i < l->n; i++) {
		if (iprange_list_add(out, l->v[i]) < 0) {
			log_err("app", "bad peer range option=%s value=%s", name, l->v[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* The server's own addresses and live relay ports (turn/relayset.h): relay and external
 * addresses, listening addresses and every interface address. 0 or -errno (logged). */
static int app_turn_relays(struct app_turn *t, const struct cfg *cfg, const struct net_opts *o)
{
	struct turn_relayset_ext ext[NET_MAX_LISTEN];
	struct addr own[NET_MAX_RELAY + NET_MAX_LISTEN];
	struct turn_relayset_cfg rc = {
		.relay = o->relay,
		.nrelay = o->nrelay,
		.ext = ext,
		.next = o->nexternal,
		.own = own,
		.loopback_open = cfg->allow_loopback_peers,
	};
	size_t n = 0;
	int err;

	for (size_t i = 0; i < o->nexternal; i++)
		ext[i] = (struct turn_relayset_ext){o->external[i].pub, o->external[i].priv,
						    o->external[i].has_priv};
	for (size_t i = 0; i < o->nlisten; i++)
		own[rc.nown++] = o->listen[i];
	/* Without the interface list the listening and relay addresses still count. */
	if (net_sock_local_addrs(0, own + rc.nown, NET_MAX_RELAY, &n) == 0)
		rc.nown += n;
	err = turn_relayset_new(&rc, &t->relays);
	if (err)
		log_err("app", "relay address set failed err=\"%s\"", strerror(-err));
	return err;
}

/* The peer policy: allowed/denied ranges and loopback. 0 or -errno (logged). */
static int app_turn_peers(struct app_turn *t, const struct cfg *cfg, const struct net_opts *o)
{
	struct iprange_list allowed = {0}, denied = {0};
	struct peer_policy_cfg pc = {
		.allowed = &allowed,
		.denied = &denied,
		.allow_loopback = cfg->allow_loopback_peers,
	};
	int err = app_turn_relays(t, cfg, o);

	if (!err)
		err = app_turn_ranges(&cfg->allowed_peer_ip, "allowed-peer-ip", &allowed);
	if (!err)
		err = app_turn_ranges(&cfg->denied_peer_ip, "denied-peer-ip", &denied);
	if (!err && (err = peer_policy_new(&pc, &t->peers)) < 0)
		log_err("app", "peer policy failed err=\"%s\"", strerror(-err));
	iprange_list_free(&allowed);
	iprange_list_free(&denied);
	return err;
}

/* Whether long-term users (static, Redis) are asked. As coturn: use-auth-secret alone
 * means TURN REST credentials only; lt-cred-mech given explicitly adds the users. */
static bool app_turn_long_term(const struct cfg *cfg)
{
	return !cfg->use_auth_secret || cfg->lt_cred_mech_given;
}

/* Whether the server runs without a credential store: no-auth, or no TURN at all. */
static bool app_turn_no_creds(const struct cfg *cfg)
{
	return cfg->no_auth || cfg->stun_only;
}

/* The static users, Redis and TURN REST secrets (none with no-auth or stun-only). 0 or
 * -errno (logged). */
static int app_turn_users(struct app_turn *t, const struct cfg *cfg)
{
	struct cred_redis_opts ro = {.conninfo = cfg->redis_userdb};
	char why[256];
	int err = 0;

	if (app_turn_no_creds(cfg))
		return 0;
	if (cfg->use_auth_secret && cfg->static_auth_secret.n &&
	    (err = cred_rest_static_new((const char *const *)cfg->static_auth_secret.v,
					cfg->static_auth_secret.n, &t->secrets)) < 0)
		log_err("app", "static-auth-secret failed secrets=%zu err=\"%s\"",
			cfg->static_auth_secret.n, strerror(-err));
	if (!err && cfg->user.n &&
	    (err = cred_static_new(cfg->realm, (const char *const *)cfg->user.v, cfg->user.n,
				   &t->users)) < 0)
		log_err("app", "static users failed realm=%s users=%zu err=\"%s\"", cfg->realm,
			cfg->user.n, strerror(-err));
	if (!err && cfg->redis_userdb &&
	    (err = cred_redis_new(&ro, &t->redis, why, sizeof(why))) < 0)
		log_err("app", "redis-userdb rejected err=\"%s\"",
			err == -EINVAL ? why : strerror(-err));
	t->cc = (struct app_cred_cfg){
		.realm = cfg->realm,
		.users = t->users,
		.secrets = t->secrets,
		.redis = t->redis,
		.rest = cfg->use_auth_secret,
		.rest_sep = cfg->rest_api_separator ? cfg->rest_api_separator[0] : ':',
		.long_term = app_turn_long_term(cfg),
	};
	return err;
}

static void app_turn_fill(struct app_turn *t, const struct cfg *cfg)
{
	struct turn_cfg *tc = &t->tc;

	tc->realm = cfg->realm;
	tc->no_auth = cfg->no_auth;
	tc->stun_only = cfg->stun_only;
	tc->no_tcp_relay = cfg->no_tcp_relay;
	tc->no_udp_relay = cfg->no_udp_relay;
	tc->software = cfg->software_name;
	tc->no_rfc5780 = cfg->no_rfc5780;
	tc->max_lifetime_s = (uint32_t)cfg->max_allocate_lifetime;
	tc->default_lifetime_s = tc->max_lifetime_s < TURN_ALLOC_LIFETIME_S ? tc->max_lifetime_s
									    : TURN_ALLOC_LIFETIME_S;
	tc->perm_lifetime_s = TURN_PERM_LIFETIME_S;
	tc->channel_lifetime_s = TURN_CHANNEL_LIFETIME_S;
	tc->max_perms = APP_TURN_MAX_PERMS;
	tc->user_quota = (uint32_t)cfg->user_quota;
	tc->total_quota = (uint32_t)cfg->total_quota;
	tc->max_bps = (uint64_t)cfg->max_bps;
	tc->unauth_rate = (uint32_t)cfg->unauth_rate;
	tc->unauth_bytes = (uint64_t)cfg->unauth_bytes;
	tc->unauth_port_rate = (uint32_t)cfg->unauth_port_rate;
	tc->peers = t->peers;
	tc->relays = t->relays;
	tc->nonce_key = &t->nonce;
	tc->shared = t->shared;
	tc->unauth = t->unauth;
	/* alternate-server: checked at load */
	tc->nalternates = 0;
	for (size_t i = 0; i < cfg->alternate_server.n && i < APP_TURN_MAX_ALT; i++)
		if (cfg_alt_server_parse(cfg->alternate_server.v[i], &t->alternates[i]) == 0)
			t->alternates[tc->nalternates++] = t->alternates[i];
	tc->alternates = t->alternates;
}

/* One line naming the relay addresses, so an operator sees which ones the wildcard gave. */
static void app_turn_log_relays(const struct net_opts *o)
{
	char list[NET_MAX_RELAY * (ADDR_STR_MAX + 1) + 1] = "", ip[ADDR_STR_MAX];
	size_t len = 0;

	for (size_t i = 0; i < o->nrelay && len < sizeof(list) - 1; i++) {
		int n = snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "",
				 addr_ip_to_str(&o->relay[i], ip, sizeof(ip)));

		if (n < 0)
			break;
		len += (size_t)n;
	}
	log_info("app", "relay addresses relay_ips=%s", o->nrelay ? list : "none");
}

static void app_turn_log(const struct app_turn *t, const struct cfg *cfg, const struct net_opts *o)
{
	char raddr[300];

	if (cfg->stun_only) {
		log_info("app",
			 "stun_only=1 turn=refused (Binding only, TURN requests get 400) "
			 "unauth_rate=%lld unauth_bytes=%lld unauth_port_rate=%lld",
			 cfg->unauth_rate, cfg->unauth_bytes, cfg->unauth_port_rate);
		return;
	}
	log_info("app",
		 "turn realm=%s auth=%s users=%zu redis=%s rest=%s rest_secrets=%zu "
		 "long_term_users=%s relay_addrs=%zu external=%zu ports=%u-%u "
		 "max_lifetime=%lld user_quota=%lld total_quota=%lld max_bps=%lld "
		 "unauth_rate=%lld unauth_bytes=%lld unauth_port_rate=%lld "
		 "allowed_peer_ranges=%zu denied_peer_ranges=%zu "
		 "loopback_peers=%s",
		 cfg->realm, cfg->no_auth ? "none" : "long-term", cfg->no_auth ? 0 : cfg->user.n,
		 t->redis ? cred_redis_addr(t->redis, raddr, sizeof(raddr)) : "none",
		 cfg->use_auth_secret ? "on" : "off", cfg->static_auth_secret.n,
		 cfg->no_auth		   ? "off"
		 : app_turn_long_term(cfg) ? "on"
					   : "refused",
		 o->nrelay, o->nexternal, o->min_port, o->max_port, cfg->max_allocate_lifetime,
		 cfg->user_quota, cfg->total_quota, cfg->max_bps, cfg->unauth_rate,
		 cfg->unauth_bytes, cfg->unauth_port_rate, cfg->allowed_peer_ip.n,
		 cfg->denied_peer_ip.n, cfg->allow_loopback_peers ? "allowed" : "denied");
	app_turn_log_relays(o);
	if (!cfg->no_auth && !app_turn_long_term(cfg) && (cfg->user.n || cfg->redis_userdb))
		log_warn("app",
			 "use-auth-secret without lt-cred-mech: long-term users refused "
			 "static_users=%zu redis_users=%s (only TURN REST credentials; add "
			 "lt-cred-mech to accept both)",
			 cfg->user.n, cfg->redis_userdb ? "refused" : "none");
}

int app_turn_new(const struct cfg *cfg, struct net_opts *o, struct app_turn **out)
{
	struct app_turn *t = xcalloc(1, sizeof(*t));
	uint32_t features = AUTH_FEATURE_PASSWORD_ALGORITHMS | AUTH_FEATURE_USERNAME_ANONYMITY;
	int err;

	err = auth_nonce_key_init(&t->nonce, 0, features);
	if (err)
		log_err("app", "nonce secret failed err=\"%s\"", strerror(-err));
	if (!err && (err = turn_shared_new(&t->shared)) < 0)
		log_err("app", "turn shared state failed err=\"%s\"", strerror(-err));
	if (!err)
		err = app_turn_peers(t, cfg, o);
	if (!err)
		err = app_turn_users(t, cfg);
	if (err) {
		app_turn_free(t);
		return err;
	}
	app_turn_fill(t, cfg);
	/* One unauthenticated-reply limiter for every worker (DESIGN.md §3). */
	err = turn_unauth_new(&t->tc, &t->unauth);
	if (err) {
		log_err("app", "unauth limiter failed err=\"%s\"", strerror(-err));
		app_turn_free(t);
		return err;
	}
	t->tc.unauth = t->unauth;
	/* RFC 8016: one random ticket key for every worker (tickets die with the process). */
	if (cfg->mobility && !cfg->stun_only) {
		err = turn_ticket_key_new(&t->tickets);
		if (err) {
			log_err("app", "mobility ticket key failed err=\"%s\"", strerror(-err));
			app_turn_free(t);
			return err;
		}
		t->tc.ticket_key = t->tickets;
		log_info(
			"app",
			"mobility=on (RFC 8016: MOBILITY-TICKET, UDP relays over every transport)");
	}
	o->turn = &t->tc;
	o->cred_new = app_turn_no_creds(cfg) ? NULL : app_turn_cred_new;
	o->cred_arg = t;
	app_turn_log(t, cfg, o);
	*out = t;
	return 0;
}

struct turn_shared *app_turn_shared(struct app_turn *t)
{
	return t->shared;
}

void app_turn_free(struct app_turn *t)
{
	if (!t)
		return;
	cred_static_free(t->users);
	cred_rest_static_free(t->secrets);
	cred_redis_free(t->redis);
	if (t->peers)
		peer_policy_free(t->peers);
	turn_relayset_free(t->relays);
	if (t->shared)
		turn_shared_free(t->shared);
	ratelimit_free(t->unauth);
	turn_ticket_key_free(t->tickets);
	/* The nonce secret does not outlive the process's use of it. */
	explicit_bzero(&t->nonce, sizeof(t->nonce));
	free(t);
}

struct cred_redis *app_turn_redis(const struct app_turn *t)
{
	return t ? t->redis : NULL;
}
