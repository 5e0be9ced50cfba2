/* Crypto wrappers: the only user of OpenSSL's EVP/HMAC interfaces. */
#ifndef TERN_BASE_CRYPTO_H
#define TERN_BASE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_MD5_LEN	  16
#define CRYPTO_SHA1_LEN	  20
#define CRYPTO_SHA256_LEN 32

/* One-shot digests over the concatenation of n (ptr, len) parts. Return 0 or -EIO. */
struct crypto_part {
	const void *p;
	size_t len;
};
int crypto_md5(const struct crypto_part *parts, size_t n, uint8_t out[CRYPTO_MD5_LEN]);
int crypto_sha256(const struct crypto_part *parts, size_t n, uint8_t out[CRYPTO_SHA256_LEN]);

/* HMACs over the concatenation of n parts. Return 0 or -EIO. */
int crypto_hmac_sha1(const uint8_t *key, size_t klen, const struct crypto_part *parts, size_t n,
		     uint8_t out[CRYPTO_SHA1_LEN]);
int crypto_hmac_sha256(const uint8_t *key, size_t klen, const struct crypto_part *parts, size_t n,
		       uint8_t out[CRYPTO_SHA256_LEN]);

/* CRC-32 (ISO-HDLC, as used by STUN FINGERPRINT), table-driven, no OpenSSL. */
uint32_t crypto_crc32(uint32_t crc, const uint8_t *p, size_t len);

/* Compares in time independent of the contents. */
bool crypto_equal(const void *a, const void *b, size_t len);

/* Fills buf with cryptographically secure random bytes. Returns 0 or -EIO. */
int crypto_random(void *buf, size_t len);

/* Overwrites len bytes at p with zeros in a way the compiler keeps (key material). */
void crypto_wipe(void *p, size_t len);

/* AES-256 on one 16-byte block (the raw permutation: ECB of a single block, no padding),
 * encrypting (enc) or decrypting in to out. For tokens too short for an AEAD's nonce and
 * tag, whose plaintext never repeats under a key and is authenticated separately (a MAC
 * over the ciphertext). Returns 0 or -EIO. Any thread. */
#define CRYPTO_AES256_KEY_LEN 32
#define CRYPTO_AES_BLOCK_LEN  16
int crypto_aes256_block(const uint8_t key[CRYPTO_AES256_KEY_LEN], bool enc,
			const uint8_t in[CRYPTO_AES_BLOCK_LEN], uint8_t out[CRYPTO_AES_BLOCK_LEN]);

/* A TLS session ticket key in the layout RFC 5077 §4 recommends: a key name that tickets
 * carry in the clear, an AES-256-CBC key that encrypts the session state and an
 * HMAC-SHA256 key that authenticates the ticket. */
#define CRYPTO_TICKET_NAME_LEN 16
#define CRYPTO_TICKET_AES_LEN  32
#define CRYPTO_TICKET_HMAC_LEN 32
#define CRYPTO_TICKET_IV_LEN   16
struct crypto_ticket_key {
	uint8_t name[CRYPTO_TICKET_NAME_LEN];
	uint8_t aes[CRYPTO_TICKET_AES_LEN];
	uint8_t hmac[CRYPTO_TICKET_HMAC_LEN];
};

/* OpenSSL's EVP_CIPHER_CTX and EVP_MAC_CTX, declared here so that this header does not
 * pull OpenSSL's headers into every user. */
struct evp_cipher_ctx_st;
struct evp_mac_ctx_st;

/* Fills k with fresh random key material (name included). Returns 0 or -EIO. */
int crypto_ticket_key_new(struct crypto_ticket_key *k);
/* Prepares the cipher and MAC contexts libssl passes to a ticket key callback
 * (SSL_CTX_set_tlsext_ticket_key_evp_cb) for key k (borrowed; copied into the contexts):
 * with enc, a fresh random IV is written to iv and cctx is set up to encrypt; without,
 * cctx is set up to decrypt with the IV the ticket carried in iv. hctx gets HMAC-SHA256
 * with k's MAC key. Returns 0 or -EIO. Any thread. */
int crypto_ticket_init(const struct crypto_ticket_key *k, bool enc,
		       uint8_t iv[CRYPTO_TICKET_IV_LEN], struct evp_cipher_ctx_st *cctx,
		       struct evp_mac_ctx_st *hctx);

#endif
