/* Long-term credential keys and USERHASH (RFC 8489 §9.2.2, §14.4). */
#include "auth/key.h"

#include <errno.h>
#include <string.h>

#include "base/codec.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

#define U RFC5769_LT_USERNAME, strlen(RFC5769_LT_USERNAME)
#define R RFC5769_LT_REALM, strlen(RFC5769_LT_REALM)
#define P RFC5769_LT_PASSWORD, strlen(RFC5769_LT_PASSWORD)

int main(void)
{
	uint8_t key[AUTH_KEY_MAX], ref[CRYPTO_SHA256_LEN];
	const char *in = RFC5769_LT_USERNAME ":" RFC5769_LT_REALM ":" RFC5769_LT_PASSWORD;
	struct crypto_part part = {in, strlen(in)};
	char hex[2 * AUTH_KEY_MAX + 1];

	CHECK_EQ_INT(auth_key_derive(AUTH_KEY_MD5, U, R, P, key), 16, "MD5 key is 16 bytes");
	crypto_md5(&part, 1, ref);
	CHECK_MEM(key, ref, 16, "MD5 key = MD5(user:realm:pass)");
	CHECK_EQ_INT(auth_key_derive(AUTH_KEY_SHA256, U, R, P, key), 32, "SHA-256 key is 32 bytes");
	crypto_sha256(&part, 1, ref);
	CHECK_MEM(key, ref, 32, "SHA-256 key = SHA-256(user:realm:pass)");
	CHECK_EQ_INT(auth_key_derive((enum auth_key_alg)7, U, R, P, key), -EINVAL,
		     "unknown algorithm");
	CHECK_EQ_INT(auth_userhash(U, R, key), 0, "USERHASH");
	CHECK_MEM(key, rfc8489_b1_userhash, 32, "USERHASH matches RFC 8489 B.1");
	auth_key_derive(AUTH_KEY_MD5, "user", 4, "realm", 5, "pass", 4, key);
	codec_hex(key, 16, hex);
	/* The classic coturn example: turnadmin -k -u user -r realm -p pass. */
	CHECK(strcmp(hex, "8493fbc53ba582fb4c044c456bdc40eb") == 0, "hex of MD5(user:realm:pass)");
	codec_hex(key, 0, hex);
	CHECK(hex[0] == '\0', "empty hex");
	return tap_done();
}
