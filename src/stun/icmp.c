/* The ICMP attribute (stun/icmp.h). */
#include "stun/icmp.h"

#include "base/bytes.h"
#include "stun/stun.h"

#define STUN_ICMP_LEN 8

bool stun_icmp_has_mtu(bool ipv6, uint8_t type, uint8_t code)
{
	if (ipv6)
		return type == STUN_ICMP6_PACKET_TOO_BIG;
	return type == STUN_ICMP4_DEST_UNREACH && code == STUN_ICMP4_FRAG_NEEDED;
}

int stun_enc_put_icmp(struct stun_enc *e, const struct stun_icmp *icmp)
{
	uint8_t *v;
	int rc = stun_enc_reserve(e, STUN_ATTR_ICMP, STUN_ICMP_LEN, &v);

	if (rc < 0)
		return rc;
	v[0] = v[1] = 0;
	v[2] = icmp->type;
	v[3] = icmp->code;
	bytes_put32(v + 4, icmp->data);
	return 0;
}

int stun_msg_get_icmp(const struct stun_msg *m, struct stun_icmp *out)
{
	const struct stun_attr *a = stun_msg_find(m, STUN_ATTR_ICMP);
	const uint8_t *v;

	if (a == NULL)
		return stun_derr_fail(NULL, STUN_DERR_ABSENT);
	if (a->len != STUN_ICMP_LEN)
		return stun_derr_fail(NULL, STUN_DERR_BAD_ATTR_LEN);
	v = stun_attr_value(m, a);
	out->type = v[2];
	out->code = v[3];
	out->data = bytes_get32(v + 4);
	return 0;
}
