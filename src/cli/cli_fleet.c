/* ternctl sessions --fleet, kill --fleet (cli/cli.h): the session registry of every live
 * node (tern/fleet/nodes, lease end >= Redis's TIME) read from Redis, and kills published
 * on the fleet's control channel (keys: cred/fleet_keys.h, formats: cred/fleet_fmt.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "base/xmalloc.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cli_redis.h"
#include "cred/fleet_fmt.h"
#include "cred/fleet_keys.h"

/* How long kill --fleet waits for the sessions to leave the registry, and how often it
 * looks. */
#define CLI_FLEET_WAIT_MS 3000
#define CLI_FLEET_POLL_MS 100

struct cli_fleet_ent {
	char *node; /* the node instance id (malloc'd) */
	uint64_t id;
	struct fleet_sess s;
	bool gone;
};

struct cli_fleet_list {
	struct cli_fleet_ent *v;
	size_t n, cap;
	uint64_t now_ms; /* Redis's clock */
};

/* Which sessions: user (and realm), or a node's session id, or everything. */
struct cli_fleet_want {
	const char *user, *realm;
	const char *node; /* with id */
	uint64_t id;
};

static void cli_fleet_list_free(struct cli_fleet_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].node);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cli_fleet_now(struct cli *c, uint64_t *out)
{
	redisReply *r = NULL;
	int rc = cli_db_reply(c, &r, CLI_ARGV("TIME"));

	if (rc)
		return rc;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
		rc = cli_fail(c, CLI_REFUSED, "redis TIME: unexpected reply");
	else
		*out = strtoull(r->element[0]->str, NULL, 10) * 1000u +
		       strtoull(r->element[1]->str, NULL, 10) / 1000u;
	freeReplyObject(r);
	return rc;
}

/* The live nodes' ids into out. */
static int cli_fleet_nodes(struct cli *c, uint64_t now_ms, struct cli_strv *out)
{
	char min[24];
	redisReply *r = NULL;
	int rc;

	snprintf(min, sizeof(min), "%" PRIu64, now_ms);
	rc = cli_db_reply(c, &r, CLI_ARGV("ZRANGEBYSCORE", FLEET_KEY_NODES, min, "+inf"));
	if (rc)
		return rc;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			cli_strv_push(out, xstrdup(r->element[i]->str));
	freeReplyObject(r);
	cli_strv_sort_uniq(out);
	return CLI_OK;
}

static bool cli_fleet_match(const struct cli_fleet_want *w, const char *node, uint64_t id,
			    const struct fleet_sess *s)
{
	if (w->node)
		return id == w->id && strcmp(node, w->node) == 0;
	if (w->user && strcmp(w->user, s->user) != 0)
		return false;
	return !w->realm || strcmp(w->realm, s->realm) == 0;
}

/* One registry entry (field: the session id in hex, value: the line) into l if wanted.
 * Lines it cannot read are counted in *bad. */
static void cli_fleet_take(struct cli_fleet_list *l, const struct cli_fleet_want *w,
			   const char *node, const redisReply *f, const redisReply *v, size_t *bad)
{
	struct cli_fleet_ent e = {0};
	char *end = NULL;

	if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
		return;
	e.id = strtoull(f->str, &end, 16);
	if (f->len != 16 || *end || fleet_sess_parse(v->str, (size_t)v->len, &e.s) < 0) {
		(*bad)++;
		return;
	}
	if (!cli_fleet_match(w, node, e.id, &e.s))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	e.node = xstrdup(node);
	l->v[l->n++] = e;
}

static int cli_fleet_ent_cmp(const void *a, const void *b)
{
	const struct cli_fleet_ent *x = a, *y = b;
	int d = strcmp(x->node, y->node);

	if (d)
		return d;
	return x->s.since_ms < y->s.since_ms ? -1 : x->s.since_ms > y->s.since_ms;
}

/* Every wanted session of every live node into l, sorted by node and age. */
static int cli_fleet_read(struct cli *c, const struct cli_fleet_want *w, struct cli_fleet_list *l)
{
	struct cli_strv nodes = {0};
	size_t bad = 0;
	int rc = cli_fleet_now(c, &l->now_ms);

	if (rc == CLI_OK)
		rc = cli_fleet_nodes(c, l->now_ms, &nodes);
	for (size_t i = 0; rc == CLI_OK && i < nodes.n; i++) {
		char key[FLEET_ID_MAX + 64];
		redisReply *r = NULL;

		snprintf(key, sizeof(key), FLEET_KEY_NODE "%s" FLEET_KEY_SESSIONS, nodes.v[i]);
		rc = cli_db_reply(c, &r, CLI_ARGV("HGETALL", key));
		for (size_t j = 0;
		     rc == CLI_OK && r->type == REDIS_REPLY_ARRAY && j + 1 < r->elements; j += 2)
			cli_fleet_take(l, w, nodes.v[i], r->element[j], r->element[j + 1], &bad);
		if (r)
			freeReplyObject(r);
	}
	cli_strv_free(&nodes);
	if (bad)
		fprintf(stderr, "ternctl %s: %zu registry lines skipped (not version %d)\n",
			c->name, bad, FLEET_SESS_VERSION);
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cli_fleet_ent_cmp);
	return rc;
}

/* s as a key=value value, as ternd's admin socket writes it: bare when it is printable
 * ASCII without '"' and '\\', else quoted with \" \\ and \xNN escapes. */
static void cli_fleet_text(FILE *f, const char *s)
{
	bool bare = *s != '\0';

	for (const unsigned char *p = (const unsigned char *)s; *p && bare; p++)
		bare = *p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\';
	if (bare) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p >= 0x20 && *p < 0x7f)
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
	fputc('"', f);
}

static uint64_t cli_fleet_secs(uint64_t later, uint64_t earlier)
{
	return later > earlier ? (later - earlier) / 1000 : 0;
}

static void cli_fleet_print_text(const struct cli_fleet_ent *e, uint64_t now)
{
	const struct fleet_sess *s = &e->s;

	printf("node=%s id=%" PRIx64 " transport=%s client=%s local=%s relay=%s user=", e->node,
	       e->id, s->transport, s->client, s->local, s->relay);
	cli_fleet_text(stdout, s->user);
	fputs(" realm=", stdout);
	cli_fleet_text(stdout, s->realm);
	printf(" age=%" PRIu64 " expires=%" PRIu64 " pkts_to_peer=%" PRIu64
	       " pkts_to_client=%" PRIu64 " bytes_to_peer=%" PRIu64 " bytes_to_client=%" PRIu64
	       "\n",
	       cli_fleet_secs(now, s->since_ms), cli_fleet_secs(s->expires_ms, now),
	       s->pkts_to_peer, s->pkts_to_client, s->bytes_to_peer, s->bytes_to_client);
}

static void cli_fleet_print_json(const struct cli_fleet_ent *e, uint64_t now, bool first)
{
	const struct fleet_sess *s = &e->s;
	char id[24], relay[sizeof(s->relay)];
	char *save = NULL;

	snprintf(id, sizeof(id), "%" PRIx64, e->id);
	printf("%s{", first ? "" : ",\n");
	cli_json_kv_str(stdout, 1, "node", e->node);
	cli_json_kv_str(stdout, 0, "id", id);
	cli_json_kv_str(stdout, 0, "transport", s->transport);
	cli_json_kv_str(stdout, 0, "client", s->client);
	cli_json_kv_str(stdout, 0, "local", s->local);
	fputs(", \"relay\": [", stdout);
	memcpy(relay, s->relay, sizeof(relay));
	for (char *a = strtok_r(relay, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		fputs(a == relay ? "" : ", ", stdout);
		cli_json_str(stdout, a);
	}
	fputs("]", stdout);
	cli_json_kv_str(stdout, 0, "user", s->user);
	cli_json_kv_str(stdout, 0, "realm", s->realm);
	cli_json_kv_num(stdout, 0, "age", (long long)cli_fleet_secs(now, s->since_ms));
	cli_json_kv_num(stdout, 0, "expires", (long long)cli_fleet_secs(s->expires_ms, now));
	cli_json_kv_num(stdout, 0, "pkts_to_peer", (long long)s->pkts_to_peer);
	cli_json_kv_num(stdout, 0, "pkts_to_client", (long long)s->pkts_to_client);
	cli_json_kv_num(stdout, 0, "bytes_to_peer", (long long)s->bytes_to_peer);
	cli_json_kv_num(stdout, 0, "bytes_to_client", (long long)s->bytes_to_client);
	fputs("}", stdout);
}

int cli_fleet_sessions(struct cli *c)
{
	struct cli_fleet_want w = {.user = c->o->user, .realm = c->o->realm};
	struct cli_fleet_list l = {0};
	int rc = cli_redis_connect(c, c->o->redis, &c->db);

	if (rc == CLI_OK)
		rc = cli_fleet_read(c, &w, &l);
	if (rc == CLI_OK && c->o->json)
		fputs("[\n", stdout);
	for (size_t i = 0; rc == CLI_OK && i < l.n; i++) {
		if (c->o->json)
			cli_fleet_print_json(&l.v[i], l.now_ms, i == 0);
		else
			cli_fleet_print_text(&l.v[i], l.now_ms);
	}
	if (rc == CLI_OK && c->o->json)
		fputs(l.n ? "\n]\n" : "]\n", stdout);
	cli_fleet_list_free(&l);
	return rc;
}

/* ---- kill --fleet ---- */

/* "NODE/ID" or "ID" (hex, as sessions prints it) into w (node into buf). */
static int cli_fleet_target(struct cli *c, const char *arg, struct cli_fleet_want *w, char *buf,
			    size_t cap)
{
	const char *slash = strrchr(arg, '/'), *hex = slash ? slash + 1 : arg;
	size_t len = strlen(hex);
	char *end = NULL;

	w->id = strtoull(hex, &end, 16);
	if (len == 0 || len > 16 || *end || w->id == 0 ||
	    strspn(hex, "0123456789abcdefABCDEF") != len)
		return cli_fail(c, CLI_USAGE, "SESSION is NODE/ID or ID (hex), not \"%.80s\"", arg);
	if (slash == NULL)
		return CLI_OK;
	if (slash == arg || (size_t)(slash - arg) >= cap)
		return cli_fail(c, CLI_USAGE, "bad NODE in \"%.80s\"", arg);
	memcpy(buf, arg, (size_t)(slash - arg));
	buf[slash - arg] = '\0';
	w->node = buf;
	return CLI_OK;
}

static int cli_fleet_publish(struct cli *c, const struct fleet_ctl *ctl)
{
	char msg[4 * FLEET_NAME_MAX];
	long long n = 0;
	int rc;

	if (fleet_ctl_format(ctl, msg, sizeof(msg)) < 0)
		return cli_fail(c, CLI_USAGE, "argument too long");
	rc = cli_db_int(c, &n, CLI_ARGV("PUBLISH", FLEET_CHANNEL_CONTROL, msg));
	if (rc == CLI_OK && n == 0)
		return cli_fail(c, CLI_REFUSED, "no node listens on %s", FLEET_CHANNEL_CONTROL);
	return rc;
}

/* Marks the entries of l whose field left their node's registry. How many are gone. */
static int cli_fleet_look(struct cli *c, struct cli_fleet_list *l, size_t *gone)
{
	for (size_t i = 0; i < l->n; i++) {
		char key[FLEET_ID_MAX + 64], field[24];
		long long n = 0;
		int rc;

		if (l->v[i].gone)
			continue;
		snprintf(key, sizeof(key), FLEET_KEY_NODE "%s" FLEET_KEY_SESSIONS, l->v[i].node);
		snprintf(field, sizeof(field), "%016" PRIx64, l->v[i].id);
		rc = cli_db_int(c, &n, CLI_ARGV("HEXISTS", key, field));
		if (rc)
			return rc;
		if (n == 0) {
			l->v[i].gone = true;
			(*gone)++;
		}
	}
	return CLI_OK;
}

/* Waits (CLI_FLEET_WAIT_MS at most) until every session of l left the registry. */
static int cli_fleet_wait(struct cli *c, struct cli_fleet_list *l, size_t *gone)
{
	struct timespec pause = {0, CLI_FLEET_POLL_MS * 1000000L};
	int rc = CLI_OK;

	*gone = 0;
	for (int t = 0; t <= CLI_FLEET_WAIT_MS; t += CLI_FLEET_POLL_MS) {
		rc = cli_fleet_look(c, l, gone);
		if (rc || *gone == l->n)
			break;
		nanosleep(&pause, NULL);
	}
	return rc;
}

/* The sessions to kill: every one matching w; an ID without NODE must be unique. */
static int cli_fleet_targets(struct cli *c, struct cli_fleet_want *w, struct cli_fleet_list *l)
{
	struct cli_fleet_want any = {0};
	int rc;

	if (w->node || w->user)
		return cli_fleet_read(c, w, l);
	rc = cli_fleet_read(c, &any, l);
	for (size_t i = 0; rc == CLI_OK && i < l->n; i++)
		if (l->v[i].id != w->id)
			l->v[i].gone = true; /* not wanted: dropped below */
	if (rc)
		return rc;
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].gone)
			free(l->v[i].node);
		else
			l->v[n++] = l->v[i];
	}
	l->n = n;
	if (n > 1)
		return cli_fail(c, CLI_USAGE, "session %" PRIx64 " is on %zu nodes: give NODE/ID",
				w->id, n);
	return CLI_OK;
}

static int cli_fleet_send(struct cli *c, const struct cli_fleet_want *w,
			  const struct cli_fleet_list *l)
{
	struct fleet_ctl ctl;

	memset(&ctl, 0, sizeof(ctl));
	if (w->user) {
		ctl.kind = FLEET_CTL_KILL_USER;
		ctl.any_realm = w->realm == NULL;
		snprintf(ctl.realm, sizeof(ctl.realm), "%s", w->realm ? w->realm : "");
		snprintf(ctl.user, sizeof(ctl.user), "%s", w->user);
		return cli_fleet_publish(c, &ctl);
	}
	ctl.kind = FLEET_CTL_KILL_SESSION;
	ctl.id = w->id;
	snprintf(ctl.node, sizeof(ctl.node), "%s", w->node ? w->node : l->n ? l->v[0].node : "");
	return ctl.node[0] ? cli_fleet_publish(c, &ctl) : CLI_OK;
}

int cli_fleet_kill(struct cli *c)
{
	const struct cli_opts *o = c->o;
	struct cli_fleet_want w = {.user = o->user, .realm = o->realm};
	struct cli_fleet_list l = {0};
	char node[FLEET_NAME_MAX];
	size_t gone = 0;
	int rc = CLI_OK;

	if ((o->n_args == 1) == (o->user != NULL))
		return cli_fail(
			c, CLI_USAGE,
			"give one SESSION (NODE/ID) or --user USER (try 'ternctl kill --help')");
	if (o->user && !*o->user)
		return cli_fail(c, CLI_USAGE, "--user is empty");
	if (o->n_args == 1)
		rc = cli_fleet_target(c, o->args[0], &w, node, sizeof(node));
	if (rc == CLI_OK)
		rc = cli_redis_connect(c, o->redis, &c->db);
	if (rc == CLI_OK)
		rc = cli_fleet_targets(c, &w, &l);
	/* Sent even when the registry knows none: it may not have been written yet. */
	if (rc == CLI_OK)
		rc = cli_fleet_send(c, &w, &l);
	if (rc == CLI_OK)
		rc = cli_fleet_wait(c, &l, &gone);
	if (rc == CLI_OK && gone == 0)
		rc = cli_fail(c, CLI_REFUSED, "%s",
			      l.n == 0 ? (w.user ? "no session of that user in the fleet"
						 : "no such session in the fleet")
				       : "the sessions are still in the registry");
	else if (rc == CLI_OK)
		printf("killed=%zu\n", gone);
	cli_fleet_list_free(&l);
	return rc;
}
