/* ternd configuration: one option table (cfg_opt.c) drives the libconfig file, the
 * command line, TERN_<NAME> environment variables, defaults, range checks and --help.
 * Precedence: command line > environment > file > default. With no -c FILE the embedded
 * default (etc/ternd.conf compiled in) is read as the file.
 * Loaded in the main thread before any worker starts and read-only afterwards; a reload
 * loads a new one (cfg_reload_load) and publishes it once the workers use it. */
#ifndef TERN_APP_CFG_H
#define TERN_APP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct net_opts;

/* Room for every error of one load: at most CFG_ERR_CAP lines, one per error, each
 * naming its place (file:line, environment NAME, command line NAME). */
#define CFG_ERR_MAX 16384
#define CFG_ERR_CAP 32

/* The embedded default's user when no credential source is configured (cfg_load). */
#define CFG_DEMO_USER	"demo"
#define CFG_DEMO_PW_LEN 22

/* A list of owned strings (repeatable options). */
struct cfg_list {
	char **v;
	size_t n;
};

struct cfg {
	/* listeners */
	long long listening_port;
	long long tls_listening_port;
	struct cfg_list listening_ip; /* numeric IPs; empty = every local address */
	struct cfg_list relay_ip;     /* numeric IPs */
	struct cfg_list external_ip;  /* "PUBLIC[/PRIVATE]" numeric IPs */
	long long min_port;
	long long max_port;
	long long relay_threads; /* 0 = online CPUs */
	bool no_udp;
	bool no_tcp_relay; /* RFC 6062 TCP allocations refused */
	bool no_udp_relay; /* UDP allocations refused */
	bool no_tcp;
	long long max_tcp_per_ip;   /* TCP connections per source; 0 = unlimited */
	long long tcp_idle_timeout; /* seconds, TCP connections without an allocation */
	bool no_tls;
	bool no_dtls;
	long long alt_listening_port;	  /* RFC 5780 alternate port; 0 = listening-port + 1 */
	long long alt_tls_listening_port; /* ... for TLS; 0 = tls-listening-port + 1 */
	bool no_rfc5780;		  /* no NAT behaviour discovery (RFC 5780, RFC 3489) */
	struct cfg_list xdp_interfaces;	  /* XDP fast path interfaces; empty = none */
	char *xdp_mode;			  /* "auto", "native" or "generic" */
	/* authentication */
	char *realm;
	struct cfg_list user; /* "name:password" */
	bool lt_cred_mech;
	bool lt_cred_mech_given; /* set explicitly, not only implied */
	char *redis_userdb;	 /* coturn's connection string; NULL = no Redis */
	bool use_auth_secret;	 /* TURN REST ephemeral credentials */
	struct cfg_list static_auth_secret;
	char *rest_api_separator; /* one character */
	bool no_auth;
	bool stun_only; /* Binding only: TURN requests answered 400 */
	/* protocol */
	bool fingerprint;
	bool mobility;			 /* RFC 8016: MOBILITY-TICKET honoured */
	char *software_name;		 /* NULL = no SOFTWARE attribute */
	long long max_allocate_lifetime; /* seconds */
	long long user_quota;		 /* allocations per user; 0 = unlimited */
	long long total_quota;		 /* allocations in total; 0 = unlimited */
	long long max_bps;		 /* per allocation; 0 = unlimited */
	long long unauth_rate;		 /* unauthenticated replies/s per source IP; 0 = no limit */
	long long unauth_bytes;	    /* unauthenticated bytes/s per source IP; 0 = not counted */
	long long unauth_port_rate; /* unauthenticated replies/s per source port; 0 = not counted */
	long long channel_lifetime; /* seconds */
	long long permission_lifetime;	 /* seconds */
	long long stale_nonce;		 /* seconds a NONCE is valid */
	long long bps_capacity;		 /* bytes/s granted to all allocations; 0 = unlimited */
	long long max_allocate_timeout;	 /* seconds */
	struct cfg_list allowed_peer_ip; /* "IP", "IP/PREFIX" or "FIRST-LAST" */
	struct cfg_list denied_peer_ip;
	bool allow_loopback_peers;
	/* TLS and DTLS (app/app_tls.c) */
	char *cert; /* NULL = no TLS */
	char *pkey;
	char *pkey_pwd;
	char *cipher_list;
	char *ec_curve_name;
	char *dh_file;
	bool no_tlsv1_2;			/* TLS 1.3 only */
	bool dtls;				/* DTLS on the TLS port (opt-in) */
	struct cfg_list tls_certs;		/* "sni=NAME cert=PATH pkey=PATH" */
	long long tls_handshake_timeout;	/* seconds */
	struct cfg_list proxy_protocol_trusted; /* IP ranges */
	/* process */
	char *log_file; /* NULL = stderr */
	bool syslog;
	bool verbose;
	int log_level;	       /* enum log_level; verbose forces LOG_LVL_DEBUG */
	char *log_format;      /* "text" or "json" (log_format_parse) */
	bool no_stdout_log;    /* no log lines on stdout/stderr */
	char *syslog_facility; /* NULL = USER */
	char *proc_user;       /* NULL = stay as started */
	char *proc_group;
	char *pidfile;			      /* NULL = none */
	char *admin_socket;		      /* the admin socket's path; NULL or "" = none */
	long long drain_timeout;	      /* seconds a SIGTERM drains; 0 = stop at once */
	long long drain_min_allocations;      /* a drain ends once at most this many remain */
	struct cfg_list alternate_server;     /* "IP[:PORT]": 300 Try Alternate while draining */
	struct cfg_list tls_alternate_server; /* the same for TLS and DTLS clients */
	char *alternate_domain;		      /* ALTERNATE-DOMAIN with tls-alternate-server */
	long long max_allocations;	      /* this node's allocations before it sheds load */
	/* the fleet: nodes sharing one Redis (redis-userdb) */
	char *node_name;	    /* this node's name in the registry; NULL = the host name */
	char *node_domain;	    /* this node's TLS name, sent in ALTERNATE-DOMAIN to it */
	long long fleet_lease;	    /* seconds a silent node keeps counting */
	bool fleet_quota;	    /* quotas count the allocations of every node */
	char *fleet_quota_fallback; /* "closed" or "local": quotas while Redis is unreachable */
	bool fleet_registry;	    /* publish this node and its sessions */
	bool fleet_alternates;	    /* shed load to the least loaded live node */
	/* metrics and health (app/metrics.h) */
	bool prometheus;
	long long prometheus_port;
	char *prometheus_address; /* NULL = every address */
	bool prometheus_realm_labels;

	/* Not options: how the load went. */
	char *config_file;	  /* -c FILE, or NULL for the embedded default */
	bool no_config;		  /* -n: no file at all, not even the embedded default */
	bool help;		  /* --help given: print cfg_print_help and exit 0 */
	bool version;		  /* --version given */
	bool check_config;	  /* --check-config: check everything, start nothing */
	struct cfg_list warnings; /* non-fatal findings, for the log once it is open */
	struct cfg_list notes;	  /* informational lines (coturn names with no effect) */
	/* The embedded default with no credential source: user "demo" gets this random
	 * password (kept by a reload); NULL otherwise. */
	char *demo_password;
};

/* The embedded default configuration (the text of etc/ternd.conf). */
extern const char cfg_default_text[];

/* Fills *cfg from defaults, the file (-c FILE or the embedded default; none with -n),
 * envp (TERN_*) and argv, in that order of increasing precedence, then checks
 * cross-option rules. Borrows argv and envp (argv may be permuted by getopt_long).
 * Loading goes on after an error: on -EINVAL, errbuf (CFG_ERR_MAX bytes) holds every
 * error found, one line each (at most CFG_ERR_CAP), naming the option, the value and its
 * place, and *cfg holds nothing to free. With --help or --version only the command line
 * is read. */
int cfg_load(int argc, char **argv, char **envp, struct cfg *cfg, char *errbuf);
/* A reload's load (app/reload.c): cfg_load from the same sources, except that every option
 * a running ternd cannot change (app/cfg_opt.h: no CFG_F_RELOAD) keeps its value in old
 * (borrowed) when the sources now say otherwise; their names, comma-separated, go into
 * kept (cap bytes; "" when none). The rules that span options run on the result. 0, or
 * -EINVAL with errbuf set and nothing in *cfg to free. */
int cfg_reload_load(int argc, char **argv, char **envp, const struct cfg *old, struct cfg *cfg,
		    char *errbuf, char *kept, size_t cap);
/* The options whose values differ between old and cfg: their names, comma-separated, into
 * names (cap bytes); returns how many. */
size_t cfg_changed(const struct cfg *old, const struct cfg *cfg, char *names, size_t cap);
/* Frees what cfg owns (not cfg itself). */
void cfg_free(struct cfg *cfg);
/* Prints usage and every option (type, default, range, environment name, help). */
void cfg_print_help(FILE *f, const char *prog);
/* Logs the effective configuration: one info line with the settings that differ from
 * their defaults (passwords hidden), one debug line per option. */
void cfg_log_summary(const struct cfg *cfg);
/* Fills *out from cfg: listeners, relay-ip, external-ip, the relay port range (TURN
 * itself, out->turn and the credential factory, is app_turn_new's). String pointers in
 * *out borrow cfg. 0 or -EINVAL. */
int cfg_to_net_opts(const struct cfg *cfg, struct net_opts *out);

/* Splits a tls-certs item "sni=NAME cert=PATH pkey=PATH" (keys in any order, separated by
 * spaces; pkey optional: the key is then in the cert file) into sni, cert and pkey
 * (CFG_TLS_PART_MAX bytes each; pkey "" when absent). 0, or -EINVAL with *why set. */
#define CFG_TLS_PART_MAX 1024
int cfg_tls_cert_parse(const char *item, char *sni, char *cert, char *pkey, const char **why);

/* An alternate-server value ("IP", "IP:PORT", "[IPv6]:PORT", a bare IPv6 address; port
 * 3478 when absent) into *out. 0 or -EINVAL (app/cfg_alt.c). The tls- one: port 5349
 * when absent. */
struct addr;
int cfg_alt_server_parse(const char *value, struct addr *out);
int cfg_tls_alt_server_parse(const char *value, struct addr *out);

/* The configuration in effect, published once loaded (DESIGN: the one global config) and
 * again by each reload. A reload frees the one it replaced once no worker uses it: only
 * the main thread may keep the pointer across its control loop's events. */
const struct cfg *cfg_get(void);
void cfg_publish(const struct cfg *cfg);

#endif
