/* The record keys a finished TLS handshake leaves (net/tls_rec.h), taken out of OpenSSL so
 * that the SSL object can be freed: for TLS 1.3 the application traffic secrets, which
 * OpenSSL hands out only through its key log callback (SSL_CTX_set_keylog_callback), kept
 * with the SSL until the handshake ends; for TLS 1.2 the session's master secret and the
 * randoms. Any thread (each SSL on one). */
#ifndef TERN_NET_TLS_KEYS_H
#define TERN_NET_TLS_KEYS_H

#include <openssl/ssl.h>

#include "net/tls_rec.h"

/* Makes the TLS (not DTLS) server context ctx keep each handshake's traffic secrets with
 * its SSL. 0 or -ENOMEM. */
int tls_keys_watch(SSL_CTX *ctx);

/* The keys of ssl, whose handshake just finished and which has read no record after it
 * and written none but its session tickets: 0; -ENOTSUP when the cipher is not an AEAD
 * tls_rec knows (the connection keeps its SSL); -EIO. Wipes the secrets kept with ssl. */
int tls_keys_take(SSL *ssl, struct tls_rec_keys *k);

#endif
