/* AEAD ciphers and TLS key derivations over OpenSSL 3's EVP (base/aead.h). The ciphers and
 * KDFs are fetched once per process and shared read-only by every thread afterwards. */
#include "base/aead.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "base/crypto.h"

static pthread_once_t aead_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aead_cipher[CRYPTO_AEAD_NALG];
static EVP_KDF *aead_hkdf, *aead_prf;

static void aead_fetch(void)
{
	aead_cipher[CRYPTO_AES128GCM] = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	aead_cipher[CRYPTO_AES256GCM] = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	aead_cipher[CRYPTO_CHACHA20POLY1305] = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	aead_hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	aead_prf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
}

struct crypto_aead {
	EVP_CIPHER_CTX *ctx;
	int alg; /* of the key set up in ctx; -1: none */
	int enc; /* its direction */
	uint8_t key[CRYPTO_AEAD_KEY_MAX];
};

size_t crypto_aead_key_len(enum crypto_aead_alg alg)
{
	return alg == CRYPTO_AES128GCM ? 16 : 32;
}

size_t crypto_kdf_md_len(enum crypto_kdf_md md)
{
	return md == CRYPTO_KDF_SHA384 ? 48 : 32;
}

int crypto_aead_new(struct crypto_aead **out)
{
	struct crypto_aead *c;

	pthread_once(&aead_once, aead_fetch);
	for (int i = 0; i < CRYPTO_AEAD_NALG; i++)
		if (aead_cipher[i] == NULL)
			return -EIO;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->ctx = EVP_CIPHER_CTX_new();
	if (c->ctx == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->alg = -1;
	*out = c;
	return 0;
}

void crypto_aead_free(struct crypto_aead *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->ctx);
	crypto_wipe(c->key, sizeof(c->key));
	free(c);
}

/* Sets up c for alg, key, direction and nonce: the key schedule only when one of the
 * first three changed since the last call. */
static int aead_init(struct crypto_aead *c, enum crypto_aead_alg alg, const uint8_t *key,
		     const uint8_t *nonce, int enc)
{
	size_t klen = crypto_aead_key_len(alg);

	if ((unsigned)alg >= CRYPTO_AEAD_NALG)
		return -EIO;
	if (c->alg == (int)alg && c->enc == enc && crypto_equal(c->key, key, klen))
		return EVP_CipherInit_ex2(c->ctx, NULL, NULL, nonce, enc, NULL) == 1 ? 0 : -EIO;
	c->alg = -1;
	if (EVP_CipherInit_ex2(c->ctx, aead_cipher[alg], key, nonce, enc, NULL) != 1)
		return -EIO;
	c->alg = (int)alg;
	c->enc = enc;
	memcpy(c->key, key, klen);
	return 0;
}

int crypto_aead_seal(struct crypto_aead *c, enum crypto_aead_alg alg, const uint8_t *key,
		     const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
		     const uint8_t *in, size_t len, uint8_t *out)
{
	int n = 0, m = 0;

	if (len > INT32_MAX || aadlen > INT32_MAX || aead_init(c, alg, key, nonce, 1) < 0)
		return -EIO;
	if (aadlen && EVP_CipherUpdate(c->ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -EIO;
	if (EVP_CipherUpdate(c->ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(c->ctx, out + n, &m) != 1 || (size_t)(n + m) != len)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_GET_TAG, CRYPTO_AEAD_TAG_LEN, out + len) != 1)
		return -EIO;
	return 0;
}

int crypto_aead_open(struct crypto_aead *c, enum crypto_aead_alg alg, const uint8_t *key,
		     const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad, size_t aadlen,
		     const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t tag[CRYPTO_AEAD_TAG_LEN];
	size_t clen;
	int n = 0, m = 0;

	if (len < CRYPTO_AEAD_TAG_LEN)
		return -EBADMSG;
	clen = len - CRYPTO_AEAD_TAG_LEN;
	if (clen > INT32_MAX || aadlen > INT32_MAX || aead_init(c, alg, key, nonce, 0) < 0)
		return -EIO;
	/* The tag first: out may be in, and the ciphertext is decrypted over it. */
	memcpy(tag, in + clen, CRYPTO_AEAD_TAG_LEN);
	if (EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_TAG, CRYPTO_AEAD_TAG_LEN, tag) != 1)
		return -EIO;
	if (aadlen && EVP_CipherUpdate(c->ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -EIO;
	if (EVP_CipherUpdate(c->ctx, out, &n, in, (int)clen) != 1)
		return -EIO;
	if (EVP_CipherFinal_ex(c->ctx, out + n, &m) != 1)
		return -EBADMSG;
	return (size_t)(n + m) == clen ? 0 : -EIO;
}

static const char *aead_md_name(enum crypto_kdf_md md)
{
	return md == CRYPTO_KDF_SHA384 ? "SHA384" : "SHA256";
}

/* Runs kdf with params; 0 or -EIO. */
static int aead_kdf(EVP_KDF *kdf, const OSSL_PARAM *params, uint8_t *out, size_t olen)
{
	EVP_KDF_CTX *k;
	int rc;

	pthread_once(&aead_once, aead_fetch);
	if (kdf == NULL || (k = EVP_KDF_CTX_new(kdf)) == NULL)
		return -EIO;
	rc = EVP_KDF_derive(k, out, olen, params) == 1 ? 0 : -EIO;
	EVP_KDF_CTX_free(k);
	return rc;
}

int crypto_hkdf_expand_label(enum crypto_kdf_md md, const uint8_t *secret, size_t slen,
			     const char *label, uint8_t *out, size_t olen)
{
	/* struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
	 *          opaque context<0..255>; } HkdfLabel; (RFC 8446 §7.1) */
	uint8_t info[2 + 1 + 255 + 1];
	size_t llen = strlen(label), n = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM p[5];

	if (olen > 0xffff || llen + 6 > 255)
		return -EIO;
	info[n++] = (uint8_t)(olen >> 8);
	info[n++] = (uint8_t)olen;
	info[n++] = (uint8_t)(llen + 6);
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, llen);
	n += llen + 6;
	info[n++] = 0; /* an empty context */
	p[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)aead_md_name(md), 0);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n);
	p[4] = OSSL_PARAM_construct_end();
	return aead_kdf(aead_hkdf, p, out, olen);
}

int crypto_tls12_prf(enum crypto_kdf_md md, const uint8_t *secret, size_t slen, const char *label,
		     const uint8_t *seed, size_t seedlen, uint8_t *out, size_t olen)
{
	OSSL_PARAM p[5];

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)aead_md_name(md), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seedlen);
	p[4] = OSSL_PARAM_construct_end();
	return aead_kdf(aead_prf, p, out, olen);
}
