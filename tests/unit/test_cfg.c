/* Configuration: defaults, the embedded file, a file, environment and command line
 * precedence, lists, booleans, every error class, --help, net options. */
#include "app/cfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cfg_opt.h"
#include "base/log.h"
#include "net/server.h"
#include "tap.h"
#include "turn/server.h"

#define MAX_ARGS 32

static char tmpl_path[64];
static char err[CFG_ERR_MAX];

/* Writes text to a fresh temporary file; returns its path (static buffer). */
static const char *write_conf(const char *text)
{
	int fd;

	if (tmpl_path[0])
		unlink(tmpl_path);
	snprintf(tmpl_path, sizeof(tmpl_path), "/tmp/test_cfg_XXXXXX");
	fd = mkstemp(tmpl_path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return tmpl_path;
}

/* Loads with a NULL-terminated argument list (after argv[0]) and env list. */
static int load(struct cfg *c, char **env, ...)
{
	char *argv[MAX_ARGS] = {"ternd"};
	int argc = 1;
	va_list ap;

	va_start(ap, env);
	while (argc < MAX_ARGS - 1 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return cfg_load(argc, argv, env, c, err);
}

static char *no_env[] = {NULL};

static void test_defaults(void)
{
	struct cfg c;
	const char *conf = write_conf("user = \"a:b\";\n");

	CHECK_EQ_INT(load(&c, no_env, "-c", (char *)conf, NULL), 0, "file with one user loads");
	CHECK_EQ_INT(c.listening_port, 3478, "listening-port default");
	CHECK_EQ_INT(c.tls_listening_port, 5349, "tls-listening-port default");
	CHECK_EQ_INT(c.min_port, 49152, "min-port default");
	CHECK(c.min_port == NET_DEFAULT_MIN_PORT && c.max_port == NET_DEFAULT_MAX_PORT &&
		      c.tcp_idle_timeout == NET_DEFAULT_TCP_IDLE_S,
	      "relay port and TCP idle defaults are net/server.h's");
	CHECK_EQ_INT(c.max_port, 65535, "max-port default");
	CHECK_EQ_INT(c.relay_threads, 0, "relay-threads default");
	CHECK_EQ_INT(c.max_allocate_lifetime, TURN_MAX_LIFETIME_S, "max-allocate-lifetime default");
	CHECK_EQ_INT(c.max_allocate_lifetime, 3600, "max-allocate-lifetime default is one hour");
	CHECK_EQ_INT(c.log_level, LOG_LVL_INFO, "log-level default");
	CHECK(c.log_format && strcmp(c.log_format, "text") == 0, "log-format default");
	CHECK(c.realm && strcmp(c.realm, "tern.local") == 0, "realm default");
	CHECK(!c.software_name && !c.log_file && !c.pidfile, "empty strings are NULL");
	CHECK(c.listening_ip.n == 0 && !c.no_udp && !c.fingerprint, "list/bool defaults");
	CHECK(c.lt_cred_mech, "lt-cred-mech implied without no-auth");
	CHECK(c.config_file && strcmp(c.config_file, conf) == 0, "config_file recorded");
	cfg_free(&c);
}

static void test_embedded(void)
{
	struct cfg c;

	CHECK(strstr(cfg_default_text, "listening-port = 3478;") != NULL, "embedded text");
	CHECK_EQ_INT(load(&c, no_env, NULL), 0, "embedded default loads: %s", err);
	/* No credential source in the embedded default: a random demo password
	 * (tests/unit/test_cfg_load.c). */
	CHECK_EQ_INT(c.user.n, 1, "embedded default has one user");
	CHECK(c.user.n == 1 && strncmp(c.user.v[0], "demo:", 5) == 0 && c.demo_password &&
		      strcmp(c.user.v[0] + 5, c.demo_password) == 0,
	      "demo user with the random password");
	CHECK(c.lt_cred_mech && !c.no_auth, "embedded default authenticates");
	CHECK(c.lt_cred_mech_given, "the embedded default gives lt-cred-mech explicitly");
	CHECK(c.config_file == NULL, "no config_file for the embedded default");
	cfg_free(&c);
}

static void test_file_values(void)
{
	struct cfg c;
	const char *conf =
		write_conf("listening-port = 4000;\n"
			   "listening-ip = [\"127.0.0.1\", \"::1\"];\n"
			   "relay-ip = \"10.0.0.1\";\n"
			   "external-ip = [\"203.0.113.5/10.0.0.1\"];\n"
			   "allowed-peer-ip = [\"10.0.0.0/8\", \"192.168.1.1-192.168.1.9\"];\n"
			   "no-udp = true;\nfingerprint = true;\nverbose = true;\n"
			   "software-name = \"tern\";\nuser = [\"a:b\", \"c:d\"];\n"
			   "realm = \"example.org\";\nmax-bps = 100000;\n");

	CHECK_EQ_INT(load(&c, no_env, "-c", (char *)conf, NULL), 0, "file loads: %s", err);
	CHECK_EQ_INT(c.listening_port, 4000, "file int");
	CHECK(c.listening_ip.n == 2 && strcmp(c.listening_ip.v[1], "::1") == 0, "file list");
	CHECK(c.relay_ip.n == 1 && strcmp(c.relay_ip.v[0], "10.0.0.1") == 0,
	      "single string for a list");
	CHECK_EQ_INT(c.external_ip.n, 1, "external-ip pair");
	CHECK_EQ_INT(c.allowed_peer_ip.n, 2, "peer ranges");
	CHECK(c.no_udp && c.fingerprint, "file bools");
	CHECK_EQ_INT(c.log_level, LOG_LVL_DEBUG, "verbose means debug");
	CHECK(strcmp(c.software_name, "tern") == 0 && strcmp(c.realm, "example.org") == 0,
	      "file strings");
	CHECK_EQ_INT(c.user.n, 2, "two users");
	CHECK_EQ_INT(c.max_bps, 100000, "max-bps");
	cfg_free(&c);
}

static void test_precedence(void)
{
	struct cfg c;
	const char *conf = write_conf("listening-port = 4000;\nrealm = \"file\";\n"
				      "user = [\"f:1\"];\nrelay-threads = 3;\n");
	char *env[] = {"TERN_LISTENING_PORT=5000",
		       "TERN_REALM=env",
		       "TERN_USER=e1:x, e2:y",
		       "TERN_NO_TCP=yes",
		       "TERN_LOG_LEVEL=warn",
		       "PATH=/bin",
		       NULL};

	CHECK_EQ_INT(load(&c, env, "-c", (char *)conf, NULL), 0, "env over file: %s", err);
	CHECK_EQ_INT(c.listening_port, 5000, "env overrides file int");
	CHECK(strcmp(c.realm, "env") == 0, "env overrides file string");
	CHECK(c.user.n == 2 && strcmp(c.user.v[1], "e2:y") == 0, "env list replaces file list");
	CHECK(c.no_tcp, "env bool yes");
	CHECK_EQ_INT(c.relay_threads, 3, "file value kept when env is silent");
	CHECK_EQ_INT(c.log_level, LOG_LVL_WARN, "env enum");
	cfg_free(&c);

	CHECK_EQ_INT(load(&c, env, "-c", (char *)conf, "--listening-port", "6000", "-r", "cli",
			  "--user", "c1:z", "--user=c2:w", "--no-tcp=false", NULL),
		     0, "cli over env: %s", err);
	CHECK_EQ_INT(c.listening_port, 6000, "cli overrides env int");
	CHECK(strcmp(c.realm, "cli") == 0, "short option overrides env");
	CHECK(c.user.n == 2 && strcmp(c.user.v[0], "c1:z") == 0 && strcmp(c.user.v[1], "c2:w") == 0,
	      "repeated cli option appends, replacing env list");
	CHECK(!c.no_tcp, "--no-tcp=false overrides env");
	cfg_free(&c);

	char *env2[] = {"TERN_CONFIG=/nonexistent/tern.conf", NULL};
	CHECK_EQ_INT(load(&c, env2, NULL), -EINVAL, "TERN_CONFIG names the file");
	CHECK(strstr(err, "/nonexistent/tern.conf") != NULL, "missing file named: %s", err);
}

static void test_bools(void)
{
	static const char *const yes[] = {"1", "true", "yes", "TRUE", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	char var[64];
	struct cfg c;
	int rc;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		char *env[] = {var, NULL};

		snprintf(var, sizeof(var), "TERN_FINGERPRINT=%s", yes[i]);
		rc = load(&c, env, NULL);
		CHECK(rc == 0 && c.fingerprint, "env bool %s", yes[i]);
		cfg_free(&c);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		char *env[] = {var, NULL};

		snprintf(var, sizeof(var), "TERN_NO_AUTH=%s", no[i]);
		rc = load(&c, env, NULL);
		CHECK(rc == 0 && !c.no_auth, "env bool %s", no[i]);
		cfg_free(&c);
	}
	rc = load(&c, no_env, "--no-auth", "-f", NULL);
	CHECK(rc == 0 && c.no_auth && c.fingerprint, "bare flags");
	CHECK(!c.lt_cred_mech && c.warnings.n == 1, "no-auth overrides lt-cred-mech, warns");
	cfg_free(&c);
}

static void expect_err(const char *what, char **env, const char *conf, const char *arg1,
		       const char *arg2, const char *frag1, const char *frag2);

/* REALM and SOFTWARE must fit their STUN attributes (RFC 8489 §14.9, §14.14). */
static void test_stun_text_limits(void)
{
	char long_realm[129], ok_realm[128], utf8_realm[127 * 2 + 1];
	struct cfg c;

	memset(long_realm, 'r', 128);
	long_realm[128] = '\0';
	memset(ok_realm, 'r', 127);
	ok_realm[127] = '\0';
	for (int i = 0; i < 127; i++)
		memcpy(utf8_realm + 2 * i, "\xc3\xa9", 2); /* 127 x U+00E9: 254 bytes */
	utf8_realm[254] = '\0';
	expect_err("128-character realm", no_env, NULL, "--realm", long_realm, "realm",
		   "127 characters");
	expect_err("empty realm", no_env, NULL, "--realm", "", "realm", "empty");
	expect_err("128-character software-name", no_env, NULL, "--software-name", long_realm,
		   "software-name", "127 characters");
	CHECK_EQ_INT(load(&c, no_env, "--realm", ok_realm, NULL), 0,
		     "127-character realm accepted");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "--realm", utf8_realm, NULL), 0,
		     "127 two-byte characters accepted (characters, not bytes, count)");
	cfg_free(&c);
}

/* A reversed FIRST-LAST range is refused where it is written (base/iprange.h parses it for
 * the check and for the peer policy alike). */
static void test_reversed_range(void)
{
	char *env_rev[] = {"TERN_DENIED_PEER_IP=fc00::9-fc00::1", NULL};
	const char *conf;

	conf = write_conf("user = \"a:b\";\n\nallowed-peer-ip = [\"10.0.0.0/8\",\n"
			  "  \"10.0.0.9-10.0.0.1\"];\n");
	expect_err("file reversed range", no_env, conf, NULL, NULL,
		   "allowed-peer-ip: bad value \"10.0.0.9-10.0.0.1\": first address above last",
		   conf);
	expect_err("file reversed range line", no_env, conf, NULL, NULL, ":4)", NULL);
	expect_err("env reversed range", env_rev, NULL, NULL, NULL,
		   "environment TERN_DENIED_PEER_IP", "first address above last");
}

/* Expects a load failure whose message contains every given fragment. */
static void expect_err(const char *what, char **env, const char *conf, const char *arg1,
		       const char *arg2, const char *frag1, const char *frag2)
{
	struct cfg c;
	int rc = conf ? load(&c, env, "-c", (char *)conf, (char *)arg1, (char *)arg2, NULL)
		      : load(&c, env, (char *)arg1, (char *)arg2, NULL);

	CHECK_EQ_INT(rc, -EINVAL, "%s fails", what);
	CHECK(strstr(err, frag1) && (!frag2 || strstr(err, frag2)), "%s message: %s", what, err);
}

static void test_errors(void)
{
	char *env_bad[] = {"TERN_MAX_PORT=abc", NULL};
	char *env_range[] = {"TERN_RELAY_THREADS=300", NULL};
	const char *conf;

	expect_err("unknown long option", no_env, NULL, "--bogus", NULL, "unknown option",
		   "--bogus");
	expect_err("unknown short option", no_env, NULL, "-Y", NULL, "unknown option -Y", NULL);
	expect_err("missing value", no_env, NULL, "--realm", NULL, "needs a value", "--realm");
	expect_err("positional argument", no_env, NULL, "stray", NULL, "unexpected", "stray");
	expect_err("cli not a number", no_env, NULL, "--listening-port", "12x",
		   "listening-port: bad value \"12x\"", "command line --listening-port");
	expect_err("cli out of range", no_env, NULL, "-p", "70000", "out of range 0..65535",
		   "command line -p");
	expect_err("cli bad ip", no_env, NULL, "--listening-ip", "1.2.3", "listening-ip",
		   "\"1.2.3\"");
	expect_err("cli bad bool", no_env, NULL, "--no-udp=maybe", NULL, "not a boolean", "maybe");
	expect_err("cli bad level", no_env, NULL, "--log-level", "loud", "log-level", "loud");
	expect_err("cli bad log format", no_env, NULL, "--log-format", "xml", "log-format",
		   "not \"text\" or \"json\"");
	expect_err("bad user", no_env, NULL, "--user", "nocolon", "user: bad value",
		   "NAME:PASSWORD");
	expect_err("empty password hidden", no_env, NULL, "--user", "bob:", "\"bob:***\"",
		   "empty password");
	expect_err("bad peer range", no_env, NULL, "--denied-peer-ip", "10.0.0.0/40",
		   "denied-peer-ip", "prefix");
	expect_err("reversed peer range", no_env, NULL, "--allowed-peer-ip", "10.0.0.9-10.0.0.1",
		   "command line --allowed-peer-ip", "first address above last");
	test_reversed_range();
	test_stun_text_limits();
	expect_err("env not a number", env_bad, NULL, NULL, NULL, "max-port: bad value \"abc\"",
		   "environment TERN_MAX_PORT");
	expect_err("env out of range", env_range, NULL, NULL, NULL, "0..256",
		   "environment TERN_RELAY_THREADS");
	conf = write_conf("user = \"a:b\";\n\nmin-port = 0;\n");
	expect_err("file out of range", no_env, conf, NULL, NULL, "min-port: bad value \"0\"",
		   ":3)");
	conf = write_conf("user = \"a:b\";\nlistening-port = 1;\nbogus-setting = 3;\n");
	expect_err("unknown file setting", no_env, conf, NULL, NULL,
		   "unknown setting \"bogus-setting\"", ":3)");
	conf = write_conf("user = \"a:b\";\nlistening-port = ;\n");
	expect_err("file syntax error", no_env, conf, NULL, NULL, "syntax error", ":2)");
	conf = write_conf("user = [\"a:b\", \"nocolon\"];\n");
	expect_err("file bad list item", no_env, conf, NULL, NULL, "user: bad value", ":1)");
	conf = write_conf("listening-port = 4000;\n");
	expect_err("no credential source", no_env, conf, NULL, NULL, "no credential source",
		   "no-auth");
	expect_err("min above max", no_env, NULL, "--min-port=60000", "--max-port=50000",
		   "min-port 60000", "max-port 50000");
	expect_err("missing file", no_env, NULL, "-c", "/nonexistent.conf", "/nonexistent.conf",
		   "cannot read");
	expect_err("file list for scalar", no_env, write_conf("realm = [\"a\"];\n"), NULL, NULL,
		   "realm: expected a single value", ":1)");
}

/* stun-only: no credential source needed; the TURN credential options are accepted and
 * ignored with a warning each, as coturn does. */
static void test_stun_only(void)
{
	char *env[] = {"TERN_STUN_ONLY=yes", NULL};
	struct cfg c;
	const char *conf = write_conf("listening-port = 4000;\nstun-only = true;\n");

	CHECK_EQ_INT(load(&c, no_env, "-c", (char *)conf, NULL), 0,
		     "file stun-only without a credential source loads: %s", err);
	CHECK(c.stun_only && c.warnings.n == 0, "stun-only set, nothing to warn about");
	cfg_free(&c);
	conf = write_conf("listening-port = 4000;\n");
	CHECK_EQ_INT(load(&c, env, "-c", (char *)conf, NULL), 0, "env TERN_STUN_ONLY: %s", err);
	CHECK(c.stun_only, "env stun-only set");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "-S", "-u", "a:b", "--redis-userdb", "ip=127.0.0.1",
			  "--use-auth-secret", "--static-auth-secret", "s", NULL),
		     0, "-S with a user, Redis and a secret: %s", err);
	CHECK(c.stun_only && c.warnings.n == 3,
	      "one warning each for user, Redis and secrets (%zu)", c.warnings.n);
	CHECK(c.warnings.n == 3 && strstr(c.warnings.v[0], "user ignored") &&
		      strstr(c.warnings.v[1], "redis-userdb ignored") &&
		      strstr(c.warnings.v[2], "static-auth-secret ignored"),
	      "the warnings name what is ignored");
	cfg_free(&c);
}

/* TLS options: tls-certs as strings and as libconfig groups, bad items, the defaults. */
static void test_tls(void)
{
	struct cfg c;
	char sni[CFG_TLS_PART_MAX], cert[CFG_TLS_PART_MAX], pkey[CFG_TLS_PART_MAX];
	const char *why = NULL;
	const char *conf = write_conf(
		"user = \"a:b\";\ncert = \"/c.pem\";\n"
		"tls-certs = ( { sni = \"a.test\"; cert = \"/a.pem\"; pkey = \"/a.key\"; },\n"
		"  \"sni=*.b.test cert=/b.pem\" );\n");

	CHECK_EQ_INT(load(&c, no_env, "-c", (char *)conf, NULL), 0, "tls-certs groups load: %s",
		     err);
	CHECK(c.tls_certs.n == 2 &&
		      strcmp(c.tls_certs.v[0], "sni=a.test cert=/a.pem pkey=/a.key") == 0,
	      "a group becomes \"sni=... cert=... pkey=...\" (%s)",
	      c.tls_certs.n ? c.tls_certs.v[0] : "-");
	CHECK(c.tls_listening_port == 5349 && c.tls_handshake_timeout == 10 && !c.dtls && !c.no_tls,
	      "TLS defaults: port 5349, handshake 10 s, DTLS off");
	CHECK(cfg_tls_cert_parse(c.tls_certs.v[1], sni, cert, pkey, &why) == 0 &&
		      strcmp(sni, "*.b.test") == 0 && strcmp(cert, "/b.pem") == 0 && pkey[0] == 0,
	      "an item without pkey: the key is in the cert file");
	cfg_free(&c);
	CHECK(cfg_tls_cert_parse("cert=/x.pem", sni, cert, pkey, &why) == -EINVAL &&
		      strstr(why, "sni"),
	      "an item without sni is refused (%s)", why);
	expect_err("tls-certs unknown key", no_env, NULL, "--tls-certs", "sni=a cert=/a host=x",
		   "tls-certs: bad value", "unknown key");
	conf = write_conf("user = \"a:b\";\ntls-certs = ( { sni = \"a b\"; cert = \"/a\"; } );\n");
	expect_err("tls-certs value with a space", no_env, conf, NULL, NULL, "without spaces",
		   ":2)");
	CHECK_EQ_INT(load(&c, no_env, "--proxy-protocol-trusted", "10.0.0.0/8", "--dtls",
			  "--tls-handshake-timeout", "3", NULL),
		     0, "proxy-protocol-trusted, dtls, tls-handshake-timeout: %s", err);
	CHECK(c.proxy_protocol_trusted.n == 1 && c.dtls && c.tls_handshake_timeout == 3,
	      "their values");
	cfg_free(&c);
	expect_err("bad proxy range", no_env, NULL, "--proxy-protocol-trusted", "10.0.0.0/33",
		   "proxy-protocol-trusted", "prefix");
}

static void test_unknown_env_warns(void)
{
	char *env[] = {"TERN_LISTENING_PROT=1", NULL};
	struct cfg c;

	CHECK_EQ_INT(load(&c, env, NULL), 0, "unknown TERN_ variable does not stop startup");
	CHECK(c.warnings.n == 1 && strstr(c.warnings.v[0], "TERN_LISTENING_PROT"),
	      "but is reported");
	cfg_free(&c);
}

static void test_help(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct cfg c;
	size_t missing = 0;
	int rc;

	cfg_print_help(f, "ternd");
	fclose(f);
	for (size_t i = 0; i < cfg_nopts; i++) {
		char env[64], opt[80];

		cfg_opt_env_name(&cfg_opts[i], env, sizeof(env));
		snprintf(opt, sizeof(opt), "--%s", cfg_opts[i].name);
		if (!strstr(buf, opt) || !strstr(buf, env) || !strstr(buf, cfg_opts[i].help))
			missing++;
	}
	CHECK_EQ_INT(missing, 0, "--help lists every option, its env name and help");
	CHECK(strstr(buf, "default 3478; 0..65535") != NULL, "--help shows default, range");
	CHECK(strstr(buf, "(not yet used)") == NULL,
	      "--help marks no option unused (every row is implemented)");
	CHECK(strstr(buf, "env TERN_USER; a reload applies it]") != NULL &&
		      strstr(buf, "env TERN_LISTENING_PORT; needs a restart]") != NULL,
	      "--help says which options a reload applies");
	free(buf);
	rc = load(&c, no_env, "--help", "--bogus-after-help", NULL);
	CHECK(rc == -EINVAL, "unknown option still an error with --help");
	rc = load(&c, no_env, "-c", "/nonexistent", "--help", NULL);
	CHECK(rc == 0 && c.help, "--help skips the file");
	cfg_free(&c);
}

static void test_net_opts(void)
{
	struct cfg c;
	struct net_opts o;

	CHECK_EQ_INT(load(&c, no_env, "-p", "3479", "-L", "127.0.0.1", "-L", "::1", "-m", "2",
			  "--no-tcp", NULL),
		     0, "load for net options: %s", err);
	CHECK_EQ_INT(cfg_to_net_opts(&c, &o), 0, "cfg_to_net_opts");
	CHECK(o.port == 3479 && o.threads == 2 && o.nlisten == 2 && o.no_tcp && !o.no_udp,
	      "net options copied");
	CHECK(addr_family(&o.listen[1]) == AF_INET6 && addr_port(&o.listen[0]) == 3479,
	      "listen addresses parsed with the port");
	CHECK(o.nxdp_if == 0 && o.xdp_mode == NET_XDP_AUTO, "no XDP interfaces, mode auto");
	cfg_publish(&c);
	CHECK(cfg_get() == &c, "published config");
	cfg_publish(NULL);
	cfg_free(&c);
}

/* xdp-interfaces and xdp-mode (README "XDP fast path"). */
static void test_xdp_opts(void)
{
	struct cfg c;
	struct net_opts o;

	CHECK_EQ_INT(load(&c, no_env, "--xdp-interfaces", "eth0", "--xdp-interfaces", "veth-a.10",
			  "--xdp-mode", "generic", NULL),
		     0, "load xdp options: %s", err);
	CHECK_EQ_INT(cfg_to_net_opts(&c, &o), 0, "xdp options converted");
	CHECK(o.nxdp_if == 2 && !strcmp(o.xdp_if[0], "eth0") && !strcmp(o.xdp_if[1], "veth-a.10"),
	      "xdp-interfaces copied");
	CHECK(o.xdp_mode == NET_XDP_GENERIC, "xdp-mode generic");
	cfg_free(&c);
	CHECK(cfg_xdp_mode_parse("native") == NET_XDP_NATIVE &&
		      cfg_xdp_mode_parse("auto") == NET_XDP_AUTO && cfg_xdp_mode_parse("") < 0,
	      "xdp-mode names");
	expect_err("bad xdp-mode", no_env, NULL, "--xdp-mode", "fast", "xdp-mode",
		   "\"auto\", \"native\" or \"generic\"");
	expect_err("interface name too long", no_env, NULL, "--xdp-interfaces", "sixteen-bytes-xx",
		   "xdp-interfaces", "1 to 15 bytes");
	expect_err("interface name with a slash", no_env, NULL, "--xdp-interfaces", "a/b",
		   "xdp-interfaces", "not an interface name");
}

static void test_relay_opts(void)
{
	struct cfg c;
	struct net_opts o;
	char buf[64];

	CHECK_EQ_INT(load(&c, no_env, "-E", "192.0.2.1", "--relay-ip", "2001:db8::1", "-X",
			  "203.0.113.5/192.0.2.1", "--external-ip", "2001:db8:1::5", "--min-port",
			  "40000", "--max-port", "40100", "--unauth-rate", "5", "--unauth-bytes",
			  "9000", "--unauth-port-rate", "3", "-u", "a:b", "--lt-cred-mech", NULL),
		     0, "load relay options: %s", err);
	CHECK(c.lt_cred_mech && c.unauth_rate == 5, "lt-cred-mech and unauth-rate");
	CHECK(c.unauth_bytes == 9000 && c.unauth_port_rate == 3, "unauth-bytes, unauth-port-rate");
	CHECK_EQ_INT(cfg_to_net_opts(&c, &o), 0, "relay options converted");
	CHECK(o.nrelay == 2 && addr_family(&o.relay[1]) == AF_INET6, "relay-ip list");
	CHECK(o.min_port == 40000 && o.max_port == 40100, "relay port range");
	CHECK(o.nexternal == 2 && o.external[0].has_priv && !o.external[1].has_priv,
	      "external-ip with and without PRIVATE");
	CHECK(strcmp(addr_ip_to_str(&o.external[0].pub, buf, sizeof(buf)), "203.0.113.5") == 0 &&
		      strcmp(addr_ip_to_str(&o.external[0].priv, buf, sizeof(buf)), "192.0.2.1") ==
			      0,
	      "external-ip pair parsed");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "-u", "a:b", NULL), 0, "defaults for relays");
	CHECK(c.unauth_rate == 4000 && c.relay_ip.n == 0, "unauth-rate default 4000, no relay-ip");
	CHECK(c.unauth_bytes == 600000 && c.unauth_port_rate == 50,
	      "unauth-bytes default 600000, unauth-port-rate 50");
	cfg_free(&c);
	CHECK_EQ_INT(
		load(&c, no_env, "-u", "a:b", "--min-port", "50000", "--max-port", "40000", NULL),
		-EINVAL, "min-port above max-port refused");
	CHECK(strstr(err, "min-port 50000") != NULL, "message names min-port: %s", err);
	CHECK_EQ_INT(load(&c, no_env, "-u", "a:b", "-X", "203.0.113.5/2001:db8::1", NULL), -EINVAL,
		     "external-ip of mixed families refused");
}

static void test_redis_rest(void)
{
	struct cfg c;
	char buf[256];
	const char *conf;

	CHECK_EQ_INT(load(&c, no_env, "--redis-userdb",
			  "ip=127.0.0.1 port=6379 dbname=2 password=pw connect_timeout=3", NULL),
		     0, "redis-userdb alone is a credential source");
	CHECK(c.redis_userdb && strstr(c.redis_userdb, "dbname=2"), "redis-userdb stored");
	cfg_opt_format(&c, cfg_opt_find("redis-userdb"), buf, sizeof(buf));
	CHECK(strcmp(buf, "***") == 0, "redis-userdb never printed (got %s)", buf);
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "--redis-userdb", "host=10.0.0.1", NULL), 0,
		     "host= synonym of ip=");
	cfg_free(&c);
	expect_err("redis unknown keys", no_env, NULL, "--redis-userdb",
		   "ip=1.2.3.4 bogus=1 password=hunter2 colour=red", "bogus, colour",
		   "redis-userdb");
	CHECK(!strstr(err, "hunter2"), "password not in the error");
	expect_err("redis bad port", no_env, NULL, "--redis-userdb", "port=99999",
		   "bad value for port", NULL);
	CHECK_EQ_INT(load(&c, no_env, "--use-auth-secret", "--static-auth-secret", "s1",
			  "--static-auth-secret", "s2", NULL),
		     0, "REST secrets are a credential source");
	CHECK_EQ_INT(c.static_auth_secret.n, 2, "secrets repeatable");
	CHECK(c.rest_api_separator && strcmp(c.rest_api_separator, ":") == 0,
	      "separator default ':'");
	cfg_opt_format(&c, cfg_opt_find("static-auth-secret"), buf, sizeof(buf));
	CHECK(!strstr(buf, "s1") && !strstr(buf, "s2"), "secrets hidden (got %s)", buf);
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "--static-auth-secret", "s1", NULL), 0,
		     "static-auth-secret implies use-auth-secret");
	CHECK(c.use_auth_secret && c.warnings.n == 1, "with a warning");
	cfg_free(&c);
	conf = write_conf("use-auth-secret = true;\nstatic-auth-secret = \"s1\";\n"
			  "user = [\"a:b\"];\n");
	CHECK_EQ_INT(load(&c, no_env, "-c", (char *)conf, NULL), 0,
		     "use-auth-secret and users, no lt-cred-mech");
	CHECK(c.lt_cred_mech && !c.lt_cred_mech_given, "lt-cred-mech implied, not given");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "-c", (char *)conf, "--lt-cred-mech", NULL), 0,
		     "the same with --lt-cred-mech");
	CHECK(c.use_auth_secret && c.lt_cred_mech_given, "lt-cred-mech given explicitly");
	cfg_free(&c);
	expect_err("use-auth-secret without secrets", no_env, NULL, "--use-auth-secret", NULL,
		   "use-auth-secret needs", NULL);
	expect_err("separator of two chars", no_env, NULL, "--rest-api-separator",
		   "::", "rest-api-separator", "one non-digit");
	CHECK_EQ_INT(load(&c, no_env, "--user", "a:b", "--rest-api-separator", "#", NULL), 0,
		     "separator '#'");
	cfg_free(&c);
}

/* A reload's load: reloadable options change, the others keep the running value and are
 * named, the command line still wins, an invalid file is an error. */
static void test_reload_load(void)
{
	struct cfg old, c;
	char kept[256];
	char *argv[] = {"ternd", "-c", NULL, "--max-bps", "1000", NULL};
	char *env[] = {"TERN_USER_QUOTA=7", NULL};
	const char *conf = write_conf("user = \"a:b\";\nlistening-port = 4000;\n"
				      "max-bps = 50;\n");

	argv[2] = (char *)conf;
	CHECK_EQ_INT(cfg_load(5, argv, env, &old, err), 0, "start");
	conf = write_conf("user = [\"a:b\", \"c:d\"];\nlistening-port = 4001;\n"
			  "min-port = 50000;\nrelay-ip = [\"192.0.2.1\"];\nmax-bps = 60;\n"
			  "software-name = \"x\";\n");
	argv[2] = (char *)conf;
	CHECK_EQ_INT(cfg_reload_load(5, argv, env, &old, &c, err, kept, sizeof(kept)), 0,
		     "reload load");
	CHECK(strcmp(kept, "listening-port,relay-ip,min-port") == 0, "restart-only options named");
	CHECK_EQ_INT(c.listening_port, 4000, "listening-port keeps its running value");
	CHECK_EQ_INT(c.min_port, old.min_port, "min-port too");
	CHECK_EQ_INT(c.relay_ip.n, 0, "relay-ip too (none)");
	CHECK_EQ_INT(c.user.n, 2, "users change");
	CHECK(strcmp(c.software_name, "x") == 0, "software-name changes");
	CHECK_EQ_INT(c.max_bps, 1000, "the command line still wins (max-bps)");
	CHECK_EQ_INT(c.user_quota, 7, "the environment still counts (user-quota)");
	CHECK_EQ_INT(cfg_changed(&old, &c, kept, sizeof(kept)), 2, "two options changed");
	CHECK(strcmp(kept, "user,software-name") == 0, "cfg_changed names them");
	cfg_free(&c);

	conf = write_conf("user = \"a:b\";\ncert = \"/x.pem\";\npkey = \"/y.pem\";\n");
	argv[2] = (char *)conf;
	CHECK_EQ_INT(cfg_reload_load(5, argv, env, &old, &c, err, kept, sizeof(kept)), 0,
		     "cert set on a server without TLS");
	CHECK(strcmp(kept, "listening-port,cert") == 0, "cert switching TLS on needs a restart");
	CHECK(c.cert == NULL, "cert keeps its running value (none)");
	cfg_free(&c);

	conf = write_conf("user = \"a:b\";\nmax-bps = ;\n");
	argv[2] = (char *)conf;
	CHECK_EQ_INT(cfg_reload_load(5, argv, env, &old, &c, err, kept, sizeof(kept)), -EINVAL,
		     "a broken file is an error");
	CHECK(strstr(err, conf) != NULL, "naming the file");
	conf = write_conf("listening-port = 4000;\n");
	argv[2] = (char *)conf;
	CHECK_EQ_INT(cfg_reload_load(5, argv, env, &old, &c, err, kept, sizeof(kept)), -EINVAL,
		     "no credential source left is an error");
	cfg_free(&old);
}

int main(void)
{
	test_defaults();
	test_embedded();
	test_file_values();
	test_precedence();
	test_bools();
	test_errors();
	test_unknown_env_warns();
	test_stun_only();
	test_tls();
	test_help();
	test_net_opts();
	test_xdp_opts();
	test_relay_opts();
	test_redis_rest();
	test_reload_load();
	if (tmpl_path[0])
		unlink(tmpl_path);
	return tap_done();
}
