/* SNI matching: exact names ignoring case, one-label wildcards, trailing dots, refusals. */
#include "net/tls_sni.h"

#include "tap.h"

int main(void)
{
	CHECK(tls_sni_is_match("turn.example.org", "turn.example.org"), "exact");
	CHECK(tls_sni_is_match("turn.example.org", "TURN.Example.ORG"), "case ignored");
	CHECK(tls_sni_is_match("turn.example.org", "turn.example.org."), "trailing dot");
	CHECK(!tls_sni_is_match("turn.example.org", "turn.example.com"), "other name");
	CHECK(!tls_sni_is_match("turn.example.org", "xturn.example.org"), "longer name");
	CHECK(tls_sni_is_match("*.example.org", "a.example.org"), "wildcard, one label");
	CHECK(tls_sni_is_match("*.example.org", "A.EXAMPLE.org."), "wildcard, case, dot");
	CHECK(!tls_sni_is_match("*.example.org", "example.org"), "wildcard needs a label");
	CHECK(!tls_sni_is_match("*.example.org", "a.b.example.org"), "wildcard: one label only");
	CHECK(!tls_sni_is_match("*.example.org", ".example.org"), "empty label");
	CHECK(!tls_sni_is_match("*", "a"), "bare star refused");
	CHECK(!tls_sni_is_match("*x.example.org", "ax.example.org"), "partial wildcard refused");
	CHECK(!tls_sni_is_match(NULL, "a"), "no pattern");
	CHECK(!tls_sni_is_match("a", NULL), "no host");
	CHECK(!tls_sni_is_match("a", ""), "empty host");
	CHECK(!tls_sni_is_match("a", "."), "host of a dot");
	return tap_done();
}
