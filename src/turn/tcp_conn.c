/* RFC 6062 peer data connections as the TURN core keeps them (turn/tcp_conn.h): creation
 * under the per-allocation limits, the CONNECTION-ID table, the 30 s timers and the one
 * free path. */
#include "turn/tcp_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "stun/err.h"
#include "turn/core.h"

uint64_t turn_tcp_bind_ms(const struct turn_server *s)
{
	return s->cfg->tcp_bind_ms ? s->cfg->tcp_bind_ms : TURN_TCP_BIND_MS;
}

static struct turn_tcp_conn **turn_tcp_slot(struct turn_server *s, uint32_t id)
{
	return &s->tcp.bucket[(id ^ (id >> 8)) % TURN_TCP_BUCKETS];
}

struct turn_tcp_conn *turn_tcp_find(struct turn_server *s, uint32_t id)
{
	struct turn_tcp_conn *tc = *turn_tcp_slot(s, id);

	while (tc && tc->id != id)
		tc = tc->hnext;
	return tc;
}

struct turn_tcp_conn *turn_tcp_find_peer(struct turn_alloc *a, const struct addr *peer)
{
	struct turn_tcp_conn *tc;

	for (tc = a->tcp ? a->tcp->conns : NULL; tc; tc = tc->next)
		if (addr_eq(&tc->peer, peer))
			return tc;
	return NULL;
}

/* A fresh CONNECTION-ID: the worker in the top 8 bits, 24 random bits, never 0 and not in
 * use. The id only names a connection; ConnectionBind still needs the allocation's
 * credentials. */
static uint32_t turn_tcp_new_id(struct turn_server *s)
{
	uint32_t r, id;

	do {
		if (crypto_random(&r, sizeof(r)) < 0)
			r = (uint32_t)(s->tid_seq++ * 2654435761u);
		id = (s->tcp.worker & 0xffu) << 24 | (r & 0xffffffu);
	} while ((id & 0xffffffu) == 0 || turn_tcp_find(s, id));
	return id;
}

/* §5.2/§5.3: a Connect not answered by the peer in time gets 447; a CONNECTION-ID not
 * bound in time closes its peer data connection. */
static void turn_tcp_timer_cb(struct timer *t, void *arg)
{
	struct turn_tcp_conn *tc = arg;
	struct turn_server *s = tc->a->s;

	(void)t;
	if (tc->state == TURN_TCP_CONNECTING) {
		s->c.tcp_connect_failed++;
		turn_tcp_connect_reply(s, tc, STUN_ERR_CONNECTION_TIMEOUT);
	} else {
		s->c.tcp_bind_timeout++;
	}
	turn_tcp_conn_free(s, tc, true);
}

int turn_tcp_conn_new(struct turn_server *s, struct turn_alloc *a, const struct addr *peer,
		      enum turn_tcp_state state, struct turn_tcp_conn **out)
{
	uint32_t maxc = s->cfg->tcp_max_conns ? s->cfg->tcp_max_conns : TURN_TCP_MAX_CONNS;
	uint32_t maxp = s->cfg->tcp_max_pending ? s->cfg->tcp_max_pending : TURN_TCP_MAX_PENDING;
	struct turn_tcp *t = a->tcp;
	struct turn_tcp_conn *tc, **slot;

	if (t->nconns >= maxc || t->npending >= maxp) {
		s->c.tcp_refused_limit++;
		return -ENOSPC;
	}
	tc = calloc(1, sizeof(*tc));
	if (tc == NULL)
		return -ENOMEM;
	tc->a = a;
	tc->peer = *peer;
	tc->id = turn_tcp_new_id(s);
	tc->state = (uint8_t)state;
	timer_init(&tc->timer, turn_tcp_timer_cb, tc);
	timer_set(s->wheel, &tc->timer, s->now_ms + turn_tcp_bind_ms(s));
	slot = turn_tcp_slot(s, tc->id);
	tc->hnext = *slot;
	*slot = tc;
	tc->next = t->conns;
	t->conns = tc;
	t->nconns++;
	t->npending++;
	s->c.tcp_conns++;
	*out = tc;
	return 0;
}

void turn_tcp_set_state(struct turn_server *s, struct turn_tcp_conn *tc, enum turn_tcp_state st)
{
	if (tc->state != TURN_TCP_BOUND && st == TURN_TCP_BOUND)
		tc->a->tcp->npending--;
	tc->state = (uint8_t)st;
	if (st == TURN_TCP_BOUND)
		timer_cancel(&tc->timer);
	else
		timer_set(s->wheel, &tc->timer, s->now_ms + turn_tcp_bind_ms(s));
}

void turn_tcp_conn_free(struct turn_server *s, struct turn_tcp_conn *tc, bool close)
{
	struct turn_tcp *t = tc->a->tcp;
	struct turn_tcp_conn **pp;

	timer_cancel(&tc->timer);
	for (pp = turn_tcp_slot(s, tc->id); *pp && *pp != tc; pp = &(*pp)->hnext)
		;
	if (*pp)
		*pp = tc->hnext;
	for (pp = &t->conns; *pp && *pp != tc; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = tc->next;
	t->nconns--;
	if (tc->state != TURN_TCP_BOUND)
		t->npending--;
	s->c.tcp_conns--;
	if (close && tc->net)
		s->ops->tcp_close(s->ops_ctx, tc->net);
	free(tc);
}

void turn_tcp_fini(struct turn_server *s, struct turn_alloc *a)
{
	if (a->tcp == NULL)
		return;
	/* RFC 6062 §5.5: the data connections end with their allocation. */
	while (a->tcp->conns)
		turn_tcp_conn_free(s, a->tcp->conns, true);
	free(a->tcp);
	a->tcp = NULL;
}

void turn_server_set_worker(struct turn_server *s, unsigned id)
{
	s->tcp.worker = id;
	s->worker = id; /* MOBILITY-TICKETs (turn/mobility.c) */
}

void turn_tcp_closed(struct turn_server *s, struct turn_tcp_conn *tc)
{
	turn_tcp_conn_free(s, tc, false);
}

void turn_tcp_relayed(struct turn_tcp_conn *tc, size_t to_peer, size_t to_client)
{
	tc->a->st.bytes_to_peer += to_peer;
	tc->a->st.bytes_to_client += to_client;
}
