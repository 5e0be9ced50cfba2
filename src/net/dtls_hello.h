/* The stateless half of a DTLS 1.2 server (RFC 6347 §4.2.1): reading just enough of a
 * datagram to know whether it opens a handshake (a whole, unfragmented ClientHello in an
 * epoch 0 handshake record) and which cookie it carries, and the HelloVerifyRequest that
 * answers it. Pure: no OpenSSL, no sockets, no allocation; every read is bounded by the
 * datagram's length. */
#ifndef TERN_NET_DTLS_HELLO_H
#define TERN_NET_DTLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

/* RFC 6347 §4.1 and §4.2.2: the record and handshake message headers. */
#define DTLS_HELLO_RECORD_HDR 13
#define DTLS_HELLO_MSG_HDR    12
/* The longest cookie a HelloVerifyRequest may carry (RFC 6347 §4.2.1: opaque<0..2^8-1>). */
#define DTLS_HELLO_COOKIE_MAX 255
#define DTLS_HELLO_RANDOM     32
/* A HelloVerifyRequest: both headers, server_version, the cookie's length byte, the
 * cookie. */
#define DTLS_HELLO_VERIFY_LEN(cookie_len)                                                          \
	(DTLS_HELLO_RECORD_HDR + DTLS_HELLO_MSG_HDR + 3 + (size_t)(cookie_len))

/* What the ClientHello says, as views into the datagram (borrowed from it). */
struct dtls_hello {
	uint8_t seq[8];	       /* the record's epoch (0) and sequence number */
	uint16_t version;      /* client_version */
	const uint8_t *random; /* DTLS_HELLO_RANDOM bytes: tells a retransmission from a
				* new handshake */
	uint16_t msg_seq;      /* the handshake message_seq (0 first, 1 after a
				* HelloVerifyRequest) */
	const uint8_t *cookie; /* NULL when cookie_len is 0 */
	size_t cookie_len;
};

/* Parses buf[0..len) as a datagram whose first record is a DTLS handshake record of epoch
 * 0 carrying one whole ClientHello (fragment_offset 0, fragment_length equal to its
 * length), and reads the ClientHello as far as the cookie. Returns 0 and fills *out, or
 * -EBADMSG (anything else: another content type or handshake type, a non-DTLS version, a
 * later epoch, a fragment, a truncated header or body). */
int dtls_hello_parse(const uint8_t *buf, size_t len, struct dtls_hello *out);

/* Writes the HelloVerifyRequest answering h, carrying cookie[0..cookie_len), into
 * out[0..cap): the record sequence number copied from the ClientHello, record and
 * server_version DTLS 1.0 (RFC 6347 §4.2.1: whatever version is negotiated later),
 * message_seq 0, one unfragmented message. Returns its length, or -EINVAL (cookie longer
 * than DTLS_HELLO_COOKIE_MAX) or -ENOSPC (cap too small). */
int dtls_hello_verify_build(const struct dtls_hello *h, const uint8_t *cookie, size_t cookie_len,
			    uint8_t *out, size_t cap);

#endif
