/* The admin socket's verbs (app/admin.h): each runs on the main thread and reaches the
 * workers only through net_server_each (DESIGN.md §3). */
#include "config.h"

#include "app/admin.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "app/app.h"
#include "app/cfg.h"
#include "app/drain.h"
#include "base/addr.h"
#include "base/log.h"
#include "net/server.h"
#include "net/worker.h"
#include "turn/server.h"

#define APP_ADMIN_ARGS 8

/* A parsed request: VERB, the json word, key=value arguments (decoded), other words. */
struct app_admin_req {
	const char *verb;
	bool json;
	const char *user, *realm, *id, *timeout;
	const char *word; /* the first other word (log-level's LEVEL) */
};

static int app_admin_parse(char *line, struct app_admin_req *rq, char *why, size_t cap)
{
	char *save = NULL, *t;

	memset(rq, 0, sizeof(*rq));
	rq->verb = strtok_r(line, " ", &save);
	if (rq->verb == NULL) {
		snprintf(why, cap, "empty request");
		return -1;
	}
	while ((t = strtok_r(NULL, " ", &save)) != NULL) {
		char *eq = strchr(t, '=');
		const char **slot = NULL;

		if (eq == NULL) {
			if (strcmp(t, "json") == 0)
				rq->json = true;
			else if (rq->word == NULL)
				rq->word = t;
			continue;
		}
		*eq = '\0';
		if (strcmp(t, "user") == 0)
			slot = &rq->user;
		else if (strcmp(t, "realm") == 0)
			slot = &rq->realm;
		else if (strcmp(t, "id") == 0)
			slot = &rq->id;
		else if (strcmp(t, "timeout") == 0)
			slot = &rq->timeout;
		if (slot == NULL || app_admin_pct_decode(eq + 1) < 0) {
			snprintf(why, cap, "bad argument \"%.64s\"", t);
			return -1;
		}
		*slot = eq + 1;
	}
	return 0;
}

/* ---- status ---- */

static int app_admin_status(struct app *a, const struct app_admin_req *rq, struct evbuffer *b,
			    char *why, size_t cap)
{
	uint64_t now = (uint64_t)time(NULL);
	unsigned long long up = now > a->st.started_s ? now - a->st.started_s : 0;
	uint64_t allocs = 0;
	int ready = atomic_load(&a->st.ready), draining = atomic_load(&a->st.draining);

	if (app_alloc_count(a, &allocs) < 0) {
		snprintf(why, cap, "a worker did not answer");
		return -1;
	}
	if (rq->json)
		evbuffer_add_printf(b,
				    "{\"version\":\"%s\",\"pid\":%ld,\"uptime\":%llu,"
				    "\"workers\":%u,\"allocations\":%llu,\"ready\":%s,"
				    "\"draining\":%s}\n",
				    PACKAGE_VERSION, (long)getpid(), up,
				    net_server_nworkers(a->srv), (unsigned long long)allocs,
				    ready ? "true" : "false", draining ? "true" : "false");
	else
		evbuffer_add_printf(b,
				    "version=%s\npid=%ld\nuptime=%llu\nworkers=%u\n"
				    "allocations=%llu\nready=%d\ndraining=%d\n",
				    PACKAGE_VERSION, (long)getpid(), up,
				    net_server_nworkers(a->srv), (unsigned long long)allocs, ready,
				    draining);
	return 0;
}

/* ---- sessions ---- */

struct app_sess_q {
	const struct app_admin_req *rq;
	struct evbuffer **out; /* one per worker: workers run concurrently */
};

struct app_sess_w {
	const struct app_admin_req *rq;
	struct evbuffer *b;
};

static void app_sess_text(struct evbuffer *b, const struct turn_session *ss)
{
	char c[ADDR_STR_MAX], l[ADDR_STR_MAX], r[ADDR_STR_MAX];

	evbuffer_add_printf(
		b, "id=%llx transport=%s client=%s local=%s relay=", (unsigned long long)ss->id,
		ss->transport, addr_to_str(&ss->client, c, sizeof(c)),
		addr_to_str(&ss->local, l, sizeof(l)));
	for (unsigned i = 0; i < ss->nrelay; i++)
		evbuffer_add_printf(b, "%s%s", i ? "," : "",
				    addr_to_str(&ss->relayed[i], r, sizeof(r)));
	evbuffer_add(b, " user=", 6);
	app_admin_put_text(b, ss->user);
	evbuffer_add(b, " realm=", 7);
	app_admin_put_text(b, ss->realm);
	evbuffer_add_printf(
		b,
		" age=%llu expires=%llu pkts_to_peer=%llu pkts_to_client=%llu "
		"bytes_to_peer=%llu bytes_to_client=%llu\n",
		(unsigned long long)ss->age_ms / 1000, (unsigned long long)ss->expires_in_ms / 1000,
		(unsigned long long)ss->pkts_to_peer, (unsigned long long)ss->pkts_to_client,
		(unsigned long long)ss->bytes_to_peer, (unsigned long long)ss->bytes_to_client);
}

static void app_sess_json(struct evbuffer *b, const struct turn_session *ss)
{
	char c[ADDR_STR_MAX], l[ADDR_STR_MAX], r[ADDR_STR_MAX];

	evbuffer_add_printf(b,
			    "{\"id\":\"%llx\",\"transport\":\"%s\",\"client\":\"%s\","
			    "\"local\":\"%s\",\"relay\":[",
			    (unsigned long long)ss->id, ss->transport,
			    addr_to_str(&ss->client, c, sizeof(c)),
			    addr_to_str(&ss->local, l, sizeof(l)));
	for (unsigned i = 0; i < ss->nrelay; i++)
		evbuffer_add_printf(b, "%s\"%s\"", i ? "," : "",
				    addr_to_str(&ss->relayed[i], r, sizeof(r)));
	evbuffer_add(b, "],\"user\":", 9);
	app_admin_put_json(b, ss->user);
	evbuffer_add(b, ",\"realm\":", 9);
	app_admin_put_json(b, ss->realm);
	evbuffer_add_printf(
		b,
		",\"age\":%llu,\"expires\":%llu,\"pkts_to_peer\":%llu,"
		"\"pkts_to_client\":%llu,\"bytes_to_peer\":%llu,"
		"\"bytes_to_client\":%llu}\n",
		(unsigned long long)ss->age_ms / 1000, (unsigned long long)ss->expires_in_ms / 1000,
		(unsigned long long)ss->pkts_to_peer, (unsigned long long)ss->pkts_to_client,
		(unsigned long long)ss->bytes_to_peer, (unsigned long long)ss->bytes_to_client);
}

static int app_sess_one(const struct turn_session *ss, void *arg)
{
	struct app_sess_w *sw = arg;
	const struct app_admin_req *rq = sw->rq;

	if ((rq->user && strcmp(rq->user, ss->user) != 0) ||
	    (rq->realm && strcmp(rq->realm, ss->realm) != 0))
		return 0;
	if (rq->json)
		app_sess_json(sw->b, ss);
	else
		app_sess_text(sw->b, ss);
	return 0;
}

static void app_sess_worker(struct net_worker *w, void *arg)
{
	struct app_sess_q *q = arg;
	struct app_sess_w sw = {q->rq, q->out[w->id]};

	if (w->turn)
		turn_server_sessions(w->turn, net_worker_now(w), app_sess_one, &sw);
}

/* JSON: the objects (one a line) of every worker into one array. */
static void app_sess_join(struct evbuffer **out, unsigned n, struct evbuffer *b, bool json)
{
	bool first = true;
	char *line;
	size_t len;

	if (json)
		evbuffer_add(b, "[\n", 2);
	for (unsigned i = 0; i < n; i++) {
		if (!json) {
			evbuffer_add_buffer(b, out[i]);
			continue;
		}
		while ((line = evbuffer_readln(out[i], &len, EVBUFFER_EOL_LF)) != NULL) {
			evbuffer_add_printf(b, "%s%s", first ? "" : ",\n", line);
			first = false;
			free(line);
		}
	}
	if (json)
		evbuffer_add(b, first ? "]\n" : "\n]\n", first ? 2 : 3);
}

static int app_admin_sessions(struct app *a, const struct app_admin_req *rq, struct evbuffer *b)
{
	unsigned n = net_server_nworkers(a->srv);
	struct evbuffer **out = calloc(n, sizeof(*out));
	struct app_sess_q q = {rq, out};
	int rc = out ? 0 : -1;

	for (unsigned i = 0; i < n && rc == 0; i++)
		if ((out[i] = evbuffer_new()) == NULL)
			rc = -1;
	if (rc == 0 && net_server_each(a->srv, app_sess_worker, &q) < 0)
		rc = -1;
	if (rc == 0)
		app_sess_join(out, n, b, rq->json);
	for (unsigned i = 0; out && i < n; i++)
		if (out[i])
			evbuffer_free(out[i]);
	free(out);
	return rc;
}

/* ---- kill ---- */

struct app_kill {
	uint64_t id;
	const char *user, *realm; /* user set: every allocation of it */
	atomic_int n;
};

static void app_kill_worker(struct net_worker *w, void *arg)
{
	struct app_kill *k = arg;
	int rc;

	if (w->turn == NULL)
		return;
	if (k->user)
		rc = turn_server_kill_user(w->turn, k->user, k->realm);
	else
		rc = turn_server_kill(w->turn, k->id) == 0 ? 1 : 0;
	if (rc > 0)
		atomic_fetch_add(&k->n, rc);
}

static int app_admin_kill(struct app *a, const struct app_admin_req *rq, struct evbuffer *b,
			  char *why, size_t cap)
{
	struct app_kill k = {.user = rq->user, .realm = rq->realm};
	char *end = NULL;
	int n;

	if (!rq->user) {
		const char *id = rq->id ? rq->id : rq->word;

		k.id = id ? strtoull(id, &end, 16) : 0;
		if (!id || !*id || *end || k.id == 0) {
			snprintf(why, cap, "kill needs id=SESSION (hex) or user=USER");
			return -1;
		}
	}
	net_server_each(a->srv, app_kill_worker, &k);
	n = atomic_load(&k.n);
	if (rq->user)
		log_info("admin", "kill by=user killed=%d", n);
	else
		log_info("admin", "kill id=%llx killed=%d", (unsigned long long)k.id, n);
	if (n == 0) {
		snprintf(why, cap, "%s", rq->user ? "no session of that user" : "no such session");
		return -1;
	}
	evbuffer_add_printf(b, "killed=%d\n", n);
	return 0;
}

/* ---- reload, drain, log-level ---- */

static int app_admin_drain(struct app *a, const struct app_admin_req *rq, struct evbuffer *b,
			   char *why, size_t cap)
{
	long long t = a->cfg->drain_timeout;
	uint64_t n = 0;
	char *end = NULL;
	int rc;

	if (rq->timeout) {
		t = strtoll(rq->timeout, &end, 10);
		if (!*rq->timeout || *end || t < 0 || t > 86400) {
			snprintf(why, cap, "timeout must be 0..86400 seconds");
			return -1;
		}
	}
	rc = app_drain_start(a, t, "by=admin");
	if (rc < 0 && rc != -EALREADY) {
		snprintf(why, cap, "drain not started: %s", strerror(-rc));
		return -1;
	}
	app_alloc_count(a, &n);
	evbuffer_add_printf(b, "%sdraining=1 timeout=%lld allocations=%llu\n",
			    rc == -EALREADY ? "already " : "", rc == -EALREADY ? -1 : t,
			    (unsigned long long)n);
	return 0;
}

static int app_admin_log_level(const struct app_admin_req *rq, struct evbuffer *b, char *why,
			       size_t cap)
{
	static const char *const names[] = {"err", "warn", "info", "debug"};

	for (int i = 0; rq->word && i < 4; i++) {
		if (strcmp(rq->word, names[i]) != 0)
			continue;
		log_info("admin", "log level set level=%s", names[i]);
		log_set_level((enum log_level)i);
		evbuffer_add_printf(b, "log_level=%s\n", names[i]);
		return 0;
	}
	snprintf(why, cap, "log-level needs err, warn, info or debug");
	return -1;
}

static int app_admin_sessions_verb(struct app *a, const struct app_admin_req *rq,
				   struct evbuffer *b, char *why, size_t cap)
{
	if (app_admin_sessions(a, rq, b) == 0)
		return 0;
	snprintf(why, cap, "a worker did not answer");
	return -1;
}

static int app_admin_reload(struct app *a, const struct app_admin_req *rq, struct evbuffer *b,
			    char *why, size_t cap)
{
	(void)rq;
	log_info("admin", "reload by=admin");
	if (app_reload(a, why, cap) < 0)
		return -1;
	evbuffer_add_printf(b, "reloaded\n");
	return 0;
}

static int app_admin_log_level_verb(struct app *a, const struct app_admin_req *rq,
				    struct evbuffer *b, char *why, size_t cap)
{
	(void)a;
	return app_admin_log_level(rq, b, why, cap);
}

typedef int (*app_admin_verb_cb)(struct app *a, const struct app_admin_req *rq, struct evbuffer *b,
				 char *why, size_t cap);

static const struct {
	const char *name;
	app_admin_verb_cb run;
} app_admin_verbs[] = {
	{"status", app_admin_status}, {"sessions", app_admin_sessions_verb},
	{"kill", app_admin_kill},     {"reload", app_admin_reload},
	{"drain", app_admin_drain},   {"log-level", app_admin_log_level_verb},
};

int app_admin_run(struct app *a, char *line, struct evbuffer *body, char *why, size_t cap)
{
	struct app_admin_req rq;

	if (app_admin_parse(line, &rq, why, cap) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(app_admin_verbs) / sizeof(app_admin_verbs[0]); i++) {
		if (strcmp(rq.verb, app_admin_verbs[i].name) != 0)
			continue;
		log_debug("admin", "request verb=%s", app_admin_verbs[i].name);
		return app_admin_verbs[i].run(a, &rq, body, why, cap);
	}
	snprintf(why, cap, "unknown verb");
	return -1;
}
