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
#include "cred/redis_sync.h"

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

int cli_redis_connect(const struct cli *c, const char *conninfo, struct cli_redis **out)
{
	struct cred_redis_conf conf;
	struct cli_redis *db;
	char err[320];

	if (!conninfo)
		conninfo = getenv(CLI_REDIS_ENV);
	if (!conninfo || !*conninfo)
		return cli_fail(c, CLI_USAGE, "no Redis: give --redis=CONNINFO or set %s",
				CLI_REDIS_ENV);
	if (cred_redis_conf_parse(conninfo, &conf, err, sizeof(err)))
		return cli_fail(c, CLI_USAGE, "bad Redis connection string: %s", err);
	db = xcalloc(1, sizeof(*db));
	if (cred_redis_sync_connect(&conf, 0, &db->rc, err, sizeof(err)) < 0) {
		cli_redis_close(db);
		if (conf.nsentinels)
			return cli_fail(c, CLI_USAGE, "redis: no master named %s: %s", conf.master,
					err);
		return cli_fail(c, CLI_USAGE, "redis: %s", err);
	}
	*out = db;
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

int cli_db_reply(const struct cli *c, struct redisReply **out, const char *const *argv)
{
	redisReply *r = run(c, argv);
	int rc;

	if (!r)
		return CLI_USAGE;
	rc = reply_refused(c, r, argv[0]);
	if (rc == CLI_OK)
		*out = r;
	else
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
