/* The Redis credential store (cred/redis.h): lookups as MGET/SMEMBERS argument vectors on
 * the worker's command connection, answers cached per worker, invalidations received on
 * the worker's subscriber connection (Tern's channel, and Redis's own for the keys the
 * command connection tracks: cred/redis_track.c); realms' peer lists kept by
 * cred/redis_peers.c. */
#include "cred/redis.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "auth/rest.h"
#include "base/codec.h"
#include "base/log.h"
#include "cred/redis_cache.h"
#include "cred/redis_conn.h"
#include "cred/redis_keys.h"
#include "cred/redis_peers.h"
#include "cred/redis_track.h"
#include "cred/redis_userhash.h"

#define REDIS_PENDING_DEFAULT	 256
#define REDIS_TIMEOUT_DEFAULT_MS 2000
/* RFC 8489 §14.3, §14.9: USERNAME < 509 bytes, REALM < 763 bytes. */
#define REDIS_NAME_MAX	 763
#define REDIS_KEY_MAX	 (2 * REDIS_NAME_MAX + 64)
#define REDIS_SECRET_MAX 1024

struct cred_redis {
	struct cred_redis_conf conf;
	struct cred_redis_health health;
	uint32_t cache_ttl_ms, cache_slots, pending_max, timeout_ms;
	/* For metrics: every worker's lookups (an increment per lookup, never per packet) and
	 * the worker stores alive. */
	atomic_uint_fast64_t lookups[CRED_REDIS_RESULTS];
	atomic_uint workers;
	atomic_bool no_tracking_logged;
};

struct redis_req;

struct cred_redis_worker {
	struct cred_redis *r;
	struct event_base *base;
	struct cred_redis_conn cmd;
	struct cred_redis_conn sub;
	struct cred_redis_cache *cache;
	struct cred_redis_peers *peers;
	struct cred_redis_track track;
	struct redis_req *reqs; /* pending, including abandoned ones */
	size_t npending;
	int refs; /* the creator's and each store view's */
	bool closing;
	bool counted; /* in r->workers */

	struct cred_redis_userhash *uh; /* USERHASH lookups (cred/redis_userhash.h) */
};

/* One lookup in flight. Freed when its callback has run (or it was cancelled) and no
 * Redis reply is outstanding. */
struct redis_req {
	struct redis_req *next, *prev;
	struct cred_redis_worker *w;
	cred_cb cb; /* NULL once answered or cancelled */
	void *arg;
	bool rest;
	int inflight; /* Redis replies outstanding */
	int status;   /* first failure, or 0 */
	uint64_t gen; /* cache generation at the start */
	struct event *timer;
	struct cred_redis_entry e; /* the answer being assembled (names borrowed) */
	char names[];		   /* realm then user, NUL-terminated */
};

static uint64_t redis_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- answers ---- */

/* A count stored as a string; 0 (no limit) when absent or not a count. */
static uint64_t reply_u64(const redisReply *r)
{
	uint64_t v;

	if (r->type != REDIS_REPLY_STRING ||
	    codec_dec_u64(r->str, (size_t)r->len, UINT64_MAX, &v) < 0)
		return 0;
	return v;
}

/* MGET of max-bps, user-quota, total-quota at elements[i..i+3). */
static void parse_limits(const redisReply *r, size_t i, struct cred_limits *l)
{
	uint64_t uq = reply_u64(r->element[i + 1]), tq = reply_u64(r->element[i + 2]);

	l->max_bps = reply_u64(r->element[i]);
	l->user_quota = uq > UINT32_MAX ? UINT32_MAX : (uint32_t)uq;
	l->total_quota = tq > UINT32_MAX ? UINT32_MAX : (uint32_t)tq;
}

/* The user's MGET: key, sha256-key, max-bps, user-quota, total-quota. */
static int parse_user(const redisReply *r, struct cred_redis_entry *e)
{
	const redisReply *md5 = r->element[0], *sha = r->element[1];

	if (md5->type == REDIS_REPLY_STRING)
		e->key.has_md5 =
			codec_unhex(md5->str, (size_t)md5->len, e->key.md5, CRYPTO_MD5_LEN) == 0;
	if (sha->type == REDIS_REPLY_STRING)
		e->key.has_sha256 = codec_unhex(sha->str, (size_t)sha->len, e->key.sha256,
						CRYPTO_SHA256_LEN) == 0;
	if ((md5->type == REDIS_REPLY_STRING && !e->key.has_md5) ||
	    (sha->type == REDIS_REPLY_STRING && !e->key.has_sha256))
		log_warn("cred", "malformed hex key in redis ignored");
	parse_limits(r, 2, &e->limits);
	return e->key.has_md5 || e->key.has_sha256 ? 0 : -ENOENT;
}

/* SMEMBERS of the realm's secrets: copies up to CRED_KEYS_MAX into e. */
static int parse_secrets(const redisReply *r, struct cred_redis_entry *e)
{
	for (size_t i = 0; i < r->elements && e->nsecrets < CRED_KEYS_MAX; i++) {
		const redisReply *s = r->element[i];
		char *copy;

		if (s->type != REDIS_REPLY_STRING || s->len == 0 || s->len > REDIS_SECRET_MAX)
			continue;
		copy = malloc((size_t)s->len + 1);
		if (copy == NULL)
			return -ENOMEM;
		memcpy(copy, s->str, (size_t)s->len);
		copy[s->len] = '\0';
		e->secret_lens[e->nsecrets] = (size_t)s->len;
		e->secrets[e->nsecrets++] = copy;
	}
	return 0;
}

static void redis_count(struct cred_redis_worker *w, enum cred_redis_result res)
{
	atomic_fetch_add_explicit(&w->r->lookups[res], 1, memory_order_relaxed);
}

/* A lookup's outcome from Redis, by its status (auth/cred.h). */
static void redis_count_status(struct cred_redis_worker *w, int status)
{
	redis_count(w, status == 0	      ? CRED_REDIS_FOUND
		       : status == -ENOENT    ? CRED_REDIS_NOT_FOUND
		       : status == -ETIMEDOUT ? CRED_REDIS_TIMEOUT
					      : CRED_REDIS_ERROR);
}

static void deliver(cred_cb cb, void *arg, int status, const struct cred_key *keys, size_t n,
		    const struct cred_limits *limits)
{
	struct cred_result res = {
		.status = status, .key = status == 0 ? keys : NULL, .nkeys = n, .limits = limits};

	cb(arg, &res);
}

/* A TURN REST answer: one key per secret of the realm's set (-ENOENT, with the realm's
 * limits, when the set is empty). */
static void deliver_rest(const struct cred_redis_entry *realm_e, const char *user, size_t ulen,
			 cred_cb cb, void *arg)
{
	struct cred_key keys[CRED_KEYS_MAX];
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < realm_e->nsecrets && n < CRED_KEYS_MAX && !rc; i++)
		rc = auth_rest_key(realm_e->secrets[i], realm_e->secret_lens[i], user, ulen,
				   realm_e->realm, realm_e->rlen, &keys[n++]);
	if (rc == 0 && n == 0)
		rc = -ENOENT;
	deliver(cb, arg, rc < 0 ? (rc == -ENOENT ? -ENOENT : -EIO) : 0, keys, n, &realm_e->limits);
	explicit_bzero(keys, sizeof(keys));
}

/* ---- requests ---- */

static void req_release(struct redis_req *q)
{
	struct cred_redis_worker *w = q->w;

	if (q->cb || q->inflight)
		return;
	if (q->prev)
		q->prev->next = q->next;
	else
		w->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
	w->npending--;
	if (q->timer)
		event_free(q->timer);
	for (size_t i = 0; i < q->e.nsecrets; i++) {
		explicit_bzero(q->e.secrets[i], q->e.secret_lens[i]);
		free(q->e.secrets[i]);
	}
	free(q);
}

/* Moves q's answer into the cache (unless an invalidation came meanwhile). */
static void req_cache(struct redis_req *q)
{
	struct cred_redis_worker *w = q->w;
	struct cred_redis_entry *e;

	if (q->status != 0 && q->status != -ENOENT)
		return;
	if (!cred_redis_track_is_usable(&w->track))
		return;
	if (cred_redis_cache_gen(w->cache) != q->gen)
		return;
	e = cred_redis_cache_put(w->cache, q->e.realm, q->e.rlen, q->rest ? NULL : q->e.user,
				 q->e.ulen, redis_now_ms());
	if (e == NULL)
		return;
	e->status = q->status;
	e->key = q->e.key;
	e->limits = q->e.limits;
	memcpy(e->secrets, q->e.secrets, sizeof(e->secrets));
	memcpy(e->secret_lens, q->e.secret_lens, sizeof(e->secret_lens));
	e->nsecrets = q->e.nsecrets;
	q->e.nsecrets = 0; /* the cache owns them now */
}

/* Every reply is in: answer, cache, release. */
static void req_done(struct redis_req *q)
{
	struct cred_redis_worker *w = q->w;
	cred_cb cb = q->cb;

	if (cb && !w->closing) {
		q->cb = NULL;
		event_del(q->timer);
		redis_count_status(w, q->status);
		if (q->rest && q->status == 0)
			deliver_rest(&q->e, q->e.user, q->e.ulen, cb, q->arg);
		else
			deliver(cb, q->arg, q->status, &q->e.key, 1, &q->e.limits);
		req_cache(q);
	}
	q->cb = NULL;
	req_release(q);
}

static void req_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redis_req *q = privdata;
	const redisReply *r = reply;
	bool limits_reply = !q->rest || q->inflight == 2; /* REST: MGET first, then SMEMBERS */
	size_t want = q->rest ? 3 : 5;

	(void)ac;
	q->inflight--;
	if (q->status == 0 &&
	    (r == NULL || r->type != REDIS_REPLY_ARRAY || (limits_reply && r->elements != want)))
		q->status = -EIO;
	if (q->status == 0 && !q->rest)
		q->status = parse_user(r, &q->e);
	else if (q->status == 0 && limits_reply)
		parse_limits(r, 0, &q->e.limits);
	else if (q->status == 0)
		q->status = parse_secrets(r, &q->e);
	if (q->inflight == 0)
		req_done(q);
}

static void req_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct redis_req *q = arg;
	struct cred_redis_worker *w = q->w;
	cred_cb cb = q->cb;

	(void)fd;
	(void)what;
	q->cb = NULL;
	if (cb) {
		redis_count(w, CRED_REDIS_TIMEOUT);
		deliver(cb, q->arg, -ETIMEDOUT, NULL, 0, NULL);
	}
	/* Redis stopped answering: drop the connection; its pending replies (q's too) come
	 * back NULL now, which releases q. */
	cred_redis_conn_fail(&w->cmd, "lookup timeout");
}

/* Writes q's key of leaf (cred/redis_keys.h) into keys[i] and its length into lens[i + 1]
 * (lens[0] is the command's). 0 or -EIO (names longer than REDIS_KEY_MAX allows). */
static int req_key(const struct redis_req *q, char (*keys)[REDIS_KEY_MAX], size_t *lens, size_t i,
		   bool user, const char *leaf)
{
	struct cred_redis_name n = {q->e.realm, q->e.rlen, user ? q->e.user : NULL,
				    user ? q->e.ulen : 0};
	int len = cred_redis_key(keys[i], REDIS_KEY_MAX, &n, leaf);

	if (len < 0)
		return -EIO;
	lens[i + 1] = (size_t)len;
	return 0;
}

/* The commands for q: MGET of the user's keys and the realm's limits; or, for REST, MGET of
 * the limits then SMEMBERS of the secrets. 0 or -EIO. */
static int req_send(struct redis_req *q)
{
	static const char *const user_leaves[] = {CRED_REDIS_KEY, CRED_REDIS_SHA256};
	static const char *const realm_leaves[] = {CRED_REDIS_MAX_BPS, CRED_REDIS_USER_QUOTA,
						   CRED_REDIS_TOTAL_QUOTA};
	char keys[5][REDIS_KEY_MAX];
	const char *argv[6] = {"MGET", keys[0], keys[1], keys[2], keys[3], keys[4]};
	size_t lens[6] = {4}, k = 1;
	int rc;

	for (size_t i = 0; !q->rest && i < 2; i++, k++)
		if (req_key(q, keys, lens, k - 1, true, user_leaves[i]) < 0)
			return -EIO;
	for (size_t i = 0; i < 3; i++, k++)
		if (req_key(q, keys, lens, k - 1, false, realm_leaves[i]) < 0)
			return -EIO;
	rc = cred_redis_conn_cmd(&q->w->cmd, req_on_reply, q, (int)k, argv, lens);
	if (rc < 0)
		return rc;
	q->inflight++;
	if (!q->rest)
		return 0;
	argv[0] = "SMEMBERS";
	lens[0] = 8;
	/* MGET is queued: if this fails, its reply still comes (and q fails with -EIO). */
	if (req_key(q, keys, lens, 0, false, CRED_REDIS_SECRET) < 0 ||
	    cred_redis_conn_cmd(&q->w->cmd, req_on_reply, q, 2, argv, lens) < 0)
		q->status = -EIO;
	else
		q->inflight++;
	return 0;
}

static struct redis_req *req_new(struct cred_redis_worker *w, const struct cred_query *q, bool rest,
				 cred_cb cb, void *arg)
{
	struct redis_req *r = calloc(1, sizeof(*r) + q->realm_len + q->user_len + 2);

	if (r == NULL)
		return NULL;
	r->timer = evtimer_new(w->base, req_on_timeout, r);
	if (r->timer == NULL) {
		free(r);
		return NULL;
	}
	r->w = w;
	r->cb = cb;
	r->arg = arg;
	r->rest = rest;
	r->gen = cred_redis_cache_gen(w->cache);
	memcpy(r->names, q->realm, q->realm_len);
	memcpy(r->names + q->realm_len + 1, q->user, q->user_len);
	r->e.realm = r->names;
	r->e.rlen = q->realm_len;
	r->e.user = r->names + q->realm_len + 1;
	r->e.ulen = q->user_len;
	r->next = w->reqs;
	if (w->reqs)
		w->reqs->prev = r;
	w->reqs = r;
	w->npending++;
	return r;
}

/* Answers from the cache when it can. */
static bool lookup_cached(struct cred_redis_worker *w, const struct cred_query *q, bool rest,
			  cred_cb cb, void *arg)
{
	const struct cred_redis_entry *e;

	if (!cred_redis_track_is_usable(&w->track))
		return false; /* invalidations may be missed: ask Redis */
	e = cred_redis_cache_get(w->cache, q->realm, q->realm_len, rest ? NULL : q->user,
				 q->user_len, redis_now_ms());
	if (e == NULL)
		return false;
	redis_count(w, CRED_REDIS_CACHED);
	if (rest)
		deliver_rest(e, q->user, q->user_len, cb, arg);
	else
		deliver(cb, arg, e->status, &e->key, 1, &e->limits);
	return true;
}

int cred_redis_lookup(struct cred_redis_worker *w, const struct cred_query *q, bool rest,
		      cred_cb cb, void *arg)
{
	struct timeval tv = {w->r->timeout_ms / 1000, (w->r->timeout_ms % 1000) * 1000};
	struct redis_req *r;

	if (q->realm == NULL || q->realm_len > REDIS_NAME_MAX || q->user_len > REDIS_NAME_MAX)
		return -EINVAL;
	if (q->user == NULL && q->userhash && !rest && q->realm_len)
		return cred_redis_userhash_lookup(w->uh, q, cb, arg);
	if (q->user == NULL || q->user_len == 0 || q->realm_len == 0) {
		deliver(cb, arg, -ENOENT, NULL, 0, NULL);
		return 0;
	}
	if (lookup_cached(w, q, rest, cb, arg))
		return 0;
	if (w->npending >= w->r->pending_max) {
		redis_count(w, CRED_REDIS_BUSY);
		return -EAGAIN;
	}
	if (w->cmd.ac == NULL) {
		redis_count(w, CRED_REDIS_ERROR);
		deliver(cb, arg, -EIO, NULL, 0, NULL); /* down: fail fast until reconnected */
		return 0;
	}
	r = req_new(w, q, rest, cb, arg);
	if (r == NULL)
		return -ENOMEM;
	if (req_send(r) < 0) {
		r->cb = NULL;
		req_release(r);
		redis_count(w, CRED_REDIS_ERROR);
		deliver(cb, arg, -EIO, NULL, 0, NULL);
		return 0;
	}
	event_add(r->timer, &tv);
	return 0;
}

void cred_redis_cancel(struct cred_redis_worker *w, cred_cb cb, void *arg)
{
	cred_redis_userhash_cancel(w->uh, cb, arg);
	for (struct redis_req *r = w->reqs; r; r = r->next) {
		if (r->cb == cb && r->arg == arg) {
			r->cb = NULL;
			event_del(r->timer);
			/* Released when its replies are in. */
			return;
		}
	}
}

size_t cred_redis_pending(const struct cred_redis_worker *w)
{
	return w->npending;
}

void cred_redis_stats_read(const struct cred_redis *r, struct cred_redis_stats *out)
{
	for (unsigned i = 0; i < CRED_REDIS_RESULTS; i++)
		out->lookups[i] = atomic_load_explicit(&r->lookups[i], memory_order_relaxed);
	out->workers = atomic_load(&r->workers);
	out->up = atomic_load(&r->health.up);
}

const char *cred_redis_result_name(unsigned res)
{
	static const char *const n[CRED_REDIS_RESULTS] = {"cached", "found",   "not_found",
							  "error",  "timeout", "busy"};

	return res < CRED_REDIS_RESULTS ? n[res] : "other";
}

/* ---- invalidation (cred/redis_track.c feeds these drops) ---- */

static void inval_user(void *arg, const char *realm, size_t rlen, const char *user, size_t ulen)
{
	struct cred_redis_worker *w = arg;

	cred_redis_cache_drop(w->cache, realm, rlen, user, ulen);
}

static void inval_realm(void *arg, const char *realm, size_t rlen)
{
	struct cred_redis_worker *w = arg;

	cred_redis_cache_drop(w->cache, realm, rlen, NULL, 0);
}

static void inval_peers(void *arg, const char *realm, size_t rlen)
{
	struct cred_redis_worker *w = arg;

	cred_redis_peers_drop(w->peers, realm, rlen, redis_now_ms());
}

static void inval_all(void *arg)
{
	struct cred_redis_worker *w = arg;

	if (w->closing)
		return;
	cred_redis_cache_drop(w->cache, NULL, 0, NULL, 0);
	cred_redis_peers_drop(w->peers, NULL, 0, redis_now_ms());
}

static void inval_answers(void *arg)
{
	struct cred_redis_worker *w = arg;

	cred_redis_cache_drop(w->cache, NULL, 0, NULL, 0);
}

static const struct cred_redis_inval_ops redis_inval_ops = {.user = inval_user,
							    .realm = inval_realm,
							    .peers = inval_peers,
							    .all = inval_all,
							    .answers = inval_answers};

static void sub_on_up(void *arg)
{
	struct cred_redis_worker *w = arg;

	cred_redis_track_sub_up(&w->track);
}

static void sub_on_down(void *arg)
{
	struct cred_redis_worker *w = arg;

	cred_redis_track_sub_down(&w->track);
}

static void cmd_on_down(void *arg)
{
	struct cred_redis_worker *w = arg;

	cred_redis_track_cmd_down(&w->track);
}

/* The command connection is (back) up: fetch the peer lists that are missing or stale. */
static void cmd_on_up(void *arg)
{
	struct cred_redis_worker *w = arg;

	cred_redis_peers_refresh(w->peers, redis_now_ms());
	cred_redis_track_cmd_up(&w->track);
}

/* ---- peer lists ---- */

int cred_redis_peer_verdict(struct cred_redis_worker *w, const char *realm, size_t rlen,
			    const struct addr *peer)
{
	return cred_redis_peers_verdict(w->peers, realm, rlen, peer, redis_now_ms());
}

int cred_redis_peers_prefetch(struct cred_redis_worker *w, const char *realm, size_t rlen)
{
	return cred_redis_peers_watch(w->peers, realm, rlen, redis_now_ms());
}

/* ---- lifetime ---- */

int cred_redis_new(const struct cred_redis_opts *o, struct cred_redis **out, char *why, size_t len)
{
	struct cred_redis *r;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	if (cred_redis_conf_parse(o->conninfo, &r->conf, why, len) < 0) {
		free(r);
		return -EINVAL;
	}
	r->cache_ttl_ms = o->cache_ttl_ms;
	r->cache_slots = o->cache_slots;
	r->pending_max = o->pending_max ? o->pending_max : REDIS_PENDING_DEFAULT;
	r->timeout_ms = o->timeout_ms ? o->timeout_ms : REDIS_TIMEOUT_DEFAULT_MS;
	atomic_init(&r->health.down, 0);
	atomic_init(&r->health.up, 0);
	atomic_init(&r->health.announced, false);
	atomic_init(&r->no_tracking_logged, false);
	*out = r;
	return 0;
}

void cred_redis_free(struct cred_redis *r)
{
	if (r == NULL)
		return;
	explicit_bzero(&r->conf, sizeof(r->conf));
	free(r);
}

const char *cred_redis_addr(const struct cred_redis *r, char *buf, size_t len)
{
	if (r->conf.nsentinels) /* the master's address is found at each connect */
		snprintf(buf, len, "sentinel:%s", r->conf.master);
	else
		snprintf(buf, len, "%s:%u", r->conf.host, r->conf.port);
	return buf;
}

int cred_redis_worker_new(struct cred_redis *r, struct event_base *base,
			  struct cred_redis_worker **out)
{
	struct cred_redis_worker *w = calloc(1, sizeof(*w));
	int err;

	if (w == NULL)
		return -ENOMEM;
	w->r = r;
	w->base = base;
	w->refs = 1;
	cred_redis_track_init(&w->track, &w->cmd, &w->sub, &redis_inval_ops, w,
			      &r->no_tracking_logged);
	err = cred_redis_cache_new(r->cache_slots, r->cache_ttl_ms, &w->cache);
	if (!err)
		err = cred_redis_peers_new(&w->cmd, r->cache_ttl_ms, &w->peers);
	if (!err)
		err = cred_redis_userhash_new(w, &w->cmd, base, r->timeout_ms, r->pending_max,
					      r->cache_ttl_ms, &w->uh);
	if (!err)
		err = cred_redis_conn_init(&w->cmd, base, &r->conf, &r->health, cmd_on_up,
					   cmd_on_down, w);
	/* The subscriber's outages are the command connection's: log them at debug. */
	if (!err)
		err = cred_redis_conn_init(&w->sub, base, &r->conf, NULL, sub_on_up, sub_on_down,
					   w);
	if (err) {
		cred_redis_worker_free(w);
		return err;
	}
	w->counted = true;
	atomic_fetch_add(&r->workers, 1);
	*out = w;
	return 0;
}

void cred_redis_worker_free(struct cred_redis_worker *w)
{
	if (w == NULL || --w->refs > 0)
		return;
	w->closing = true;
	if (w->counted)
		atomic_fetch_sub(&w->r->workers, 1);
	cred_redis_userhash_free(w->uh);
	/* Closing fails the pending commands: their requests are released as replies end. */
	cred_redis_conn_close(&w->sub);
	cred_redis_conn_close(&w->cmd);
	while (w->reqs) {
		w->reqs->cb = NULL;
		w->reqs->inflight = 0;
		req_release(w->reqs);
	}
	cred_redis_peers_free(w->peers);
	cred_redis_cache_free(w->cache);
	free(w);
}

/* ---- the store views (auth/cred.h) ---- */

static int redis_user_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	return cred_redis_lookup(impl, q, false, cb, arg);
}

static int redis_rest_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	return cred_redis_lookup(impl, q, true, cb, arg);
}

static void redis_view_cancel(void *impl, cred_cb cb, void *arg)
{
	cred_redis_cancel(impl, cb, arg);
}

static void redis_view_free(void *impl)
{
	cred_redis_worker_free(impl);
}

/* Both views share it (and impl), so a chain asks the worker's lists once. */
static int redis_view_peer_verdict(void *impl, const char *realm, size_t rlen,
				   const struct addr *peer)
{
	return cred_redis_peer_verdict(impl, realm, rlen, peer);
}

static const struct cred_store_ops redis_user_ops = {
	.lookup = redis_user_lookup,
	.cancel = redis_view_cancel,
	.free = redis_view_free,
	.peer_verdict = redis_view_peer_verdict,
};

static const struct cred_store_ops redis_rest_ops = {
	.lookup = redis_rest_lookup,
	.cancel = redis_view_cancel,
	.free = redis_view_free,
	.peer_verdict = redis_view_peer_verdict,
};

void cred_redis_store(struct cred_redis_worker *w, bool rest, struct cred_store *out)
{
	w->refs++;
	out->ops = rest ? &redis_rest_ops : &redis_user_ops;
	out->impl = w;
}
