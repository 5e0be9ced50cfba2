/* The option table: adding an option is adding one row here and one field in struct cfg.
 * Names follow coturn's where the feature is the same. */
#include "app/cfg_opt.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "net/server.h"
#include "turn/server.h"

/* A numeric constant's spelling, for defaults defined by the layer that uses them. */
#define CFG_NUM_STR_(x) #x
#define CFG_NUM_STR(x)	CFG_NUM_STR_(x)

#define OFF(field) offsetof(struct cfg, field)
#define PORT_RANGE 1, 65535
#define U	   (CFG_F_UNUSED)
#define R	   (CFG_F_RELOAD)

const struct cfg_opt cfg_opts[] = {
	/* listeners */
	{"listening-port", 'p', CFG_INT, OFF(listening_port), "3478", 0, 65535, NULL, 0,
	 "UDP and TCP listening port for STUN/TURN; 0 = any free port (tests)"},
	{"tls-listening-port", 0, CFG_INT, OFF(tls_listening_port), "5349", 0, 65535, NULL, 0,
	 "TLS (and, with dtls, DTLS) listening port; 0 = any free port (tests)"},
	{"listening-ip", 'L', CFG_LIST, OFF(listening_ip), NULL, 0, NET_MAX_LISTEN, cfg_check_ip, 0,
	 "numeric IP to listen on (repeatable); none = every local address"},
	{"relay-ip", 'E', CFG_LIST, OFF(relay_ip), NULL, 0, NET_MAX_RELAY, cfg_check_ip, 0,
	 "numeric IP for relayed transport addresses (repeatable); none = the listening "
	 "addresses (every local address for a wildcard)"},
	{"external-ip", 'X', CFG_LIST, OFF(external_ip), NULL, 0, NET_MAX_LISTEN, cfg_check_ip_pair,
	 0,
	 "PUBLIC[/PRIVATE] address mapping behind 1:1 NAT (repeatable): "
	 "relayed addresses on PRIVATE (or on any relay address) are advertised as PUBLIC"},
	{"min-port", 0, CFG_INT, OFF(min_port), CFG_NUM_STR(NET_DEFAULT_MIN_PORT), PORT_RANGE, NULL,
	 0, "lowest relay port"},
	{"max-port", 0, CFG_INT, OFF(max_port), CFG_NUM_STR(NET_DEFAULT_MAX_PORT), PORT_RANGE, NULL,
	 0, "highest relay port"},
	{"relay-threads", 'm', CFG_INT, OFF(relay_threads), "0", 0, 256, NULL, 0,
	 "worker threads; 0 = one per online CPU"},
	{"no-udp", 0, CFG_BOOL, OFF(no_udp), "false", 0, 0, NULL, 0, "do not listen on UDP"},
	{"no-tcp", 0, CFG_BOOL, OFF(no_tcp), "false", 0, 0, NULL, 0, "do not listen on TCP"},
	{"no-tcp-relay", 0, CFG_BOOL, OFF(no_tcp_relay), "false", 0, 0, NULL, R,
	 "refuse TCP allocations (RFC 6062; Allocate for TCP answered 442)"},
	{"no-udp-relay", 0, CFG_BOOL, OFF(no_udp_relay), "false", 0, 0, NULL, R,
	 "refuse UDP allocations (Allocate for UDP answered 403)"},
	{"max-tcp-per-ip", 0, CFG_INT, OFF(max_tcp_per_ip), "64", 0, 1000000, NULL, 0,
	 "TCP and TLS connections and DTLS sessions per source IPv4 address or IPv6 /64; "
	 "0 = unlimited"},
	{"tcp-idle-timeout", 0, CFG_INT, OFF(tcp_idle_timeout), CFG_NUM_STR(NET_DEFAULT_TCP_IDLE_S),
	 1, 3600, NULL, 0,
	 "seconds a TCP connection without an allocation may go without a STUN request"},
	{"no-tls", 0, CFG_BOOL, OFF(no_tls), "false", 0, 0, NULL, 0,
	 "no TLS: no listener on tls-listening-port, no TLS on listening-port"},
	{"no-dtls", 0, CFG_BOOL, OFF(no_dtls), "false", 0, 0, NULL, 0,
	 "no DTLS, even with dtls (the default: DTLS is opt-in)"},
	{"dtls", 0, CFG_BOOL, OFF(dtls), "false", 0, 0, NULL, 0,
	 "DTLS 1.2 on UDP tls-listening-port (needs cert)"},
	{"xdp-interfaces", 0, CFG_LIST, OFF(xdp_interfaces), NULL, 0, NET_MAX_XDP_IF,
	 cfg_check_ifname, 0,
	 "interface to attach the XDP fast path to (repeatable; README \"XDP fast path\"); "
	 "none = user space only"},
	{"xdp-mode", 0, CFG_STR, OFF(xdp_mode), "auto", 0, 0, cfg_check_xdp_mode, 0,
	 "XDP attach mode: auto (native where the driver has it, else generic), native or "
	 "generic"},
	{"proxy-protocol-trusted", 0, CFG_LIST, OFF(proxy_protocol_trusted), NULL, 0, 1024,
	 cfg_check_ip_range, 0,
	 "proxy address or range (repeatable) whose TCP and TLS connections must begin with a "
	 "PROXY protocol v1/v2 header naming the client; none = PROXY headers refused"},
	{"tls-handshake-timeout", 0, CFG_INT, OFF(tls_handshake_timeout),
	 CFG_NUM_STR(NET_DEFAULT_HANDSHAKE_S), 1, 300, NULL, 0,
	 "seconds from accept to the end of the TLS handshake (and the PROXY header)"},
	{"alt-listening-port", 0, CFG_INT, OFF(alt_listening_port), "0", 0, 65535, NULL, 0,
	 "RFC 5780 alternate port (UDP and TCP), used only with two or more listening-ip of one "
	 "family; 0 = listening-port + 1"},
	{"alt-tls-listening-port", 0, CFG_INT, OFF(alt_tls_listening_port), "0", 0, 65535, NULL, 0,
	 "RFC 5780 alternate TLS port, like alt-listening-port (only with TLS on); "
	 "0 = tls-listening-port + 1"},
	{"no-rfc5780", 0, CFG_BOOL, OFF(no_rfc5780), "false", 0, 0, NULL, 0,
	 "no NAT behaviour discovery: no alternate port, Binding answers CHANGE-REQUEST, "
	 "RESPONSE-PORT and PADDING with 420 and drops classic RFC 3489 requests"},
	/* authentication */
	{"realm", 'r', CFG_STR, OFF(realm), "tern.local", 0, 0, cfg_check_stun_text, R,
	 "realm for long-term credentials (set it to your domain)"},
	{"user", 'u', CFG_LIST, OFF(user), NULL, 0, 4096, cfg_check_user, CFG_F_SECRET | R,
	 "static user NAME:PASSWORD (repeatable)"},
	{"redis-userdb", 'N', CFG_STR, OFF(redis_userdb), NULL, 0, 0, cfg_check_redis_userdb,
	 CFG_F_SECRET,
	 "long-term users and REST secrets in Redis: \"ip=127.0.0.1 port=6379 "
	 "dbname=0 password=... user=... connect_timeout=5\" (coturn's keys); through Redis "
	 "Sentinel: \"sentinel=H:26379,H2:26379 master=NAME [sentinel_password=...]\""},
	{"use-auth-secret", 0, CFG_BOOL, OFF(use_auth_secret), "false", 0, 0, NULL, R,
	 "TURN REST API: USERNAME \"<expiry>:<user>\", password base64(HMAC-SHA1(secret, "
	 "USERNAME)); secrets from static-auth-secret and Redis"},
	{"static-auth-secret", 0, CFG_LIST, OFF(static_auth_secret), NULL, 0, 8, NULL,
	 CFG_F_SECRET | R, "TURN REST shared secret (repeatable, all tried: rotation)"},
	{"rest-api-separator", 'C', CFG_STR, OFF(rest_api_separator), ":", 0, 0,
	 cfg_check_separator, R, "separator between expiry and user in REST usernames"},
	{"lt-cred-mech", 'a', CFG_BOOL, OFF(lt_cred_mech), "false", 0, 0, NULL, R,
	 "long-term credential mechanism (implied unless no-auth; with use-auth-secret, give it "
	 "to accept long-term users too)"},
	{"no-auth", 'z', CFG_BOOL, OFF(no_auth), "false", 0, 0, NULL, 0,
	 "allow TURN without authentication (never on a public address)"},
	{"stun-only", 'S', CFG_BOOL, OFF(stun_only), "false", 0, 0, NULL, 0,
	 "STUN server only: Binding answered, TURN requests refused with 400 Bad Request "
	 "(coturn ignores them) and no relay; needs no credential source (user, redis-userdb "
	 "and the secrets are ignored with a warning)"},
	/* protocol */
	{"fingerprint", 'f', CFG_BOOL, OFF(fingerprint), "false", 0, 0, NULL, R,
	 "coturn's option, accepted: Tern always answers a request that carries FINGERPRINT "
	 "with FINGERPRINT (RFC 8489 section 14.7), which is what coturn's option is for"},
	{"mobility", 0, CFG_BOOL, OFF(mobility), "false", 0, 0, NULL, 0,
	 "RFC 8016 mobility: an Allocate with an empty MOBILITY-TICKET gets a ticket, and a "
	 "Refresh with it from a new address moves the allocation there (over TCP, TLS and DTLS "
	 "the allocation outlives its connection until then); off: MOBILITY-TICKET is answered "
	 "405 Mobility Forbidden"},
	{"software-name", 0, CFG_STR, OFF(software_name), NULL, 0, 0, cfg_check_stun_text, R,
	 "SOFTWARE attribute value; empty = no SOFTWARE attribute"},
	{"max-allocate-lifetime", 0, CFG_INT, OFF(max_allocate_lifetime),
	 CFG_NUM_STR(TURN_MAX_LIFETIME_S), 60, 86400, NULL, R,
	 "longest allocation lifetime, seconds"},
	{"user-quota", 'q', CFG_INT, OFF(user_quota), "0", 0, INT_MAX, NULL, R,
	 "allocations (and reserved ports) per user; 0 = unlimited"},
	{"total-quota", 'Q', CFG_INT, OFF(total_quota), "0", 0, INT_MAX, NULL, R,
	 "allocations (and reserved ports) in total; 0 = unlimited"},
	{"max-bps", 's', CFG_INT, OFF(max_bps), "0", 0, 1LL << 40, NULL, R,
	 "bytes per second per allocation, each direction (coturn's unit, as the realm's max-bps "
	 "in Redis); excess dropped; 0 = unlimited"},
	{"unauth-rate", 0, CFG_INT, OFF(unauth_rate), "4000", 0, 1000000, NULL, R,
	 "unauthenticated UDP replies (401, 438, errors) per second per source IP, all workers "
	 "together (burst as large); 0 = no limit on unauthenticated replies at all"},
	{"unauth-bytes", 0, CFG_INT, OFF(unauth_bytes), "600000", 0, 1LL << 32, NULL, R,
	 "unauthenticated UDP reply bytes per second per source IP (burst as large); "
	 "0 = not counted"},
	{"unauth-port-rate", 0, CFG_INT, OFF(unauth_port_rate), "50", 0, 1000000, NULL, R,
	 "unauthenticated UDP replies per second per source IP and port, inside the IP's "
	 "budget (burst as large); 0 = not counted"},
	{"channel-lifetime", 0, CFG_INT, OFF(channel_lifetime),
	 CFG_NUM_STR(TURN_CHANNEL_LIFETIME_S), 30, 3600, NULL, R,
	 "channel binding lifetime, seconds (RFC 8656 section 12: 600); a reload applies to "
	 "bindings made or refreshed after it"},
	{"permission-lifetime", 0, CFG_INT, OFF(permission_lifetime),
	 CFG_NUM_STR(TURN_PERM_LIFETIME_S), 30, 3600, NULL, R,
	 "permission lifetime, seconds (RFC 8656 section 9: 300); a reload applies to "
	 "permissions made or refreshed after it"},
	{"stale-nonce", 0, CFG_INT, OFF(stale_nonce), "600", 0, 86400, NULL, R,
	 "seconds a NONCE stays valid before 438 Stale Nonce; 0 = 86400, the longest (coturn's "
	 "0 means never; Tern's nonces are stateless and always expire)"},
	{"bps-capacity", 'B', CFG_INT, OFF(bps_capacity), "0", 0, 1LL << 40, NULL, R,
	 "bytes per second all allocations together may be granted: each reserves its max-bps "
	 "(what is left when less) until it ends, none left = 486; without a max-bps nothing is "
	 "reserved; 0 = unlimited; a reload applies to new allocations"},
	{"max-allocate-timeout", 0, CFG_INT, OFF(max_allocate_timeout), "60", 1, 3600, NULL, R,
	 "seconds a TCP, TLS or DTLS client connection may stay without an allocation, from its "
	 "start whatever it sends (as coturn's; tcp-idle-timeout still closes a silent one "
	 "sooner); a reload applies to new connections"},
	{"allowed-peer-ip", 0, CFG_LIST, OFF(allowed_peer_ip), NULL, 0, 1024, cfg_check_ip_range, R,
	 "peer range to allow: IP, IP/PREFIX or FIRST-LAST (repeatable)"},
	{"denied-peer-ip", 0, CFG_LIST, OFF(denied_peer_ip), NULL, 0, 1024, cfg_check_ip_range, R,
	 "peer range to deny: IP, IP/PREFIX or FIRST-LAST (repeatable)"},
	{"allow-loopback-peers", 0, CFG_BOOL, OFF(allow_loopback_peers), "false", 0, 0, NULL, R,
	 "allow loopback peers (tests only)"},
	/* TLS */
	{"cert", 0, CFG_STR, OFF(cert), NULL, 0, 0, NULL, R,
	 "TLS/DTLS certificate chain file (PEM), the default certificate; sets TLS on "
	 "(reloaded on SIGHUP and SIGUSR2)"},
	{"pkey", 0, CFG_STR, OFF(pkey), NULL, 0, 0, NULL, R,
	 "its private key file (PEM); none = in the cert file"},
	{"pkey-pwd", 0, CFG_STR, OFF(pkey_pwd), NULL, 0, 0, NULL, CFG_F_SECRET | R,
	 "password of encrypted private keys"},
	{"tls-certs", 0, CFG_LIST, OFF(tls_certs), NULL, 0, 64, cfg_check_tls_cert, R,
	 "certificate chosen by SNI (repeatable): \"sni=NAME cert=PATH pkey=PATH\" (NAME may "
	 "be *.domain); in the file also a list of groups { sni = ...; cert = ...; pkey = ...; }"},
	{"cipher-list", 0, CFG_STR, OFF(cipher_list), NULL, 0, 0, NULL, R,
	 "TLS 1.2 cipher list (OpenSSL syntax); none = OpenSSL's default"},
	{"ec-curve-name", 0, CFG_STR, OFF(ec_curve_name), NULL, 0, 0, NULL, R,
	 "key exchange groups, e.g. X25519:prime256v1; none = OpenSSL's default"},
	{"dh-file", 0, CFG_STR, OFF(dh_file), NULL, 0, 0, NULL, R,
	 "DH parameters file (PEM) for DHE cipher suites"},
	{"no-tlsv1_2", 0, CFG_BOOL, OFF(no_tlsv1_2), "false", 0, 0, NULL, R,
	 "TLS 1.3 only (TLS 1.0 and 1.1 are always refused)"},
	/* process */
	{"log-file", 'l', CFG_STR, OFF(log_file), NULL, 0, 0, NULL, R,
	 "append log lines to this file; \"stdout\", \"stderr\" (also empty) and "
	 "\"syslog\" name those sinks"},
	{"syslog", 0, CFG_BOOL, OFF(syslog), "false", 0, 0, NULL, R, "send log lines to syslog"},
	{"verbose", 'v', CFG_BOOL, OFF(verbose), "false", 0, 0, NULL, R,
	 "debug logging (same as log-level = \"debug\")"},
	{"log-level", 0, CFG_LEVEL, OFF(log_level), "info", 0, 0, NULL, R,
	 "err, warn, info or debug"},
	{"log-format", 0, CFG_STR, OFF(log_format), "text", 0, 0, cfg_check_log_format, R,
	 "\"text\" (LEVEL module: message key=value ...) or \"json\" (one JSON object a line)"},
	{"no-stdout-log", 0, CFG_BOOL, OFF(no_stdout_log), "false", 0, 0, NULL, 0,
	 "no log lines on stdout or stderr: with log-file or syslog nothing else changes "
	 "(Tern never copies them to stdout), without them log lines are dropped"},
	{"syslog-facility", 0, CFG_STR, OFF(syslog_facility), NULL, 0, 0, cfg_check_syslog_facility,
	 R,
	 "syslog facility: USER, DAEMON, AUTH, AUTHPRIV, LOCAL0..LOCAL7 ... (any case); "
	 "none = USER"},
	{"proc-user", 0, CFG_STR, OFF(proc_user), NULL, 0, 0, NULL, 0,
	 "user to run as (its groups too) once the listeners, admin socket, metrics listener, "
	 "pid file and log file are open; ternd refuses to start if it cannot"},
	{"proc-group", 0, CFG_STR, OFF(proc_group), NULL, 0, 0, NULL, 0,
	 "group to run as (default: proc-user's group), like proc-user"},
	{"pidfile", 0, CFG_STR, OFF(pidfile), NULL, 0, 0, NULL, 0,
	 "write the process id to this file"},
	{"admin-socket", 0, CFG_STR, OFF(admin_socket), "/run/ternd/admin.sock", 0, 0, NULL, 0,
	 "the admin Unix socket ternctl status/sessions/kill/reload/drain/log-level use "
	 "(mode 0600, the owner and root only; its directory made 0700 when missing); "
	 "empty = none"},
	{"drain-timeout", 0, CFG_INT, OFF(drain_timeout), "0", 0, 86400, NULL, R,
	 "seconds SIGTERM drains before stopping: new allocations refused (300 with "
	 "alternate-server, else 508), existing ones served until they end; 0 = stop at once"},
	{"drain-min-allocations", 0, CFG_INT, OFF(drain_min_allocations), "0", 0, INT_MAX, NULL, R,
	 "a drain ends (exit 0) once at most this many allocations remain"},
	{"alternate-server", 0, CFG_LIST, OFF(alternate_server), NULL, 0, 16, cfg_check_alt_server,
	 R,
	 "IP[:PORT] sent in ALTERNATE-SERVER with 300 Try Alternate to new Allocates while "
	 "draining (repeatable; the one of the client's address family)"},
	{"tls-alternate-server", 0, CFG_LIST, OFF(tls_alternate_server), NULL, 0, 16,
	 cfg_check_alt_server, R,
	 "IP[:PORT] like alternate-server, for clients on TLS or DTLS (port 5349 when absent)"},
	{"alternate-domain", 0, CFG_STR, OFF(alternate_domain), NULL, 0, 0, cfg_check_dns_name, R,
	 "DNS name sent in ALTERNATE-DOMAIN (RFC 8489 §14.16) with a tls-alternate-server: the "
	 "name its certificate is checked against"},
	{"max-allocations", 0, CFG_INT, OFF(max_allocations), "0", 0, INT_MAX, NULL, R,
	 "allocations this node holds before it sheds load: further Allocates get 300 Try "
	 "Alternate (alternate-server, else a live node of the fleet), or 486; 0 = no limit"},
	/* the fleet: several nodes on one redis-userdb */
	{"node-name", 0, CFG_STR, OFF(node_name), NULL, 0, 0, cfg_check_node_name, 0,
	 "this node's name in the fleet registry (letters, digits, '.', '-', '_'; at most 63); "
	 "none = the host name"},
	{"node-domain", 0, CFG_STR, OFF(node_domain), NULL, 0, 0, cfg_check_dns_name, R,
	 "this node's DNS name, as its TLS certificate names it: other nodes send it in "
	 "ALTERNATE-DOMAIN when they redirect a TLS client here"},
	{"fleet-lease", 0, CFG_INT, OFF(fleet_lease), "30", 3, 600, NULL, 0,
	 "seconds a node that stops refreshing its lease in Redis (it died) still counts "
	 "against fleet quotas and stays in the registry"},
	{"fleet-quota", 0, CFG_BOOL, OFF(fleet_quota), "true", 0, 0, NULL, R,
	 "with redis-userdb: user-quota and total-quota (and a realm's quotas in Redis) count "
	 "the allocations of every node sharing the Redis, not of this node alone"},
	{"fleet-quota-fallback", 0, CFG_STR, OFF(fleet_quota_fallback), "closed", 0, 0,
	 cfg_check_fleet_fallback, R,
	 "fleet quotas while Redis is unreachable: closed (an Allocate that a quota applies to "
	 "gets 500) or local (this node's own counts against the same limits)"},
	{"fleet-registry", 0, CFG_BOOL, OFF(fleet_registry), "true", 0, 0, NULL, 0,
	 "with redis-userdb: publish this node (addresses, load, draining) and its sessions "
	 "in Redis, for ternctl sessions --fleet, kill --fleet and load shedding"},
	{"fleet-alternates", 0, CFG_BOOL, OFF(fleet_alternates), "true", 0, 0, NULL, R,
	 "when draining or over max-allocations with no alternate-server of the client's "
	 "family: send 300 Try Alternate to the least loaded live node of the registry "
	 "(same family, never this node, never loopback)"},
	/* metrics and health */
	{"prometheus", 0, CFG_BOOL, OFF(prometheus), "false", 0, 0, NULL, 0,
	 "serve /metrics (Prometheus), /healthz and /readyz over HTTP"},
	{"prometheus-port", 0, CFG_INT, OFF(prometheus_port), "9641", 0, 65535, NULL, 0,
	 "port of the metrics and health HTTP listener; 0 = any free port (tests)"},
	{"prometheus-address", 0, CFG_STR, OFF(prometheus_address), NULL, 0, 0, cfg_check_ip, 0,
	 "numeric IP of the metrics and health HTTP listener; none = every address"},
	{"prometheus-realm-labels", 0, CFG_BOOL, OFF(prometheus_realm_labels), "false", 0, 0, NULL,
	 0, "also relayed packets and bytes by realm (a label per realm; never per user)"},
};

const size_t cfg_nopts = sizeof(cfg_opts) / sizeof(cfg_opts[0]);

_Static_assert(sizeof(cfg_opts) / sizeof(cfg_opts[0]) <= CFG_MAX_OPTS, "raise CFG_MAX_OPTS");

const struct cfg_opt *cfg_opt_find(const char *name)
{
	for (size_t i = 0; i < cfg_nopts; i++)
		if (strcmp(cfg_opts[i].name, name) == 0)
			return &cfg_opts[i];
	return NULL;
}

void cfg_env_name(const char *name, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "TERN_%s", name);

	for (size_t i = 5; i < n && i < len; i++)
		buf[i] = buf[i] == '-' ? '_' : (char)toupper((unsigned char)buf[i]);
}

void cfg_opt_env_name(const struct cfg_opt *o, char *buf, size_t len)
{
	cfg_env_name(o->name, buf, len);
}
