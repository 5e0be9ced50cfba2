/* TLS application-data records after the handshake, without OpenSSL's SSL object: the
 * keys of both directions, their sequence numbers, and sealing and opening of records
 * (RFC 8446 §5.2-§5.3 for TLS 1.3; RFC 5246 §6.2.3.3 with RFC 5288 (AES-GCM) and RFC 7905
 * (ChaCha20-Poly1305) for TLS 1.2). An idle TLS connection then costs its keys (~250
 * bytes) instead of the SSL object's ~15 KB.
 *
 * Server side only: records are read with the client's keys and written with the
 * server's. Pure: no I/O, no malloc, no logging; the cipher context (base/aead.h) is the
 * caller's, one per thread. */
#ifndef TERN_NET_TLS_REC_H
#define TERN_NET_TLS_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/aead.h"

#define TLS_REC_HDR_LEN	     5
#define TLS_REC_PLAIN_MAX    16384 /* 2^14 (RFC 8446 §5.1, RFC 5246 §6.2.1) */
#define TLS_REC_VERSION_12   0x0303
#define TLS_REC_VERSION_13   0x0304
#define TLS_REC_OVERHEAD_MAX (TLS_REC_HDR_LEN + 8 + 1 + CRYPTO_AEAD_TAG_LEN)

/* Content types (RFC 8446 §5.1). */
#define TLS_REC_CHANGE_CIPHER_SPEC 20
#define TLS_REC_ALERT		   21
#define TLS_REC_HANDSHAKE	   22
#define TLS_REC_APPLICATION_DATA   23

/* One direction's keys. */
struct tls_rec_dir {
	uint64_t seq;
	uint8_t key[CRYPTO_AEAD_KEY_MAX];
	uint8_t iv[CRYPTO_AEAD_NONCE_LEN]; /* TLS 1.2 AES-GCM: the 4-byte salt */
	uint8_t secret[CRYPTO_KDF_MAX];	   /* TLS 1.3: the traffic secret (KeyUpdate) */
};

struct tls_rec {
	uint16_t version; /* TLS_REC_VERSION_12 or _13 */
	uint8_t alg;	  /* enum crypto_aead_alg */
	uint8_t md;	  /* enum crypto_kdf_md: the cipher suite's hash */
	struct tls_rec_dir rd, wr;
};

/* What a handshake left: the negotiated version, cipher and hash, and for TLS 1.3 the
 * application traffic secrets (RFC 8446 §7.1 client/server_application_traffic_secret_0),
 * for TLS 1.2 the master secret and both randoms; and the sequence numbers the next record
 * each way has. */
struct tls_rec_keys {
	uint16_t version;
	enum crypto_aead_alg alg;
	enum crypto_kdf_md md;
	uint8_t client_secret[CRYPTO_KDF_MAX], server_secret[CRYPTO_KDF_MAX]; /* TLS 1.3 */
	uint8_t master[48], client_random[32], server_random[32];	      /* TLS 1.2 */
	uint64_t rseq, wseq;
};

/* Derives r's record keys from k (RFC 8446 §7.3; RFC 5246 §6.3). 0 or -EIO. */
int tls_rec_init(struct tls_rec *r, const struct tls_rec_keys *k);
/* Wipes r's keys. */
void tls_rec_wipe(struct tls_rec *r);

/* The length of a record whose header is hdr: 0 and *len = header + body when the header
 * is well-formed (a known content type, version 0x0303, a body no longer than the RFC's
 * limit for r's version), else -EBADMSG. */
int tls_rec_length(const struct tls_rec *r, const uint8_t hdr[TLS_REC_HDR_LEN], size_t *len);

/* The bytes a record of n plaintext bytes adds (header, explicit nonce, inner type, tag). */
size_t tls_rec_overhead(const struct tls_rec *r);

/* Seals n <= TLS_REC_PLAIN_MAX bytes at in, of content type type, into a record at out
 * (n + tls_rec_overhead(r) bytes; out may not overlap in) and advances the write
 * sequence. Returns the record's length or -EIO. */
int tls_rec_seal(struct tls_rec *r, struct crypto_aead *c, uint8_t type, const uint8_t *in,
		 size_t n, uint8_t *out);
/* Opens the whole record rec[0..len) in place and advances the read sequence: 0 with
 * *type its content type (TLS 1.3: the inner one) and the plaintext at rec + *off,
 * *plen bytes; -EBADMSG when it does not authenticate or is malformed (fatal: RFC 8446
 * §5.2 bad_record_mac), -EIO. */
int tls_rec_open(struct tls_rec *r, struct crypto_aead *c, uint8_t *rec, size_t len, uint8_t *type,
		 size_t *off, size_t *plen);

/* TLS 1.3 KeyUpdate (RFC 8446 §4.6.3, §7.2): the next traffic secret and keys of the read
 * (write = false) or write direction, sequence back to 0. 0 or -EIO. */
int tls_rec_key_update(struct tls_rec *r, bool write);

#endif
