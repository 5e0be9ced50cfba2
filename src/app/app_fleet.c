/* The fleet glue (app/app_fleet.h): each worker's struct turn_fleet_ops over its
 * cred/fleet worker, and the node card (address, load, drain) worker 0 publishes. */
#include "app/app_fleet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "app/cfg.h"
#include "auth/nonce.h"
#include "base/addr.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "cred/fleet.h"
#include "cred/fleet_quota.h"
#include "cred/fleet_fmt.h"
#include "cred/fleet_reg.h"
#include "net/server.h"
#include "net/sock.h"
#include "net/worker.h"
#include "turn/server.h"
#include "turn/shared.h"

struct app_fleet {
	struct fleet *f;
	struct turn_shared *shared;
	const struct net_opts *o;
	uint64_t max_allocations;
	struct fleet_node_info addrs; /* the address fields, computed once */
};

/* One worker's: what its turn_server holds as fleet_impl. */
struct app_fleet_worker {
	struct app_fleet *af;
	struct fleet_worker *fw;
	struct turn_server *s;
};

static bool app_fleet_addr_ok(const struct addr *a)
{
	char ip[64];

	if (addr_family(a) != AF_INET && addr_family(a) != AF_INET6)
		return false;
	if (addr_is_any(a) || !addr_ip_to_str(a, ip, sizeof(ip)))
		return false;
	/* Never send a client to a loopback address (it would reach its own host) nor to a
	 * link-local one (it names no one beyond the link). */
	return strncmp(ip, "127.", 4) != 0 && strcmp(ip, "::1") != 0 &&
	       strncmp(ip, "169.254.", 8) != 0 && strncasecmp(ip, "fe80:", 5) != 0 &&
	       strncasecmp(ip, "::ffff:127.", 11) != 0;
}

/* "IP:PORT" of a (family's field of out) unless taken. */
static void app_fleet_addr_put(char *field, size_t len, const struct addr *a, uint16_t port)
{
	struct addr b = *a;

	if (field[0] || port == 0)
		return;
	addr_set_port(&b, port);
	addr_to_str(&b, field, len);
}

/* The addresses clients reach this node at, one per family: external-ip's public
 * addresses first, then the listening addresses (every interface's when listening-ip is
 * not set, as net/ listens on them); none loopback, link-local or unspecified. */
static void app_fleet_addrs(const struct net_opts *o, struct fleet_node_info *out)
{
	struct addr local[NET_MAX_LISTEN];
	const struct addr *listen = o->listen;
	size_t nlisten = o->nlisten;

	if (nlisten == 0 && net_sock_local_addrs(o->port, local, NET_MAX_LISTEN, &nlisten) == 0)
		listen = local;
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass == 0 ? o->nexternal : nlisten;

		for (size_t i = 0; i < n; i++) {
			const struct addr *a = pass == 0 ? &o->external[i].pub : &listen[i];
			bool v6 = addr_family(a) == AF_INET6;

			if (!app_fleet_addr_ok(a))
				continue;
			app_fleet_addr_put(v6 ? out->addr6 : out->addr4, sizeof(out->addr4), a,
					   o->port);
			if (o->tls || o->dtls)
				app_fleet_addr_put(v6 ? out->tls6 : out->tls4, sizeof(out->tls4), a,
						   o->tls_port);
		}
	}
}

/* fleet_info_fn, on worker 0's thread. */
static void app_fleet_info(void *arg, struct fleet_node_info *out)
{
	struct app_fleet *af = arg;

	*out = af->addrs;
	out->allocations = turn_shared_total(af->shared);
	out->max_allocations = af->max_allocations;
	out->draining = turn_shared_is_draining(af->shared);
}

/* turn_fleet_ops alternate: load shedding to the least loaded live node. */
static int app_fleet_alternate(void *impl, int family, bool tls, struct addr *out, char *domain,
			       size_t dlen)
{
	struct app_fleet_worker *aw = impl;

	return fleet_alt_pick(aw->fw, family, tls, out, domain, dlen);
}

static void app_fleet_worker_free(void *impl)
{
	struct app_fleet_worker *aw = impl;

	fleet_worker_free(aw->fw);
	free(aw);
}

/* Fleet quotas: turn/'s struct turn_fleet_quota as cred/'s struct fleet_quota_ask (the
 * same callback type: void (*)(void *, int)). */
static int app_fleet_quota_acquire(void *impl, const struct turn_fleet_quota *q, turn_fleet_cb cb,
				   void *arg)
{
	struct app_fleet_worker *aw = impl;
	struct fleet_quota_ask ask = {.ident = q->ident,
				      .realm = q->realm,
				      .n = q->n,
				      .user_quota = q->user_quota,
				      .total_quota = q->total_quota};

	return fleet_quota_acquire(aw->fw, &ask, cb, arg);
}

static void app_fleet_quota_cancel(void *impl, turn_fleet_cb cb, void *arg)
{
	fleet_quota_cancel(((struct app_fleet_worker *)impl)->fw, cb, arg);
}

static void app_fleet_quota_release(void *impl, const uint8_t *ident, const char *realm)
{
	fleet_quota_release(((struct app_fleet_worker *)impl)->fw, ident, realm);
}

/* ---- the session registry (cred/fleet_reg.h) ---- */

static uint64_t app_fleet_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void app_fleet_sess(const struct turn_session *ss, uint64_t wall, struct fleet_sess *out)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->since_ms = wall > ss->age_ms ? wall - ss->age_ms : 0;
	out->seen_ms = wall;
	out->expires_ms = wall + ss->expires_in_ms;
	snprintf(out->transport, sizeof(out->transport), "%s", ss->transport);
	addr_to_str(&ss->client, out->client, sizeof(out->client));
	addr_to_str(&ss->local, out->local, sizeof(out->local));
	for (unsigned i = 0; i < ss->nrelay && i < 2; i++) {
		char one[ADDR_STR_MAX];

		n += (size_t)snprintf(out->relay + n, sizeof(out->relay) - n, "%s%s", i ? "," : "",
				      addr_to_str(&ss->relayed[i], one, sizeof(one)));
	}
	snprintf(out->user, sizeof(out->user), "%s", ss->user);
	snprintf(out->realm, sizeof(out->realm), "%s", ss->realm);
	out->pkts_to_peer = ss->pkts_to_peer;
	out->pkts_to_client = ss->pkts_to_client;
	out->bytes_to_peer = ss->bytes_to_peer;
	out->bytes_to_client = ss->bytes_to_client;
}

static void app_fleet_session_up(void *impl, const struct turn_session *ss)
{
	struct app_fleet_worker *aw = impl;
	struct fleet_sess fs;

	if (!fleet_reg_is_on(aw->fw))
		return;
	app_fleet_sess(ss, app_fleet_wall_ms(), &fs);
	fleet_reg_session_up(aw->fw, ss->id, &fs);
}

static void app_fleet_session_down(void *impl, uint64_t id)
{
	struct app_fleet_worker *aw = impl;

	fleet_reg_session_down(aw->fw, id);
}

struct app_fleet_list {
	struct app_fleet_worker *aw;
	uint64_t wall;
};

static int app_fleet_list_one(const struct turn_session *ss, void *arg)
{
	struct app_fleet_list *l = arg;
	struct fleet_sess fs;

	app_fleet_sess(ss, l->wall, &fs);
	fleet_reg_put(l->aw->fw, ss->id, &fs);
	return 0;
}

/* fleet_reg_list_fn, on the worker's thread. */
static void app_fleet_list(void *arg, struct fleet_worker *fw)
{
	struct app_fleet_list l = {arg, app_fleet_wall_ms()};

	(void)fw;
	turn_server_sessions(l.aw->s, net_clock_ms(), app_fleet_list_one, &l);
}

/* fleet_reg_ctl_fn: ternctl kill --fleet, on the worker's thread. */
static void app_fleet_ctl(void *arg, const struct fleet_ctl *c)
{
	struct app_fleet_worker *aw = arg;
	int n;

	if (c->kind == FLEET_CTL_KILL_USER)
		n = turn_server_kill_user(aw->s, c->user, c->any_realm ? NULL : c->realm);
	else
		n = turn_server_kill(aw->s, c->id) == 0 ? 1 : 0;
	if (n > 0)
		log_info("fleet", "kill by=%s killed=%d",
			 c->kind == FLEET_CTL_KILL_USER ? "user" : "id", n);
}

static const struct turn_fleet_ops app_fleet_ops = {
	.quota_acquire = app_fleet_quota_acquire,
	.quota_cancel = app_fleet_quota_cancel,
	.quota_release = app_fleet_quota_release,
	.session_up = app_fleet_session_up,
	.session_down = app_fleet_session_down,
	.free = app_fleet_worker_free,
	.alternate = app_fleet_alternate,
};

/* net_opts turn_attach. */
static int app_fleet_attach(void *arg, struct event_base *base, unsigned worker,
			    struct turn_server *s)
{
	struct app_fleet *af = arg;
	struct app_fleet_worker *aw = xcalloc(1, sizeof(*aw));
	int err = fleet_worker_new(af->f, base, worker, &aw->fw);

	if (err) {
		free(aw);
		return err;
	}
	aw->af = af;
	aw->s = s;
	fleet_reg_set_hooks(aw->fw, app_fleet_list, app_fleet_ctl, aw);
	turn_server_set_fleet(s, &app_fleet_ops, aw);
	return 0;
}

int app_fleet_new(const struct cfg *cfg, struct net_opts *o, struct turn_shared *shared,
		  struct app_fleet **out)
{
	struct fleet_opts fo = {.conninfo = cfg->redis_userdb,
				.node_name = cfg->node_name,
				.lease_s = (uint32_t)cfg->fleet_lease,
				.quota = cfg->fleet_quota,
				.registry = cfg->fleet_registry,
				.alternates = cfg->fleet_alternates,
				.info = app_fleet_info};
	struct app_fleet *af;
	char why[256];
	int err;

	*out = NULL;
	if (!cfg->redis_userdb || cfg->stun_only || cfg->no_auth ||
	    !(cfg->fleet_quota || cfg->fleet_registry || cfg->fleet_alternates))
		return 0;
	af = xcalloc(1, sizeof(*af));
	fo.info_arg = af;
	err = fleet_new(&fo, &af->f, why, sizeof(why));
	if (err) {
		log_err("app", "fleet failed err=\"%s\"", err == -EINVAL ? why : strerror(-err));
		free(af);
		return err;
	}
	af->shared = shared;
	af->o = o;
	af->max_allocations = (uint64_t)cfg->max_allocations;
	app_fleet_addrs(o, &af->addrs);
	if (cfg->node_domain)
		snprintf(af->addrs.domain, sizeof(af->addrs.domain), "%s", cfg->node_domain);
	o->turn_attach = app_fleet_attach;
	o->turn_attach_arg = af;
	log_info("fleet",
		 "joined id=%s lease=%us quota=%s registry=%s alternates=%s addr4=%s "
		 "addr6=%s",
		 fleet_id(af->f), fleet_lease_ms(af->f) / 1000, cfg->fleet_quota ? "on" : "off",
		 cfg->fleet_registry ? "on" : "off", cfg->fleet_alternates ? "on" : "off",
		 af->addrs.addr4[0] ? af->addrs.addr4 : "-",
		 af->addrs.addr6[0] ? af->addrs.addr6 : "-");
	*out = af;
	return 0;
}

void app_fleet_free(struct app_fleet *af)
{
	if (af == NULL)
		return;
	fleet_free(af->f);
	free(af);
}

/* Clocks of a fleet's nodes differ this much at most (NTP keeps them far closer). */
#define APP_FLEET_NONCE_SKEW_MS 5000

void app_fleet_nonce(const struct cfg *cfg, struct auth_nonce_key *k)
{
	uint8_t secret[AUTH_NONCE_SECRET_LEN];
	struct timespec wall;
	char why[256] = "";
	int err;

	if (!cfg->redis_userdb || cfg->stun_only || cfg->no_auth ||
	    !(cfg->fleet_quota || cfg->fleet_registry || cfg->fleet_alternates))
		return;
	err = fleet_nonce_secret(cfg->redis_userdb, secret, sizeof(secret), why, sizeof(why));
	if (err) {
		log_warn("fleet",
			 "no shared nonce secret: a client sent to another node answers one "
			 "more challenge there err=\"%s\"",
			 why);
		return;
	}
	memcpy(k->secret, secret, sizeof(k->secret));
	explicit_bzero(secret, sizeof(secret));
	/* Nonces on the wall clock's time line, which every node shares (within the skew);
	 * fixed at start, so a later step of the wall clock does not move it. */
	clock_gettime(CLOCK_REALTIME, &wall);
	k->clock_ms =
		(uint64_t)wall.tv_sec * 1000u + (uint64_t)wall.tv_nsec / 1000000u - net_clock_ms();
	k->skew_ms = APP_FLEET_NONCE_SKEW_MS;
	log_info("fleet", "nonce secret shared by the fleet");
}
