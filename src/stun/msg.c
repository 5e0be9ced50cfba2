/* STUN message header and attribute walk (RFC 8489 §5, §14). Pure: no malloc, no I/O. */
#include "stun/msg.h"

#include "base/bytes.h"
#include "stun/attr_check.h"
#include "stun/err.h"
#include "stun/integrity.h"

bool stun_msg_is_stun(const uint8_t *buf, size_t len)
{
	/* RFC 8489 §5: top two bits zero, magic cookie, length a multiple of 4. */
	return len >= STUN_HDR_LEN && (buf[0] & 0xC0) == 0 && (buf[3] & 0x03) == 0 &&
	       bytes_get32(buf + 4) == STUN_MAGIC_COOKIE;
}

/* Where the walk stands relative to the integrity attributes (RFC 8489 §14.5-§14.7). */
enum stun_walk_state {
	WALK_OPEN,	  /* everything is recorded */
	WALK_AFTER_MI,	  /* only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are recorded */
	WALK_AFTER_MI256, /* only FINGERPRINT is recorded */
	WALK_AFTER_FP,	  /* nothing may follow */
};

static bool stun_walk_records(enum stun_walk_state st, uint16_t type)
{
	switch (st) {
	case WALK_OPEN:
		return true;
	case WALK_AFTER_MI:
		return type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 || type == STUN_ATTR_FINGERPRINT;
	case WALK_AFTER_MI256:
		return type == STUN_ATTR_FINGERPRINT;
	default:
		return false;
	}
}

static void stun_note_unknown(struct stun_msg *m, uint16_t type)
{
	uint8_t i;

	for (i = 0; i < m->nunknown; i++) {
		if (m->unknown[i] == type)
			return;
	}
	if (m->nunknown < STUN_MAX_UNKNOWN)
		m->unknown[m->nunknown++] = type;
}

/* Records the attribute at off (header already bounds-checked) and advances the state. */
static int stun_record(struct stun_msg *m, uint16_t type, uint16_t alen, size_t off,
		       enum stun_walk_state *st)
{
	int8_t idx = (int8_t)m->nattrs;
	bool known;
	int rc;

	if (m->nattrs == STUN_MAX_ATTRS)
		return stun_derr_fail(&m->why, STUN_DERR_TOO_MANY_ATTRS);
	rc = stun_attr_check(type, m->buf + off + STUN_ATTR_HDR_LEN, alen, &known, &m->why);
	if (rc < 0)
		return rc;
	if (!known && stun_attr_is_comprehension_required(type))
		stun_note_unknown(m, type);
	m->attrs[m->nattrs].type = type;
	m->attrs[m->nattrs].len = alen;
	m->attrs[m->nattrs].off = (uint16_t)off;
	m->nattrs++;
	if (type == STUN_ATTR_MESSAGE_INTEGRITY) {
		m->i_mi = idx;
		*st = WALK_AFTER_MI;
	} else if (type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256) {
		m->i_mi256 = idx;
		*st = WALK_AFTER_MI256;
	} else if (type == STUN_ATTR_FINGERPRINT) {
		m->i_fp = idx;
		*st = WALK_AFTER_FP;
	}
	return 0;
}

/* Walks the attributes. RFC 8489 §14.5/§14.6: attributes after MESSAGE-INTEGRITY other
 * than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT (after MESSAGE-INTEGRITY-SHA256: other
 * than FINGERPRINT) MUST be ignored, so they are bounds-checked but neither recorded,
 * validated nor listed as unknown. §14.7: FINGERPRINT MUST be last, so anything after it
 * is rejected. */
static int stun_walk(struct stun_msg *m)
{
	enum stun_walk_state st = WALK_OPEN;
	size_t off = STUN_HDR_LEN;
	int rc;

	while (off < m->len) {
		uint16_t type, alen;
		size_t padded;

		if (m->len - off < STUN_ATTR_HDR_LEN)
			return stun_derr_fail(&m->why, STUN_DERR_ATTR_OVERRUN);
		type = bytes_get16(m->buf + off);
		alen = bytes_get16(m->buf + off + 2);
		padded = ((size_t)alen + 3) & ~(size_t)3;
		if (padded > m->len - off - STUN_ATTR_HDR_LEN)
			return stun_derr_fail(&m->why, STUN_DERR_ATTR_OVERRUN);
		if (st == WALK_AFTER_FP)
			return stun_derr_fail(&m->why, STUN_DERR_FINGERPRINT_POSITION);
		if (stun_walk_records(st, type)) {
			rc = stun_record(m, type, alen, off, &st);
			if (rc < 0)
				return rc;
		}
		off += STUN_ATTR_HDR_LEN + padded;
	}
	return 0;
}

static int stun_check_header(const uint8_t *buf, size_t len, enum stun_derr *why)
{
	size_t body;

	if (len < STUN_HDR_LEN)
		return stun_derr_fail(why, STUN_DERR_TRUNCATED);
	if ((buf[0] & 0xC0) != 0)
		return stun_derr_fail(why, STUN_DERR_NOT_STUN);
	if (bytes_get32(buf + 4) != STUN_MAGIC_COOKIE)
		return stun_derr_fail(why, STUN_DERR_BAD_COOKIE);
	body = bytes_get16(buf + 2);
	if (body % 4 != 0)
		return stun_derr_fail(why, STUN_DERR_BAD_LENGTH);
	if (STUN_HDR_LEN + body > STUN_MAX_MSG_LEN)
		return stun_derr_fail(why, STUN_DERR_OVERSIZED);
	if (len < STUN_HDR_LEN + body)
		return stun_derr_fail(why, STUN_DERR_TRUNCATED);
	if (len > STUN_HDR_LEN + body)
		return stun_derr_fail(why, STUN_DERR_BAD_LENGTH);
	return 0;
}

static int stun_check_fingerprint(struct stun_msg *m)
{
	const struct stun_attr *a;

	if (m->i_fp < 0)
		return 0;
	a = &m->attrs[m->i_fp];
	if (bytes_get32(stun_attr_value(m, a)) != stun_fingerprint(m->buf, a->off))
		return stun_derr_fail(&m->why, STUN_DERR_BAD_FINGERPRINT);
	return 0;
}

int stun_msg_decode(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	uint16_t t;
	int rc;

	m->why = STUN_DERR_OK;
	rc = stun_check_header(buf, len, &m->why);
	if (rc < 0)
		return rc;
	/* RFC 8489 §5: the method bits M0-M11 are interleaved with the class bits C0, C1. */
	t = bytes_get16(buf);
	m->buf = buf;
	m->len = len;
	m->method = (uint16_t)((t & 0x000F) | ((t & 0x00E0) >> 1) | ((t & 0x3E00) >> 2));
	m->cls = (uint8_t)(((t >> 4) & 0x01) | ((t >> 7) & 0x02));
	m->tid = buf + 8;
	m->nattrs = 0;
	m->i_mi = m->i_mi256 = m->i_fp = -1;
	m->nunknown = 0;
	rc = stun_walk(m);
	if (rc < 0)
		return rc;
	return stun_check_fingerprint(m);
}
