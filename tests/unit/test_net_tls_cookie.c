/* DTLS cookies: valid for the same address, refused for another port, address, secret or
 * length; the previous secret still accepted after a rotation. */
#include "net/tls_cookie.h"

#include <string.h>

#include "tap.h"

int main(void)
{
	uint8_t s1[TLS_COOKIE_SECRET], s2[TLS_COOKIE_SECRET], c[TLS_COOKIE_LEN];
	struct addr a, b, v6;

	memset(s1, 1, sizeof(s1));
	memset(s2, 2, sizeof(s2));
	addr_parse(&a, "192.0.2.1", 40000);
	addr_parse(&b, "192.0.2.1", 40001);
	addr_parse(&v6, "2001:db8::1", 40000);
	CHECK_EQ_INT(tls_cookie_make(s1, &a, c), 0, "cookie made");
	CHECK(tls_cookie_is_valid(s1, NULL, &a, c, sizeof(c)), "same address accepted");
	CHECK(!tls_cookie_is_valid(s1, NULL, &b, c, sizeof(c)), "other port refused");
	CHECK(!tls_cookie_is_valid(s1, NULL, &v6, c, sizeof(c)), "other address refused");
	CHECK(!tls_cookie_is_valid(s2, NULL, &a, c, sizeof(c)), "other secret refused");
	CHECK(tls_cookie_is_valid(s2, s1, &a, c, sizeof(c)), "previous secret accepted");
	CHECK(!tls_cookie_is_valid(s1, NULL, &a, c, sizeof(c) - 1), "short cookie refused");
	c[0] ^= 1;
	CHECK(!tls_cookie_is_valid(s1, NULL, &a, c, sizeof(c)), "altered cookie refused");
	return tap_done();
}
