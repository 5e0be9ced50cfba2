/* Sessions (turn/server.h): a worker's allocations as the operator sees them, ended on the
 * operator's word (the admin socket's kill), and how long a client connection may go
 * without an allocation. */
#include "turn/core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stun/err.h"
#include "turn/shared.h"

/* The worker id in the top 16 bits keeps ids unique across workers; an allocation that
 * moves to another worker (RFC 8016) keeps the id it was born with. */
#define TURN_SESSION_WORKER_SHIFT 48

uint64_t turn_session_id(struct turn_server *s)
{
	s->session_seq = (s->session_seq + 1) & ((1ull << TURN_SESSION_WORKER_SHIFT) - 1);
	return ((uint64_t)(s->worker & 0xffff) << TURN_SESSION_WORKER_SHIFT) | s->session_seq;
}

static void turn_session_fill(const struct turn_alloc *a, uint64_t now_ms, struct turn_session *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->id = a->id;
	ss->client = a->client.src;
	ss->local = a->client.local;
	ss->transport =
		a->client.conn && a->client.conn->ops->name ? a->client.conn->ops->name : "";
	for (unsigned i = 0; i < a->nrelay && i < 2; i++)
		turn_ip_to_addr(&a->relayed[i], a->relayed_port[i], &ss->relayed[ss->nrelay++]);
	ss->user = turn_alloc_user(a);
	ss->realm = turn_alloc_realm(a);
	ss->age_ms = now_ms > a->st.created_ms ? now_ms - a->st.created_ms : 0;
	ss->expires_in_ms = a->expire_ms > now_ms ? a->expire_ms - now_ms : 0;
	ss->pkts_to_peer = a->st.pkts_to_peer;
	ss->pkts_to_client = a->st.pkts_to_client;
	ss->bytes_to_peer = a->st.bytes_to_peer;
	ss->bytes_to_client = a->st.bytes_to_client;
}

void turn_server_sessions(struct turn_server *s, uint64_t now_ms, turn_session_cb fn, void *arg)
{
	struct turn_session ss;

	for (size_t i = 0; i < s->allocs.cap; i++) {
		const struct turn_alloc *a = s->allocs.slot[i];

		if (a == NULL)
			continue;
		turn_session_fill(a, now_ms, &ss);
		if (fn(&ss, arg) != 0)
			return;
	}
}

void turn_session_fleet_up(struct turn_server *s, const struct turn_alloc *a)
{
	struct turn_session ss;

	if (s->fleet == NULL || s->fleet->session_up == NULL)
		return;
	turn_session_fill(a, s->now_ms, &ss);
	s->fleet->session_up(s->fleet_impl, &ss);
}

void turn_session_fleet_down(struct turn_server *s, const struct turn_alloc *a)
{
	if (s->fleet && s->fleet->session_down)
		s->fleet->session_down(s->fleet_impl, a->id);
}

int turn_server_kill(struct turn_server *s, uint64_t id)
{
	for (size_t i = 0; i < s->allocs.cap; i++) {
		struct turn_alloc *a = s->allocs.slot[i];

		if (a && a->id == id) {
			turn_alloc_end(s, a, TURN_END_KILLED);
			return 0;
		}
	}
	return -ENOENT;
}

static bool turn_session_is_user(const struct turn_alloc *a, const char *user, const char *realm)
{
	return strcmp(turn_alloc_user(a), user) == 0 &&
	       (realm == NULL || strcmp(turn_alloc_realm(a), realm) == 0);
}

int turn_server_kill_user(struct turn_server *s, const char *user, const char *realm)
{
	struct turn_alloc **v;
	size_t n = 0;

	if (s->allocs.n == 0)
		return 0;
	/* Ending an allocation reshuffles the table: pick them all first. */
	v = calloc(s->allocs.n, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->allocs.cap && n < s->allocs.n; i++) {
		struct turn_alloc *a = s->allocs.slot[i];

		if (a && turn_session_is_user(a, user, realm))
			v[n++] = a;
	}
	for (size_t i = 0; i < n; i++)
		turn_alloc_end(s, v[i], TURN_END_KILLED);
	free(v);
	return (int)n;
}

uint32_t turn_server_alloc_timeout_s(const struct turn_server *s)
{
	return s ? s->cfg->alloc_timeout_s : 0;
}
