/* Loading the configuration: defaults, file, environment, command line, then the rules
 * that span several options; conversion for net/; the published global. */
#include "app/cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "app/cfg_opt.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "net/server.h"

static _Atomic(const struct cfg *) cfg_current;

static int apply_defaults(struct cfg_state *st)
{
	struct cfg_where w = {.src = CFG_SRC_DEFAULT};

	for (size_t i = 0; i < cfg_nopts; i++) {
		int rc = cfg_opts[i].def ? cfg_opt_set(st, &cfg_opts[i], cfg_opts[i].def, &w) : 0;

		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *src_name(const struct cfg_state *st, const char *opt)
{
	static const char *const names[] = {
		[CFG_SRC_DEFAULT] = "default",
		[CFG_SRC_FILE] = "file",
		[CFG_SRC_ENV] = "environment",
		[CFG_SRC_CLI] = "command line",
	};

	return names[st->set_by[cfg_opt_find(opt) - cfg_opts]];
}

static void add_warning(struct cfg *cfg, const char *msg)
{
	cfg_list_add(&cfg->warnings, msg);
}

/* A STUN-only server runs no TURN: like coturn's --stun-only, the TURN credential options
 * are accepted (a TURN configuration can be switched to STUN-only as is) and ignored, each
 * with a warning. */
static void check_stun_only(struct cfg *c)
{
	if (c->user.n)
		add_warning(c, "stun-only: user ignored (no TURN)");
	if (c->redis_userdb)
		add_warning(c, "stun-only: redis-userdb ignored (no TURN)");
	if (c->use_auth_secret || c->static_auth_secret.n)
		add_warning(c,
			    "stun-only: use-auth-secret and static-auth-secret ignored (no TURN)");
}

/* A random password for the demo user of the embedded default: 22 characters of a
 * URL-safe alphabet (132 bits) from getrandom(2). 0 or -errno. */
static int demo_password_new(char *out, size_t len)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[CFG_DEMO_PW_LEN];

	if (len <= CFG_DEMO_PW_LEN || getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -EIO;
	for (size_t i = 0; i < sizeof(r); i++)
		out[i] = abc[r[i] & 63];
	out[sizeof(r)] = '\0';
	return 0;
}

/* No credential source: with the embedded default (no -c, no TERN_CONFIG, no -n) the user
 * "demo" gets a random password (a reload keeps the running one); otherwise an error. */
static int check_credentials(struct cfg_state *st)
{
	struct cfg *c = st->cfg;
	char pw[CFG_DEMO_PW_LEN + 1], user[CFG_DEMO_PW_LEN + 8];

	if (c->user.n || c->redis_userdb || c->use_auth_secret)
		return 0;
	if (c->config_file || c->no_config)
		return cfg_fail(st, NULL,
				"no credential source: set user (NAME:PASSWORD), redis-userdb, "
				"use-auth-secret with static-auth-secret, or no-auth to run "
				"without authentication");
	if (st->old && st->old->demo_password)
		snprintf(pw, sizeof(pw), "%s", st->old->demo_password);
	else if (demo_password_new(pw, sizeof(pw)) < 0)
		return cfg_fail(st, NULL,
				"no credential source, and no random password for the "
				"demo user: getrandom failed");
	snprintf(user, sizeof(user), "%s:%s", CFG_DEMO_USER, pw);
	cfg_list_add(&c->user, user);
	c->demo_password = xstrdup(pw);
	return 0;
}

/* Long-term credentials (unless no-auth or stun-only). 0 or -EINVAL. */
static int check_auth(struct cfg_state *st)
{
	struct cfg *c = st->cfg;
	int rc = 0;

	/* With use-auth-secret, long-term users need lt-cred-mech given (app_turn.c). */
	c->lt_cred_mech_given = c->lt_cred_mech;
	c->lt_cred_mech = true;
	if (!c->realm)
		rc = cfg_fail(st, NULL, "realm is empty: long-term credentials need one");
	if (c->static_auth_secret.n && !c->use_auth_secret) {
		add_warning(c, "static-auth-secret implies use-auth-secret");
		c->use_auth_secret = true;
	}
	if (c->use_auth_secret && !c->static_auth_secret.n && !c->redis_userdb)
		rc = cfg_fail(st, NULL,
			      "use-auth-secret needs static-auth-secret or "
			      "redis-userdb (secrets in Redis)");
	if (check_credentials(st) < 0)
		rc = -EINVAL;
	return rc;
}

/* Rules that span options: every finding is reported. 0 or -EINVAL. */
static int check_rules(struct cfg_state *st)
{
	struct cfg *c = st->cfg;
	int rc = 0;

	if (c->min_port > c->max_port)
		rc = cfg_fail(st, NULL, "min-port %lld (from %s) is above max-port %lld (from %s)",
			      c->min_port, src_name(st, "min-port"), c->max_port,
			      src_name(st, "max-port"));
	if (c->no_udp && c->no_tcp && c->no_tls && c->no_dtls)
		rc = cfg_fail(st, NULL,
			      "no-udp, no-tcp, no-tls and no-dtls leave nothing to "
			      "listen on");
	if (c->stun_only)
		check_stun_only(c);
	if (c->no_auth && c->lt_cred_mech) {
		add_warning(c, "no-auth overrides lt-cred-mech: TURN runs without authentication");
		c->lt_cred_mech = false;
	}
	if (!c->no_auth && !c->stun_only && check_auth(st) < 0)
		rc = -EINVAL;
	if (c->verbose)
		c->log_level = LOG_LVL_DEBUG;
	return rc;
}

/* The file: -c FILE (or TERN_CONFIG), the embedded default, or none with -n. */
static int load_file(struct cfg_state *st, char **envp)
{
	struct cfg *cfg = st->cfg;
	const char *env_file = cfg_env_config(envp);

	if (cfg->no_config && cfg->config_file)
		return cfg_fail(st, NULL, "-n (no configuration file) and -c %s: give one",
				cfg->config_file);
	if (cfg->no_config)
		return 0;
	if (!cfg->config_file && env_file)
		cfg->config_file = xstrdup(env_file);
	return cfg_file_load(st, cfg->config_file);
}

/* cfg_load and cfg_reload_load: with old, the options a running ternd cannot change keep
 * old's values (named in kept) before the cross-option rules run on the result. Every
 * source is read even after an error, so that one run reports every error. */
static int cfg_load_from(int argc, char **argv, char **envp, struct cfg *cfg, char *errbuf,
			 const struct cfg *old, char *kept, size_t cap)
{
	struct cfg_state st = {.cfg = cfg, .err = errbuf, .old = old};
	struct cfg_cli *cli = NULL;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	errbuf[0] = '\0';
	rc = cfg_cli_parse(&st, argc, argv, &cli);
	if (cfg->help || cfg->version)
		goto out;
	if (apply_defaults(&st) < 0)
		rc = -EINVAL;
	if (load_file(&st, envp) < 0)
		rc = -EINVAL;
	if (cfg_env_load(&st, envp) < 0)
		rc = -EINVAL;
	if (cfg_cli_apply(&st, cli) < 0)
		rc = -EINVAL;
	if (old)
		cfg_keep_restart(old, cfg, kept, cap);
	if (check_rules(&st) < 0)
		rc = -EINVAL;
out:
	cfg_cli_free(cli);
	if (rc < 0 || st.nerr)
		cfg_free(cfg);
	return rc < 0 || st.nerr ? -EINVAL : 0;
}

int cfg_load(int argc, char **argv, char **envp, struct cfg *cfg, char *errbuf)
{
	return cfg_load_from(argc, argv, envp, cfg, errbuf, NULL, NULL, 0);
}

int cfg_reload_load(int argc, char **argv, char **envp, const struct cfg *old, struct cfg *cfg,
		    char *errbuf, char *kept, size_t cap)
{
	if (cap)
		kept[0] = '\0';
	return cfg_load_from(argc, argv, envp, cfg, errbuf, old, kept, cap);
}

void cfg_free(struct cfg *cfg)
{
	for (size_t i = 0; i < cfg_nopts; i++) {
		void *f = cfg_field(cfg, &cfg_opts[i]);

		if (cfg_opts[i].type == CFG_STR) {
			free(*(char **)f);
			*(char **)f = NULL;
		} else if (cfg_opts[i].type == CFG_LIST) {
			cfg_list_clear(f);
		}
	}
	free(cfg->config_file);
	cfg->config_file = NULL;
	free(cfg->demo_password);
	cfg->demo_password = NULL;
	cfg_list_clear(&cfg->warnings);
	cfg_list_clear(&cfg->notes);
}

/* "PUBLIC[/PRIVATE]" into *e. 0 or -EINVAL. */
static int parse_external(const char *s, struct net_external *e)
{
	const char *slash = strchr(s, '/');
	char pub[INET6_ADDRSTRLEN];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(pub))
		return -EINVAL;
	memcpy(pub, s, n);
	pub[n] = '\0';
	memset(e, 0, sizeof(*e));
	if (addr_parse(&e->pub, pub, 0) < 0)
		return -EINVAL;
	e->has_priv = slash != NULL;
	if (slash && (addr_parse(&e->priv, slash + 1, 0) < 0 ||
		      addr_family(&e->priv) != addr_family(&e->pub)))
		return -EINVAL;
	return 0;
}

/* relay-ip, external-ip and the port range into *o. 0 or -EINVAL. */
static int relay_opts(const struct cfg *cfg, struct net_opts *o)
{
	if (cfg->relay_ip.n > NET_MAX_RELAY || cfg->external_ip.n > NET_MAX_LISTEN ||
	    cfg->min_port > cfg->max_port)
		return -EINVAL;
	for (size_t i = 0; i < cfg->relay_ip.n; i++)
		if (addr_parse(&o->relay[i], cfg->relay_ip.v[i], 0) < 0)
			return -EINVAL;
	o->nrelay = cfg->relay_ip.n;
	for (size_t i = 0; i < cfg->external_ip.n; i++)
		if (parse_external(cfg->external_ip.v[i], &o->external[i]) < 0)
			return -EINVAL;
	o->nexternal = cfg->external_ip.n;
	o->min_port = (uint16_t)cfg->min_port;
	o->max_port = (uint16_t)cfg->max_port;
	return 0;
}

/* xdp-interfaces and xdp-mode into *o. 0 or -EINVAL. */
static int xdp_opts(const struct cfg *cfg, struct net_opts *o)
{
	int mode = cfg_xdp_mode_parse(cfg->xdp_mode ? cfg->xdp_mode : "auto");

	if (mode < 0 || cfg->xdp_interfaces.n > NET_MAX_XDP_IF)
		return -EINVAL;
	for (size_t i = 0; i < cfg->xdp_interfaces.n; i++) {
		if (strlen(cfg->xdp_interfaces.v[i]) >= NET_IFNAME_MAX)
			return -EINVAL;
		strcpy(o->xdp_if[i], cfg->xdp_interfaces.v[i]);
	}
	o->nxdp_if = cfg->xdp_interfaces.n;
	o->xdp_mode = (enum net_xdp_mode)mode;
	return 0;
}

/* RFC 5780's alternate port, or 0 for none: like coturn, none with external-ip (the
 * addresses it would advertise are private) and none with no-rfc5780; also none when
 * listening-port is 0 (any free port: tests), which leaves nothing to add one to. */
static uint16_t cfg_alt_port(const struct cfg *cfg)
{
	long long p = cfg->alt_listening_port ? cfg->alt_listening_port : cfg->listening_port + 1;

	if (cfg->no_rfc5780 || cfg->external_ip.n || cfg->listening_port == 0 || p > 65535)
		return 0;
	return (uint16_t)p;
}

int cfg_to_net_opts(const struct cfg *cfg, struct net_opts *out)
{
	struct net_opts o;

	memset(&o, 0, sizeof(o));
	if (cfg->listening_ip.n > NET_MAX_LISTEN || relay_opts(cfg, &o) < 0)
		return -EINVAL;
	o.threads = (unsigned)cfg->relay_threads;
	o.port = (uint16_t)cfg->listening_port;
	for (size_t i = 0; i < cfg->listening_ip.n; i++)
		if (addr_parse(&o.listen[i], cfg->listening_ip.v[i], o.port) < 0)
			return -EINVAL;
	o.nlisten = cfg->listening_ip.n;
	o.no_udp = cfg->no_udp;
	o.no_tcp = cfg->no_tcp;
	o.alt_port = cfg_alt_port(cfg);
	if (o.alt_port && cfg->tls_listening_port) {
		long long t = cfg->alt_tls_listening_port ? cfg->alt_tls_listening_port
							  : cfg->tls_listening_port + 1;

		o.alt_tls_port = t <= 65535 ? (uint16_t)t : 0;
	}
	o.max_tcp_per_ip = (unsigned)cfg->max_tcp_per_ip;
	o.tcp_idle_s = (unsigned)cfg->tcp_idle_timeout;
	o.tls_port = (uint16_t)cfg->tls_listening_port;
	o.handshake_s = (unsigned)cfg->tls_handshake_timeout;
	if (xdp_opts(cfg, &o) < 0)
		return -EINVAL;
	*out = o;
	return 0;
}

const struct cfg *cfg_get(void)
{
	return atomic_load_explicit(&cfg_current, memory_order_acquire);
}

void cfg_publish(const struct cfg *cfg)
{
	atomic_store_explicit(&cfg_current, cfg, memory_order_release);
}
