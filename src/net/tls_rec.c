/* TLS application-data records without the SSL object (net/tls_rec.h). */
#include "net/tls_rec.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "base/crypto.h"

/* TLS 1.3: the AEAD's key and nonce of a traffic secret (RFC 8446 §7.3). */
static int tls_rec_keys13(const struct tls_rec *r, struct tls_rec_dir *d)
{
	size_t slen = crypto_kdf_md_len(r->md);

	if (crypto_hkdf_expand_label(r->md, d->secret, slen, "key", d->key,
				     crypto_aead_key_len(r->alg)) < 0 ||
	    crypto_hkdf_expand_label(r->md, d->secret, slen, "iv", d->iv, CRYPTO_AEAD_NONCE_LEN) <
		    0)
		return -EIO;
	return 0;
}

/* TLS 1.2: the key block of an AEAD suite (RFC 5246 §6.3: no MAC keys; the write IV is
 * 4 bytes of salt for AES-GCM, RFC 5288 §3, and 12 for ChaCha20-Poly1305, RFC 7905 §2). */
static int tls_rec_keys12(struct tls_rec *r, const struct tls_rec_keys *k)
{
	size_t klen = crypto_aead_key_len(r->alg);
	size_t ivlen = r->alg == CRYPTO_CHACHA20POLY1305 ? CRYPTO_AEAD_NONCE_LEN : 4;
	uint8_t seed[64], block[2 * (CRYPTO_AEAD_KEY_MAX + CRYPTO_AEAD_NONCE_LEN)];
	int rc;

	memcpy(seed, k->server_random, 32);
	memcpy(seed + 32, k->client_random, 32);
	rc = crypto_tls12_prf(r->md, k->master, sizeof(k->master), "key expansion", seed,
			      sizeof(seed), block, 2 * (klen + ivlen));
	if (rc == 0) {
		memcpy(r->rd.key, block, klen); /* client_write_key: what we read */
		memcpy(r->wr.key, block + klen, klen);
		memcpy(r->rd.iv, block + 2 * klen, ivlen);
		memcpy(r->wr.iv, block + 2 * klen + ivlen, ivlen);
	}
	crypto_wipe(block, sizeof(block));
	return rc;
}

int tls_rec_init(struct tls_rec *r, const struct tls_rec_keys *k)
{
	size_t slen = crypto_kdf_md_len(k->md);

	if ((unsigned)k->alg >= CRYPTO_AEAD_NALG ||
	    (k->version != TLS_REC_VERSION_12 && k->version != TLS_REC_VERSION_13))
		return -EIO;
	memset(r, 0, sizeof(*r));
	r->version = k->version;
	r->alg = (uint8_t)k->alg;
	r->md = (uint8_t)k->md;
	r->rd.seq = k->rseq;
	r->wr.seq = k->wseq;
	if (r->version == TLS_REC_VERSION_12) {
		if (tls_rec_keys12(r, k) == 0)
			return 0;
	} else {
		memcpy(r->rd.secret, k->client_secret, slen);
		memcpy(r->wr.secret, k->server_secret, slen);
		if (tls_rec_keys13(r, &r->rd) == 0 && tls_rec_keys13(r, &r->wr) == 0)
			return 0;
	}
	tls_rec_wipe(r);
	return -EIO;
}

void tls_rec_wipe(struct tls_rec *r)
{
	crypto_wipe(r, sizeof(*r));
}

static bool tls_rec_explicit(const struct tls_rec *r)
{
	return r->version == TLS_REC_VERSION_12 && r->alg != CRYPTO_CHACHA20POLY1305;
}

size_t tls_rec_overhead(const struct tls_rec *r)
{
	if (r->version == TLS_REC_VERSION_13)
		return TLS_REC_HDR_LEN + 1 + CRYPTO_AEAD_TAG_LEN;
	return TLS_REC_HDR_LEN + (tls_rec_explicit(r) ? 8 : 0) + CRYPTO_AEAD_TAG_LEN;
}

int tls_rec_length(const struct tls_rec *r, const uint8_t hdr[TLS_REC_HDR_LEN], size_t *len)
{
	size_t body = bytes_get16(hdr + 3);
	size_t max = r->version == TLS_REC_VERSION_13 ? TLS_REC_PLAIN_MAX + 256
						      : TLS_REC_PLAIN_MAX + 2048;

	/* RFC 8446 §5.2: after the handshake every record is protected and its outer type is
	 * application_data; RFC 5246 §6.2: TLS 1.2 keeps the real type, and a
	 * change_cipher_spec now would start a renegotiation, which Tern does not do. */
	if (r->version == TLS_REC_VERSION_13
		    ? hdr[0] != TLS_REC_APPLICATION_DATA
		    : hdr[0] < TLS_REC_ALERT || hdr[0] > TLS_REC_APPLICATION_DATA)
		return -EBADMSG;
	if (bytes_get16(hdr + 1) != TLS_REC_VERSION_12 || body > max ||
	    body < (tls_rec_overhead(r) - TLS_REC_HDR_LEN))
		return -EBADMSG;
	*len = TLS_REC_HDR_LEN + body;
	return 0;
}

/* The per-record nonce: the IV with the sequence number XORed into its last 8 bytes
 * (RFC 8446 §5.3, RFC 7905 §2), or the salt followed by the explicit part (RFC 5288 §3,
 * which here is the sequence number too). */
static void tls_rec_nonce(const struct tls_rec *r, const struct tls_rec_dir *d,
			  uint8_t nonce[CRYPTO_AEAD_NONCE_LEN])
{
	uint8_t seq[8];

	bytes_put64(seq, d->seq);
	if (tls_rec_explicit(r)) {
		memcpy(nonce, d->iv, 4);
		memcpy(nonce + 4, seq, 8);
		return;
	}
	memcpy(nonce, d->iv, CRYPTO_AEAD_NONCE_LEN);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= seq[i];
}

/* TLS 1.2's additional data: seq_num + type + version + length (RFC 5246 §6.2.3.3). */
static void tls_rec_aad12(uint64_t seq, uint8_t type, size_t n, uint8_t aad[13])
{
	bytes_put64(aad, seq);
	aad[8] = type;
	bytes_put16(aad + 9, TLS_REC_VERSION_12);
	bytes_put16(aad + 11, (uint16_t)n);
}

int tls_rec_seal(struct tls_rec *r, struct crypto_aead *c, uint8_t type, const uint8_t *in,
		 size_t n, uint8_t *out)
{
	uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], aad[13];
	size_t total = n + tls_rec_overhead(r);
	uint8_t *body = out + TLS_REC_HDR_LEN;
	int rc;

	if (n > TLS_REC_PLAIN_MAX || r->wr.seq == UINT64_MAX)
		return -EIO;
	tls_rec_nonce(r, &r->wr, nonce);
	out[0] = r->version == TLS_REC_VERSION_13 ? TLS_REC_APPLICATION_DATA : type;
	bytes_put16(out + 1, TLS_REC_VERSION_12);
	bytes_put16(out + 3, (uint16_t)(total - TLS_REC_HDR_LEN));
	if (r->version == TLS_REC_VERSION_13) {
		/* TLSInnerPlaintext: content, then the real type, no padding (§5.2). */
		memcpy(body, in, n);
		body[n] = type;
		rc = crypto_aead_seal(c, r->alg, r->wr.key, nonce, out, TLS_REC_HDR_LEN, body,
				      n + 1, body);
	} else {
		tls_rec_aad12(r->wr.seq, type, n, aad);
		if (tls_rec_explicit(r)) {
			memcpy(body, nonce + 4, 8);
			body += 8;
		}
		rc = crypto_aead_seal(c, r->alg, r->wr.key, nonce, aad, sizeof(aad), in, n, body);
	}
	if (rc < 0)
		return -EIO;
	r->wr.seq++;
	return (int)total;
}

/* TLS 1.3: strips the zero padding and the inner type (RFC 8446 §5.4). */
static int tls_rec_inner(uint8_t *p, size_t *n, uint8_t *type)
{
	while (*n > 0 && p[*n - 1] == 0)
		(*n)--;
	if (*n == 0)
		return -EBADMSG; /* no non-zero type: unexpected_message */
	*type = p[--(*n)];
	return 0;
}

int tls_rec_open(struct tls_rec *r, struct crypto_aead *c, uint8_t *rec, size_t len, uint8_t *type,
		 size_t *off, size_t *plen)
{
	uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], aad[13];
	size_t total, skip = TLS_REC_HDR_LEN, n;
	int rc;

	if (len < TLS_REC_HDR_LEN || tls_rec_length(r, rec, &total) < 0 || total != len ||
	    r->rd.seq == UINT64_MAX)
		return -EBADMSG;
	tls_rec_nonce(r, &r->rd, nonce);
	if (r->version == TLS_REC_VERSION_13) {
		n = len - skip - CRYPTO_AEAD_TAG_LEN;
		rc = crypto_aead_open(c, r->alg, r->rd.key, nonce, rec, TLS_REC_HDR_LEN, rec + skip,
				      len - skip, rec + skip);
		if (rc == 0)
			rc = tls_rec_inner(rec + skip, &n, type);
		if (rc == 0 && n > TLS_REC_PLAIN_MAX)
			rc = -EBADMSG; /* record_overflow */
	} else {
		if (tls_rec_explicit(r)) {
			memcpy(nonce + 4, rec + skip, 8);
			skip += 8;
		}
		n = len - skip - CRYPTO_AEAD_TAG_LEN;
		*type = rec[0];
		tls_rec_aad12(r->rd.seq, rec[0], n, aad);
		rc = crypto_aead_open(c, r->alg, r->rd.key, nonce, aad, sizeof(aad), rec + skip,
				      len - skip, rec + skip);
		if (rc == 0 && n > TLS_REC_PLAIN_MAX)
			rc = -EBADMSG;
	}
	if (rc < 0)
		return rc;
	r->rd.seq++;
	*off = skip;
	*plen = n;
	return 0;
}

int tls_rec_key_update(struct tls_rec *r, bool write)
{
	struct tls_rec_dir *d = write ? &r->wr : &r->rd;
	size_t slen = crypto_kdf_md_len(r->md);
	uint8_t next[CRYPTO_KDF_MAX];

	if (r->version != TLS_REC_VERSION_13)
		return -EIO;
	/* application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "",
	 * Hash.length) (RFC 8446 §7.2). */
	if (crypto_hkdf_expand_label(r->md, d->secret, slen, "traffic upd", next, slen) < 0)
		return -EIO;
	memcpy(d->secret, next, slen);
	crypto_wipe(next, sizeof(next));
	d->seq = 0;
	return tls_rec_keys13(r, d);
}
