/* AEAD ciphers and the key derivations of TLS records (RFC 5116, RFC 8446 §5.2 and §7,
 * RFC 5246 §5): AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 over OpenSSL 3's EVP, so
 * that a TLS connection can keep only its keys once the handshake is over.
 *
 * A struct crypto_aead is one reusable cipher context for one thread: each call names the
 * algorithm and the key, and the key schedule is redone only when they change, so a batch
 * of records of one connection and direction costs one key setup. */
#ifndef TERN_BASE_AEAD_H
#define TERN_BASE_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_AEAD_TAG_LEN   16
#define CRYPTO_AEAD_NONCE_LEN 12
#define CRYPTO_AEAD_KEY_MAX   32

enum crypto_aead_alg {
	CRYPTO_AES128GCM,
	CRYPTO_AES256GCM,
	CRYPTO_CHACHA20POLY1305,
	CRYPTO_AEAD_NALG,
};

/* Hashes of the TLS key schedules. */
enum crypto_kdf_md {
	CRYPTO_KDF_SHA256,
	CRYPTO_KDF_SHA384,
};
#define CRYPTO_KDF_MAX 48 /* the longest digest (SHA-384) */

struct crypto_aead;

/* The key length of alg in bytes. */
size_t crypto_aead_key_len(enum crypto_aead_alg alg);
/* The digest length of md in bytes. */
size_t crypto_kdf_md_len(enum crypto_kdf_md md);

/* A cipher context for one thread. 0, -ENOMEM or -EIO. */
int crypto_aead_new(struct crypto_aead **out);
/* Frees c and wipes the key it held (NULL is fine). */
void crypto_aead_free(struct crypto_aead *c);

/* Encrypts in[0..len) under key (crypto_aead_key_len(alg) bytes, borrowed) and nonce, with
 * aad authenticated: out receives len bytes of ciphertext then the CRYPTO_AEAD_TAG_LEN
 * byte tag. out may be in. 0 or -EIO. */
int crypto_aead_seal(struct crypto_aead *c, enum crypto_aead_alg alg, const uint8_t *key,
		     const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
		     const uint8_t *in, size_t len, uint8_t *out);
/* Decrypts in[0..len), ciphertext followed by its tag (len >= CRYPTO_AEAD_TAG_LEN), into
 * out (len - CRYPTO_AEAD_TAG_LEN bytes; out may be in). 0, or -EBADMSG when the tag does
 * not verify (out's contents are then undefined), -EIO. */
int crypto_aead_open(struct crypto_aead *c, enum crypto_aead_alg alg, const uint8_t *key,
		     const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
		     const uint8_t *in, size_t len, uint8_t *out);

/* HKDF-Expand-Label(secret, label, "", olen) of TLS 1.3 (RFC 8446 §7.1; label without
 * its "tls13 " prefix). 0 or -EIO. Any thread. */
int crypto_hkdf_expand_label(enum crypto_kdf_md md, const uint8_t *secret, size_t slen,
			     const char *label, uint8_t *out, size_t olen);
/* PRF(secret, label, seed) of TLS 1.2 (RFC 5246 §5) with md as its hash. 0 or -EIO. Any
 * thread. */
int crypto_tls12_prf(enum crypto_kdf_md md, const uint8_t *secret, size_t slen, const char *label,
		     const uint8_t *seed, size_t seedlen, uint8_t *out, size_t olen);

#endif
