#include "turn/ratelimit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"

/* Token amounts are kept in milli-tokens: refilling elapsed_ms at rate tokens/s adds exactly
 * elapsed_ms * rate milli-tokens, so no rounding is ever lost. */
#define TB_MILLI 1000u

static uint64_t tb_mul_sat(uint64_t a, uint64_t b)
{
	if (a != 0 && b > UINT64_MAX / a)
		return UINT64_MAX;
	return a * b;
}

void tbucket_init(struct tbucket *b, uint64_t rate, uint64_t burst, uint64_t now_ms)
{
	b->rate = rate;
	b->burst = burst;
	b->tokens = tb_mul_sat(burst, TB_MILLI);
	b->last_ms = now_ms;
}

static void tbucket_refill(struct tbucket *b, uint64_t now_ms)
{
	uint64_t cap = tb_mul_sat(b->burst, TB_MILLI), add;

	if (now_ms <= b->last_ms)
		return;
	add = tb_mul_sat(now_ms - b->last_ms, b->rate);
	b->tokens = add >= cap - b->tokens ? cap : b->tokens + add;
	b->last_ms = now_ms;
}

bool tbucket_has(struct tbucket *b, uint64_t n, uint64_t now_ms)
{
	if (b->rate == 0)
		return true;
	tbucket_refill(b, now_ms);
	return tb_mul_sat(n, TB_MILLI) <= b->tokens;
}

bool tbucket_take(struct tbucket *b, uint64_t n, uint64_t now_ms)
{
	if (!tbucket_has(b, n, now_ms))
		return false;
	if (b->rate)
		b->tokens -= tb_mul_sat(n, TB_MILLI);
	return true;
}

bool tbucket_spend(struct tbucket *b, uint64_t n, uint64_t now_ms)
{
	uint64_t want = tb_mul_sat(n, TB_MILLI);

	if (b->rate == 0)
		return true;
	tbucket_refill(b, now_ms);
	if (want <= b->tokens) {
		b->tokens -= want;
		return true;
	}
	b->tokens = 0;
	return false;
}

bool tbucket_is_full(struct tbucket *b, uint64_t now_ms)
{
	if (b->rate == 0)
		return true;
	tbucket_refill(b, now_ms);
	return b->tokens >= tb_mul_sat(b->burst, TB_MILLI);
}

/* The table: slots probed for one key, starting at its hash, form an aligned group of
 * RL_GROUP slots under one stripe lock; the key lives in its group or not at all (no
 * tombstones), and a full group reuses its least recently seen slot. */
#define RL_GROUP     8u
#define RL_MIN_SLOTS 64u
#define RL_PORTS     8u
#define RL_STRIPES   64u

enum rl_kind {
	RL_EMPTY = 0,
	RL_IP,	   /* a source IP's shared budget (port 0) */
	RL_PROVEN, /* a proven transport address's own budget */
	RL_PROOF,  /* a proven transport address (the proof table) */
};

struct rl_key {
	uint8_t ip[16];
	uint16_t port;
	uint8_t family; /* 4 or 6 */
	uint8_t kind;	/* enum rl_kind */
};

struct rl_port {
	uint16_t port;
	bool used;
	uint32_t seq; /* the slot's seq when last seen */
	struct tbucket b;
};

struct rl_slot {
	struct rl_key k;
	uint64_t seen_ms;
	uint32_t seq; /* port look-ups so far */
	struct tbucket n, bytes;
	struct rl_port port[RL_PORTS]; /* RL_IP only */
};

struct rl_proof {
	struct rl_key k;
	uint64_t until_ms;
};

struct ratelimit {
	struct ratelimit_cfg c;
	uint64_t k0, k1; /* per-table random SipHash key */
	size_t mask, proof_mask;
	struct rl_proof *proof;
	pthread_mutex_t lock[RL_STRIPES];
	struct rl_slot slot[];
};

#define RL_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define RL_SIPROUND(v0, v1, v2, v3)                                                                \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = RL_ROTL(v1, 13);                                                              \
		v1 ^= v0;                                                                          \
		v0 = RL_ROTL(v0, 32);                                                              \
		v2 += v3;                                                                          \
		v3 = RL_ROTL(v3, 16);                                                              \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = RL_ROTL(v3, 21);                                                              \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = RL_ROTL(v1, 17);                                                              \
		v1 ^= v2;                                                                          \
		v2 = RL_ROTL(v2, 32);                                                              \
	} while (0)

/* SipHash-1-3 of the key (a keyed hash: without the table's key, sources cannot be chosen
 * to collide). */
static uint64_t rl_hash(const struct ratelimit *r, const struct rl_key *k)
{
	uint64_t v0 = r->k0 ^ 0x736f6d6570736575ULL, v1 = r->k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = r->k0 ^ 0x6c7967656e657261ULL, v3 = r->k1 ^ 0x7465646279746573ULL;
	uint64_t m[3];

	memcpy(&m[0], k->ip, 8);
	memcpy(&m[1], k->ip + 8, 8);
	m[2] = (uint64_t)20 << 56 | (uint64_t)k->kind << 24 | (uint64_t)k->family << 16 | k->port;
	for (int i = 0; i < 3; i++) {
		v3 ^= m[i];
		RL_SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	for (int i = 0; i < 3; i++)
		RL_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static bool rl_key_eq(const struct rl_key *a, const struct rl_key *b)
{
	return a->kind == b->kind && a->family == b->family && a->port == b->port &&
	       memcmp(a->ip, b->ip, 16) == 0;
}

static void rl_key_of(const struct addr *src, enum rl_kind kind, struct rl_key *k)
{
	size_t len;
	const uint8_t *raw = addr_raw(src, &len);

	memset(k, 0, sizeof(*k));
	memcpy(k->ip, raw, len > 16 ? 16 : len);
	k->family = len == 16 ? 6 : 4;
	k->kind = (uint8_t)kind;
	k->port = kind == RL_IP ? 0 : addr_port(src);
}

static size_t rl_pow2(size_t want)
{
	size_t n = RL_MIN_SLOTS;

	while (n < want && n <= SIZE_MAX / 4 / sizeof(struct rl_slot))
		n *= 2;
	return n;
}

int ratelimit_new(const struct ratelimit_cfg *c, struct ratelimit **out)
{
	struct ratelimit *r;
	uint64_t key[2];
	size_t n = rl_pow2(c->slots), np = rl_pow2(c->proven_slots), i;

	if (crypto_random(key, sizeof(key)) < 0)
		return -EIO;
	r = calloc(1, sizeof(*r) + n * sizeof(struct rl_slot));
	if (!r)
		return -ENOMEM;
	r->proof = calloc(np, sizeof(struct rl_proof));
	if (!r->proof) {
		free(r);
		return -ENOMEM;
	}
	r->c = *c;
	r->k0 = key[0];
	r->k1 = key[1];
	r->mask = n - 1;
	r->proof_mask = np - 1;
	for (i = 0; i < RL_STRIPES; i++)
		pthread_mutex_init(&r->lock[i], NULL);
	*out = r;
	return 0;
}

void ratelimit_free(struct ratelimit *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < RL_STRIPES; i++)
		pthread_mutex_destroy(&r->lock[i]);
	free(r->proof);
	free(r);
}

/* The first slot of k's group in a table of mask + 1 slots, and its stripe lock. */
static size_t rl_group(struct ratelimit *r, const struct rl_key *k, size_t mask,
		       pthread_mutex_t **lock)
{
	size_t g = (size_t)rl_hash(r, k) & mask & ~(size_t)(RL_GROUP - 1);

	*lock = &r->lock[(g / RL_GROUP) % RL_STRIPES];
	return g;
}

/* k's slot in group g: its own, else an empty one, else the stalest (reset to full
 * budgets). Under the group's lock. */
static struct rl_slot *rl_slot_get(struct ratelimit *r, size_t g, const struct rl_key *k,
				   uint64_t now_ms)
{
	struct rl_slot *victim = NULL;

	for (size_t i = 0; i < RL_GROUP; i++) {
		struct rl_slot *s = &r->slot[g + i];

		if (rl_key_eq(&s->k, k))
			return s;
		if (victim && victim->k.kind == RL_EMPTY)
			continue;
		if (!victim || s->k.kind == RL_EMPTY || s->seen_ms < victim->seen_ms)
			victim = s;
	}
	memset(victim, 0, sizeof(*victim));
	victim->k = *k;
	tbucket_init(&victim->n, r->c.rate, r->c.rate, now_ms);
	tbucket_init(&victim->bytes, r->c.bytes, r->c.bytes, now_ms);
	return victim;
}

/* Whether port entry p is a better one to reuse than victim: the fuller bucket (resetting
 * it gives nothing away, while an emptied one, a flooding port's, stays), then the least
 * recently seen. */
static bool rl_port_better(struct rl_port *p, struct rl_port *victim, uint64_t now_ms)
{
	tbucket_has(&p->b, 0, now_ms);
	tbucket_has(&victim->b, 0, now_ms);
	if (p->b.tokens != victim->b.tokens)
		return p->b.tokens > victim->b.tokens;
	return p->seq < victim->seq;
}

/* The bucket of source port port inside IP slot s: its own, else a free one, else the
 * one rl_port_better picks (reset to full). */
static struct tbucket *rl_port_get(struct ratelimit *r, struct rl_slot *s, uint16_t port,
				   uint64_t now_ms)
{
	struct rl_port *victim = NULL;

	s->seq++;
	for (size_t i = 0; i < RL_PORTS; i++) {
		struct rl_port *p = &s->port[i];

		if (p->used && p->port == port) {
			p->seq = s->seq;
			return &p->b;
		}
		if (victim && !victim->used)
			continue;
		if (!victim || !p->used || rl_port_better(p, victim, now_ms))
			victim = p;
	}
	victim->used = true;
	victim->port = port;
	victim->seq = s->seq;
	tbucket_init(&victim->b, r->c.port_rate, r->c.port_rate, now_ms);
	return &victim->b;
}

bool ratelimit_allow(struct ratelimit *r, const struct addr *src, size_t len, uint64_t now_ms)
{
	struct rl_key k;
	struct rl_slot *s;
	struct tbucket *pb = NULL;
	pthread_mutex_t *lock;
	size_t g;
	bool ok;

	rl_key_of(src, ratelimit_is_proven(r, src, now_ms) ? RL_PROVEN : RL_IP, &k);
	g = rl_group(r, &k, r->mask, &lock);
	pthread_mutex_lock(lock);
	s = rl_slot_get(r, g, &k, now_ms);
	s->seen_ms = now_ms;
	ok = tbucket_has(&s->n, 1, now_ms) && tbucket_has(&s->bytes, len, now_ms);
	if (ok && k.kind == RL_IP && r->c.port_rate) {
		pb = rl_port_get(r, s, addr_port(src), now_ms);
		ok = tbucket_has(pb, 1, now_ms);
	}
	if (ok) {
		tbucket_take(&s->n, 1, now_ms);
		tbucket_take(&s->bytes, len, now_ms);
		if (pb)
			tbucket_take(pb, 1, now_ms);
	}
	pthread_mutex_unlock(lock);
	return ok;
}

/* src's entry in the proof table: its own, else an empty or expired one, else the one
 * expiring first. Under the group's lock; create false: NULL when absent. */
static struct rl_proof *rl_proof_get(struct ratelimit *r, size_t g, const struct rl_key *k,
				     bool create)
{
	struct rl_proof *victim = NULL;

	for (size_t i = 0; i < RL_GROUP; i++) {
		struct rl_proof *p = &r->proof[g + i];

		if (rl_key_eq(&p->k, k))
			return p;
		if (!victim || p->until_ms < victim->until_ms)
			victim = p;
	}
	if (!create)
		return NULL;
	victim->k = *k;
	return victim;
}

void ratelimit_prove(struct ratelimit *r, const struct addr *src, uint64_t now_ms)
{
	struct rl_key k;
	pthread_mutex_t *lock;
	size_t g;

	rl_key_of(src, RL_PROOF, &k);
	g = rl_group(r, &k, r->proof_mask, &lock);
	pthread_mutex_lock(lock);
	rl_proof_get(r, g, &k, true)->until_ms = now_ms + r->c.proven_ms;
	pthread_mutex_unlock(lock);
}

bool ratelimit_is_proven(struct ratelimit *r, const struct addr *src, uint64_t now_ms)
{
	struct rl_key k;
	struct rl_proof *p;
	pthread_mutex_t *lock;
	size_t g;
	bool proven;

	rl_key_of(src, RL_PROOF, &k);
	g = rl_group(r, &k, r->proof_mask, &lock);
	pthread_mutex_lock(lock);
	p = rl_proof_get(r, g, &k, false);
	proven = p && p->until_ms > now_ms;
	pthread_mutex_unlock(lock);
	return proven;
}
