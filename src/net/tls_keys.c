/* The record keys of a finished TLS handshake (net/tls_keys.h). */
#include "net/tls_keys.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "base/codec.h"
#include "base/crypto.h"

/* The TLS 1.3 application traffic secrets of one handshake, as the key log gave them. */
struct tls_keylog {
	uint8_t client[CRYPTO_KDF_MAX], server[CRYPTO_KDF_MAX];
	size_t client_len, server_len;
	uint64_t tickets; /* NewSessionTicket messages written */
};

static pthread_once_t tls_keys_once = PTHREAD_ONCE_INIT;
static int tls_keys_idx = -1;

static void tls_keys_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			     void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (ptr) {
		crypto_wipe(ptr, sizeof(struct tls_keylog));
		free(ptr);
	}
}

static void tls_keys_init(void)
{
	tls_keys_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, tls_keys_free_cb);
}

/* Decodes the hex string s (up to the end) into out; its length, or 0 when malformed. */
static size_t tls_keys_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t len = strlen(s);

	if (len % 2 || len / 2 > cap || codec_unhex(s, len, out, len / 2) < 0)
		return 0;
	return len / 2;
}

/* The ex_data of ssl, made on first use; NULL when out of memory. */
static struct tls_keylog *tls_keys_get(const SSL *ssl)
{
	struct tls_keylog *kl = SSL_get_ex_data(ssl, tls_keys_idx);

	if (kl == NULL) {
		kl = calloc(1, sizeof(*kl));
		if (kl == NULL || SSL_set_ex_data((SSL *)ssl, tls_keys_idx, kl) != 1) {
			free(kl);
			return NULL; /* tls_keys_take finds no secrets: the SSL stays */
		}
	}
	return kl;
}

/* The message callback: counts the session tickets written, each its own record under the
 * server's application keys (RFC 8446 §4.6.1). */
static void tls_keys_msg(int write_p, int version, int content_type, const void *buf, size_t len,
			 SSL *ssl, void *arg)
{
	struct tls_keylog *kl;

	(void)version, (void)arg;
	if (!write_p || content_type != SSL3_RT_HANDSHAKE || len == 0 ||
	    *(const uint8_t *)buf != SSL3_MT_NEWSESSION_TICKET)
		return;
	kl = tls_keys_get(ssl);
	if (kl)
		kl->tickets++;
}

/* The key log callback: "<LABEL> <client random> <secret>" (NSS key log format). Only the
 * two application traffic secrets are kept. */
static void tls_keys_log(const SSL *ssl, const char *line)
{
	static const char cl[] = "CLIENT_TRAFFIC_SECRET_0 ", sl[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct tls_keylog *kl;
	const char *secret;
	bool client = strncmp(line, cl, sizeof(cl) - 1) == 0;

	if (!client && strncmp(line, sl, sizeof(sl) - 1) != 0)
		return;
	secret = strchr(line + sizeof(cl) - 1, ' ');
	if (secret == NULL)
		return;
	kl = tls_keys_get(ssl);
	if (kl == NULL)
		return;
	if (client)
		kl->client_len = tls_keys_unhex(secret + 1, kl->client, sizeof(kl->client));
	else
		kl->server_len = tls_keys_unhex(secret + 1, kl->server, sizeof(kl->server));
}

int tls_keys_watch(SSL_CTX *ctx)
{
	pthread_once(&tls_keys_once, tls_keys_init);
	if (tls_keys_idx < 0)
		return -ENOMEM;
	SSL_CTX_set_keylog_callback(ctx, tls_keys_log);
	SSL_CTX_set_msg_callback(ctx, tls_keys_msg);
	return 0;
}

/* The AEAD and hash of ssl's cipher suite: 0 or -ENOTSUP. */
static int tls_keys_suite(SSL *ssl, struct tls_rec_keys *k)
{
	const SSL_CIPHER *cs = SSL_get_current_cipher(ssl);
	const EVP_MD *md = cs ? SSL_CIPHER_get_handshake_digest(cs) : NULL;

	if (cs == NULL || md == NULL)
		return -ENOTSUP;
	switch (SSL_CIPHER_get_cipher_nid(cs)) {
	case NID_aes_128_gcm:
		k->alg = CRYPTO_AES128GCM;
		break;
	case NID_aes_256_gcm:
		k->alg = CRYPTO_AES256GCM;
		break;
	case NID_chacha20_poly1305:
		k->alg = CRYPTO_CHACHA20POLY1305;
		break;
	default:
		return -ENOTSUP;
	}
	switch (EVP_MD_get_type(md)) {
	case NID_sha256:
		k->md = CRYPTO_KDF_SHA256;
		return 0;
	case NID_sha384:
		k->md = CRYPTO_KDF_SHA384;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* TLS 1.3: the secrets from the key log. The server's first application records were the
 * session tickets it wrote (RFC 8446 §4.6.1: none when a resumption renews nothing), one
 * record each; the client's Finished was its last
 * handshake-key record (§4.4.4), so its application records start at 0. */
static int tls_keys_take13(SSL *ssl, struct tls_rec_keys *k)
{
	struct tls_keylog *kl = SSL_get_ex_data(ssl, tls_keys_idx);
	size_t len = crypto_kdf_md_len(k->md);

	if (kl == NULL || kl->client_len != len || kl->server_len != len)
		return -EIO;
	memcpy(k->client_secret, kl->client, len);
	memcpy(k->server_secret, kl->server, len);
	k->rseq = 0;
	k->wseq = kl->tickets;
	return 0;
}

/* TLS 1.2: the master secret and randoms. Each side's Finished was the first record under
 * the new keys (RFC 5246 §7.4.9), so application records start at 1 both ways. */
static int tls_keys_take12(SSL *ssl, struct tls_rec_keys *k)
{
	SSL_SESSION *sess = SSL_get_session(ssl);

	if (sess == NULL ||
	    SSL_SESSION_get_master_key(sess, k->master, sizeof(k->master)) != sizeof(k->master) ||
	    SSL_get_client_random(ssl, k->client_random, 32) != 32 ||
	    SSL_get_server_random(ssl, k->server_random, 32) != 32)
		return -EIO;
	k->rseq = 1;
	k->wseq = 1;
	return 0;
}

int tls_keys_take(SSL *ssl, struct tls_rec_keys *k)
{
	struct tls_keylog *kl;
	int rc;

	pthread_once(&tls_keys_once, tls_keys_init);
	memset(k, 0, sizeof(*k));
	rc = tls_keys_suite(ssl, k);
	if (rc == 0) {
		switch (SSL_version(ssl)) {
		case TLS1_3_VERSION:
			k->version = TLS_REC_VERSION_13;
			rc = tls_keys_take13(ssl, k);
			break;
		case TLS1_2_VERSION:
			k->version = TLS_REC_VERSION_12;
			rc = tls_keys_take12(ssl, k);
			break;
		default:
			rc = -ENOTSUP;
		}
	}
	kl = SSL_get_ex_data(ssl, tls_keys_idx);
	if (kl)
		crypto_wipe(kl, sizeof(*kl));
	if (rc < 0)
		crypto_wipe(k, sizeof(*k));
	return rc;
}
