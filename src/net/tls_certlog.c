/* Certificate log lines: subject (RFC 2253), DNS and IP subjectAltNames, notAfter. */
#include "net/tls_certlog.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "net/tls_ctx.h"

/* The subject in RFC 2253 form (special characters escaped by OpenSSL). */
static void tls_certlog_subject(X509 *x, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_read(bio, buf, (int)len - 1);
		buf[n > 0 ? n : 0] = '\0';
	}
	BIO_free(bio);
}

/* Appends "DNS:name" or "IP:address" for one subjectAltName (other kinds skipped); bytes a
 * log line should not carry are replaced by '?'. */
static void tls_certlog_san(const GENERAL_NAME *g, char *buf, size_t len)
{
	char one[300], ip[INET6_ADDRSTRLEN];
	const unsigned char *p;
	size_t used = strlen(buf), i;
	int n;

	if (g->type == GEN_DNS) {
		p = ASN1_STRING_get0_data(g->d.dNSName);
		n = ASN1_STRING_length(g->d.dNSName);
		if (n < 0 || (size_t)n > sizeof(one) - 5)
			return;
		memcpy(one, "DNS:", 4);
		for (i = 0; i < (size_t)n; i++)
			one[4 + i] = p[i] > 0x20 && p[i] < 0x7F && p[i] != '"' ? (char)p[i] : '?';
		one[4 + n] = '\0';
	} else if (g->type == GEN_IPADD) {
		p = ASN1_STRING_get0_data(g->d.iPAddress);
		n = ASN1_STRING_length(g->d.iPAddress);
		if ((n != 4 && n != 16) ||
		    !inet_ntop(n == 4 ? AF_INET : AF_INET6, p, ip, sizeof(ip)))
			return;
		snprintf(one, sizeof(one), "IP:%s", ip);
	} else {
		return;
	}
	snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "", one);
}

static void tls_certlog_sans(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i;

	buf[0] = '\0';
	for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++)
		tls_certlog_san(sk_GENERAL_NAME_value(names, i), buf, len);
	GENERAL_NAMES_free(names);
}

void tls_certlog(const char *sni, X509 *x)
{
	char subject[256], sans[512], not_after[32] = "-";
	const ASN1_TIME *na;
	const char *name = sni != NULL ? sni : "default";
	struct tm tm;
	int days = 0, secs = 0;

	if (x == NULL)
		return;
	tls_certlog_subject(x, subject, sizeof(subject));
	tls_certlog_sans(x, sans, sizeof(sans));
	na = X509_get0_notAfter(x);
	if (ASN1_TIME_to_tm(na, &tm) == 1)
		strftime(not_after, sizeof(not_after), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_info("tls", "tls certificate sni=%s subject=\"%s\" sans=\"%s\" not_after=%s", name,
		 subject, sans, not_after);
	/* From now to notAfter; both parts carry the sign. */
	if (ASN1_TIME_diff(&days, &secs, NULL, na) != 1) {
		ERR_clear_error();
		return;
	}
	if (days < 0 || secs < 0 || (days == 0 && secs == 0))
		log_warn("tls", "tls certificate expired sni=%s subject=\"%s\" not_after=%s", name,
			 subject, not_after);
	else if (days < TLS_CTX_EXPIRY_WARN_DAYS)
		log_warn("tls",
			 "tls certificate expires soon sni=%s subject=\"%s\" not_after=%s "
			 "days_left=%d",
			 name, subject, not_after, days);
}
