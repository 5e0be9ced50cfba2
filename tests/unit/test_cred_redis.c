/* The Redis credential store against a real redis-server started here (never a mock):
 * lookups found / not found / hostile names, REST secrets, realm limits, cache and
 * invalidation, realms' peer lists (verdicts, invalidation, refresh, prefetch), Redis
 * stopped (-EIO) and back, the pending bound, the timeout. Prints a
 * SKIP when redis-server or redis-cli is not installed. */
#include "cred/redis.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "auth/key.h"
#include "auth/rest.h"
#include "base/addr.h"
#include "base/codec.h"
#include "tap.h"

#define REALM "tern.local"

static int port;
static pid_t redis_pid;
static struct event_base *base;

struct got {
	int n;
	int status;
	size_t nkeys;
	struct cred_key key[CRED_KEYS_MAX];
	struct cred_limits limits;
};

static void got_cb(void *arg, const struct cred_result *res)
{
	struct got *g = arg;

	g->n++;
	g->status = res->status;
	g->nkeys = res->key ? (res->nkeys ? res->nkeys : 1) : 0;
	if (res->key)
		memcpy(g->key, res->key, g->nkeys * sizeof(g->key[0]));
	if (res->limits)
		g->limits = *res->limits;
}

/* A synchronous side connection to set up data (names with any bytes). */
static redisContext *side;

static int side_cmd(int argc, const char **argv, const size_t *lens)
{
	redisReply *r;

	if (side == NULL || side->err) {
		if (side)
			redisFree(side);
		side = redisConnect("127.0.0.1", port);
		if (side == NULL || side->err)
			return -1;
	}
	r = redisCommandArgv(side, argc, argv, lens);
	if (r == NULL) {
		redisFree(side);
		side = NULL;
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

static int side_cmd2(const char *a, const char *b)
{
	const char *argv[] = {a, b};

	return side_cmd(2, argv, NULL);
}

static int side_cmd3(const char *a, const char *b, const char *c)
{
	const char *argv[] = {a, b, c};

	return side_cmd(3, argv, NULL);
}

/* How many connections are subscribed to the invalidation channel, or -1. */
static long long side_numsub(void)
{
	redisReply *r;
	long long n = -1;

	if (side_cmd2("PING", "x") < 0)
		return -1;
	r = redisCommand(side, "PUBSUB NUMSUB %s", "tern/invalidate");
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_INTEGER)
		n = r->element[1]->integer;
	if (r)
		freeReplyObject(r);
	return n;
}

static void redis_start(void)
{
	char p[16];

	snprintf(p, sizeof(p), "%d", port);
	fflush(stdout); /* the child must not repeat buffered TAP lines */
	redis_pid = fork();
	if (redis_pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execlp("redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1", "--save",
		       "", "--appendonly", "no", "--dir", "/tmp", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		const char *ping[] = {"PING"};

		if (side_cmd(1, ping, NULL) == 0)
			return;
		usleep(50000);
	}
}

static void redis_stop(void)
{
	kill(redis_pid, SIGTERM);
	waitpid(redis_pid, NULL, 0);
	if (side)
		redisFree(side);
	side = NULL;
}

/* Runs the loop until g has an answer or ms pass. */
static void wait_for(struct got *g, int ms)
{
	struct timeval tv = {0, 10000};

	for (int i = 0; i < ms / 10 && g->n == 0; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

static void spin(int ms)
{
	struct got never = {0};

	wait_for(&never, ms);
}

static int lookup(struct cred_redis_worker *w, const char *user, size_t ulen, bool rest,
		  struct got *g)
{
	struct cred_query q = {
		.realm = REALM, .realm_len = strlen(REALM), .user = user, .user_len = ulen};
	int rc;

	memset(g, 0, sizeof(*g));
	rc = cred_redis_lookup(w, &q, rest, got_cb, g);
	if (rc == 0)
		wait_for(g, 3000);
	return rc;
}

/* Stores user's MD5 key (and SHA-256 key with sha) for pass. */
static void set_user(const char *user, size_t ulen, const char *pass, bool sha)
{
	uint8_t k[AUTH_KEY_MAX];
	char hex[2 * CRYPTO_SHA256_LEN + 1], key[2048];
	const char *argv[3] = {"SET", key, hex};
	size_t lens[3] = {3, 0, 0};

	auth_key_derive(AUTH_KEY_MD5, user, ulen, REALM, strlen(REALM), pass, strlen(pass), k);
	codec_hex(k, CRYPTO_MD5_LEN, hex);
	lens[1] = (size_t)snprintf(key, sizeof(key), "turn/realm/" REALM "/user/");
	memcpy(key + lens[1], user, ulen);
	memcpy(key + lens[1] + ulen, "/key", 4);
	lens[1] += ulen + 4;
	lens[2] = strlen(hex);
	side_cmd(3, argv, lens);
	if (!sha)
		return;
	auth_key_derive(AUTH_KEY_SHA256, user, ulen, REALM, strlen(REALM), pass, strlen(pass), k);
	codec_hex(k, CRYPTO_SHA256_LEN, hex);
	memcpy(key, "tern", 4);
	memcpy(key + lens[1] - 4, "/sha256-key", 11);
	lens[1] += 7;
	lens[2] = strlen(hex);
	side_cmd(3, argv, lens);
}

static bool key_is(const struct got *g, const char *user, size_t ulen, const char *pass)
{
	uint8_t k[AUTH_KEY_MAX];

	auth_key_derive(AUTH_KEY_MD5, user, ulen, REALM, strlen(REALM), pass, strlen(pass), k);
	return g->status == 0 && g->key[0].has_md5 && !memcmp(g->key[0].md5, k, CRYPTO_MD5_LEN);
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		p = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return p;
}

/* Spins until a lookup of user answers with status want (reconnects take a while). */
static int wait_status(struct cred_redis_worker *w, const char *user, int want, int ms)
{
	struct got g = {0};

	for (int i = 0; i < ms / 50; i++) {
		if (lookup(w, user, strlen(user), false, &g) == 0 && g.status == want)
			break;
		spin(50);
	}
	return g.status;
}

static void test_lookups(struct cred_redis_worker *w)
{
	static const char *hostile[] = {"%s%n%x", "a b c", "quo\"te'd", "ünï✓-ü", "a/b"};
	char big[501];
	struct got g;

	set_user("bob", 3, "pw", false);
	CHECK_EQ_INT(lookup(w, "bob", 3, false, &g), 0, "lookup started");
	CHECK(g.n == 1 && key_is(&g, "bob", 3, "pw"), "found: MD5 key from redis");
	CHECK(!g.key[0].has_sha256, "no SHA-256 key without tern/…/sha256-key");
	CHECK_EQ_INT(g.limits.max_bps, 0, "no realm limits");
	lookup(w, "nobody", 6, false, &g);
	CHECK_EQ_INT(g.status, -ENOENT, "unknown user: -ENOENT");
	set_user("sha", 3, "pw2", true);
	lookup(w, "sha", 3, false, &g);
	CHECK(key_is(&g, "sha", 3, "pw2") && g.key[0].has_sha256, "SHA-256 key too");
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		set_user(hostile[i], strlen(hostile[i]), "hp", false);
		lookup(w, hostile[i], strlen(hostile[i]), false, &g);
		CHECK(key_is(&g, hostile[i], strlen(hostile[i]), "hp"), "hostile name %zu", i);
	}
	memset(big, 'x', 500);
	big[500] = '\0';
	set_user(big, 500, "bp", false);
	lookup(w, big, 500, false, &g);
	CHECK(key_is(&g, big, 500, "bp"), "500-byte name");
	lookup(w, "a", 1, false, &g);
	CHECK_EQ_INT(g.status, -ENOENT, "\"a\" is not \"a/b\"");
}

static void test_realm(struct cred_redis_worker *w)
{
	const char *user = "4102444800:carol";
	struct cred_key k;
	struct got g;

	side_cmd3("SET", "turn/realm/" REALM "/max-bps", "64000");
	side_cmd3("SET", "turn/realm/" REALM "/user-quota", "3");
	side_cmd3("SET", "turn/realm/" REALM "/total-quota", "100");
	set_user("lim", 3, "pw", false);
	lookup(w, "lim", 3, false, &g);
	CHECK(g.status == 0 && g.limits.max_bps == 64000 && g.limits.user_quota == 3 &&
		      g.limits.total_quota == 100,
	      "realm limits with the user");
	side_cmd3("SADD", "turn/realm/" REALM "/secret", "s1");
	side_cmd3("SADD", "turn/realm/" REALM "/secret", "s2");
	lookup(w, user, strlen(user), true, &g);
	CHECK_EQ_INT(g.status, 0, "REST: answered");
	CHECK_EQ_INT(g.nkeys, 2, "one key per secret in redis (static ones are another store)");
	auth_rest_key("s1", 2, user, strlen(user), REALM, strlen(REALM), &k);
	CHECK(!memcmp(g.key[0].md5, k.md5, 16) || !memcmp(g.key[1].md5, k.md5, 16),
	      "a key from s1");
	auth_rest_key("s2", 2, user, strlen(user), REALM, strlen(REALM), &k);
	CHECK(!memcmp(g.key[0].md5, k.md5, 16) || !memcmp(g.key[1].md5, k.md5, 16),
	      "a key from s2");
	CHECK_EQ_INT(g.limits.max_bps, 64000, "REST: realm limits too");
}

/* The auth/cred.h views: REST secrets and users through the interface; each view holds a
 * reference on the worker, which outlives both. */
static void test_views(struct cred_redis_worker *w)
{
	const char *user = "4102444800:carol";
	struct cred_query q = {
		.realm = REALM, .realm_len = strlen(REALM), .user = user, .user_len = strlen(user)};
	struct cred_store users, rest;
	struct got g = {0};

	cred_redis_store(w, false, &users);
	cred_redis_store(w, true, &rest);
	CHECK(users.ops->peer_verdict == rest.ops->peer_verdict && users.impl == rest.impl,
	      "views share the worker and its peer lists");
	CHECK_EQ_INT(cred_lookup(&rest, &q, got_cb, &g), 0, "REST view: lookup");
	wait_for(&g, 3000);
	CHECK(g.n == 1 && g.status == 0 && g.nkeys == 2, "REST view: the realm's two secrets");
	memset(&g, 0, sizeof(g));
	q.user = "lim";
	q.user_len = 3;
	CHECK_EQ_INT(cred_lookup(&users, &q, got_cb, &g), 0, "user view: lookup");
	wait_for(&g, 3000);
	CHECK(g.n == 1 && g.status == 0 && g.nkeys == 1, "user view: the user's key");
	rest.ops->free(rest.impl);
	users.ops->free(users.impl);
	memset(&g, 0, sizeof(g));
	CHECK(lookup(w, "lim", 3, false, &g) == 0 && g.status == 0,
	      "the worker outlives its views");
}

static void test_invalidate(struct cred_redis_worker *w)
{
	struct got g;

	set_user("dave", 4, "pw", false);
	lookup(w, "dave", 4, false, &g);
	CHECK_EQ_INT(g.status, 0, "dave found");
	side_cmd2("DEL", "turn/realm/" REALM "/user/dave/key");
	lookup(w, "dave", 4, false, &g);
	CHECK_EQ_INT(g.status, 0, "deleted but cached");
	CHECK_EQ_INT(g.n, 1, "cached answer is synchronous");
	side_cmd3("PUBLISH", "tern/invalidate", REALM "/dave");
	spin(100);
	lookup(w, "dave", 4, false, &g);
	CHECK_EQ_INT(g.status, -ENOENT, "invalidated: refused at once");
	set_user("erin", 4, "pw", false);
	lookup(w, "erin", 4, false, &g);
	side_cmd2("DEL", "turn/realm/" REALM "/user/erin/key");
	side_cmd3("PUBLISH", "tern/invalidate", REALM);
	spin(100);
	lookup(w, "erin", 4, false, &g);
	CHECK_EQ_INT(g.status, -ENOENT, "realm invalidation");
	set_user("erin", 4, "pw", false);
	lookup(w, "erin", 4, false, &g);
	side_cmd2("DEL", "turn/realm/" REALM "/user/erin/key");
	side_cmd3("PUBLISH", "tern/invalidate", "*");
	spin(100);
	lookup(w, "erin", 4, false, &g);
	CHECK_EQ_INT(g.status, -ENOENT, "\"*\" invalidation");
}

/* The realm's verdict on ip. */
static int verdict(struct cred_redis_worker *w, const char *realm, const char *ip)
{
	struct addr a;

	addr_parse(&a, ip, 9);
	return cred_redis_peer_verdict(w, realm, strlen(realm), &a);
}

#define PEERS_ALLOWED "turn/realm/" REALM "/allowed-peer-ip"
#define PEERS_DENIED  "turn/realm/" REALM "/denied-peer-ip"

static void test_peers(struct cred_redis_worker *w)
{
	side_cmd3("SADD", PEERS_ALLOWED, "127.0.0.1");
	side_cmd3("SADD", PEERS_ALLOWED, "10.0.0.5");
	side_cmd3("SADD", PEERS_ALLOWED, "not-a-range");
	side_cmd3("SADD", PEERS_DENIED, "8.8.8.8");
	side_cmd3("SADD", PEERS_DENIED, "10.0.0.0-10.0.0.255");
	side_cmd3("SADD", PEERS_DENIED, "2001:db8::/32");
	CHECK_EQ_INT(verdict(w, REALM, "127.0.0.1"), 0, "first use: no copy yet, no opinion");
	spin(100);
	CHECK_EQ_INT(verdict(w, REALM, "127.0.0.1"), 1, "fetched: allowed");
	CHECK_EQ_INT(verdict(w, REALM, "8.8.8.8"), -1, "denied");
	CHECK_EQ_INT(verdict(w, REALM, "8.8.4.4"), 0, "in neither: no opinion");
	CHECK_EQ_INT(verdict(w, REALM, "10.0.0.5"), 1, "allowed wins over a denied range");
	CHECK_EQ_INT(verdict(w, REALM, "10.0.0.6"), -1, "first-last range denied");
	CHECK_EQ_INT(verdict(w, REALM, "10.0.1.0"), 0, "past the range");
	CHECK_EQ_INT(verdict(w, REALM, "2001:db8::7"), -1, "IPv6 prefix denied");
	CHECK_EQ_INT(verdict(w, "other.realm", "8.8.8.8"), 0, "another realm: its own lists");
	side_cmd3("SREM", PEERS_ALLOWED, "127.0.0.1");
	CHECK_EQ_INT(verdict(w, REALM, "127.0.0.1"), 1, "removed but cached");
	side_cmd3("PUBLISH", "tern/invalidate", REALM "/bob");
	spin(100);
	CHECK_EQ_INT(verdict(w, REALM, "127.0.0.1"), 1, "a user's invalidation keeps the lists");
	side_cmd3("PUBLISH", "tern/invalidate", REALM);
	spin(100);
	CHECK_EQ_INT(verdict(w, REALM, "127.0.0.1"), 0, "realm invalidation: fetched again");
	CHECK_EQ_INT(verdict(w, REALM, "8.8.8.8"), -1, "the rest still denied");
	side_cmd3("SADD", PEERS_DENIED, "9.9.9.9");
	side_cmd3("PUBLISH", "tern/invalidate", "*");
	spin(100);
	CHECK_EQ_INT(verdict(w, REALM, "9.9.9.9"), -1, "\"*\" invalidation: fetched again");
	side_cmd2("DEL", PEERS_DENIED);
	side_cmd2("DEL", PEERS_ALLOWED);
	side_cmd3("PUBLISH", "tern/invalidate", REALM);
	spin(100);
	CHECK_EQ_INT(verdict(w, REALM, "8.8.8.8"), 0, "lists deleted: no opinion");
}

/* A second worker store with a short TTL and the realm prefetched at creation. */
/* Milliseconds of the monotonic clock (the store's own clock). */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Long enough that the checks before it expires cannot outlast it on a loaded machine
 * (the spins below are counted in turns of the loop, which take longer than asked). */
#define PEERS_TEST_TTL_MS 1000

static void test_peers_refresh(const char *conninfo)
{
	struct cred_redis_opts o = {.conninfo = conninfo, .cache_ttl_ms = PEERS_TEST_TTL_MS};
	struct cred_redis *r;
	struct cred_redis_worker *w;
	char why[128];
	long long subs = side_numsub(), t0;

	side_cmd3("SADD", PEERS_DENIED, "1.2.3.4");
	if (cred_redis_new(&o, &r, why, sizeof(why)) < 0) {
		CHECK(false, "second store: %s", why);
		return;
	}
	if (cred_redis_worker_new(r, base, &w) < 0) {
		CHECK(false, "second worker store");
		cred_redis_free(r);
		return;
	}
	/* The subscriber's connection drops every copy when it comes up (invalidations may have
	 * been missed): prefetch once it is subscribed, so that drop cannot come in between. */
	for (int i = 0; i < 300 && side_numsub() <= subs; i++)
		spin(10);
	CHECK(side_numsub() > subs, "second store subscribed to invalidations");
	t0 = mono_ms();
	CHECK_EQ_INT(cred_redis_peers_prefetch(w, REALM, strlen(REALM)), 0, "prefetch");
	spin(200);
	CHECK_EQ_INT(verdict(w, REALM, "1.2.3.4"), -1, "prefetched: ready for the first use");
	side_cmd3("SREM", PEERS_DENIED, "1.2.3.4");
	CHECK_EQ_INT(verdict(w, REALM, "1.2.3.4"), -1, "changed without invalidation: cached");
	CHECK(mono_ms() - t0 < PEERS_TEST_TTL_MS, "the checks above ran within the TTL (%lld ms)",
	      mono_ms() - t0);
	while (mono_ms() - t0 < PEERS_TEST_TTL_MS + 100)
		spin(20);
	CHECK_EQ_INT(verdict(w, REALM, "1.2.3.4"), -1, "past the TTL: stale copy while refreshing");
	spin(100);
	CHECK_EQ_INT(verdict(w, REALM, "1.2.3.4"), 0, "refreshed");
	for (int i = 0; i < 20; i++) {
		char realm[16];

		snprintf(realm, sizeof(realm), "r%d", i);
		verdict(w, realm, "1.2.3.4");
		spin(20);
	}
	CHECK_EQ_INT(verdict(w, "r19", "1.2.3.4"), 0, "many realms: bounded, still answered");
	cred_redis_worker_free(w);
	cred_redis_free(r);
}

static void test_bound_timeout(struct cred_redis_worker *w)
{
	struct got g[5];
	struct cred_query q = {.realm = REALM, .realm_len = strlen(REALM)};
	char names[5][8];
	int rc = 0, ntimeout = 0, nio = 0;

	kill(redis_pid, SIGSTOP);
	memset(g, 0, sizeof(g));
	for (int i = 0; i < 4; i++) {
		q.user = names[i];
		q.user_len = (size_t)snprintf(names[i], sizeof(names[i]), "p%d", i);
		rc |= cred_redis_lookup(w, &q, false, got_cb, &g[i]);
	}
	CHECK_EQ_INT(rc, 0, "4 lookups pending");
	q.user = "p4";
	q.user_len = 2;
	CHECK_EQ_INT(cred_redis_lookup(w, &q, false, got_cb, &g[4]), -EAGAIN,
		     "the 5th: -EAGAIN (bound 4)");
	wait_for(&g[3], 1000);
	for (int i = 0; i < 4; i++)
		ntimeout += g[i].status == -ETIMEDOUT, nio += g[i].status == -EIO;
	/* The first to time out drops the stalled connection: the others fail with it. */
	CHECK(ntimeout >= 1 && ntimeout + nio == 4, "no answer: -ETIMEDOUT (%d), then -EIO (%d)",
	      ntimeout, nio);
	CHECK(g[0].n == 1 && g[1].n == 1 && g[2].n == 1 && g[3].n == 1, "every lookup answered");
	CHECK_EQ_INT(cred_redis_pending(w), 0, "nothing left pending");
	kill(redis_pid, SIGCONT);
	CHECK_EQ_INT(wait_status(w, "bob", 0, 3000), 0, "answers again after the stall");
}

static void test_outage(struct cred_redis_worker *w)
{
	struct got g;

	redis_stop();
	spin(100);
	lookup(w, "zed", 3, false, &g);
	CHECK_EQ_INT(g.status, -EIO, "redis stopped: -EIO");
	lookup(w, "zed2", 4, false, &g);
	CHECK_EQ_INT(g.status, -EIO, "still -EIO");
	redis_start();
	set_user("zed", 3, "pw", false);
	CHECK_EQ_INT(wait_status(w, "zed", 0, 8000), 0, "redis restarted: lookups resume");
}

int main(void)
{
	struct cred_redis_opts o = {.cache_ttl_ms = 60000, .pending_max = 4, .timeout_ms = 300};
	char conninfo[128], why[128];
	struct cred_redis *r;
	struct cred_redis_worker *w;

	if (system("command -v redis-server >/dev/null 2>&1") != 0) {
		printf("ok 1 # SKIP no redis-server\n1..1\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	port = free_port();
	redis_start();
	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1 port=%d dbname=0 timeout=2", port);
	o.conninfo = conninfo;
	base = event_base_new();
	CHECK_EQ_INT(cred_redis_new(&o, &r, why, sizeof(why)), 0, "store created");
	CHECK_EQ_INT(cred_redis_worker_new(r, base, &w), 0, "worker store created");
	spin(200);
	test_lookups(w);
	test_realm(w);
	test_views(w);
	test_invalidate(w);
	test_peers(w);
	test_peers_refresh(conninfo);
	test_bound_timeout(w);
	test_outage(w);
	cred_redis_worker_free(w);
	cred_redis_free(r);
	event_base_free(base);
	redis_stop();
	return tap_done();
}
