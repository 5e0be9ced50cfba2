/* ClientHello reading and HelloVerifyRequest writing, by hand (RFC 6347 §4.1, §4.2.1). */
#include "net/dtls_hello.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"

/* RFC 5246 §6.2.1 / §7.4: content and handshake types; RFC 6347 §4.1: DTLS versions are
 * the one's complement of 1.x, so every DTLS version has 0xfe as its major byte. */
#define DTLS_CT_HANDSHAKE	     22
#define DTLS_HT_CLIENT_HELLO	     1
#define DTLS_HT_HELLO_VERIFY_REQUEST 3
#define DTLS_VERSION_MAJOR	     0xfe
#define DTLS_VERSION_1_0	     0xfeff
#define DTLS_HELLO_RANDOM	     32
#define DTLS_SESSION_ID_MAX	     32

static uint32_t dtls_get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void dtls_put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

/* The record header: a handshake record of epoch 0 whose length fits the datagram. On
 * success *body and *blen are the record's fragment. */
static int dtls_hello_record(const uint8_t *buf, size_t len, struct dtls_hello *h,
			     const uint8_t **body, size_t *blen)
{
	size_t rlen;

	if (len < DTLS_HELLO_RECORD_HDR || buf[0] != DTLS_CT_HANDSHAKE ||
	    buf[1] != DTLS_VERSION_MAJOR)
		return -EBADMSG;
	/* The epoch (the first two bytes of the sequence number) of a first flight is 0. */
	if (buf[3] != 0 || buf[4] != 0)
		return -EBADMSG;
	rlen = bytes_get16(buf + 11);
	if (rlen > len - DTLS_HELLO_RECORD_HDR)
		return -EBADMSG;
	memcpy(h->seq, buf + 3, sizeof(h->seq));
	*body = buf + DTLS_HELLO_RECORD_HDR;
	*blen = rlen;
	return 0;
}

/* The handshake header: a ClientHello sent whole (a fragment would need state to
 * reassemble, and the cookie exchange exists so that there is none). On success *msg and
 * *mlen are the ClientHello's body. */
static int dtls_hello_msg(const uint8_t *p, size_t len, struct dtls_hello *h, const uint8_t **msg,
			  size_t *mlen)
{
	uint32_t length, frag_off, frag_len;

	if (len < DTLS_HELLO_MSG_HDR || p[0] != DTLS_HT_CLIENT_HELLO)
		return -EBADMSG;
	length = dtls_get24(p + 1);
	h->msg_seq = bytes_get16(p + 4);
	frag_off = dtls_get24(p + 6);
	frag_len = dtls_get24(p + 9);
	if (frag_off != 0 || frag_len != length || frag_len > len - DTLS_HELLO_MSG_HDR)
		return -EBADMSG;
	*msg = p + DTLS_HELLO_MSG_HDR;
	*mlen = frag_len;
	return 0;
}

int dtls_hello_parse(const uint8_t *buf, size_t len, struct dtls_hello *out)
{
	struct dtls_hello h = {0};
	const uint8_t *rec, *p;
	size_t rlen, n, off, sid, clen;

	if (dtls_hello_record(buf, len, &h, &rec, &rlen) < 0 ||
	    dtls_hello_msg(rec, rlen, &h, &p, &n) < 0)
		return -EBADMSG;
	/* RFC 6347 §4.2.1: client_version, random, session_id<0..32>, cookie<0..2^8-1>. */
	off = 2 + DTLS_HELLO_RANDOM;
	if (n < off + 1 || p[0] != DTLS_VERSION_MAJOR)
		return -EBADMSG;
	h.version = bytes_get16(p);
	h.random = p + 2;
	sid = p[off++];
	if (sid > DTLS_SESSION_ID_MAX || n < off + sid + 1)
		return -EBADMSG;
	off += sid;
	clen = p[off++];
	if (n - off < clen)
		return -EBADMSG;
	h.cookie = clen ? p + off : NULL;
	h.cookie_len = clen;
	*out = h;
	return 0;
}

int dtls_hello_verify_build(const struct dtls_hello *h, const uint8_t *cookie, size_t cookie_len,
			    uint8_t *out, size_t cap)
{
	size_t total = DTLS_HELLO_VERIFY_LEN(cookie_len);
	size_t body = 3 + cookie_len;
	uint8_t *m = out + DTLS_HELLO_RECORD_HDR;

	if (cookie_len > DTLS_HELLO_COOKIE_MAX)
		return -EINVAL;
	if (cap < total)
		return -ENOSPC;
	/* The record: RFC 6347 §4.2.1 copies the ClientHello's record sequence number. */
	out[0] = DTLS_CT_HANDSHAKE;
	bytes_put16(out + 1, DTLS_VERSION_1_0);
	memcpy(out + 3, h->seq, sizeof(h->seq));
	bytes_put16(out + 11, (uint16_t)(DTLS_HELLO_MSG_HDR + body));
	/* The message header: message_seq 0 (the server's first message), one fragment. */
	m[0] = DTLS_HT_HELLO_VERIFY_REQUEST;
	dtls_put24(m + 1, (uint32_t)body);
	bytes_put16(m + 4, 0);
	dtls_put24(m + 6, 0);
	dtls_put24(m + 9, (uint32_t)body);
	/* HelloVerifyRequest: server_version, then the cookie with its length byte. */
	m += DTLS_HELLO_MSG_HDR;
	bytes_put16(m, DTLS_VERSION_1_0);
	m[2] = (uint8_t)cookie_len;
	if (cookie_len)
		memcpy(m + 3, cookie, cookie_len);
	return (int)total;
}
