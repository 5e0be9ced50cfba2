/* The server's TLS/DTLS context set: one SSL_CTX per certificate (and per protocol), the
 * callbacks every context shares (ClientHello, SNI, ALPN) and the set's reference count.
 * Session tickets are net/tls_tickets.c; the certificate log lines net/tls_certlog.c. */
#include "config.h" /* first: _GNU_SOURCE for strerror_r(3) */
#include "net/tls_ctx.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "net/tls_certlog.h"
#include "net/tls_keys.h"
#include "net/tls_sni.h"
#include "net/tls_tickets.h"

/* One certificate: its TLS context and, with dtls, its DTLS context. */
struct tls_ctx_cert {
	char *sni; /* NULL for the default certificate */
	SSL_CTX *tls;
	SSL_CTX *dtls;
};

struct tls_ctxset {
	atomic_uint refs;
	size_t n; /* c[0] is the default certificate, c[1..n) the tls-certs entries */
	struct tls_ctx_cert c[];
};

/* What a set is being built from. */
struct tls_ctx_build {
	const struct tls_ctx_opts *o;
	struct tls_tickets *tickets;
	struct tls_ctxset *s;
	EVP_PKEY *dh; /* from o->dh_file, or NULL */
	char *err;
};

/* What the ClientHello said, kept on the SSL for the handshake-failure line. */
struct tls_ctx_hello {
	int version;
	char sni[]; /* "" when the client sent none */
};

/* RFC 7443 §4: the ALPN protocol IDs of STUN and TURN, in the server's order of preference. */
static const char *const tls_ctx_alpn[] = {"stun.turn", "stun.nat-discovery"};

static pthread_once_t tls_ctx_once = PTHREAD_ONCE_INIT;
static int tls_ctx_hello_idx = -1;

static void tls_ctx_hello_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			       void *argp)
{
	free(ptr);
}

static void tls_ctx_init_once(void)
{
	tls_ctx_hello_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, tls_ctx_hello_free);
}

/* Writes OpenSSL's reason for the oldest error on this thread's queue (the cause; later
 * entries say which call failed) as "library:reason" into buf, or "unknown" when the queue
 * is empty; clears the queue. Returns the error's errno equivalent: a system error's errno,
 * ENOMEM, or EINVAL for anything else. */
static int tls_ctx_reason(char *buf, size_t len)
{
	unsigned long e, first = 0;
	const char *lib, *reason;
	int rc = EINVAL;

	while ((e = ERR_get_error()) != 0) {
		if (first == 0)
			first = e;
		if (ERR_SYSTEM_ERROR(e)) {
			if (rc == EINVAL && ERR_GET_REASON(e) > 0)
				rc = ERR_GET_REASON(e);
		} else if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE) {
			rc = ENOMEM;
		}
	}
	if (first == 0) {
		snprintf(buf, len, "unknown");
		return rc;
	}
	lib = ERR_lib_error_string(first);
	reason = ERR_reason_error_string(first);
	if (ERR_SYSTEM_ERROR(first)) {
		char sb[128];

		/* GNU strerror_r: thread-safe, returns the text ("No such file or directory"). */
		reason = strerror_r(ERR_GET_REASON(first), sb, sizeof(sb));
		snprintf(buf, len, "%s:%s", lib ? lib : "system library", reason);
	} else if (reason != NULL)
		snprintf(buf, len, "%s:%s", lib ? lib : "unknown library", reason);
	else
		snprintf(buf, len, "%s:reason %d", lib ? lib : "unknown library",
			 ERR_GET_REASON(first));
	return rc;
}

const char *tls_ssl_error(char *buf, size_t len)
{
	if (len > 0)
		tls_ctx_reason(buf, len);
	return buf;
}

/* Writes "what PATH: reason" into the build's err; returns the -errno. */
static int tls_ctx_fail(struct tls_ctx_build *b, const char *what, const char *path)
{
	char reason[160];
	int rc = tls_ctx_reason(reason, sizeof(reason));

	if (path != NULL)
		snprintf(b->err, TLS_CTX_ERR_MAX, "%s %s: %s", what, path, reason);
	else
		snprintf(b->err, TLS_CTX_ERR_MAX, "%s: %s", what, reason);
	return -rc;
}

/* RFC 8446 §4.2.1: the highest version in supported_versions, skipping GREASE values
 * (RFC 8701: 0x?A?A); dflt when the list holds none. */
static int tls_ctx_hello_versions(const unsigned char *p, size_t len, int dflt)
{
	int best = 0, v;
	size_t i;

	if (len < 1 || p[0] != len - 1 || (p[0] & 1) != 0)
		return dflt;
	for (i = 1; i + 1 < len; i += 2) {
		v = (p[i] << 8) | p[i + 1];
		if ((v & 0x0F0F) == 0x0A0A && p[i] == p[i + 1])
			continue;
		if (v > best)
			best = v;
	}
	return best ? best : dflt;
}

/* RFC 6066 §3: the first host_name of the server_name extension into name (bytes outside
 * printable ASCII, quotes and backslashes replaced by '?', since it lands in log lines). */
static void tls_ctx_hello_sni(const unsigned char *p, size_t len, char *name, size_t size)
{
	size_t list, i, n;

	if (len < 2)
		return;
	list = ((size_t)p[0] << 8) | p[1];
	if (list + 2 > len)
		return;
	for (i = 2; i + 3 <= list + 2;) {
		n = ((size_t)p[i + 1] << 8) | p[i + 2];
		if (i + 3 + n > list + 2)
			return;
		if (p[i] == TLSEXT_NAMETYPE_host_name && n > 0 && n < size) {
			for (size_t j = 0; j < n; j++) {
				unsigned char c = p[i + 3 + j];
				name[j] = c > 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '?';
			}
			name[n] = '\0';
			return;
		}
		i += 3 + n;
	}
}

/* SSL_CTX_set_client_hello_cb: records the offered version and SNI before libssl decides
 * anything, so that a handshake refused later can still be described. Runs again on a
 * second ClientHello (HelloRetryRequest, DTLS cookie) and keeps the latest. */
static int tls_ctx_on_hello(SSL *ssl, int *alert, void *arg)
{
	const unsigned char *p;
	struct tls_ctx_hello *h, *old;
	char sni[256] = "";
	size_t len;
	int version = (int)SSL_client_hello_get0_legacy_version(ssl);

	if (!SSL_is_dtls(ssl) &&
	    SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &p, &len) == 1)
		version = tls_ctx_hello_versions(p, len, version);
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) == 1)
		tls_ctx_hello_sni(p, len, sni, sizeof(sni));
	h = malloc(sizeof(*h) + strlen(sni) + 1);
	if (h == NULL)
		return SSL_CLIENT_HELLO_SUCCESS; /* only the failure line loses its fields */
	h->version = version;
	memcpy(h->sni, sni, strlen(sni) + 1);
	old = SSL_get_ex_data(ssl, tls_ctx_hello_idx);
	if (SSL_set_ex_data(ssl, tls_ctx_hello_idx, h) != 1) {
		free(h);
		return SSL_CLIENT_HELLO_SUCCESS;
	}
	free(old);
	return SSL_CLIENT_HELLO_SUCCESS;
}

const char *tls_ssl_sni(const SSL *ssl)
{
	const struct tls_ctx_hello *h = SSL_get_ex_data(ssl, tls_ctx_hello_idx);

	return h != NULL && h->sni[0] != '\0' ? h->sni : NULL;
}

int tls_ssl_offered_version(const SSL *ssl)
{
	const struct tls_ctx_hello *h = SSL_get_ex_data(ssl, tls_ctx_hello_idx);

	return h != NULL ? h->version : 0;
}

/* The tls-certs entry for host: an exact name first, then a wildcard; NULL for none. */
static const struct tls_ctx_cert *tls_ctx_by_sni(const struct tls_ctxset *s, const char *host)
{
	size_t i;

	for (i = 1; i < s->n; i++) {
		if (s->c[i].sni[0] != '*' && tls_sni_is_match(s->c[i].sni, host))
			return &s->c[i];
	}
	for (i = 1; i < s->n; i++) {
		if (s->c[i].sni[0] == '*' && tls_sni_is_match(s->c[i].sni, host))
			return &s->c[i];
	}
	return NULL;
}

/* SSL_CTX_set_tlsext_servername_callback on the default contexts: switches the SSL to the
 * certificate the SNI names (RFC 6066 §3); no SNI or no match keeps the default. */
static int tls_ctx_on_servername(SSL *ssl, int *alert, void *arg)
{
	const struct tls_ctxset *s = arg;
	const char *host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	const struct tls_ctx_cert *c;
	SSL_CTX *ctx;

	if (host == NULL || (c = tls_ctx_by_sni(s, host)) == NULL)
		return SSL_TLSEXT_ERR_OK;
	ctx = SSL_is_dtls(ssl) ? c->dtls : c->tls;
	if (ctx != NULL && SSL_set_SSL_CTX(ssl, ctx) == NULL) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	return SSL_TLSEXT_ERR_OK;
}

/* SSL_CTX_set_alpn_select_cb (RFC 7443 §4, RFC 7301 §3.2): selects stun.turn or
 * stun.nat-discovery when the client offers one; otherwise no ALPN in the ServerHello
 * rather than the no_application_protocol alert, since ALPN is optional for STUN. */
static int tls_ctx_on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
			   const unsigned char *in, unsigned int inlen, void *arg)
{
	const unsigned char *p;
	size_t i, n;

	for (i = 0; i < sizeof(tls_ctx_alpn) / sizeof(tls_ctx_alpn[0]); i++) {
		n = strlen(tls_ctx_alpn[i]);
		for (p = in; p < in + inlen && p + 1 + p[0] <= in + inlen; p += 1 + p[0]) {
			if (p[0] == n && memcmp(p + 1, tls_ctx_alpn[i], n) == 0) {
				*out = p + 1;
				*outlen = p[0];
				return SSL_TLSEXT_ERR_OK;
			}
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/* What the passphrase callback works with while a key loads. */
struct tls_ctx_pwd {
	const char *pwd; /* pkey-pwd, or NULL */
	bool asked;	 /* the key file is encrypted */
};

/* The passphrase callback for encrypted keys: pkey-pwd, or a failure (never a prompt on
 * the terminal) when none is configured. */
static int tls_ctx_on_passwd(char *buf, int size, int rwflag, void *u)
{
	struct tls_ctx_pwd *p = u;
	size_t len;

	if (p == NULL)
		return -1;
	p->asked = true;
	if (p->pwd == NULL || size <= 0 || (len = strlen(p->pwd)) > (size_t)size)
		return -1;
	memcpy(buf, p->pwd, len);
	return (int)len;
}

/* Settings every context of the set shares: versions, options, callbacks, ciphers,
 * groups, DH parameters, tickets. */
static int tls_ctx_setup(struct tls_ctx_build *b, SSL_CTX *ctx, bool dtls)
{
	const struct tls_ctx_opts *o = b->o;
	int min = dtls ? DTLS1_2_VERSION : o->no_tlsv1_2 ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
	    (dtls && SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1))
		return tls_ctx_fail(b, "protocol version", NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Small connections while they handshake (buffers freed between records). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* Tickets only: a server-side session cache would grow per client. One TLS 1.3 ticket
	 * per handshake, not OpenSSL's two (RFC 8446 §4.6.1: a resumption brings the next one):
	 * a full TLS 1.3 handshake costs ternd about a fifth more CPU with two. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (!dtls)
		SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_client_hello_cb(ctx, tls_ctx_on_hello, NULL);
	SSL_CTX_set_alpn_select_cb(ctx, tls_ctx_on_alpn, NULL);
	if (o->cipher_list != NULL && SSL_CTX_set_cipher_list(ctx, o->cipher_list) != 1)
		return tls_ctx_fail(b, "cipher-list", o->cipher_list);
	if (o->ec_curve != NULL && SSL_CTX_set1_groups_list(ctx, o->ec_curve) != 1)
		return tls_ctx_fail(b, "ec-curve-name", o->ec_curve);
	if (b->dh != NULL) {
		if (EVP_PKEY_up_ref(b->dh) != 1)
			return tls_ctx_fail(b, "dh-file", o->dh_file);
		if (SSL_CTX_set0_tmp_dh_pkey(ctx, b->dh) != 1) {
			EVP_PKEY_free(b->dh);
			return tls_ctx_fail(b, "dh-file", o->dh_file);
		}
	} else if (SSL_CTX_set_dh_auto(ctx, 1) != 1) {
		return tls_ctx_fail(b, "automatic DH parameters", NULL);
	}
	if (tls_tickets_attach(b->tickets, ctx) != 0)
		return tls_ctx_fail(b, "session tickets", NULL);
	/* TLS: the record keys leave OpenSSL after the handshake (net/tls_keys.h). */
	if (!dtls && tls_keys_watch(ctx) != 0)
		return tls_ctx_fail(b, "record keys", NULL);
	return 0;
}

/* Loads the certificate chain and its key into ctx and checks that they belong together. */
static int tls_ctx_load(struct tls_ctx_build *b, SSL_CTX *ctx, const struct tls_cert_spec *c)
{
	const char *pkey = c->pkey != NULL ? c->pkey : c->cert;
	struct tls_ctx_pwd pwd = {b->o->pkey_pwd, false};
	int rc = 0;

	SSL_CTX_set_default_passwd_cb(ctx, tls_ctx_on_passwd);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, &pwd);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->cert) != 1) {
		rc = tls_ctx_fail(b, "cert", c->cert);
	} else if (SSL_CTX_use_PrivateKey_file(ctx, pkey, SSL_FILETYPE_PEM) != 1) {
		rc = tls_ctx_fail(b, "pkey", pkey);
		if (pwd.asked && pwd.pwd == NULL)
			snprintf(b->err, TLS_CTX_ERR_MAX, "pkey %s: encrypted, and no pkey-pwd",
				 pkey);
	} else if (SSL_CTX_check_private_key(ctx) != 1) {
		rc = tls_ctx_fail(b, "pkey", pkey);
	}
	/* The userdata lives on this stack frame only. */
	SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
	return rc;
}

/* Builds one certificate's context for TLS or DTLS into *out. */
static int tls_ctx_one(struct tls_ctx_build *b, const struct tls_cert_spec *c, bool dtls,
		       SSL_CTX **out)
{
	SSL_CTX *ctx = SSL_CTX_new(dtls ? DTLS_server_method() : TLS_server_method());
	int rc;

	if (ctx == NULL)
		return tls_ctx_fail(b, "cert", c->cert);
	rc = tls_ctx_setup(b, ctx, dtls);
	if (rc == 0)
		rc = tls_ctx_load(b, ctx, c);
	if (rc == 0 && c->sni == NULL) {
		SSL_CTX_set_tlsext_servername_callback(ctx, tls_ctx_on_servername);
		SSL_CTX_set_tlsext_servername_arg(ctx, b->s);
	}
	if (rc != 0) {
		SSL_CTX_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

/* Builds certificate i of the set (0: the default). */
static int tls_ctx_cert_add(struct tls_ctx_build *b, size_t i)
{
	const struct tls_ctx_opts *o = b->o;
	struct tls_cert_spec def = {NULL, o->cert, o->pkey};
	const struct tls_cert_spec *c = i == 0 ? &def : &o->certs[i - 1];
	struct tls_ctx_cert *cc = &b->s->c[i];
	int rc;

	if (c->cert == NULL || (i > 0 && (c->sni == NULL || c->sni[0] == '\0'))) {
		snprintf(b->err, TLS_CTX_ERR_MAX, "tls-certs entry %zu: %s missing", i,
			 c->cert == NULL ? "cert" : "sni");
		return -EINVAL;
	}
	if (c->sni != NULL && (cc->sni = strdup(c->sni)) == NULL) {
		snprintf(b->err, TLS_CTX_ERR_MAX, "tls-certs entry %zu: out of memory", i);
		return -ENOMEM;
	}
	rc = tls_ctx_one(b, c, false, &cc->tls);
	if (rc == 0 && o->dtls)
		rc = tls_ctx_one(b, c, true, &cc->dtls);
	return rc;
}

/* Reads the DH parameters of dh-file into b->dh. */
static int tls_ctx_dh_load(struct tls_ctx_build *b)
{
	BIO *bio = BIO_new_file(b->o->dh_file, "r");

	if (bio == NULL)
		return tls_ctx_fail(b, "dh-file", b->o->dh_file);
	b->dh = PEM_read_bio_Parameters(bio, NULL);
	BIO_free(bio);
	if (b->dh == NULL)
		return tls_ctx_fail(b, "dh-file", b->o->dh_file);
	if (!EVP_PKEY_is_a(b->dh, "DH")) {
		ERR_clear_error();
		snprintf(b->err, TLS_CTX_ERR_MAX, "dh-file %s: not DH parameters", b->o->dh_file);
		return -EINVAL;
	}
	return 0;
}

static void tls_ctxset_free(struct tls_ctxset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		SSL_CTX_free(s->c[i].tls);
		SSL_CTX_free(s->c[i].dtls);
		free(s->c[i].sni);
	}
	free(s);
}

int tls_ctxset_new(const struct tls_ctx_opts *o, struct tls_tickets *tickets,
		   struct tls_ctxset **out, char *err)
{
	struct tls_ctx_build b = {.o = o, .tickets = tickets, .err = err};
	size_t i;
	int rc = 0;

	err[0] = '\0';
	pthread_once(&tls_ctx_once, tls_ctx_init_once);
	if (o->cert == NULL || tickets == NULL || o->ncerts + 1 > TLS_CTX_MAX_CERTS ||
	    (o->ncerts > 0 && o->certs == NULL)) {
		snprintf(err, TLS_CTX_ERR_MAX, "%s",
			 o->cert == NULL ? "cert missing" : "too many tls-certs entries");
		return -EINVAL;
	}
	if (tls_ctx_hello_idx < 0) {
		snprintf(err, TLS_CTX_ERR_MAX, "out of memory");
		return -ENOMEM;
	}
	b.s = calloc(1, sizeof(*b.s) + (o->ncerts + 1) * sizeof(b.s->c[0]));
	if (b.s == NULL) {
		snprintf(err, TLS_CTX_ERR_MAX, "out of memory");
		return -ENOMEM;
	}
	atomic_init(&b.s->refs, 1);
	b.s->n = o->ncerts + 1;
	ERR_clear_error();
	if (o->dh_file != NULL)
		rc = tls_ctx_dh_load(&b);
	for (i = 0; rc == 0 && i < b.s->n; i++)
		rc = tls_ctx_cert_add(&b, i);
	EVP_PKEY_free(b.dh);
	if (rc != 0) {
		tls_ctxset_free(b.s);
		return rc;
	}
	/* Logged once the whole set is built: a set that fails logs nothing. */
	for (i = 0; i < b.s->n; i++)
		tls_certlog(b.s->c[i].sni, SSL_CTX_get0_certificate(b.s->c[i].tls));
	*out = b.s;
	return 0;
}

struct tls_ctxset *tls_ctxset_ref(struct tls_ctxset *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void tls_ctxset_unref(struct tls_ctxset *s)
{
	if (s != NULL && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		tls_ctxset_free(s);
}

SSL *tls_ctxset_ssl(struct tls_ctxset *s)
{
	SSL *ssl = SSL_new(s->c[0].tls);

	if (ssl != NULL)
		SSL_set_accept_state(ssl);
	return ssl;
}

SSL *tls_ctxset_dtls_ssl(struct tls_ctxset *s)
{
	SSL *ssl;

	if (s->c[0].dtls == NULL)
		return NULL;
	ssl = SSL_new(s->c[0].dtls);
	if (ssl != NULL)
		SSL_set_accept_state(ssl);
	return ssl;
}

SSL_CTX *tls_ctxset_dtls_ctx(struct tls_ctxset *s)
{
	return s->c[0].dtls;
}
