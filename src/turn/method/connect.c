/* RFC 6062 on the relayed side of a TCP allocation: the Connect method (§5.2), its
 * asynchronous response, and peer connections arriving at the relayed address (§5.3) with
 * their ConnectionAttempt indication. */
#include "turn/core.h"

#include <errno.h>
#include <string.h>

#include "stun/err.h"
#include "stun/stun.h"

/* Keeps what the response to x's request needs once the peer has answered. */
static void turn_tcp_keep_reply(struct turn_ctx *x, struct turn_tcp_reply *r)
{
	memcpy(r->tid, x->m->tid, STUN_TID_LEN);
	r->authed = x->authed;
	r->admitted = x->admitted;
	r->fingerprint = x->m->i_fp >= 0;
	r->sha256 = x->rq.integrity_sha256;
	r->klen = (uint8_t)(x->klen <= sizeof(r->key) ? x->klen : 0);
	if (r->klen)
		memcpy(r->key, x->key, r->klen);
}

void turn_tcp_connect_reply(struct turn_server *s, struct turn_tcp_conn *tc, int code)
{
	const struct turn_tcp_reply *r = &tc->reply;
	struct turn_alloc *a = tc->a;
	struct stun_msg m = {.method = STUN_METHOD_CONNECT,
			     .cls = STUN_CLASS_REQUEST,
			     .tid = r->tid,
			     .i_mi = -1,
			     .i_mi256 = -1,
			     .i_fp = (int8_t)(r->fingerprint ? 0 : -1)};
	struct turn_ctx x = {.s = s,
			     .m = &m,
			     .client = &a->client,
			     .now_ms = s->now_ms,
			     .authed = r->authed && r->klen,
			     .admitted = r->admitted,
			     .key = r->key,
			     .klen = r->klen,
			     .out = s->scratch,
			     .cap = sizeof(s->scratch)};
	struct stun_enc e;
	int n;

	x.rq.integrity_sha256 = r->sha256;
	if (code) {
		n = turn_resp_error(&x, code);
	} else {
		/* §5.2: the success carries the CONNECTION-ID naming the peer data connection. */
		turn_resp_begin(&x, &e);
		stun_enc_put_u32(&e, STUN_ATTR_CONNECTION_ID, tc->id);
		n = turn_resp_finish(&x, &e);
	}
	if (n > 0)
		turn_client_send(&a->client, s->scratch, (size_t)n);
}

/* §5.2 checks on the request and the allocation. Returns 0 or an error code. */
static int turn_connect_check(struct turn_ctx *x, struct turn_alloc *a, struct addr *peer,
			      int *relay)
{
	struct turn_ip ip;
	bool relay_only;
	int code;

	/* Only a TCP allocation has a relayed address to connect from. */
	if (a->tcp == NULL)
		return STUN_ERR_BAD_REQUEST;
	/* An XOR-PEER-ADDRESS that is missing or invalid: 400. */
	if (stun_msg_get_xor_addr(x->m, STUN_ATTR_XOR_PEER_ADDRESS, peer) < 0)
		return STUN_ERR_BAD_REQUEST;
	/* "Forbidden by local policy": 403 (the peer policy of CreatePermission, 443 for a
	 * family the allocation does not relay). */
	code = turn_peer_check(x, a, peer, &relay_only);
	if (code)
		return code;
	/* RFC 8656 §9 applies to TCP allocations too: no connection to a peer without a
	 * permission for its IP (403). */
	turn_ip_from_addr(&ip, peer);
	if (!turn_perm_admits(x->s, a, &ip, peer, x->now_ms))
		return STUN_ERR_FORBIDDEN;
	/* A Connect in progress, or a connection pending or active, to the same peer: 446. */
	if (turn_tcp_find_peer(a, peer))
		return STUN_ERR_CONNECTION_ALREADY_EXISTS;
	*relay = turn_alloc_relay_for(a, addr_family(peer));
	return *relay < 0 ? STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH : 0;
}

/* RFC 6062 §5.2. The response follows when the peer answers (turn_tcp_connected) or the
 * timer expires (447). */
int turn_connect(struct turn_ctx *x)
{
	struct turn_server *s = x->s;
	struct turn_tcp_conn *tc;
	struct turn_alloc *a;
	struct addr peer;
	int code, relay = 0, rc;

	/* No allocation on this connection: 437 (or 441 for other credentials). */
	a = turn_ctx_alloc(x, &code);
	if (a == NULL)
		return turn_resp_error(x, code);
	code = turn_connect_check(x, a, &peer, &relay);
	if (code)
		return turn_resp_error(x, code);
	/* Over the connections the allocation may hold: 508 (a local limit). */
	rc = turn_tcp_conn_new(s, a, &peer, TURN_TCP_CONNECTING, &tc);
	if (rc < 0)
		return turn_resp_error(x, rc == -ENOSPC ? STUN_ERR_INSUFFICIENT_CAPACITY
							: STUN_ERR_SERVER_ERROR);
	turn_tcp_keep_reply(x, &tc->reply);
	/* The outgoing connection from the relayed transport address; one that cannot even
	 * start is a failure: 447. */
	if (s->ops->tcp_connect(s->ops_ctx, a->relay[relay], &peer, tc, &tc->net) < 0) {
		s->c.tcp_connect_failed++;
		turn_tcp_conn_free(s, tc, false);
		return turn_resp_error(x, STUN_ERR_CONNECTION_TIMEOUT);
	}
	return 0;
}

void turn_tcp_connected(struct turn_server *s, struct turn_tcp_conn *tc, int err)
{
	if (err) {
		/* §5.2: the connection attempt failed: 447; net/ freed its conn. */
		s->c.tcp_connect_failed++;
		turn_tcp_connect_reply(s, tc, STUN_ERR_CONNECTION_TIMEOUT);
		turn_tcp_conn_free(s, tc, false);
		return;
	}
	/* §5.2: now a peer data connection; its ConnectionBind must come within 30 s. */
	turn_tcp_set_state(s, tc, TURN_TCP_PENDING);
	turn_tcp_connect_reply(s, tc, 0);
}

/* §5.3: the ConnectionAttempt indication: XOR-PEER-ADDRESS and CONNECTION-ID. */
static void turn_tcp_attempt(struct turn_server *s, struct turn_tcp_conn *tc)
{
	uint8_t tid[STUN_TID_LEN];
	struct stun_enc e;
	int n;

	memcpy(tid, s->tid_salt, sizeof(s->tid_salt));
	memcpy(tid + sizeof(s->tid_salt), &s->tid_seq, sizeof(tid) - sizeof(s->tid_salt));
	s->tid_seq++;
	stun_enc_init(&e, s->scratch, sizeof(s->scratch), STUN_METHOD_CONNECTION_ATTEMPT,
		      STUN_CLASS_INDICATION, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &tc->peer);
	stun_enc_put_u32(&e, STUN_ATTR_CONNECTION_ID, tc->id);
	stun_enc_put_fingerprint(&e);
	n = stun_enc_finish(&e);
	if (n > 0)
		turn_client_send(&tc->a->client, s->scratch, (size_t)n);
}

int turn_tcp_accepted(struct turn_server *s, struct turn_alloc *a, const struct addr *peer,
		      void *conn, uint64_t now_ms, struct turn_tcp_conn **out)
{
	struct turn_tcp_conn *tc;
	struct turn_ip ip;
	int rc;

	s->now_ms = now_ms;
	if (a->tcp == NULL)
		return -EPERM;
	/* §5.3: without a permission for the peer's IP the connection is closed at once
	 * (an expired permission included). */
	turn_ip_from_addr(&ip, peer);
	if (!turn_perm_admits(s, a, &ip, peer, now_ms)) {
		s->c.tcp_refused_perm++;
		return -EPERM;
	}
	rc = turn_tcp_conn_new(s, a, peer, TURN_TCP_PENDING, &tc);
	if (rc < 0)
		return rc;
	tc->net = conn;
	turn_tcp_attempt(s, tc);
	*out = tc;
	return 0;
}
