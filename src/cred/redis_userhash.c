/* USERHASH lookups of Redis users (cred/redis_userhash.h): GET of the index key, then the
 * name's lookup through cred_redis_lookup. */
#include "cred/redis_userhash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "auth/key.h"
#include "base/log.h"
#include "cred/redis.h"
#include "cred/redis_conn.h"
#include "cred/redis_keys.h"

/* RFC 8489 §14.3, §14.9: USERNAME < 509 bytes, REALM < 763 bytes. */
#define UH_NAME_MAX	  763
#define UH_KEY_MAX	  (UH_NAME_MAX + 2 * CRED_REDIS_USERHASH_LEN + 64)
#define UH_SLOTS	  256 /* remembered hashes per worker (direct-mapped) */
#define UH_TTL_DEFAULT_MS 5000

/* A hash resolved lately: realm and user (malloc'd "realm\0user"), until expires_ms. Safe to
 * reuse without asking Redis: the name was checked to hash to it, so an entry can only ever
 * name that one user; whether the user (still) exists is the name lookup's answer. */
struct uh_slot {
	uint64_t expires_ms;
	uint8_t hash[CRED_REDIS_USERHASH_LEN];
	size_t rlen, ulen;
	char *names;
};

struct cred_redis_userhash {
	struct cred_redis_worker *w;
	struct cred_redis_conn *cmd;
	struct event_base *base;
	uint32_t timeout_ms, pending_max, ttl_ms;
	struct uh_req *reqs;
	size_t npending;
	struct uh_slot slots[UH_SLOTS];
};

/* One lookup. Stage 1: the index's GET is in flight (inflight). Stage 2 (named): the name's
 * lookup waits in cred/redis.c with (uh_on_user, this). Freed once answered or cancelled
 * and no reply is due; orphaned (u NULL) when the store goes first. */
struct uh_req {
	struct uh_req *next, *prev;
	struct cred_redis_userhash *u;
	cred_cb cb; /* NULL once answered or cancelled */
	void *arg;
	bool inflight;
	bool named;
	struct event *timer;
	uint8_t hash[CRED_REDIS_USERHASH_LEN];
	size_t rlen, ulen;
	char user[UH_NAME_MAX + 1];
	char realm[];
};

static uint64_t uh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct uh_slot *uh_slot(struct cred_redis_userhash *u, const uint8_t *hash)
{
	return &u->slots[(hash[0] | (unsigned)hash[1] << 8) % UH_SLOTS];
}

/* The user remembered for (realm, hash), or NULL. */
static const struct uh_slot *uh_cached(struct cred_redis_userhash *u, const char *realm,
				       size_t rlen, const uint8_t *hash)
{
	const struct uh_slot *e = uh_slot(u, hash);

	if (e->names == NULL || e->expires_ms <= uh_now_ms() || e->rlen != rlen ||
	    memcmp(e->hash, hash, sizeof(e->hash)) || memcmp(e->names, realm, rlen))
		return NULL;
	return e;
}

static void uh_remember(struct cred_redis_userhash *u, const struct uh_req *q)
{
	struct uh_slot *e = uh_slot(u, q->hash);
	char *names = malloc(q->rlen + q->ulen + 2);

	if (names == NULL)
		return;
	memcpy(names, q->realm, q->rlen);
	names[q->rlen] = '\0';
	memcpy(names + q->rlen + 1, q->user, q->ulen + 1);
	free(e->names);
	e->names = names;
	e->rlen = q->rlen;
	e->ulen = q->ulen;
	memcpy(e->hash, q->hash, sizeof(e->hash));
	e->expires_ms = uh_now_ms() + u->ttl_ms;
}

static void uh_release(struct uh_req *q)
{
	struct cred_redis_userhash *u = q->u;

	if (q->cb || q->inflight)
		return;
	if (u) {
		if (q->prev)
			q->prev->next = q->next;
		else
			u->reqs = q->next;
		if (q->next)
			q->next->prev = q->prev;
		u->npending--;
	}
	event_free(q->timer);
	free(q);
}

static void uh_deliver(cred_cb cb, void *arg, int status)
{
	struct cred_result res = {.status = status};

	cb(arg, &res);
}

/* Answers q with status (its name's lookup did not happen) and releases it. */
static void uh_finish(struct uh_req *q, int status)
{
	cred_cb cb = q->cb;

	q->cb = NULL;
	if (cb)
		uh_deliver(cb, q->arg, status);
	uh_release(q);
}

/* The name's answer (stage 2): passed on with the name the USERHASH stood for. */
static void uh_on_user(void *arg, const struct cred_result *res)
{
	struct uh_req *q = arg;
	struct cred_result out = *res;
	cred_cb cb = q->cb;

	q->cb = NULL;
	if (out.status == 0) {
		out.user = q->user;
		out.user_len = q->ulen;
	}
	if (cb)
		cb(q->arg, &out);
	uh_release(q);
}

/* The index's entry: -ENOENT unless it names a user whose USERHASH is q's (an entry left
 * over from another name, or written by hand wrongly, must not stand for anyone else). */
static int uh_check_name(struct uh_req *q, const redisReply *r)
{
	uint8_t h[CRED_REDIS_USERHASH_LEN];

	if (r->type == REDIS_REPLY_NIL)
		return -ENOENT;
	if (r->type != REDIS_REPLY_STRING)
		return -EIO;
	if (r->len == 0 || (size_t)r->len > UH_NAME_MAX ||
	    auth_userhash(r->str, (size_t)r->len, q->realm, q->rlen, h) < 0 ||
	    memcmp(h, q->hash, sizeof(h)) != 0) {
		log_warn("cred", "redis userhash index entry does not match its hash: ignored");
		return -ENOENT;
	}
	memcpy(q->user, r->str, (size_t)r->len);
	q->user[r->len] = '\0';
	q->ulen = (size_t)r->len;
	return 0;
}

static void uh_resolve(struct uh_req *q);

static void uh_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct uh_req *q = privdata;
	const redisReply *r = reply;
	int rc;

	(void)ac;
	q->inflight = false;
	if (q->cb == NULL || q->u == NULL) {
		uh_release(q);
		return;
	}
	event_del(q->timer);
	rc = r == NULL ? -EIO : uh_check_name(q, r);
	if (rc < 0) {
		uh_finish(q, rc);
		return;
	}
	uh_remember(q->u, q);
	uh_resolve(q);
}

/* Stage 2: q->user's lookup; answered inside the call (cached, Redis down) or later. */
static void uh_resolve(struct uh_req *q)
{
	struct cred_query nq;
	int rc;

	nq = (struct cred_query){
		.realm = q->realm, .realm_len = q->rlen, .user = q->user, .user_len = q->ulen};
	q->named = true;
	/* uh_on_user releases q. */
	rc = cred_redis_lookup(q->u->w, &nq, false, uh_on_user, q);
	if (rc < 0)
		uh_finish(q, rc == -EAGAIN ? -EAGAIN : -EIO);
}

static void uh_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct uh_req *q = arg;
	struct cred_redis_conn *cmd = q->u->cmd;
	cred_cb cb = q->cb;

	(void)fd;
	(void)what;
	q->cb = NULL;
	if (cb)
		uh_deliver(cb, q->arg, -ETIMEDOUT);
	/* Redis stopped answering: the GET's reply comes back NULL now and releases q. */
	cred_redis_conn_fail(cmd, "userhash lookup timeout");
}

static struct uh_req *uh_req_new(struct cred_redis_userhash *u, const struct cred_query *q,
				 cred_cb cb, void *arg)
{
	struct uh_req *r = calloc(1, sizeof(*r) + q->realm_len + 1);

	if (r == NULL)
		return NULL;
	r->timer = evtimer_new(u->base, uh_on_timeout, r);
	if (r->timer == NULL) {
		free(r);
		return NULL;
	}
	r->u = u;
	r->cb = cb;
	r->arg = arg;
	memcpy(r->hash, q->userhash, sizeof(r->hash));
	memcpy(r->realm, q->realm, q->realm_len);
	r->rlen = q->realm_len;
	r->next = u->reqs;
	if (u->reqs)
		u->reqs->prev = r;
	u->reqs = r;
	u->npending++;
	return r;
}

int cred_redis_userhash_lookup(struct cred_redis_userhash *u, const struct cred_query *q,
			       cred_cb cb, void *arg)
{
	struct timeval tv = {u->timeout_ms / 1000, (u->timeout_ms % 1000) * 1000};
	char key[UH_KEY_MAX];
	const char *argv[2] = {"GET", key};
	size_t lens[2] = {3, 0};
	const struct uh_slot *e;
	struct uh_req *r;
	int n;

	if (q->realm == NULL || q->userhash == NULL || q->realm_len > UH_NAME_MAX)
		return -EINVAL;
	n = cred_redis_key_userhash(key, sizeof(key), q->realm, q->realm_len, q->userhash);
	if (n < 0)
		return -EINVAL;
	lens[1] = (size_t)n;
	if (u->npending >= u->pending_max)
		return -EAGAIN;
	e = uh_cached(u, q->realm, q->realm_len, q->userhash);
	if (e) {
		r = uh_req_new(u, q, cb, arg);
		if (r == NULL)
			return -ENOMEM;
		memcpy(r->user, e->names + e->rlen + 1, e->ulen + 1);
		r->ulen = e->ulen;
		uh_resolve(r);
		return 0;
	}
	if (u->cmd->ac == NULL) {
		uh_deliver(cb, arg, -EIO); /* down: fail fast until reconnected */
		return 0;
	}
	r = uh_req_new(u, q, cb, arg);
	if (r == NULL)
		return -ENOMEM;
	if (cred_redis_conn_cmd(u->cmd, uh_on_reply, r, 2, argv, lens) < 0) {
		uh_finish(r, -EIO);
		return 0;
	}
	r->inflight = true;
	event_add(r->timer, &tv);
	return 0;
}

void cred_redis_userhash_cancel(struct cred_redis_userhash *u, cred_cb cb, void *arg)
{
	for (struct uh_req *r = u->reqs; r; r = r->next) {
		if (r->cb != cb || r->arg != arg)
			continue;
		if (r->named)
			cred_redis_cancel(u->w, uh_on_user, r);
		r->cb = NULL;
		event_del(r->timer);
		uh_release(r); /* or when the GET's reply is in */
		return;
	}
}

int cred_redis_userhash_new(struct cred_redis_worker *w, struct cred_redis_conn *cmd,
			    struct event_base *base, uint32_t timeout_ms, uint32_t pending_max,
			    uint32_t ttl_ms, struct cred_redis_userhash **out)
{
	struct cred_redis_userhash *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return -ENOMEM;
	u->w = w;
	u->cmd = cmd;
	u->base = base;
	u->timeout_ms = timeout_ms;
	u->pending_max = pending_max;
	u->ttl_ms = ttl_ms ? ttl_ms : UH_TTL_DEFAULT_MS;
	*out = u;
	return 0;
}

void cred_redis_userhash_free(struct cred_redis_userhash *u)
{
	if (u == NULL)
		return;
	while (u->reqs) {
		struct uh_req *r = u->reqs;

		u->reqs = r->next;
		if (r->named)
			cred_redis_cancel(u->w, uh_on_user, r);
		r->cb = NULL;
		r->u = NULL; /* orphaned: a reply still due frees it */
		event_del(r->timer);
		uh_release(r);
	}
	for (size_t i = 0; i < UH_SLOTS; i++)
		free(u->slots[i].names);
	free(u);
}
