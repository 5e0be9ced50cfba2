/* The server's TLS and DTLS contexts (RFC 8656 §3.1, RFC 7443): one immutable, reference
 * counted set of OpenSSL SSL_CTX objects built from the configuration on the main thread
 * and shared by every worker. A reload builds a new set and swaps it into each worker
 * through its notify queue (DESIGN.md §7); connections keep the set they were accepted
 * with (a reference) until they close, so a reload never touches a live session, and a set
 * that fails to build leaves the old one in place.
 *
 * What every context of a set does:
 *   - TLS 1.2 and 1.3 only (no_tlsv1_2: 1.3 only); DTLS 1.2 for the DTLS context;
 *     compression, renegotiation and SSLv2/3, TLS 1.0/1.1 off;
 *   - the default certificate (cert/pkey) for clients without SNI or with a name no
 *     tls-certs entry matches; a tls-certs entry chosen by SNI (exact or "*." wildcard,
 *     net/tls_sni.h) otherwise;
 *   - ALPN "stun.turn" and "stun.nat-discovery" selected when offered (RFC 7443 §4), a
 *     handshake without ALPN accepted, other protocols alone ignored (no ALPN in the
 *     ServerHello, never a failed handshake);
 *   - session tickets with keys from one struct tls_tickets shared by every set (so a
 *     reload and every worker accept the same tickets), rotated by it;
 *   - cipher_list / ec_curve / dh_file applied when given (OpenSSL's defaults otherwise).
 * Each certificate is logged once at load: subject, SANs, notAfter; a warning when notAfter
 * is within TLS_CTX_EXPIRY_WARN_DAYS days or past. */
#ifndef TERN_NET_TLS_CTX_H
#define TERN_NET_TLS_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define TLS_CTX_EXPIRY_WARN_DAYS 14
#define TLS_CTX_MAX_CERTS	 64
#define TLS_CTX_ERR_MAX		 256

/* One tls-certs entry. */
struct tls_cert_spec {
	const char *sni; /* host name, or "*.example.org" */
	const char *cert;
	const char *pkey;
};

/* What a set is built from (strings borrowed for the call only). */
struct tls_ctx_opts {
	const char *cert; /* default certificate chain file (PEM); required */
	const char *pkey; /* its key (PEM); NULL: the key is in the cert file */
	const char *pkey_pwd;
	const struct tls_cert_spec *certs; /* chosen by SNI; same pkey_pwd */
	size_t ncerts;
	const char *cipher_list; /* TLS 1.2 cipher list (OpenSSL syntax); NULL: default */
	const char *ec_curve;	 /* groups, e.g. "X25519:prime256v1"; NULL: default */
	const char *dh_file;	 /* DH parameters (PEM) for DHE suites; NULL: none */
	bool no_tlsv1_2;	 /* TLS 1.3 only */
	bool dtls;		 /* also build the DTLS 1.2 context */
};

/* Session ticket keys shared by every set and worker: a current key that encrypts new
 * tickets and the previous one that still decrypts them (the ticket is then renewed),
 * rotated every rotate_s seconds, checked when a ticket is made or opened (RFC 5077 §4,
 * RFC 8446 §4.6.1). Every context's session lifetime (the ticket lifetime hint) is rotate_s,
 * so a ticket opens for all of its lifetime and never after two periods. Thread-safe. */
struct tls_tickets;

/* rotate_s: seconds between rotations (0: TLS_TICKETS_DEFAULT_ROTATE_S; at most 7 days, the
 * longest ticket lifetime RFC 8446 §4.6.1 allows). 0, -EINVAL, -ENOMEM or -EIO. */
#define TLS_TICKETS_DEFAULT_ROTATE_S 3600
int tls_tickets_new(unsigned rotate_s, struct tls_tickets **out);
void tls_tickets_free(struct tls_tickets *t);
/* Rotates now: a new current key; the current one becomes the previous one (tickets it
 * made still open and are renewed), the one before is dropped (its tickets no longer
 * open: a full handshake). Returns 0 or -EIO. Any thread. */
int tls_tickets_rotate(struct tls_tickets *t);

struct tls_ctxset;

/* Builds a set (main thread). On failure returns -errno and writes one line naming the
 * file and OpenSSL's reason into err (TLS_CTX_ERR_MAX bytes); nothing is logged then (the
 * caller logs: at start the error stops ternd, at reload the old set stays). tickets is
 * borrowed and must outlive every set. */
int tls_ctxset_new(const struct tls_ctx_opts *o, struct tls_tickets *tickets,
		   struct tls_ctxset **out, char *err);
/* Reference counting (atomic; any thread). The set is freed by the last unref. */
struct tls_ctxset *tls_ctxset_ref(struct tls_ctxset *s);
void tls_ctxset_unref(struct tls_ctxset *s);

/* A new server-side SSL for one TLS connection (SSL_set_accept_state done) / for one DTLS
 * session, from the set's default context (SNI may switch it during the handshake). NULL
 * when out of memory or when the set has no DTLS context. The SSL does not reference the
 * set: the caller holds a set reference as long as the SSL lives. */
SSL *tls_ctxset_ssl(struct tls_ctxset *s);
SSL *tls_ctxset_dtls_ssl(struct tls_ctxset *s);
/* The default DTLS context (borrowed; lives as long as the set; NULL without dtls). The set
 * never turns on SSL_OP_COOKIE_EXCHANGE: DTLS code that wants libssl's cookie exchange sets
 * the option on its SSL and SSL_CTX_set_cookie_generate_cb / _verify_cb here, before the set
 * is shared with the workers. This context is the one libssl consults for cookies: the
 * cookie is checked before SNI may switch the SSL to another certificate's context. */
SSL_CTX *tls_ctxset_dtls_ctx(struct tls_ctxset *s);

/* For the handshake-failure line (net/tls_hsfail.h), recorded from the ClientHello before
 * libssl decides anything (so also after a handshake that failed): the SNI the client sent
 * (NULL if none; owned by ssl, valid until it is freed; bytes outside printable ASCII, '"'
 * and '\\' replaced by '?'), and the highest version it offered (0x0304 for TLS 1.3, from
 * supported_versions; else the ClientHello's legacy version, 0xFEFD for DTLS 1.2; 0 when
 * no ClientHello was read). Thread of the SSL. */
const char *tls_ssl_sni(const SSL *ssl);
int tls_ssl_offered_version(const SSL *ssl);
/* The reason of the last failure on this thread's OpenSSL error queue (a fatal alert the
 * peer sent is one: "SSL routines:tlsv1 alert unknown ca") as "library:reason" text into
 * buf: the queue's oldest entry, the cause; "unknown" when the queue is empty. Clears the
 * queue. Returns buf. Any thread. */
const char *tls_ssl_error(char *buf, size_t len);

#endif
