/* The kernel fast path's share of the accounting (turn_relay_ops fast_take and
 * fast_throttle; README "XDP fast path"). Every TURN_FAST_TAKE_MS each UDP allocation's
 * relays are asked what the kernel relayed since the last take; that is added where user
 * space counts its own (a->st: the session list, session log lines and realm totals;
 * struct turn_counters fast_relayed_*: the metrics' path="kernel") and charged to the
 * allocation's max-bps buckets. When the buckets cannot cover it the allocation is
 * throttled (all its datagrams go to user space, which enforces the rate exactly) until a
 * tick finds both buckets full again: the rate is overshot by at most what the kernel
 * relays in one tick. One last take before a relay closes or the allocation moves, after
 * its entries are withdrawn, so that its session line is complete. Worker thread. */
#include "turn/alloc.h"

#include <errno.h>
#include <sys/socket.h>

#include "turn/core.h"
#include "turn/mob.h"

/* A parked allocation (turn_mob_park): its relays receive on no worker and its entries
 * were withdrawn and its last take done when it was parked. */
static bool turn_fast_is_parked(const struct turn_alloc *a)
{
	return a->mob && a->client.conn == &a->mob->parked;
}

static void turn_fast_add(struct turn_fast_count *sum, const struct turn_fast_count *d)
{
	sum->pkts_to_peer += d->pkts_to_peer;
	sum->bytes_to_peer += d->bytes_to_peer;
	sum->pkts_to_client += d->pkts_to_client;
	sum->bytes_to_client += d->bytes_to_client;
}

/* d into a's and s's counters; returns -EDQUOT when a's max-bps buckets could not cover
 * it (they are emptied), else 0. */
static int turn_fast_fold(struct turn_server *s, struct turn_alloc *a,
			  const struct turn_fast_count *d, uint64_t now_ms)
{
	bool peer_ok, client_ok;

	a->st.pkts_to_peer += d->pkts_to_peer;
	a->st.bytes_to_peer += d->bytes_to_peer;
	a->st.pkts_to_client += d->pkts_to_client;
	a->st.bytes_to_client += d->bytes_to_client;
	s->c.fast_relayed_to_peer += d->pkts_to_peer;
	s->c.fast_relayed_bytes_to_peer += d->bytes_to_peer;
	s->c.fast_relayed_to_client += d->pkts_to_client;
	s->c.fast_relayed_bytes_to_client += d->bytes_to_client;
	/* Both charged, even when the first is short. */
	peer_ok = tbucket_spend(&a->bw_to_peer, d->bytes_to_peer, now_ms);
	client_ok = tbucket_spend(&a->bw_to_client, d->bytes_to_client, now_ms);
	return peer_ok && client_ok ? 0 : -EDQUOT;
}

/* Takes relay i of a (-1: every relay) and folds it in at now_ms: -EDQUOT when over
 * max-bps, else 0 (also when there is nothing to take). */
static int turn_fast_collect(struct turn_server *s, struct turn_alloc *a, int i, uint64_t now_ms)
{
	struct turn_fast_count sum = {0}, d;

	if (s->ops->fast_take == NULL || a->tcp || turn_fast_is_parked(a))
		return 0;
	for (int r = 0; r < a->nrelay; r++) {
		if (i >= 0 && r != i)
			continue;
		d = (struct turn_fast_count){0};
		s->ops->fast_take(s->ops_ctx, a->relay[r], &d);
		turn_fast_add(&sum, &d);
	}
	if ((sum.pkts_to_peer | sum.pkts_to_client | sum.bytes_to_peer | sum.bytes_to_client) == 0)
		return 0;
	return turn_fast_fold(s, a, &sum, now_ms);
}

void turn_fast_take(struct turn_server *s, struct turn_alloc *a, int i)
{
	/* The last takes: being over the rate no longer matters. */
	(void)turn_fast_collect(s, a, i, s->now_ms);
}

void turn_fast_final(struct turn_server *s, struct turn_alloc *a)
{
	if (a->fast_final)
		return;
	turn_fast_clear(s, a, AF_UNSPEC);
	turn_fast_take(s, a, -1);
	a->fast_final = true;
}

void turn_fast_release(struct turn_server *s, struct turn_alloc *a, int i)
{
	if (a->fast_throttled && s->ops->fast_throttle)
		s->ops->fast_throttle(s->ops_ctx, a->relay[i], false);
}

/* Every relay of a throttled (on) or released. */
static void turn_fast_throttle(struct turn_server *s, struct turn_alloc *a, bool on)
{
	if (s->ops->fast_throttle == NULL || a->fast_throttled == on)
		return;
	for (int r = 0; r < a->nrelay; r++)
		s->ops->fast_throttle(s->ops_ctx, a->relay[r], on);
	a->fast_throttled = on;
	if (on)
		s->c.fast_throttled++;
}

static void turn_fast_tick_one(struct turn_server *s, struct turn_alloc *a, uint64_t now_ms)
{
	if (a->tcp || a->nrelay == 0 || turn_fast_is_parked(a))
		return;
	if (turn_fast_collect(s, a, -1, now_ms) < 0)
		turn_fast_throttle(s, a, true);
	else if (a->fast_throttled && tbucket_is_full(&a->bw_to_peer, now_ms) &&
		 tbucket_is_full(&a->bw_to_client, now_ms))
		turn_fast_throttle(s, a, false);
}

void turn_fast_tick(struct turn_server *s, uint64_t now_ms)
{
	if (s->ops->fast_take == NULL || now_ms < s->fast_next_ms)
		return;
	s->fast_next_ms = now_ms + TURN_FAST_TAKE_MS;
	for (size_t i = 0; s->allocs.slot && i < s->allocs.cap; i++)
		if (s->allocs.slot[i])
			turn_fast_tick_one(s, s->allocs.slot[i], now_ms);
}
