/* A blocking Redis connection (cred/redis_sync.h). */
#include "cred/redis_sync.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

/* A short command (at most 4 words) on rc: the reply or NULL. */
static redisReply *sync_cmd(redisContext *rc, const char *a0, const char *a1, const char *a2,
			    const char *a3)
{
	const char *argv[4] = {a0, a1, a2, a3};
	size_t lens[4];
	int n = 0;

	for (; n < 4 && argv[n]; n++)
		lens[n] = strlen(argv[n]);
	return redisCommandArgv(rc, n, argv, lens);
}

/* A command whose reply must not be an error. 0 or -1 (err set). */
static int sync_ok(redisContext *rc, const char *what, const char *a0, const char *a1,
		   const char *a2, char *err, size_t len)
{
	redisReply *r = sync_cmd(rc, a0, a1, a2, NULL);
	int ok = r && r->type != REDIS_REPLY_ERROR ? 0 : -1;

	if (ok < 0)
		snprintf(err, len, "%s refused: %s", what,
			 r		 ? r->str
			 : rc->errstr[0] ? rc->errstr
					 : "no answer");
	if (r)
		freeReplyObject(r);
	return ok;
}

static redisContext *sync_open(const char *host, unsigned port, struct timeval tv, char *err,
			       size_t len)
{
	redisContext *rc = redisConnectWithTimeout(host, (int)port, tv);

	if (!rc || rc->err) {
		snprintf(err, len, "cannot connect to %s:%u: %s", host, port,
			 rc ? rc->errstr : "out of memory");
		if (rc)
			redisFree(rc);
		return NULL;
	}
	redisSetTimeout(rc, tv);
	return rc;
}

/* Asks sentinel s for the master's address into *out. 0, or -1 (err set). */
static int sync_sentinel(const struct cred_redis_conf *conf, const struct cred_redis_addr *s,
			 struct timeval tv, struct cred_redis_addr *out, char *err, size_t len)
{
	redisContext *rc = sync_open(s->host, s->port, tv, err, len);
	redisReply *r = NULL;
	char hp[CRED_REDIS_HOST_MAX + 16];
	int ok = -1;

	if (!rc)
		return -1;
	if (conf->sentinel_password[0] &&
	    sync_ok(rc, "sentinel AUTH", "AUTH", conf->sentinel_password, NULL, err, len) < 0)
		goto out;
	r = sync_cmd(rc, "SENTINEL", "get-master-addr-by-name", conf->master, NULL);
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING &&
	    snprintf(hp, sizeof(hp), strchr(r->element[0]->str, ':') ? "[%s]:%s" : "%s:%s",
		     r->element[0]->str, r->element[1]->str) < (int)sizeof(hp) &&
	    cred_redis_addr_parse(hp, strlen(hp), 6379, out) == 0)
		ok = 0;
	else
		snprintf(err, len, "sentinel %s:%u: %s", s->host, s->port,
			 r && r->type == REDIS_REPLY_ERROR ? r->str : "master name unknown");
out:
	if (r)
		freeReplyObject(r);
	redisFree(rc);
	return ok;
}

/* 1 when rc's server says ROLE master. */
static int sync_is_master(redisContext *rc)
{
	redisReply *r = sync_cmd(rc, "ROLE", NULL, NULL, NULL);
	int yes = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
		  r->element[0]->type == REDIS_REPLY_STRING &&
		  strcmp(r->element[0]->str, "master") == 0;

	if (r)
		freeReplyObject(r);
	return yes;
}

/* host:port, authenticated and the database selected; NULL (err set) on failure. */
static redisContext *sync_login(const struct cred_redis_conf *conf, const char *host, unsigned port,
				struct timeval tv, char *err, size_t len)
{
	redisContext *rc = sync_open(host, port, tv, err, len);
	char dbs[16];
	int bad = 0;

	if (!rc)
		return NULL;
	snprintf(dbs, sizeof(dbs), "%u", conf->dbname);
	if (conf->password[0] && conf->user[0])
		bad = sync_ok(rc, "AUTH", "AUTH", conf->user, conf->password, err, len);
	else if (conf->password[0])
		bad = sync_ok(rc, "AUTH", "AUTH", conf->password, NULL, err, len);
	if (!bad && conf->dbname != 0)
		bad = sync_ok(rc, "SELECT", "SELECT", dbs, NULL, err, len);
	if (bad) {
		redisFree(rc);
		return NULL;
	}
	return rc;
}

int cred_redis_sync_connect(const struct cred_redis_conf *conf, unsigned timeout_s,
			    struct redisContext **out, char *err, size_t len)
{
	struct timeval tv = {timeout_s		       ? timeout_s
			     : conf->connect_timeout_s ? conf->connect_timeout_s
						       : 5,
			     0};
	struct cred_redis_addr m;

	snprintf(err, len, "no sentinel answered");
	if (conf->nsentinels == 0)
		return (*out = sync_login(conf, conf->host, conf->port, tv, err, len)) ? 0 : -1;
	for (unsigned i = 0; i < conf->nsentinels; i++) {
		if (sync_sentinel(conf, &conf->sentinel[i], tv, &m, err, len) < 0)
			continue;
		*out = sync_login(conf, m.host, m.port, tv, err, len);
		if (*out && sync_is_master(*out))
			return 0;
		if (*out)
			redisFree(*out);
		*out = NULL;
		snprintf(err, len, "%s:%u (from sentinel %s:%u) is not a usable master", m.host,
			 m.port, conf->sentinel[i].host, conf->sentinel[i].port);
	}
	return -1;
}
