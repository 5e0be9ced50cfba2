/* Session ticket keys shared by every context set and worker: the current key and the
 * previous one, rotated lazily when a ticket is made or opened, and the libssl callback
 * that encrypts and decrypts tickets with them (RFC 5077 §4, RFC 8446 §4.6.1). */
#include "net/tls_tickets.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"

/* The current key encrypts new tickets; the previous one still opens tickets (which are
 * then renewed). A ticket therefore stays valid between one and two rotation periods. */
#define TLS_TICKETS_KEYS 2

/* RFC 8446 §4.6.1: a ticket lifetime is at most seven days. */
#define TLS_TICKETS_MAX_ROTATE_S (7 * 24 * 3600)

struct tls_tickets {
	pthread_mutex_t lock;
	unsigned rotate_s;
	uint64_t rotated_ms; /* monotonic time of the last rotation */
	unsigned nkeys;	     /* keys in ring, newest first */
	struct crypto_ticket_key ring[TLS_TICKETS_KEYS];
};

static pthread_once_t tls_tickets_once = PTHREAD_ONCE_INIT;
static int tls_tickets_idx = -1;

static void tls_tickets_init_once(void)
{
	tls_tickets_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static uint64_t tls_tickets_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Puts a fresh key in front of the ring, dropping the oldest when it is full (lock held). */
static int tls_tickets_push(struct tls_tickets *t)
{
	struct crypto_ticket_key k;

	if (crypto_ticket_key_new(&k) != 0)
		return -EIO;
	memmove(&t->ring[1], &t->ring[0], sizeof(t->ring[0]) * (TLS_TICKETS_KEYS - 1));
	t->ring[0] = k;
	crypto_wipe(&k, sizeof(k));
	if (t->nkeys < TLS_TICKETS_KEYS)
		t->nkeys++;
	return 0;
}

/* Rotates once per period elapsed since the last rotation (lock held). When the random
 * generator fails the keys stay as they are and the next use tries again. */
static void tls_tickets_age(struct tls_tickets *t, uint64_t now_ms)
{
	uint64_t period_ms = (uint64_t)t->rotate_s * 1000, steps, i;

	if (now_ms - t->rotated_ms < period_ms)
		return;
	steps = (now_ms - t->rotated_ms) / period_ms;
	for (i = 0; i < steps && i < TLS_TICKETS_KEYS; i++) {
		if (tls_tickets_push(t) != 0)
			return;
	}
	t->rotated_ms += steps * period_ms;
}

int tls_tickets_new(unsigned rotate_s, struct tls_tickets **out)
{
	struct tls_tickets *t;

	if (rotate_s == 0)
		rotate_s = TLS_TICKETS_DEFAULT_ROTATE_S;
	if (rotate_s > TLS_TICKETS_MAX_ROTATE_S)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->rotate_s = rotate_s;
	t->rotated_ms = tls_tickets_now_ms();
	if (tls_tickets_push(t) != 0) {
		free(t);
		return -EIO;
	}
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void tls_tickets_free(struct tls_tickets *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	crypto_wipe(t->ring, sizeof(t->ring));
	free(t);
}

int tls_tickets_rotate(struct tls_tickets *t)
{
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = tls_tickets_push(t);
	if (rc == 0)
		t->rotated_ms = tls_tickets_now_ms();
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Copies the key that encrypts (enc) or the key named name into k under the lock; returns
 * its position in the ring (0: current) or -1 when there is none. */
static int tls_tickets_pick(struct tls_tickets *t, bool enc, const uint8_t *name,
			    struct crypto_ticket_key *k)
{
	int found = -1;
	unsigned i;

	pthread_mutex_lock(&t->lock);
	tls_tickets_age(t, tls_tickets_now_ms());
	for (i = 0; i < t->nkeys && found < 0; i++) {
		if (enc || memcmp(t->ring[i].name, name, CRYPTO_TICKET_NAME_LEN) == 0)
			found = (int)i;
	}
	if (found >= 0)
		*k = t->ring[found];
	pthread_mutex_unlock(&t->lock);
	return found;
}

/* SSL_CTX_set_tlsext_ticket_key_evp_cb: 1 ticket made or opened with the current key, 2
 * opened with the previous key (libssl issues a new ticket), 0 unknown key name (a full
 * handshake), -1 failure. */
static int tls_tickets_on_key(SSL *ssl, unsigned char *name, unsigned char *iv,
			      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct tls_tickets *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_tickets_idx);
	struct crypto_ticket_key k;
	int pos, rc;

	if (t == NULL)
		return -1;
	pos = tls_tickets_pick(t, enc != 0, name, &k);
	if (pos < 0)
		return enc ? -1 : 0;
	if (enc)
		memcpy(name, k.name, CRYPTO_TICKET_NAME_LEN);
	rc = crypto_ticket_init(&k, enc != 0, iv, cctx, hctx);
	crypto_wipe(&k, sizeof(k));
	if (rc != 0)
		return -1;
	return enc || pos == 0 ? 1 : 2;
}

int tls_tickets_attach(struct tls_tickets *t, SSL_CTX *ctx)
{
	pthread_once(&tls_tickets_once, tls_tickets_init_once);
	if (tls_tickets_idx < 0 || SSL_CTX_set_ex_data(ctx, tls_tickets_idx, t) != 1 ||
	    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_tickets_on_key) != 1)
		return -ENOMEM;
	SSL_CTX_set_timeout(ctx, (long)t->rotate_s);
	return 0;
}
