/* STUN message encoder (RFC 8489 §5, §14). Writes into the caller's buffer; no malloc. */
#include "stun/enc.h"

#include <string.h>

#include "base/bytes.h"
#include "base/crypto.h"
#include "stun/err.h"
#include "stun/integrity.h"
#include "stun/stun.h"

enum stun_seal {
	SEAL_OPEN = 0,
	SEAL_MI,    /* MESSAGE-INTEGRITY put */
	SEAL_MI256, /* MESSAGE-INTEGRITY-SHA256 put */
	SEAL_FP,    /* FINGERPRINT put */
};

/* The encoder's sticky error as -errno, 0 while there is none. */
static int stun_enc_err(const struct stun_enc *e)
{
	return -stun_derr_errno(e->why);
}

/* Records why as the encoder's error unless one is already recorded; returns the error. */
static int stun_enc_fail(struct stun_enc *e, enum stun_derr why)
{
	if (e->why == STUN_DERR_OK)
		e->why = why;
	return stun_enc_err(e);
}

int stun_enc_init(struct stun_enc *e, uint8_t *buf, size_t cap, uint16_t method, uint8_t cls,
		  const uint8_t *tid)
{
	uint16_t t;

	e->buf = buf;
	e->cap = cap > STUN_MAX_MSG_LEN ? STUN_MAX_MSG_LEN : cap;
	e->len = 0;
	e->why = STUN_DERR_OK;
	e->seal = SEAL_OPEN;
	if (e->cap < STUN_HDR_LEN)
		return stun_enc_fail(e, STUN_DERR_NO_ROOM);
	/* RFC 8489 §5: class bits C1 (bit 8) and C0 (bit 4) interleaved with the method. */
	t = (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
		       ((cls & 0x01) << 4) | ((cls & 0x02) << 7));
	bytes_put16(buf, t);
	bytes_put16(buf + 2, 0);
	bytes_put32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	e->len = STUN_HDR_LEN;
	return 0;
}

/* Whether type may be put now (RFC 8489 §14.5-§14.7). */
static bool stun_enc_in_order(const struct stun_enc *e, uint16_t type)
{
	switch (e->seal) {
	case SEAL_OPEN:
		return true;
	case SEAL_MI:
		return type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 || type == STUN_ATTR_FINGERPRINT;
	case SEAL_MI256:
		return type == STUN_ATTR_FINGERPRINT;
	default:
		return false;
	}
}

/* Appends an attribute header and len value bytes (zeroed padding); *out points to the
 * value. Keeps the header length current. */
static int stun_enc_attr(struct stun_enc *e, uint16_t type, size_t len, uint8_t **out)
{
	size_t padded = (len + 3) & ~(size_t)3;

	if (e->why != STUN_DERR_OK)
		return stun_enc_err(e);
	if (!stun_enc_in_order(e, type))
		return stun_enc_fail(e, e->seal == SEAL_FP ? STUN_DERR_FINGERPRINT_POSITION
							   : STUN_DERR_INTEGRITY_POSITION);
	if (len > 0xFFFF)
		return stun_enc_fail(e, STUN_DERR_BAD_VALUE);
	if (STUN_ATTR_HDR_LEN + padded > e->cap - e->len)
		return stun_enc_fail(e, STUN_DERR_NO_ROOM);
	bytes_put16(e->buf + e->len, type);
	bytes_put16(e->buf + e->len + 2, (uint16_t)len);
	*out = e->buf + e->len + STUN_ATTR_HDR_LEN;
	memset(*out + len, 0, padded - len);
	e->len += STUN_ATTR_HDR_LEN + padded;
	bytes_put16(e->buf + 2, (uint16_t)(e->len - STUN_HDR_LEN));
	return 0;
}

int stun_enc_put(struct stun_enc *e, uint16_t type, const void *val, size_t len)
{
	uint8_t *v;
	int rc = stun_enc_attr(e, type, len, &v);

	if (rc < 0)
		return rc;
	if (len > 0)
		memcpy(v, val, len);
	return 0;
}

int stun_enc_reserve(struct stun_enc *e, uint16_t type, size_t len, uint8_t **out)
{
	uint8_t *v;
	int rc = stun_enc_attr(e, type, len, &v);

	if (rc < 0)
		return rc;
	*out = v;
	return 0;
}

int stun_enc_put_u32(struct stun_enc *e, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	bytes_put32(b, v);
	return stun_enc_put(e, type, b, sizeof(b));
}

/* (XOR-)address value (RFC 8489 §14.1, §14.2). */
static int stun_enc_address(struct stun_enc *e, uint16_t type, const struct addr *a, bool xor)
{
	const uint8_t *ip;
	size_t iplen, i;
	uint16_t port = addr_port(a);
	uint8_t *v;
	int rc;

	if (addr_family(a) != AF_INET && addr_family(a) != AF_INET6)
		return stun_enc_fail(e, STUN_DERR_BAD_FAMILY);
	ip = addr_raw(a, &iplen);
	if (ip == NULL || (iplen != 4 && iplen != 16))
		return stun_enc_fail(e, STUN_DERR_BAD_FAMILY);
	rc = stun_enc_attr(e, type, 4 + iplen, &v);
	if (rc < 0)
		return rc;
	v[0] = 0;
	v[1] = iplen == 4 ? STUN_FAMILY_IPV4 : STUN_FAMILY_IPV6;
	memcpy(v + 4, ip, iplen);
	if (xor) {
		/* The cookie (bytes 4..7) then the transaction id (8..19) follow in the header,
		 * so the mask is simply the header from byte 4 on. */
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
		for (i = 0; i < iplen; i++)
			v[4 + i] ^= e->buf[4 + i];
	}
	bytes_put16(v + 2, port);
	return 0;
}

int stun_enc_put_xor_addr(struct stun_enc *e, uint16_t type, const struct addr *a)
{
	return stun_enc_address(e, type, a, true);
}

int stun_enc_put_addr(struct stun_enc *e, uint16_t type, const struct addr *a)
{
	return stun_enc_address(e, type, a, false);
}

/* ERROR-CODE / ADDRESS-ERROR-CODE layout: 4 bytes (first byte given), class, number, then
 * the reason phrase from the one table. */
static int stun_enc_error_attr(struct stun_enc *e, uint16_t type, uint8_t first, int code)
{
	const char *reason = stun_err_reason(code);
	size_t rlen = strlen(reason);
	uint8_t *v;
	int rc;

	if (code < 300 || code > 699)
		return stun_enc_fail(e, STUN_DERR_BAD_VALUE);
	rc = stun_enc_attr(e, type, 4 + rlen, &v);
	if (rc < 0)
		return rc;
	v[0] = first;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, rlen);
	return 0;
}

int stun_enc_put_error(struct stun_enc *e, int code)
{
	return stun_enc_error_attr(e, STUN_ATTR_ERROR_CODE, 0, code);
}

int stun_enc_put_addr_error(struct stun_enc *e, uint8_t family, int code)
{
	return stun_enc_error_attr(e, STUN_ATTR_ADDRESS_ERROR_CODE, family, code);
}

int stun_enc_put_unknown(struct stun_enc *e, const uint16_t *types, size_t n)
{
	uint8_t *v;
	size_t i;
	int rc = stun_enc_attr(e, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n, &v);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		bytes_put16(v + 2 * i, types[i]);
	return 0;
}

int stun_enc_put_pwalgs(struct stun_enc *e, const uint16_t *algs, size_t n)
{
	uint8_t *v;
	size_t i;
	int rc = stun_enc_attr(e, STUN_ATTR_PASSWORD_ALGORITHMS, 4 * n, &v);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		bytes_put16(v + 4 * i, algs[i]);
		bytes_put16(v + 4 * i + 2, 0);
	}
	return 0;
}

/* Reserves an integrity attribute of len bytes (header length now counts it) and returns
 * the HMAC input: the message before the attribute (RFC 8489 §14.5, §14.6). */
static int stun_enc_mac_begin(struct stun_enc *e, uint16_t type, size_t len, uint8_t **v,
			      struct crypto_part *part)
{
	int rc = stun_enc_attr(e, type, len, v);

	if (rc < 0)
		return rc;
	part->p = e->buf;
	part->len = (size_t)(*v - e->buf) - STUN_ATTR_HDR_LEN;
	return 0;
}

int stun_enc_put_integrity_sha1(struct stun_enc *e, const uint8_t *key, size_t klen)
{
	struct crypto_part part;
	uint8_t *v;
	int rc = stun_enc_mac_begin(e, STUN_ATTR_MESSAGE_INTEGRITY, CRYPTO_SHA1_LEN, &v, &part);

	if (rc < 0)
		return rc;
	if (crypto_hmac_sha1(key, klen, &part, 1, v) < 0)
		return stun_enc_fail(e, STUN_DERR_CRYPTO);
	e->seal = SEAL_MI;
	return 0;
}

int stun_enc_put_integrity_sha256(struct stun_enc *e, const uint8_t *key, size_t klen)
{
	struct crypto_part part;
	uint8_t *v;
	int rc = stun_enc_mac_begin(e, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, CRYPTO_SHA256_LEN, &v,
				    &part);

	if (rc < 0)
		return rc;
	if (crypto_hmac_sha256(key, klen, &part, 1, v) < 0)
		return stun_enc_fail(e, STUN_DERR_CRYPTO);
	e->seal = SEAL_MI256;
	return 0;
}

int stun_enc_put_fingerprint(struct stun_enc *e)
{
	uint8_t *v;
	int rc = stun_enc_attr(e, STUN_ATTR_FINGERPRINT, 4, &v);

	if (rc < 0)
		return rc;
	bytes_put32(v, stun_fingerprint(e->buf, (size_t)(v - e->buf) - STUN_ATTR_HDR_LEN));
	e->seal = SEAL_FP;
	return 0;
}

int stun_enc_finish(const struct stun_enc *e)
{
	return e->why != STUN_DERR_OK ? stun_enc_err(e) : (int)e->len;
}

int stun_enc_error_begin(struct stun_enc *e, uint8_t *buf, size_t cap, uint16_t method,
			 const uint8_t *tid, int code, const uint16_t *unknown, size_t nunknown)
{
	stun_enc_init(e, buf, cap, method, STUN_CLASS_ERROR, tid);
	stun_enc_put_error(e, code);
	/* RFC 8489 §14.9: a 420 lists the unknown comprehension-required attributes. */
	if (code == STUN_ERR_UNKNOWN_ATTRIBUTE && nunknown > 0)
		stun_enc_put_unknown(e, unknown, nunknown);
	return stun_enc_err(e);
}

int stun_enc_error_response(uint8_t *buf, size_t cap, uint16_t method, const uint8_t *tid, int code,
			    const uint16_t *unknown, size_t nunknown, bool fingerprint)
{
	struct stun_enc e;

	stun_enc_error_begin(&e, buf, cap, method, tid, code, unknown, nunknown);
	if (fingerprint)
		stun_enc_put_fingerprint(&e);
	return stun_enc_finish(&e);
}
