/* The fleet's session registry and control channel (cred/fleet_reg.h). */
#include "cred/fleet_reg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/log.h"
#include "cred/fleet_fmt.h"
#include "cred/fleet_int.h"

/* Past this many lines waiting for a tick, the next tick writes everything instead. */
#define FLEET_REG_PENDING_MAX 65536

/* The full refresh of one worker's lines: KEYS[1] the node's sessions, ARGV[1] the lease
 * (ms), ARGV[2] the worker's line prefix ("v=1 w=N "), then field/line pairs. This
 * worker's lines not in the set go, the set is written (in slices: Lua's unpack has a
 * limit), the hash expires a lease from now. Lines of other workers stay. */
static const char fleet_reg_lua[] =
	"local keep = {}\n"
	"for i = 3, #ARGV, 2 do keep[ARGV[i]] = true end\n"
	"local all = redis.call('HGETALL', KEYS[1])\n"
	"local tag = ARGV[2]\n"
	"for i = 1, #all, 2 do\n"
	"  if not keep[all[i]] and string.sub(all[i + 1], 1, #tag) == tag then\n"
	"    redis.call('HDEL', KEYS[1], all[i])\n"
	"  end\n"
	"end\n"
	"for i = 3, #ARGV, 200 do\n"
	"  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 199, #ARGV)))\n"
	"end\n"
	"redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
	"return 0\n";

struct fleet_reg_line {
	uint64_t id;
	char *line; /* malloc'd; NULL in the ended list */
};

struct fleet_reg_vec {
	struct fleet_reg_line *v;
	size_t n, cap;
};

struct fleet_reg {
	struct fleet_worker *fw;
	struct cred_redis_conn sub; /* subscribed to FLEET_CHANNEL_CONTROL */
	bool sub_init;
	fleet_reg_list_fn list;
	fleet_reg_ctl_fn ctl;
	void *arg;
	char key[FLEET_ID_MAX + 32];
	char tag[32];		    /* "v=1 w=N " */
	char lease[24];		    /* ms */
	struct fleet_reg_vec up;    /* begun since the last write */
	struct fleet_reg_vec down;  /* ended since the last write */
	struct fleet_reg_vec batch; /* the full refresh being listed */
	bool batch_failed;
	bool need_full;
	uint64_t next_full; /* tick */
	uint32_t full_ticks;
	bool warned;
};

static void fleet_reg_vec_clear(struct fleet_reg_vec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].line);
	v->n = 0;
}

static void fleet_reg_vec_free(struct fleet_reg_vec *v)
{
	fleet_reg_vec_clear(v);
	free(v->v);
	v->v = NULL;
	v->cap = 0;
}

/* Appends (id, line taken). 0, or -ENOMEM / -E2BIG (line freed). */
static int fleet_reg_vec_add(struct fleet_reg_vec *v, uint64_t id, char *line, size_t max)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct fleet_reg_line *nv = v->n >= max ? NULL : realloc(v->v, cap * sizeof(*nv));

		if (nv == NULL) {
			free(line);
			return v->n >= max ? -E2BIG : -ENOMEM;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].id = id;
	v->v[v->n++].line = line;
	return 0;
}

static void fleet_reg_done(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct fleet_reg *r = privdata;
	const redisReply *rep = reply;

	(void)ac;
	if (rep == NULL)
		return; /* the connection went: fleet_reg_down */
	if (rep->type != REDIS_REPLY_ERROR) {
		r->warned = false;
		return;
	}
	r->need_full = true;
	if (!r->warned)
		log_warn("fleet", "session registry write refused id=%s err=\"%s\"", r->fw->f->id,
			 rep->str);
	r->warned = true;
}

/* Sends head[0..nhead) then, for each line of v, its field (16 hex) and, with lines, the
 * line. 0 or -EIO / -ENOMEM. */
static int fleet_reg_send(struct fleet_reg *r, const char **head, size_t nhead,
			  const struct fleet_reg_vec *v, bool lines)
{
	size_t per = lines ? 2 : 1, n = nhead + per * v->n;
	const char **argv = malloc(n * sizeof(*argv));
	char(*fields)[17] = malloc((v->n ? v->n : 1) * sizeof(*fields));
	int rc = -ENOMEM;

	if (argv && fields) {
		memcpy(argv, head, nhead * sizeof(*argv));
		for (size_t i = 0; i < v->n; i++) {
			snprintf(fields[i], sizeof(fields[i]), "%016" PRIx64, v->v[i].id);
			argv[nhead + per * i] = fields[i];
			if (lines)
				argv[nhead + per * i + 1] = v->v[i].line;
		}
		rc = fleet_cmd(r->fw, fleet_reg_done, r, (int)n, argv, NULL);
	}
	free(fields);
	free(argv);
	return rc;
}

/* Everything of this worker, with the byte counts of now. */
static void fleet_reg_full(struct fleet_reg *r)
{
	const char *head[] = {"EVAL", fleet_reg_lua, "1", r->key, r->lease, r->tag};
	struct fleet_worker *fw = r->fw;

	r->batch_failed = false;
	if (r->list)
		r->list(r->arg, fw);
	if (!r->batch_failed &&
	    fleet_reg_send(r, head, sizeof(head) / sizeof(head[0]), &r->batch, true) == 0) {
		fleet_reg_vec_clear(&r->up);
		fleet_reg_vec_clear(&r->down);
		r->need_full = false;
		r->next_full = fw->ticks + r->full_ticks;
	} else {
		r->need_full = true;
	}
	fleet_reg_vec_clear(&r->batch);
}

/* What began and ended since the last write: the new lines first, so that one that
 * began and ended in between goes too. */
static void fleet_reg_flush(struct fleet_reg *r)
{
	const char *hset[] = {"HSET", r->key}, *hdel[] = {"HDEL", r->key};
	const char *exp[] = {"PEXPIRE", r->key, r->lease};
	struct fleet_reg_vec none = {0};
	int rc = 0;

	if (r->up.n)
		rc = fleet_reg_send(r, hset, 2, &r->up, true);
	if (rc == 0 && r->down.n)
		rc = fleet_reg_send(r, hdel, 2, &r->down, false);
	if (rc == 0)
		rc = fleet_reg_send(r, exp, 3, &none, false);
	if (rc)
		r->need_full = true;
	fleet_reg_vec_clear(&r->up);
	fleet_reg_vec_clear(&r->down);
}

void fleet_reg_tick(struct fleet_worker *fw)
{
	struct fleet_reg *r = fw->reg;

	if (r == NULL || !fleet_worker_up(fw))
		return;
	if (r->need_full || fw->ticks >= r->next_full)
		fleet_reg_full(r);
	else if (r->up.n || r->down.n)
		fleet_reg_flush(r);
}

void fleet_reg_up(struct fleet_worker *fw)
{
	if (fw->reg)
		fleet_reg_full(fw->reg);
}

void fleet_reg_down(struct fleet_worker *fw)
{
	struct fleet_reg *r = fw->reg;

	if (r == NULL)
		return;
	fleet_reg_vec_clear(&r->up);
	fleet_reg_vec_clear(&r->down);
	r->need_full = true;
}

/* s's line, malloc'd, or NULL. */
static char *fleet_reg_line(struct fleet_worker *fw, const struct fleet_sess *s)
{
	struct fleet_sess w = *s;
	char buf[FLEET_LINE_MAX];
	int n;

	w.worker = fw->id;
	n = fleet_sess_format(&w, buf, sizeof(buf));
	return n < 0 ? NULL : strdup(buf);
}

void fleet_reg_session_up(struct fleet_worker *fw, uint64_t id, const struct fleet_sess *s)
{
	struct fleet_reg *r = fw->reg;
	char *line;

	if (r == NULL || r->need_full)
		return; /* the full refresh writes it */
	line = fleet_reg_line(fw, s);
	if (line == NULL || fleet_reg_vec_add(&r->up, id, line, FLEET_REG_PENDING_MAX) < 0)
		r->need_full = true;
}

void fleet_reg_session_down(struct fleet_worker *fw, uint64_t id)
{
	struct fleet_reg *r = fw->reg;

	if (r == NULL || r->need_full)
		return;
	if (fleet_reg_vec_add(&r->down, id, NULL, FLEET_REG_PENDING_MAX) < 0)
		r->need_full = true;
}

void fleet_reg_put(struct fleet_worker *fw, uint64_t id, const struct fleet_sess *s)
{
	struct fleet_reg *r = fw->reg;
	char *line;

	if (r == NULL || r->batch_failed)
		return;
	line = fleet_reg_line(fw, s);
	if (line == NULL || fleet_reg_vec_add(&r->batch, id, line, SIZE_MAX) < 0)
		r->batch_failed = true;
}

/* ---- the control channel ---- */

static void fleet_reg_on_msg(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct fleet_reg *r = privdata;
	const redisReply *m = reply, *kind, *msg;
	struct fleet_ctl c;

	(void)ac;
	if (m == NULL || m->type != REDIS_REPLY_ARRAY || m->elements != 3)
		return;
	kind = m->element[0];
	msg = m->element[2];
	if (kind->type != REDIS_REPLY_STRING || strcmp(kind->str, "message") != 0 ||
	    msg->type != REDIS_REPLY_STRING)
		return;
	if (fleet_ctl_parse(msg->str, (size_t)msg->len, &c) < 0) {
		if (r->fw->id == 0)
			log_warn("fleet", "control message refused len=%zu", (size_t)msg->len);
		return;
	}
	if (c.kind == FLEET_CTL_KILL_SESSION && strcmp(c.node, r->fw->f->id) != 0)
		return;
	if (r->ctl)
		r->ctl(r->arg, &c);
}

static void fleet_reg_sub_up(void *arg)
{
	struct fleet_reg *r = arg;
	const char *argv[] = {"SUBSCRIBE", FLEET_CHANNEL_CONTROL};

	if (cred_redis_conn_cmd(&r->sub, fleet_reg_on_msg, r, 2, argv, NULL) < 0)
		cred_redis_conn_fail(&r->sub, "subscribe failed");
}

static void fleet_reg_sub_down(void *arg)
{
	(void)arg;
}

void fleet_reg_set_hooks(struct fleet_worker *fw, fleet_reg_list_fn list, fleet_reg_ctl_fn ctl,
			 void *arg)
{
	struct fleet_reg *r = fw->reg;

	if (r == NULL)
		return;
	r->list = list;
	r->ctl = ctl;
	r->arg = arg;
}

bool fleet_reg_is_on(const struct fleet_worker *fw)
{
	return fw && fw->reg;
}

int fleet_reg_init(struct fleet_worker *fw)
{
	struct fleet *f = fw->f;
	struct fleet_reg *r;

	fw->reg = NULL;
	if (!f->o.registry)
		return 0;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->fw = fw;
	snprintf(r->key, sizeof(r->key), FLEET_KEY_NODE "%s" FLEET_KEY_SESSIONS, f->id);
	snprintf(r->tag, sizeof(r->tag), "v=%d w=%u ", FLEET_SESS_VERSION, fw->id);
	snprintf(r->lease, sizeof(r->lease), "%" PRIu32, f->lease_ms);
	r->full_ticks = f->lease_ms / 3 / FLEET_TICK_MS;
	if (r->full_ticks == 0)
		r->full_ticks = 1;
	r->need_full = true;
	fw->reg = r;
	if (cred_redis_conn_init(&r->sub, fw->base, &f->conf, NULL, fleet_reg_sub_up,
				 fleet_reg_sub_down, r) < 0)
		return -ENOMEM;
	r->sub_init = true;
	return 0;
}

void fleet_reg_free(struct fleet_worker *fw)
{
	struct fleet_reg *r = fw->reg;

	if (r == NULL)
		return;
	if (r->sub_init && r->sub.timer)
		cred_redis_conn_close(&r->sub);
	fleet_reg_vec_free(&r->up);
	fleet_reg_vec_free(&r->down);
	fleet_reg_vec_free(&r->batch);
	free(r);
	fw->reg = NULL;
}

void fleet_reg_cleanup(struct fleet *f, struct redisContext *c)
{
	char key[FLEET_ID_MAX + 32];
	redisReply *rep;

	if (!f->o.registry)
		return;
	snprintf(key, sizeof(key), FLEET_KEY_NODE "%s" FLEET_KEY_SESSIONS, f->id);
	rep = redisCommand(c, "DEL %s", key);
	if (rep)
		freeReplyObject(rep);
}
