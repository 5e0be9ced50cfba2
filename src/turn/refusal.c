/* Refusal log lines (turn/refusal.h). */
#include "turn/refusal.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/log_fmt.h"
#include "stun/err.h"
#include "stun/stun.h"
#include "turn/core.h"

static const char *const turn_refusal_names[TURN_REF_N] = {
	[TURN_REF_UNKNOWN_USER] = "unknown-user",      [TURN_REF_BAD_INTEGRITY] = "bad-integrity",
	[TURN_REF_WRONG_REALM] = "wrong-realm",	       [TURN_REF_FORBIDDEN] = "forbidden",
	[TURN_REF_PEER_DENIED] = "peer-denied",	       [TURN_REF_MISMATCH] = "allocation-mismatch",
	[TURN_REF_WRONG_CREDS] = "wrong-credentials",  [TURN_REF_QUOTA] = "quota-reached",
	[TURN_REF_CAPACITY] = "insufficient-capacity",
};

static const char *turn_refusal_method(uint16_t method)
{
	switch (method) {
	case STUN_METHOD_BINDING:
		return "Binding";
	case STUN_METHOD_ALLOCATE:
		return "Allocate";
	case STUN_METHOD_REFRESH:
		return "Refresh";
	case STUN_METHOD_CREATE_PERMISSION:
		return "CreatePermission";
	case STUN_METHOD_CHANNEL_BIND:
		return "ChannelBind";
	case STUN_METHOD_CONNECT:
		return "Connect";
	case STUN_METHOD_CONNECTION_BIND:
		return "ConnectionBind";
	default:
		return "other";
	}
}

/* The request's USERNAME (client-chosen bytes), or its USERHASH's first 8 bytes. */
static void turn_refusal_user(const struct turn_ctx *x, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	struct stun_str u;
	char h[9 + 16];

	if (stun_msg_get_bytes(x->m, STUN_ATTR_USERNAME, &u) == 0) {
		log_quote(buf, cap, u.p, u.len);
		return;
	}
	if (stun_msg_get_bytes(x->m, STUN_ATTR_USERHASH, &u) == 0 && u.len >= 8) {
		memcpy(h, "userhash:", 9);
		for (size_t i = 0; i < 8; i++) {
			h[9 + 2 * i] = hex[u.p[i] >> 4];
			h[10 + 2 * i] = hex[u.p[i] & 15];
		}
		log_quote(buf, cap, h, sizeof(h));
		return;
	}
	log_quote(buf, cap, "", 0);
}

/* Whether a line for why may go now (its bucket); counts the ones that may not. */
static bool turn_refusal_admit(struct turn_server *s, enum turn_refusal why, uint64_t now_ms)
{
	struct turn_refusal_log *r = &s->refusals;

	if (!r->started) {
		for (int i = 0; i < TURN_REF_N; i++)
			tbucket_init(&r->tb[i], TURN_REFUSAL_RATE, TURN_REFUSAL_BURST, now_ms);
		r->started = true;
	}
	if (tbucket_take(&r->tb[why], 1, now_ms))
		return true;
	r->suppressed[why]++;
	return false;
}

void turn_refusal(struct turn_ctx *x, enum turn_refusal why, int code)
{
	struct turn_server *s = x->s;
	char user[LOG_VAL_MAX], client[ADDR_STR_MAX], peer[ADDR_STR_MAX + 6] = "";
	char supp[40] = "";
	const char *tr = x->client->conn->ops->name ? x->client->conn->ops->name : "unknown";

	if (!log_enabled(LOG_LVL_INFO) || !turn_refusal_admit(s, why, x->now_ms))
		return;
	if (s->refusals.suppressed[why]) {
		snprintf(supp, sizeof(supp), " suppressed=%llu",
			 (unsigned long long)s->refusals.suppressed[why]);
		s->refusals.suppressed[why] = 0;
	}
	if (why == TURN_REF_PEER_DENIED && x->refused_peer) {
		memcpy(peer, " peer=", 6);
		addr_to_str(x->refused_peer, peer + 6, sizeof(peer) - 6);
	}
	turn_refusal_user(x, user, sizeof(user));
	log_info("session",
		 "request refused reason=%s code=%d method=%s user=%s client=%s transport=%s%s%s",
		 turn_refusal_names[why], code, turn_refusal_method(x->m->method), user,
		 addr_to_str(&x->client->src, client, sizeof(client)), tr, peer, supp);
}

void turn_refusal_code(struct turn_ctx *x, int code)
{
	switch (code) {
	case STUN_ERR_FORBIDDEN:
		turn_refusal(x, x->refused_peer ? TURN_REF_PEER_DENIED : TURN_REF_FORBIDDEN, code);
		break;
	case STUN_ERR_ALLOCATION_MISMATCH:
		turn_refusal(x, TURN_REF_MISMATCH, code);
		break;
	case STUN_ERR_WRONG_CREDENTIALS:
		turn_refusal(x, TURN_REF_WRONG_CREDS, code);
		break;
	case STUN_ERR_ALLOCATION_QUOTA_REACHED:
		turn_refusal(x, TURN_REF_QUOTA, code);
		break;
	case STUN_ERR_INSUFFICIENT_CAPACITY:
		turn_refusal(x, TURN_REF_CAPACITY, code);
		break;
	default:
		break;
	}
}
