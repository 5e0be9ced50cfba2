/* USERHASH lookups of Redis users (cred/redis_userhash.h) against a real redis-server
 * started here: found through the index (the name and key answered), a hash not in the
 * index, an entry naming a user of another hash, a user gone from behind its entry, the
 * cancel, a remembered hash answered without Redis, the pending bound, the timeout of a stalled
 * Redis, Redis stopped (-EIO), and a worker freed with lookups pending. Prints a SKIP when
 * redis-server is not installed. */
#include "cred/redis.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "auth/key.h"
#include "base/codec.h"
#include "tap.h"

#define REALM "tern.local"

static int port;
static pid_t redis_pid;
static struct event_base *base;
static redisContext *side;

struct got {
	int n;
	int status;
	char user[64];
	struct cred_key key;
};

static void got_cb(void *arg, const struct cred_result *res)
{
	struct got *g = arg;

	g->n++;
	g->status = res->status;
	if (res->user)
		snprintf(g->user, sizeof(g->user), "%.*s", (int)res->user_len, res->user);
	if (res->key)
		g->key = res->key[0];
}

static void side_cmd(const char *a, const char *b, const char *c)
{
	const char *argv[3] = {a, b, c};
	redisReply *r;

	if (side == NULL || side->err) {
		if (side)
			redisFree(side);
		side = redisConnect("127.0.0.1", port);
		if (side == NULL || side->err)
			return;
	}
	r = redisCommandArgv(side, c ? 3 : 2, argv, NULL);
	if (r)
		freeReplyObject(r);
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
		side_cmd("PING", "x", NULL);
		if (side && !side->err)
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

/* The index key of user's hash (key_of: whose hash names the key). */
static void index_key(const char *key_of, char *buf, size_t cap)
{
	uint8_t h[CRYPTO_SHA256_LEN];

	auth_userhash(key_of, strlen(key_of), REALM, strlen(REALM), h);
	cred_redis_key_userhash(buf, cap, REALM, strlen(REALM), h);
}

/* user's key (MD5 of pass) and the index entry of key_of's hash naming user. */
static void set_user(const char *user, const char *pass, const char *key_of)
{
	uint8_t k[AUTH_KEY_MAX];
	char hex[2 * CRYPTO_MD5_LEN + 1], key[256];

	auth_key_derive(AUTH_KEY_MD5, user, strlen(user), REALM, strlen(REALM), pass, strlen(pass),
			k);
	codec_hex(k, CRYPTO_MD5_LEN, hex);
	snprintf(key, sizeof(key), "turn/realm/" REALM "/user/%s/key", user);
	side_cmd("SET", key, hex);
	index_key(key_of, key, sizeof(key));
	side_cmd("SET", key, user);
}

static int start(struct cred_redis_worker *w, const char *user, struct got *g)
{
	uint8_t h[CRYPTO_SHA256_LEN];
	struct cred_query q = {.realm = REALM, .realm_len = strlen(REALM), .userhash = h};

	memset(g, 0, sizeof(*g));
	auth_userhash(user, strlen(user), REALM, strlen(REALM), h);
	return cred_redis_lookup(w, &q, false, got_cb, g);
}

static int lookup(struct cred_redis_worker *w, const char *user, struct got *g)
{
	int rc = start(w, user, g);

	if (rc == 0)
		wait_for(g, 3000);
	return rc;
}

static void test_found(struct cred_redis_worker *w)
{
	struct got g;
	uint8_t k[AUTH_KEY_MAX];
	char key[256];

	set_user("alice", "alice-pw", "alice");
	auth_key_derive(AUTH_KEY_MD5, "alice", 5, REALM, strlen(REALM), "alice-pw", 8, k);
	CHECK_EQ_INT(lookup(w, "alice", &g), 0, "alice's hash: started");
	CHECK(g.n == 1 && g.status == 0 && strcmp(g.user, "alice") == 0,
	      "alice's hash: found, named alice (%d, %d, %s)", g.n, g.status, g.user);
	CHECK(g.key.has_md5 && memcmp(g.key.md5, k, CRYPTO_MD5_LEN) == 0, "alice's MD5 key");
	lookup(w, "nobody", &g);
	CHECK(g.n == 1 && g.status == -ENOENT && g.user[0] == '\0',
	      "a hash not in the index: -ENOENT");
	/* mallory's hash naming alice must not let alice's key stand for it. */
	set_user("alice", "alice-pw", "mallory");
	lookup(w, "mallory", &g);
	CHECK_EQ_INT(g.status, -ENOENT, "an entry naming a user of another hash: -ENOENT");
	/* The entry outlives the user's key (deleted with its invalidation): -ENOENT. */
	side_cmd("DEL", "turn/realm/" REALM "/user/alice/key", NULL);
	side_cmd("PUBLISH", "tern/invalidate", REALM "/alice");
	spin(100);
	lookup(w, "alice", &g);
	CHECK_EQ_INT(g.status, -ENOENT, "the user gone, its entry left: -ENOENT");
	index_key("alice", key, sizeof(key));
	side_cmd("DEL", key, NULL);
	lookup(w, "alice", &g);
	CHECK_EQ_INT(g.status, -ENOENT, "entry deleted: -ENOENT");
}

static void test_cancel(struct cred_redis_worker *w)
{
	struct got g;

	set_user("bob", "bob-pw", "bob");
	CHECK_EQ_INT(start(w, "bob", &g), 0, "bob: started");
	cred_redis_cancel(w, got_cb, &g);
	spin(200);
	CHECK_EQ_INT(g.n, 0, "cancelled: no callback");
	CHECK_EQ_INT(cred_redis_pending(w), 0, "cancelled: nothing pending in the store");
	lookup(w, "bob", &g);
	CHECK(g.status == 0 && strcmp(g.user, "bob") == 0, "bob found after a cancel");
	/* Remembered hash, cached name: answered inside the call, Redis not asked. */
	kill(redis_pid, SIGSTOP);
	CHECK(start(w, "bob", &g) == 0 && g.n == 1 && g.status == 0 && strcmp(g.user, "bob") == 0,
	      "bob again with Redis stalled: answered at once from the caches");
	kill(redis_pid, SIGCONT);
}

static void test_bound_timeout(struct cred_redis_worker *w)
{
	struct got g[5];
	int rc = 0, nfail = 0, ntimeout = 0;

	kill(redis_pid, SIGSTOP);
	for (int i = 0; i < 4; i++)
		rc |= start(w, "carol", &g[i]);
	CHECK_EQ_INT(rc, 0, "4 USERHASH lookups pending");
	CHECK_EQ_INT(start(w, "carol", &g[4]), -EAGAIN, "the 5th: -EAGAIN (bound 4)");
	wait_for(&g[3], 1000);
	for (int i = 0; i < 4; i++) {
		nfail += g[i].n == 1 && (g[i].status == -ETIMEDOUT || g[i].status == -EIO);
		ntimeout += g[i].status == -ETIMEDOUT;
	}
	CHECK(nfail == 4 && ntimeout >= 1, "stalled Redis: each answered once, -ETIMEDOUT (%d)",
	      ntimeout);
	kill(redis_pid, SIGCONT);
	for (int i = 0; i < 60 && g[0].status != 0; i++) {
		spin(50);
		lookup(w, "bob", &g[0]);
	}
	CHECK(g[0].status == 0 && strcmp(g[0].user, "bob") == 0, "answers again after the stall");
}

static void test_outage(struct cred_redis_worker *w, struct cred_redis *r)
{
	struct got g, h;

	redis_stop();
	spin(100);
	lookup(w, "carol", &g);
	CHECK_EQ_INT(g.status, -EIO, "redis stopped: -EIO");
	redis_start();
	set_user("bob", "bob-pw", "bob");
	for (int i = 0; i < 160 && g.status != 0; i++) {
		spin(50);
		lookup(w, "bob", &g);
	}
	CHECK_EQ_INT(g.status, 0, "redis restarted: USERHASH lookups resume");
	/* Freed with a lookup pending (Redis stalled): no callback, nothing leaked (ASan). */
	kill(redis_pid, SIGSTOP);
	cred_redis_worker_free(w);
	CHECK_EQ_INT(cred_redis_worker_new(r, base, &w), 0, "a new worker store");
	spin(100);
	CHECK_EQ_INT(start(w, "bob", &h), 0, "a lookup pending on the stalled Redis");
	cred_redis_worker_free(w);
	kill(redis_pid, SIGCONT);
	spin(100);
	CHECK_EQ_INT(h.n, 0, "worker freed: the pending lookup's callback never runs");
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
	test_found(w);
	test_cancel(w);
	test_bound_timeout(w);
	test_outage(w, r);
	cred_redis_free(r);
	event_base_free(base);
	redis_stop();
	return tap_done();
}
