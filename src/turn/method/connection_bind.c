/* The ConnectionBind method (RFC 6062 §5.4) on a new client data connection, and the peek
 * net/ uses to hand such a request to the worker whose CONNECTION-ID it names. */
#include "turn/core.h"

#include <string.h>

#include "base/crypto.h"
#include "stun/err.h"
#include "stun/stun.h"

int turn_tcp_cid_worker(const uint8_t *buf, size_t len)
{
	struct stun_msg m;
	uint32_t id;

	if (len < STUN_HDR_LEN || !stun_msg_is_stun(buf, len) || stun_msg_decode(&m, buf, len) < 0)
		return -1;
	if (m.method != STUN_METHOD_CONNECTION_BIND || m.cls != STUN_CLASS_REQUEST ||
	    stun_msg_get_u32(&m, STUN_ATTR_CONNECTION_ID, &id) < 0)
		return -1;
	return (int)(id >> 24);
}

/* §5.4 checks. Returns the pending connection, or NULL with *code. */
static struct turn_tcp_conn *turn_bind_check(struct turn_ctx *x, int *code)
{
	struct turn_tcp_conn *tc;
	struct turn_alloc *a;
	uint32_t id;

	*code = STUN_ERR_BAD_REQUEST;
	/* The client connection transport is not TCP or TLS: 400. A control connection (one
	 * holding an allocation) never becomes a data connection. */
	if (!x->client->conn->ops->stream ||
	    turn_alloc_find(&x->s->allocs, x->client->conn, &x->client->src, &x->client->local))
		return NULL;
	/* No CONNECTION-ID, or one naming no pending connection: 400. */
	if (stun_msg_get_u32(x->m, STUN_ATTR_CONNECTION_ID, &id) < 0)
		return NULL;
	tc = turn_tcp_find(x->s, id);
	if (tc == NULL || tc->state != TURN_TCP_PENDING)
		return NULL;
	/* RFC 8656 §5 (RFC 6062 §4.4): the credentials of the allocation, else 441. */
	a = tc->a;
	if (a->has_ident != x->has_ident ||
	    (a->has_ident && !crypto_equal(a->ident, x->ident, TURN_IDENT_LEN))) {
		*code = STUN_ERR_WRONG_CREDENTIALS;
		return NULL;
	}
	return tc;
}

/* RFC 6062 §5.4: the connection becomes the client data connection of the pending peer
 * data connection; from the success on, bytes pass as they are both ways (net/). */
int turn_connection_bind(struct turn_ctx *x)
{
	struct turn_server *s = x->s;
	struct turn_tcp_conn *tc;
	struct stun_enc e;
	int code;

	tc = turn_bind_check(x, &code);
	if (tc == NULL)
		return turn_resp_error(x, code);
	if (s->ops->tcp_bind(s->ops_ctx, tc->net, x->client->conn) < 0)
		return turn_resp_error(x, STUN_ERR_SERVER_ERROR);
	turn_tcp_set_state(s, tc, TURN_TCP_BOUND);
	turn_resp_begin(x, &e);
	return turn_resp_finish(x, &e);
}
