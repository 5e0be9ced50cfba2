/* TURN REST ephemeral credentials: username parsing, expiry, separator, password vectors
 * computed with openssl(1), the derived long-term key. */
#include "auth/rest.h"

#include <errno.h>
#include <string.h>

#include "auth/key.h"
#include "base/codec.h"
#include "tap.h"

static void test_parse(void)
{
	int64_t e = 0;

	CHECK_EQ_INT(auth_rest_parse("1700000000:alice", 16, ':', &e), 0, "plain REST name");
	CHECK_EQ_INT(e, 1700000000, "expiry parsed");
	CHECK_EQ_INT(auth_rest_parse("1:a:b", 5, ':', &e), 0, "user may contain the separator");
	CHECK_EQ_INT(e, 1, "expiry before the first separator");
	CHECK_EQ_INT(auth_rest_parse("alice", 5, ':', &e), -EINVAL, "no separator");
	CHECK_EQ_INT(auth_rest_parse(":alice", 6, ':', &e), -EINVAL, "empty timestamp");
	CHECK_EQ_INT(auth_rest_parse("123:", 4, ':', &e), -EINVAL, "empty user");
	CHECK_EQ_INT(auth_rest_parse("12a:bob", 7, ':', &e), -EINVAL, "non-digit timestamp");
	CHECK_EQ_INT(auth_rest_parse("-5:bob", 6, ':', &e), -EINVAL, "negative timestamp");
	CHECK_EQ_INT(auth_rest_parse("+5:bob", 6, ':', &e), -EINVAL, "signed timestamp");
	CHECK_EQ_INT(auth_rest_parse("99999999999999999999:b", 22, ':', &e), -EINVAL,
		     "20 digits overflow");
	CHECK_EQ_INT(auth_rest_parse("9999999999999999999:b", 21, ':', &e), -EINVAL,
		     "19 digits above INT64_MAX");
	CHECK_EQ_INT(auth_rest_parse("9223372036854775807:b", 21, ':', &e), 0, "INT64_MAX");
	CHECK(e == INT64_MAX, "INT64_MAX value");
	CHECK_EQ_INT(auth_rest_parse("123", 3, ':', &e), -EINVAL, "digits only");
	CHECK_EQ_INT(auth_rest_parse("", 0, ':', &e), -EINVAL, "empty");
	CHECK_EQ_INT(auth_rest_parse("1700000000#bob", 14, '#', &e), 0, "other separator");
	CHECK_EQ_INT(auth_rest_parse("1700000000:bob", 14, '#', &e), -EINVAL,
		     "default separator not accepted when another is set");
	CHECK_EQ_INT(auth_rest_parse("12:bob", 2, ':', &e), -EINVAL, "length is honoured");
}

static void test_expiry(void)
{
	CHECK_EQ_INT(auth_rest_check("1000:bob", 8, ':', 999), 0, "future");
	CHECK_EQ_INT(auth_rest_check("1000:bob", 8, ':', 1000), 0, "expiry second still valid");
	CHECK_EQ_INT(auth_rest_check("1000:bob", 8, ':', 1001), -EKEYEXPIRED, "expired");
	CHECK_EQ_INT(auth_rest_check("bob", 3, ':', 1), -EINVAL, "not REST");
}

static void check_pass(const char *secret, const char *user, const char *want)
{
	char out[AUTH_REST_PASS_LEN + 1];

	CHECK_EQ_INT(auth_rest_password(secret, strlen(secret), user, strlen(user), out), 0,
		     "password for %s", user);
	CHECK(strcmp(out, want) == 0, "password %s = %s (got %s)", user, want, out);
}

static void test_password(void)
{
	/* printf %s 1700000000:alice | openssl dgst -sha1 -hmac north-secret -binary | base64 */
	check_pass("north-secret", "1700000000:alice", "g+jb180fcj+xlpA/2mP60OdIgU0=");
	/* printf %s 4102444800:bob | openssl dgst -sha1 -hmac s3cr3t -binary | base64 */
	check_pass("s3cr3t", "4102444800:bob", "UQSIx04Izl79Qc/79lz9MiOHqpY=");
	/* printf %s 4102444800#bob | openssl dgst -sha1 -hmac s3cr3t -binary | base64 */
	check_pass("s3cr3t", "4102444800#bob", "mvinwT4EGjz8j3o0ZHTpX2JuqpE=");
	/* printf %s 4102444800:bob | openssl dgst -sha1 -hmac rotated -binary | base64 */
	check_pass("rotated", "4102444800:bob", "EO6CIyCRlpQyEUkWCInEP+Ggo3c=");
}

static void test_key(void)
{
	/* printf %s '4102444800:bob:tern.local:UQSIx04Izl79Qc/79lz9MiOHqpY=' | md5sum */
	const char *want = "2aefa7982e56fb6d89d07d4ce9f65b39";
	struct cred_key k;
	char hex[2 * CRYPTO_MD5_LEN + 1];
	uint8_t sha[AUTH_KEY_MAX];

	CHECK_EQ_INT(auth_rest_key("s3cr3t", 6, "4102444800:bob", 14, "tern.local", 10, &k), 0,
		     "key derived");
	codec_hex(k.md5, CRYPTO_MD5_LEN, hex);
	CHECK(k.has_md5 && strcmp(hex, want) == 0, "MD5 key = %s (got %s)", want, hex);
	auth_key_derive(AUTH_KEY_SHA256, "4102444800:bob", 14, "tern.local", 10,
			"UQSIx04Izl79Qc/79lz9MiOHqpY=", AUTH_REST_PASS_LEN, sha);
	CHECK(k.has_sha256 && memcmp(k.sha256, sha, CRYPTO_SHA256_LEN) == 0, "SHA-256 key");
}

int main(void)
{
	test_parse();
	test_expiry();
	test_password();
	test_key();
	return tap_done();
}
