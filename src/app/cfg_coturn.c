/* coturn's options that Tern knows under another name, always applies, or does not have
 * (app/cfg_coturn.h). Every long option of coturn 4.6's `turnserver` (4.6.0 to 4.6.3:
 * src/apps/relay/mainrelay.c long_options, its Usage and examples/etc/turnserver.conf) is
 * either an option of cfg_opts under the same name or one row here. has_value follows
 * coturn's getopt table: required_argument takes a value, optional_argument is a flag that
 * may carry "=value". The command-line-only -c, -n, -h and --version are not rows.
 *
 * BUILTIN: what coturn does with the setting is what Tern always does, so dropping it loses
 * nothing. UNSUPPORTED: the setting asks for something Tern does not do; the why says what
 * Tern does instead. */
#include "app/cfg_coturn.h"

#include <string.h>

#define WHY_SQL                                                                                    \
	"Tern keeps users in the file (user) or in Redis with coturn's schema (redis-userdb); "    \
	"`ternctl user add` puts them there"
#define WHY_CLI                                                                                    \
	"Tern has no telnet CLI: ternctl status, sessions, kill and reload use the admin socket "  \
	"(admin-socket)"
#define WHY_WEB "Tern has no web admin: ternctl over the admin socket, /metrics with prometheus"
#define WHY_DEVICE                                                                                 \
	"Tern binds addresses, not devices: give the device's address to listening-ip and "        \
	"relay-ip"
#define WHY_TLS_OLD "TLS 1.0, TLS 1.1, DTLS 1.0 and SSL are always refused (TLS 1.2 at least)"
#define WHY_FAMILY                                                                                 \
	"an Allocate without REQUESTED-ADDRESS-FAMILY always gets IPv4 (RFC 8656 section 7.2 "     \
	"step 7); clients ask for IPv6 with the attribute"
#define WHY_SOFTWARE "no SOFTWARE attribute is sent unless software-name is set"
#define WHY_DH                                                                                     \
	"Tern never uses coturn's built-in small DH keys: DHE uses OpenSSL's automatic groups, "   \
	"or dh-file"

const struct cfg_coturn cfg_coturn_opts[] = {
	/* listeners and relay */
	{"listening-device", 'd', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_DEVICE},
	{"relay-device", 'i', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_DEVICE},
	{"tcp-proxy-port", 0, CFG_COTURN_UNSUPPORTED, true, NULL,
	 "Tern reads PROXY protocol headers on its own TCP and TLS ports from the "
	 "proxy-protocol-trusted addresses, not on a separate port"},
	{"aux-server", 0, CFG_COTURN_UNSUPPORTED, true, NULL,
	 "Tern has no auxiliary listeners: every listening-ip serves listening-port and "
	 "tls-listening-port"},
	{"udp-self-balance", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "UDP is always spread over the worker threads by SO_REUSEPORT, with no "
	 "ALTERNATE-SERVER redirection"},
	{"no-multicast-peers", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "multicast, broadcast and every other special-purpose peer range are always "
	 "denied (allowed-peer-ip opens one)"},
	{"keep-address-family", 'K', CFG_COTURN_UNSUPPORTED, false, NULL, WHY_FAMILY},
	{"allocation-default-address-family", 'A', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_FAMILY},
	{"server-relay", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "Tern never lets server applications run on relay endpoints (non-standard)"},
	{"ne", 0, CFG_COTURN_BUILTIN, true, NULL,
	 "Tern has one network engine: a worker per CPU with its own SO_REUSEPORT sockets"},
	/* authentication and user databases */
	{"userdb", 'b', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_SQL},
	{"db", 'b', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_SQL},
	{"psql-userdb", 'e', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_SQL},
	{"sql-userdb", 'e', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_SQL},
	{"mysql-userdb", 'M', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_SQL},
	{"mongo-userdb", 'J', CFG_COTURN_UNSUPPORTED, true, NULL, WHY_SQL},
	{"secret-key-file", 0, CFG_COTURN_UNSUPPORTED, true, NULL,
	 "it decrypts coturn's MySQL password; Tern has no MySQL user database"},
	{"redis-statsdb", 'O', CFG_COTURN_UNSUPPORTED, true, NULL,
	 "Tern publishes no status in Redis: /metrics (prometheus) and ternctl sessions "
	 "show allocations and traffic"},
	{"no-auth-pings", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "Tern sends no periodic health checks to the secret tables: Redis is asked when "
	 "a request needs it and reconnected with backoff"},
	{"no-dynamic-ip-list", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "peer ranges stored in Redis (turn/realm/REALM/allowed-peer-ip and denied-peer-ip) "
	 "always apply"},
	{"no-dynamic-realms", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "realm limits stored in Redis (turn/realm/REALM/max-bps, user-quota, total-quota) "
	 "always apply"},
	{"secret-ts-exp-time", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "the expiry is the timestamp in the TURN REST username (coturn ignores this "
	 "deprecated option too)"},
	{"server-name", 0, CFG_COTURN_BUILTIN, true, NULL,
	 "it names the server for oAuth only, which Tern has not"},
	{"oauth", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "Tern has no oAuth (RFC 7635) authentication"},
	{"check-origin-consistency", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "Tern does not check the ORIGIN attribute"},
	{"secure-stun", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "Binding requests are always answered without authentication"},
	{"no-stun", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "Binding requests are always answered; stun-only is the opposite switch"},
	/* protocol */
	{"no-software-attribute", 0, CFG_COTURN_BUILTIN, false, NULL, WHY_SOFTWARE},
	{"prod", 0, CFG_COTURN_BUILTIN, false, NULL, WHY_SOFTWARE},
	{"no-stun-backward-compatibility", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "Binding responses carry XOR-MAPPED-ADDRESS only (MAPPED-ADDRESS only for "
	 "RFC 5780 tests); classic RFC 3489 requests get short rate-limited answers, "
	 "none with no-rfc5780"},
	{"response-origin-only-with-rfc5780", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "RESPONSE-ORIGIN is sent only in answers to RFC 5780 requests, never with "
	 "no-rfc5780"},
	{"respond-http-unsupported", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "an HTTP request on a STUN/TURN port is closed without an answer"},
	{"acme-redirect", 0, CFG_COTURN_UNSUPPORTED, true, NULL,
	 "Tern answers no HTTP on its STUN/TURN ports; serve ACME challenges elsewhere"},
	/* TLS */
	{"CA-file", 0, CFG_COTURN_UNSUPPORTED, true, NULL,
	 "Tern does not verify client certificates"},
	{"raw-public-keys", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "Tern offers X.509 certificates only, not raw public keys (RFC 7250)"},
	{"dh566", 0, CFG_COTURN_UNSUPPORTED, false, NULL, WHY_DH},
	{"dh1066", 0, CFG_COTURN_UNSUPPORTED, false, NULL, WHY_DH},
	{"no-sslv2", 0, CFG_COTURN_BUILTIN, false, NULL, WHY_TLS_OLD},
	{"no-sslv3", 0, CFG_COTURN_BUILTIN, false, NULL, WHY_TLS_OLD},
	{"no-tlsv1", 0, CFG_COTURN_BUILTIN, false, NULL, WHY_TLS_OLD},
	{"no-tlsv1_1", 0, CFG_COTURN_BUILTIN, false, NULL, WHY_TLS_OLD},
	/* logging and process */
	{"Verbose", 'V', CFG_COTURN_RENAMED, false, "verbose", NULL},
	{"simple-log", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "log-file is used as named, without PID or date, and never rolled over: a "
	 "reload (SIGHUP) reopens it for logrotate"},
	{"new-log-timestamp", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "log lines always carry an ISO 8601 UTC timestamp with milliseconds (syslog "
	 "adds its own)"},
	{"new-log-timestamp-format", 0, CFG_COTURN_UNSUPPORTED, true, NULL,
	 "the log timestamp is always ISO 8601 UTC with milliseconds"},
	{"log-binding", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "Tern never logs a line per Binding request (metrics count them)"},
	{"daemon", 'o', CFG_COTURN_UNSUPPORTED, false, NULL,
	 "ternd stays in the foreground: run it under systemd or in a container"},
	{"prometheus-username-labels", 0, CFG_COTURN_UNSUPPORTED, false, NULL,
	 "metrics never carry a label per user; prometheus-realm-labels gives one per realm"},
	/* the telnet CLI and the web admin */
	{"no-cli", 0, CFG_COTURN_BUILTIN, false, NULL, WHY_CLI},
	{"cli-ip", 0, CFG_COTURN_UNSUPPORTED, true, NULL, WHY_CLI},
	{"cli-port", 0, CFG_COTURN_UNSUPPORTED, true, NULL, WHY_CLI},
	{"cli-password", 0, CFG_COTURN_UNSUPPORTED, true, NULL, WHY_CLI},
	{"cli-max-output-sessions", 0, CFG_COTURN_UNSUPPORTED, true, NULL, WHY_CLI},
	{"web-admin", 0, CFG_COTURN_UNSUPPORTED, false, NULL, WHY_WEB},
	{"web-admin-ip", 0, CFG_COTURN_UNSUPPORTED, true, NULL, WHY_WEB},
	{"web-admin-port", 0, CFG_COTURN_UNSUPPORTED, true, NULL, WHY_WEB},
	{"web-admin-listen-on-workers", 0, CFG_COTURN_UNSUPPORTED, false, NULL, WHY_WEB},
};

const unsigned cfg_coturn_nopts = sizeof(cfg_coturn_opts) / sizeof(cfg_coturn_opts[0]);

const struct cfg_coturn *cfg_coturn_find(const char *name)
{
	for (unsigned i = 0; i < cfg_coturn_nopts; i++)
		if (strcmp(cfg_coturn_opts[i].name, name) == 0)
			return &cfg_coturn_opts[i];
	return NULL;
}
