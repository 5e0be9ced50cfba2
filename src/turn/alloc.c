/* Allocations: the 5-tuple table, creation, expiry and the one free path. */
#include "turn/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ltc.h"
#include "base/crypto.h"
#include "turn/core.h"
#include "turn/sesslog.h"
#include "turn/shared.h"

#define TURN_TABLE_MIN 64

void turn_ip_from_addr(struct turn_ip *ip, const struct addr *a)
{
	size_t n;
	const uint8_t *raw = addr_raw(a, &n);

	memset(ip, 0, sizeof(*ip));
	ip->family = (uint8_t)addr_family(a);
	if (raw && n <= sizeof(ip->b))
		memcpy(ip->b, raw, n);
}

void turn_ip_to_addr(const struct turn_ip *ip, uint16_t port, struct addr *out)
{
	addr_from_raw(out, ip->family, ip->b, port);
}

bool turn_ip_eq(const struct turn_ip *x, const struct turn_ip *y)
{
	return x->family == y->family && memcmp(x->b, y->b, sizeof(x->b)) == 0;
}

/* A seeded mix of the 5-tuple (the client part is chosen by the sender). */
static uint64_t turn_mix(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t turn_tuple_hash(const struct turn_alloc_table *t, const struct turn_conn *conn,
				const struct addr *src, const struct addr *local)
{
	const uint8_t *raw;
	size_t n;
	uint64_t h = t->seed ^ ((uint64_t)(uintptr_t)conn * 0x9e3779b97f4a7c15ull);
	uint16_t ports[2] = {addr_port(src), addr_port(local)};

	raw = addr_raw(src, &n);
	if (raw)
		h = turn_mix(h, raw, n);
	raw = addr_raw(local, &n);
	if (raw)
		h = turn_mix(h, raw, n);
	h = turn_mix(h, (const uint8_t *)ports, sizeof(ports));
	return h ^ (h >> 29);
}

static bool turn_tuple_eq(const struct turn_client *c, const struct turn_conn *conn,
			  const struct addr *src, const struct addr *local)
{
	return c->conn == conn && addr_eq(&c->src, src) && addr_eq(&c->local, local);
}

bool turn_client_eq(const struct turn_client *x, const struct turn_client *y)
{
	return turn_tuple_eq(x, y->conn, &y->src, &y->local);
}

static int turn_table_alloc_slots(struct turn_alloc_table *t, size_t cap)
{
	t->slot = calloc(cap, sizeof(*t->slot));
	if (t->slot == NULL)
		return -ENOMEM;
	t->cap = cap;
	t->n = 0;
	return 0;
}

int turn_alloc_table_init(struct turn_alloc_table *t)
{
	if (crypto_random(&t->seed, sizeof(t->seed)) < 0)
		t->seed = 0x9e3779b97f4a7c15ull;
	return turn_table_alloc_slots(t, TURN_TABLE_MIN);
}

void turn_alloc_table_fini(struct turn_alloc_table *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = t->n = 0;
}

static size_t turn_table_home(const struct turn_alloc_table *t, const struct turn_alloc *a)
{
	return turn_tuple_hash(t, a->client.conn, &a->client.src, &a->client.local) & (t->cap - 1);
}

static void turn_table_put(struct turn_alloc_table *t, struct turn_alloc *a)
{
	size_t i = turn_table_home(t, a);

	while (t->slot[i])
		i = (i + 1) & (t->cap - 1);
	t->slot[i] = a;
	t->n++;
}

/* Keeps the load at or below one half. */
static int turn_table_grow(struct turn_alloc_table *t)
{
	struct turn_alloc **old = t->slot;
	size_t i, oldcap = t->cap;

	if ((t->n + 1) * 2 <= t->cap)
		return 0;
	if (turn_table_alloc_slots(t, oldcap * 2) < 0) {
		t->slot = old;
		t->cap = oldcap;
		return -ENOMEM;
	}
	for (i = 0; i < oldcap; i++) {
		if (old[i])
			turn_table_put(t, old[i]);
	}
	free(old);
	return 0;
}

struct turn_alloc *turn_alloc_find(const struct turn_alloc_table *t, const struct turn_conn *conn,
				   const struct addr *src, const struct addr *local)
{
	size_t i = turn_tuple_hash(t, conn, src, local) & (t->cap - 1);

	while (t->slot[i]) {
		if (turn_tuple_eq(&t->slot[i]->client, conn, src, local))
			return t->slot[i];
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

/* Removal with backward shift: no tombstones, probe chains stay short. */
static void turn_table_remove(struct turn_alloc_table *t, const struct turn_alloc *a)
{
	size_t mask = t->cap - 1, i = turn_table_home(t, a), j, home;

	while (t->slot[i] && t->slot[i] != a)
		i = (i + 1) & mask;
	if (t->slot[i] == NULL)
		return;
	t->slot[i] = NULL;
	t->n--;
	for (j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
		home = turn_table_home(t, t->slot[j]);
		/* Move slot j into the hole i unless its home lies cyclically in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slot[i] = t->slot[j];
			t->slot[j] = NULL;
			i = j;
		}
	}
}

static void turn_alloc_timer_cb(struct timer *tm, void *arg)
{
	struct turn_alloc *a = arg;
	struct turn_server *s = a->s;

	(void)tm;
	/* RFC 8656 §7: when the time-to-expiry reaches zero the allocation is deleted. */
	if (s->now_ms >= a->expire_ms) {
		turn_alloc_end(s, a, TURN_END_EXPIRED);
		return;
	}
	/* §6: each relayed address of a dual allocation has its own time-to-expiry. */
	for (int i = a->nrelay - 1; i >= 0 && a->nrelay > 1; i--)
		if (s->now_ms >= turn_alloc_relay_expiry(a, i)) {
			turn_slog_relay_ended(a, a->relayed[i].family, TURN_END_EXPIRED);
			turn_alloc_drop_relay(s, a, i);
		}
	turn_alloc_schedule(s, a);
}

int turn_alloc_new(struct turn_server *s, const struct turn_client *c, struct turn_alloc **out)
{
	struct turn_alloc *a;

	if (turn_table_grow(&s->allocs) < 0)
		return -ENOMEM;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->client = *c;
	a->s = s;
	/* The ICMP rate limit (turn/icmp.c) starts full. */
	a->icmp_tat = (uint16_t)(s->now_ms / TURN_ICMP_INTERVAL_MS);
	a->st.created_ms = s->now_ms;
	a->id = turn_session_id(s);
	a->perms = a->perm_inline;
	a->capperms = TURN_INLINE_PERMS;
	a->chans = a->chan_inline;
	a->capchans = TURN_INLINE_CHANS;
	timer_init(&a->timer, turn_alloc_timer_cb, a);
	turn_table_put(&s->allocs, a);
	s->c.allocs++;
	*out = a;
	return 0;
}

/* The one path a relay is closed by: out of the fast path (entries withdrawn, the last
 * take, the throttle released), through ops, then out of a's arrays. */
static void turn_alloc_close_relay(struct turn_server *s, struct turn_alloc *a, int i)
{
	if (!a->fast_final) {
		turn_fast_clear(s, a, a->relayed[i].family);
		turn_fast_take(s, a, i);
	}
	turn_fast_release(s, a, i);
	s->ops->close(s->ops_ctx, a->relay[i]);
	for (int j = i; j + 1 < a->nrelay; j++) {
		a->relay[j] = a->relay[j + 1];
		a->relayed[j] = a->relayed[j + 1];
		a->relayed_port[j] = a->relayed_port[j + 1];
	}
	a->nrelay--;
}

void turn_fleet_release(struct turn_server *s, const uint8_t *ident, const char *realm)
{
	if (s->fleet && s->fleet->quota_release)
		s->fleet->quota_release(s->fleet_impl, ident, realm);
}

void turn_alloc_free(struct turn_server *s, struct turn_alloc *a)
{
	/* The quota unit goes with the first relay (turn/method/allocate.c). */
	bool counted = a->nrelay > 0;

	timer_cancel(&a->timer);
	turn_table_remove(&s->allocs, a);
	turn_tcp_fini(s, a); /* before the relay (the listener) closes */
	while (a->nrelay > 0)
		turn_alloc_close_relay(s, a, a->nrelay - 1);
	if (counted)
		turn_shared_release(s->shared, a->has_ident ? a->ident : NULL);
	if (counted && a->fleet_unit)
		turn_fleet_release(s, a->has_ident ? a->ident : NULL,
				   a->names ? turn_alloc_realm(a) : s->cfg->realm);
	turn_shared_bps_release(s->shared, a->bps);
	turn_perm_fini(a);
	turn_chan_fini(a);
	turn_mob_fini(s, a);
	s->c.allocs--;
	turn_realm_account(s, a);
	free(a->names);
	free(a);
}

void turn_alloc_unlink(struct turn_server *s, struct turn_alloc *a)
{
	turn_table_remove(&s->allocs, a);
	s->c.allocs--;
}

int turn_alloc_link(struct turn_server *s, struct turn_alloc *a)
{
	if (turn_table_grow(&s->allocs) < 0)
		return -ENOMEM;
	turn_table_put(&s->allocs, a);
	s->c.allocs++;
	return 0;
}

uint64_t turn_alloc_relay_expiry(const struct turn_alloc *a, int i)
{
	int64_t skew_ms = (int64_t)a->relay_skew * TURN_SKEW_UNIT_S * 1000;

	if (a->nrelay < 2)
		return a->expire_ms;
	if (i == 0 && skew_ms > 0)
		return a->expire_ms - (uint64_t)skew_ms;
	if (i == 1 && skew_ms < 0)
		return a->expire_ms - (uint64_t)-skew_ms;
	return a->expire_ms;
}

void turn_alloc_set_relay_expiry(struct turn_alloc *a, int i, uint64_t expire_ms)
{
	uint64_t e[TURN_MAX_RELAYS];
	int64_t skew;

	if (a->nrelay < 2) {
		turn_alloc_set_expiry(a, expire_ms);
		return;
	}
	e[i] = expire_ms;
	e[1 - i] = turn_alloc_relay_expiry(a, 1 - i);
	a->expire_ms = e[0] > e[1] ? e[0] : e[1];
	/* Truncated towards zero: the earlier family lives less than a unit longer than
	 * asked, never shorter. */
	skew = ((int64_t)e[1] - (int64_t)e[0]) / (TURN_SKEW_UNIT_S * 1000);
	if (skew > INT16_MAX)
		skew = INT16_MAX;
	if (skew < -INT16_MAX)
		skew = -INT16_MAX;
	a->relay_skew = (int16_t)skew;
}

void turn_alloc_set_expiry(struct turn_alloc *a, uint64_t expire_ms)
{
	a->expire_ms = expire_ms;
	a->relay_skew = 0;
}

void turn_alloc_drop_relay(struct turn_server *s, struct turn_alloc *a, int i)
{
	uint64_t other;

	if (a->nrelay < 2)
		return;
	other = turn_alloc_relay_expiry(a, 1 - i);
	turn_alloc_close_relay(s, a, i);
	turn_alloc_set_expiry(a, other);
}

void turn_alloc_schedule(struct turn_server *s, struct turn_alloc *a)
{
	uint64_t next = a->expire_ms, t;

	for (int i = 0; i < a->nrelay; i++)
		if (turn_alloc_relay_expiry(a, i) < next)
			next = turn_alloc_relay_expiry(a, i);

	/* Permissions and channels are checked against the clock on use; the sweep here only
	 * frees their slots (and takes them out of the fast path first). */
	turn_fast_expire(s, a, s->now_ms);
	t = turn_perm_expire(a, s->now_ms);
	if (t < next)
		next = t;
	t = turn_chan_expire(a, s->now_ms);
	if (t < next)
		next = t;
	timer_set(s->wheel, &a->timer, next);
}

int turn_alloc_relay_for(const struct turn_alloc *a, int family)
{
	int i;

	for (i = 0; i < a->nrelay; i++) {
		if (a->relayed[i].family == family)
			return i;
	}
	return -ENOENT;
}

void turn_alloc_set_names(struct turn_alloc *a, const struct auth_ltc_req *rq, const char *realm)
{
	static const char hex[] = "0123456789abcdef";
	size_t ulen, rlen = realm ? strlen(realm) : 0;
	char *names;

	if (rq == NULL || (rq->user == NULL && rq->userhash == NULL))
		return;
	ulen = rq->user ? rq->user_len : sizeof("userhash:") - 1 + 16;
	names = malloc(ulen + rlen + 2);
	if (names == NULL)
		return;
	if (rq->user) {
		memcpy(names, rq->user, ulen);
	} else {
		memcpy(names, "userhash:", sizeof("userhash:") - 1);
		for (size_t i = 0; i < 8; i++) {
			names[9 + 2 * i] = hex[rq->userhash[i] >> 4];
			names[10 + 2 * i] = hex[rq->userhash[i] & 15];
		}
	}
	names[ulen] = '\0';
	if (rlen)
		memcpy(names + ulen + 1, realm, rlen);
	names[ulen + 1 + rlen] = '\0';
	free(a->names);
	a->names = names;
}

const char *turn_alloc_user(const struct turn_alloc *a)
{
	return a->names ? a->names : "";
}

const char *turn_alloc_realm(const struct turn_alloc *a)
{
	return a->names ? a->names + strlen(a->names) + 1 : "";
}

const char *turn_end_name(enum turn_end why)
{
	static const char *const names[] = {
		[TURN_END_DELETED] = "deleted",
		[TURN_END_EXPIRED] = "expired",
		[TURN_END_CONN_GONE] = "connection-closed",
		[TURN_END_KILLED] = "killed",
		[TURN_END_SHUTDOWN] = "shutdown",
		[TURN_END_FAILED] = "failed",
	};

	return (unsigned)why < sizeof(names) / sizeof(names[0]) ? names[why] : "unknown";
}

void turn_alloc_end(struct turn_server *s, struct turn_alloc *a, enum turn_end why)
{
	/* What the kernel relayed up to now belongs in the line. */
	turn_fast_final(s, a);
	turn_slog_ended(a, s->now_ms, why);
	turn_session_fleet_down(s, a);
	turn_alloc_free(s, a);
}
