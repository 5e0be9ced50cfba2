/* SNI name matching (RFC 6125 §6.4.3: a wildcard covers exactly one leftmost label). */
#include "net/tls_sni.h"

#include <string.h>
#include <strings.h>

/* host[0..hlen) against pattern, both without a trailing dot. */
static bool tls_sni_eq(const char *pattern, const char *host, size_t hlen)
{
	return strlen(pattern) == hlen && strncasecmp(pattern, host, hlen) == 0;
}

bool tls_sni_is_match(const char *pattern, const char *host)
{
	const char *dot;
	size_t hlen;

	if (!pattern || !host || !*pattern || !*host)
		return false;
	hlen = strlen(host);
	if (host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0)
		return false;
	if (pattern[0] != '*')
		return tls_sni_eq(pattern, host, hlen);
	if (pattern[1] != '.' || pattern[2] == '\0')
		return false;
	dot = memchr(host, '.', hlen);
	if (!dot || dot == host)
		return false;
	return tls_sni_eq(pattern + 2, dot + 1, hlen - (size_t)(dot + 1 - host));
}
