/* From the configuration to struct turn_cfg, the peer policy and the static users. */
#include "app/app_turn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/nonce.h"
#include "base/iprange.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "cred/static.h"
#include "net/server.h"
#include "turn/peer.h"
#include "turn/server.h"

/* RFC 8656 §2.2, §9, §12: the default allocation, permission and channel lifetimes. */
#define APP_TURN_DEFAULT_LIFETIME_S 600
#define APP_TURN_PERM_LIFETIME_S    300
#define APP_TURN_CHANNEL_LIFETIME_S 600
/* Permissions per allocation: ICE needs one per remote candidate address. */
#define APP_TURN_MAX_PERMS 128

struct app_turn {
	struct turn_cfg tc;
	struct auth_nonce_key nonce;
	struct peer_policy *peers;
	struct turn_shared *shared;
	struct cred_static *users;
};

/* A worker's credential store: a view of the one static store that the worker's TURN
 * core owns; freeing it (ops->free) frees the view, never the shared users. */
struct app_cred {
	struct cred_store store; /* handed to the TURN core; impl = this */
	struct cred_store inner; /* the static store's view (borrowed users) */
};

static int app_cred_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	struct app_cred *c = impl;

	return c->inner.ops->lookup(c->inner.impl, q, cb, arg);
}

static void app_cred_cancel(void *impl, cred_cb cb, void *arg)
{
	struct app_cred *c = impl;

	c->inner.ops->cancel(c->inner.impl, cb, arg);
}

static void app_cred_free(void *impl)
{
	free(impl);
}

static const struct cred_store_ops app_cred_ops = {
	.lookup = app_cred_lookup,
	.cancel = app_cred_cancel,
	.free = app_cred_free,
};

/* net_cred_new_cb: static lookups complete inline, so the worker's base is not needed. */
static int app_turn_cred_new(void *arg, struct event_base *base, struct cred_store **out)
{
	struct app_turn *t = arg;
	struct app_cred *c = xcalloc(1, sizeof(*c));

	(void)base;
	cred_static_store(t->users, &c->inner);
	c->store.ops = &app_cred_ops;
	c->store.impl = c;
	*out = &c->store;
	return 0;
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

/* The peer policy: allowed/denied ranges, loopback, and relay-to-relay on the server's own
 * relay and external addresses. 0 or -errno (logged). */
static int app_turn_peers(struct app_turn *t, const struct cfg *cfg, const struct net_opts *o)
{
	struct iprange_list allowed = {0}, denied = {0};
	struct addr own[NET_MAX_RELAY + NET_MAX_LISTEN];
	struct peer_policy_cfg pc = {
		.allowed = &allowed,
		.denied = &denied,
		.allow_loopback = cfg->allow_loopback_peers,
		.relay_addrs = own,
		.min_port = o->min_port,
		.max_port = o->max_port,
	};
	int err;

	memcpy(own, o->relay, o->nrelay * sizeof(own[0]));
	pc.nrelay = o->nrelay;
	for (size_t i = 0; i < o->nexternal; i++)
		own[pc.nrelay++] = o->external[i].pub;
	err = app_turn_ranges(&cfg->allowed_peer_ip, "allowed-peer-ip", &allowed);
	if (!err)
		err = app_turn_ranges(&cfg->denied_peer_ip, "denied-peer-ip", &denied);
	if (!err && (err = peer_policy_new(&pc, &t->peers)) < 0)
		log_err("app", "peer policy failed err=\"%s\"", strerror(-err));
	iprange_list_free(&allowed);
	iprange_list_free(&denied);
	return err;
}

/* The static users (none with no-auth). 0 or -errno (logged). */
static int app_turn_users(struct app_turn *t, const struct cfg *cfg)
{
	int err;

	if (cfg->no_auth)
		return 0;
	err = cred_static_new(cfg->realm, (const char *const *)cfg->user.v, cfg->user.n, &t->users);
	if (err)
		log_err("app", "static users failed realm=%s users=%zu err=\"%s\"", cfg->realm,
			cfg->user.n, strerror(-err));
	return err;
}

static void app_turn_fill(struct app_turn *t, const struct cfg *cfg)
{
	struct turn_cfg *tc = &t->tc;

	tc->realm = cfg->realm;
	tc->no_auth = cfg->no_auth;
	tc->software = cfg->software_name;
	tc->max_lifetime_s = (uint32_t)cfg->max_allocate_lifetime;
	tc->default_lifetime_s = tc->max_lifetime_s < APP_TURN_DEFAULT_LIFETIME_S
					 ? tc->max_lifetime_s
					 : APP_TURN_DEFAULT_LIFETIME_S;
	tc->perm_lifetime_s = APP_TURN_PERM_LIFETIME_S;
	tc->channel_lifetime_s = APP_TURN_CHANNEL_LIFETIME_S;
	tc->max_perms = APP_TURN_MAX_PERMS;
	tc->user_quota = (uint32_t)cfg->user_quota;
	tc->total_quota = (uint32_t)cfg->total_quota;
	tc->max_bps = (uint64_t)cfg->max_bps;
	tc->unauth_rate = (uint32_t)cfg->unauth_rate;
	tc->peers = t->peers;
	tc->nonce_key = &t->nonce;
	tc->shared = t->shared;
}

static void app_turn_log(const struct cfg *cfg, const struct net_opts *o)
{
	log_info("app",
		 "turn realm=%s auth=%s users=%zu relay_addrs=%zu external=%zu ports=%u-%u "
		 "max_lifetime=%lld user_quota=%lld total_quota=%lld max_bps=%lld "
		 "unauth_rate=%lld allowed_peer_ranges=%zu denied_peer_ranges=%zu "
		 "loopback_peers=%s",
		 cfg->realm, cfg->no_auth ? "none" : "long-term", cfg->no_auth ? 0 : cfg->user.n,
		 o->nrelay, o->nexternal, o->min_port, o->max_port, cfg->max_allocate_lifetime,
		 cfg->user_quota, cfg->total_quota, cfg->max_bps, cfg->unauth_rate,
		 cfg->allowed_peer_ip.n, cfg->denied_peer_ip.n,
		 cfg->allow_loopback_peers ? "allowed" : "denied");
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
	o->turn = &t->tc;
	o->cred_new = t->users ? app_turn_cred_new : NULL;
	o->cred_arg = t;
	app_turn_log(cfg, o);
	*out = t;
	return 0;
}

void app_turn_free(struct app_turn *t)
{
	if (!t)
		return;
	cred_static_free(t->users);
	if (t->peers)
		peer_policy_free(t->peers);
	if (t->shared)
		turn_shared_free(t->shared);
	/* The nonce secret does not outlive the process's use of it. */
	explicit_bzero(&t->nonce, sizeof(t->nonce));
	free(t);
}
