/* Realms' peer lists from Redis (cred/redis_peers.h): one entry per realm holding the copy
 * in use and the fetch in flight (two pipelined SMEMBERS, answered in order). */
#include "cred/redis_peers.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/iprange.h"
#include "base/log.h"
#include "cred/redis_conn.h"
#include "cred/redis_keys.h"

#define PEERS_TTL_DEFAULT_MS 5000
/* After a failed fetch, the next use tries again no sooner than this. */
#define PEERS_RETRY_MS 1000
/* Longest member parsed ("first-last" of two full IPv6 addresses fits). */
#define PEERS_RANGE_MAX 128
/* RFC 8489 §14.9: REALM < 763 bytes. */
#define PEERS_REALM_MAX 763
#define PEERS_KEY_MAX	(PEERS_REALM_MAX + 64)

struct peers_realm {
	struct peers_realm *next;
	struct cred_redis_peers *p;
	struct iprange_list allowed, denied; /* the copy in use */
	bool has_copy;
	uint64_t next_fetch_ms; /* fetch on the next use from then on */
	uint64_t gen;		/* bumped by each drop */
	/* The fetch in flight (inflight > 0). */
	int inflight; /* SMEMBERS replies outstanding */
	int status;   /* its first failure, or 0 */
	uint64_t fetch_gen;
	uint64_t fetch_ms; /* when it started */
	size_t ignored;	   /* members that were not ranges */
	struct iprange_list new_allowed, new_denied;
	size_t rlen;
	char realm[];
};

struct cred_redis_peers {
	struct cred_redis_conn *cmd;
	uint64_t ttl_ms;
	struct peers_realm *realms;
	size_t n;
};

int cred_redis_peers_new(struct cred_redis_conn *cmd, uint64_t ttl_ms,
			 struct cred_redis_peers **out)
{
	struct cred_redis_peers *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	p->cmd = cmd;
	p->ttl_ms = ttl_ms ? ttl_ms : PEERS_TTL_DEFAULT_MS;
	*out = p;
	return 0;
}

static void realm_free(struct peers_realm *e)
{
	iprange_list_free(&e->allowed);
	iprange_list_free(&e->denied);
	iprange_list_free(&e->new_allowed);
	iprange_list_free(&e->new_denied);
	free(e);
}

void cred_redis_peers_free(struct cred_redis_peers *p)
{
	if (p == NULL)
		return;
	while (p->realms) {
		struct peers_realm *e = p->realms;

		p->realms = e->next;
		realm_free(e);
	}
	free(p);
}

/* Parses one SMEMBERS reply into l (members that are not ranges counted in e->ignored). */
static int peers_parse(const redisReply *r, struct iprange_list *l, struct peers_realm *e)
{
	char buf[PEERS_RANGE_MAX + 1];

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return -EIO;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *m = r->element[i];

		if (m->type != REDIS_REPLY_STRING || m->len == 0 || m->len > PEERS_RANGE_MAX ||
		    memchr(m->str, '\0', (size_t)m->len)) {
			e->ignored++;
			continue;
		}
		memcpy(buf, m->str, (size_t)m->len);
		buf[m->len] = '\0';
		if (iprange_list_add(l, buf) < 0)
			e->ignored++;
	}
	return 0;
}

static void peers_fetch(struct peers_realm *e, uint64_t now_ms);

/* Both replies are in: install the new copy unless a drop came meanwhile. */
static void peers_fetched(struct peers_realm *e)
{
	bool current = e->fetch_gen == e->gen;

	if (current && e->status == 0) {
		if (e->ignored)
			log_warn("cred", "redis peer ranges ignored realm=%.*s count=%zu",
				 (int)e->rlen, e->realm, e->ignored);
		iprange_list_free(&e->allowed);
		iprange_list_free(&e->denied);
		e->allowed = e->new_allowed;
		e->denied = e->new_denied;
		memset(&e->new_allowed, 0, sizeof(e->new_allowed));
		memset(&e->new_denied, 0, sizeof(e->new_denied));
		e->has_copy = true;
		e->next_fetch_ms = e->fetch_ms + e->p->ttl_ms;
		return;
	}
	iprange_list_free(&e->new_allowed);
	iprange_list_free(&e->new_denied);
	if (current) {
		e->next_fetch_ms = e->fetch_ms + PEERS_RETRY_MS;
		return;
	}
	/* Dropped while in flight: what came may predate the change; ask again (fails at once
	 * when the connection is closing). */
	peers_fetch(e, e->fetch_ms);
}

static void peers_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct peers_realm *e = privdata;
	bool first = e->inflight == 2; /* allowed-peer-ip, then denied-peer-ip */

	(void)ac;
	e->inflight--;
	if (e->status == 0)
		e->status = peers_parse(reply, first ? &e->new_allowed : &e->new_denied, e);
	if (e->inflight == 0)
		peers_fetched(e);
}

/* e's key of leaf (cred/redis_keys.h) into key[]; its length, or -ENOSPC. */
static int peers_key(char *buf, const struct peers_realm *e, const char *leaf)
{
	struct cred_redis_name n = {.realm = e->realm, .rlen = e->rlen};

	return cred_redis_key(buf, PEERS_KEY_MAX, &n, leaf);
}

/* Starts e's fetch unless one is in flight. A failure to send leaves the copy as it is and
 * retries on a use after PEERS_RETRY_MS (or when the connection comes up). */
static void peers_fetch(struct peers_realm *e, uint64_t now_ms)
{
	char key[PEERS_KEY_MAX];
	const char *argv[2] = {"SMEMBERS", key};
	size_t lens[2] = {8, 0};
	int len;

	if (e->inflight)
		return;
	e->status = 0;
	e->ignored = 0;
	e->fetch_gen = e->gen;
	e->fetch_ms = now_ms;
	e->next_fetch_ms = now_ms + PEERS_RETRY_MS;
	len = peers_key(key, e, CRED_REDIS_ALLOWED);
	lens[1] = (size_t)len;
	if (len < 0 || cred_redis_conn_cmd(e->p->cmd, peers_on_reply, e, 2, argv, lens) < 0)
		return;
	e->inflight = 2;
	len = peers_key(key, e, CRED_REDIS_DENIED);
	lens[1] = (size_t)len;
	/* The first is queued: its reply still comes, and completes the failed fetch. */
	if (len < 0 || cred_redis_conn_cmd(e->p->cmd, peers_on_reply, e, 2, argv, lens) < 0) {
		e->inflight = 1;
		e->status = -EIO;
	}
}

static struct peers_realm *peers_find(struct cred_redis_peers *p, const char *realm, size_t rlen)
{
	for (struct peers_realm *e = p->realms; e; e = e->next) {
		if (e->rlen == rlen && memcmp(e->realm, realm, rlen) == 0)
			return e;
	}
	return NULL;
}

/* Makes room for one more realm: forgets the last one with no fetch in flight. */
static int peers_evict(struct cred_redis_peers *p)
{
	struct peers_realm **pp, **victim = NULL, *e;

	for (pp = &p->realms; *pp; pp = &(*pp)->next) {
		if ((*pp)->inflight == 0)
			victim = pp;
	}
	if (victim == NULL)
		return -ENOSPC;
	e = *victim;
	*victim = e->next;
	realm_free(e);
	p->n--;
	return 0;
}

/* The entry for realm, created (and its fetch started) when new. NULL on -ENOSPC/-ENOMEM. */
static struct peers_realm *peers_get(struct cred_redis_peers *p, const char *realm, size_t rlen,
				     uint64_t now_ms, int *err)
{
	struct peers_realm *e = peers_find(p, realm, rlen);

	*err = 0;
	if (e)
		return e;
	if (rlen == 0 || rlen > PEERS_REALM_MAX) {
		*err = -EINVAL;
		return NULL;
	}
	if (p->n >= CRED_REDIS_PEERS_REALMS && (*err = peers_evict(p)) < 0)
		return NULL;
	e = calloc(1, sizeof(*e) + rlen);
	if (e == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	e->p = p;
	e->rlen = rlen;
	memcpy(e->realm, realm, rlen);
	e->next = p->realms;
	p->realms = e;
	p->n++;
	peers_fetch(e, now_ms);
	return e;
}

int cred_redis_peers_verdict(struct cred_redis_peers *p, const char *realm, size_t rlen,
			     const struct addr *peer, uint64_t now_ms)
{
	int err;
	struct peers_realm *e = peers_get(p, realm, rlen, now_ms, &err);

	if (e == NULL)
		return 0;
	if (now_ms >= e->next_fetch_ms)
		peers_fetch(e, now_ms);
	if (!e->has_copy)
		return 0;
	if (iprange_list_contains(&e->allowed, peer))
		return 1;
	return iprange_list_contains(&e->denied, peer) ? -1 : 0;
}

int cred_redis_peers_watch(struct cred_redis_peers *p, const char *realm, size_t rlen,
			   uint64_t now_ms)
{
	int err;

	peers_get(p, realm, rlen, now_ms, &err);
	return err;
}

void cred_redis_peers_drop(struct cred_redis_peers *p, const char *realm, size_t rlen,
			   uint64_t now_ms)
{
	for (struct peers_realm *e = p->realms; e; e = e->next) {
		if (realm && (e->rlen != rlen || memcmp(e->realm, realm, rlen) != 0))
			continue;
		e->gen++;
		e->has_copy = false;
		iprange_list_free(&e->allowed);
		iprange_list_free(&e->denied);
		/* In flight: its answer is discarded and the fetch started again then. */
		peers_fetch(e, now_ms);
	}
}

void cred_redis_peers_refresh(struct cred_redis_peers *p, uint64_t now_ms)
{
	for (struct peers_realm *e = p->realms; e; e = e->next) {
		if (!e->has_copy || now_ms >= e->next_fetch_ms)
			peers_fetch(e, now_ms);
	}
}
