/* The fleet's process and worker parts (cred/fleet.h): the connection, the tick, and
 * worker 0's heartbeat (the node's lease and card). */
#include "cred/fleet_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "base/crypto.h"
#include "base/log.h"
#include "cred/redis_sync.h"

#define FLEET_LEASE_DEFAULT_S 30

/* The heartbeat: the lease ends ARGV[1] ms after Redis's clock; nodes whose lease ended
 * leave the set; the card (ARGV[3..], field/value pairs) is rewritten and expires with
 * the lease. KEYS[1] the node set, KEYS[2] the card. Redis's clock keeps every node's
 * lease on one time line whatever the nodes' clocks say. */
static const char fleet_beat_lua[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
	"redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])\n"
	"redis.call('DEL', KEYS[2])\n"
	"if #ARGV > 2 then redis.call('HSET', KEYS[2], unpack(ARGV, 3)) end\n"
	"redis.call('PEXPIRE', KEYS[2], ARGV[1])\n"
	"return now\n";

int fleet_cmd(struct fleet_worker *fw, redisCallbackFn *fn, void *privdata, int argc,
	      const char **argv, const size_t *argvlen)
{
	return cred_redis_conn_cmd(&fw->conn, fn, privdata, argc, argv, argvlen);
}

static void fleet_name_init(struct fleet *f, const char *name)
{
	char host[256] = "";

	if (name == NULL || name[0] == '\0') {
		if (gethostname(host, sizeof(host) - 1) < 0 || host[0] == '\0')
			snprintf(host, sizeof(host), "ternd");
		host[63] = '\0';
		/* Key-safe: anything but [A-Za-z0-9._-] becomes '-'. */
		for (char *p = host; *p; p++)
			if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
			    !(*p >= '0' && *p <= '9') && *p != '.' && *p != '_')
				*p = '-';
		name = host;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
}

int fleet_new(const struct fleet_opts *o, struct fleet **out, char *why, size_t len)
{
	struct fleet *f = calloc(1, sizeof(*f));
	uint8_t rnd[4];

	if (f == NULL)
		return -ENOMEM;
	f->o = *o;
	if (cred_redis_conf_parse(o->conninfo, &f->conf, why, len) < 0) {
		free(f);
		return -EINVAL;
	}
	fleet_name_init(f, o->node_name);
	if (crypto_random(rnd, sizeof(rnd)) < 0) {
		free(f);
		return -ENOMEM;
	}
	snprintf(f->id, sizeof(f->id), "%s~%02x%02x%02x%02x", f->name, rnd[0], rnd[1], rnd[2],
		 rnd[3]);
	f->lease_ms = (o->lease_s ? o->lease_s : FLEET_LEASE_DEFAULT_S) * 1000u;
	f->started = (uint64_t)time(NULL);
	f->o.conninfo = NULL; /* borrowed: parsed into conf */
	*out = f;
	return 0;
}

/* A clean stop: what this instance wrote goes now, not after a lease. */
static void fleet_cleanup(struct fleet *f)
{
	char key[FLEET_ID_MAX + 64], err[160];
	redisContext *c = NULL;
	redisReply *r;

	if (cred_redis_sync_connect(&f->conf, 2, &c, err, sizeof(err)) < 0) {
		log_warn("fleet",
			 "leaving the fleet failed: its entries expire with the lease "
			 "id=%s err=\"%s\"",
			 f->id, err);
		return;
	}
	fleet_quota_cleanup(f, c);
	fleet_reg_cleanup(f, c);
	snprintf(key, sizeof(key), FLEET_KEY_NODE "%s", f->id);
	r = redisCommand(c, "ZREM %s %s", FLEET_KEY_NODES, f->id);
	if (r)
		freeReplyObject(r);
	r = redisCommand(c, "DEL %s", key);
	if (r)
		freeReplyObject(r);
	log_info("fleet", "left the fleet id=%s", f->id);
	redisFree(c);
}

void fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	fleet_cleanup(f);
	free(f);
}

const char *fleet_id(const struct fleet *f)
{
	return f->id;
}

const char *fleet_name(const struct fleet *f)
{
	return f->name;
}

uint32_t fleet_lease_ms(const struct fleet *f)
{
	return f->lease_ms;
}

const struct fleet_opts *fleet_opts(const struct fleet *f)
{
	return &f->o;
}

static void fleet_beat_done(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct fleet_worker *fw = privdata;
	const redisReply *r = reply;

	(void)ac;
	fw->beat_pending = false;
	if (r && r->type == REDIS_REPLY_ERROR)
		log_warn("fleet", "heartbeat refused id=%s err=\"%s\"", fw->f->id, r->str);
}

/* The script's 7 arguments and the card's 10 fields (FLEET_F_*) as pairs: 27. */
#define FLEET_CARD_MAX 32

static void fleet_card_add(const char **argv, size_t *n, const char *field, const char *value)
{
	if (value[0] == '\0' || *n + 2 > FLEET_CARD_MAX)
		return;
	argv[(*n)++] = field;
	argv[(*n)++] = value;
}

/* Worker 0: the lease and the card (one script, one round trip). */
static void fleet_beat(struct fleet_worker *fw)
{
	struct fleet *f = fw->f;
	struct fleet_node_info info = {0};
	char lease[24], node[FLEET_ID_MAX + 32], allocs[24], max[24], started[24];
	const char *argv[FLEET_CARD_MAX];
	size_t n = 0;

	if (fw->beat_pending || !fleet_worker_up(fw))
		return;
	if (f->o.info)
		f->o.info(f->o.info_arg, &info);
	snprintf(lease, sizeof(lease), "%" PRIu32, f->lease_ms);
	snprintf(node, sizeof(node), FLEET_KEY_NODE "%s", f->id);
	snprintf(allocs, sizeof(allocs), "%" PRIu64, info.allocations);
	snprintf(max, sizeof(max), "%" PRIu64, info.max_allocations);
	snprintf(started, sizeof(started), "%" PRIu64, f->started);
	argv[n++] = "EVAL";
	argv[n++] = fleet_beat_lua;
	argv[n++] = "2";
	argv[n++] = FLEET_KEY_NODES;
	argv[n++] = node;
	argv[n++] = lease;
	argv[n++] = f->id;
	fleet_card_add(argv, &n, FLEET_F_NAME, f->name);
	fleet_card_add(argv, &n, FLEET_F_ADDR4, info.addr4);
	fleet_card_add(argv, &n, FLEET_F_ADDR6, info.addr6);
	fleet_card_add(argv, &n, FLEET_F_TLS4, info.tls4);
	fleet_card_add(argv, &n, FLEET_F_TLS6, info.tls6);
	fleet_card_add(argv, &n, FLEET_F_DOMAIN, info.domain);
	fleet_card_add(argv, &n, FLEET_F_ALLOCS, allocs);
	fleet_card_add(argv, &n, FLEET_F_MAX, max);
	fleet_card_add(argv, &n, FLEET_F_DRAINING, info.draining ? "1" : "0");
	fleet_card_add(argv, &n, FLEET_F_STARTED, started);
	if (fleet_cmd(fw, fleet_beat_done, fw, (int)n, argv, NULL) == 0)
		fw->beat_pending = true;
}

static void fleet_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_worker *fw = arg;

	(void)fd;
	(void)what;
	fw->ticks++;
	if (fw->id == 0)
		fleet_beat(fw);
	fleet_quota_tick(fw);
	fleet_reg_tick(fw);
	fleet_alt_tick(fw);
}

static void fleet_on_up(void *arg)
{
	struct fleet_worker *fw = arg;

	if (fw->id == 0)
		fleet_beat(fw);
	fleet_quota_up(fw);
	fleet_reg_up(fw);
	fleet_alt_up(fw);
}

static void fleet_on_down(void *arg)
{
	struct fleet_worker *fw = arg;

	fw->beat_pending = false;
	fleet_quota_down(fw);
	fleet_reg_down(fw);
	fleet_alt_down(fw);
}

int fleet_worker_new(struct fleet *f, struct event_base *base, unsigned id,
		     struct fleet_worker **out)
{
	struct fleet_worker *fw = calloc(1, sizeof(*fw));
	struct timeval tv = {FLEET_TICK_MS / 1000, (FLEET_TICK_MS % 1000) * 1000};

	if (fw == NULL)
		return -ENOMEM;
	fw->f = f;
	fw->base = base;
	fw->id = id;
	fw->tick = event_new(base, -1, EV_PERSIST, fleet_on_tick, fw);
	if (fw->tick == NULL || event_add(fw->tick, &tv) < 0 || fleet_quota_init(fw) < 0 ||
	    fleet_reg_init(fw) < 0 || fleet_alt_init(fw) < 0 ||
	    cred_redis_conn_init(&fw->conn, base, &f->conf, NULL, fleet_on_up, fleet_on_down, fw) <
		    0) {
		fleet_worker_free(fw);
		return -ENOMEM;
	}
	*out = fw;
	return 0;
}

void fleet_worker_free(struct fleet_worker *fw)
{
	if (fw == NULL)
		return;
	if (fw->tick)
		event_free(fw->tick);
	if (fw->conn.timer)
		cred_redis_conn_close(&fw->conn);
	fleet_alt_free(fw);
	fleet_reg_free(fw);
	fleet_quota_free(fw);
	free(fw);
}

bool fleet_worker_up(const struct fleet_worker *fw)
{
	return fw->conn.up;
}
