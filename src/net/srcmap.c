/* The per-source connection table. */
#include "config.h" /* first: _GNU_SOURCE */
#include "net/srcmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/bytes.h"

struct net_src_key {
	uint64_t hi, lo; /* IPv4: 0, ::ffff:a.b.c.d; IPv6: the /64 prefix, 0 */
};

struct net_src_slot {
	struct net_src_key key;
	unsigned count; /* 0: free */
};

struct net_srcmap {
	struct net_src_slot *slot;
	size_t mask;	  /* slots - 1 */
	size_t max, used; /* connections allowed and counted */
	size_t sources;
	uint64_t seed;
};

static uint64_t net_srcmap_load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static struct net_src_key net_srcmap_key(const struct addr *a)
{
	struct net_src_key k = {0, 0};
	size_t len;
	const uint8_t *ip = addr_raw(a, &len);

	if (len == 4) {
		k.lo = 0xffff00000000ull | (uint64_t)ip[0] << 24 | (uint64_t)ip[1] << 16 |
		       (uint64_t)ip[2] << 8 | ip[3];
	} else if (len == 16) {
		k.hi = net_srcmap_load64(ip);
	}
	return k;
}

static bool net_srcmap_key_eq(struct net_src_key a, struct net_src_key b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* A seeded mix of the key's two halves. */
static size_t net_srcmap_home(const struct net_srcmap *m, struct net_src_key k)
{
	return (size_t)bytes_mix64(k.hi * 0x9E3779B97F4A7C15ull ^ k.lo ^ m->seed) & m->mask;
}

int net_srcmap_new(size_t max_conns, struct net_srcmap **out)
{
	struct net_srcmap *m = calloc(1, sizeof(*m));
	size_t n = 16;

	if (!m)
		return -ENOMEM;
	while (n < 2 * max_conns)
		n *= 2;
	m->slot = calloc(n, sizeof(*m->slot));
	if (!m->slot) {
		free(m);
		return -ENOMEM;
	}
	m->mask = n - 1;
	m->max = max_conns;
	/* Without entropy the table is only predictable, still correct. */
	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != sizeof(m->seed))
		m->seed = 0x2545F4914F6CDD1Dull;
	*out = m;
	return 0;
}

void net_srcmap_free(struct net_srcmap *m)
{
	if (!m)
		return;
	free(m->slot);
	free(m);
}

/* The slot holding k, or the free slot where it would go. Terminates: the table is at
 * most half full. */
static size_t net_srcmap_find(const struct net_srcmap *m, struct net_src_key k)
{
	size_t i = net_srcmap_home(m, k);

	while (m->slot[i].count && !net_srcmap_key_eq(m->slot[i].key, k))
		i = (i + 1) & m->mask;
	return i;
}

int net_srcmap_take(struct net_srcmap *m, const struct addr *src, unsigned limit)
{
	struct net_src_key k = net_srcmap_key(src);
	size_t i = net_srcmap_find(m, k);

	if (limit && m->slot[i].count >= limit)
		return -EDQUOT;
	if (m->used >= m->max)
		return -ENOSPC;
	if (m->slot[i].count == 0) {
		m->slot[i].key = k;
		m->sources++;
	}
	m->slot[i].count++;
	m->used++;
	return 0;
}

/* Empties slot i and shifts later entries of its probe run back into the hole. */
static void net_srcmap_remove(struct net_srcmap *m, size_t i)
{
	size_t j, home;

	m->slot[i].count = 0;
	for (j = (i + 1) & m->mask; m->slot[j].count; j = (j + 1) & m->mask) {
		home = net_srcmap_home(m, m->slot[j].key);
		/* Move slot j into the hole unless its home lies cyclically in (i, j]. */
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->slot[i] = m->slot[j];
			m->slot[j].count = 0;
			i = j;
		}
	}
}

void net_srcmap_put(struct net_srcmap *m, const struct addr *src)
{
	size_t i = net_srcmap_find(m, net_srcmap_key(src));

	if (m->slot[i].count == 0)
		return; /* never taken: nothing to give back */
	m->used--;
	if (--m->slot[i].count == 0) {
		m->sources--;
		net_srcmap_remove(m, i);
	}
}

unsigned net_srcmap_count(const struct net_srcmap *m, const struct addr *src)
{
	return m->slot[net_srcmap_find(m, net_srcmap_key(src))].count;
}

size_t net_srcmap_sources(const struct net_srcmap *m)
{
	return m->sources;
}
