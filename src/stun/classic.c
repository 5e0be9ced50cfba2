/* Classic STUN (RFC 3489 §11) Binding Requests (stun/classic.h). */
#include "stun/classic.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "stun/stun.h"

bool stun_classic_is(const uint8_t *buf, size_t len)
{
	/* RFC 3489 §11.1: type, length, 128-bit id; RFC 5389 §6 tells the two apart by the
	 * cookie. */
	return len >= STUN_HDR_LEN && bytes_get16(buf) == 0x0001 && bytes_get16(buf + 2) % 4 == 0 &&
	       STUN_HDR_LEN + (size_t)bytes_get16(buf + 2) == len &&
	       bytes_get32(buf + 4) != STUN_MAGIC_COOKIE;
}

/* The comprehension-required types a classic Binding Request may carry (RFC 3489 §11.2);
 * MAPPED-ADDRESS, SOURCE-ADDRESS, CHANGED-ADDRESS and the like belong to responses. */
static bool stun_classic_known(uint16_t type)
{
	switch (type) {
	case STUN_ATTR_RESPONSE_ADDRESS:
	case STUN_ATTR_CHANGE_REQUEST:
	case STUN_ATTR_USERNAME:
	case STUN_ATTR_PASSWORD:
	case STUN_ATTR_MESSAGE_INTEGRITY:
		return true;
	default:
		return false;
	}
}

static void stun_classic_note(struct stun_classic_req *r, uint16_t type, const uint8_t *v)
{
	if (type == STUN_ATTR_CHANGE_REQUEST) {
		r->has_change = true;
		r->change = bytes_get32(v);
	} else if (type == STUN_ATTR_RESPONSE_ADDRESS) {
		r->has_response_address = true;
	} else if (type == STUN_ATTR_MESSAGE_INTEGRITY) {
		r->has_integrity = true;
	} else if (!stun_classic_known(type) && type < 0x8000 &&
		   r->nunknown < STUN_CLASSIC_MAX_UNKNOWN) {
		r->unknown[r->nunknown++] = type;
	}
}

int stun_classic_decode(struct stun_classic_req *r, const uint8_t *buf, size_t len)
{
	size_t off = STUN_HDR_LEN;

	if (!stun_classic_is(buf, len))
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	r->tid = buf + 4;
	while (off < len) {
		uint16_t type, alen;

		if (len - off < STUN_ATTR_HDR_LEN)
			return -EBADMSG;
		type = bytes_get16(buf + off);
		alen = bytes_get16(buf + off + 2);
		/* RFC 3489 §11.2: values are multiples of 4 bytes; CHANGE-REQUEST is 4. */
		if (alen % 4 != 0 || alen > len - off - STUN_ATTR_HDR_LEN)
			return -EBADMSG;
		if (type == STUN_ATTR_CHANGE_REQUEST && alen != 4)
			return -EBADMSG;
		stun_classic_note(r, type, buf + off + STUN_ATTR_HDR_LEN);
		off += STUN_ATTR_HDR_LEN + alen;
	}
	return 0;
}

/* stun_enc writes the cookie and a 96-bit id; the classic id is all 128 bits. */
static int stun_classic_tid(struct stun_enc *e, const uint8_t *tid, int rc)
{
	if (rc == 0)
		memcpy(e->buf + 4, tid, STUN_CLASSIC_TID_LEN);
	return rc;
}

int stun_classic_enc_init(struct stun_enc *e, uint8_t *buf, size_t cap, uint8_t cls,
			  const uint8_t *tid)
{
	int rc = stun_enc_init(e, buf, cap, STUN_METHOD_BINDING, cls, tid + 4);

	return stun_classic_tid(e, tid, rc);
}

int stun_classic_enc_error(struct stun_enc *e, uint8_t *buf, size_t cap, const uint8_t *tid,
			   int code, const uint16_t *unknown, size_t nunknown)
{
	int rc = stun_enc_error_begin(e, buf, cap, STUN_METHOD_BINDING, tid + 4, code, unknown,
				      nunknown);

	return stun_classic_tid(e, tid, rc);
}
