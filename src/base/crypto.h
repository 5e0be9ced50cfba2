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

#endif
