/* (XOR-)address attributes (RFC 8489 §14.1, §14.2; RFC 8656 §18.3, §18.5). */
#include "stun/msg.h"

#include <string.h>

#include "base/bytes.h"
#include "stun/err.h"

/* The magic cookie in network order: the XOR mask of the port (top 16 bits) and of an IPv4
 * address; IPv6 addresses are XOR'd with the cookie then the transaction id. */
static const uint8_t stun_cookie_bytes[4] = {0x21, 0x12, 0xA4, 0x42};

int stun_addr_decode(const uint8_t *v, size_t len, bool xor, const uint8_t *tid, struct addr *out)
{
	uint8_t ip[16];
	size_t iplen, i;
	uint16_t port;
	int family;

	if (len < 4)
		return stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
	if (v[1] == STUN_FAMILY_IPV4) {
		family = AF_INET;
		iplen = 4;
	} else if (v[1] == STUN_FAMILY_IPV6) {
		family = AF_INET6;
		iplen = 16;
	} else {
		return stun_derr_fail(NULL, STUN_DERR_BAD_FAMILY);
	}
	if (len != 4 + iplen)
		return stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
	port = bytes_get16(v + 2);
	memcpy(ip, v + 4, iplen);
	if (xor) {
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
		for (i = 0; i < 4; i++)
			ip[i] ^= stun_cookie_bytes[i];
		for (i = 4; i < iplen; i++)
			ip[i] ^= tid[i - 4];
	}
	return addr_from_raw(out, family, ip, port) < 0 ? stun_derr_fail(NULL, STUN_DERR_BAD_FAMILY)
							: 0;
}

/* Every xor-address type carries XOR in its name; the plain ones do not. */
static bool stun_type_is_xor(uint16_t type)
{
	return type == STUN_ATTR_XOR_MAPPED_ADDRESS || type == STUN_ATTR_XOR_PEER_ADDRESS ||
	       type == STUN_ATTR_XOR_RELAYED_ADDRESS;
}

static int stun_get_addr_any(const struct stun_msg *m, uint16_t type, bool xor, struct addr *out)
{
	const struct stun_attr *a = stun_msg_find(m, type);
	struct addr tmp;
	int rc;

	if (a == NULL)
		return stun_derr_fail(NULL, STUN_DERR_ABSENT);
	rc = stun_addr_decode(stun_attr_value(m, a), a->len, xor, m->tid, &tmp);
	if (rc < 0)
		return rc;
	*out = tmp;
	return 0;
}

int stun_msg_get_xor_addr(const struct stun_msg *m, uint16_t type, struct addr *out)
{
	return stun_get_addr_any(m, type, true, out);
}

int stun_msg_get_addr(const struct stun_msg *m, uint16_t type, struct addr *out)
{
	return stun_get_addr_any(m, type, stun_type_is_xor(type), out);
}

int stun_msg_get_xor_addrs(const struct stun_msg *m, uint16_t type, struct addr *out, size_t *n)
{
	size_t k = 0, found = 0;
	uint16_t i;
	int rc;

	for (i = 0; i < m->nattrs; i++) {
		const struct stun_attr *a = &m->attrs[i];

		if (a->type != type)
			continue;
		found++;
		if (k == *n)
			return stun_derr_fail(NULL, STUN_DERR_TOO_MANY_ATTRS);
		rc = stun_addr_decode(stun_attr_value(m, a), a->len, true, m->tid, &out[k]);
		if (rc < 0)
			return rc;
		k++;
	}
	if (found == 0)
		return stun_derr_fail(NULL, STUN_DERR_ABSENT);
	*n = k;
	return 0;
}
