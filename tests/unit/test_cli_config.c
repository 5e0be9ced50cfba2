/* ternctl config import (cli/cli_import.c) and the coturn name table it shares with ternd
 * (app/cfg_coturn.c): every coturn 4.6 option has a place, coturn's line syntax, value
 * translation, the report, the rules that span options, and ternd's loader reading the
 * result. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cfg.h"
#include "app/cfg_coturn.h"
#include "app/cfg_opt.h"
#include "cli/cli_import.h"
#include "tap.h"

/* Every long option of coturn 4.6.0-4.6.3's turnserver (src/apps/relay/mainrelay.c
 * long_options) but --version, a command. */
static const char *const coturn_names[] = {
	"CA-file",
	"Verbose",
	"acme-redirect",
	"allocation-default-address-family",
	"allow-loopback-peers",
	"allowed-peer-ip",
	"alt-listening-port",
	"alt-tls-listening-port",
	"alternate-server",
	"aux-server",
	"bps-capacity",
	"cert",
	"channel-lifetime",
	"check-origin-consistency",
	"cipher-list",
	"cli-ip",
	"cli-max-output-sessions",
	"cli-password",
	"cli-port",
	"daemon",
	"db",
	"denied-peer-ip",
	"dh-file",
	"dh1066",
	"dh566",
	"ec-curve-name",
	"external-ip",
	"fingerprint",
	"keep-address-family",
	"listening-device",
	"listening-ip",
	"listening-port",
	"log-binding",
	"log-file",
	"lt-cred-mech",
	"max-allocate-lifetime",
	"max-allocate-timeout",
	"max-bps",
	"max-port",
	"min-port",
	"mobility",
	"mongo-userdb",
	"mysql-userdb",
	"ne",
	"new-log-timestamp",
	"new-log-timestamp-format",
	"no-auth",
	"no-auth-pings",
	"no-cli",
	"no-dtls",
	"no-dynamic-ip-list",
	"no-dynamic-realms",
	"no-multicast-peers",
	"no-rfc5780",
	"no-software-attribute",
	"no-sslv2",
	"no-sslv3",
	"no-stdout-log",
	"no-stun",
	"no-stun-backward-compatibility",
	"no-tcp",
	"no-tcp-relay",
	"no-tls",
	"no-tlsv1",
	"no-tlsv1_1",
	"no-tlsv1_2",
	"no-udp",
	"no-udp-relay",
	"oauth",
	"permission-lifetime",
	"pidfile",
	"pkey",
	"pkey-pwd",
	"proc-group",
	"proc-user",
	"prod",
	"prometheus",
	"prometheus-address",
	"prometheus-port",
	"prometheus-username-labels",
	"psql-userdb",
	"raw-public-keys",
	"realm",
	"redis-statsdb",
	"redis-userdb",
	"relay-device",
	"relay-ip",
	"relay-threads",
	"respond-http-unsupported",
	"response-origin-only-with-rfc5780",
	"rest-api-separator",
	"secret-key-file",
	"secret-ts-exp-time",
	"secure-stun",
	"server-name",
	"server-relay",
	"simple-log",
	"sql-userdb",
	"stale-nonce",
	"static-auth-secret",
	"stun-only",
	"syslog",
	"syslog-facility",
	"tcp-proxy-port",
	"tls-alternate-server",
	"tls-listening-port",
	"total-quota",
	"udp-self-balance",
	"use-auth-secret",
	"user",
	"user-quota",
	"userdb",
	"verbose",
	"web-admin",
	"web-admin-ip",
	"web-admin-listen-on-workers",
	"web-admin-port",
};

static void test_table(void)
{
	size_t n = sizeof(coturn_names) / sizeof(coturn_names[0]), missing = 0, bad = 0;

	for (size_t i = 0; i < n; i++)
		if (!cfg_opt_find(coturn_names[i]) && !cfg_coturn_find(coturn_names[i])) {
			printf("# coturn's %s has no place\n", coturn_names[i]);
			missing++;
		}
	CHECK_EQ_INT(missing, 0, "each of coturn's %zu options is Tern's or a coturn row", n);
	for (unsigned i = 0; i < cfg_coturn_nopts; i++) {
		const struct cfg_coturn *c = &cfg_coturn_opts[i];
		bool ok = !cfg_opt_find(c->name) && cfg_coturn_find(c->name) == c;

		if (c->kind == CFG_COTURN_RENAMED)
			ok = ok && c->tern && cfg_opt_find(c->tern) && !c->why;
		else
			ok = ok && !c->tern && c->why && c->why[0] && !strchr(c->why, '\n');
		if (!ok) {
			printf("# row %s is inconsistent\n", c->name);
			bad++;
		}
	}
	CHECK_EQ_INT(bad, 0, "%u rows: not Tern names, unique, renamed to an option, a why else",
		     cfg_coturn_nopts);
	CHECK(cfg_coturn_find("no-cli")->kind == CFG_COTURN_BUILTIN, "no-cli built in");
	CHECK(cfg_coturn_find("cli-password")->kind == CFG_COTURN_UNSUPPORTED,
	      "cli-password unsupported");
	CHECK(cfg_coturn_find("Verbose")->short_name == 'V', "Verbose is -V");
	CHECK(cfg_coturn_find("userdb")->has_value && !cfg_coturn_find("daemon")->has_value,
	      "has_value follows coturn's getopt table");
	CHECK(cfg_coturn_find("nonesuch") == NULL, "unknown name: NULL");
}

static struct cli_import im;
static int rc;

static void run(const char *text)
{
	cli_import_free(&im);
	rc = cli_import_coturn(text, "turnserver.conf", &im);
}

static bool conf_has(const char *s)
{
	return im.conf && strstr(im.conf, s) != NULL;
}

static bool report_has(const char *s)
{
	return im.report && strstr(im.report, s) != NULL;
}

#define CRED "user=alice:pw1\n"

static void test_syntax(void)
{
	run("# a comment\n"
	    "   # an indented comment\n"
	    "\n"
	    "listening-port=3479\n"
	    "tls-listening-port 5350\n"
	    "min-port = 40000\n"
	    "max-port\t=\t\"50000\"\n"
	    "realm=\"example.org\"  \r\n"
	    "lt-cred-mech\n"
	    "fingerprint=false\n" CRED);
	CHECK_EQ_INT(rc, 0, "a clean file: 0");
	CHECK(conf_has("listening-port = 3479; # line 4\n"), "name=value");
	CHECK(conf_has("tls-listening-port = 5350; # line 5\n"), "name value");
	CHECK(conf_has("min-port = 40000;"), "name = value");
	CHECK(conf_has("max-port = 50000;"), "tabs and quotes");
	CHECK(conf_has("realm = \"example.org\";"), "quoted string, CRLF and blanks cut");
	CHECK(conf_has("lt-cred-mech = true;"), "a bare flag is true");
	CHECK(conf_has("fingerprint = false;"), "flag=false");
	CHECK(conf_has("user = [\"alice:pw1\"];"), "a list");
	CHECK_EQ_INT(im.translated, 8, "8 lines translated");
	CHECK_EQ_INT(im.problems, 0, "no problem");
	CHECK(report_has("line 4: listening-port: kept\n"), "report: a line per option");
	CHECK(report_has("8 translated, 0 dropped with a reason, 0 problems"),
	      "report: the summary");
	CHECK(strncmp(im.conf, "# ternd.conf translated", 23) == 0, "a header comment");
}

static void test_values(void)
{
	run("stale-nonce\nchannel-lifetime\nrelay-threads=0\nlog-file=-\n"
	    "realm=a\"b\\c\n" CRED "user=bob:0x0123456789abcdef0123456789abcdef\n"
	    "verbose=yes\nno-udp=off\nno-tcp=1\nmobility=N\n"
	    "denied-peer-ip=10.0.0.0-10.255.255.255\nexternal-ip=203.0.113.5/10.0.0.5\n");
	CHECK_EQ_INT(rc, 0, "values: 0");
	CHECK(conf_has("stale-nonce = 600;"), "bare stale-nonce is coturn's 600");
	CHECK(conf_has("channel-lifetime = 600;"), "bare channel-lifetime is 600");
	CHECK(conf_has("relay-threads = 1;"), "coturn's relay-threads 0 is one thread");
	CHECK(report_has("relay-threads: kept (0 -> 1"), "and the report says so");
	CHECK(conf_has("log-file = \"stdout\";"), "log-file - is stdout");
	CHECK(conf_has("realm = \"a\\\"b\\\\c\";"), "quote and backslash escaped");
	CHECK(conf_has("user = [\"alice:pw1\", \"bob:0x0123456789abcdef0123456789abcdef\"];"),
	      "repeated user lines: one list, a 0x key kept");
	CHECK(conf_has("# lines 6-7"), "list lines named");
	CHECK(conf_has("verbose = true;") && conf_has("no-udp = false;") &&
		      conf_has("no-tcp = true;") && conf_has("mobility = false;"),
	      "coturn's booleans: yes, off, 1, N");
	CHECK(conf_has("denied-peer-ip = [\"10.0.0.0-10.255.255.255\"];"), "a range kept");
	CHECK(conf_has("external-ip = [\"203.0.113.5/10.0.0.5\"];"), "public/private kept");
	run("listening-port=1\nlistening-port=2\n" CRED);
	CHECK(conf_has("listening-port = 2; # line 2"), "a repeated scalar: the last wins");
	CHECK(report_has("line 2: listening-port: kept (replaces line 1)"), "reported");
}

static void test_kinds(void)
{
	run("no-cli\nno-multicast-peers\nsimple-log\nno-tlsv1\nno-software-attribute\n"
	    "Verbose\n" CRED);
	CHECK_EQ_INT(rc, 0, "built-in and renamed names: 0");
	CHECK_EQ_INT(im.dropped, 5, "5 dropped");
	CHECK(report_has("line 1: no-cli: dropped, built in: Tern has no telnet CLI"),
	      "a dropped line and why");
	CHECK(conf_has("#   line 2: no-multicast-peers: dropped, built in:"),
	      "listed as a comment in the result");
	CHECK(conf_has("verbose = true; # line 6"), "Verbose as verbose");
	CHECK(report_has("line 6: Verbose: as verbose"), "reported as renamed");
	run("no-multicast-peers=false\nno-cli=0\n" CRED);
	CHECK_EQ_INT(rc, 1, "a built-in flag set to false: 1");
	CHECK(report_has("line 1: no-multicast-peers: UNSUPPORTED (set to false): "),
	      "the opposite of what Tern always does is unsupported");
	run("cli-password=s3cr3t-cli\nuserdb=/var/lib/turn/turndb\nno-such-option=1\n"
	    "listening-port=http\nmax-allocate-lifetime=5\nlistening-ip=not-an-ip\n" CRED);
	CHECK_EQ_INT(rc, 1, "unsupported, unknown, bad values: 1");
	CHECK_EQ_INT(im.problems, 6, "6 problems");
	CHECK(report_has("line 1: cli-password: UNSUPPORTED: Tern has no telnet CLI"),
	      "unsupported and why");
	CHECK(report_has("line 3: no-such-option: UNKNOWN"), "unknown");
	CHECK(report_has("line 4: listening-port: BAD VALUE: not a number"), "not a number");
	CHECK(report_has("line 5: max-allocate-lifetime: BAD VALUE: out of range 60.."),
	      "Tern's range");
	CHECK(report_has("line 6: listening-ip: BAD VALUE:"), "Tern's validator");
	CHECK(!report_has("s3cr3t-cli") && !conf_has("s3cr3t-cli"), "no value printed");
	run("=3478\nrealm=a\001b\n" CRED);
	CHECK(rc == 1 && report_has("line 1: (none): BAD LINE: no option name"), "no name");
	CHECK(conf_has("realm = \"a\\x01b\";"), "a control byte as \\x01");
	CHECK(conf_has("user = [\"alice:pw1\"];"), "the rest still translated");
}

static void test_rules(void)
{
	run("lt-cred-mech\nuse-auth-secret\nstatic-auth-secret=R3stS3cret\nuser=carol:pw\n"
	    "realm=example.org\n");
	CHECK_EQ_INT(rc, 0, "REST with lt-cred-mech and users: 0");
	CHECK(!conf_has("lt-cred-mech =") && !conf_has("user ="),
	      "lt-cred-mech and users left out (coturn: shared secret overrides)");
	CHECK(conf_has("use-auth-secret = true;") &&
		      conf_has("static-auth-secret = [\"R3stS3cret\"];"),
	      "REST kept");
	CHECK(report_has("line 1: lt-cred-mech: dropped:") && report_has("line 4: user: dropped:"),
	      "reported");
	CHECK(!report_has("R3stS3cret") && !report_has("carol"), "the report holds no secret");
	CHECK_EQ_INT(im.translated, 3, "3 translated");
	CHECK_EQ_INT(im.dropped, 2, "2 dropped");
	run("static-auth-secret=abc\n");
	CHECK_EQ_INT(rc, 0, "static-auth-secret alone: 0");
	CHECK(conf_has("use-auth-secret = true; # line 1"), "turns use-auth-secret on");
	run("use-auth-secret=false\nstatic-auth-secret=abc\n");
	CHECK(conf_has("use-auth-secret = true;"), "use-auth-secret of any value is on");
	run("syslog\nno-rfc5780\nno-stun-backward-compatibility\n"
	    "response-origin-only-with-rfc5780\n");
	CHECK_EQ_INT(rc, 1, "no credential source: 1");
	CHECK(report_has("no credential source"), "said in the report");
	CHECK(conf_has("# No credential source"), "and in the result");
	CHECK(conf_has("syslog = true;") && conf_has("no-rfc5780 = true;"), "translated");
	CHECK_EQ_INT(im.dropped, 2, "two dropped as built in");
	run("stun-only\n");
	CHECK_EQ_INT(rc, 0, "stun-only needs no credentials");
}

/* The result is a file ternd's own loader reads. */
static void test_loads(void)
{
	char path[] = "/tmp/test_cli_config_XXXXXX", errbuf[CFG_ERR_MAX];
	char *argv[] = {"ternd", "-c", path, NULL};
	char *envp[] = {NULL};
	struct cfg cfg;
	int fd;

	run("listening-port=3479\nlistening-ip=127.0.0.1\nrelay-ip=127.0.0.1\n"
	    "external-ip=203.0.113.5\nmin-port=40000\nmax-port=40100\nrealm=example.org\n"
	    "lt-cred-mech\nuser=alice:pw1\nuser=bob:0x0123456789abcdef0123456789abcdef\n"
	    "user-quota=10\ntotal-quota=100\nmax-bps=64000\nstale-nonce\n"
	    "denied-peer-ip=10.0.0.0-10.255.255.255\nallowed-peer-ip=10.1.0.0-10.1.0.255\n"
	    "no-cli\nno-multicast-peers\nfingerprint\nno-tlsv1\nno-tlsv1_1\nsimple-log\n"
	    "redis-userdb=\"ip=127.0.0.1 dbname=2 password=x port=6379 connect_timeout=30\"\n"
	    "admin-socket=\n");
	CHECK_EQ_INT(rc, 0, "a production-like file: 0");
	fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, im.conf, strlen(im.conf)) == (ssize_t)strlen(im.conf),
	      "written");
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	errbuf[0] = '\0';
	CHECK_EQ_INT(cfg_load(3, argv, envp, &cfg, errbuf), 0, "ternd's loader reads it");
	if (errbuf[0])
		printf("# %s\n", errbuf);
	CHECK_EQ_INT(cfg.listening_port, 3479, "listening-port");
	CHECK_EQ_INT(cfg.user.n, 2, "two users");
	CHECK_EQ_INT(cfg.stale_nonce, 600, "stale-nonce");
	CHECK(cfg.redis_userdb && strstr(cfg.redis_userdb, "dbname=2"), "redis-userdb");
	CHECK(cfg.lt_cred_mech && cfg.fingerprint, "flags");
	cfg_free(&cfg);
	unlink(path);
}

int main(void)
{
	test_table();
	test_syntax();
	test_values();
	test_kinds();
	test_rules();
	test_loads();
	cli_import_free(&im);
	return tap_done();
}
