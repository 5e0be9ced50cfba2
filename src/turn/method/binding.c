/* The Binding method (RFC 8489 §6.3.1, §14.2): tells the client the transport address
 * its request came from. No authentication, no state; the checks every request gets
 * (RFC 8489 §6.3, the 420 of §6.3.1.1) ran in turn_server_input. */
#include "turn/core.h"

#include "stun/stun.h"

int turn_binding(struct turn_ctx *x)
{
	struct stun_enc e;

	/* RFC 8489 §6.3.1.2: a success response with XOR-MAPPED-ADDRESS = the source
	 * transport address (SOFTWARE when configured, FINGERPRINT when the request had
	 * one: turn_resp_finish). */
	turn_resp_begin(x, &e);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, &x->client->src);
	return turn_resp_finish(x, &e);
}
