/* The Binding method (RFC 8489 §6.3.1, §14.2): tells the client the transport address
 * its request came from. No authentication, no state. */
#include "turn/handler.h"

#include <errno.h>

#include "stun/enc.h"
#include "stun/stun.h"

int turn_binding_request(const struct turn_req *r, uint8_t *out, size_t cap)
{
	const struct stun_msg *m = r->msg;
	struct stun_enc e;
	int n;

	/* RFC 8489 §6.3.1.1: unknown comprehension-required attributes → 420. */
	n = turn_check_unknown(r, out, cap);
	if (n != 0)
		return n;

	/* §6.3.1.2: success response with XOR-MAPPED-ADDRESS = the source transport
	 * address; SOFTWARE only when configured; FINGERPRINT when the request had one. */
	stun_enc_init(&e, out, cap, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, m->tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, r->pkt->src);
	if (r->opts->software)
		stun_enc_put(&e, STUN_ATTR_SOFTWARE, r->opts->software, r->opts->software_len);
	if (m->i_fp >= 0)
		stun_enc_put_fingerprint(&e);
	n = stun_enc_finish(&e);
	return n > 0 ? n : -EBADMSG;
}

int turn_binding_indication(const struct turn_req *r, uint8_t *out, size_t cap)
{
	/* RFC 8489 §6.3.2: a Binding indication refreshes NAT bindings; nothing to send. */
	return 0;
}
