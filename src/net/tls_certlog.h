/* Log lines describing a certificate as the context set loads it. Internal to
 * net/tls_*.c. */
#ifndef TERN_NET_TLS_CERTLOG_H
#define TERN_NET_TLS_CERTLOG_H

#include <openssl/x509.h>

/* Logs (module "tls") one info line "tls certificate sni=NAME|default subject=\"...\"
 * sans=\"DNS:a,IP:b\" not_after=YYYY-MM-DDTHH:MM:SSZ", and a warning "tls certificate
 * expires soon ..." when notAfter is within TLS_CTX_EXPIRY_WARN_DAYS days or "tls
 * certificate expired ..." when it is past. sni NULL: the default certificate. x borrowed;
 * NULL logs nothing. */
void tls_certlog(const char *sni, X509 *x);

#endif
