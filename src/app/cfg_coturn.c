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

#define RENAMED(name, s, v, tern)                                                                  \
	{                                                                                          \
		name, s, CFG_COTURN_RENAMED, v, tern, NULL                                         \
	}
#define BUILTIN(name, s, v, why)                                                                   \
	{                                                                                          \
		name, s, CFG_COTURN_BUILTIN, v, NULL, why                                          \
	}
#define UNSUP(name, s, v, why)                                                                     \
	{                                                                                          \
		name, s, CFG_COTURN_UNSUPPORTED, v, NULL, why                                      \
	}

#define WHY_SQL                                                                                    \
	"Tern keeps users in the file (user) or in Redis with coturn's schema (redis-userdb); "    \
	"`ternctl user` copies users into Redis"
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
	UNSUP("listening-device", 'd', true, WHY_DEVICE),
	UNSUP("relay-device", 'i', true, WHY_DEVICE),
	UNSUP("tcp-proxy-port", 0, true,
	      "Tern reads PROXY protocol headers on its own TCP and TLS ports from the "
	      "proxy-protocol-trusted addresses, not on a separate port"),
	UNSUP("aux-server", 0, true,
	      "Tern has no auxiliary listeners: every listening-ip serves listening-port and "
	      "tls-listening-port"),
	BUILTIN("udp-self-balance", 0, false,
		"UDP is always spread over the worker threads by SO_REUSEPORT, with no "
		"ALTERNATE-SERVER redirection"),
	BUILTIN("no-multicast-peers", 0, false,
		"multicast, broadcast and every other special-purpose peer range are always "
		"denied (allowed-peer-ip opens one)"),
	UNSUP("keep-address-family", 'K', false, WHY_FAMILY),
	UNSUP("allocation-default-address-family", 'A', true, WHY_FAMILY),
	UNSUP("server-relay", 0, false,
	      "Tern never lets server applications run on relay endpoints (non-standard)"),
	BUILTIN("ne", 0, true,
		"Tern has one network engine: a worker per CPU with its own SO_REUSEPORT sockets"),
	/* authentication and user databases */
	UNSUP("userdb", 'b', true, WHY_SQL),
	UNSUP("db", 'b', true, WHY_SQL),
	UNSUP("psql-userdb", 'e', true, WHY_SQL),
	UNSUP("sql-userdb", 'e', true, WHY_SQL),
	UNSUP("mysql-userdb", 'M', true, WHY_SQL),
	UNSUP("mongo-userdb", 'J', true, WHY_SQL),
	UNSUP("secret-key-file", 0, true,
	      "it decrypts coturn's MySQL password; Tern has no MySQL user database"),
	UNSUP("redis-statsdb", 'O', true,
	      "Tern publishes no status in Redis: /metrics (prometheus) and ternctl sessions "
	      "show allocations and traffic"),
	BUILTIN("no-auth-pings", 0, false,
		"Tern sends no periodic health checks to the secret tables: Redis is asked when "
		"a request needs it and reconnected with backoff"),
	UNSUP("no-dynamic-ip-list", 0, false,
	      "peer ranges stored in Redis (turn/realm/REALM/allowed-peer-ip and denied-peer-ip) "
	      "always apply"),
	UNSUP("no-dynamic-realms", 0, false,
	      "realm limits stored in Redis (turn/realm/REALM/max-bps, user-quota, total-quota) "
	      "always apply"),
	BUILTIN("secret-ts-exp-time", 0, false,
		"the expiry is the timestamp in the TURN REST username (coturn ignores this "
		"deprecated option too)"),
	BUILTIN("server-name", 0, true, "it names the server for oAuth only, which Tern has not"),
	UNSUP("oauth", 0, false, "Tern has no oAuth (RFC 7635) authentication"),
	UNSUP("check-origin-consistency", 0, false, "Tern does not check the ORIGIN attribute"),
	UNSUP("secure-stun", 0, false,
	      "Binding requests are always answered without authentication"),
	UNSUP("no-stun", 0, false,
	      "Binding requests are always answered; stun-only is the opposite switch"),
	/* protocol */
	BUILTIN("no-software-attribute", 0, false, WHY_SOFTWARE),
	BUILTIN("prod", 0, false, WHY_SOFTWARE),
	BUILTIN("no-stun-backward-compatibility", 0, false,
		"Binding responses carry XOR-MAPPED-ADDRESS only (MAPPED-ADDRESS only for "
		"RFC 5780 tests); classic RFC 3489 requests get short rate-limited answers, "
		"none with no-rfc5780"),
	BUILTIN("response-origin-only-with-rfc5780", 0, false,
		"RESPONSE-ORIGIN is sent only in answers to RFC 5780 requests, never with "
		"no-rfc5780"),
	UNSUP("tls-alternate-server", 0, true,
	      "Tern has one alternate-server list for every transport (sent while draining)"),
	UNSUP("respond-http-unsupported", 0, false,
	      "an HTTP request on a STUN/TURN port is closed without an answer"),
	UNSUP("acme-redirect", 0, true,
	      "Tern answers no HTTP on its STUN/TURN ports; serve ACME challenges elsewhere"),
	/* TLS */
	UNSUP("CA-file", 0, true, "Tern does not verify client certificates"),
	UNSUP("raw-public-keys", 0, false,
	      "Tern offers X.509 certificates only, not raw public keys (RFC 7250)"),
	UNSUP("dh566", 0, false, WHY_DH),
	UNSUP("dh1066", 0, false, WHY_DH),
	BUILTIN("no-sslv2", 0, false, WHY_TLS_OLD),
	BUILTIN("no-sslv3", 0, false, WHY_TLS_OLD),
	BUILTIN("no-tlsv1", 0, false, WHY_TLS_OLD),
	BUILTIN("no-tlsv1_1", 0, false, WHY_TLS_OLD),
	/* logging and process */
	RENAMED("Verbose", 'V', false, "verbose"),
	BUILTIN("simple-log", 0, false,
		"log-file is used as named, without PID or date, and never rolled over: a "
		"reload (SIGHUP) reopens it for logrotate"),
	BUILTIN("new-log-timestamp", 0, false,
		"log lines always carry an ISO 8601 UTC timestamp with milliseconds (syslog "
		"adds its own)"),
	UNSUP("new-log-timestamp-format", 0, true,
	      "the log timestamp is always ISO 8601 UTC with milliseconds"),
	UNSUP("log-binding", 0, false,
	      "Tern never logs a line per Binding request (metrics count them)"),
	UNSUP("daemon", 'o', false,
	      "ternd stays in the foreground: run it under systemd or in a container"),
	UNSUP("prometheus-username-labels", 0, false,
	      "metrics never carry a label per user; prometheus-realm-labels gives one per realm"),
	/* the telnet CLI and the web admin */
	BUILTIN("no-cli", 0, false, WHY_CLI),
	UNSUP("cli-ip", 0, true, WHY_CLI),
	UNSUP("cli-port", 0, true, WHY_CLI),
	UNSUP("cli-password", 0, true, WHY_CLI),
	UNSUP("cli-max-output-sessions", 0, true, WHY_CLI),
	UNSUP("web-admin", 0, false, WHY_WEB),
	UNSUP("web-admin-ip", 0, true, WHY_WEB),
	UNSUP("web-admin-port", 0, true, WHY_WEB),
	UNSUP("web-admin-listen-on-workers", 0, false, WHY_WEB),
};

const unsigned cfg_coturn_nopts = sizeof(cfg_coturn_opts) / sizeof(cfg_coturn_opts[0]);

const struct cfg_coturn *cfg_coturn_find(const char *name)
{
	for (unsigned i = 0; i < cfg_coturn_nopts; i++)
		if (strcmp(cfg_coturn_opts[i].name, name) == 0)
			return &cfg_coturn_opts[i];
	return NULL;
}
