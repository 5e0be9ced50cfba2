/* The method table: for each STUN method Tern knows, its request and indication handlers,
 * whether its requests are authenticated, and whether a STUN-only server serves it. Every
 * message goes through it (turn_server_input); a method without a row, or without a
 * request handler, is answered 400 (RFC 8489 §6.3.1). */
#include "turn/core.h"

#include "stun/stun.h"

static const struct turn_method turn_methods[] = {
	/* RFC 8489 §6.3.1: Binding needs no authentication; §6.3.2: its indications only
	 * refresh NAT bindings, nothing is sent. */
	[STUN_METHOD_BINDING] = {.request = turn_binding, .auth = false, .stun = true},
	/* RFC 8656 §7-§12: every TURN method needs the long-term credentials (§5). */
	[STUN_METHOD_ALLOCATE] = {.request = turn_allocate, .auth = true},
	[STUN_METHOD_REFRESH] = {.request = turn_refresh, .auth = true},
	[STUN_METHOD_SEND] = {.indication = turn_send_indication},
	[STUN_METHOD_CREATE_PERMISSION] = {.request = turn_create_permission, .auth = true},
	[STUN_METHOD_CHANNEL_BIND] = {.request = turn_channel_bind, .auth = true},
	/* RFC 6062 §5.2, §5.4: authenticated like the other TURN requests. */
	[STUN_METHOD_CONNECT] = {.request = turn_connect, .auth = true},
	[STUN_METHOD_CONNECTION_BIND] = {.request = turn_connection_bind, .auth = true},
};

const struct turn_method *turn_method_find(uint16_t method)
{
	if (method >= sizeof(turn_methods) / sizeof(turn_methods[0]))
		return NULL;
	return &turn_methods[method];
}
