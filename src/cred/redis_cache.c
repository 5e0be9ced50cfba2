/* The per-worker cache of Redis answers (cred/redis_cache.h). */
#include "cred/redis_cache.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS_DEFAULT  1024
#define CACHE_TTL_DEFAULT_MS 5000

struct cred_redis_cache {
	struct cred_redis_entry *slots; /* realm NULL = empty */
	size_t n;
	uint64_t ttl_ms;
	uint64_t gen;
};

int cred_redis_cache_new(size_t slots, uint64_t ttl_ms, struct cred_redis_cache **out)
{
	struct cred_redis_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->n = slots ? slots : CACHE_SLOTS_DEFAULT;
	c->ttl_ms = ttl_ms ? ttl_ms : CACHE_TTL_DEFAULT_MS;
	c->slots = calloc(c->n, sizeof(c->slots[0]));
	if (c->slots == NULL) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static void entry_clear(struct cred_redis_entry *e)
{
	free(e->realm);
	free(e->user);
	for (size_t i = 0; i < e->nsecrets; i++) {
		explicit_bzero(e->secrets[i], e->secret_lens[i]);
		free(e->secrets[i]);
	}
	explicit_bzero(e, sizeof(*e));
}

void cred_redis_cache_free(struct cred_redis_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_clear(&c->slots[i]);
	free(c->slots);
	free(c);
}

/* FNV-1a over realm, a separator that cannot be confused with a name byte count, user. */
static size_t cache_slot(const struct cred_redis_cache *c, const char *realm, size_t rlen,
			 const char *user, size_t ulen)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < rlen; i++)
		h = (h ^ (uint8_t)realm[i]) * 1099511628211ull;
	h = (h ^ (user ? 0x100u + ulen : 0x1ffu)) * 1099511628211ull;
	for (size_t i = 0; user && i < ulen; i++)
		h = (h ^ (uint8_t)user[i]) * 1099511628211ull;
	return (size_t)(h % c->n);
}

static bool entry_is(const struct cred_redis_entry *e, const char *realm, size_t rlen,
		     const char *user, size_t ulen)
{
	if (e->realm == NULL || e->rlen != rlen || memcmp(e->realm, realm, rlen) != 0)
		return false;
	if (user == NULL || e->user == NULL)
		return user == NULL && e->user == NULL;
	return e->ulen == ulen && memcmp(e->user, user, ulen) == 0;
}

const struct cred_redis_entry *cred_redis_cache_get(struct cred_redis_cache *c, const char *realm,
						    size_t rlen, const char *user, size_t ulen,
						    uint64_t now_ms)
{
	struct cred_redis_entry *e = &c->slots[cache_slot(c, realm, rlen, user, ulen)];

	if (!entry_is(e, realm, rlen, user, ulen))
		return NULL;
	if (now_ms >= e->expires_ms) {
		entry_clear(e);
		return NULL;
	}
	return e;
}

static char *dup_bytes(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

struct cred_redis_entry *cred_redis_cache_put(struct cred_redis_cache *c, const char *realm,
					      size_t rlen, const char *user, size_t ulen,
					      uint64_t now_ms)
{
	struct cred_redis_entry *e = &c->slots[cache_slot(c, realm, rlen, user, ulen)];

	entry_clear(e);
	e->realm = dup_bytes(realm, rlen);
	e->user = user ? dup_bytes(user, ulen) : NULL;
	if (e->realm == NULL || (user && e->user == NULL)) {
		entry_clear(e);
		return NULL;
	}
	e->rlen = rlen;
	e->ulen = user ? ulen : 0;
	e->expires_ms = now_ms + c->ttl_ms;
	return e;
}

void cred_redis_cache_drop(struct cred_redis_cache *c, const char *realm, size_t rlen,
			   const char *user, size_t ulen)
{
	c->gen++;
	if (realm && user) {
		struct cred_redis_entry *e = &c->slots[cache_slot(c, realm, rlen, user, ulen)];

		if (entry_is(e, realm, rlen, user, ulen))
			entry_clear(e);
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct cred_redis_entry *e = &c->slots[i];

		if (e->realm && (!realm || (e->rlen == rlen && !memcmp(e->realm, realm, rlen))))
			entry_clear(e);
	}
}

uint64_t cred_redis_cache_gen(const struct cred_redis_cache *c)
{
	return c->gen;
}
