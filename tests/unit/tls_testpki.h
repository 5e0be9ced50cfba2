/* A throwaway PKI for TLS unit tests, made with OpenSSL's API in a mkdtemp directory: a CA,
 * leaf certificates with subjectAltNames and chosen lifetimes, keys (optionally encrypted
 * with a password), DH parameters. Every file written is removed by pki_free. */
#ifndef TERN_TESTS_TLS_TESTPKI_H
#define TERN_TESTS_TLS_TESTPKI_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define PKI_MAX_FILES 32

struct pki {
	char dir[64];
	EVP_PKEY *ca_key;
	X509 *ca;
	long serial;
	char *files[PKI_MAX_FILES];
	int nfiles;
};

/* A leaf (or, without issuer, a self-signed CA) certificate. */
struct pki_cert {
	const char *cn;
	const char *san; /* "DNS:a,IP:1.2.3.4" or NULL */
	long days;	 /* notAfter from now; negative: expired */
	bool rsa;	 /* RSA-2048 key instead of P-256 */
};

/* The path of name inside the PKI directory (kept for removal); caller does not free. */
static const char *pki_path(struct pki *p, const char *name)
{
	char *path = malloc(strlen(p->dir) + strlen(name) + 2);

	sprintf(path, "%s/%s", p->dir, name);
	if (p->nfiles < PKI_MAX_FILES)
		p->files[p->nfiles++] = path;
	return path;
}

static EVP_PKEY *pki_key(bool rsa)
{
	return rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
		   : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int pki_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;

	X509_EXTENSION_free(ext);
	return ok;
}

/* A certificate for key, signed by the CA (or by key itself while the CA is being made). */
static X509 *pki_cert_new(struct pki *p, const struct pki_cert *c, EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509 *issuer = p->ca != NULL ? p->ca : x;
	X509V3_CTX v3;
	int ok;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ++p->serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -2 * 86400L);
	X509_gmtime_adj(X509_getm_notAfter(x), c->days * 86400L);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)c->cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	X509_set_pubkey(x, key);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ok = pki_ext(x, &v3, NID_basic_constraints, p->ca ? "CA:FALSE" : "critical,CA:TRUE");
	if (p->ca == NULL)
		ok = ok && pki_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (c->san != NULL)
		ok = ok && pki_ext(x, &v3, NID_subject_alt_name, c->san);
	ok = ok && X509_sign(x, p->ca_key ? p->ca_key : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int pki_write_cert(struct pki *p, const char *name, X509 *x)
{
	FILE *f = fopen(pki_path(p, name), "w");
	int ok = f != NULL && PEM_write_X509(f, x) == 1;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* Writes key as PKCS#8 PEM, encrypted with AES-256-CBC when pwd is set. */
static int pki_write_key(struct pki *p, const char *name, EVP_PKEY *key, const char *pwd)
{
	FILE *f = fopen(pki_path(p, name), "w");
	int ok = f != NULL && PEM_write_PrivateKey(f, key, pwd ? EVP_aes_256_cbc() : NULL, NULL, 0,
						   NULL, (void *)pwd) == 1;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* Makes NAME.pem and NAME.key (and, with pwd, NAME.enc.key encrypted with pwd; with both,
 * NAME.both.pem holding the certificate and the key). */
static int pki_leaf(struct pki *p, const char *name, const struct pki_cert *c, const char *pwd)
{
	char fn[64];
	EVP_PKEY *key = pki_key(c->rsa);
	X509 *x = key ? pki_cert_new(p, c, key) : NULL;
	FILE *f;
	int rc = x ? 0 : -1;

	snprintf(fn, sizeof(fn), "%s.pem", name);
	rc = rc ? rc : pki_write_cert(p, fn, x);
	snprintf(fn, sizeof(fn), "%s.key", name);
	rc = rc ? rc : pki_write_key(p, fn, key, NULL);
	snprintf(fn, sizeof(fn), "%s.enc.key", name);
	if (pwd != NULL)
		rc = rc ? rc : pki_write_key(p, fn, key, pwd);
	snprintf(fn, sizeof(fn), "%s.both.pem", name);
	if (rc == 0 && (f = fopen(pki_path(p, fn), "w")) != NULL) {
		if (PEM_write_X509(f, x) != 1 ||
		    PEM_write_PrivateKey(f, key, NULL, NULL, 0, 0, 0) != 1)
			rc = -1;
		fclose(f);
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* RFC 7919 ffdhe2048 as PEM DH parameters (named group: no prime search). */
static inline int pki_dh(struct pki *p, const char *name)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM params[2];
	EVP_PKEY *dh = NULL;
	BIO *f;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "ffdhe2048", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = pc != NULL && EVP_PKEY_paramgen_init(pc) == 1 &&
	     EVP_PKEY_CTX_set_params(pc, params) == 1 && EVP_PKEY_paramgen(pc, &dh) == 1;
	f = ok ? BIO_new_file(pki_path(p, name), "w") : NULL;
	ok = f != NULL && PEM_write_bio_Parameters(f, dh) == 1;
	BIO_free(f);
	EVP_PKEY_free(dh);
	EVP_PKEY_CTX_free(pc);
	return ok ? 0 : -1;
}

static int pki_init(struct pki *p)
{
	struct pki_cert ca = {"Tern Test CA", NULL, 30, false};

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/test_tls_ctx_XXXXXX");
	if (mkdtemp(p->dir) == NULL)
		return -1;
	p->ca_key = pki_key(false);
	p->ca = p->ca_key ? pki_cert_new(p, &ca, p->ca_key) : NULL;
	return p->ca ? pki_write_cert(p, "ca.pem", p->ca) : -1;
}

static void pki_free(struct pki *p)
{
	int i;

	for (i = 0; i < p->nfiles; i++) {
		unlink(p->files[i]);
		free(p->files[i]);
	}
	rmdir(p->dir);
	X509_free(p->ca);
	EVP_PKEY_free(p->ca_key);
}

#endif
