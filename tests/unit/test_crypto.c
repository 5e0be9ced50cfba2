/* Crypto wrappers: CRC-32, MD5/SHA-256, HMAC-SHA1 (RFC 2202), HMAC-SHA256 (RFC 4231),
 * crypto_equal, crypto_random, session ticket keys and their cipher/MAC contexts. */
#include "base/crypto.h"

#include <string.h>

#include <openssl/evp.h>

#include "tap.h"

static int hex_eq(const uint8_t *got, size_t n, const char *hex)
{
	char buf[129];
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", got[i]);
	return strlen(hex) == 2 * n && memcmp(buf, hex, 2 * n) == 0;
}

static void test_crc(void)
{
	const uint8_t *s = (const uint8_t *)"123456789";

	CHECK_EQ_INT(crypto_crc32(0, s, 9), 0xCBF43926u, "CRC-32(\"123456789\")");
	CHECK_EQ_INT(crypto_crc32(crypto_crc32(0, s, 4), s + 4, 5), 0xCBF43926u,
		     "CRC-32 incremental");
	CHECK_EQ_INT(crypto_crc32(0, s, 0), 0, "CRC-32 of nothing");
}

static void test_digests(void)
{
	struct crypto_part abc = {"abc", 3};
	struct crypto_part split[2] = {{"a", 1}, {"bc", 2}};
	uint8_t md5[16], sha[32];

	CHECK(crypto_md5(&abc, 1, md5) == 0 && hex_eq(md5, 16, "900150983cd24fb0d6963f7d28e17f72"),
	      "MD5(abc)");
	CHECK(crypto_sha256(split, 2, sha) == 0 &&
		      hex_eq(sha, 32,
			     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	      "SHA-256(abc) from two parts");
}

static void test_hmac(void)
{
	uint8_t key[131], out1[20], out256[32];
	struct crypto_part p;

	/* RFC 2202 §3 test case 1 and 2. */
	memset(key, 0x0b, 20);
	p = (struct crypto_part){"Hi There", 8};
	CHECK(crypto_hmac_sha1(key, 20, &p, 1, out1) == 0 &&
		      hex_eq(out1, 20, "b617318655057264e28bc0b6fb378c8ef146be00"),
	      "RFC 2202 case 1");
	p = (struct crypto_part){"what do ya want for nothing?", 28};
	CHECK(crypto_hmac_sha1((const uint8_t *)"Jefe", 4, &p, 1, out1) == 0 &&
		      hex_eq(out1, 20, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
	      "RFC 2202 case 2");
	/* RFC 4231 §4.2, §4.3 and §4.7 (131-byte key, longer than the block). */
	p = (struct crypto_part){"Hi There", 8};
	CHECK(crypto_hmac_sha256(key, 20, &p, 1, out256) == 0 &&
		      hex_eq(out256, 32,
			     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
	      "RFC 4231 case 1");
	p = (struct crypto_part){"what do ya want for nothing?", 28};
	CHECK(crypto_hmac_sha256((const uint8_t *)"Jefe", 4, &p, 1, out256) == 0 &&
		      hex_eq(out256, 32,
			     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
	      "RFC 4231 case 2");
	memset(key, 0xaa, 131);
	p = (struct crypto_part){"Test Using Larger Than Block-Size Key - Hash Key First", 54};
	CHECK(crypto_hmac_sha256(key, 131, &p, 1, out256) == 0 &&
		      hex_eq(out256, 32,
			     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
	      "RFC 4231 case 6");
	CHECK(crypto_hmac_sha1(NULL, 0, &p, 1, out1) == 0, "HMAC with an empty key works");
}

static void test_misc(void)
{
	uint8_t a[32] = {0}, b[32] = {0};

	CHECK(crypto_equal(a, b, 32), "equal buffers");
	b[31] = 1;
	CHECK(!crypto_equal(a, b, 32), "last byte differs");
	CHECK(crypto_equal(a, b, 0), "zero length is equal");
	CHECK(crypto_random(a, sizeof(a)) == 0 && crypto_random(b, sizeof(b)) == 0 &&
		      !crypto_equal(a, b, 32),
	      "random bytes differ");
}

/* Seals 32 bytes the way libssl seals a ticket (encrypt, then MAC the ciphertext) with the
 * contexts crypto_ticket_init prepared; *n receives the ciphertext length. */
static int ticket_seal(const struct crypto_ticket_key *k, uint8_t iv[16], uint8_t ct[64], int *n,
		       uint8_t mac[32])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *h = EVP_MAC_CTX_new(m);
	int f = 0, ok;
	size_t ml = 0;

	ok = crypto_ticket_init(k, true, iv, c, h) == 0 &&
	     EVP_EncryptUpdate(c, ct, n, (const uint8_t *)"the session state, 32 bytes long", 32) &&
	     EVP_EncryptFinal_ex(c, ct + *n, &f) && EVP_MAC_update(h, ct, (size_t)(*n + f)) &&
	     EVP_MAC_final(h, mac, &ml, 32) && ml == 32;
	*n += f;
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(m);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* Opens what ticket_seal sealed: 1 when the MAC matches and the plaintext comes back. */
static int ticket_open(const struct crypto_ticket_key *k, uint8_t iv[16], const uint8_t *ct, int n,
		       const uint8_t mac[32])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *h = EVP_MAC_CTX_new(m);
	uint8_t pt[64], got[32];
	int pn = 0, f = 0, ok;
	size_t ml = 0;

	ok = crypto_ticket_init(k, false, iv, c, h) == 0 && EVP_MAC_update(h, ct, (size_t)n) &&
	     EVP_MAC_final(h, got, &ml, 32) && ml == 32 && memcmp(got, mac, 32) == 0 &&
	     EVP_DecryptUpdate(c, pt, &pn, ct, n) && EVP_DecryptFinal_ex(c, pt + pn, &f) &&
	     pn + f == 32 && memcmp(pt, "the session state, 32 bytes long", 32) == 0;
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(m);
	EVP_CIPHER_CTX_free(c);
	return ok;
}

static void test_ticket(void)
{
	struct crypto_ticket_key k1, k2, zero;
	uint8_t iv[16] = {0}, ct[64], mac[32];
	int n = 0;

	memset(&zero, 0, sizeof(zero));
	CHECK(crypto_ticket_key_new(&k1) == 0 && crypto_ticket_key_new(&k2) == 0 &&
		      memcmp(&k1, &k2, sizeof(k1)) != 0 && memcmp(&k1, &zero, sizeof(k1)) != 0,
	      "fresh ticket keys differ");
	CHECK(ticket_seal(&k1, iv, ct, &n, mac) == 0 && n == 48, "sealed with a key");
	CHECK(memcmp(iv, zero.name, 16) != 0, "a random IV was chosen");
	CHECK(ticket_open(&k1, iv, ct, n, mac), "opened with the same key");
	CHECK(!ticket_open(&k2, iv, ct, n, mac), "another key fails the MAC");
	ct[0] ^= 1;
	CHECK(!ticket_open(&k1, iv, ct, n, mac), "an altered ticket fails the MAC");
	crypto_wipe(&k1, sizeof(k1));
	CHECK(memcmp(&k1, &zero, sizeof(k1)) == 0, "crypto_wipe zeroes");
}

int main(void)
{
	test_crc();
	test_digests();
	test_hmac();
	test_misc();
	test_ticket();
	return tap_done();
}
