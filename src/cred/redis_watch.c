/* A subscription to a sentinel's +switch-master (cred/redis_watch.h). */
#include "cred/redis_watch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "base/log.h"
#include "cred/redis_conn.h"

#define WATCH_ROUND_MS	 1000
#define WATCH_TIMEOUT_MS 2000
#define WATCH_CHANNEL	 "+switch-master"
#define WATCH_FIELDS	 5

static void watch_arm(struct cred_redis_watch *w, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_add(w->timer, &tv);
}

/* How to let go of a subscriber context: free it now (not inside its callbacks), have
 * hiredis disconnect it (inside one of its reply callbacks), or nothing (its connect or
 * disconnect callback: hiredis frees it). */
enum watch_end { WATCH_FREE, WATCH_DISCONNECT, WATCH_GONE };

/* This sentinel's subscription failed or ended: try the next one at once, or after a
 * whole round of failures, in WATCH_ROUND_MS. */
static void watch_retry(struct cred_redis_watch *w, redisAsyncContext *ac, enum watch_end e,
			const char *why)
{
	const struct cred_redis_addr *s = &w->conf->sentinel[w->idx];

	log_debug("cred", "redis sentinel watch lost addr=%s:%u err=\"%s\"", s->host, s->port, why);
	w->ac = NULL;
	w->subscribed = false;
	ac->data = NULL;
	if (e == WATCH_FREE)
		redisAsyncFree(ac);
	else if (e == WATCH_DISCONNECT)
		redisAsyncDisconnect(ac);
	w->idx = (w->idx + 1) % w->conf->nsentinels;
	if (++w->tries < w->conf->nsentinels) {
		watch_arm(w, 0);
		return;
	}
	w->tries = 0;
	watch_arm(w, WATCH_ROUND_MS);
}

static void watch_on_connect(const redisAsyncContext *ac, int status)
{
	struct cred_redis_watch *w = ac->data;

	if (status != REDIS_OK && w && w->ac == ac)
		watch_retry(w, (redisAsyncContext *)ac, WATCH_GONE,
			    ac->errstr[0] ? ac->errstr : "connect failed");
}

static void watch_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct cred_redis_watch *w = ac->data;

	(void)status;
	if (w && w->ac == ac)
		watch_retry(w, (redisAsyncContext *)ac, WATCH_GONE,
			    ac->errstr[0] ? ac->errstr : "connection closed");
}

static void watch_on_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_watch *w = ac->data;
	const redisReply *r = reply;

	(void)privdata;
	if (w && w->ac == ac && r && r->type == REDIS_REPLY_ERROR)
		watch_retry(w, ac, WATCH_DISCONNECT, r->str);
}

/* The subscription's replies: the confirmation, then one message per switch. */
static void watch_on_message(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct cred_redis_watch *w = ac->data;
	const redisReply *r = reply;
	struct cred_redis_addr a;

	(void)privdata;
	if (!w || w->ac != ac || r == NULL)
		return; /* going away: the disconnect callback handles it */
	if (r->type == REDIS_REPLY_ERROR) {
		watch_retry(w, ac, WATCH_DISCONNECT, r->str);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (!strcmp(r->element[0]->str, "subscribe")) {
		w->subscribed = true;
		w->tries = 0;
		event_del(w->timer);
		log_debug("cred", "redis sentinel watch addr=%s:%u master=%s",
			  w->conf->sentinel[w->idx].host, w->conf->sentinel[w->idx].port,
			  w->conf->master);
		return;
	}
	if (strcmp(r->element[0]->str, "message") || r->element[2]->type != REDIS_REPLY_STRING)
		return;
	if (cred_redis_watch_parse(r->element[2]->str, r->element[2]->len, w->conf->master, &a) ==
	    0)
		w->on_switch(w->arg, &a);
}

static void watch_subscribe(struct cred_redis_watch *w)
{
	const struct cred_redis_conf *cf = w->conf;
	const struct cred_redis_addr *s = &cf->sentinel[w->idx];
	redisAsyncContext *ac = redisAsyncConnect(s->host, s->port);
	const char *argv[2] = {"AUTH", cf->sentinel_password};
	unsigned ms = cf->connect_timeout_s ? cf->connect_timeout_s * 1000 : WATCH_TIMEOUT_MS;

	if (ac == NULL || ac->err || cred_redis_conn_attach(ac, w->base) < 0) {
		if (ac)
			redisAsyncFree(ac);
		w->idx = (w->idx + 1) % cf->nsentinels;
		watch_arm(w, WATCH_ROUND_MS);
		return;
	}
	ac->data = w;
	w->ac = ac;
	redisAsyncSetConnectCallback(ac, watch_on_connect);
	redisAsyncSetDisconnectCallback(ac, watch_on_disconnect);
	if (cf->sentinel_password[0])
		redisAsyncCommandArgv(ac, watch_on_auth, NULL, 2, argv, NULL);
	argv[0] = "SUBSCRIBE";
	argv[1] = WATCH_CHANNEL;
	redisAsyncCommandArgv(ac, watch_on_message, NULL, 2, argv, NULL);
	/* A sentinel that accepts but never confirms (stopped, or wants AUTH) is left. */
	watch_arm(w, ms > WATCH_TIMEOUT_MS ? WATCH_TIMEOUT_MS : ms);
}

static void watch_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct cred_redis_watch *w = arg;

	(void)fd;
	(void)what;
	if (w->ac)
		watch_retry(w, w->ac, WATCH_FREE, "no subscription (timeout)");
	else
		watch_subscribe(w);
}

int cred_redis_watch_init(struct cred_redis_watch *w, struct event_base *base,
			  const struct cred_redis_conf *conf, cred_redis_watch_cb on_switch,
			  void *arg)
{
	memset(w, 0, sizeof(*w));
	w->base = base;
	w->conf = conf;
	w->on_switch = on_switch;
	w->arg = arg;
	w->timer = evtimer_new(base, watch_on_timer, w);
	if (w->timer == NULL)
		return -ENOMEM;
	watch_arm(w, 0);
	return 0;
}

void cred_redis_watch_close(struct cred_redis_watch *w)
{
	if (w->ac) {
		w->ac->data = NULL;
		redisAsyncFree(w->ac);
		w->ac = NULL;
	}
	if (w->timer)
		event_free(w->timer);
	w->timer = NULL;
	w->subscribed = false;
}

/* Splits msg into at most max blank-separated fields. Returns how many there are (> max
 * when too many). */
static unsigned watch_split(const char *msg, size_t len, const char **f, size_t *flen, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && msg[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && msg[i] != ' ')
			i++;
		if (n < max) {
			f[n] = msg + start;
			flen[n] = i - start;
		}
		n++;
	}
	return n;
}

int cred_redis_watch_parse(const char *msg, size_t len, const char *master,
			   struct cred_redis_addr *out)
{
	const char *f[WATCH_FIELDS];
	size_t fl[WATCH_FIELDS];
	struct cred_redis_addr a;
	char hostport[CRED_REDIS_HOST_MAX + 16];
	const char *fmt;
	int n;

	if (watch_split(msg, len, f, fl, WATCH_FIELDS) != WATCH_FIELDS)
		return -EINVAL;
	if (fl[3] >= CRED_REDIS_HOST_MAX || fl[4] > 5 || memchr(f[3], '[', fl[3]))
		return -EINVAL;
	/* The address is checked before the name: a malformed message is -EINVAL whatever
	 * master it names. */
	fmt = memchr(f[3], ':', fl[3]) ? "[%.*s]:%.*s" : "%.*s:%.*s";
	n = snprintf(hostport, sizeof(hostport), fmt, (int)fl[3], f[3], (int)fl[4], f[4]);
	if (n < 0 || (size_t)n >= sizeof(hostport) ||
	    cred_redis_addr_parse(hostport, (size_t)n, 0, &a) < 0)
		return -EINVAL;
	if (strlen(master) != fl[0] || memcmp(master, f[0], fl[0]))
		return -ENOENT;
	*out = a;
	return 0;
}
