/* The fleet's quota part (cred/fleet_quota.h, cred/fleet_int.h). */
#include "cred/fleet_quota.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/log.h"
#include "cred/fleet_int.h"

#define FQ_BUCKETS 64

/* The one Allocate script. KEYS: the node set, this node's keys set, the realm's total,
 * the user's hash (absent: the total only). ARGV: this worker's field, the node id, the
 * units, the user quota, the total quota (0 = unlimited), the lease (ms). This node is
 * put in the node set when it is not there yet (its first heartbeat may still be on its
 * way): its own fields are never taken for those of a dead node. Returns 1 granted, 0
 * over a quota. */
static const char fq_acquire_lua[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"redis.call('ZADD', KEYS[1], 'NX', now + tonumber(ARGV[6]), ARGV[2])\n"
	"local live = {}\n"
	"local function sum(key)\n"
	"  local h = redis.call('HGETALL', key)\n"
	"  local s = 0\n"
	"  for i = 1, #h, 2 do\n"
	"    local node = string.match(h[i], '^(.*)/[^/]*$') or h[i]\n"
	"    local ok = live[node]\n"
	"    if ok == nil then\n"
	"      local sc = redis.call('ZSCORE', KEYS[1], node)\n"
	"      ok = sc ~= false and tonumber(sc) >= now\n"
	"      live[node] = ok\n"
	"    end\n"
	"    if ok then s = s + tonumber(h[i + 1]) else redis.call('HDEL', key, h[i]) end\n"
	"  end\n"
	"  return s\n"
	"end\n"
	"local n = tonumber(ARGV[3])\n"
	"local uq, tq = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"if tq > 0 and sum(KEYS[3]) + n > tq then return 0 end\n"
	"if #KEYS > 3 then\n"
	"  if uq > 0 and sum(KEYS[4]) + n > uq then return 0 end\n"
	"  redis.call('HINCRBY', KEYS[4], ARGV[1], n)\n"
	"  redis.call('SADD', KEYS[2], KEYS[4])\n"
	"end\n"
	"redis.call('HINCRBY', KEYS[3], ARGV[1], n)\n"
	"redis.call('SADD', KEYS[2], KEYS[3])\n"
	"return 1\n";

/* A worker's field rewritten whole (its connection came up). KEYS: the node set, this
 * node's keys set. ARGV: the field, the node id, the lease (ms), then hash / count
 * pairs. The field leaves every hash the node counted in (hashes gone leave the set),
 * then holds the counts given. */
static const char fq_resync_lua[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"redis.call('ZADD', KEYS[1], 'NX', now + tonumber(ARGV[3]), ARGV[2])\n"
	"for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do\n"
	"  redis.call('HDEL', k, ARGV[1])\n"
	"  if redis.call('EXISTS', k) == 0 then redis.call('SREM', KEYS[2], k) end\n"
	"end\n"
	"for i = 4, #ARGV, 2 do\n"
	"  redis.call('HSET', ARGV[i], ARGV[1], ARGV[i + 1])\n"
	"  redis.call('SADD', KEYS[2], ARGV[i])\n"
	"end\n"
	"return 1\n";

/* A clean stop: every field of the node (ARGV[1] "/...") leaves the hashes of its keys
 * set (KEYS[1]), then the set goes. */
static const char fq_cleanup_lua[] =
	"local p = ARGV[1] .. '/'\n"
	"for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
	"  for _, f in ipairs(redis.call('HKEYS', k)) do\n"
	"    if string.sub(f, 1, #p) == p then redis.call('HDEL', k, f) end\n"
	"  end\n"
	"end\n"
	"redis.call('DEL', KEYS[1])\n"
	"return 1\n";

/* What this worker's field holds in one quota hash: a user's (has_ident) or a realm's
 * total. Signed: a unit given back on another worker than the one that counted it (an
 * allocation that moved, RFC 8016) leaves +1 in one field and -1 in the other, which
 * sum right. */
struct fq_count {
	struct fq_count *next;
	bool has_ident;
	uint8_t ident[FLEET_QUOTA_IDENT_LEN];
	char *realm;
	int64_t units;
};

/* An Allocate's script in flight. */
struct fq_req {
	struct fq_req *prev, *next;
	struct fleet_quota *fq;
	fleet_quota_cb cb; /* NULL: cancelled */
	void *arg;
	bool has_ident;
	uint8_t ident[FLEET_QUOTA_IDENT_LEN];
	char *realm;
	uint32_t n;
};

struct fleet_quota {
	struct fleet_worker *fw;
	char field[FLEET_ID_MAX + 16]; /* "<node id>/<worker>" */
	char keys[FLEET_ID_MAX + 32];  /* FLEET_KEY_NODE "<id>" FLEET_KEY_NODE_KEYS */
	char lease[24];
	struct fq_count *counts[FQ_BUCKETS];
	struct fq_req *reqs;
	bool warned; /* a script error was logged */
};

static unsigned fq_bucket(bool has_ident, const uint8_t *ident, const char *realm)
{
	unsigned h = 2166136261u;

	if (has_ident)
		return ident[0] % FQ_BUCKETS;
	for (const char *p = realm; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h % FQ_BUCKETS;
}

/* Adds delta to the count of (ident, realm); a count back at 0 goes. */
static void fq_count_add(struct fleet_quota *fq, bool has_ident, const uint8_t *ident,
			 const char *realm, int64_t delta)
{
	struct fq_count **p = &fq->counts[fq_bucket(has_ident, ident, realm)], *c;

	for (; (c = *p) != NULL; p = &c->next)
		if (c->has_ident == has_ident && strcmp(c->realm, realm) == 0 &&
		    (!has_ident || memcmp(c->ident, ident, FLEET_QUOTA_IDENT_LEN) == 0))
			break;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->realm = strdup(realm)) == NULL) {
			free(c);
			return; /* the next resync misses it: so does Redis's count */
		}
		c->has_ident = has_ident;
		if (has_ident)
			memcpy(c->ident, ident, FLEET_QUOTA_IDENT_LEN);
		*p = c;
	}
	c->units += delta;
	if (c->units == 0) {
		*p = c->next;
		free(c->realm);
		free(c);
	}
}

/* The user's and the realm's counts. */
static void fq_count_both(struct fleet_quota *fq, bool has_ident, const uint8_t *ident,
			  const char *realm, int64_t delta)
{
	if (has_ident)
		fq_count_add(fq, true, ident, realm, delta);
	fq_count_add(fq, false, NULL, realm, delta);
}

/* The hash of a count: FLEET_KEY_QUOTA "<realm>/user/<32 hex>" or "<realm>/total". */
static char *fq_key(bool has_ident, const uint8_t *ident, const char *realm)
{
	size_t len = sizeof(FLEET_KEY_QUOTA) + strlen(realm) + 6 + 2 * FLEET_QUOTA_IDENT_LEN + 1;
	char *k = malloc(len), *p;

	if (k == NULL)
		return NULL;
	p = k + snprintf(k, len, FLEET_KEY_QUOTA "%s/%s", realm, has_ident ? "user/" : "total");
	for (int i = 0; has_ident && i < FLEET_QUOTA_IDENT_LEN; i++)
		p += snprintf(p, 3, "%02x", ident[i]);
	return k;
}

int fleet_quota_init(struct fleet_worker *fw)
{
	struct fleet_quota *fq = calloc(1, sizeof(*fq));

	fw->quota = fq;
	if (fq == NULL)
		return -ENOMEM;
	fq->fw = fw;
	snprintf(fq->field, sizeof(fq->field), "%s/%u", fw->f->id, fw->id);
	snprintf(fq->keys, sizeof(fq->keys), FLEET_KEY_NODE "%s" FLEET_KEY_NODE_KEYS, fw->f->id);
	snprintf(fq->lease, sizeof(fq->lease), "%" PRIu32, fw->f->lease_ms);
	return 0;
}

static void fq_req_free(struct fq_req *r)
{
	free(r->realm);
	free(r);
}

void fleet_quota_free(struct fleet_worker *fw)
{
	struct fleet_quota *fq = fw->quota;

	if (fq == NULL)
		return;
	/* Scripts still in flight were answered (NULL) when the connection closed; any left
	 * belong to no connection any more. */
	while (fq->reqs) {
		struct fq_req *r = fq->reqs;

		fq->reqs = r->next;
		fq_req_free(r);
	}
	for (size_t i = 0; i < FQ_BUCKETS; i++) {
		while (fq->counts[i]) {
			struct fq_count *c = fq->counts[i];

			fq->counts[i] = c->next;
			free(c->realm);
			free(c);
		}
	}
	free(fq);
	fw->quota = NULL;
}

void fleet_quota_tick(struct fleet_worker *fw)
{
	(void)fw;
}

/* Sends HINCRBY field delta on the user's hash and the realm's total, unanswered. */
static void fq_send_incr(struct fleet_quota *fq, bool has_ident, const uint8_t *ident,
			 const char *realm, int64_t delta)
{
	char by[24];
	const char *argv[4] = {"HINCRBY", NULL, fq->field, by};

	snprintf(by, sizeof(by), "%" PRId64, delta);
	for (int pass = has_ident ? 0 : 1; pass < 2; pass++) {
		char *key = fq_key(pass == 0, ident, realm);

		if (key == NULL)
			continue;
		argv[1] = key;
		fleet_cmd(fq->fw, NULL, NULL, 4, argv, NULL);
		free(key);
	}
}

void fleet_quota_release(struct fleet_worker *fw, const uint8_t *ident, const char *realm)
{
	struct fleet_quota *fq = fw->quota;

	if (fq == NULL)
		return;
	if (realm == NULL)
		realm = "";
	fq_count_both(fq, ident != NULL, ident, realm, -1);
	/* While down: the count above is what the resync writes when it comes back. */
	if (fleet_worker_up(fw))
		fq_send_incr(fq, ident != NULL, ident, realm, -1);
}

static void fq_req_unlink(struct fleet_quota *fq, struct fq_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		fq->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

static void fq_acquire_done(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct fq_req *r = privdata;
	struct fleet_quota *fq = r->fq;
	const redisReply *rep = reply;
	int status = -EIO;

	(void)ac;
	if (rep && rep->type == REDIS_REPLY_INTEGER)
		status = rep->integer == 1 ? 0 : -EDQUOT;
	else if (rep && rep->type == REDIS_REPLY_ERROR && !fq->warned) {
		fq->warned = true;
		log_warn("fleet", "quota script refused id=%s err=\"%s\"", fq->fw->f->id, rep->str);
	}
	fq_req_unlink(fq, r);
	if (status == 0)
		fq_count_both(fq, r->has_ident, r->ident, r->realm, r->n);
	if (r->cb)
		r->cb(r->arg, status);
	else if (status == 0) /* cancelled meanwhile: the units go back */
		for (uint32_t i = 0; i < r->n; i++)
			fleet_quota_release(fq->fw, r->has_ident ? r->ident : NULL, r->realm);
	fq_req_free(r);
}

/* Sends r's script. 0 or -EIO / -ENOMEM. */
static int fq_acquire_send(struct fleet_quota *fq, struct fq_req *r,
			   const struct fleet_quota_ask *q)
{
	char n[16], uq[16], tq[16], *total = fq_key(false, NULL, r->realm);
	char *user = r->has_ident ? fq_key(true, r->ident, r->realm) : NULL;
	const char *argv[13];
	int argc = 0, rc = -ENOMEM;

	snprintf(n, sizeof(n), "%" PRIu32, q->n);
	snprintf(uq, sizeof(uq), "%" PRIu32, q->user_quota);
	snprintf(tq, sizeof(tq), "%" PRIu32, q->total_quota);
	argv[argc++] = "EVAL";
	argv[argc++] = fq_acquire_lua;
	argv[argc++] = user ? "4" : "3";
	argv[argc++] = FLEET_KEY_NODES;
	argv[argc++] = fq->keys;
	argv[argc++] = total;
	if (user)
		argv[argc++] = user;
	argv[argc++] = fq->field;
	argv[argc++] = fq->fw->f->id;
	argv[argc++] = n;
	argv[argc++] = uq;
	argv[argc++] = tq;
	argv[argc++] = fq->lease;
	if (total && (user || !r->has_ident))
		rc = fleet_cmd(fq->fw, fq_acquire_done, r, argc, argv, NULL);
	free(total);
	free(user);
	return rc;
}

int fleet_quota_acquire(struct fleet_worker *fw, const struct fleet_quota_ask *q, fleet_quota_cb cb,
			void *arg)
{
	struct fleet_quota *fq = fw->quota;
	struct fq_req *r;

	/* Only once up: the resync went first on this connection, so what it writes never
	 * undoes a grant sent before it. */
	if (fq == NULL || !fleet_worker_up(fw))
		return -EIO;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->realm = strdup(q->realm ? q->realm : "")) == NULL) {
		free(r);
		return -EIO;
	}
	r->fq = fq;
	r->cb = cb;
	r->arg = arg;
	r->n = q->n;
	r->has_ident = q->ident != NULL;
	if (q->ident)
		memcpy(r->ident, q->ident, FLEET_QUOTA_IDENT_LEN);
	if (fq_acquire_send(fq, r, q) < 0) {
		fq_req_free(r);
		return -EIO;
	}
	r->next = fq->reqs;
	if (fq->reqs)
		fq->reqs->prev = r;
	fq->reqs = r;
	return 0;
}

void fleet_quota_cancel(struct fleet_worker *fw, fleet_quota_cb cb, void *arg)
{
	struct fleet_quota *fq = fw->quota;

	for (struct fq_req *r = fq ? fq->reqs : NULL; r; r = r->next)
		if (r->cb == cb && r->arg == arg)
			r->cb = NULL;
}

/* The resync's arguments: hash / count pairs of every count. */
struct fq_args {
	const char **argv;
	char **own; /* the strings allocated here */
	int argc, nown;
};

static int fq_args_counts(struct fleet_quota *fq, struct fq_args *a)
{
	for (size_t i = 0; i < FQ_BUCKETS; i++) {
		for (struct fq_count *c = fq->counts[i]; c; c = c->next) {
			char *key = fq_key(c->has_ident, c->ident, c->realm), *num = malloc(24);

			if (key == NULL || num == NULL) {
				free(key);
				free(num);
				return -ENOMEM;
			}
			snprintf(num, 24, "%" PRId64, c->units);
			a->own[a->nown++] = key;
			a->own[a->nown++] = num;
			a->argv[a->argc++] = key;
			a->argv[a->argc++] = num;
		}
	}
	return 0;
}

/* Rewrites this worker's field whole from its counts (first thing on a connection). */
static void fq_resync(struct fleet_quota *fq)
{
	size_t n = 0;
	struct fq_args a = {0};

	for (size_t i = 0; i < FQ_BUCKETS; i++)
		for (struct fq_count *c = fq->counts[i]; c; c = c->next)
			n++;
	a.argv = calloc(8 + 2 * n, sizeof(*a.argv));
	a.own = calloc(2 * n + 1, sizeof(*a.own));
	if (a.argv && a.own) {
		a.argv[a.argc++] = "EVAL";
		a.argv[a.argc++] = fq_resync_lua;
		a.argv[a.argc++] = "2";
		a.argv[a.argc++] = FLEET_KEY_NODES;
		a.argv[a.argc++] = fq->keys;
		a.argv[a.argc++] = fq->field;
		a.argv[a.argc++] = fq->fw->f->id;
		a.argv[a.argc++] = fq->lease;
		if (fq_args_counts(fq, &a) == 0)
			fleet_cmd(fq->fw, NULL, NULL, a.argc, a.argv, NULL);
		else
			log_warn("fleet", "quota resync failed id=%s err=\"out of memory\"",
				 fq->fw->f->id);
	}
	for (int i = 0; a.own && i < a.nown; i++)
		free(a.own[i]);
	free(a.own);
	free(a.argv);
}

void fleet_quota_up(struct fleet_worker *fw)
{
	if (fw->quota)
		fq_resync(fw->quota);
}

void fleet_quota_down(struct fleet_worker *fw)
{
	(void)fw; /* scripts in flight were answered NULL (-EIO); the resync follows the up */
}

void fleet_quota_cleanup(struct fleet *f, struct redisContext *c)
{
	char keys[FLEET_ID_MAX + 32];
	const char *argv[] = {"EVAL", fq_cleanup_lua, "1", keys, f->id};
	redisReply *r;

	snprintf(keys, sizeof(keys), FLEET_KEY_NODE "%s" FLEET_KEY_NODE_KEYS, f->id);
	r = redisCommandArgv(c, 5, argv, NULL);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		log_warn("fleet", "quota cleanup failed: the counts expire with the lease id=%s",
			 f->id);
	if (r)
		freeReplyObject(r);
}
