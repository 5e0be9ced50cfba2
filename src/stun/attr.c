/* Attribute value rules (RFC 8489 §14, RFC 8656 §18, RFC 5780 §7, RFC 6062 §6.2,
 * RFC 8016 §3.1) and the typed getters of msg.h other than addresses (attr_addr.c). */
#include "stun/attr_check.h"

#include "base/bytes.h"
#include "stun/err.h"
#include "stun/msg.h"

enum stun_rule_kind {
	RK_LEN,	 /* length in [min, max]; when arg > 1, also a multiple of arg */
	RK_ADDR, /* (XOR-)address: family byte decides the length */
	RK_TEXT, /* min fixed bytes, then text of at most max bytes (arg: 128-char limit) */
};

struct stun_rule {
	uint16_t type;
	uint16_t min;
	uint16_t max;
	uint8_t kind;
	uint8_t arg;
};

#define ANY 0xFFFF

/* Sorted by type (binary search). */
static const struct stun_rule stun_rules[] = {
	{STUN_ATTR_MAPPED_ADDRESS, 0, 0, RK_ADDR, 0},
	{STUN_ATTR_CHANGE_REQUEST, 4, 4, RK_LEN, 0},		    /* RFC 5780 §7.2 */
	{STUN_ATTR_USERNAME, 0, STUN_TEXT_MAX_BYTES, RK_TEXT, 0},   /* RFC 8489 §14.3 */
	{STUN_ATTR_MESSAGE_INTEGRITY, 20, 20, RK_LEN, 0},	    /* §14.5 */
	{STUN_ATTR_ERROR_CODE, 4, STUN_TEXT_MAX_BYTES, RK_TEXT, 1}, /* §14.8 */
	{STUN_ATTR_UNKNOWN_ATTRIBUTES, 0, ANY, RK_LEN, 2},	    /* §14.9 */
	{STUN_ATTR_CHANNEL_NUMBER, 4, 4, RK_LEN, 0},		    /* RFC 8656 §18.1 */
	{STUN_ATTR_LIFETIME, 4, 4, RK_LEN, 0},			    /* RFC 8656 §18.2 */
	{STUN_ATTR_XOR_PEER_ADDRESS, 0, 0, RK_ADDR, 0},
	{STUN_ATTR_DATA, 0, ANY, RK_LEN, 0},
	{STUN_ATTR_REALM, 0, STUN_TEXT_MAX_BYTES, RK_TEXT, 1}, /* §14.9 */
	{STUN_ATTR_NONCE, 0, STUN_TEXT_MAX_BYTES, RK_TEXT, 1}, /* §14.10 */
	{STUN_ATTR_XOR_RELAYED_ADDRESS, 0, 0, RK_ADDR, 0},
	{STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 4, 4, RK_LEN, 0},	 /* RFC 8656 §18.6 */
	{STUN_ATTR_EVEN_PORT, 1, 1, RK_LEN, 0},			 /* RFC 8656 §18.7 */
	{STUN_ATTR_REQUESTED_TRANSPORT, 4, 4, RK_LEN, 0},	 /* RFC 8656 §18.8 */
	{STUN_ATTR_DONT_FRAGMENT, 0, 0, RK_LEN, 0},		 /* RFC 8656 §18.9 */
	{STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 16, 32, RK_LEN, 4}, /* §14.6 */
	{STUN_ATTR_PASSWORD_ALGORITHM, 4, ANY, RK_LEN, 0},	 /* §14.12 */
	{STUN_ATTR_USERHASH, 32, 32, RK_LEN, 0},		 /* §14.4 */
	{STUN_ATTR_XOR_MAPPED_ADDRESS, 0, 0, RK_ADDR, 0},
	{STUN_ATTR_RESERVATION_TOKEN, 8, 8, RK_LEN, 0},			    /* RFC 8656 §18.10 */
	{STUN_ATTR_PADDING, 0, ANY, RK_LEN, 0},				    /* RFC 5780 §7.6 */
	{STUN_ATTR_RESPONSE_PORT, 4, 4, RK_LEN, 0},			    /* RFC 5780 §7.5 */
	{STUN_ATTR_CONNECTION_ID, 4, 4, RK_LEN, 0},			    /* RFC 6062 §6.2.1 */
	{STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, 4, 4, RK_LEN, 0},		    /* RFC 8656 §18.11 */
	{STUN_ATTR_ADDRESS_ERROR_CODE, 4, STUN_TEXT_MAX_BYTES, RK_TEXT, 1}, /* RFC 8656 §18.12 */
	{STUN_ATTR_PASSWORD_ALGORITHMS, 0, ANY, RK_LEN, 4},		    /* §14.11 */
	{STUN_ATTR_ALTERNATE_DOMAIN, 0, 255, RK_TEXT, 0},		    /* §14.16 */
	{STUN_ATTR_ICMP, 8, 8, RK_LEN, 0},				    /* RFC 8656 §18.13 */
	{STUN_ATTR_SOFTWARE, 0, STUN_TEXT_MAX_BYTES, RK_TEXT, 1},	    /* §14.14 */
	{STUN_ATTR_ALTERNATE_SERVER, 0, 0, RK_ADDR, 0},
	{STUN_ATTR_FINGERPRINT, 4, 4, RK_LEN, 0}, /* §14.7 */
	{STUN_ATTR_RESPONSE_ORIGIN, 0, 0, RK_ADDR, 0},
	{STUN_ATTR_OTHER_ADDRESS, 0, 0, RK_ADDR, 0},
	{STUN_ATTR_MOBILITY_TICKET, 0, ANY, RK_LEN, 0}, /* RFC 8016 §3.1 */
};

static const struct stun_rule *stun_rule_find(uint16_t type)
{
	size_t lo = 0, hi = sizeof(stun_rules) / sizeof(stun_rules[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (stun_rules[mid].type == type)
			return &stun_rules[mid];
		if (stun_rules[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* UTF-8 characters in p[0..len): bytes that are not continuation bytes. */
static size_t stun_utf8_chars(const uint8_t *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += (p[i] & 0xC0) != 0x80;
	return n;
}

bool stun_text_fits(const void *p, size_t len)
{
	return len <= STUN_TEXT_MAX_BYTES && stun_utf8_chars(p, len) <= STUN_TEXT_MAX_CHARS;
}

static int stun_check_addr(const uint8_t *v, size_t len, enum stun_derr *why)
{
	if (len < 4)
		return stun_derr_fail(why, STUN_DERR_BAD_ATTR_LEN);
	if (v[1] == STUN_FAMILY_IPV4)
		return len == 8 ? 0 : stun_derr_fail(why, STUN_DERR_BAD_ATTR_LEN);
	if (v[1] == STUN_FAMILY_IPV6)
		return len == 20 ? 0 : stun_derr_fail(why, STUN_DERR_BAD_ATTR_LEN);
	return stun_derr_fail(why, STUN_DERR_BAD_FAMILY);
}

int stun_attr_check(uint16_t type, const uint8_t *v, size_t len, bool *known, enum stun_derr *why)
{
	const struct stun_rule *r = stun_rule_find(type);

	*known = r != NULL;
	if (r == NULL)
		return 0;
	switch (r->kind) {
	case RK_ADDR:
		return stun_check_addr(v, len, why);
	case RK_TEXT:
		if (len < r->min)
			return stun_derr_fail(why, STUN_DERR_BAD_ATTR_LEN);
		if (len - r->min > r->max)
			return stun_derr_fail(why, STUN_DERR_OVERSIZED);
		if (r->arg && stun_utf8_chars(v + r->min, len - r->min) > STUN_TEXT_MAX_CHARS)
			return stun_derr_fail(why, STUN_DERR_OVERSIZED);
		return 0;
	default:
		if (len < r->min || len > r->max)
			return stun_derr_fail(why, STUN_DERR_BAD_ATTR_LEN);
		if (r->arg > 1 && len % r->arg != 0)
			return stun_derr_fail(why, STUN_DERR_BAD_ATTR_LEN);
		return 0;
	}
}

const struct stun_attr *stun_msg_find(const struct stun_msg *m, uint16_t type)
{
	uint16_t i;

	for (i = 0; i < m->nattrs; i++) {
		if (m->attrs[i].type == type)
			return &m->attrs[i];
	}
	return NULL;
}

/* Finds the first attribute of type and checks it against its rule; *v is its value. */
static int stun_get(const struct stun_msg *m, uint16_t type, const uint8_t **v, size_t *len)
{
	const struct stun_attr *a = stun_msg_find(m, type);
	bool known;
	int rc;

	if (a == NULL)
		return stun_derr_fail(NULL, STUN_DERR_ABSENT);
	rc = stun_attr_check(type, stun_attr_value(m, a), a->len, &known, NULL);
	if (rc < 0)
		return rc;
	*v = stun_attr_value(m, a);
	*len = a->len;
	return 0;
}

/* The same, for a getter that only accepts values of exactly want bytes. */
static int stun_get_fixed(const struct stun_msg *m, uint16_t type, size_t want, const uint8_t **v)
{
	size_t len;
	int rc = stun_get(m, type, v, &len);

	if (rc < 0)
		return rc;
	return len == want ? 0 : stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
}

int stun_msg_get_bytes(const struct stun_msg *m, uint16_t type, struct stun_str *out)
{
	const uint8_t *v;
	size_t len;
	int rc = stun_get(m, type, &v, &len);

	if (rc < 0)
		return rc;
	out->p = v;
	out->len = len;
	return 0;
}

int stun_msg_get_u32(const struct stun_msg *m, uint16_t type, uint32_t *out)
{
	const uint8_t *v;
	size_t len;
	int rc = stun_get(m, type, &v, &len);

	if (rc < 0)
		return rc;
	/* ICMP (RFC 8656 §18.13) is 8 bytes: the first word holds type and code. */
	if (len != 4 && !(type == STUN_ATTR_ICMP && len == 8))
		return stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
	*out = bytes_get32(v);
	return 0;
}

/* Class (3..6) and number (0..99) of an ERROR-CODE / ADDRESS-ERROR-CODE (RFC 8489 §14.8). */
static int stun_error_value(const uint8_t *v, int *code)
{
	int cls = v[2] & 0x07, num = v[3];

	if (cls < 3 || cls > 6 || num > 99)
		return stun_derr_fail(NULL, STUN_DERR_BAD_VALUE);
	*code = cls * 100 + num;
	return 0;
}

int stun_msg_get_error(const struct stun_msg *m, int *code, struct stun_str *reason)
{
	const uint8_t *v;
	size_t len;
	int c = 0, rc = stun_get(m, STUN_ATTR_ERROR_CODE, &v, &len);

	if (rc < 0)
		return rc;
	rc = stun_error_value(v, &c);
	if (rc < 0)
		return rc;
	*code = c;
	reason->p = v + 4;
	reason->len = len - 4;
	return 0;
}

int stun_msg_get_unknown(const struct stun_msg *m, uint16_t *types, size_t *n)
{
	const uint8_t *v;
	size_t len, i;
	int rc = stun_get(m, STUN_ATTR_UNKNOWN_ATTRIBUTES, &v, &len);

	if (rc < 0)
		return rc;
	for (i = 0; i < len / 2 && i < *n; i++)
		types[i] = bytes_get16(v + 2 * i);
	*n = i;
	return 0;
}

int stun_msg_get_channel(const struct stun_msg *m, uint16_t *channel)
{
	const uint8_t *v;
	int rc = stun_get_fixed(m, STUN_ATTR_CHANNEL_NUMBER, 4, &v);

	if (rc < 0)
		return rc;
	*channel = bytes_get16(v);
	return 0;
}

int stun_msg_get_transport(const struct stun_msg *m, uint8_t *proto)
{
	const uint8_t *v;
	int rc = stun_get_fixed(m, STUN_ATTR_REQUESTED_TRANSPORT, 4, &v);

	if (rc < 0)
		return rc;
	*proto = v[0];
	return 0;
}

int stun_msg_get_family(const struct stun_msg *m, uint16_t type, uint8_t *family)
{
	const uint8_t *v;
	int rc = stun_get_fixed(m, type, 4, &v);

	if (rc < 0)
		return rc;
	if (v[0] != STUN_FAMILY_IPV4 && v[0] != STUN_FAMILY_IPV6)
		return stun_derr_fail(NULL, STUN_DERR_BAD_FAMILY);
	*family = v[0];
	return 0;
}

int stun_msg_get_addr_error(const struct stun_msg *m, uint8_t *family, int *code,
			    struct stun_str *reason)
{
	const uint8_t *v;
	size_t len;
	int c = 0, rc = stun_get(m, STUN_ATTR_ADDRESS_ERROR_CODE, &v, &len);

	if (rc < 0)
		return rc;
	if (v[0] != STUN_FAMILY_IPV4 && v[0] != STUN_FAMILY_IPV6)
		return stun_derr_fail(NULL, STUN_DERR_BAD_FAMILY);
	rc = stun_error_value(v, &c);
	if (rc < 0)
		return rc;
	*family = v[0];
	*code = c;
	reason->p = v + 4;
	reason->len = len - 4;
	return 0;
}

int stun_msg_get_even_port(const struct stun_msg *m, bool *reserve)
{
	const uint8_t *v;
	int rc = stun_get_fixed(m, STUN_ATTR_EVEN_PORT, 1, &v);

	if (rc < 0)
		return rc;
	*reserve = (v[0] & 0x80) != 0;
	return 0;
}

int stun_msg_get_response_port(const struct stun_msg *m, uint16_t *port)
{
	const uint8_t *v;
	int rc = stun_get_fixed(m, STUN_ATTR_RESPONSE_PORT, 4, &v);

	if (rc < 0)
		return rc;
	*port = bytes_get16(v);
	return 0;
}

int stun_msg_get_pwalg(const struct stun_msg *m, uint16_t *alg, struct stun_str *params)
{
	const uint8_t *v;
	size_t len, plen;
	int rc = stun_get(m, STUN_ATTR_PASSWORD_ALGORITHM, &v, &len);

	if (rc < 0)
		return rc;
	plen = bytes_get16(v + 2);
	if (plen > len - 4)
		return stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
	*alg = bytes_get16(v);
	params->p = v + 4;
	params->len = plen;
	return 0;
}

/* PASSWORD-ALGORITHMS (RFC 8489 §14.11): entries of algorithm, length, parameters padded
 * to 4. A malformed list is rejected whole; at most *n algorithms are returned. */
int stun_msg_get_pwalgs(const struct stun_msg *m, uint16_t *algs, size_t *n)
{
	const uint8_t *v;
	size_t len, off = 0, k = 0;
	int rc = stun_get(m, STUN_ATTR_PASSWORD_ALGORITHMS, &v, &len);

	if (rc < 0)
		return rc;
	while (off < len) {
		size_t plen;

		if (len - off < 4)
			return stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
		plen = ((size_t)bytes_get16(v + off + 2) + 3) & ~(size_t)3;
		if (plen > len - off - 4)
			return stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
		if (k < *n)
			algs[k++] = bytes_get16(v + off);
		off += 4 + plen;
	}
	*n = k;
	return 0;
}

bool stun_msg_has(const struct stun_msg *m, uint16_t type)
{
	const struct stun_attr *a = stun_msg_find(m, type);

	return a != NULL && a->len == 0;
}
