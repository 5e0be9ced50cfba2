/* One Redis connection with reconnect and backoff (cred/redis_conn.h). The only file that
 * includes hiredis's libevent adapter (its functions are static to the includer). */
#include "cred/redis_conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>

#include "base/log.h"

#define CONN_BACKOFF_MIN_MS	 100
#define CONN_BACKOFF_MAX_MS	 5000
#define CONN_BACKOFF_SENTINEL_MS 1000

static void conn_arm(struct cred_redis_conn *c, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_add(c->timer, &tv);
}

static void conn_mark_down(struct cred_redis_conn *c, const char *err)
{
	if (c->down)
		return;
	c->down = true;
	if (c->health && atomic_fetch_add(&c->health->down, 1) == 0)
		log_warn("cred", "redis unreachable addr=%s:%u err=\"%s\"", c->host, c->port, err);
	else
		log_debug("cred", "redis connection down addr=%s:%u err=\"%s\"", c->host, c->port,
			  err);
}

static void conn_mark_up(struct cred_redis_conn *c)
{
	if (!c->up && c->health)
		atomic_fetch_add(&c->health->up, 1);
	c->up = true;
	c->backoff_ms = CONN_BACKOFF_MIN_MS;
	event_del(c->timer);
	if (c->down) {
		c->down = false;
		if (c->health && atomic_fetch_sub(&c->health->down, 1) == 1)
			log_info("cred", "redis connected again addr=%s:%u", c->host, c->port);
	} else if (c->health && !atomic_exchange(&c->health->announced, true)) {
		log_info("cred", "redis connected addr=%s:%u db=%u", c->host, c->port,
			 c->conf->dbname);
	}
	if (c->on_up)
		c->on_up(c->arg);
}

/* The context is gone (already freed or being freed by hiredis): reconnect later. */
static void conn_lost(struct cred_redis_conn *c, const char *err)
{
	bool was_up = c->up;
	unsigned max;

	if (was_up && c->health)
		atomic_fetch_sub(&c->health->up, 1);
	c->ac = NULL;
	c->up = false;
	if (c->closing)
		return;
	conn_mark_down(c, err);
	conn_arm(c, c->backoff_ms);
	max = c->conf->nsentinels ? CONN_BACKOFF_SENTINEL_MS : CONN_BACKOFF_MAX_MS;
	c->backoff_ms = c->backoff_ms * 2 > max ? max : c->backoff_ms * 2;
	if (was_up && c->on_down)
		c->on_down(c->arg);
}

static void conn_on_connect(const redisAsyncContext *ac, int status)
{
	struct cred_redis_conn *c = ac->data;

	/* On failure hiredis frees the context after this returns. */
	if (status != REDIS_OK && c && c->ac == ac)
		conn_lost(c, ac->errstr[0] ? ac->errstr : "connect failed");
}

static void conn_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct cred_redis_conn *c = ac->data;

	(void)status;
	if (c && c->ac == ac)
		conn_lost(c, ac->errstr[0] ? ac->errstr : "connection closed");
}

/* The replies to AUTH and SELECT: the connection is ready after SELECT. */
static void conn_on_setup(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_conn *c = ac->data;
	const redisReply *r = reply;

	if (!c || c->ac != ac || r == NULL)
		return; /* the context is going away: conn_on_disconnect handles it */
	if (r->type == REDIS_REPLY_ERROR) {
		conn_mark_down(c, r->str);
		redisAsyncDisconnect(ac);
		return;
	}
	if (privdata && !c->up)
		conn_mark_up(c);
}

/* The reply to ROLE (through sentinels only): a replica is not used. */
static void conn_on_role(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_conn *c = ac->data;
	const redisReply *r = reply;

	(void)privdata;
	if (!c || c->ac != ac || r == NULL)
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "master")) {
		conn_mark_down(c, "not a master (failover under way?)");
		redisAsyncDisconnect(ac);
		return;
	}
	if (!c->up)
		conn_mark_up(c);
}

/* AUTH [user] password, then SELECT db, as argument vectors. */
static void conn_setup(struct cred_redis_conn *c)
{
	const struct cred_redis_conf *cf = c->conf;
	char db[16];
	const char *argv[3] = {"AUTH"};
	int argc = 1;

	if (cf->password[0]) {
		if (cf->user[0])
			argv[argc++] = cf->user;
		argv[argc++] = cf->password;
		redisAsyncCommandArgv(c->ac, conn_on_setup, NULL, argc, argv, NULL);
	}
	snprintf(db, sizeof(db), "%u", cf->dbname);
	argv[0] = "SELECT";
	argv[1] = db;
	/* privdata non-NULL marks the SELECT reply; through sentinels, ROLE's reply. */
	redisAsyncCommandArgv(c->ac, conn_on_setup, cf->nsentinels ? NULL : c, 2, argv, NULL);
	if (cf->nsentinels) {
		argv[0] = "ROLE";
		redisAsyncCommandArgv(c->ac, conn_on_role, NULL, 1, argv, NULL);
	}
}

static unsigned conn_timeout_ms(const struct cred_redis_conn *c)
{
	return c->conf->connect_timeout_s ? c->conf->connect_timeout_s * 1000 : 5000;
}

static void conn_connect(struct cred_redis_conn *c)
{
	redisAsyncContext *ac = redisAsyncConnect(c->host, (int)c->port);

	if (ac == NULL || ac->err || cred_redis_conn_attach(ac, c->base) < 0) {
		char err[128];

		snprintf(err, sizeof(err), "%s", ac && ac->errstr[0] ? ac->errstr : "no memory");
		if (ac)
			redisAsyncFree(ac);
		conn_lost(c, err);
		return;
	}
	ac->data = c;
	c->ac = ac;
	redisAsyncSetConnectCallback(ac, conn_on_connect);
	redisAsyncSetDisconnectCallback(ac, conn_on_disconnect);
	conn_setup(c);
	conn_arm(c, conn_timeout_ms(c));
}

/* Sentinel discovery: each (re)connect first asks one sentinel for the master. */
enum sentinel_end { SENTINEL_FREE, SENTINEL_DISCONNECT, SENTINEL_GONE };

/* Forgets sentinel context ac: FREE it now (timer), DISCONNECT it (inside one of its
 * reply callbacks) or leave it to hiredis (GONE: its connect or disconnect callback). */
static void sentinel_drop(struct cred_redis_conn *c, redisAsyncContext *ac, enum sentinel_end e)
{
	c->sac = NULL;
	ac->data = NULL;
	if (e == SENTINEL_FREE)
		redisAsyncFree(ac);
	else if (e == SENTINEL_DISCONNECT)
		redisAsyncDisconnect(ac);
}

/* This sentinel gave no master: ask the next one at once; after a whole round of them,
 * the connection is down and the next round waits for the backoff. */
static void sentinel_fail(struct cred_redis_conn *c, redisAsyncContext *ac, const char *why,
			  enum sentinel_end e)
{
	const struct cred_redis_addr *s = &c->conf->sentinel[c->sentinel_idx];
	char err[192];

	snprintf(err, sizeof(err), "sentinel %s:%u: %s", s->host, s->port, why);
	sentinel_drop(c, ac, e);
	c->sentinel_idx = (c->sentinel_idx + 1) % c->conf->nsentinels;
	if (++c->sentinel_tries < c->conf->nsentinels) {
		log_debug("cred", "redis %s", err);
		conn_arm(c, 0);
		return;
	}
	c->sentinel_tries = 0;
	conn_lost(c, err);
}

static void sentinel_on_connect(const redisAsyncContext *ac, int status)
{
	struct cred_redis_conn *c = ac->data;

	if (status != REDIS_OK && c && c->sac == ac)
		sentinel_fail(c, (redisAsyncContext *)ac,
			      ac->errstr[0] ? ac->errstr : "connect failed", SENTINEL_GONE);
}

static void sentinel_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct cred_redis_conn *c = ac->data;

	(void)status;
	if (c && c->sac == ac)
		sentinel_fail(c, (redisAsyncContext *)ac,
			      ac->errstr[0] ? ac->errstr : "connection closed", SENTINEL_GONE);
}

static void sentinel_on_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_conn *c = ac->data;
	const redisReply *r = reply;

	(void)privdata;
	if (c && c->sac == ac && r && r->type == REDIS_REPLY_ERROR)
		sentinel_fail(c, ac, r->str, SENTINEL_DISCONNECT);
}

/* The reply to SENTINEL get-master-addr-by-name: [ip, port], or nil for an unknown name. */
static void sentinel_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_conn *c = ac->data;
	const redisReply *r = reply;
	struct cred_redis_addr a;
	char hostport[CRED_REDIS_HOST_MAX + 16];

	(void)privdata;
	if (!c || c->sac != ac || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sentinel_fail(c, ac, r->str, SENTINEL_DISCONNECT);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    snprintf(hostport, sizeof(hostport),
		     strchr(r->element[0]->str, ':') ? "[%s]:%s" : "%s:%s", r->element[0]->str,
		     r->element[1]->str) >= (int)sizeof(hostport) ||
	    cred_redis_addr_parse(hostport, strlen(hostport), 6379, &a) < 0) {
		sentinel_fail(c, ac, "master name unknown", SENTINEL_DISCONNECT);
		return;
	}
	if (strcmp(a.host, c->master.host) || a.port != c->master.port)
		log_debug("cred", "redis master=%s addr=%s:%u (from sentinel)", c->conf->master,
			  a.host, a.port);
	sentinel_drop(c, ac, SENTINEL_DISCONNECT);
	c->sentinel_tries = 0;
	c->master = a;
	c->host = c->master.host;
	c->port = c->master.port;
	event_del(c->timer);
	conn_connect(c);
}

static void sentinel_ask(struct cred_redis_conn *c)
{
	const struct cred_redis_conf *cf = c->conf;
	const struct cred_redis_addr *s = &cf->sentinel[c->sentinel_idx];
	redisAsyncContext *ac = redisAsyncConnect(s->host, s->port);
	const char *argv[3] = {"AUTH", cf->sentinel_password};
	unsigned ms = conn_timeout_ms(c);

	if (ac == NULL || ac->err || cred_redis_conn_attach(ac, c->base) < 0) {
		if (ac)
			redisAsyncFree(ac);
		c->sentinel_idx = (c->sentinel_idx + 1) % cf->nsentinels;
		conn_lost(c, "sentinel: cannot connect");
		return;
	}
	ac->data = c;
	c->sac = ac;
	redisAsyncSetConnectCallback(ac, sentinel_on_connect);
	redisAsyncSetDisconnectCallback(ac, sentinel_on_disconnect);
	if (cf->sentinel_password[0])
		redisAsyncCommandArgv(ac, sentinel_on_auth, NULL, 2, argv, NULL);
	argv[0] = "SENTINEL";
	argv[1] = "get-master-addr-by-name";
	argv[2] = cf->master;
	redisAsyncCommandArgv(ac, sentinel_on_reply, NULL, 3, argv, NULL);
	conn_arm(c, ms > 2000 ? 2000 : ms);
}

/* A sentinel announced a new address for our master (+switch-master): drop what this
 * connection is doing (pending commands fail: lookups fail closed) and connect there now,
 * unless it is already there or on its way. Called from the watch's callback, never from
 * one of ac's or sac's. */
static void conn_on_switch(void *arg, const struct cred_redis_addr *a)
{
	struct cred_redis_conn *c = arg;
	redisAsyncContext *ac = c->ac;
	char why[CRED_REDIS_HOST_MAX + 48];

	if (c->closing || (ac && !strcmp(a->host, c->master.host) && a->port == c->master.port))
		return;
	snprintf(why, sizeof(why), "master switched to %s:%u", a->host, a->port);
	log_debug("cred", "redis master=%s addr=%s:%u (sentinel +switch-master)", c->conf->master,
		  a->host, a->port);
	if (c->sac)
		sentinel_drop(c, c->sac, SENTINEL_FREE);
	if (ac) {
		conn_lost(c, why);
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	c->master = *a;
	c->host = c->master.host;
	c->port = c->master.port;
	c->sentinel_tries = 0;
	c->backoff_ms = CONN_BACKOFF_MIN_MS;
	event_del(c->timer);
	conn_connect(c);
}

/* The timer: reconnect, or give up on a connect that takes too long. */
static void conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct cred_redis_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->sac)
		sentinel_fail(c, c->sac, "timeout", SENTINEL_FREE);
	else if (c->ac == NULL && c->conf->nsentinels)
		sentinel_ask(c);
	else if (c->ac == NULL)
		conn_connect(c);
	else if (!c->up)
		cred_redis_conn_fail(c, "connect timeout");
}

int cred_redis_conn_init(struct cred_redis_conn *c, struct event_base *base,
			 const struct cred_redis_conf *conf, struct cred_redis_health *health,
			 cred_redis_conn_cb on_up, cred_redis_conn_cb on_down, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->base = base;
	c->conf = conf;
	c->health = health;
	c->on_up = on_up;
	c->on_down = on_down;
	c->arg = arg;
	c->backoff_ms = CONN_BACKOFF_MIN_MS;
	c->host = conf->host;
	c->port = conf->port;
	if (conf->nsentinels) {
		snprintf(c->master.host, sizeof(c->master.host), "unknown");
		c->host = c->master.host;
		c->port = 0;
	}
	c->timer = evtimer_new(base, conn_on_timer, c);
	if (c->timer == NULL)
		return -ENOMEM;
	if (conf->nsentinels && cred_redis_watch_init(&c->watch, base, conf, conn_on_switch, c) < 0)
		return -ENOMEM;
	conn_arm(c, 0);
	return 0;
}

void cred_redis_conn_close(struct cred_redis_conn *c)
{
	redisAsyncContext *ac = c->ac;

	c->closing = true;
	cred_redis_watch_close(&c->watch);
	c->ac = NULL;
	if (c->up && c->health)
		atomic_fetch_sub(&c->health->up, 1);
	c->up = false;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	if (c->sac) {
		c->sac->data = NULL;
		redisAsyncFree(c->sac);
		c->sac = NULL;
	}
	if (c->down && c->health)
		atomic_fetch_sub(&c->health->down, 1);
	c->down = false;
	if (c->timer)
		event_free(c->timer);
	c->timer = NULL;
}

int cred_redis_conn_cmd(struct cred_redis_conn *c, redisCallbackFn *fn, void *privdata, int argc,
			const char **argv, const size_t *argvlen)
{
	/* Through sentinels nothing is sent before ROLE said master: a replica must not
	 * answer (it would, from possibly stale data). */
	if (c->ac == NULL || (c->conf->nsentinels && !c->up))
		return -EIO;
	if (redisAsyncCommandArgv(c->ac, fn, privdata, argc, argv, argvlen) != REDIS_OK)
		return -EIO;
	return 0;
}

void cred_redis_conn_fail(struct cred_redis_conn *c, const char *why)
{
	redisAsyncContext *ac = c->ac;

	if (ac == NULL)
		return;
	conn_mark_down(c, why);
	conn_lost(c, why);
	ac->data = NULL;
	redisAsyncFree(ac);
}

int cred_redis_conn_attach(redisAsyncContext *ac, struct event_base *base)
{
	return redisLibeventAttach(ac, base) == REDIS_OK ? 0 : -ENOMEM;
}
