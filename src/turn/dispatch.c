/* Decoding, the basic checks of RFC 8489 §6.3, and the method table. */
#include "turn/dispatch.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "stun/enc.h"
#include "stun/err.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "turn/handler.h"

/* One row per method: what handles its requests and its indications. A method without a
 * request handler answers requests with 400; without an indication handler, indications
 * are dropped. */
struct turn_method {
	turn_handler_cb request;
	turn_handler_cb indication;
};

static const struct turn_method turn_methods[STUN_METHOD_CONNECTION_ATTEMPT + 1] = {
	[STUN_METHOD_BINDING] = { turn_binding_request, turn_binding_indication },
};

void turn_opts_init(struct turn_opts *o, const char *software)
{
	o->software = software && *software ? software : NULL;
	o->software_len = o->software ? strlen(o->software) : 0;
}

int turn_error_response(const struct turn_req *r, int code, uint8_t *out, size_t cap)
{
	const struct stun_msg *m = r->msg;
	int n;

	n = stun_enc_error_response(out, cap, m->method, m->tid, code, m->unknown,
				    code == STUN_ERR_UNKNOWN_ATTRIBUTE ? m->nunknown : 0,
				    m->i_fp >= 0);
	return n > 0 ? n : -EBADMSG;
}

int turn_check_unknown(const struct turn_req *r, uint8_t *out, size_t cap)
{
	if (r->msg->nunknown == 0)
		return 0;
	return turn_error_response(r, STUN_ERR_UNKNOWN_ATTRIBUTE, out, cap);
}

/* A request whose header and transaction id are sound but whose attributes are not gets
 * a 400; anything else that fails to decode is dropped, and so is a bad FINGERPRINT
 * (RFC 8489 §6.3, §7.3: it may not be STUN at all). */
int turn_decode_failed(const uint8_t *buf, enum stun_derr why, uint8_t *out, size_t cap)
{
	uint16_t type, method;
	int n;

	switch (why) {
	case STUN_DERR_ATTR_OVERRUN:
	case STUN_DERR_TOO_MANY_ATTRS:
	case STUN_DERR_BAD_FAMILY:
	case STUN_DERR_BAD_ATTR_LEN:
	case STUN_DERR_OVERSIZED:
	case STUN_DERR_INTEGRITY_POSITION:
	case STUN_DERR_FINGERPRINT_POSITION:
	case STUN_DERR_BAD_VALUE:
		break;
	default:
		return -EBADMSG;
	}
	type = bytes_get16(buf);
	/* Class bits C1 (0x0100) and C0 (0x0010) both zero: a request. */
	if (type & 0x0110)
		return -EBADMSG;
	/* Method bits M0-M11 are spread around the class bits (RFC 8489 §5). */
	method = (uint16_t)((type & 0x000F) | (type & 0x00E0) >> 1 | (type & 0x3E00) >> 2);
	n = stun_enc_error_response(out, cap, method, buf + 8, STUN_ERR_BAD_REQUEST, NULL, 0,
				    false);
	return n > 0 ? n : -EBADMSG;
}

static const struct turn_method *turn_method_find(uint16_t method)
{
	if (method >= sizeof(turn_methods) / sizeof(turn_methods[0]))
		return NULL;
	return &turn_methods[method];
}

int turn_dispatch(const struct turn_opts *o, const struct turn_pkt *p, uint8_t *out,
		  size_t cap)
{
	const struct turn_method *tm;
	struct stun_msg m;
	struct turn_req r = { .msg = &m, .pkt = p, .opts = o };
	int err;

	if (p->len < STUN_HDR_LEN || !stun_msg_is_stun(p->buf, p->len))
		return -EBADMSG;
	err = stun_msg_decode(&m, p->buf, p->len);
	if (err < 0)
		return turn_decode_failed(p->buf, m.why, out, cap);

	tm = turn_method_find(m.method);
	switch (m.cls) {
	case STUN_CLASS_REQUEST:
		if (!tm || !tm->request)
			return turn_error_response(&r, STUN_ERR_BAD_REQUEST, out, cap);
		return tm->request(&r, out, cap);
	case STUN_CLASS_INDICATION:
		return tm && tm->indication ? tm->indication(&r, out, cap) : 0;
	default:
		/* Responses: Tern sends no requests to clients, so none is expected. */
		return -EBADMSG;
	}
}
