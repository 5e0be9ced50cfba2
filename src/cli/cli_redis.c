/* ternctl's Redis connection and commands: hiredis's synchronous API, argument vectors
 * only (no format strings), SCAN for listing, never SAVE/BGSAVE. */
#include "config.h"

#include "cli/cli_redis.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/xmalloc.h"
#include "cred/redis_conf.h"

struct cli_redis {
	redisContext *rc;
};

static int conn_error(const struct cli *c, const char *what)
{
	redisContext *rc = c->db ? c->db->rc : NULL;

	return cli_fail(c, CLI_USAGE, "redis: %s: %s", what,
			rc && rc->errstr[0] ? rc->errstr : "connection failed");
}

/* Runs argv; returns the reply (caller frees) or NULL after printing the error. An error
 * reply is returned too (callers check it with reply_refused). */
static redisReply *run(const struct cli *c, const char *const *argv)
{
	size_t lens[16];
	int n = 0;
	redisReply *r;

	for (; argv[n]; n++) {
		if (n == (int)(sizeof(lens) / sizeof(lens[0])))
			abort(); /* a programming error: no command here has that many words */
		lens[n] = strlen(argv[n]);
	}
	r = redisCommandArgv(c->db->rc, n, (const char **)argv, lens);
	if (!r)
		conn_error(c, argv[0]);
	return r;
}

/* Prints an error reply; returns CLI_REFUSED for one, CLI_OK otherwise. */
static int reply_refused(const struct cli *c, const redisReply *r, const char *cmd)
{
	if (r->type != REDIS_REPLY_ERROR)
		return CLI_OK;
	return cli_fail(c, CLI_REFUSED, "redis %s: %s", cmd, r->str);
}

static int auth_select(const struct cli *c, const struct cred_redis_conf *conf)
{
	char dbs[16];
	int rc = CLI_OK;

	snprintf(dbs, sizeof(dbs), "%u", conf->dbname);
	if (conf->password[0] && conf->user[0])
		rc = cli_db_ok(c, CLI_ARGV("AUTH", conf->user, conf->password));
	else if (conf->password[0])
		rc = cli_db_ok(c, CLI_ARGV("AUTH", conf->password));
	if (rc == CLI_OK && conf->dbname != 0)
		rc = cli_db_ok(c, CLI_ARGV("SELECT", dbs));
	/* An AUTH or SELECT refused is a connection error. */
	return rc ? CLI_USAGE : CLI_OK;
}

/* A short command (at most 4 words) on rc, quietly: the reply or NULL. */
static redisReply *argv_cmd(redisContext *rc, const char *const *argv)
{
	size_t lens[4];
	int n = 0;

	for (; argv[n] && n < 4; n++)
		lens[n] = strlen(argv[n]);
	return redisCommandArgv(rc, n, (const char **)argv, lens);
}

/* Asks sentinel s for the master's address into *out (a blocking exchange). 0, or -1 with
 * the reason in err. */
static int sentinel_query(const struct cred_redis_conf *conf, const struct cred_redis_addr *s,
			  struct timeval tv, struct cred_redis_addr *out, char *err, size_t len)
{
	redisContext *rc = redisConnectWithTimeout(s->host, s->port, tv);
	redisReply *r = NULL;
	char hp[CRED_REDIS_HOST_MAX + 16];
	int ok = -1;

	if (!rc || rc->err)
		goto out;
	redisSetTimeout(rc, tv);
	if (conf->sentinel_password[0]) {
		r = argv_cmd(rc, CLI_ARGV("AUTH", conf->sentinel_password));
		if (!r || r->type == REDIS_REPLY_ERROR)
			goto out;
		freeReplyObject(r);
	}
	r = argv_cmd(rc, CLI_ARGV("SENTINEL", "get-master-addr-by-name", conf->master));
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING &&
	    snprintf(hp, sizeof(hp), strchr(r->element[0]->str, ':') ? "[%s]:%s" : "%s:%s",
		     r->element[0]->str, r->element[1]->str) < (int)sizeof(hp) &&
	    cred_redis_addr_parse(hp, strlen(hp), 6379, out) == 0)
		ok = 0;
out:
	if (ok < 0)
		snprintf(err, len, "sentinel %s:%u: %s", s->host, s->port,
			 rc && rc->err			     ? rc->errstr
			 : r && r->type == REDIS_REPLY_ERROR ? r->str
			 : rc				     ? "master name unknown"
							     : "out of memory");
	if (r)
		freeReplyObject(r);
	if (rc)
		redisFree(rc);
	return ok;
}

/* 1 when the server of tmp says ROLE master. */
static int is_master(const struct cli *tmp)
{
	redisReply *r = argv_cmd(tmp->db->rc, CLI_ARGV("ROLE"));
	int yes = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
		  r->element[0]->type == REDIS_REPLY_STRING &&
		  strcmp(r->element[0]->str, "master") == 0;

	if (r)
		freeReplyObject(r);
	return yes;
}

/* Connects tmp->db to host:port, authenticates and selects. CLI_OK or an exit status
 * (printed). */
static int connect_to(struct cli *tmp, const struct cred_redis_conf *conf, const char *host,
		      unsigned port, struct timeval tv)
{
	tmp->db->rc = redisConnectWithTimeout(host, (int)port, tv);
	if (!tmp->db->rc || tmp->db->rc->err)
		return cli_fail(tmp, CLI_USAGE, "redis: cannot connect to %s:%u: %s", host, port,
				tmp->db->rc ? tmp->db->rc->errstr : "out of memory");
	redisSetTimeout(tmp->db->rc, tv);
	return auth_select(tmp, conf);
}

/* Through the sentinels: the first master they name that says ROLE master. */
static int connect_sentinels(struct cli *tmp, const struct cred_redis_conf *conf, struct timeval tv)
{
	struct cred_redis_addr m;
	char err[256] = "no sentinel";

	for (unsigned i = 0; i < conf->nsentinels; i++) {
		if (sentinel_query(conf, &conf->sentinel[i], tv, &m, err, sizeof(err)) < 0)
			continue;
		if (connect_to(tmp, conf, m.host, m.port, tv) == CLI_OK && is_master(tmp))
			return CLI_OK;
		snprintf(err, sizeof(err), "%s:%u (from sentinel %s:%u) is not a usable master",
			 m.host, m.port, conf->sentinel[i].host, conf->sentinel[i].port);
		if (tmp->db->rc)
			redisFree(tmp->db->rc);
		tmp->db->rc = NULL;
	}
	return cli_fail(tmp, CLI_USAGE, "redis: no master named %s: %s", conf->master, err);
}

int cli_redis_connect(const struct cli *c, const char *conninfo, struct cli_redis **out)
{
	struct cred_redis_conf conf;
	struct cli tmp = *c;
	struct timeval tv;
	char err[160];
	int rc;

	if (!conninfo)
		conninfo = getenv(CLI_REDIS_ENV);
	if (!conninfo || !*conninfo)
		return cli_fail(c, CLI_USAGE, "no Redis: give --redis=CONNINFO or set %s",
				CLI_REDIS_ENV);
	if (cred_redis_conf_parse(conninfo, &conf, err, sizeof(err)))
		return cli_fail(c, CLI_USAGE, "bad Redis connection string: %s", err);
	tv.tv_sec = conf.connect_timeout_s ? conf.connect_timeout_s : 5;
	tv.tv_usec = 0;
	tmp.db = xcalloc(1, sizeof(*tmp.db));
	if (conf.nsentinels)
		rc = connect_sentinels(&tmp, &conf, tv);
	else
		rc = connect_to(&tmp, &conf, conf.host, conf.port, tv);
	if (rc) {
		cli_redis_close(tmp.db);
		return rc;
	}
	*out = tmp.db;
	return CLI_OK;
}

void cli_redis_close(struct cli_redis *db)
{
	if (!db)
		return;
	if (db->rc)
		redisFree(db->rc);
	free(db);
}

int cli_db_ok(const struct cli *c, const char *const *argv)
{
	redisReply *r = run(c, argv);
	int rc;

	if (!r)
		return CLI_USAGE;
	rc = reply_refused(c, r, argv[0]);
	freeReplyObject(r);
	return rc;
}

int cli_db_int(const struct cli *c, long long *out, const char *const *argv)
{
	redisReply *r = run(c, argv);
	int rc;

	if (!r)
		return CLI_USAGE;
	rc = reply_refused(c, r, argv[0]);
	if (rc == CLI_OK && r->type != REDIS_REPLY_INTEGER)
		rc = cli_fail(c, CLI_REFUSED, "redis %s: unexpected reply type %d", argv[0],
			      r->type);
	if (rc == CLI_OK)
		*out = r->integer;
	freeReplyObject(r);
	return rc;
}

int cli_db_get(const struct cli *c, char **out, const char *const *argv)
{
	redisReply *r = run(c, argv);
	int rc;

	if (!r)
		return CLI_USAGE;
	rc = reply_refused(c, r, argv[0]);
	if (rc == CLI_OK && r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL)
		rc = cli_fail(c, CLI_REFUSED, "redis %s: unexpected reply type %d", argv[0],
			      r->type);
	if (rc == CLI_OK)
		*out = r->type == REDIS_REPLY_STRING ? xstrdup(r->str) : NULL;
	freeReplyObject(r);
	return rc;
}

/* Appends the string elements of array reply a to out. */
static void take_strings(const redisReply *a, struct cli_strv *out)
{
	for (size_t i = 0; i < a->elements; i++)
		if (a->element[i]->type == REDIS_REPLY_STRING)
			cli_strv_push(out, xstrdup(a->element[i]->str));
}

int cli_db_members(const struct cli *c, const char *key, struct cli_strv *out)
{
	redisReply *r = run(c, CLI_ARGV("SMEMBERS", key));
	int rc;

	if (!r)
		return CLI_USAGE;
	rc = reply_refused(c, r, "SMEMBERS");
	if (rc == CLI_OK && r->type == REDIS_REPLY_ARRAY)
		take_strings(r, out);
	freeReplyObject(r);
	cli_strv_sort_uniq(out);
	return rc;
}

int cli_db_scan(const struct cli *c, const char *pattern, struct cli_strv *out)
{
	char cursor[32] = "0";
	redisReply *r;
	int rc;

	do {
		r = run(c, CLI_ARGV("SCAN", cursor, "MATCH", pattern, "COUNT", "1000"));
		if (!r)
			return CLI_USAGE;
		rc = reply_refused(c, r, "SCAN");
		if (rc == CLI_OK && (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
				     r->element[0]->type != REDIS_REPLY_STRING ||
				     r->element[1]->type != REDIS_REPLY_ARRAY))
			rc = cli_fail(c, CLI_REFUSED, "redis SCAN: unexpected reply");
		if (rc == CLI_OK) {
			snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
			take_strings(r->element[1], out);
		}
		freeReplyObject(r);
		if (rc)
			return rc;
	} while (strcmp(cursor, "0") != 0);
	cli_strv_sort_uniq(out);
	return CLI_OK;
}

int cli_db_exec(const struct cli *c)
{
	redisReply *r = run(c, CLI_ARGV("EXEC"));
	int rc;

	if (!r)
		return CLI_USAGE;
	rc = reply_refused(c, r, "EXEC");
	if (rc == CLI_OK && r->type != REDIS_REPLY_ARRAY)
		rc = cli_fail(c, CLI_REFUSED, "redis EXEC: transaction aborted");
	for (size_t i = 0; rc == CLI_OK && i < r->elements; i++)
		rc = reply_refused(c, r->element[i], "EXEC");
	freeReplyObject(r);
	return rc;
}

int cli_db_invalidate(const struct cli *c, const char *realm, const char *user)
{
	struct cred_redis_name n = {realm, strlen(realm), user, user ? strlen(user) : 0};
	size_t cap = n.rlen + n.ulen + 2;
	char *msg = xmalloc(cap);
	long long num;
	int rc;

	if (cred_redis_key_inval(msg, cap, &n) < 0)
		abort();
	rc = cli_db_int(c, &num, CLI_ARGV("PUBLISH", CRED_REDIS_CHANNEL, msg));
	free(msg);
	return rc;
}
