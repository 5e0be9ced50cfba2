/* A worker's invalidation feed (cred/redis_track.h). */
#include "cred/redis_track.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cred/redis_conn.h"
#include "cred/redis_keys.h"

#define TRACK_CHANNEL "__redis__:invalidate"

/* A connection of the feed is gone: drop everything, bypass the cache until it is whole. */
static void track_lost(struct cred_redis_track *t)
{
	if (t->on)
		log_info("cred", "redis tracking lost: cache bypassed until it is back");
	t->on = false;
	t->ops->all(t->arg);
}

static void track_unsupported(struct cred_redis_track *t, const char *why)
{
	t->unsupported = true;
	if (!atomic_exchange(t->logged, true))
		log_warn("cred",
			 "redis without client tracking: keys changed by other writers are "
			 "seen after the cache ttl why=\"%s\"",
			 why);
}

/* The reply to CLIENT TRACKING on: the feed is whole when it answers the latest one, sent
 * for the live subscriber. */
static void track_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_track *t = privdata;
	const redisReply *r = reply;

	(void)ac;
	t->acked++;
	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		track_unsupported(t, r->str);
		return;
	}
	if (t->acked != t->sent || t->sent_id != t->sub_id || !t->subscribed || t->unsupported)
		return;
	t->ops->answers(t->arg); /* answers fetched before tracking began are not cached */
	t->on = true;
	log_info("cred", "redis tracking on redirect=%lld", t->sub_id);
}

static void track_ignore(redisAsyncContext *ac, void *reply, void *privdata)
{
	(void)ac;
	(void)reply;
	(void)privdata;
}

/* Turns tracking on once the subscriber's id is known and it is subscribed. Redis refuses
 * overlapping prefixes on a tracking client, so tracking is turned off first. */
static void track_try(struct cred_redis_track *t)
{
	char id[24];
	const char *off[3] = {"CLIENT", "TRACKING", "off"};
	const char *on[10] = {"CLIENT", "TRACKING",
			      "on",	"REDIRECT",
			      id,	"BCAST",
			      "PREFIX", CRED_REDIS_TRACK_PREFIX_TURN,
			      "PREFIX", CRED_REDIS_TRACK_PREFIX_TERN};

	if (t->unsupported || !t->subscribed || t->sub_id < 0 || !t->cmd->up)
		return;
	snprintf(id, sizeof(id), "%lld", t->sub_id);
	if (cred_redis_conn_cmd(t->cmd, track_ignore, NULL, 3, off, NULL) < 0 ||
	    cred_redis_conn_cmd(t->cmd, track_on_reply, t, 10, on, NULL) < 0)
		return; /* the command connection is going down: retried when it is up */
	t->sent++;
	t->sent_id = t->sub_id;
}

static void track_on_id(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_track *t = privdata;
	const redisReply *r = reply;

	(void)ac;
	if (r == NULL)
		return;
	if (r->type != REDIS_REPLY_INTEGER) {
		track_unsupported(t, r->type == REDIS_REPLY_ERROR ? r->str : "client id");
		return;
	}
	t->sub_id = r->integer;
	track_try(t);
}

/* __redis__:invalidate: an array of keys, or nil (the whole database was flushed). */
static void track_on_keys(struct cred_redis_track *t, const redisReply *m)
{
	if (m->type != REDIS_REPLY_ARRAY) {
		t->ops->all(t->arg);
		return;
	}
	for (size_t i = 0; i < m->elements; i++)
		if (m->element[i]->type == REDIS_REPLY_STRING)
			cred_redis_inval_key(m->element[i]->str, (size_t)m->element[i]->len, t->ops,
					     t->arg);
}

static void track_on_message(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_track *t = privdata;
	const redisReply *r = reply, *kind, *chan, *m;

	(void)ac;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
		return;
	kind = r->element[0];
	chan = r->element[1];
	m = r->element[2];
	if (kind->type != REDIS_REPLY_STRING || chan->type != REDIS_REPLY_STRING)
		return;
	if (!strcmp(kind->str, "subscribe") && !strcmp(chan->str, TRACK_CHANNEL)) {
		t->subscribed = true;
		track_try(t);
	} else if (!strcmp(kind->str, "message") && !strcmp(chan->str, TRACK_CHANNEL)) {
		track_on_keys(t, m);
	} else if (!strcmp(kind->str, "message") && m->type == REDIS_REPLY_STRING) {
		cred_redis_inval_msg(m->str, (size_t)m->len, t->ops, t->arg);
	}
}

void cred_redis_track_init(struct cred_redis_track *t, struct cred_redis_conn *cmd,
			   struct cred_redis_conn *sub, const struct cred_redis_inval_ops *ops,
			   void *arg, atomic_bool *logged)
{
	memset(t, 0, sizeof(*t));
	t->cmd = cmd;
	t->sub = sub;
	t->ops = ops;
	t->arg = arg;
	t->logged = logged;
	t->sub_id = -1;
	t->sent_id = -1;
}

/* The subscriber is (re)connected: invalidations may have been missed, drop everything,
 * then learn its id and subscribe (the id's reply comes first). */
void cred_redis_track_sub_up(struct cred_redis_track *t)
{
	const char *id[2] = {"CLIENT", "ID"};
	const char *sub[3] = {"SUBSCRIBE", CRED_REDIS_CHANNEL, TRACK_CHANNEL};

	track_lost(t);
	t->sub_id = -1;
	t->subscribed = false;
	if ((!t->unsupported && cred_redis_conn_cmd(t->sub, track_on_id, t, 2, id, NULL) < 0) ||
	    cred_redis_conn_cmd(t->sub, track_on_message, t, 3, sub, NULL) < 0)
		cred_redis_conn_fail(t->sub, "subscribe failed");
}

void cred_redis_track_sub_down(struct cred_redis_track *t)
{
	t->sub_id = -1;
	t->subscribed = false;
	track_lost(t);
}

void cred_redis_track_cmd_up(struct cred_redis_track *t)
{
	track_try(t);
}

void cred_redis_track_cmd_down(struct cred_redis_track *t)
{
	track_lost(t);
}

bool cred_redis_track_is_usable(const struct cred_redis_track *t)
{
	return t->on || t->unsupported;
}
