/* The Redis connection string (coturn's keys) as ternctl and ternd parse it
 * (cred/redis_conf.c), ternctl's key schema and SCAN pattern escaping. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli_redis.h"
#include "cred/redis_conf.h"
#include "tap.h"

static void test_conf(void)
{
	struct cred_redis_conf c;
	char err[128];

	CHECK_EQ_INT(cred_redis_conf_parse("", &c, err, sizeof(err)), 0, "empty string: defaults");
	CHECK(strcmp(c.host, "127.0.0.1") == 0 && c.port == 6379 && c.dbname == 0 &&
		      c.connect_timeout_s == 5 && !c.password[0] && !c.user[0],
	      "defaults 127.0.0.1:6379 db 0");
	CHECK_EQ_INT(cred_redis_conf_parse("ip=10.1.2.3 port=7000 dbname=3 password=pw "
					   "user=bob connect_timeout=9",
					   &c, err, sizeof(err)),
		     0, "all of coturn's keys");
	CHECK(strcmp(c.host, "10.1.2.3") == 0 && c.port == 7000 && c.dbname == 3 &&
		      strcmp(c.password, "pw") == 0 && strcmp(c.user, "bob") == 0 &&
		      c.connect_timeout_s == 9,
	      "values taken");
	CHECK_EQ_INT(
		cred_redis_conf_parse("  host=redis.local   db=1\tpwd=x=y ", &c, err, sizeof(err)),
		0, "synonyms, extra blanks, '=' in a value");
	CHECK(strcmp(c.host, "redis.local") == 0 && c.dbname == 1 && strcmp(c.password, "x=y") == 0,
	      "host=, db=, pwd= synonyms");
	CHECK_EQ_INT(cred_redis_conf_parse("addr=h p=1 database=2 secret=s timeout=0 name=n", &c,
					   err, sizeof(err)),
		     0, "more synonyms");
	CHECK(c.port == 1 && c.dbname == 2 && strcmp(c.password, "s") == 0 &&
		      strcmp(c.user, "n") == 0,
	      "p=, database=, secret=, name=");
	CHECK_EQ_INT(cred_redis_conf_parse("ip=h bogus=1", &c, err, sizeof(err)), -22,
		     "unknown key refused");
	CHECK(strstr(err, "bogus") != NULL, "error names the key");
	CHECK_EQ_INT(cred_redis_conf_parse("port=70000", &c, err, sizeof(err)), -22,
		     "port out of range refused");
	CHECK_EQ_INT(cred_redis_conf_parse("port=12x", &c, err, sizeof(err)), -22,
		     "port with junk refused");
	CHECK_EQ_INT(cred_redis_conf_parse("dbname=-1", &c, err, sizeof(err)), -22,
		     "negative dbname refused");
	CHECK_EQ_INT(cred_redis_conf_parse("127.0.0.1", &c, err, sizeof(err)), -22,
		     "a word without '=' refused");
}

static void test_sentinel(void)
{
	struct cred_redis_conf c;
	char err[128];

	CHECK_EQ_INT(cred_redis_conf_parse("sentinel=127.0.0.1:26380,h2,[::1]:7 master=mymaster "
					   "sentinel_password=sp password=pw",
					   &c, err, sizeof(err)),
		     0, "sentinel keys");
	CHECK(c.nsentinels == 3 && strcmp(c.sentinel[0].host, "127.0.0.1") == 0 &&
		      c.sentinel[0].port == 26380 && strcmp(c.sentinel[1].host, "h2") == 0 &&
		      c.sentinel[1].port == 26379 && strcmp(c.sentinel[2].host, "::1") == 0 &&
		      c.sentinel[2].port == 7,
	      "sentinel list: host:port, default port 26379, [v6]:port");
	CHECK(strcmp(c.master, "mymaster") == 0 && strcmp(c.sentinel_password, "sp") == 0 &&
		      strcmp(c.password, "pw") == 0,
	      "master name and both passwords");
	CHECK_EQ_INT(cred_redis_conf_parse("sentinels=::1 master_name=m", &c, err, sizeof(err)), 0,
		     "synonyms; a bare IPv6 address");
	CHECK(c.nsentinels == 1 && strcmp(c.sentinel[0].host, "::1") == 0 &&
		      c.sentinel[0].port == 26379,
	      "bare IPv6 sentinel on the default port");
	CHECK_EQ_INT(cred_redis_conf_parse("sentinel=h:1", &c, err, sizeof(err)), -22,
		     "sentinel without master refused");
	CHECK(strstr(err, "master") != NULL, "error says master= is needed");
	CHECK_EQ_INT(cred_redis_conf_parse("master=m", &c, err, sizeof(err)), -22,
		     "master without sentinel refused");
	CHECK_EQ_INT(cred_redis_conf_parse("sentinel=h:0 master=m", &c, err, sizeof(err)), -22,
		     "sentinel port 0 refused");
	CHECK_EQ_INT(cred_redis_conf_parse("sentinel=h:1,,h:2 master=m", &c, err, sizeof(err)), -22,
		     "empty sentinel address refused");
	CHECK_EQ_INT(cred_redis_conf_parse("sentinel=[::1 master=m", &c, err, sizeof(err)), -22,
		     "unclosed bracket refused");
	CHECK_EQ_INT(
		cred_redis_conf_parse("sentinel=a,b,c,d,e,f,g,h,i master=m", &c, err, sizeof(err)),
		-22, "more than 8 sentinels refused");
}

static void check_str(char *got, const char *want, const char *what)
{
	CHECK(strcmp(got, want) == 0, "%s", what);
	if (strcmp(got, want) != 0)
		printf("#   got \"%s\", want \"%s\"\n", got, want);
	free(got);
}

static void test_keys(void)
{
	check_str(cli_key_user("example.org", "alice", "key"),
		  "turn/realm/example.org/user/alice/key", "coturn user key");
	check_str(cli_key_user("R", "a b%s", CRED_REDIS_SHA256),
		  "tern/realm/R/user/a b%s/sha256-key", "Tern's SHA-256 key");
	check_str(cli_key_realm("R", "secret"), "turn/realm/R/secret", "secret set");
	check_str(cli_key_realm("R", "allowed-peer-ip"), "turn/realm/R/allowed-peer-ip",
		  "allowed peers set");
	check_str(cli_glob_escape("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f",
		  "glob characters escaped for SCAN MATCH");
	check_str(cli_glob_escape("plain.realm"), "plain.realm", "plain realm unchanged");
}

int main(void)
{
	test_conf();
	test_sentinel();
	test_keys();
	return tap_done();
}
