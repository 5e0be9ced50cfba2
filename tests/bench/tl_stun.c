/*
 * tl_stun — see tl_stun.h.
 */
#include "tl_stun.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define TL_ATTR_USERNAME	    0x0006
#define TL_ATTR_MESSAGE_INTEGRITY   0x0008
#define TL_ATTR_ERROR_CODE	    0x0009
#define TL_ATTR_REALM		    0x0014
#define TL_ATTR_NONCE		    0x0015
#define TL_ATTR_XOR_RELAYED_ADDRESS 0x0016

void tl_msg_start(struct tl_msg *m, uint16_t type, const uint8_t txid[12])
{
	tl_put16(m->b, type);
	tl_put16(m->b + 2, 0);
	tl_put32(m->b + 4, TL_STUN_MAGIC);
	memcpy(m->b + 8, txid, 12);
	m->len = TL_STUN_HDR;
}

/* Appends one attribute (padded to 4 bytes) and updates the header length.
 * Requests are small and fixed in shape: overflowing TL_MSG_MAX is a bug. */
void tl_msg_bytes(struct tl_msg *m, uint16_t attr, const void *v, size_t n)
{
	size_t pad = (4 - n % 4) % 4;

	if (m->len + 4 + n + pad > sizeof(m->b))
		return;
	tl_put16(m->b + m->len, attr);
	tl_put16(m->b + m->len + 2, (uint16_t)n);
	memcpy(m->b + m->len + 4, v, n);
	memset(m->b + m->len + 4 + n, 0, pad);
	m->len += 4 + n + pad;
	tl_put16(m->b + 2, (uint16_t)(m->len - TL_STUN_HDR));
}

void tl_msg_u32(struct tl_msg *m, uint16_t attr, uint32_t v)
{
	uint8_t b[4];

	tl_put32(b, v);
	tl_msg_bytes(m, attr, b, 4);
}

void tl_msg_xaddr(struct tl_msg *m, uint16_t attr, const struct sockaddr_in *a)
{
	uint8_t b[8];

	b[0] = 0;
	b[1] = 0x01; /* IPv4 */
	tl_put16(b + 2, (uint16_t)(ntohs(a->sin_port) ^ (TL_STUN_MAGIC >> 16)));
	tl_put32(b + 4, ntohl(a->sin_addr.s_addr) ^ TL_STUN_MAGIC);
	tl_msg_bytes(m, attr, b, sizeof(b));
}

int tl_msg_auth(struct tl_msg *m, const struct tl_cred *c, const uint8_t *nonce, size_t nonce_len)
{
	unsigned int mac_len = 0;
	uint8_t *mi;

	tl_msg_bytes(m, TL_ATTR_USERNAME, c->user, strlen(c->user));
	tl_msg_bytes(m, TL_ATTR_REALM, c->realm, strlen(c->realm));
	tl_msg_bytes(m, TL_ATTR_NONCE, nonce, nonce_len);
	if (m->len + 24 > sizeof(m->b))
		return -EMSGSIZE;
	/* RFC 8489 §14.5: the length field counts MESSAGE-INTEGRITY itself, the
	 * HMAC covers everything before the attribute. */
	tl_put16(m->b + 2, (uint16_t)(m->len + 24 - TL_STUN_HDR));
	mi = m->b + m->len;
	tl_put16(mi, TL_ATTR_MESSAGE_INTEGRITY);
	tl_put16(mi + 2, 20);
	if (!HMAC(EVP_sha1(), c->key, sizeof(c->key), m->b, m->len, mi + 4, &mac_len) ||
	    mac_len != 20)
		return -EIO;
	m->len += 24;
	return 0;
}

int tl_cred_set_realm(struct tl_cred *c, const uint8_t *realm, size_t n)
{
	char buf[512];
	unsigned int len = 0;
	int k;

	if (n >= sizeof(c->realm))
		return -EINVAL;
	if (c->have_key && strlen(c->realm) == n && memcmp(c->realm, realm, n) == 0)
		return 0;
	memcpy(c->realm, realm, n);
	c->realm[n] = '\0';
	k = snprintf(buf, sizeof(buf), "%s:%s:%s", c->user, c->realm, c->pass);
	if (k < 0 || (size_t)k >= sizeof(buf))
		return -EINVAL;
	if (!EVP_Digest(buf, (size_t)k, c->key, &len, EVP_md5(), NULL) || len != 16)
		return -EIO;
	c->have_key = true;
	return 0;
}

static void tl_resp_attr(struct tl_resp *r, const uint8_t *hdr, uint16_t t, const uint8_t *v,
			 uint16_t n)
{
	switch (t) {
	case TL_ATTR_ERROR_CODE:
		if (n >= 4)
			r->code = (v[2] & 0x7) * 100 + v[3];
		break;
	case TL_ATTR_REALM:
		r->realm = v;
		r->realm_len = n;
		break;
	case TL_ATTR_NONCE:
		r->nonce = v;
		r->nonce_len = n;
		break;
	case TL_ATTR_XOR_RELAYED_ADDRESS:
		if (n < 8 || v[1] != 0x01)
			break;
		r->has_relayed = true;
		r->relayed.sin_family = AF_INET;
		r->relayed.sin_port = htons((uint16_t)(tl_get16(v + 2) ^ (TL_STUN_MAGIC >> 16)));
		r->relayed.sin_addr.s_addr = htonl(tl_get32(v + 4) ^ tl_get32(hdr + 4));
		break;
	}
}

int tl_resp_parse(const uint8_t *p, size_t n, struct tl_resp *r)
{
	size_t off = TL_STUN_HDR, end;

	memset(r, 0, sizeof(*r));
	if (n < TL_STUN_HDR || (p[0] & 0xC0) || tl_get32(p + 4) != TL_STUN_MAGIC)
		return -EINVAL;
	end = TL_STUN_HDR + tl_get16(p + 2);
	if (end > n)
		return -EINVAL;
	r->type = tl_get16(p);
	while (off + 4 <= end) {
		uint16_t t = tl_get16(p + off), len = tl_get16(p + off + 2);
		if (off + 4 + len > end)
			return -EINVAL;
		tl_resp_attr(r, p, t, p + off + 4, len);
		off += 4 + len + (4 - len % 4) % 4;
	}
	return 0;
}
