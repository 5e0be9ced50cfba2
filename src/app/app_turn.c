/* From the configuration to struct turn_cfg, the peer policy and the static users; a
 * reload's new generation of them (app/app_turn.h). */
#include "app/app_turn.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_cred.h"
#include "app/app_fleet.h"
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
/* stale-nonce = 0: the option's maximum (one day). */
#define APP_TURN_NONCE_MAX_S 86400
/* alternate-server values (the option's range). */
#define APP_TURN_MAX_ALT 16

/* One configuration's TURN settings and static credentials: immutable once built, shared
 * by every worker. Held by the main thread while current (or retired after a failed
 * swap) and by every credential store built from it; the last to let go frees it,
 * whatever its thread. */
struct app_turn_gen {
	atomic_uint refs;
	struct cfg *cfg_owned; /* a reload's configuration; NULL: main's (outlives ternd's
				* workers) */
	const struct cfg *cfg;
	struct turn_cfg tc;
	struct peer_policy *peers;
	struct cred_static *users;
	struct cred_rest_static *secrets;
	struct ratelimit *unauth; /* tc.unauth */
	bool own_unauth;	  /* false: the previous generation's, until the swap */
	struct app_cred_cfg cc;
	struct auth_nonce_key nonce; /* ternd's secret with this generation's stale-nonce */
	struct addr alternates[APP_TURN_MAX_ALT];     /* alternate-server (load shedding) */
	struct addr tls_alternates[APP_TURN_MAX_ALT]; /* tls-alternate-server */
	struct app_turn_gen *next;		      /* app_turn.retired */
};

/* A worker as the credential factory saw it: its base, the Redis connections its store
 * holds, the generation it runs. Written on that worker's thread once it runs. */
struct app_turn_worker {
	struct event_base *base;
	struct cred_redis_worker *rw;
	const struct app_turn_gen *gen;
};

/* What lives as long as ternd: state that carries across reloads. */
struct app_turn {
	struct auth_nonce_key nonce;
	struct turn_relayset *relays;
	struct turn_shared *shared;
	struct turn_ticket_key *tickets; /* mobility: the MOBILITY-TICKET key, or NULL */
	struct cred_redis *redis;
	struct app_fleet *fleet; /* NULL: one node */
	bool no_creds;		 /* no-auth or stun-only: no credential store at all */
	size_t nrelay, nexternal;
	uint16_t min_port, max_port;
	struct app_turn_gen *gen;     /* current */
	struct app_turn_gen *retired; /* generations a worker may still run (failed swap) */
	struct app_turn_worker *w;    /* set while the workers are made, before they run */
	size_t nw;
};

static void app_turn_gen_ref(struct app_turn_gen *g)
{
	atomic_fetch_add(&g->refs, 1);
}

static void app_turn_gen_unref(void *arg)
{
	struct app_turn_gen *g = arg;

	if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	cred_static_free(g->users);
	cred_rest_static_free(g->secrets);
	if (g->peers)
		peer_policy_free(g->peers);
	if (g->own_unauth)
		ratelimit_free(g->unauth);
	if (g->cfg_owned) {
		cfg_free(g->cfg_owned);
		free(g->cfg_owned);
	}
	explicit_bzero(&g->nonce, sizeof(g->nonce));
	free(g);
}

/* The worker whose base is base, or NULL. */
static struct app_turn_worker *app_turn_worker_find(struct app_turn *t, struct event_base *base)
{
	for (size_t i = 0; i < t->nw; i++)
		if (t->w[i].base == base)
			return &t->w[i];
	return NULL;
}

/* A store of generation g for worker tw (*out NULL without credentials). 0 or -errno. */
static int app_turn_cred_make(struct app_turn *t, struct app_turn_gen *g,
			      struct app_turn_worker *tw, struct cred_store **out)
{
	struct cred_redis_worker *rw = tw->rw;
	int err;

	*out = NULL;
	if (t->no_creds)
		return 0;
	app_turn_gen_ref(g);
	err = app_cred_new(&g->cc, tw->base, &rw, out);
	if (err) {
		app_turn_gen_unref(g);
		return err;
	}
	tw->rw = rw;
	return 0;
}

/* net_cred_new_cb: each worker's composed store (its Redis connections on base), made
 * while the server is created (main thread). */
static int app_turn_cred_new(void *arg, struct event_base *base, struct cred_store **out)
{
	struct app_turn *t = arg;
	struct app_turn_worker *tw;

	t->w = xrealloc(t->w, (t->nw + 1) * sizeof(*t->w));
	tw = &t->w[t->nw++];
	*tw = (struct app_turn_worker){.base = base, .gen = t->gen};
	return app_turn_cred_make(t, t->gen, tw, out);
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

/* The peer policy of g: allowed/denied ranges and loopback. 0 or -errno (logged). */
static int app_turn_peers(struct app_turn_gen *g, const struct cfg *cfg)
{
	struct iprange_list allowed = {0}, denied = {0};
	struct peer_policy_cfg pc = {
		.allowed = &allowed,
		.denied = &denied,
		.allow_loopback = cfg->allow_loopback_peers,
	};
	int err = app_turn_ranges(&cfg->allowed_peer_ip, "allowed-peer-ip", &allowed);

	if (!err)
		err = app_turn_ranges(&cfg->denied_peer_ip, "denied-peer-ip", &denied);
	if (!err && (err = peer_policy_new(&pc, &g->peers)) < 0)
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

/* The static users and TURN REST secrets of g (none with no-auth or stun-only). 0 or
 * -errno (logged). */
static int app_turn_users(struct app_turn *t, struct app_turn_gen *g, const struct cfg *cfg)
{
	int err = 0;

	if (t->no_creds)
		return 0;
	if (cfg->use_auth_secret && cfg->static_auth_secret.n &&
	    (err = cred_rest_static_new((const char *const *)cfg->static_auth_secret.v,
					cfg->static_auth_secret.n, &g->secrets)) < 0)
		log_err("app", "static-auth-secret failed secrets=%zu err=\"%s\"",
			cfg->static_auth_secret.n, strerror(-err));
	if (!err && cfg->user.n &&
	    (err = cred_static_new(cfg->realm, (const char *const *)cfg->user.v, cfg->user.n,
				   &g->users)) < 0)
		log_err("app", "static users failed realm=%s users=%zu err=\"%s\"", cfg->realm,
			cfg->user.n, strerror(-err));
	g->cc = (struct app_cred_cfg){
		.realm = cfg->realm,
		.users = g->users,
		.secrets = g->secrets,
		.redis = t->redis,
		.rest = cfg->use_auth_secret,
		.rest_sep = cfg->rest_api_separator ? cfg->rest_api_separator[0] : ':',
		.long_term = app_turn_long_term(cfg),
		.release = app_turn_gen_unref,
		.release_arg = g,
	};
	return err;
}

/* Redis (redis-userdb needs a restart: one for ternd's life). 0 or -errno (logged). */
static int app_turn_redis_new(struct app_turn *t, const struct cfg *cfg)
{
	struct cred_redis_opts ro = {.conninfo = cfg->redis_userdb};
	char why[256];
	int err;

	if (t->no_creds || !cfg->redis_userdb)
		return 0;
	err = cred_redis_new(&ro, &t->redis, why, sizeof(why));
	if (err)
		log_err("app", "redis-userdb rejected err=\"%s\"",
			err == -EINVAL ? why : strerror(-err));
	return err;
}

/* stale-nonce in seconds. A stateless nonce cannot be valid for ever (it would be a
 * replayable credential for as long as ternd runs): coturn's 0 ("unlimited") is the
 * longest the option allows. */
static uint32_t app_turn_nonce_lifetime(const struct cfg *cfg)
{
	return cfg->stale_nonce ? (uint32_t)cfg->stale_nonce : APP_TURN_NONCE_MAX_S;
}

/* An alternate-server list parsed into out (APP_TURN_MAX_ALT); returns how many. */
static size_t app_turn_alts(const struct cfg_list *l, int (*parse)(const char *, struct addr *),
			    struct addr *out)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n && n < APP_TURN_MAX_ALT; i++)
		if (parse(l->v[i], &out[n]) == 0)
			n++;
	return n;
}

static void app_turn_fill(const struct app_turn *t, struct app_turn_gen *g, const struct cfg *cfg)
{
	struct turn_cfg *tc = &g->tc;

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
	tc->perm_lifetime_s = (uint32_t)cfg->permission_lifetime;
	tc->channel_lifetime_s = (uint32_t)cfg->channel_lifetime;
	tc->max_perms = APP_TURN_MAX_PERMS;
	tc->alloc_timeout_s = (uint32_t)cfg->max_allocate_timeout;
	tc->user_quota = (uint32_t)cfg->user_quota;
	tc->total_quota = (uint32_t)cfg->total_quota;
	tc->fleet_quota = cfg->fleet_quota;
	tc->fleet_quota_local =
		cfg->fleet_quota_fallback && strcmp(cfg->fleet_quota_fallback, "local") == 0;
	tc->max_bps = (uint64_t)cfg->max_bps;
	tc->bps_capacity = (uint64_t)cfg->bps_capacity;
	tc->unauth_rate = (uint32_t)cfg->unauth_rate;
	tc->unauth_bytes = (uint64_t)cfg->unauth_bytes;
	tc->unauth_port_rate = (uint32_t)cfg->unauth_port_rate;
	tc->peers = g->peers;
	tc->relays = t->relays;
	/* The secret carries across reloads (outstanding nonces stay valid); the lifetime is
	 * this generation's. */
	g->nonce = t->nonce;
	g->nonce.lifetime_s = app_turn_nonce_lifetime(cfg);
	tc->nonce_key = &g->nonce;
	tc->shared = t->shared;
	tc->ticket_key = t->tickets;
	/* load shedding (turn/shed.c); the addresses were checked at load */
	tc->nalternates =
		app_turn_alts(&cfg->alternate_server, cfg_alt_server_parse, g->alternates);
	tc->alternates = g->alternates;
	tc->ntls_alternates = app_turn_alts(&cfg->tls_alternate_server, cfg_tls_alt_server_parse,
					    g->tls_alternates);
	tc->tls_alternates = g->tls_alternates;
	tc->alternate_domain = cfg->alternate_domain;
	tc->max_allocations = (uint32_t)cfg->max_allocations;
}

/* The unauthenticated-reply limiter of g: prev's when the limits are the same (its
 * counts carry on), else a new one for every worker (DESIGN.md §3). 0 or -errno. */
static int app_turn_unauth(struct app_turn_gen *g, const struct app_turn_gen *prev)
{
	const struct turn_cfg *a = &g->tc, *b = prev ? &prev->tc : NULL;
	int err;

	if (b && a->unauth_rate == b->unauth_rate && a->unauth_bytes == b->unauth_bytes &&
	    a->unauth_port_rate == b->unauth_port_rate &&
	    a->nonce_key->lifetime_s == b->nonce_key->lifetime_s) {
		g->unauth = prev->unauth;
		g->tc.unauth = g->unauth;
		return 0;
	}
	err = turn_unauth_new(&g->tc, &g->unauth);
	if (err)
		log_err("app", "unauth limiter failed err=\"%s\"", strerror(-err));
	g->own_unauth = true;
	g->tc.unauth = g->unauth;
	return err;
}

/* A generation for cfg (borrowed; see app_turn_gen.cfg_owned), the limiter shared with
 * prev when unchanged. 0 or -errno (logged). */
static int app_turn_gen_new(struct app_turn *t, const struct cfg *cfg,
			    const struct app_turn_gen *prev, struct app_turn_gen **out)
{
	struct app_turn_gen *g = xcalloc(1, sizeof(*g));
	int err;

	atomic_init(&g->refs, 1);
	g->cfg = cfg;
	err = app_turn_peers(g, cfg);
	if (!err)
		err = app_turn_users(t, g, cfg);
	if (!err) {
		app_turn_fill(t, g, cfg);
		err = app_turn_unauth(g, prev);
	}
	if (err) {
		app_turn_gen_unref(g);
		return err;
	}
	*out = g;
	return 0;
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

/* The summary line of the TURN settings in force (at start and after a reload). */
static void app_turn_log(const struct app_turn *t, const struct cfg *cfg)
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
		 "max_lifetime=%lld permission_lifetime=%lld channel_lifetime=%lld "
		 "stale_nonce=%u user_quota=%lld total_quota=%lld max_bps=%lld bps_capacity=%lld "
		 "unauth_rate=%lld unauth_bytes=%lld unauth_port_rate=%lld "
		 "allowed_peer_ranges=%zu denied_peer_ranges=%zu "
		 "loopback_peers=%s",
		 cfg->realm, cfg->no_auth ? "none" : "long-term", cfg->no_auth ? 0 : cfg->user.n,
		 t->redis ? cred_redis_addr(t->redis, raddr, sizeof(raddr)) : "none",
		 cfg->use_auth_secret ? "on" : "off", cfg->static_auth_secret.n,
		 cfg->no_auth		   ? "off"
		 : app_turn_long_term(cfg) ? "on"
					   : "refused",
		 t->nrelay, t->nexternal, t->min_port, t->max_port, cfg->max_allocate_lifetime,
		 cfg->permission_lifetime, cfg->channel_lifetime, app_turn_nonce_lifetime(cfg),
		 cfg->user_quota, cfg->total_quota, cfg->max_bps, cfg->bps_capacity,
		 cfg->unauth_rate, cfg->unauth_bytes, cfg->unauth_port_rate, cfg->allowed_peer_ip.n,
		 cfg->denied_peer_ip.n, cfg->allow_loopback_peers ? "allowed" : "denied");
	if (cfg->bps_capacity && !cfg->max_bps)
		log_warn("app",
			 "bps-capacity without max-bps: only allocations of realms with a "
			 "max-bps (Redis) reserve bandwidth, the others are not counted "
			 "bps_capacity=%lld",
			 cfg->bps_capacity);
	if (!cfg->no_auth && !app_turn_long_term(cfg) && (cfg->user.n || cfg->redis_userdb))
		log_warn("app",
			 "use-auth-secret without lt-cred-mech: long-term users refused "
			 "static_users=%zu redis_users=%s (only TURN REST credentials; add "
			 "lt-cred-mech to accept both)",
			 cfg->user.n, cfg->redis_userdb ? "refused" : "none");
}

/* What carries across reloads: nonce secret, quota counts, relay addresses, Redis, the
 * mobility ticket key. 0 or -errno (logged). */
static int app_turn_base(struct app_turn *t, const struct cfg *cfg, const struct net_opts *o)
{
	uint32_t features = AUTH_FEATURE_PASSWORD_ALGORITHMS | AUTH_FEATURE_USERNAME_ANONYMITY;
	int err;

	t->no_creds = app_turn_no_creds(cfg);
	t->nrelay = o->nrelay;
	t->nexternal = o->nexternal;
	t->min_port = o->min_port;
	t->max_port = o->max_port;
	err = auth_nonce_key_init(&t->nonce, 0, features);
	if (err)
		log_err("app", "nonce secret failed err=\"%s\"", strerror(-err));
	else if (!t->no_creds)
		app_fleet_nonce(cfg, &t->nonce); /* a fleet's nodes share it */
	if (!err && (err = turn_shared_new(&t->shared)) < 0)
		log_err("app", "turn shared state failed err=\"%s\"", strerror(-err));
	if (!err)
		err = app_turn_relays(t, cfg, o);
	if (!err)
		err = app_turn_redis_new(t, cfg);
	/* RFC 8016: one random ticket key for every worker (tickets die with the process). */
	if (!err && cfg->mobility && !cfg->stun_only) {
		err = turn_ticket_key_new(&t->tickets);
		if (err)
			log_err("app", "mobility ticket key failed err=\"%s\"", strerror(-err));
		else
			log_info("app", "mobility=on (RFC 8016: MOBILITY-TICKET, UDP relays over "
					"every transport)");
	}
	return err;
}

int app_turn_new(const struct cfg *cfg, struct net_opts *o, struct app_turn **out)
{
	struct app_turn *t = xcalloc(1, sizeof(*t));
	int err = app_turn_base(t, cfg, o);

	if (!err && !t->no_creds)
		err = app_fleet_new(cfg, o, t->shared, &t->fleet);
	if (!err)
		err = app_turn_gen_new(t, cfg, NULL, &t->gen);
	if (err) {
		app_turn_free(t);
		return err;
	}
	o->turn = &t->gen->tc;
	o->cred_new = app_turn_cred_new;
	o->cred_arg = t;
	app_turn_log(t, cfg);
	app_turn_log_relays(o);
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
	app_turn_gen_unref(t->gen);
	while (t->retired) {
		struct app_turn_gen *g = t->retired;

		t->retired = g->next;
		app_turn_gen_unref(g);
	}
	free(t->w);
	app_fleet_free(t->fleet);
	cred_redis_free(t->redis);
	turn_relayset_free(t->relays);
	if (t->shared)
		turn_shared_free(t->shared);
	turn_ticket_key_free(t->tickets);
	/* The nonce secret does not outlive the process's use of it. */
	explicit_bzero(&t->nonce, sizeof(t->nonce));
	free(t);
}

/* One reload in flight (app_turn_swap): the generation the workers take. */
struct app_turn_swap {
	struct app_turn *t;
	struct app_turn_gen *g;
	atomic_uint failed;
};

/* net_each_cb: worker w takes the new generation (once: a retry skips it). */
static void app_turn_swap_one(struct net_worker *w, void *arg)
{
	struct app_turn_swap *sw = arg;
	struct turn_server *s = net_worker_turn(w);
	struct app_turn_worker *tw = app_turn_worker_find(sw->t, net_worker_base(w));
	struct cred_store *creds;

	if (!s || !tw || tw->gen == sw->g)
		return;
	if (app_turn_cred_make(sw->t, sw->g, tw, &creds) < 0 ||
	    turn_server_reconfigure(s, &sw->g->tc, creds) < 0) {
		atomic_fetch_add(&sw->failed, 1);
		return;
	}
	tw->gen = sw->g;
}

int app_turn_prepare(struct app_turn *t, struct cfg *cfg, struct app_turn_gen **out)
{
	int err = app_turn_gen_new(t, cfg, t->gen, out);

	if (err)
		return err;
	(*out)->cfg_owned = cfg;
	return 0;
}

void app_turn_abort(struct app_turn_gen *g)
{
	app_turn_gen_unref(g);
}

const struct cfg *app_turn_gen_cfg(const struct app_turn_gen *g)
{
	return g->cfg;
}

int app_turn_swap(struct app_turn *t, struct app_turn_gen *g, struct net_server *srv)
{
	struct app_turn_swap sw = {.t = t, .g = g};
	struct app_turn_gen *old = t->gen;
	int rc = -EAGAIN;

	/* The limiter g shares with the old generation is g's from now on. */
	if (g->unauth == old->unauth && old->own_unauth) {
		old->own_unauth = false;
		g->own_unauth = true;
	}
	turn_relayset_set_loopback(t->relays, g->cfg->allow_loopback_peers);
	atomic_init(&sw.failed, 0);
	/* A worker whose queue stayed full is asked again (the others skip). */
	for (int i = 0; i < 3 && rc < 0; i++) {
		atomic_store(&sw.failed, 0);
		rc = net_server_each(srv, app_turn_swap_one, &sw);
		if (!rc && atomic_load(&sw.failed))
			rc = -ENOMEM;
	}
	t->gen = g;
	if (rc < 0) {
		/* Some worker still runs old: kept until ternd exits. */
		old->next = t->retired;
		t->retired = old;
	} else {
		app_turn_gen_unref(old);
	}
	app_turn_log(t, g->cfg);
	return rc;
}

struct cred_redis *app_turn_redis(const struct app_turn *t)
{
	return t ? t->redis : NULL;
}
