/* Stateless nonces: round trip, expiry on a synthetic clock, binding to the client IP,
 * tampering, the RFC 8489 §9.2 nonce cookie. */
#include "auth/nonce.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "tap.h"

#define T0	 1000000u				     /* a monotonic clock reading, ms */
#define B1_NONCE "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA" /* RFC 8489 B.1 */

/* Every character allowed in NONCE's qdtext (RFC 8489 §14.10) and base64(url). */
static bool nonce_chars_ok(const char *n)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				 "0123456789+/-_";

	return strspn(n, ok) == strlen(n);
}

static int check(const struct auth_nonce_key *k, const struct addr *a, const char *n, uint64_t now)
{
	return auth_nonce_check(k, a, (const uint8_t *)n, strlen(n), now);
}

static void test_roundtrip(void)
{
	struct auth_nonce_key k, other;
	struct addr a, a_port, b, v6;
	char n[AUTH_NONCE_MAX + 1], n2[AUTH_NONCE_MAX + 1];
	int len;

	CHECK_EQ_INT(auth_nonce_key_init(&k, 60, 0), 0, "key init");
	CHECK_EQ_INT(auth_nonce_key_init(&other, 60, 0), 0, "second key init");
	addr_parse(&a, "192.0.2.1", 5000);
	addr_parse(&a_port, "192.0.2.1", 6000);
	addr_parse(&b, "192.0.2.2", 5000);
	addr_parse(&v6, "2001:db8::1", 5000);

	len = auth_nonce_make(&k, &a, T0, n);
	CHECK(len > 0 && len < 128 && len <= AUTH_NONCE_MAX && (size_t)len == strlen(n),
	      "make: length %d, under 128 and AUTH_NONCE_MAX", len);
	CHECK(strncmp(n, "obMatJos2AAAA", 13) == 0, "cookie with no features: %s", n);
	CHECK(nonce_chars_ok(n), "only base64/base64url characters");
	CHECK_EQ_INT(check(&k, &a, n, T0), 0, "valid at once");
	CHECK_EQ_INT(check(&k, &a_port, n, T0 + 1000), 0, "valid from another port");
	CHECK_EQ_INT(check(&k, &a, n, T0 + 59999), 0, "valid just before expiry");
	CHECK_EQ_INT(check(&k, &a, n, T0 + 60000), -ESTALE, "expired at lifetime");
	CHECK_EQ_INT(check(&k, &a, n, T0 + 3600000), -ESTALE, "expired long after");
	CHECK_EQ_INT(check(&k, &b, n, T0), -ESTALE, "another client IP");
	CHECK_EQ_INT(check(&k, &v6, n, T0), -ESTALE, "an IPv6 client");
	CHECK_EQ_INT(check(&other, &a, n, T0), -ESTALE, "another secret");

	len = auth_nonce_make(&k, &v6, T0, n2);
	CHECK(len > 0 && check(&k, &v6, n2, T0 + 1) == 0, "IPv6 client round trip");
	CHECK(strcmp(n, n2) != 0, "different clients, different nonces");
	auth_nonce_make(&k, &a, T0 + 1, n2);
	CHECK(strcmp(n, n2) != 0, "different times, different nonces");
}

static void test_tamper(void)
{
	struct auth_nonce_key k;
	struct addr a;
	char n[AUTH_NONCE_MAX + 1], t[AUTH_NONCE_MAX + 2];
	size_t i, len, bad = 0;

	auth_nonce_key_init(&k, 0, 0);
	CHECK_EQ_INT(k.lifetime_s, 600, "lifetime 0 means 600 s");
	addr_parse(&a, "198.51.100.7", 1);
	len = (size_t)auth_nonce_make(&k, &a, T0, n);
	/* Change every character in turn to another base64url character. */
	for (i = 0; i < len; i++) {
		memcpy(t, n, len + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		if (check(&k, &a, t, T0) != -ESTALE)
			bad++;
	}
	CHECK_EQ_INT(bad, 0, "each one-character change is refused");
	memcpy(t, n, len + 1);
	t[len - 1] = '=';
	CHECK_EQ_INT(check(&k, &a, t, T0), -ESTALE, "a character outside the alphabet");
	CHECK_EQ_INT(auth_nonce_check(&k, &a, (const uint8_t *)n, len - 1, T0), -ESTALE,
		     "truncated");
	memcpy(t, n, len + 1);
	t[len] = 'A', t[len + 1] = '\0';
	CHECK_EQ_INT(check(&k, &a, t, T0), -ESTALE, "one character too long");
	CHECK_EQ_INT(check(&k, &a, "", T0), -ESTALE, "empty");
	CHECK_EQ_INT(check(&k, &a, "f//499k954d6OL34oL9FSTvy64sA", T0), -ESTALE,
		     "RFC 5769 nonce (no cookie)");
	CHECK_EQ_INT(check(&k, &a, B1_NONCE, T0), -ESTALE, "RFC 8489 B.1 nonce");
}

static void test_features(void)
{
	const uint32_t pa = AUTH_FEATURE_PASSWORD_ALGORITHMS;
	const uint32_t both = pa | AUTH_FEATURE_USERNAME_ANONYMITY;
	struct auth_nonce_key k, k0;
	struct addr a;
	char n[AUTH_NONCE_MAX + 1], t[AUTH_NONCE_MAX + 1];
	int len;

	addr_parse(&a, "203.0.113.9", 3478);
	auth_nonce_key_init(&k, 600, pa);
	len = auth_nonce_make(&k, &a, T0, n);
	CHECK(strncmp(n, "obMatJos2gAAA", 13) == 0, "cookie: bit 0 set is \"gAAA\" (%.13s)", n);
	CHECK_EQ_INT(auth_nonce_features((const uint8_t *)n, (size_t)len), pa,
		     "features of our nonce");
	CHECK_EQ_INT(check(&k, &a, n, T0 + 5), 0, "valid");
	/* Stripping the bit on the path (a bid-down) breaks the HMAC. */
	memcpy(t, n, (size_t)len + 1);
	memcpy(t + 9, "AAAA", 4);
	CHECK_EQ_INT(auth_nonce_features((const uint8_t *)t, (size_t)len), 0,
		     "stripped cookie reads as no features");
	CHECK_EQ_INT(check(&k, &a, t, T0 + 5), -ESTALE, "stripped cookie refused");
	/* A server whose features changed refuses nonces made with the old ones. */
	memcpy(&k0, &k, sizeof(k0));
	k0.features = 0;
	CHECK_EQ_INT(check(&k0, &a, n, T0 + 5), -ESTALE, "other feature set refused");

	auth_nonce_key_init(&k, 600, both);
	len = auth_nonce_make(&k, &a, T0, n);
	CHECK(strncmp(n, "obMatJos2wAAA", 13) == 0, "both bits: \"wAAA\"");
	CHECK_EQ_INT(auth_nonce_features((const uint8_t *)n, (size_t)len), both, "both bits");
	CHECK_EQ_INT(auth_nonce_features((const uint8_t *)B1_NONCE, strlen(B1_NONCE)), 2,
		     "RFC 8489 B.1 cookie \"AAAC\"");
	CHECK_EQ_INT(auth_nonce_features((const uint8_t *)"f//499k954d6OL34oL9FSTvy64sA", 28),
		     -EINVAL, "no cookie");
	CHECK_EQ_INT(auth_nonce_features((const uint8_t *)"obMatJos2AA", 11), -EINVAL,
		     "cookie cut short");
	CHECK_EQ_INT(auth_nonce_features((const uint8_t *)"obMatJos2A=AA", 13), -EINVAL,
		     "cookie with a bad character");
}

/* A fleet: two processes share the secret; each puts its monotonic clock on the wall
 * clock with its own clock_ms, so a nonce one makes verifies on the other. */
static void test_fleet_clock(void)
{
	const uint64_t wall = 1765000000000ull; /* the wall clock when both read it, ms */
	struct auth_nonce_key a, b;
	struct addr c;
	char n[AUTH_NONCE_MAX + 1];

	auth_nonce_key_init(&a, 60, 0);
	auth_nonce_key_init(&b, 60, 0);
	memcpy(b.secret, a.secret, sizeof(a.secret));
	addr_parse(&c, "192.0.2.1", 5000);
	a.clock_ms = wall - T0;	    /* node a's monotonic clock read T0 */
	b.clock_ms = wall - 5 * T0; /* node b's read 5 * T0 at that instant */
	CHECK(auth_nonce_make(&a, &c, T0, n) > 0, "node a makes a nonce");
	CHECK_EQ_INT(check(&b, &c, n, 5 * T0 + 100), 0, "node b takes it (shared time line)");
	CHECK_EQ_INT(check(&b, &c, n, 5 * T0 + 60000), -ESTALE, "... until it expires");
	b.clock_ms -= 1000; /* b's wall clock 1 s behind a's */
	CHECK_EQ_INT(check(&b, &c, n, 5 * T0), -ESTALE,
		     "a clock 1 s behind sees an expiry beyond a lifetime: refused");
	b.skew_ms = 2000;
	CHECK_EQ_INT(check(&b, &c, n, 5 * T0), 0, "... taken with skew_ms 2000");
	b.clock_ms = 0;
	CHECK_EQ_INT(check(&b, &c, n, 5 * T0), -ESTALE, "its own monotonic clock only: refused");
}

int main(void)
{
	test_roundtrip();
	test_tamper();
	test_features();
	test_fleet_clock();
	return tap_done();
}
