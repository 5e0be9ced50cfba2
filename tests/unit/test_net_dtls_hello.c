/* The stateless DTLS ClientHello reader and HelloVerifyRequest writer against hand-made
 * datagrams: with and without a cookie, every truncation, another content type, handshake
 * type or epoch, a fragment, lengths that overrun; the HelloVerifyRequest byte for byte and
 * never larger than the ClientHello it answers. */
#include "net/dtls_hello.h"

#include <errno.h>
#include <string.h>

#include "tap.h"

/* A ClientHello (RFC 6347 §4.2.1) with cookie[0..clen) and one cipher suite, record
 * sequence number 5, message_seq mseq. Returns its length. */
static size_t hello(uint8_t *b, const uint8_t *cookie, size_t clen, uint16_t mseq)
{
	size_t body = 2 + 32 + 1 + 1 + clen + 2 + 2 + 1 + 1, n = 0;

	b[n++] = 22;   /* handshake */
	b[n++] = 0xfe; /* DTLS 1.0 record version */
	b[n++] = 0xff;
	memset(b + n, 0, 8); /* epoch 0, sequence 5 */
	b[n + 7] = 5;
	n += 8;
	b[n++] = (uint8_t)((12 + body) >> 8);
	b[n++] = (uint8_t)(12 + body);
	b[n++] = 1; /* client_hello */
	b[n++] = 0; /* length */
	b[n++] = (uint8_t)(body >> 8);
	b[n++] = (uint8_t)body;
	b[n++] = (uint8_t)(mseq >> 8);
	b[n++] = (uint8_t)mseq;
	memset(b + n, 0, 3); /* fragment_offset */
	n += 3;
	b[n++] = 0; /* fragment_length */
	b[n++] = (uint8_t)(body >> 8);
	b[n++] = (uint8_t)body;
	b[n++] = 0xfe; /* client_version DTLS 1.2 */
	b[n++] = 0xfd;
	memset(b + n, 0xaa, 32); /* random */
	n += 32;
	b[n++] = 0; /* session_id */
	b[n++] = (uint8_t)clen;
	if (clen)
		memcpy(b + n, cookie, clen);
	n += clen;
	b[n++] = 0; /* cipher_suites: one */
	b[n++] = 2;
	b[n++] = 0xc0;
	b[n++] = 0x2b;
	b[n++] = 1; /* compression_methods: null */
	b[n++] = 0;
	return n;
}

static void test_parse(void)
{
	uint8_t b[512], cookie[32];
	struct dtls_hello h;
	size_t n, i;
	int all_short = 1;

	memset(cookie, 0x5c, sizeof(cookie));
	n = hello(b, NULL, 0, 0);
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), 0, "ClientHello without a cookie parsed");
	CHECK(h.cookie == NULL && h.cookie_len == 0, "no cookie");
	CHECK_EQ_INT(h.version, 0xfefd, "client_version DTLS 1.2");
	CHECK_EQ_INT(h.seq[7], 5, "record sequence number kept");
	CHECK(h.random == b + 27 && h.random[0] == 0xaa, "random is a view of the datagram");

	n = hello(b, cookie, sizeof(cookie), 1);
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), 0, "ClientHello with a cookie parsed");
	CHECK(h.cookie_len == 32 && h.cookie && memcmp(h.cookie, cookie, 32) == 0,
	      "the cookie is a view of the datagram");
	CHECK_EQ_INT(h.msg_seq, 1, "message_seq 1");

	/* The record ends at the cookie: fine, the rest is not read. */
	for (i = 0; i < n; i++)
		if (dtls_hello_parse(b, i, &h) != -EBADMSG)
			all_short = 0;
	CHECK(all_short, "every truncation of the datagram refused");

	n = hello(b, cookie, sizeof(cookie), 1);
	b[0] = 23;
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "application data refused");
	b[0] = 22;
	b[1] = 0x03;
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "TLS record version refused");
	b[1] = 0xfe;
	b[4] = 1;
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "epoch 1 refused");
	b[4] = 0;
	b[13] = 2;
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "ServerHello refused");
	b[13] = 1;
	b[21] = 1; /* fragment_offset 1 */
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "later fragment refused");
	b[21] = 0;
	b[24]--; /* fragment_length one short of length */
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "first fragment refused");
	b[24]++;
	b[12]++; /* record length one past the datagram */
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "record longer than the datagram");
	b[12]--;
	b[25 + 34] = 33; /* session_id longer than 32 */
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "session_id over 32 refused");
	b[25 + 34] = 0;
	b[25 + 35] = 200; /* cookie past the message */
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "cookie past the message refused");
	b[25 + 35] = 32;
	b[25] = 0x03; /* client_version TLS */
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), -EBADMSG, "TLS client_version refused");
	b[25] = 0xfe;
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), 0, "restored datagram parses again");
	CHECK_EQ_INT(dtls_hello_parse(b, sizeof(b), &h), 0, "trailing bytes (another record)");
}

static void test_verify(void)
{
	static const uint8_t want[] = {
		22,   0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 5, 0, 12 + 3 + 4, /* record */
		3,    0,    0,	  7, 0, 0, 0, 0, 0, 0, 0, 7,		 /* message header */
		0xfe, 0xff, 4,	  1, 2, 3, 4,				 /* body */
	};
	static const uint8_t c4[] = {1, 2, 3, 4};
	uint8_t b[512], out[512], cookie[32];
	struct dtls_hello h;
	size_t n;
	int r;

	memset(cookie, 0x5c, sizeof(cookie));
	n = hello(b, NULL, 0, 0);
	CHECK_EQ_INT(dtls_hello_parse(b, n, &h), 0, "parsed");
	r = dtls_hello_verify_build(&h, c4, sizeof(c4), out, sizeof(out));
	CHECK_EQ_INT(r, sizeof(want), "HelloVerifyRequest length");
	CHECK(r == (int)sizeof(want) && memcmp(out, want, sizeof(want)) == 0,
	      "HelloVerifyRequest byte for byte (seq copied, DTLS 1.0, message_seq 0)");
	r = dtls_hello_verify_build(&h, cookie, sizeof(cookie), out, sizeof(out));
	CHECK_EQ_INT(r, DTLS_HELLO_VERIFY_LEN(32), "with a 32-byte cookie");
	CHECK(r > 0 && (size_t)r <= n, "no larger than the smallest ClientHello (%d <= %zu)", r, n);
	CHECK_EQ_INT(dtls_hello_verify_build(&h, cookie, sizeof(cookie), out, (size_t)r - 1),
		     -ENOSPC, "buffer one short refused");
	CHECK_EQ_INT(dtls_hello_verify_build(&h, b, 256, out, sizeof(out)), -EINVAL,
		     "cookie over 255 bytes refused");
}

int main(void)
{
	test_parse();
	test_verify();
	return tap_done();
}
