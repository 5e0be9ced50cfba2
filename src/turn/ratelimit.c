#include "turn/ratelimit.h"

#include <errno.h>
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

bool tbucket_take(struct tbucket *b, uint64_t n, uint64_t now_ms)
{
	uint64_t need;

	if (b->rate == 0)
		return true;
	tbucket_refill(b, now_ms);
	need = tb_mul_sat(n, TB_MILLI);
	if (need > b->tokens)
		return false;
	b->tokens -= need;
	return true;
}

/* Slots probed for one source, starting at its hash: the key lives in this group or not at
 * all, so there are no tombstones; a full group reuses its least recently seen slot. */
#define RL_GROUP 8u
#define RL_MIN_SLOTS 16u

struct rl_slot {
	uint8_t ip[16];
	uint8_t family;         /* 0: empty; 4 or 6 */
	uint64_t seen_ms;
	struct tbucket b;
};

struct ratelimit {
	uint64_t rate, burst;
	uint64_t k0, k1;        /* per-table random SipHash key */
	size_t mask;
	struct rl_slot slot[];
};

#define RL_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define RL_SIPROUND(v0, v1, v2, v3)                                                       \
	do {                                                                              \
		v0 += v1; v1 = RL_ROTL(v1, 13); v1 ^= v0; v0 = RL_ROTL(v0, 32);           \
		v2 += v3; v3 = RL_ROTL(v3, 16); v3 ^= v2;                                 \
		v0 += v3; v3 = RL_ROTL(v3, 21); v3 ^= v0;                                 \
		v2 += v1; v1 = RL_ROTL(v1, 17); v1 ^= v2; v2 = RL_ROTL(v2, 32);           \
	} while (0)

/* SipHash-1-3 of the 16-byte key block plus the family byte (a keyed hash: without the
 * key, sources cannot be chosen to collide). */
static uint64_t rl_hash(const struct ratelimit *r, const uint8_t ip[16], uint8_t family)
{
	uint64_t v0 = r->k0 ^ 0x736f6d6570736575ULL, v1 = r->k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = r->k0 ^ 0x6c7967656e657261ULL, v3 = r->k1 ^ 0x7465646279746573ULL;
	uint64_t m[3];

	memcpy(&m[0], ip, 8);
	memcpy(&m[1], ip + 8, 8);
	m[2] = (uint64_t)17 << 56 | family;
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

int ratelimit_new(size_t slots, uint64_t rate, uint64_t burst, struct ratelimit **out)
{
	struct ratelimit *r;
	uint64_t key[2];
	size_t n = RL_MIN_SLOTS;

	while (n < slots && n <= SIZE_MAX / 4 / sizeof(struct rl_slot))
		n *= 2;
	if (crypto_random(key, sizeof(key)) < 0)
		return -EIO;
	r = calloc(1, sizeof(*r) + n * sizeof(struct rl_slot));
	if (!r)
		return -ENOMEM;
	r->rate = rate;
	r->burst = burst;
	r->k0 = key[0];
	r->k1 = key[1];
	r->mask = n - 1;
	*out = r;
	return 0;
}

void ratelimit_free(struct ratelimit *r)
{
	free(r);
}

/* The slot for (ip, family): its own, else an empty one, else the stalest of its group
 * (reset to a full bucket). */
static struct rl_slot *rl_find(struct ratelimit *r, const uint8_t ip[16], uint8_t family,
			       uint64_t now_ms)
{
	size_t h = (size_t)rl_hash(r, ip, family);
	struct rl_slot *victim = NULL;

	for (size_t i = 0; i < RL_GROUP; i++) {
		struct rl_slot *s = &r->slot[(h + i) & r->mask];

		if (s->family == family && memcmp(s->ip, ip, 16) == 0)
			return s;
		if (s->family == 0) {
			if (!victim || victim->family != 0)
				victim = s;
		} else if (!victim || (victim->family != 0 && s->seen_ms < victim->seen_ms)) {
			victim = s;
		}
	}
	memcpy(victim->ip, ip, 16);
	victim->family = family;
	tbucket_init(&victim->b, r->rate, r->burst, now_ms);
	return victim;
}

bool ratelimit_allow(struct ratelimit *r, const struct addr *src, uint64_t now_ms)
{
	uint8_t ip[16] = { 0 };
	const uint8_t *raw;
	size_t len;
	struct rl_slot *s;

	if (r->rate == 0)
		return true;
	raw = addr_raw(src, &len);
	memcpy(ip, raw, len);
	s = rl_find(r, ip, len == 16 ? 6 : 4, now_ms);
	s->seen_ms = now_ms;
	return tbucket_take(&s->b, 1, now_ms);
}
