/* SNI name matching for choosing a certificate (a `tls-certs` entry's sni setting). Pure. */
#ifndef TERN_NET_TLS_SNI_H
#define TERN_NET_TLS_SNI_H

#include <stdbool.h>

/* True when host (the client's server_name) matches pattern: equal ignoring case, or
 * pattern "*.example.org" and host exactly one more label ("a.example.org", not
 * "example.org" nor "a.b.example.org"), as RFC 6125 §6.4.3 allows. A trailing dot on host
 * is ignored. NULL or empty arguments never match. */
bool tls_sni_is_match(const char *pattern, const char *host);

#endif
