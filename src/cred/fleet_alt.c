/* The fleet's alt part (cred/fleet_int.h, cred/fleet_alt.h): each worker keeps a copy of
 * the cards of the live nodes it may send new allocations to, read every tick with one
 * script, and answers fleet_alt_pick from it at once (nothing waits for Redis). */
#include "cred/fleet_alt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cred/fleet_int.h"

/* Nodes read per refresh, and fields per card. */
#define FLEET_ALT_MAX	 64
#define FLEET_ALT_FIELDS 32

/* The cards of the live nodes but this one: the nodes whose lease ends after Redis's
 * clock now (KEYS[1] tern/fleet/nodes), at most ARGV[2] of them, each card
 * (ARGV[3] .. id) as HGETALL gives it; ARGV[1] this node's id. One round trip, and one
 * time line for every node's lease (the heartbeat's, cred/fleet.c). */
static const char fleet_alt_lua[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local ids = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'LIMIT', 0, "
	"tonumber(ARGV[2]))\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  if id ~= ARGV[1] then\n"
	"    local card = redis.call('HGETALL', ARGV[3] .. id)\n"
	"    if #card > 0 then out[#out + 1] = card end\n"
	"  end\n"
	"end\n"
	"return out\n";

struct fleet_alt {
	struct fleet_alt_node v[FLEET_ALT_MAX];
	size_t n;
	uint64_t read_tick; /* fw->ticks when v was read */
	bool pending;	    /* a refresh is in flight */
};

/* ---- the cards (pure) ---- */

/* Whether a client may be sent to a: not unspecified, loopback (it would reach its own
 * host) or link-local (it names no one outside the link). IPv4-mapped IPv6 included. */
static bool fleet_alt_addr_ok(const struct addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	size_t len;
	const uint8_t *b = addr_raw(a, &len);

	if (addr_is_any(a) || addr_port(a) == 0)
		return false;
	if (len == 16 && memcmp(b, mapped, sizeof(mapped)) == 0) {
		b += 12;
		len = 4;
	}
	if (len == 4)
		return b[0] != 127 && b[0] != 0 && !(b[0] == 169 && b[1] == 254);
	if (len != 16)
		return false;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 */
		return false;
	for (size_t i = 0; i < 15; i++)
		if (b[i])
			return true;
	return b[15] != 1; /* ::1 */
}

/* "IP:PORT" or "[IPv6]:PORT" (s, len) into *out when a client may be sent there; else
 * *out is left of family 0. */
static void fleet_alt_addr(const char *s, size_t len, struct addr *out)
{
	char ip[64];
	const char *colon;
	struct addr a;
	long port;
	char *stop;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(ip))
		return;
	memcpy(ip, s, len);
	ip[len] = '\0';
	colon = strrchr(ip, ':');
	if (colon == NULL || colon[1] < '0' || colon[1] > '9')
		return;
	port = strtol(colon + 1, &stop, 10);
	if (*stop || port < 1 || port > 65535)
		return;
	ip[colon - ip] = '\0';
	if (ip[0] == '[') {
		size_t n = strlen(ip);

		if (n < 3 || ip[n - 1] != ']')
			return;
		ip[n - 1] = '\0';
		memmove(ip, ip + 1, n - 1);
	}
	if (addr_parse(&a, ip, (uint16_t)port) == 0 && fleet_alt_addr_ok(&a))
		*out = a;
}

static uint64_t fleet_alt_u64(const char *s, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 20 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

static bool fleet_alt_is(const char *f, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(f, name, len) == 0;
}

int fleet_alt_card(const char *const *f, const size_t *flen, size_t n, struct fleet_alt_node *out)
{
	bool draining = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i + 1 < n; i += 2) {
		const char *k = f[i], *v = f[i + 1];
		size_t kl = flen[i], vl = flen[i + 1];

		if (fleet_alt_is(k, kl, FLEET_F_ADDR4))
			fleet_alt_addr(v, vl, &out->addr4);
		else if (fleet_alt_is(k, kl, FLEET_F_ADDR6))
			fleet_alt_addr(v, vl, &out->addr6);
		else if (fleet_alt_is(k, kl, FLEET_F_TLS4))
			fleet_alt_addr(v, vl, &out->tls4);
		else if (fleet_alt_is(k, kl, FLEET_F_TLS6))
			fleet_alt_addr(v, vl, &out->tls6);
		else if (fleet_alt_is(k, kl, FLEET_F_DOMAIN) && vl < sizeof(out->domain))
			memcpy(out->domain, v, vl); /* NUL from the memset */
		else if (fleet_alt_is(k, kl, FLEET_F_ALLOCS))
			out->allocations = fleet_alt_u64(v, vl);
		else if (fleet_alt_is(k, kl, FLEET_F_MAX))
			out->max_allocations = fleet_alt_u64(v, vl);
		else if (fleet_alt_is(k, kl, FLEET_F_DRAINING))
			draining = vl != 1 || v[0] != '0';
	}
	if (draining || (out->max_allocations && out->allocations >= out->max_allocations))
		return -ENOENT;
	if (!addr_family(&out->addr4) && !addr_family(&out->addr6) && !addr_family(&out->tls4) &&
	    !addr_family(&out->tls6))
		return -ENOENT;
	return 0;
}

static const struct addr *fleet_alt_addr_of(const struct fleet_alt_node *x, int family, bool tls)
{
	const struct addr *a =
		family == AF_INET ? (tls ? &x->tls4 : &x->addr4) : (tls ? &x->tls6 : &x->addr6);

	return addr_family(a) == family ? a : NULL;
}

int fleet_alt_choose(struct fleet_alt_node *v, size_t n, int family, bool tls, struct addr *out,
		     char *domain, size_t dlen)
{
	struct fleet_alt_node *best = NULL;

	for (size_t i = 0; i < n; i++) {
		struct fleet_alt_node *x = &v[i];

		if (!fleet_alt_addr_of(x, family, tls) ||
		    (x->max_allocations && x->allocations >= x->max_allocations))
			continue;
		if (best == NULL || x->allocations < best->allocations)
			best = x;
	}
	if (best == NULL)
		return -ENOENT;
	*out = *fleet_alt_addr_of(best, family, tls);
	if (dlen)
		snprintf(domain, dlen, "%s", tls ? best->domain : "");
	best->allocations++;
	return 0;
}

/* ---- the worker's copy ---- */

/* One card of the script's reply into the next slot of fa. */
static void fleet_alt_take(struct fleet_alt *fa, const redisReply *card)
{
	const char *f[FLEET_ALT_FIELDS];
	size_t flen[FLEET_ALT_FIELDS], n = 0;

	if (card->type != REDIS_REPLY_ARRAY || fa->n >= FLEET_ALT_MAX)
		return;
	for (size_t i = 0; i < card->elements && n < FLEET_ALT_FIELDS; i++) {
		const redisReply *e = card->element[i];

		if (e->type != REDIS_REPLY_STRING)
			return;
		f[n] = e->str;
		flen[n++] = e->len;
	}
	if (fleet_alt_card(f, flen, n, &fa->v[fa->n]) == 0)
		fa->n++;
}

static void fleet_alt_done(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct fleet_worker *fw = privdata;
	struct fleet_alt *fa = fw->alt;
	const redisReply *r = reply;

	(void)ac;
	fa->pending = false;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return; /* the copy ages out (fleet_alt_pick) */
	fa->n = 0;
	for (size_t i = 0; i < r->elements; i++)
		fleet_alt_take(fa, r->element[i]);
	fa->read_tick = fw->ticks;
}

static void fleet_alt_refresh(struct fleet_worker *fw)
{
	char max[16];
	const char *argv[] = {"EVAL",	 fleet_alt_lua, "1",	       FLEET_KEY_NODES,
			      fw->f->id, max,		FLEET_KEY_NODE};

	if (fw->alt == NULL || fw->alt->pending || !fleet_worker_up(fw))
		return;
	snprintf(max, sizeof(max), "%d", FLEET_ALT_MAX + 1); /* this node may be among them */
	if (fleet_cmd(fw, fleet_alt_done, fw, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL) ==
	    0)
		fw->alt->pending = true;
}

int fleet_alt_pick(struct fleet_worker *fw, int family, bool tls, struct addr *out, char *domain,
		   size_t dlen)
{
	struct fleet_alt *fa = fw->alt;
	uint64_t stale = fw->f->lease_ms / FLEET_TICK_MS;

	/* A copy older than a lease may name nodes that died since: none then. */
	if (fa == NULL || fa->n == 0 || fw->ticks - fa->read_tick > stale)
		return -ENOENT;
	return fleet_alt_choose(fa->v, fa->n, family, tls, out, domain, dlen);
}

int fleet_alt_init(struct fleet_worker *fw)
{
	fw->alt = NULL;
	if (!fw->f->o.alternates)
		return 0;
	fw->alt = calloc(1, sizeof(*fw->alt));
	return fw->alt ? 0 : -ENOMEM;
}

void fleet_alt_free(struct fleet_worker *fw)
{
	free(fw->alt);
	fw->alt = NULL;
}

void fleet_alt_tick(struct fleet_worker *fw)
{
	fleet_alt_refresh(fw);
}

void fleet_alt_up(struct fleet_worker *fw)
{
	fleet_alt_refresh(fw);
}

void fleet_alt_down(struct fleet_worker *fw)
{
	if (fw->alt) {
		fw->alt->pending = false;
		fw->alt->n = 0;
	}
}
