/* MOBILITY-TICKET sealing and opening (turn/ticket.h). */
#include "turn/ticket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/codec.h"
#include "base/crypto.h"

#define TURN_TICKET_MAC 8
#define TURN_TICKET_RAW (CRYPTO_AES_BLOCK_LEN + TURN_TICKET_MAC)

struct turn_ticket_key {
	uint8_t aes[CRYPTO_AES256_KEY_LEN];
	uint8_t mac[CRYPTO_SHA256_LEN];
};

int turn_ticket_key_new(struct turn_ticket_key **out)
{
	struct turn_ticket_key *k = malloc(sizeof(*k));

	if (k == NULL)
		return -ENOMEM;
	if (crypto_random(k, sizeof(*k)) < 0) {
		free(k);
		return -EIO;
	}
	*out = k;
	return 0;
}

void turn_ticket_key_free(struct turn_ticket_key *k)
{
	if (k == NULL)
		return;
	crypto_wipe(k, sizeof(*k));
	free(k);
}

uint32_t turn_ticket_ident_tag(const uint8_t *ident)
{
	return bytes_get32(ident);
}

static int turn_ticket_mac(const struct turn_ticket_key *k, const uint8_t *ct,
			   uint8_t out[CRYPTO_SHA256_LEN])
{
	struct crypto_part part = {ct, CRYPTO_AES_BLOCK_LEN};

	return crypto_hmac_sha256(k->mac, sizeof(k->mac), &part, 1, out);
}

int turn_ticket_seal(const struct turn_ticket_key *k, const struct turn_ticket *t,
		     char out[TURN_TICKET_LEN])
{
	uint8_t pt[CRYPTO_AES_BLOCK_LEN], raw[TURN_TICKET_RAW], mac[CRYPTO_SHA256_LEN];
	char text[CODEC_B64_LEN(TURN_TICKET_RAW) + 1];

	bytes_put16(pt, t->worker);
	bytes_put32(pt + 2, t->id);
	bytes_put16(pt + 6, t->gen);
	bytes_put32(pt + 8, t->expire_s);
	bytes_put32(pt + 12, t->ident_tag);
	if (crypto_aes256_block(k->aes, true, pt, raw) < 0 || turn_ticket_mac(k, raw, mac) < 0)
		return -EIO;
	memcpy(raw + CRYPTO_AES_BLOCK_LEN, mac, TURN_TICKET_MAC);
	codec_b64(CODEC_B64_URL, raw, sizeof(raw), text);
	memcpy(out, text, TURN_TICKET_LEN);
	return 0;
}

int turn_ticket_open(const struct turn_ticket_key *k, const uint8_t *in, size_t len,
		     struct turn_ticket *t)
{
	uint8_t raw[TURN_TICKET_RAW], mac[CRYPTO_SHA256_LEN], pt[CRYPTO_AES_BLOCK_LEN];

	if (len != TURN_TICKET_LEN || codec_unb64(CODEC_B64_URL, in, len, raw) < 0)
		return -EBADMSG;
	if (turn_ticket_mac(k, raw, mac) < 0)
		return -EIO;
	if (!crypto_equal(mac, raw + CRYPTO_AES_BLOCK_LEN, TURN_TICKET_MAC))
		return -EBADMSG;
	if (crypto_aes256_block(k->aes, false, raw, pt) < 0)
		return -EIO;
	t->worker = bytes_get16(pt);
	t->id = bytes_get32(pt + 2);
	t->gen = bytes_get16(pt + 6);
	t->expire_s = bytes_get32(pt + 8);
	t->ident_tag = bytes_get32(pt + 12);
	return 0;
}
